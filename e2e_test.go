package crawlaudit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/demo"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// demoServers serves the bundled demo site and its external origin.
func demoServers(t *testing.T) (site, external string, log *testsite.Log) {
	t.Helper()
	log = &testsite.Log{}
	d, err := demo.Start(log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d.Site.URL, d.External.URL, log
}

// crawlJSON is the part of crawl.json the end-to-end tests read.
type crawlJSON struct {
	SchemaVersion int    `json:"schema_version"`
	StartURL      string `json:"start_url"`
	Partial       bool   `json:"partial"`
	URLs          []struct {
		URL             string   `json:"url"`
		Status          int      `json:"status"`
		Kind            string   `json:"kind"`
		BlockedByRobots bool     `json:"blocked_by_robots"`
		Sources         []string `json:"sources"`
		Error           string   `json:"error"`
		ErrorKind       string   `json:"error_kind"`
		SitemapURLs     int      `json:"sitemap_urls"`
	} `json:"urls"`
	Findings []struct {
		Rule      string   `json:"rule"`
		Severity  string   `json:"severity"`
		URL       string   `json:"url"`
		Message   string   `json:"message"`
		Fix       string   `json:"fix"`
		Referrers []string `json:"referrers"`
	} `json:"findings"`
}

func readCrawlJSON(t *testing.T, dir string) crawlJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c crawlJSON
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("crawl.json: %v", err)
	}
	return c
}

// demoExpectedStatuses reads DEMO.md's "Every URL a crawl records" table:
// path → "status kind" ("blocked" for not requested, 0 for no answer).
func demoExpectedStatuses(t *testing.T, site, external string) map[string]string {
	t.Helper()
	data, err := demo.Sites.ReadFile("sites/DEMO.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\| ([^|]+) \\| (robots|sitemap|page|asset|external) \\|")
	want := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## Every URL a crawl records")
			continue
		}
		m := row.FindStringSubmatch(line)
		if !in || m == nil {
			continue
		}
		u := strings.ReplaceAll(m[1], "{{EXTERNAL}}", external)
		if strings.HasPrefix(u, "/") {
			u = site + u
		}
		status := strings.TrimSpace(m[2])
		switch status {
		case "not requested":
			status = "blocked"
		case "no answer":
			status = "0"
		}
		want[u] = status + " " + m[3]
	}
	if len(want) < 60 {
		t.Fatalf("DEMO.md table gave only %d URLs", len(want))
	}
	return want
}

