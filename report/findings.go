package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// maskedFindings returns the crawl's findings ready to render: URL,
// referrers and message masked (referrers sorted again after masking), then
// ordered by store.SortFindings (severity, rule, URL) on the masked values,
// ties broken by text and referrers. Sorting what is shown, not the raw
// values, keeps the order identical when a crawl.json is read back and
// rendered again. They are computed once per Crawl; callers must not change
// them.
func (c *Crawl) maskedFindings() ([]store.Finding, error) {
	c.finMu.Lock()
	defer c.finMu.Unlock()
	if c.findings != nil {
		return *c.findings, nil
	}
	fs, err := c.Findings()
	if err != nil {
		return nil, fmt.Errorf("report: read findings: %w", err)
	}
	out := make([]store.Finding, len(fs))
	for i, f := range fs {
		refs := c.maskURLs(f.Referrers)
		sort.Strings(refs) // masking can reorder them
		out[i] = store.Finding{
			Rule:      f.Rule,
			Severity:  f.Severity,
			URL:       c.maskURL(f.URL),
			Message:   c.maskText(f.Message),
			Fix:       f.Fix,
			Referrers: refs,
		}
	}
	// Tie-breakers first; SortFindings is stable and keeps them.
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].Text(), out[j].Text(); a != b {
			return a < b
		}
		return strings.Join(out[i].Referrers, "\n") < strings.Join(out[j].Referrers, "\n")
	})
	store.SortFindings(out)
	c.findings = &out
	return out, nil
}
