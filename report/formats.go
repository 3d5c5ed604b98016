package report

import (
	"io"
	"sort"
)

// Format is one output file of a crawl.
type Format struct {
	// Name is the file name under the output folder.
	Name string
	// Write renders the crawl into w.
	Write func(w io.Writer, c *Crawl) error
	// When reports whether the run writes the file (the diff files need a
	// baseline); nil means always. A file a run does not write must not
	// stay behind from an earlier run: it would describe another crawl.
	When func(c *Crawl) bool
	// CSV says the file is CSV: a run that asks for a byte order mark
	// (crawlaudit.Options.CSVBOM) starts it with BOM, so that spreadsheet
	// programs read it as UTF-8.
	CSV bool
}

// formats is the one registry of output files: every file a crawl writes,
// `crawlaudit report` rewrites, and the tests check. A new format is one
// file in this package plus one entry here. It is a read-only table.
var formats = []Format{
	{Name: "bot_hits.csv", Write: WriteBotHitsCSV, When: hasLogs, CSV: true},
	{Name: "budget.csv", Write: WriteBudgetCSV, CSV: true},
	{Name: "crawl.json", Write: WriteJSON},
	{Name: "diff.csv", Write: WriteDiffCSV, When: hasDiff, CSV: true},
	{Name: "diff.json", Write: WriteDiffJSON, When: hasDiff},
	{Name: "findings.csv", Write: WriteFindingsCSV, CSV: true},
	{Name: "fixes.csv", Write: WriteFixesCSV, CSV: true},
	{Name: "junit.xml", Write: WriteJUnit},
	{Name: "links.csv", Write: WriteLinksCSV, CSV: true},
	{Name: "metrics.prom", Write: WriteMetrics},
	{Name: "redirects.csv", Write: WriteRedirectsCSV, CSV: true},
	{Name: "report.html", Write: WriteHTML},
	{Name: "summary.md", Write: WriteMarkdown},
	{Name: "urls.csv", Write: WriteURLsCSV, CSV: true},
}

func hasDiff(c *Crawl) bool { return c.opt.Job.Diff != nil }

// Formats returns every output format, sorted by file name.
func Formats() []Format {
	out := append([]Format(nil), formats...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FileNames returns the name of every output file, sorted.
func FileNames() []string {
	names := make([]string, 0, len(formats))
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}

// Writes reports whether the run of c writes f.
func (f Format) Writes(c *Crawl) bool { return f.When == nil || f.When(c) }