func TestDemoCrawlEndToEnd(t *testing.T) {
	site, external, log := demoServers(t)
	out := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = site+"/", out
	res, err := crawlaudit.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || res.Partial || res.Out != out || res.StartURL != site+"/" {
		t.Fatalf("result = %+v, want failed (the demo has error findings) and complete", res)
	}
	c := readCrawlJSON(t, out)
	if c.SchemaVersion != 1 || c.StartURL != site+"/" {
		t.Errorf("schema_version %d, start_url %q", c.SchemaVersion, c.StartURL)
	}

	// Every URL's status and kind, exactly as DEMO.md lists them.
	want := demoExpectedStatuses(t, site, external)
	got := map[string]string{}
	for _, u := range c.URLs {
		s := strconv.Itoa(u.Status)
		if u.BlockedByRobots {
			s = "blocked"
		}
		got[u.URL] = s + " " + u.Kind
		if u.URL == site+"/sitemap.xml" && u.SitemapURLs != 23 {
			t.Errorf("/sitemap.xml: sitemap_urls %d, want 23", u.SitemapURLs)
		}
		if u.Status == 0 && !u.BlockedByRobots && u.Error == "" {
			t.Errorf("%s: status 0 without an error", u.URL)
		}
		// Each URL of the redirect loop says so on its record.
		loopA, loopB := site+"/loop-a", site+"/loop-b"
		if u.URL == loopA || u.URL == loopB {
			want := "redirect loop: " + loopA + " → " + loopB + " → " + loopA
			if u.URL == loopB {
				want = "redirect loop: " + loopB + " → " + loopA + " → " + loopB
			}
			if u.Error != want || u.ErrorKind != "redirect-loop" {
				t.Errorf("%s: error %q (%s), want %q", u.URL, u.Error, u.ErrorKind, want)
			}
		}
	}
	var diffs []string
	for k, w := range want {
		if got[k] != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %q", k, g))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("URL records differ from DEMO.md:\n%s", strings.Join(diffs, "\n"))
	}

	// The exact set of findings, with their referrers.
	wantFindings := []string{
		"broken-link error /blog/holiday-hours-2024.html <- /blog/page/2.html",
		"broken-link error /menu/seasonal.html <- /menu/",
		"forbidden-asset error /css/seasonal.css <- /",
		"forbidden-asset error /img/staff/team.jpg <- /about/",
		"forbidden-linked-page notice {{EXTERNAL}}/private <- /about/",
		"forbidden-linked-page warning /admin/ <- /about/",
		"fetch-error notice http://127.0.0.1:1/ <- /about/",
		"fetch-error warning /newsletter/subscribe <- /blog/",
		"soft-404 warning /blog/christmas-2025.html <- /blog/page/2.html",
		"missing-www-authenticate error /account/ <- /catering.html /wholesale.html",
		"redirect-chain warning /old-menu.html <- /faq.html /sitemap.xml",
		"redirect-loop error /loop-a <- /faq.html",
		"server-error error /catering/quote <- /catering.html",
		"server-error error /shop/ <- / /menu/",
		"unauthorized-asset error /cdn/photos/wedding-cake.jpg <- /gallery.html /menu/cakes.html",
		"unauthorized-linked-page warning /account/ <- /catering.html /wholesale.html",
		"unauthorized-linked-page warning /members/ <- /catering.html /wholesale.html",
		// authentication
		"basic-auth-over-http warning /members/ <- /catering.html /sitemap.xml /wholesale.html",
		"bot-protection notice {{EXTERNAL}}/market <- /about/",
		"login-wall warning /trade/ <- /wholesale.html",
		// sitemaps and robots.txt
		"sitemap-unavailable error /sitemap-wholesale.xml <- /robots.txt",
		"unauthorized-sitemap-url error /members/ <- /sitemap.xml",
		"asset-disallowed warning /css/print.css <- /css/site.css",
		"sitemap-url-disallowed warning /internal/report.html <- /sitemap.xml",
		"sitemap-url-not-indexable warning /old-menu.html <- /sitemap.xml",
		"orphan-sitemap-url notice /blog/2025/harvest-loaf.html <- /sitemap.xml",
		"page-missing-from-sitemap notice /map.html <- /contact.html",
		"sitemap-invalid-lastmod notice /sitemap.xml <- /robots.txt",
	}
	short := func(u string) string {
		u = strings.Replace(u, external, "{{EXTERNAL}}", 1)
		return strings.TrimPrefix(u, site)
	}
	var gotFindings []string
	for _, f := range c.Findings {
		var refs []string
		for _, r := range f.Referrers {
			refs = append(refs, short(r))
		}
		gotFindings = append(gotFindings, fmt.Sprintf("%s %s %s <- %s", f.Rule, f.Severity, short(f.URL), strings.Join(refs, " ")))
		if !strings.Contains(f.Message, "Fix:") || f.Fix == "" || !strings.HasSuffix(f.Message, ". Fix: "+f.Fix) {
			t.Errorf("%s on %s: message without its fix: %q (fix %q)", f.Rule, f.URL, f.Message, f.Fix)
		}
	}
	sort.Strings(gotFindings)
	sort.Strings(wantFindings)
	if strings.Join(gotFindings, "\n") != strings.Join(wantFindings, "\n") {
		t.Errorf("findings:\n got:\n%s\nwant:\n%s", strings.Join(gotFindings, "\n"), strings.Join(wantFindings, "\n"))
	}

	// Robots-disallowed and form URLs were never requested.
	for _, p := range []string{"/internal/report.html", "/contact/send"} {
		if n := log.Count(p); n != 0 {
			t.Errorf("%s requested %d times", p, n)
		}
	}
	// Every output file exists and the summary names them.
	for _, name := range []string{"crawl.json", "urls.csv", "findings.csv", "links.csv"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(res.Summary(), "What to fix first") || strings.Contains(res.Summary(), "Findings by rule") {
		t.Errorf("summary:\n%s", res.Summary())
	}
	// The Result's findings are crawl.json's, in its order.
	if len(res.Findings) != len(c.Findings) {
		t.Fatalf("%d findings in the Result, %d in crawl.json", len(res.Findings), len(c.Findings))
	}
	for i, f := range res.Findings {
		if jf := c.Findings[i]; f.Rule != jf.Rule || string(f.Severity) != jf.Severity || f.URL != jf.URL || f.Text() != jf.Message {
			t.Errorf("finding %d: Result %+v, crawl.json %+v", i, f, jf)
		}
	}
}

// TestAnotherModuleRunsAnAudit builds and runs testdata/embedder, a program
// of another module that imports only the public package: it audits a site
// it serves on loopback, as an embedder would, and prints what it found.
func TestAnotherModuleRunsAnAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another module")
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = filepath.Join("testdata", "embedder")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run testdata/embedder: %v\n%s", err, out)
	}
	want := `finding error broken-link /gone (fix: fix or remove the links; redirect the URL if the content moved)
finding error forbidden-asset /logo.png (fix: check the server or CDN rules that put the asset behind access control; public pages need public assets)
finding warning unauthorized-linked-page /account/ (fix: crawlers have no credentials: remove or change the public links, or make the page public if it should be)
record /account/ 401 page ["Bearer realm=\"shop\""]
record /logo.png 403 asset []
failed: false partial: false
`
	if string(out) != want {
		t.Errorf("embedder printed:\n%s\nwant:\n%s", out, want)
	}
}
