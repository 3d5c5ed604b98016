package report

import (
	"sync"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Issue is one entry of the prioritised issue list every output leads
// with: an analysis.Issue (one rule's findings on URLs of one template,
// ranked by severity × reach) with its rule's texts.
type Issue struct {
	analysis.Issue
	Title string // the problem in one line; the rule ID when the rule is unknown
	Why   string // why it matters for search
	Fix   string // what to do
}

// URLCount is how many URLs the issue covers.
func (i Issue) URLCount() int { return len(i.Findings) }

// issuesMemo holds a Crawl's issues once computed.
type issuesMemo struct {
	mu     sync.Mutex
	issues *[]Issue
}

// Issues returns the crawl's issues, highest priority first: its masked
// findings grouped by rule and URL template (analysis.Issues). They are
// computed once per Crawl; callers must not change them.
func (c *Crawl) Issues() ([]Issue, error) {
	c.iss.mu.Lock()
	defer c.iss.mu.Unlock()
	if c.iss.issues != nil {
		return *c.iss.issues, nil
	}
	fs, err := c.maskedFindings()
	if err != nil {
		return nil, err
	}
	kinds := map[string]store.Kind{}
	kind := func(u string) store.Kind {
		if k, ok := kinds[u]; ok {
			return k
		}
		k := store.KindPage
		if rec, ok, err := c.Get(u); err == nil && ok {
			k = rec.Kind
		}
		kinds[u] = k
		return k
	}
	rules := map[string]RuleInfo{}
	for _, r := range c.opt.Rules {
		rules[r.ID] = r
	}
	grouped := analysis.Issues(fs, kind)
	out := make([]Issue, len(grouped))
	for i, g := range grouped {
		r := rules[g.Rule]
		is := Issue{Issue: g, Title: r.Title, Why: r.Why, Fix: r.Fix}
		if is.Title == "" {
			is.Title = g.Rule
		}
		if is.Fix == "" {
			is.Fix = g.Findings[0].Fix
		}
		out[i] = is
	}
	c.iss.issues = &out
	return out, nil
}
