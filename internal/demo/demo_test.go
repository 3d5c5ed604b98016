package demo_test

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	bundled "github.com/crawlaudit/crawlaudit/internal/demo"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// This file checks the demo fixture against sites/DEMO.md: a
// minimal crawler (the crawler facts of DEMO.md, nothing more) walks the
// served demo site and every URL it meets, with its status, kind and, for
// the planted problems, referrers, must be what DEMO.md says. A change to the
// site that is not also made to DEMO.md fails here, so the document that
// end-to-end tests rely on cannot go stale.

// startDemo serves the embedded demo and external sites and returns their
// URLs and the demo's request log.
func startDemo(t *testing.T) (demo, external string, log *testsite.Log) {
	t.Helper()
	log = &testsite.Log{}
	d, err := bundled.Start(log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d.Site.URL, d.External.URL, log
}

// visit is what the mini crawler records of one URL.
type visit struct {
	status string // "200", …; "no answer"; "not requested" (robots)
	kind   string // page, asset, external, robots, sitemap
	refs   map[string]bool
	header http.Header
	html   bool // answered with Content-Type text/html
}

// miniCrawl walks the demo site the way DEMO.md says the crawler does and
// returns its visits keyed by display form (path for the demo origin,
// "{{EXTERNAL}}/…" for the external one) and the sitemap's locs.
func miniCrawl(t *testing.T, demo, external string) (map[string]*visit, []string) {
	t.Helper()
	origin, _ := url.Parse(demo)
	ext, _ := url.Parse(external)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	display := func(u *url.URL) string {
		switch u.Host {
		case origin.Host:
			return u.RequestURI()
		case ext.Host:
			return "{{EXTERNAL}}" + u.RequestURI()
		}
		return u.String()
	}
	visits := map[string]*visit{}
	get := func(u *url.URL) (*http.Response, []byte, error) {
		resp, err := client.Get(u.String())
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}

	// robots.txt: Disallow lines (one group in the demo) and Sitemap lines.
	robotsURL, _ := origin.Parse("/robots.txt")
	resp, body, err := get(robotsURL)
	if err != nil {
		t.Fatal(err)
	}
	visits["/robots.txt"] = &visit{status: fmt.Sprint(resp.StatusCode), kind: "robots", refs: map[string]bool{}}
	var disallow []string
	var sitemapLocs []string
	var sitemapURLs []*url.URL
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		v = strings.TrimSpace(v)
		switch {
		case !ok:
		case strings.EqualFold(k, "disallow") && v != "":
			disallow = append(disallow, v)
		case strings.EqualFold(k, "sitemap"):
			su, err := url.Parse(v)
			if err != nil {
				t.Fatalf("robots.txt: bad sitemap %q", v)
			}
			resp, body, err := get(su)
			if err != nil {
				t.Fatal(err)
			}
			visits[display(su)] = &visit{status: fmt.Sprint(resp.StatusCode), kind: "sitemap", refs: map[string]bool{"/robots.txt": true}}
			for _, m := range locRE.FindAllStringSubmatch(string(body), -1) {
				lu, err := url.Parse(html.UnescapeString(m[1]))
				if err != nil {
					t.Fatalf("sitemap: bad loc %q", m[1])
				}
				sitemapLocs = append(sitemapLocs, display(lu))
				sitemapURLs = append(sitemapURLs, lu)
			}
		}
	}

	type item struct {
		u      *url.URL
		kind   string
		from   string
		hidden bool // reached by redirect: not a referrer
	}
	start, _ := origin.Parse("/")
	queue := []item{{u: start, kind: "page"}}
	// Like the crawler, request every URL the sitemaps list, after the
	// pages links reach (a listed URL is no referrer's link).
	listed := false
	for len(queue) > 0 || !listed {
		if len(queue) == 0 {
			listed = true
			for _, l := range sitemapURLs {
				queue = append(queue, item{u: l, kind: "page", hidden: true})
			}
			continue
		}
		it := queue[0]
		queue = queue[1:]
		key := display(it.u)
		if it.u.Host != origin.Host {
			it.kind = "external"
		}
		if v, ok := visits[key]; ok {
			if !it.hidden {
				v.refs[it.from] = true
			}
			continue
		}
		v := &visit{kind: it.kind, refs: map[string]bool{}}
		if !it.hidden && it.from != "" {
			v.refs[it.from] = true
		}
		visits[key] = v
		if it.kind != "external" && slices.ContainsFunc(disallow, func(p string) bool { return strings.HasPrefix(it.u.Path, p) }) {
			v.status = "not requested"
			continue
		}
		resp, body, err := get(it.u)
		if err != nil {
			v.status = "no answer"
			continue
		}
		v.status = fmt.Sprint(resp.StatusCode)
		v.header = resp.Header
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
			next, err := it.u.Parse(loc)
			if err != nil {
				t.Fatalf("%s: bad Location %q", key, loc)
			}
			queue = append(queue, item{u: next, kind: it.kind, from: key, hidden: true})
		}
		if resp.StatusCode != 200 || it.kind == "external" {
			continue
		}
		v.html = strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
		var refs []ref
		switch ct := resp.Header.Get("Content-Type"); {
		case it.kind == "page" && v.html:
			refs = htmlRefs(string(body))
		case strings.HasPrefix(ct, "text/css"):
			refs = cssRefs(string(body))
		}
		base := it.u
		if b := baseRE.FindStringSubmatch(string(body)); b != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			base, _ = it.u.Parse(html.UnescapeString(b[1]))
		}
		for _, r := range refs {
			u, err := base.Parse(r.ref)
			if err != nil {
				t.Fatalf("%s: bad reference %q", key, r.ref)
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				continue // mailto:, tel:
			}
			u.Fragment = ""
			queue = append(queue, item{u: u, kind: r.kind, from: key})
		}
	}
	return visits, sitemapLocs
}

