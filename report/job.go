package report

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Job is what a scheduled run knows beyond the crawl records: the fail
// policy, the comparison with the baseline and the findings a policy left
// out. junit.xml, summary.md and metrics.prom are rendered from a crawl plus
// a Job; cmd fills it.
type Job struct {
	// Site names the site (a label in metrics.prom, the heading of
	// summary.md); empty means the start URL's host.
	Site string
	// FailLevel is the least severity that fails the run; "" means never.
	FailLevel store.Severity
	// OnlyNew makes only findings new against the baseline fail (the
	// --fail-on-new mode). Without a Diff every finding is new.
	OnlyNew bool
	// Diff is the comparison with the baseline; nil when there is none.
	Diff *diff.Diff
	// BaselineFrom says how the baseline was chosen from the history:
	// "last-passing" (the newest crawl whose run passed) or "last" (the
	// newest crawl); "" when it was named (--baseline) or no history was
	// read.
	BaselineFrom string
	// FailingSince counts the history's crawls newer than the baseline
	// that were passed over because their run failed (with BaselineFrom
	// "last-passing"); with no Diff, the failing crawls of a history that
	// holds no passing one.
	FailingSince int
	// Accepted says the run accepted its findings as the new baseline
	// (--accept-current): no finding fails it, and the verdict says so.
	Accepted bool
	// Ignored are findings an ignore entry left out.
	Ignored []IgnoredFinding
	// Expired are ignore entries past their date.
	Expired []ExpiredIgnore
	// ReportPath is the output folder as given; "" to leave it out.
	ReportPath string
	// Rules lists every rule ID, so that junit.xml has a suite per rule
	// even when the rule found nothing.
	Rules []string
}

// IgnoredFinding is a finding left out by an ignore entry.
type IgnoredFinding struct {
	Finding store.Finding
	Reason  string // the entry's reason
	Source  string // where the entry is written, e.g. "ignore.yaml:4"
}

// ExpiredIgnore is an ignore entry whose date has passed.
type ExpiredIgnore struct {
	Rule, URL, Reason, Expires, Source string
}

// Failer returns a function telling whether a finding fails the run under
// j: it reaches the fail level and, in OnlyNew mode, is new against the
// baseline. In an Accepted run none does. Build it once per rendering; it
// holds the set of new findings.
func (j Job) Failer() func(store.Finding) bool {
	set := j.newSet()
	return func(f store.Finding) bool {
		if j.Accepted || j.FailLevel == "" || f.Severity.Rank() < j.FailLevel.Rank() {
			return false
		}
		return !j.OnlyNew || set == nil || set[[2]string{f.Rule, f.URL}]
	}
}

// newSet returns the rule+URL keys of new findings, or nil without a diff.
func (j Job) newSet() map[[2]string]bool {
	if j.Diff == nil {
		return nil
	}
	m := map[[2]string]bool{}
	for _, n := range j.Diff.NewFindings {
		m[[2]string{n.Rule, n.URL}] = true
	}
	return m
}

// BaselineCounts are a crawl's findings against its baseline, matched on
// rule and URL as diff.Compute matches them: New are only in this crawl,
// Resolved only in the baseline, Persisting in both.
type BaselineCounts struct {
	New        int `json:"new"`
	Resolved   int `json:"resolved"`
	Persisting int `json:"persisting"`
	// Baseline is when the baseline crawl started, RFC 3339 UTC.
	Baseline string `json:"-"`
	// From is Job.BaselineFrom, and FailingSince Job.FailingSince.
	From         string `json:"-"`
	FailingSince int    `json:"-"`
}

// String is the counts in one line: "3 new, 2 resolved, 17 persisting
// against the baseline of 2026-01-02T03:04:05Z", with how the history's
// baseline was chosen when it was.
func (c BaselineCounts) String() string {
	s := fmt.Sprintf("%d new, %d resolved, %d persisting against the baseline of %s", c.New, c.Resolved, c.Persisting, c.Baseline)
	switch c.From {
	case "last-passing":
		s += " (the last passing crawl in the history"
		if c.FailingSince > 0 {
			s += fmt.Sprintf("; %d failing since", c.FailingSince)
		}
		s += ")"
	case "last":
		s += " (the last crawl in the history)"
	}
	return s
}

// CountBaseline returns r's findings against the baseline of its Job; ok is
// false when the Job has no comparison. Persisting findings are this crawl's
// findings less the new ones: the comparison is of this crawl, so every new
// finding is one of them.
func CountBaseline(r *Crawl) (c BaselineCounts, ok bool, err error) {
	j := r.opt.Job
	if j.Diff == nil {
		return BaselineCounts{}, false, nil
	}
	fs, err := r.Findings()
	if err != nil {
		return BaselineCounts{}, false, err
	}
	d := j.Diff
	return BaselineCounts{
		New: len(d.NewFindings), Resolved: len(d.ResolvedFindings), Persisting: max(len(fs)-len(d.NewFindings), 0),
		Baseline: fmtTime(d.Old.StartedAt), From: j.BaselineFrom, FailingSince: j.FailingSince,
	}, true, nil
}

// NoBaseline says why a run that read a history has no baseline ("the
// history holds no passing crawl (2 failing), …"); "" when it has one or
// read no history.
func (j Job) NoBaseline() string {
	if j.Diff != nil || j.BaselineFrom == "" {
		return ""
	}
	if j.FailingSince > 0 {
		return fmt.Sprintf("the history holds no passing crawl (%d failing), so every finding is new; --accept-current accepts a crawl as the baseline", j.FailingSince)
	}
	return "the history holds no crawl yet, so every finding is new; --accept-current accepts this crawl as the baseline"
}
