package audit

import (
	"regexp"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Policy is what a site's configuration changes about the rules' verdicts.
// It is applied to Run's findings afterwards, so the rules stay unaware of
// it. The zero Policy changes nothing.
type Policy struct {
	// Severity maps a rule ID to the severity its findings get instead of
	// the catalogue's.
	Severity map[string]store.Severity
	// Disabled holds rule IDs whose findings are dropped.
	Disabled map[string]bool
	// Ignore lists findings to leave out: per-rule URL patterns from the
	// configuration and the entries of a findings-ignore file.
	Ignore []Ignore
}

// Ignore leaves out the findings of one rule whose URL matches a pattern.
type Ignore struct {
	Rule    string         // rule ID; "*" matches every rule
	URL     *regexp.Regexp // matched against the finding's URL
	Reason  string         // why the finding is accepted
	Until   time.Time      // first instant it no longer applies; zero: never expires
	Source  string         // where it was written, e.g. "crawlaudit.yaml:12"
	Expires string         // the expiry date as written (YYYY-MM-DD), for reports
}

// Ignored is a finding an Ignore entry left out.
type Ignored struct {
	Finding store.Finding
	By      Ignore
}

// Outcome is the result of applying a Policy.
type Outcome struct {
	// Findings are the findings kept, with overridden severities, in the
	// order given.
	Findings []store.Finding
	// Ignored are the findings left out by a live Ignore entry.
	Ignored []Ignored
	// Expired lists the Ignore entries whose date has passed: they ignore
	// nothing any more and are reported so someone renews or removes them.
	Expired []Ignore
	// Disabled counts the findings dropped because their rule is disabled.
	Disabled int
}

// Apply applies p to findings at time now: disabled rules are dropped,
// findings matched by a live Ignore entry move to Outcome.Ignored (the first
// matching entry names the reason), and the remaining findings get their
// overridden severity. Expired entries ignore nothing and are listed in
// Outcome.Expired, in the order given.
func Apply(findings []store.Finding, p Policy, now time.Time) Outcome {
	out := Outcome{Findings: []store.Finding{}}
	var live []Ignore
	for _, ig := range p.Ignore {
		if !ig.Until.IsZero() && !now.Before(ig.Until) {
			out.Expired = append(out.Expired, ig)
			continue
		}
		live = append(live, ig)
	}
next:
	for _, f := range findings {
		if p.Disabled[f.Rule] {
			out.Disabled++
			continue
		}
		if sev, ok := p.Severity[f.Rule]; ok {
			f.Severity = sev
		}
		for _, ig := range live {
			if (ig.Rule == "*" || ig.Rule == f.Rule) && ig.URL != nil && ig.URL.MatchString(f.URL) {
				out.Ignored = append(out.Ignored, Ignored{Finding: f, By: ig})
				continue next
			}
		}
		out.Findings = append(out.Findings, f)
	}
	return out
}
