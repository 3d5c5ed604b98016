package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// sinceSection parses the report.html in dir and returns its "Since last
// crawl" section as the four counts, then one line per row of each of its
// tables ("table: cell | cell | …"); ok is false when there is no section.
func sinceSection(t *testing.T, dir string) (counts []string, rows []string, ok bool) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	sec := findByID(doc, "since-last-crawl")
	if sec == nil {
		return nil, nil, false
	}
	for _, id := range []string{"since-regressions", "since-improvements", "since-new-findings", "since-resolved-findings"} {
		n := findByID(sec, id)
		if n == nil {
			t.Fatalf("%s: no #%s", dir, id)
		}
		counts = append(counts, nodeText(n))
	}
	var visit func(n *html.Node, table string)
	visit = func(n *html.Node, table string) {
		if n.DataAtom == atom.Table {
			for _, a := range n.Attr {
				if a.Key == "id" {
					table = a.Val
				}
			}
		}
		if n.DataAtom == atom.Tr && n.Parent != nil && n.Parent.DataAtom == atom.Tbody {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Td {
					cells = append(cells, nodeText(c))
				}
			}
			rows = append(rows, table+": "+strings.Join(cells, " | "))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, table)
		}
	}
	visit(sec, "")
	return counts, rows, true
}

func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(nodeText(c))
	}
	return b.String()
}

// TestReportHTMLSinceLastCrawl crawls the changing site twice: report.html
// of the crawl with --baseline (and of one whose baseline comes from
// --history) opens with the regressions, other changes, new and resolved
// findings; the first crawl's has no such section; `crawlaudit report`
// keeps the section from diff.json, and drops a diff.json of another crawl.
func TestReportHTMLSinceLastCrawl(t *testing.T) {
	site := &changingSite{}
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	base := srv.URL
	dir := t.TempDir()
	d1, d2, d3, hist := filepath.Join(dir, "one"), filepath.Join(dir, "two"), filepath.Join(dir, "three"), filepath.Join(dir, "history")

	if code, _, stderr := runCLI(t, "crawl", base+"/", "--out", d1, "--history", hist, "-q", "--fail-on", "never"); code != 0 {
		t.Fatalf("first crawl exit %d: %s", code, stderr)
	}
	if _, _, ok := sinceSection(t, d1); ok {
		t.Error("report.html of a crawl without a baseline has a Since last crawl section")
	}

	site.phase.Store(1)
	if code, _, stderr := runCLI(t, "crawl", base+"/", "--out", d2, "--baseline", d1, "-q", "--fail-on", "never"); code != 0 {
		t.Fatalf("second crawl exit %d: %s", code, stderr)
	}
	wantCounts := []string{"4", "1", "4", "1"}
	wantRows := []string{
		"since-regression-table: " + base + "/legacy | page | 200 | → 500 | server-error",
		"since-regression-table: " + base + "/logo.png | asset | 200 | → 403 | asset-behind-auth",
		"since-regression-table: " + base + "/members | page | 200 | → 401 | page-behind-auth",
		"since-regression-table: " + base + "/style.css | asset | 200 | → 401 | asset-behind-auth",
		"since-change-table: improvement | " + base + "/old | page | 404 | → 200 | fixed",
	}
	check := func(name, dir string) {
		t.Helper()
		counts, rows, ok := sinceSection(t, dir)
		if !ok {
			t.Fatalf("%s: report.html has no Since last crawl section", name)
		}
		if !reflect.DeepEqual(counts, wantCounts) {
			t.Errorf("%s: counts %q, want %q", name, counts, wantCounts)
		}
		// Status changes exactly; then the findings, new before resolved.
		var changes, newF, resolved []string
		for _, r := range rows {
			switch {
			case strings.HasPrefix(r, "since-regression-table: "), strings.HasPrefix(r, "since-change-table: "):
				changes = append(changes, r)
			case strings.HasPrefix(r, "since-new-table: "):
				newF = append(newF, r)
			case strings.HasPrefix(r, "since-resolved-table: "):
				resolved = append(resolved, r)
			}
		}
		if !reflect.DeepEqual(changes, wantRows) {
			t.Errorf("%s: status changes\n%s\nwant\n%s", name, strings.Join(changes, "\n"), strings.Join(wantRows, "\n"))
		}
		var newRules []string
		for _, r := range newF {
			c := strings.Split(strings.TrimPrefix(r, "since-new-table: "), " | ")
			newRules = append(newRules, c[0]+" "+c[1]+" "+strings.TrimPrefix(c[2], base))
		}
		wantNew := []string{"error forbidden-asset /logo.png", "error server-error /legacy", "error unauthorized-asset /style.css", "warning unauthorized-linked-page /members"}
		if !reflect.DeepEqual(newRules, wantNew) {
			t.Errorf("%s: new findings %q, want %q", name, newRules, wantNew)
		}
		if len(resolved) != 1 || !strings.HasPrefix(resolved[0], "since-resolved-table: error | broken-link | "+base+"/old | ") {
			t.Errorf("%s: resolved findings %q", name, resolved)
		}
	}
	check("--baseline", d2)

	// The newest crawl in --history is the baseline: the first one.
	if code, _, stderr := runCLI(t, "crawl", base+"/", "--out", d3, "--history", hist, "-q", "--fail-on", "never"); code != 0 {
		t.Fatalf("history crawl exit %d: %s", code, stderr)
	}
	check("--history", d3)

	// crawlaudit report regenerates report.html with the section from the
	// crawl's diff.json, into another folder too.
	d4 := filepath.Join(dir, "regenerated")
	if code, _, stderr := runCLI(t, "report", d2, "--out", d4, "-q"); code != 0 || stderr != "" {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	check("report DIR", d4)
	if code, _, _ := runCLI(t, "report", filepath.Join(d2, "crawl.json"), "--out", d4, "-q"); code != 0 {
		t.Fatalf("report crawl.json exit %d", code)
	}
	check("report crawl.json", d4)

	// A diff.json of another crawl (its new side started at another time)
	// is not shown as this one's.
	var dj map[string]any
	readJSONFile(t, filepath.Join(d2, "diff.json"), &dj)
	dj["new"].(map[string]any)["started_at"] = "2001-02-03T04:05:06Z"
	foreign, err := json.Marshal(dj)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(d1, "diff.json"), string(foreign))
	code, _, stderr := runCLI(t, "report", d1, "-q")
	if code != 0 || !strings.Contains(stderr, "compares another crawl") {
		t.Errorf("report with a foreign diff.json: exit %d, stderr %q", code, stderr)
	}
	if _, _, ok := sinceSection(t, d1); ok {
		t.Error("report.html shows a diff.json of another crawl")
	}
	// An unreadable diff.json is a warning, not a failed report.
	writeFile(t, filepath.Join(d1, "diff.json"), "not json")
	if code, _, stderr := runCLI(t, "report", d1, "-q"); code != 0 || !strings.Contains(stderr, "warning: "+filepath.Join(d1, "diff.json")) {
		t.Errorf("report with a broken diff.json: exit %d, stderr %q", code, stderr)
	}
}
