package report

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// WriteMetrics writes metrics.prom in the Prometheus text exposition format,
// for node_exporter's textfile collector (copy it into the collector's
// folder under a name unique per site). Every sample has a site label
// (j.Site, or the start URL's host) so several sites' files can sit side by
// side. Metrics, all gauges:
//
//   - crawlaudit_urls{site,kind,status_class}: URL records by kind and
//     status class (2xx, 3xx, 4xx, 5xx, blocked, none, other).
//   - crawlaudit_findings{site,rule,severity}: findings by rule and severity.
//   - crawlaudit_new_findings{site} and crawlaudit_regressions{site}: against
//     the baseline; only written when there is one.
//   - crawlaudit_crawl_efficiency{site}: the crawl budget's efficiency, as
//     report.html and crawl.json give it (Budget.Efficiency): requests to
//     the site's URLs that reached an indexable 200 page, divided by all
//     of them; 0 when nothing was requested.
//   - crawlaudit_crawl_duration_seconds{site}: finished minus started.
//   - crawlaudit_crawl_partial{site}: 1 when the crawl was interrupted.
//   - crawlaudit_last_success_timestamp_seconds{site}: when the crawl
//     finished, written only when it was not interrupted (a partial crawl
//     leaves it out, so an alert on its age fires).
//
// Names and labels follow the Prometheus conventions: snake_case, a
// crawlaudit_ prefix, base units (seconds), no label holding a URL.
func WriteMetrics(w io.Writer, r *Crawl) error {
	j := r.opt.Job
	sum, err := Summarize(r)
	if err != nil {
		return err
	}
	meta, err := r.Meta()
	if err != nil {
		return fmt.Errorf("report: metrics.prom: meta: %w", err)
	}
	site := j.Site
	if site == "" {
		if u, err := url.Parse(meta.StartURL); err == nil {
			site = u.Host
		}
	}
	bud, err := ComputeBudget(r)
	if err != nil {
		return err
	}
	var b strings.Builder
	siteL := label("site", site)
	family := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	sample := func(name string, value float64, labels ...string) {
		fmt.Fprintf(&b, "%s{%s} %s\n", name, strings.Join(append([]string{siteL}, labels...), ","), strconv.FormatFloat(value, 'f', -1, 64))
	}

	family("crawlaudit_urls", "URL records of the last crawl by kind and status class.")
	kinds := make([]string, 0, len(sum.ByKindStatus))
	for k := range sum.ByKindStatus {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := sum.ByKindStatus[store.Kind(k)]
		for _, cl := range []struct {
			name string
			n    int
		}{{class2xx, c.S2xx}, {class3xx, c.S3xx}, {class4xx, c.S4xx}, {class5xx, c.S5xx}, {classBlocked, c.Blocked}, {classNone, c.None}, {classOther, c.Other}} {
			sample("crawlaudit_urls", float64(cl.n), label("kind", k), label("status_class", cl.name))
		}
	}

	family("crawlaudit_findings", "Findings of the last crawl by rule and severity.")
	for _, rc := range sum.FindingsByRule {
		sample("crawlaudit_findings", float64(rc.Count), label("rule", rc.Rule), label("severity", string(rc.Severity)))
	}
	if j.Diff != nil {
		c := CountDiff(*j.Diff)
		family("crawlaudit_new_findings", "Findings of the last crawl that the baseline crawl did not have.")
		sample("crawlaudit_new_findings", float64(c.NewFindings))
		family("crawlaudit_regressions", "URLs that worked in the baseline crawl and no longer do.")
		sample("crawlaudit_regressions", float64(c.Regressions))
	}
	family("crawlaudit_crawl_efficiency", "Requests of the site that reached an indexable 200 page, divided by all its requests, 0 to 1 (the crawl budget's efficiency).")
	sample("crawlaudit_crawl_efficiency", bud.Efficiency)
	family("crawlaudit_crawl_duration_seconds", "Duration of the last crawl.")
	dur := 0.0
	if !meta.StartedAt.IsZero() && meta.FinishedAt.After(meta.StartedAt) {
		dur = meta.FinishedAt.Sub(meta.StartedAt).Seconds()
	}
	sample("crawlaudit_crawl_duration_seconds", dur)
	family("crawlaudit_crawl_partial", "1 when the last crawl was interrupted, else 0.")
	partial := 0.0
	if meta.Partial {
		partial = 1
	}
	sample("crawlaudit_crawl_partial", partial)
	if !meta.Partial && !meta.FinishedAt.IsZero() {
		family("crawlaudit_last_success_timestamp_seconds", "Unix time the last complete crawl finished.")
		sample("crawlaudit_last_success_timestamp_seconds", float64(meta.FinishedAt.Unix()))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("report: metrics.prom: %w", err)
	}
	return nil
}

// label renders name="value" with the text format's escapes.
func label(name, value string) string {
	return name + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(value) + `"`
}
