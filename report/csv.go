package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// The CSV files are UTF-8, RFC 4180 (CRLF line ends, fields quoted by
// encoding/csv when needed), with a header row. Column names are part of the
// schema. The writers never write a byte order mark: a run that asks for one
// (Format.CSV) puts BOM before the header.
var (
	urlsHeader     = []string{"url", "status", "kind", "sources", "depth", "inlinks", "content_type", "bytes", "response_ms", "redirect", "www_authenticate", "noindex", "canonical", "title", "in_sitemap", "blocked_by_robots", "truncated", "error", "robots_disallowed", "sitemap_urls"}
	findingsHeader = []string{"rule", "severity", "url", "message", "referrers", "referrer_count"}
	linksHeader    = []string{"from", "to", "type", "tag", "text", "to_status"}
)

// BOM is the UTF-8 byte order mark. Spreadsheet programs (Excel above all)
// read a CSV file without one in the system's legacy code page, which turns
// "–" and "→" into mojibake; with it they read UTF-8.
const BOM = "\ufeff"

// listSep joins the values of a cell that holds several (sources,
// referrers), in every CSV file: a URL never holds " | " unescaped.
const listSep = " | "

// Limits of a cell that lists URLs. A spreadsheet cell holds at most 32,767
// characters, and a findings.csv cell once listed 527 referrers in 24,381:
// unreadable, and one step from being cut. The first maxCellURLs are listed
// (fewer when they would not fit in maxCellBytes) and the rest counted;
// links.csv has every edge.
const (
	maxCellURLs  = 20
	maxCellBytes = 32000 // bytes ≥ UTF-16 code units, so under the limit however it counts
)

// urlList is the cell listing urls, total in all (total ≥ len(urls): the
// caller may hold only the first ones): at most maxCellURLs joined by
// listSep, then "… and N more (all in links.csv)" when some are left out.
// It is never longer than maxCellBytes.
func urlList(urls []string, total int) string {
	total = max(total, len(urls))
	var b strings.Builder
	shown := 0
	for _, u := range urls[:min(len(urls), maxCellURLs)] {
		// Room for this URL and the longest tail that can follow it.
		need := len(u) + len(moreText(total, shown+1))
		if shown > 0 {
			need += len(listSep)
		}
		if b.Len()+need > maxCellBytes {
			break
		}
		if shown > 0 {
			b.WriteString(listSep)
		}
		b.WriteString(u)
		shown++
	}
	b.WriteString(moreText(total, shown))
	return b.String()
}

// moreText is what follows the shown URLs of a list of total: nothing when
// every one is shown.
func moreText(total, shown int) string {
	switch {
	case shown >= total:
		return ""
	case shown == 0:
		return fmt.Sprintf("%d URLs (all in links.csv)", total)
	}
	return fmt.Sprintf("%s… and %d more (all in links.csv)", listSep, total-shown)
}

// cell makes one string safe for a spreadsheet. Crawled text such as a title
// "=HYPERLINK(...)" would run as a formula when the file is opened in Excel,
// LibreOffice or Google Sheets, so a value starting with = + - @ tab or CR
// gets a leading single quote, which those programs treat as "this is text".
// Every string cell goes through it; numbers and booleans we format ourselves
// do not (a byte count of -1 must stay a number).
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// newCSV returns an RFC 4180 writer.
func newCSV(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw
}

// flushCSV flushes cw and returns its first write error.
func flushCSV(cw *csv.Writer, name string) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: %s: write: %w", name, err)
	}
	return nil
}

func itoa(n int) string     { return strconv.Itoa(n) }
func btoa(b bool) string    { return strconv.FormatBool(b) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

// WriteURLsCSV writes urls.csv: one row per URL record, in masked-URL order
// (as crawl.json, streamed the same way), with the columns of urlsHeader.
// sources are joined with listSep; www_authenticate is the header as HTTP
// combines repeated fields (values joined with ", ", as in crawl.json, so
// that a crawl.json read back gives the same cell); booleans are
// true/false, bytes is -1 when unknown.
func WriteURLsCSV(w io.Writer, r *Crawl) error {
	cw := newCSV(w)
	withRender, err := r.rendered()
	if err != nil {
		return err
	}
	header := urlsHeader
	if withRender {
		header = append(slices.Clone(urlsHeader), urlsRenderHeader...)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("report: urls.csv: write: %w", err)
	}
	err = r.eachURLInbound(func(u store.URL, in store.Inbound) error {
		row := []string{
			cell(r.maskURL(u.URL)),
			itoa(u.Status),
			cell(string(u.Kind)),
			cell(strings.Join(in.Sources(u), listSep)),
			itoa(u.Depth),
			itoa(in.Inlinks),
			cell(u.ContentType),
			i64toa(u.Bytes),
			i64toa(u.ResponseMS),
			cell(r.maskURL(u.Redirect)),
			cell(strings.Join(u.WWWAuthenticate, ", ")),
			btoa(u.NoIndex),
			cell(r.maskURL(u.Canonical)),
			cell(u.Title),
			btoa(u.InSitemap),
			btoa(u.BlockedByRobots),
			btoa(u.Truncated),
			cell(r.maskText(u.Error)),
			btoa(u.RobotsDisallowed),
			strconv.Itoa(u.SitemapURLs),
		}
		if withRender {
			row = append(row, renderCells(u, r)...)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("report: urls.csv: %w", err)
	}
	return flushCSV(cw, "urls.csv")
}

// WriteFindingsCSV writes findings.csv: one row per finding, masked and
// ordered by store.SortFindings; referrers lists the first of them (urlList)
// and referrer_count counts them all.
func WriteFindingsCSV(w io.Writer, r *Crawl) error {
	fs, err := r.maskedFindings()
	if err != nil {
		return err
	}
	cw := newCSV(w)
	if err := cw.Write(findingsHeader); err != nil {
		return fmt.Errorf("report: findings.csv: write: %w", err)
	}
	for _, f := range fs {
		row := []string{
			cell(f.Rule),
			cell(string(f.Severity)),
			cell(f.URL),
			cell(f.Text()),
			cell(urlList(f.Referrers, len(f.Referrers))),
			itoa(len(f.Referrers)),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("report: findings.csv: write: %w", err)
		}
	}
	return flushCSV(cw, "findings.csv")
}

// WriteLinksCSV writes links.csv: every edge in store order (From, To, Type,
// Tag), with to_status the status of the target's record, or empty when the
// target has none (not fetched yet when the crawl stopped).
func WriteLinksCSV(w io.Writer, r *Crawl) error {
	cw := newCSV(w)
	if err := cw.Write(linksHeader); err != nil {
		return fmt.Errorf("report: links.csv: write: %w", err)
	}
	err := r.EachEdgeStatus(func(e store.Edge, toStatus int, ok bool) error {
		status := ""
		if ok {
			status = itoa(toStatus)
		}
		row := []string{
			cell(r.maskURL(e.From)),
			cell(r.maskURL(e.To)),
			cell(string(e.Type)),
			cell(e.Tag),
			cell(e.Text),
			status,
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("report: links.csv: %w", err)
	}
	return flushCSV(cw, "links.csv")
}
