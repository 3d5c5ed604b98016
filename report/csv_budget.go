package report

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
)

// budgetHeader is budget.csv's header: the section, its totals, one column of
// requests per category (in categoryDefs order; indexable is already a
// column, and blocked-linked is left out: it is not a request) and its response-time percentiles.
func budgetHeader() []string {
	h := []string{"section", "requests", "indexable", "wasted", "wasted_share", "efficiency"}
	for _, d := range analysis.Categories {
		if d.ID != analysis.CatBlockedLinked && d.ID != analysis.CatIndexable {
			h = append(h, d.ID)
		}
	}
	return append(h, "p50_ms", "p90_ms", "p99_ms")
}

// redirectsHeader is redirects.csv's header. inlinks counts the pages
// linking to the chain start (the name urls.csv and crawl.json give it).
var redirectsHeader = []string{"chain_start", "hop", "url", "status", "location", "hops", "final_url", "final_status", "loop", "inlinks"}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

// WriteBudgetCSV writes budget.csv: one row per section, most wasted
// requests first (as Budget.Sections), then an "(all)" row with the whole
// site. Shares and efficiencies are fractions with four decimals.
func WriteBudgetCSV(w io.Writer, r *Crawl) error {
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
		row := []string{cell(s.Section), itoa(s.Requests), itoa(s.Indexable), itoa(s.Wasted), ftoa(share(s.Wasted, s.Requests)), ftoa(s.Efficiency)}
		for _, d := range analysis.Categories {
			if d.ID != analysis.CatBlockedLinked && d.ID != analysis.CatIndexable {
				row = append(row, itoa(s.Categories[d.ID]))
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
func WriteRedirectsCSV(w io.Writer, r *Crawl) error {
	recs, err := loadBudget(r)
	if err != nil {
		return err
	}
	cw := newCSV(w)
	if err := cw.Write(redirectsHeader); err != nil {
		return fmt.Errorf("report: redirects.csv: write: %w", err)
	}
	err = recs.RedirectChains(func(c analysis.RedirectChain) error {
		type row struct {
			url, status, location string
		}
		rows := make([]row, 0, len(c.Hops)+1)
		for _, h := range c.Hops {
			rows = append(rows, row{h.URL, itoa(h.Status), h.Location})
		}
		last := c.Hops[len(c.Hops)-1]
		finalURL, finalStatus := last.URL, itoa(last.Status)
		if c.Next != "" {
			// Loop (back to a URL in the chain) or a target without a
			// record: name it in a last row.
			finalURL, finalStatus = c.Next, ""
			if c.NextRecorded {
				finalStatus = itoa(c.NextStatus)
			}
			rows = append(rows, row{c.Next, finalStatus, ""})
		}
		for i, rw := range rows {
			rec := []string{cell(c.Hops[0].URL), itoa(i + 1), cell(rw.url), rw.status, cell(rw.location), itoa(c.Redirects), cell(finalURL), finalStatus, btoa(c.Loop), itoa(c.Pages)}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("report: redirects.csv: write: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flushCSV(cw, "redirects.csv")
}

// share is n/d rounded to four decimals, 0 when d is 0.
func share(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}
