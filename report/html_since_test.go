package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// hostileChangeURL is a crawled URL carrying markup and credentials.
const hostileChangeURL = `https://user:` + secretPassword + `@example.test/"><script>alert(1)</script>?token=` + secretToken

func sinceFixture() *diff.Diff {
	return &diff.Diff{
		Old: diff.Side{StartURL: "https://example.test/", StartedAt: time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)},
		New: diff.Side{StartURL: "https://example.test/", StartedAt: time.Date(2026, 11, 25, 3, 15, 0, 0, time.UTC)},
		Changes: []diff.Change{
			{URL: hostileChangeURL, Kind: store.KindPage, OldStatus: 200, NewStatus: 500, Class: diff.ClassRegression, Reason: diff.ReasonServerError},
			{URL: "https://example.test/logo.png", Kind: store.KindAsset, OldStatus: 200, NewStatus: 403, Class: diff.ClassRegression, Reason: diff.ReasonAssetBehindAuth},
			{URL: "https://example.test/private", Kind: store.KindPage, OldStatus: 200, NewBlocked: true, Class: diff.ClassRegression, Reason: diff.ReasonBlockedByRobots},
			{URL: "https://example.test/old", Kind: store.KindPage, OldStatus: 404, NewStatus: 200, Class: diff.ClassImprovement, Reason: diff.ReasonFixed},
			{URL: "https://example.test/moved", Kind: store.KindPage, OldStatus: 301, NewStatus: 302, Class: diff.ClassChange, Reason: diff.ReasonRedirectNowDifferent},
		},
		NewFindings: []store.Finding{
			{Rule: "server-error", Severity: store.SeverityError, URL: hostileChangeURL, Message: `answered 500 <img src=x onerror=alert(2)>`},
			{Rule: "forbidden-asset", Severity: store.SeverityError, URL: "https://example.test/logo.png", Message: "403"},
		},
		ResolvedFindings: []store.Finding{
			{Rule: "broken-link", Severity: store.SeverityError, URL: "https://example.test/old", Message: "404"},
		},
		AddedURLs: 2, RemovedURLs: 1,
	}
}

// rowsOf returns the text of each cell of each body row of the table with id.
func rowsOf(t *testing.T, doc *html.Node, id string) [][]string {
	t.Helper()
	tbl := byID(doc, id)
	if tbl == nil {
		t.Fatalf("no #%s", id)
	}
	var rows [][]string
	walk(tbl, func(n *html.Node) {
		if n.DataAtom != atom.Tr || n.Parent == nil || n.Parent.DataAtom != atom.Tbody {
			return
		}
		var cells []string
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Td {
				cells = append(cells, text(c))
			}
		}
		rows = append(rows, cells)
	})
	return rows
}

func TestWriteHTMLSinceLastCrawl(t *testing.T) {
	t.Parallel()
	doc, raw := parseHTML(t, newFixture(t), Options{Job: Job{Diff: sinceFixture()}})
	sec := byID(doc, "since-last-crawl")
	if sec == nil {
		t.Fatal("no since-last-crawl section")
	}
	if h := text(sec.FirstChild.NextSibling); h != "Since last crawl" {
		t.Errorf("heading %q", h)
	}
	for id, want := range map[string]string{
		"since-regressions": "3", "since-improvements": "1", "since-new-findings": "2", "since-resolved-findings": "1",
		"since-baseline": "Compared with the crawl of https://example.test/ started 2026-11-24T03:15:00Z.",
	} {
		if n := byID(doc, id); n == nil || text(n) != want {
			t.Errorf("#%s = %v, want %q", id, n, want)
		}
	}
	masked := `https://REDACTED@example.test/"><script>alert(1)</script>?token=REDACTED`
	eq := func(name string, got, want [][]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows %q, want %d", name, len(got), got, len(want))
		}
		for i := range want {
			if strings.Join(got[i], " | ") != strings.Join(want[i], " | ") {
				t.Errorf("%s row %d:\n got %q\nwant %q", name, i, got[i], want[i])
			}
		}
	}
	eq("regressions", rowsOf(t, doc, "since-regression-table"), [][]string{
		{masked, "page", "200", "→ 500", "server-error"},
		{"https://example.test/logo.png", "asset", "200", "→ 403", "asset-behind-auth"},
		{"https://example.test/private", "page", "200", "→ blocked", "blocked-by-robots"},
	})
	eq("other changes", rowsOf(t, doc, "since-change-table"), [][]string{
		{"improvement", "https://example.test/old", "page", "404", "→ 200", "fixed"},
		{"change", "https://example.test/moved", "page", "301", "→ 302", "redirect-changed"},
	})
	eq("new findings", rowsOf(t, doc, "since-new-table"), [][]string{
		{"error", "server-error", masked, "answered 500 <img src=x onerror=alert(2)>"},
		{"error", "forbidden-asset", "https://example.test/logo.png", "403"},
	})
	eq("resolved findings", rowsOf(t, doc, "since-resolved-table"), [][]string{
		{"error", "broken-link", "https://example.test/old", "404"},
	})
	// Regressions come before the other lists.
	if i, j := strings.Index(raw, `id="since-regression-table"`), strings.Index(raw, `id="since-new-table"`); i < 0 || j < i {
		t.Error("regressions do not come first")
	}
	// The hostile URL and message stay text: no script or img element
	// from them, and no secret anywhere.
	walk(sec, func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Img) {
			t.Errorf("crawled markup became a <%s> element", n.Data)
		}
	})
	if strings.Contains(raw, "<script>alert(1)") || strings.Contains(raw, "<img src=x") {
		t.Error("crawled markup unescaped in the output")
	}
	if strings.Contains(raw, secretPassword) || strings.Contains(raw, "token="+secretToken) {
		t.Error("a secret of the hostile URL is in report.html")
	}
}

