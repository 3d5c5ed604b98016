package crawlaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit"
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
// of the crawl with a Baseline (and of one whose baseline comes from its
// History) opens with the regressions, other changes, new and resolved
// findings; the first crawl's has no such section; Report keeps the
// section from diff.json, and drops (with a warning) a diff.json of another
// crawl or one it cannot read.
func TestReportHTMLSinceLastCrawl(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	site := &changingSite{}
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	base := srv.URL
	dir := t.TempDir()
	d1, d2, d3, hist := filepath.Join(dir, "one"), filepath.Join(dir, "two"), filepath.Join(dir, "three"), filepath.Join(dir, "history")

	o := siteOptions(base, d1)
	o.History, o.FailOn = hist, crawlaudit.LevelNever
	runJob(ctx, t, o)
	if _, _, ok := sinceSection(t, d1); ok {
		t.Error("report.html of a crawl without a baseline has a Since last crawl section")
	}

	site.phase.Store(1)
	o = siteOptions(base, d2)
	o.Baseline, o.FailOn = d1, crawlaudit.LevelNever
	runJob(ctx, t, o)
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
	o = siteOptions(base, d3)
	o.History, o.FailOn = hist, crawlaudit.LevelNever
	runJob(ctx, t, o)
	check("--history", d3)

	// Report regenerates report.html with the section from the crawl's
	// diff.json, into another folder too.
	d4 := filepath.Join(dir, "regenerated")
	if warnings, err := report(ctx, d2, d4); err != nil || len(warnings) != 0 {
		t.Fatalf("Report: %v, warnings %q", err, warnings)
	}
	check("report DIR", d4)
	if _, err := report(ctx, filepath.Join(d2, "crawl.json"), d4); err != nil {
		t.Fatalf("Report of crawl.json: %v", err)
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
	warnings, err := report(ctx, d1, "")
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "compares another crawl") {
		t.Errorf("Report with a foreign diff.json: %v, warnings %q", err, warnings)
	}
	if _, _, ok := sinceSection(t, d1); ok {
		t.Error("report.html shows a diff.json of another crawl")
	}
	// An unreadable diff.json is a warning, not a failed report.
	writeFile(t, filepath.Join(d1, "diff.json"), "not json")
	if warnings, err := report(ctx, d1, ""); err != nil || len(warnings) != 1 || !strings.HasPrefix(warnings[0], filepath.Join(d1, "diff.json")+": ") {
		t.Errorf("Report with a broken diff.json: %v, warnings %q", err, warnings)
	}
}

// report runs crawlaudit.Report of source into out and returns its
// warnings.
func report(ctx context.Context, source, out string) ([]string, error) {
	var warnings []string
	_, err := crawlaudit.Report(ctx, crawlaudit.ReportOptions{Source: source, Out: out, Warn: func(msg string) { warnings = append(warnings, msg) }})
	return warnings, err
}

func findByID(n *html.Node, id string) *html.Node {
	for _, a := range n.Attr {
		if a.Key == "id" && a.Val == id {
			return n
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findByID(c, id); f != nil {
			return f
		}
	}
	return nil
}
