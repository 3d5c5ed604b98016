package report

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TableOptions configures WriteTable.
type TableOptions struct {
	// Top is how many findings "Top problem URLs" shows; zero or negative
	// means 10.
	Top int
	// Width, when positive, fits every table to that many columns (URLs
	// cut in the middle, text at its end); zero draws cells whole, URLs cut
	// at 80 characters.
	Width int
}

// defaultTop is TableOptions.Top's default.
const defaultTop = 10

// maxCellURL is the longest URL, in characters, shown whole in a table cell;
// longer ones are cut with "…". Files keep URLs whole.
const maxCellURL = 80

// kindOrder is the row order of "URLs by kind and status"; kinds not listed
// here follow, sorted.
var kindOrder = store.Kinds

// WriteTable writes every table of the crawl (what `--details` adds to the
// terminal summary): a header line, "URLs by kind and status", the crawl
// budget, "Findings by rule" (or "No findings."), "Top problem URLs" (the
// opt.Top most severe findings) and the authentication section. The
// tables are plain ASCII (+ - |), apart from "…" where a cell was cut, and
// "—" in the header line. Everything is rendered into memory first and
// written to w in one call, so a write error is never lost inside
// tablewriter, which ignores them.
//
// tablewriter decides once per process, from the environment, whether
// East Asian ambiguous-width characters are two columns wide
// (RUNEWIDTH_EASTASIAN=1, or a CJK locale outside known modern terminals).
// When they are, "…" counts as two columns and the padding of a cut URL's
// row differs from the golden files.
func WriteTable(w io.Writer, r *Crawl, opt TableOptions) error {
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: table: read meta: %w", err)
	}
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "crawlaudit: %s — %d URLs, %d findings", r.maskURL(meta.StartURL), sum.URLs, sum.Findings)
	if meta.Partial {
		buf.WriteString(" (partial crawl)")
	}
	buf.WriteString("\n")
	if err := writeTables(&buf, r, meta, sum, opt); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: table: write: %w", err)
	}
	return nil
}

// writeTables writes WriteTable's tables, without its header line.
func writeTables(buf *bytes.Buffer, r *Crawl, meta store.Meta, sum Summary, opt TableOptions) error {
	top, width := opt.Top, opt.Width
	if top <= 0 {
		top = defaultTop
	}
	findings, err := r.maskedFindings()
	if err != nil {
		return err
	}
	buf.WriteString("\nURLs by kind and status\n")
	if err := kindTable(buf, sum, width); err != nil {
		return err
	}
	bud, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	if err := budgetTable(buf, bud, width); err != nil {
		return err
	}
	buf.WriteString("\nFindings by rule\n")
	if len(sum.FindingsByRule) == 0 {
		buf.WriteString("No findings.\n")
	} else {
		if err := ruleTable(buf, sum.FindingsByRule, width); err != nil {
			return err
		}
		buf.WriteString("\nTop problem URLs\n")
		if err := problemTable(buf, r, findings, top, width); err != nil {
			return err
		}
		if top < len(findings) {
			textLine(buf, fmt.Sprintf("Showing %d of %d findings; all are in findings.csv.", top, len(findings)), width)
		}
	}
	auth, err := summarizeAuth(r, meta, findings)
	if err != nil {
		return err
	}
	return writeAuthTable(buf, auth, width, originOf(r.maskURL(meta.StartURL)))
}

// newTable returns a tablewriter table with our fixed look: ASCII borders,
// headers as given (tablewriter upper-cases them by default, which would turn
// "2xx" into "2XX"), no wrapping. numeric lists the right-aligned columns.
func newTable(w io.Writer, columns int, numeric ...int) *tablewriter.Table {
	align := make([]tw.Align, columns)
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, i := range numeric {
		align[i] = tw.AlignRight
	}
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
	)
}