func TestWriteHTMLSinceLastCrawlAbsentWithoutBaseline(t *testing.T) {
	t.Parallel()
	doc, raw := parseHTML(t, newFixture(t), Options{})
	if byID(doc, "since-last-crawl") != nil || strings.Contains(raw, "Since last crawl") {
		t.Error("since-last-crawl section without a baseline")
	}
}

func TestWriteHTMLSinceLastCrawlEmpty(t *testing.T) {
	t.Parallel()
	doc, _ := parseHTML(t, newFixture(t), Options{Job: Job{Diff: &diff.Diff{}}})
	sec := byID(doc, "since-last-crawl")
	if sec == nil {
		t.Fatal("no section for an empty diff")
	}
	got := text(sec)
	for _, want := range []string{"No regressions.", "No new findings.", "No finding was resolved."} {
		if !strings.Contains(got, want) {
			t.Errorf("empty diff: %q missing", want)
		}
	}
	if byID(doc, "since-change-table") != nil {
		t.Error("other changes table for an empty diff")
	}
}

func TestWriteHTMLSinceLastCrawlCapsRows(t *testing.T) {
	t.Parallel()
	d := &diff.Diff{}
	for i := 0; i < maxSinceRows+7; i++ {
		d.Changes = append(d.Changes, diff.Change{URL: "https://example.test/p" + itoa(i), Kind: store.KindPage, OldStatus: 200, NewStatus: 404, Class: diff.ClassRegression, Reason: diff.ReasonNotFound})
	}
	doc, raw := parseHTML(t, newFixture(t), Options{Job: Job{Diff: d}})
	if n := len(rowsOf(t, doc, "since-regression-table")); n != maxSinceRows {
		t.Errorf("%d regression rows, want %d", n, maxSinceRows)
	}
	if text(byID(doc, "since-regressions")) != itoa(maxSinceRows+7) || !strings.Contains(raw, "7 more regressions are in diff.csv.") {
		t.Error("count or overflow note wrong")
	}
}

// TestDiffJSONRoundTrip: diff.json read back renders the same section.
func TestDiffJSONRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteDiffJSON(&buf, newCrawl(store.NewMemory(), Options{Job: Job{Diff: sinceFixture()}})); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDiffJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := WriteHTML(&a, newCrawl(newFixture(t), Options{Job: Job{Diff: sinceFixture()}})); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&b, newCrawl(newFixture(t), Options{Job: Job{Diff: &d}})); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("report.html from diff.json differs from report.html from the diff")
	}
	for _, bad := range []string{`{"schema_version": 2}`, `not json`, `{"schema_version": 1, "old": {"started_at": "yesterday"}}`} {
		if _, err := ReadDiffJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadDiffJSON(%q) = nil error", bad)
		}
	}
}