// ref is one reference found in a page or stylesheet.
type ref struct{ ref, kind string }

var (
	tagRE    = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>`)
	attrRE   = regexp.MustCompile(`([a-zA-Z-]+)\s*=\s*"([^"]*)"`)
	baseRE   = regexp.MustCompile(`<base\s+href="([^"]*)"`)
	styleRE  = regexp.MustCompile(`(?s)<style[^>]*>(.*?)</style>`)
	cssURLRE = regexp.MustCompile(`url\(\s*["']?([^"')]+?)["']?\s*\)|@import\s+["']([^"']+)["']`)
	locRE    = regexp.MustCompile(`<loc>([^<]+)</loc>`)
	tickRE   = regexp.MustCompile("`([^`]+)`")
)

// htmlRefs returns the references of page, by the crawler facts in DEMO.md.
func htmlRefs(page string) []ref {
	var out []ref
	for _, m := range styleRE.FindAllStringSubmatch(page, -1) {
		out = append(out, cssRefs(m[1])...)
	}
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		tag := strings.ToLower(m[1])
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
		}
		add := func(kind string, names ...string) {
			for _, n := range names {
				if v, ok := attrs[n]; ok && v != "" {
					if n == "srcset" {
						for c := range strings.SplitSeq(v, ",") {
							if f := strings.Fields(c); len(f) > 0 {
								out = append(out, ref{f[0], kind})
							}
						}
						continue
					}
					out = append(out, ref{v, kind})
				}
			}
		}
		switch tag {
		case "a", "area":
			add("page", "href")
		case "iframe":
			add("page", "src")
		case "link":
			for rel := range strings.FieldsSeq(strings.ToLower(attrs["rel"])) {
				switch rel {
				case "canonical", "alternate", "next", "prev":
					add("page", "href")
				case "stylesheet", "icon", "apple-touch-icon", "preload", "modulepreload", "manifest":
					add("asset", "href")
				}
			}
		case "img":
			add("asset", "src", "srcset")
		case "source":
			add("asset", "src", "srcset")
		case "script", "audio", "track", "embed":
			add("asset", "src")
		case "video":
			add("asset", "src", "poster")
		case "object":
			add("asset", "data")
		}
		if s, ok := attrs["style"]; ok {
			out = append(out, cssRefs(s)...)
		}
	}
	return out
}