// tableSpec describes one table: its columns (numeric ones right-aligned)
// and which cells may be cut to fit a width (URLs in the middle, text at
// its end).
type tableSpec struct {
	name    string
	header  []string
	numeric []int
	urls    []int
	texts   []int
	origin  string // URLs on it are shown as paths when cut to fit
}

// render draws the table with rows into w; width > 0 cuts cells so no line
// is longer (fitCells), 0 draws them whole.
func (ts tableSpec) render(w io.Writer, rows [][]string, width int) error {
	if width > 0 {
		rows = fitCells(ts.header, rows, width, ts.urls, ts.texts, ts.origin)
	}
	t := newTable(w, len(ts.header), ts.numeric...)
	t.Header(ts.header)
	return appendRows(t, ts.name, rows)
}

// appendRows appends rows to t and renders it, checking every error.
func appendRows(t *tablewriter.Table, name string, rows [][]string) error {
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return fmt.Errorf("report: table %q: append row: %w", name, err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: table %q: render: %w", name, err)
	}
	return nil
}

// kindTable renders "URLs by kind and status". The "other" column (statuses
// outside 200–599) only appears when some URL needs it.
func kindTable(w io.Writer, sum Summary, width int) error {
	kinds := make([]store.Kind, 0, len(sum.ByKindStatus))
	known := map[store.Kind]bool{}
	for _, k := range kindOrder {
		known[k] = true
		if _, ok := sum.ByKindStatus[k]; ok {
			kinds = append(kinds, k)
		}
	}
	var extra []store.Kind
	other := false
	for k, c := range sum.ByKindStatus {
		if !known[k] {
			extra = append(extra, k)
		}
		if c.Other > 0 {
			other = true
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	kinds = append(kinds, extra...)

	header := []string{"kind", class2xx, class3xx, class4xx, class5xx, classBlocked, classNone}
	if other {
		header = append(header, classOther)
	}
	header = append(header, "total")
	rows := make([][]string, 0, len(kinds))
	for _, k := range kinds {
		c := sum.ByKindStatus[k]
		row := []string{string(k), itoa(c.S2xx), itoa(c.S3xx), itoa(c.S4xx), itoa(c.S5xx), itoa(c.Blocked), itoa(c.None)}
		if other {
			row = append(row, itoa(c.Other))
		}
		rows = append(rows, append(row, itoa(c.Total)))
	}
	numeric := make([]int, 0, len(header)-1)
	for i := 1; i < len(header); i++ {
		numeric = append(numeric, i)
	}
	return tableSpec{name: "URLs by kind and status", header: header, numeric: numeric}.render(w, rows, width)
}

// budgetTable renders "Crawl budget": the efficiency line, then the
// categories that occurred, and the section with the most waste.
func budgetTable(w *bytes.Buffer, b Budget, width int) error {
	textLine(w, fmt.Sprintf("\nCrawl budget: efficiency %.1f%% (%d of %d requests were indexable 200 pages; %d wasted)",
		b.Efficiency*100, b.Indexable, b.Requests, b.Wasted), width)
	rows := [][]string{}
	for _, c := range b.Categories {
		if c.Count == 0 {
			continue
		}
		kind := "useful"
		switch {
		case c.Waste:
			kind = "waste"
		case c.ID == analysis.CatBlockedLinked:
			kind = "not requested"
		}
		rows = append(rows, []string{c.Label, kind, itoa(c.Count), fmt.Sprintf("%.1f%%", c.Share*100)})
	}
	spec := tableSpec{name: "Crawl budget", header: []string{"outcome", "counts as", "requests", "share"}, numeric: []int{2, 3}, texts: []int{0}}
	if err := spec.render(w, rows, width); err != nil {
		return err
	}
	if len(b.Sections) > 0 && b.Sections[0].Wasted > 0 {
		s := b.Sections[0]
		textLine(w, fmt.Sprintf("Most waste in %s: %d of %d requests. Sections are in budget.csv, fixes in fixes.csv (both in report.html).", s.Section, s.Wasted, s.Requests), width)
	}
	return nil
}

// ruleTable renders "Findings by rule" in Summary order (severity, rule).
func ruleTable(w io.Writer, rules []RuleCount, width int) error {
	rows := make([][]string, 0, len(rules))
	for _, rc := range rules {
		rows = append(rows, []string{rc.Rule, string(rc.Severity), itoa(rc.Count)})
	}
	return tableSpec{name: "Findings by rule", header: []string{"rule", "severity", "count"}, numeric: []int{2}, texts: []int{0}}.render(w, rows, width)
}

// problemTable renders "Top problem URLs": the top most severe findings, the
// most referred-to first within a severity (a broken link on 40 pages beats
// one on a single page), then by URL and rule. fs is masked already.
func problemTable(w io.Writer, r *Crawl, fs []store.Finding, top, width int) error {
	fs = append([]store.Finding(nil), fs...)
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if len(a.Referrers) != len(b.Referrers) {
			return len(a.Referrers) > len(b.Referrers)
		}
		if a.URL != b.URL {
			return a.URL < b.URL
		}
		return a.Rule < b.Rule
	})
	if len(fs) > top {
		fs = fs[:top]
	}
	// The findings are masked; look records up by the URL the rule saw.
	raw, err := r.Findings()
	if err != nil {
		return fmt.Errorf("report: table: read findings: %w", err)
	}
	rawURL := map[string]string{}
	for _, f := range raw {
		m := r.maskURL(f.URL)
		if prev, ok := rawURL[m]; !ok || f.URL < prev {
			rawURL[m] = f.URL
		}
	}
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		status, err := statusCell(r, rawURL[f.URL])
		if err != nil {
			return err
		}
		ref := ""
		if len(f.Referrers) > 0 {
			ref = urlCell(f.Referrers[0], width)
			if n := len(f.Referrers) - 1; n > 0 {
				ref += " (+" + itoa(n) + " more)"
			}
		}
		rows = append(rows, []string{string(f.Severity), f.Rule, status, urlCell(f.URL, width), ref})
	}
	meta, err := r.Meta()
	if err != nil {
		return err
	}
	return tableSpec{name: "Top problem URLs", header: []string{"severity", "rule", "status", "url", "referrer"}, urls: []int{3, 4}, texts: []int{1}, origin: originOf(r.maskURL(meta.StartURL))}.render(w, rows, width)
}

