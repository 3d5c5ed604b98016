package report

import (
	"fmt"
	"io"
)

// fixesHeader is fixes.csv's header: the fields of Budget.Fixes in
// crawl.json's order, inlinks being crawl.json's "inlinks" (and "pages").
var fixesHeader = []string{"url", "status", "category", "inlinks", "saved", "target", "referrers", "fix"}

// WriteFixesCSV writes fixes.csv: the budget's fix list ("Fixes that win
// requests back" in the terminal and report.html), one row per linked URL
// whose requests are wasted, ranked as Budget.Fixes (requests saved, then
// inlinks). status is 0 when the URL got no answer; category is a budget
// category ID (as budget.csv's columns); target is the end of a redirect
// chain, empty otherwise; referrers lists the first linking pages
// (urlList: the rest are counted, links.csv has them all).
func WriteFixesCSV(w io.Writer, r *Crawl) error {
	b, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	cw := newCSV(w)
	if err := cw.Write(fixesHeader); err != nil {
		return fmt.Errorf("report: fixes.csv: write: %w", err)
	}
	for _, f := range b.Fixes {
		row := []string{cell(f.URL), itoa(f.Status), cell(f.Category), itoa(f.Pages), itoa(f.Saved), cell(f.Target), cell(urlList(f.Referrers, f.Pages)), cell(f.Fix)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("report: fixes.csv: write: %w", err)
		}
	}
	return flushCSV(cw, "fixes.csv")
}
