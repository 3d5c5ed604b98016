package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// budgetHeader is budget.csv's header: the section, its totals, one column of
// requests per category (in categoryDefs order; indexable is already a
// column, and blocked-linked is left out: it is not a request) and its response-time percentiles.
func budgetHeader() []string {
	h := []string{"section", "requests", "indexable", "wasted", "wasted_share", "efficiency"}
	for _, d := range categoryDefs {
		if d.id != catBlockedLinked && d.id != catIndexable {
			h = append(h, d.id)
		}
	}
	return append(h, "p50_ms", "p90_ms", "p99_ms")
}

// redirectsHeader is redirects.csv's header.
var redirectsHeader = []string{"chain_start", "hop", "url", "status", "location", "hops", "final_url", "final_status", "loop", "linking_pages"}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

// WriteBudgetCSV writes budget.csv: one row per section, most wasted
// requests first (as Budget.Sections), then an "(all)" row with the whole
// site. Shares and efficiencies are fractions with four decimals.
func WriteBudgetCSV(w io.Writer, r store.Reader) error {
	b, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	cw := newCSV(w)
	if err := cw.Write(budgetHeader()); err != nil {
		return fmt.Errorf("report: budget.csv: write: %w", err)
	}
	all := BudgetSection{Section: "(all)", Requests: b.Requests, Indexable: b.Indexable, Wasted: b.Wasted, Efficiency: b.Efficiency, Categories: map[string]int{}, Times: b.Speed.Overall}
	for _, c := range b.Categories {
		all.Categories[c.ID] = c.Count
	}
	for _, s := range append(b.Sections, all) {
		row := []string{cell(s.Section), itoa(s.Requests), itoa(s.Indexable), itoa(s.Wasted), ftoa(ratio(s.Wasted, s.Requests)), ftoa(s.Efficiency)}
		for _, d := range categoryDefs {
			if d.id != catBlockedLinked && d.id != catIndexable {
				row = append(row, itoa(s.Categories[d.id]))
			}
		}
		row = append(row, i64toa(s.Times.P50), i64toa(s.Times.P90), i64toa(s.Times.P99))
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("report: budget.csv: write: %w", err)
		}
	}
	return flushCSV(cw, "budget.csv")
}

// WriteRedirectsCSV writes redirects.csv: every redirect chain that starts at
// a linked, listed or start URL, hop by hop, in chain-start order. Each
// record of the chain is one row (hop 1 is the start), the last row being
// the final answer; when the chain leaves the crawl (target without a record)
// a last row has the target and an empty status, and when it loops a last
// row repeats the URL it came back to, with loop true on every row.
func WriteRedirectsCSV(w io.Writer, r store.Reader) error {
	recs, err := loadBudget(r)
	if err != nil {
		return err
	}
	cw := newCSV(w)
	if err := cw.Write(redirectsHeader); err != nil {
		return fmt.Errorf("report: redirects.csv: write: %w", err)
	}
	for _, b := range recs {
		if b.cat != catRedirect || !b.entry {
			continue
		}
		hops, loop := chain(b, recs)
		last := hops[len(hops)-1]
		type row struct {
			url, status, location string
		}
		rows := make([]row, 0, len(hops)+1)
		for _, h := range hops {
			loc := ""
			if h.cat == catRedirect {
				loc = h.redirect()
			}
			rows = append(rows, row{h.url, itoa(int(h.status)), loc})
		}
		finalURL, finalStatus := last.url, itoa(int(last.status))
		if last.cat == catRedirect && last.redirect() != "" {
			// Loop (back to a URL in the chain) or a target without a
			// record: name it in a last row.
			finalURL, finalStatus = last.redirect(), ""
			if t := recs.get(last.redirect()); t != nil {
				finalStatus = itoa(int(t.status))
			}
			rows = append(rows, row{last.redirect(), finalStatus, ""})
		}
		redirects := 0
		for _, h := range hops {
			if h.cat == catRedirect {
				redirects++
			}
		}
		for i, rw := range rows {
			rec := []string{cell(b.url), itoa(i + 1), cell(rw.url), rw.status, cell(rw.location), itoa(redirects), cell(finalURL), finalStatus, btoa(loop), itoa(int(b.npages))}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("report: redirects.csv: write: %w", err)
			}
		}
	}
	return flushCSV(cw, "redirects.csv")
}