// statusCell is the status column of a finding's URL: the code, "blocked" or
// "none" as in the kind table, or empty when the URL has no record. url is
// the raw (unmasked) URL.
func statusCell(r *Crawl, url string) (string, error) {
	u, ok, err := r.Get(url)
	if err != nil {
		return "", fmt.Errorf("report: table: get %s: %w", r.maskURL(url), err)
	}
	if !ok {
		return "", nil
	}
	switch statusClass(u) {
	case classBlocked, classNone:
		return statusClass(u), nil
	}
	return strconv.Itoa(u.Status), nil
}

// urlCell is a URL cell: whole when the table is fitted to a width (the
// fitting cuts it in the middle if need be), else cut to maxCellURL.
func urlCell(s string, width int) string {
	if width > 0 {
		return s
	}
	return cutURL(s)
}

// cutURL shortens s to maxCellURL characters, the last being "…".
func cutURL(s string) string {
	if utf8.RuneCountInString(s) <= maxCellURL {
		return s
	}
	runes := []rune(s)
	return string(runes[:maxCellURL-1]) + "…"
}

// textLine writes s and a newline, wrapped at width (0: not wrapped), the
// continuation lines indented by two spaces. A leading newline is kept.
func textLine(w *bytes.Buffer, s string, width int) {
	if strings.HasPrefix(s, "\n") {
		w.WriteByte('\n')
		s = s[1:]
	}
	if width <= 0 {
		w.WriteString(s + "\n")
		return
	}
	for _, l := range wrap(s, width, "  ", 100) {
		w.WriteString(l + "\n")
	}
}
