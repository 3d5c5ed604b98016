package report

import (
	"io"
	"sort"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// WriterFunc renders a crawl read from r to w.
type WriterFunc func(w io.Writer, r store.Reader) error

// Files maps each output file name (as written under --out) to its writer.
// It is the one place a file format is registered: a new format is one file
// in this package plus one line here. It is a read-only table: it must never
// be mutated at run time (not by cmd, not by tests), which is what makes it
// safe to read from any goroutine. report.html is listed with its default
// options (no rule explanations); Writers binds them.
var Files = map[string]WriterFunc{
	"crawl.json":    WriteJSON,
	"urls.csv":      WriteURLsCSV,
	"findings.csv":  WriteFindingsCSV,
	"links.csv":     WriteLinksCSV,
	"budget.csv":    WriteBudgetCSV,
	"redirects.csv": WriteRedirectsCSV,
	"report.html":   writeHTMLDefault,
}

// FileNames returns the keys of Files, sorted, so callers write files in a
// stable order.
func FileNames() []string {
	names := make([]string, 0, len(Files))
	for name := range Files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Writers returns the writer of every file in Files, with html bound into
// report.html (which Files renders without rule explanations). cmd uses it
// to pass what report must not import itself: the audit rule texts.
func Writers(html HTMLOptions) map[string]WriterFunc {
	out := make(map[string]WriterFunc, len(Files))
	for name, w := range Files {
		out[name] = w
	}
	out["report.html"] = func(w io.Writer, r store.Reader) error { return WriteHTML(w, r, html) }
	return out
}
