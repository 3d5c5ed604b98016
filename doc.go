// Package crawlaudit crawls a web site, records every URL's HTTP status,
// flags the 401 Unauthorized and 403 Forbidden answers that hurt search
// engines and visitors (on pages public pages link to, on assets public
// pages use, on URLs sitemaps list), and writes a crawl-budget report.
//
// It is the public API of the crawlaudit command (cmd/crawlaudit): fill an
// Options (start from DefaultOptions, or read a crawlaudit.yaml with
// ReadConfig) and call Run. Run crawls, audits, applies the rule policy and
// writes every output file (crawl.db, crawl.json, the CSV files,
// report.html, junit.xml, summary.md, metrics.prom and, with a baseline,
// diff.json and diff.csv) into Options.Out, then returns a Result with the
// findings and the verdict. Open reads a finished crawl back; Report
// rewrites its outputs; Compare compares two crawls.
//
// The flow inside is one way: Options → crawler (colly; one record per
// URL, one edge per reference, into an SQLite crawl database) →
// internal/analysis (what each URL is) → internal/audit (the rules) →
// report (one registry of output formats). The README's Layout section
// draws it.
package crawlaudit
