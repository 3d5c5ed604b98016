// Package report renders a finished (or interrupted) crawl, read through a
// store.Reader, as a terminal summary table, CSV files, crawl.json and a
// self-contained report.html, with a crawl-budget analysis in all of them. It is
// the last step of the flow cmd → crawler → store → audit → report: it reads
// records and findings and writes bytes to an io.Writer, nothing else. It
// never opens files; cmd decides where the output goes (and writes files
// atomically).
//
// One file per format: table.go (terminal summary, the only user of
// tablewriter), csv.go (urls.csv, findings.csv, links.csv), csv_budget.go
// (budget.csv, redirects.csv), json.go (crawl.json, and ReadJSON to load it
// back), html.go with html.tmpl and html.js (report.html). summary.go holds
// the counts that JSON and the table share; budget.go computes the crawl
// budget (Budget) that JSON, the table, budget.csv and report.html share.
// report.html explains findings with rule texts that cmd passes in
// (HTMLOptions.Rules, bound by Writers): this package never imports
// internal/audit.
// Scheduled runs add diff.go (diff.json, diff.csv and the terminal view of
// an internal/diff.Diff), and, rendered from a crawl plus a Job (job.go: fail
// policy, baseline diff, ignored findings), junit.go (junit.xml),
// markdown.go (summary.md) and metrics.go (metrics.prom); cmd writes those,
// as they need more than a store.Reader. formats.go maps output file names to writers; a
// new format is one file plus one line there.
//
// Output rules:
//
//   - Deterministic: store iteration is ordered, and anything aggregated here
//     is sorted. Nothing reads the clock: times come from store.Meta.
//   - No secrets: every URL written as text goes through urlx.Mask, and free
//     text that may quote URLs (finding messages, fetch errors, settings)
//     goes through maskText, which masks every http(s) URL in it.
//   - Crawled content is hostile: CSV cells go through one formula-injection
//     helper (cell), JSON is produced by encoding/json (which escapes <, >
//     and &), HTML only by html/template (the URL table's rows are a JSON data
//     island it escapes, and the script builds cells with textContent), under
//     a Content-Security-Policy that runs only the page's own script.
//
// The schemas (JSON field names, CSV columns) belong to this package. They
// are produced from explicit output structs mapped from store records, so a
// refactor of the store can't change them silently. Bump SchemaVersion when
// crawl.json changes incompatibly.
//
// The functions here are synchronous and keep no state; they are safe to call
// concurrently as long as the store.Reader is.
package report
