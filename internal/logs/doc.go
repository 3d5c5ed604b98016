// Package logs reads web server access logs and keeps what search-engine
// and AI crawlers requested: it parses Apache and nginx text formats
// (common, combined, vhost_combined, a custom LogFormat or log_format
// string), JSON lines (Caddy, nginx escape=json, any field mapping) and W3C
// extended logs (IIS, CloudFront); it names the crawler a user agent claims
// to be (Identify), checks the claim against published IP ranges or
// reverse-then-forward DNS (Verifier), and aggregates the hits per URL and
// crawler with memory bounded by the distinct URLs crawlers requested
// (Aggregator). Lines are parsed in blocks on every core and counted in the
// order of the log (read.go), and the hits are kept in a compact table
// without pointers (table.go) that store.LogData carries as its Table.
//
// Privacy: a line whose user agent is no known crawler is counted and
// dropped; its address, URL and user agent are never kept.
//
// Its place in the flow: log files → logs → store.BotHit records, which the
// analysis joins with a crawl. Every line is hostile input: an unparsable
// line is counted and sampled (its line number and why), never fatal.
package logs