// cssRefs returns the url(...) and @import references of a stylesheet.
func cssRefs(css string) []ref {
	var out []ref
	for _, m := range cssURLRE.FindAllStringSubmatch(css, -1) {
		out = append(out, ref{m[1] + m[2], "asset"})
	}
	return out
}

// demoDoc is one row of a DEMO.md table.
type demoDoc struct {
	status, kind string
	refs         string // the "Referenced from" cell
}

// readDemoDoc parses the tables of DEMO.md: rows whose first cell is a
// backquoted URL, then status and kind, and a "Referenced from" column
// found by its header. Rows of the "Every URL" table go to all, rows of the
// "Planted" tables to planted.
func readDemoDoc(t *testing.T) (all map[string]demoDoc, planted map[string]demoDoc) {
	t.Helper()
	data, err := os.ReadFile("sites/DEMO.md")
	if err != nil {
		t.Fatal(err)
	}
	all, planted = map[string]demoDoc{}, map[string]demoDoc{}
	section, refCol := "", -1
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "## ") {
			section, refCol = line, -1
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == "URL" {
			refCol = slices.Index(cells, "Referenced from")
			continue
		}
		if !strings.HasPrefix(cells[0], "`") {
			continue
		}
		if refCol < 0 || len(cells) <= refCol {
			t.Fatalf("DEMO.md: table row before a header with a Referenced from column: %s", line)
		}
		u := strings.Trim(cells[0], "`")
		d := demoDoc{status: cells[1], kind: cells[2], refs: cells[refCol]}
		m := all
		if strings.HasPrefix(section, "## Planted") {
			m = planted
		}
		if _, dup := m[u]; dup {
			t.Errorf("DEMO.md lists %s twice in one kind of table", u)
		}
		m[u] = d
	}
	return all, planted
}

