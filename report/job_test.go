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
		{"diff-table.txt", func(b *bytes.Buffer) error { return WriteDiffTable(b, *j.Diff, 3, 0, nil) }},
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
		{"accepted fails nothing", Job{FailLevel: store.SeverityNotice, Accepted: true}, [3]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.job.Failer()
			if got := [3]bool{f(err1), f(err2), f(warn)}; got != tc.want {
				t.Errorf("got %v want %v", got, tc.want)
			}
		})
	}
}

func TestBaselineCountsSayHowTheBaselineWasChosen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    BaselineCounts
		want string
	}{
		{"named baseline", BaselineCounts{New: 3, Resolved: 2, Persisting: 17, Baseline: "2026-01-02T03:04:05Z"}, "3 new, 2 resolved, 17 persisting against the baseline of 2026-01-02T03:04:05Z"},
		{"last passing", BaselineCounts{New: 1, Baseline: "2026-01-02T03:04:05Z", From: "last-passing"}, "1 new, 0 resolved, 0 persisting against the baseline of 2026-01-02T03:04:05Z (the last passing crawl in the history)"},
		{"last passing, failing since", BaselineCounts{New: 1, Baseline: "2026-01-02T03:04:05Z", From: "last-passing", FailingSince: 2}, "1 new, 0 resolved, 0 persisting against the baseline of 2026-01-02T03:04:05Z (the last passing crawl in the history; 2 failing since)"},
		{"last", BaselineCounts{Persisting: 4, Baseline: "2026-01-02T03:04:05Z", From: "last"}, "0 new, 0 resolved, 4 persisting against the baseline of 2026-01-02T03:04:05Z (the last crawl in the history)"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestAcceptedRunPassesAndSaysSo: an accepted job's junit.xml has no
// failure and says accepted in every suite's properties; summary.md's
// verdict counts what was accepted.
func TestAcceptedRunPassesAndSaysSo(t *testing.T) {
	r, j := fixtureJob(t)
	j.Accepted = true
	var junit, md bytes.Buffer
	if err := WriteJUnit(&junit, newCrawl(r, Options{Job: j})); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, newCrawl(r, Options{Job: j})); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(junit.String(), "<failure") || strings.Count(junit.String(), `<property name="accepted" value="true">`) != strings.Count(junit.String(), "<testsuite ") {
		t.Errorf("accepted junit.xml:\n%s", junit.String())
	}
	for _, want := range []string{
		"**✅ Accepted as the baseline (--accept-current): 3 new finding(s) at or above error accepted** — failing on new findings at error or above\n\nFindings: 3 new, 1 resolved, 4 persisting against the baseline of 2026-01-02T03:04:05Z.\n",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(md.String(), "### Failing findings") {
		t.Errorf("accepted summary.md lists failing findings:\n%s", md.String())
	}
}

// TestNoBaselineSaysWhy: a run that read a history but found no baseline
// there says why in summary.md; one that read no history says nothing.
func TestNoBaselineSaysWhy(t *testing.T) {
	r, j := fixtureJob(t)
	j.Diff = nil
	for _, tc := range []struct {
		from    string
		failing int
		want    string
	}{
		{"last-passing", 2, "No baseline: the history holds no passing crawl (2 failing), so every finding is new; --accept-current accepts a crawl as the baseline.\n\n"},
		{"last-passing", 0, "No baseline: the history holds no crawl yet, so every finding is new; --accept-current accepts this crawl as the baseline.\n\n"},
		{"", 0, ""},
	} {
		j.BaselineFrom, j.FailingSince = tc.from, tc.failing
		var md bytes.Buffer
		if err := WriteMarkdown(&md, newCrawl(r, Options{Job: j})); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(md.String(), "No baseline:"); got != (tc.want != "") || !strings.Contains(md.String(), tc.want) {
			t.Errorf("from %q, %d failing: summary.md:\n%s", tc.from, tc.failing, md.String())
		}
	}
}
