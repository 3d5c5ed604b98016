package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/urlx"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// baselineFixture is newFixture as it was a crawl earlier: the admin page,
// the logo and the long URL still worked, and /new had a server error.
func baselineFixture(t *testing.T) *store.Memory {
	t.Helper()
	m := newFixture(t)
	for _, u := range []string{fxAdmin, fxLogo, fxLong} {
		rec, _, _ := m.Get(u)
		rec.Status = 200
		if err := m.PutURL(rec); err != nil {
			t.Fatal(err)
		}
	}
	fs, _ := m.Findings()
	var keep []store.Finding
	for _, f := range fs {
		if f.Rule != "forbidden-asset" && f.Rule != "broken-link" && f.Rule != "unauthorized-linked-page" {
			keep = append(keep, f)
		}
	}
	keep = append(keep, store.Finding{Rule: "server-error", Severity: store.SeverityError, URL: fxNew, Message: "answered 500"})
	if err := m.PutFindings(keep); err != nil {
		t.Fatal(err)
	}
	return m
}

func fixtureJob(t *testing.T) (store.Reader, Job) {
	t.Helper()
	cur := newFixture(t)
	d, err := diff.Compute(baselineFixture(t), cur, diff.Config{URLKey: urlx.Mask})
	if err != nil {
		t.Fatal(err)
	}
	return cur, Job{
		Site: "example", FailLevel: store.SeverityError, OnlyNew: true, Diff: &d, ReportPath: "reports/example",
		Rules: []string{"broken-link", "forbidden-asset", "server-error"},
		Ignored: []IgnoredFinding{{
			Finding: store.Finding{Rule: "broken-link", Severity: store.SeverityError, URL: fxSecret, Message: "answered 404"},
			Reason:  "vendor | page <b>owned</b> by [them](javascript:alert(1))", Source: "ignore.yaml:2",
		}},
		Expired: []ExpiredIgnore{{Rule: "server-error", URL: "/legacy$", Reason: "retired `soon`", Expires: "2020-01-31", Source: "ignore.yaml:6"}},
	}
}

func TestJobOutputsMatchGoldenFilesAndHideSecrets(t *testing.T) {
	r, j := fixtureJob(t)
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"junit.xml", func(b *bytes.Buffer) error { return WriteJUnit(b, newCrawl(r, Options{Job: j})) }},
		{"summary.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, newCrawl(r, Options{Job: j})) }},
		{"metrics.prom", func(b *bytes.Buffer) error { return WriteMetrics(b, newCrawl(r, Options{Job: j})) }},
		{"diff.json", func(b *bytes.Buffer) error { return WriteDiffJSON(b, newCrawl(r, Options{Job: j})) }},
		{"diff.csv", func(b *bytes.Buffer) error { return WriteDiffCSV(b, newCrawl(r, Options{Job: j})) }},
		{"diff-table.txt", func(b *bytes.Buffer) error { return WriteDiffTable(b, *j.Diff, 3, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{secretToken, secretPassword} {
				if strings.Contains(buf.String(), s) {
					t.Errorf("%s leaks %q", tc.name, s)
				}
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestMarkdownEscapesCrawledText(t *testing.T) {
	r, j := fixtureJob(t)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, newCrawl(r, Options{Job: j})); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<b>", "](javascript", "<script>", "vendor | page"} {
		if strings.Contains(out, bad) {
			t.Errorf("summary.md contains raw %q", bad)
		}
	}
	if !strings.Contains(out, `vendor \| page &lt;b&gt;owned&lt;/b&gt; by \[them\]\(javascript:alert\(1\)\)`) {
		t.Errorf("escaped reason missing:\n%s", out)
	}
}

func TestJobFailerCountsOnlyNewFindingsInOnlyNewMode(t *testing.T) {
	d := &diff.Diff{NewFindings: []store.Finding{{Rule: "a", URL: "u1"}}}
	err1 := store.Finding{Rule: "a", URL: "u1", Severity: store.SeverityError}
	err2 := store.Finding{Rule: "a", URL: "u2", Severity: store.SeverityError}
	warn := store.Finding{Rule: "a", URL: "u1", Severity: store.SeverityWarning}
	for _, tc := range []struct {
		name string
		job  Job
		want [3]bool
	}{
		{"fail-on error fails every error", Job{FailLevel: store.SeverityError}, [3]bool{true, true, false}},
		{"fail-on-new error fails new errors only", Job{FailLevel: store.SeverityError, OnlyNew: true, Diff: d}, [3]bool{true, false, false}},
		{"fail-on-new without baseline: all new", Job{FailLevel: store.SeverityWarning, OnlyNew: true}, [3]bool{true, true, true}},
		{"never fails nothing", Job{}, [3]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.job.Failer()
			if got := [3]bool{f(err1), f(err2), f(warn)}; got != tc.want {
				t.Errorf("got %v want %v", got, tc.want)
			}
		})
	}
}
