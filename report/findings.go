package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// maskedFindings returns r's findings ready to render: URL, referrers and
// message masked (referrers sorted again after masking), then ordered by store.SortFindings (severity, rule, URL) on
// the masked values, ties broken by message and referrers. Sorting what is
// shown, not the raw values, keeps the order identical when a crawl.json is
// read back and rendered again.
func maskedFindings(r store.Reader) ([]store.Finding, error) {
	fs, err := r.Findings()
	if err != nil {
		return nil, fmt.Errorf("report: read findings: %w", err)
	}
	out := make([]store.Finding, len(fs))
	for i, f := range fs {
		refs := maskURLs(f.Referrers)
		sort.Strings(refs) // masking can reorder them
		out[i] = store.Finding{
			Rule:      f.Rule,
			Severity:  f.Severity,
			URL:       maskURL(f.URL),
			Message:   maskText(f.Message),
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
	return out, nil
}