// expandRefs turns a "Referenced from" cell into URLs: backquoted URLs, and
// "every layout page" for layout; parts saying "redirect from" name
// redirect sources, which are not referrers.
func expandRefs(cell string, layout []string) []string {
	var out []string
	for part := range strings.SplitSeq(cell, ";") {
		if strings.Contains(part, "redirect from") {
			continue
		}
		if strings.Contains(part, "every layout page") {
			out = append(out, layout...)
		}
		for _, m := range tickRE.FindAllStringSubmatch(part, -1) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func TestDemoSiteMatchesDEMOmd(t *testing.T) {
	t.Parallel()
	demo, external, _ := startDemo(t)
	visits, locs := miniCrawl(t, demo, external)
	all, planted := readDemoDoc(t)

	keys := make([]string, 0, len(visits))
	var layout []string // 200 HTML pages but the bare /map.html, soft 404 and orphan: DEMO.md's "layout pages"
	for k, v := range visits {
		keys = append(keys, k)
		if v.html && v.status == "200" && k != "/map.html" && k != "/blog/christmas-2025.html" && k != "/blog/2025/harvest-loaf.html" {
			layout = append(layout, k)
		}
	}
	sort.Strings(keys)
	sort.Strings(layout)
	var table strings.Builder // what DEMO.md should say, printed on failure
	for _, k := range keys {
		v := visits[k]
		refs := slices.Sorted(func(yield func(string) bool) {
			for r := range v.refs {
				if !yield(r) {
					return
				}
			}
		})
		fmt.Fprintf(&table, "| `%s` | %s | %s | %s |\n", k, v.status, v.kind, strings.Join(refs, ", "))
		d, ok := all[k]
		switch {
		case !ok:
			t.Errorf("crawl met %s (%s, %s), which DEMO.md does not list", k, v.status, v.kind)
		case d.status != v.status || d.kind != v.kind:
			t.Errorf("%s: DEMO.md says %s %s, crawl got %s %s", k, d.status, d.kind, v.status, v.kind)
		case !slices.Equal(expandRefs(d.refs, layout), refs):
			t.Errorf("%s: DEMO.md says referenced from %q, crawl found %q", k, expandRefs(d.refs, layout), refs)
		}
		if p, ok := planted[k]; ok {
			if p.status != v.status || p.kind != v.kind {
				t.Errorf("%s: planted table says %s %s, crawl got %s %s", k, p.status, p.kind, v.status, v.kind)
			}
			if want := expandRefs(p.refs, layout); !slices.Equal(want, refs) {
				t.Errorf("%s: planted table says referenced from %q, crawl found %q", k, want, refs)
			}
		}
	}
	for k := range all {
		if _, ok := visits[k]; !ok {
			t.Errorf("DEMO.md lists %s, which the crawl never met", k)
		}
	}
	for k := range planted {
		if _, ok := all[k]; !ok {
			t.Errorf("DEMO.md plants %s but its full list lacks it", k)
		}
	}
	if t.Failed() {
		t.Logf("crawl result, as DEMO.md rows:\n%s", table.String())
	}

	// The sitemap lists the crawled 200 HTML pages that are indexable and
	// self-canonical, except /map.html (page-missing-from-sitemap), plus
	// the planted sitemap problems DEMO.md names: a redirect, a 401, a URL
	// robots.txt disallows and an orphan.
	notPlain := map[string]string{"/old-menu.html": "301", "/members/": "401", "/internal/report.html": "not requested"}
	for _, l := range locs {
		v := visits[l]
		want := "200"
		if s, ok := notPlain[l]; ok {
			want = s
		}
		if v == nil || v.status != want || v.kind != "page" {
			t.Errorf("sitemap lists %s, want a crawled page answering %s", l, want)
		}
	}
	if slices.Contains(locs, "/map.html") || !slices.Contains(locs, "/blog/2025/harvest-loaf.html") {
		t.Errorf("sitemap must leave out /map.html and list the orphan /blog/2025/harvest-loaf.html")
	}
	for _, l := range []string{"/menu/print.html", "/menu/full-menu.html", "/blog/feed.xml"} {
		if slices.Contains(locs, l) {
			t.Errorf("sitemap lists %s (noindex, canonicalised or not HTML)", l)
		}
	}
}

func TestDemoPlantedHeaders(t *testing.T) {
	t.Parallel()
	demo, external, _ := startDemo(t)
	visits, _ := miniCrawl(t, demo, external)
	tests := []struct {
		url, header string
		want        []string
	}{
		{"/members/", "WWW-Authenticate", []string{`Basic realm="members"`}},
		{"/account/", "WWW-Authenticate", nil},
		{"/cdn/photos/wedding-cake.jpg", "WWW-Authenticate", []string{`Bearer realm="cdn", error="invalid_token"`}},
		{"/shop/", "Retry-After", nil},
		{"/old-menu.html", "Location", []string{"/menu.php"}},
		{"/menu.php", "Location", []string{"menu/"}},
		{"/loop-a", "Location", []string{"/loop-b"}},
		{"/loop-b", "Location", []string{"/loop-a"}},
	}
	for _, tc := range tests {
		v := visits[tc.url]
		if v == nil || v.header == nil {
			t.Errorf("%s: not fetched", tc.url)
			continue
		}
		if got := v.header.Values(tc.header); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %s = %q, want %q", tc.url, tc.header, got, tc.want)
		}
	}
}

// TestDemoStaysOnLoopback checks that no fixture file names an absolute URL
// other than the loopback ones DEMO.md allows and XML namespace names.
func TestDemoStaysOnLoopback(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"http://127.0.0.1:1/":                         true, // refused: the fetch-error external
		"http://www.w3.org/2000/svg":                  true, // namespace name, never fetched
		"http://www.sitemaps.org/schemas/sitemap/0.9": true, // namespace name, never fetched
	}
	absRE := regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.\-]+[^\s"'<>)]*`)
	err := fs.WalkDir(bundled.Sites, "sites", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasPrefix(p, "sites/demo") || strings.HasPrefix(p, "sites/external")) {
			return err
		}
		b, err := fs.ReadFile(bundled.Sites, p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".js") || !strings.Contains(http.DetectContentType(b), "text") && !strings.HasSuffix(p, ".svg") {
			return nil // binary files; comments in JS start with "//"
		}
		for _, m := range absRE.FindAllString(string(b), -1) {
			if !allowed[m] {
				t.Errorf("%s names %s: fixtures must stay on loopback ({{ORIGIN}}, {{EXTERNAL}}, 127.0.0.1:1)", p, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
