package report

import (
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
// baseline. Build it once per rendering; it holds the set of new findings.
func (j Job) Failer() func(store.Finding) bool {
	set := j.newSet()
	return func(f store.Finding) bool {
		if j.FailLevel == "" || f.Severity.Rank() < j.FailLevel.Rank() {
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
