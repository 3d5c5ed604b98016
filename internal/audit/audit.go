// Package audit runs the rules over a finished (or interrupted) crawl in a
// store and produces findings. It does no network I/O: everything it knows
// comes from the records and edges the crawler wrote, and what a URL is
// (indexable, soft 404, login wall, redirect chain…) comes from
// internal/analysis, the definitions the crawl budget shares.
//
// The rules are a table (Catalogue): each Rule is a small unit with its ID,
// default severity, explanation, fix and two functions. Applies decides from
// a URL's record and inbound counts alone whether the rule may fire; Check
// looks at the URL's incoming edges and reports. A URL's edges are read only
// when some rule applies to it, so most URLs of a large crawl (plain 2xx
// answers) cost one record read. The rules are grouped by topic:
// rules_status.go, rules_sitemap.go, rules_space.go (URL spaces: traps,
// session IDs, facets, found for a whole family of URLs by the Facts
// prepass), rules_auth.go.
package audit

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Rule is one check of the audit.
type Rule struct {
	// ID names the rule in findings, configuration and documentation.
	ID string
	// Severity is the severity of its findings unless a Policy overrides
	// it (findings on external URLs of an ExternalNotice rule are notices).
	Severity store.Severity
	// Title names the problem in one line, as an issue list heads it
	// ("Assets public pages use answer 403 Forbidden").
	Title string
	// Why says in one line why it matters for search and visitors.
	Why string
	// Explain says when the rule fires.
	Explain string
	// Fix says what to do about a finding; every finding carries it.
	Fix string
	// ExternalNotice makes the rule's findings on external URLs notices,
	// with a note: many sites block unknown bots, so their answers are
	// hints.
	ExternalNotice bool
	// PublicReferrers says the rule's findings name public pages that link
	// to, use or list a URL search engines cannot reach: the reports list
	// them as the public referrers to fix.
	PublicReferrers bool
	// Applies reports, from a record, its inbound counts and the crawl-wide
	// facts alone, whether Check may fire on it: the audit reads a URL's
	// edges only when some rule applies to it. The inbound counts may only
	// rule out URLs Check would not report on: Check itself verifies what it
	// needs from the edges (the audit tests run every rule's Check wherever
	// the counts alone made Applies say no, and expect nothing).
	Applies func(f *Facts, u store.URL, in store.Inbound) bool
	// Check reports the rule's findings on c.URL through c.Report.
	Check func(c *Check) error
}

// Catalogue returns a copy of the rule table, in README order.
func Catalogue() []Rule { return append([]Rule(nil), catalogue...) }

// catalogue is every rule, in the order the README gives them.
var catalogue = concat(statusRules, sitemapRules, spaceRules, duplicateRules, authRules, renderRules, logRules)

func concat(lists ...[]Rule) []Rule {
	var out []Rule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Lookup returns the rule with the given ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range catalogue {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Run applies every rule to the crawl in r and returns the findings, sorted
// by severity, rule and URL.
func Run(r store.Reader) ([]store.Finding, error) { return audit(r, catalogue) }

// audit applies rules to r.
func audit(r store.Reader, rules []Rule) ([]store.Finding, error) {
	f, err := scanFacts(r)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &lookup{r: r, records: map[string]*store.URL{}, public: map[string]bool{}}
	var out []store.Finding
	applies := make([]bool, len(rules))
	err = r.EachURLInbound(func(u store.URL, counts store.Inbound) error {
		any := false
		for i := range rules {
			applies[i] = rules[i].Applies(f, u, counts)
			any = any || applies[i]
		}
		if !any {
			return nil
		}
		in, err := r.LookupEdgesTo(u.URL)
		if err != nil {
			return err
		}
		c := &Check{URL: u, In: in, Facts: f, look: l}
		for i := range rules {
			if !applies[i] {
				continue
			}
			c.rule = &rules[i]
			if err := rules[i].Check(c); err != nil {
				return fmt.Errorf("rule %s: %w", rules[i].ID, err)
			}
		}
		out = append(out, c.found...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	store.SortFindings(out)
	return out, nil
}

// Check is one rule's look at one URL: its record, the edges pointing at
// it, the crawl-wide facts, and lookups of other records.
type Check struct {
	URL   store.URL    // the record judged
	In    []store.Edge // the edges pointing at it (at most store.MaxEdgesTo)
	Facts *Facts       // what the audit learnt about the whole crawl first

	rule  *Rule
	look  *lookup
	found []store.Finding
}

// Report records a finding of the rule on the URL judged, at the rule's
// severity (a notice on an external URL when the rule says so).
func (c *Check) Report(msg string, refs []string) {
	sev := c.rule.Severity
	if c.rule.ExternalNotice && c.URL.Kind == store.KindExternal {
		sev = store.SeverityNotice
		msg += " (external URL: many sites block unknown bots, so this may not affect visitors)"
	}
	c.found = append(c.found, store.Finding{Rule: c.rule.ID, Severity: sev, URL: c.URL.URL, Message: msg, Fix: c.rule.Fix, Referrers: refs})
}

// ReportAt records a finding of the rule on another URL (a sitemap's
// off-host entry) or at another severity; an empty sev is the rule's.
func (c *Check) ReportAt(url string, sev store.Severity, msg string, refs []string) {
	if sev == "" {
		sev = c.rule.Severity
	}
	c.found = append(c.found, store.Finding{Rule: c.rule.ID, Severity: sev, URL: url, Message: msg, Fix: c.rule.Fix, Referrers: refs})
}

// Get returns the record of url, or nil when there is none.
func (c *Check) Get(url string) (*store.URL, error) { return c.look.get(url) }
