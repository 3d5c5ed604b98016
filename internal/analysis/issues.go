package analysis

import (
	"net/url"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Issue is one thing a site owner fixes: the findings of one rule, at one
// severity, on URLs that share a template (the same folder once the parts
// that vary per item are set aside). One stylesheet behind a 403 is one
// issue; forty product images of one folder behind a 403 are one issue too.
type Issue struct {
	Rule     string
	Severity store.Severity
	// Pattern is what the URLs share: the URL itself when there is one,
	// else their template ("https://example.com/img/staff/…").
	Pattern string
	// Findings are the issue's findings, sorted by URL.
	Findings []store.Finding
	// Reach is how many pages the issue affects: the pages that link to,
	// use or redirect to its URLs, plus each of its URLs that nothing on
	// the site points at (a sitemap entry, a page on its own). A
	// stylesheet every page uses reaches every page; a page linked once
	// reaches one.
	Reach int
	// Referrers are the pages to change, the ones pointing at most of the
	// issue's URLs first.
	Referrers []Referrer
	// Priority ranks the issues: SeverityWeight × Reach.
	Priority int
}

// Referrer is a page pointing at some of an issue's URLs.
type Referrer struct {
	URL  string
	URLs int // how many of the issue's URLs it points at
}

// SeverityWeight is what one page reached weighs at each severity: an
// error on one page outranks a warning on nine, a warning on one page a
// notice on nine. Priority = SeverityWeight × Reach.
func SeverityWeight(s store.Severity) int {
	switch s {
	case store.SeverityError:
		return 100
	case store.SeverityWarning:
		return 10
	}
	return 1
}

// Issues groups findings (sorted or not) into issues, highest priority
// first (then severity, reach, rule and pattern, so the order is stable).
// kind tells a referrer's kind: a sitemap or robots.txt that lists a URL
// is not a page the problem reaches.
func Issues(fs []store.Finding, kind func(url string) store.Kind) []Issue {
	type key struct {
		rule     string
		severity store.Severity
		template string
	}
	groups := map[key]*Issue{}
	var order []key
	for _, f := range fs {
		k := key{f.Rule, f.Severity, Template(f.URL)}
		g := groups[k]
		if g == nil {
			g = &Issue{Rule: f.Rule, Severity: f.Severity}
			groups[k] = g
			order = append(order, k)
		}
		g.Findings = append(g.Findings, f)
	}
	out := make([]Issue, 0, len(order))
	for _, k := range order {
		g := groups[k]
		sort.SliceStable(g.Findings, func(i, j int) bool { return g.Findings[i].URL < g.Findings[j].URL })
		g.Pattern = g.Findings[0].URL
		if len(g.Findings) > 1 {
			g.Pattern = k.template
		}
		pages := map[string]int{}
		for _, f := range g.Findings {
			reached := false
			for _, r := range f.Referrers {
				if r == f.URL {
					continue
				}
				if kk := kind(r); kk == store.KindSitemap || kk == store.KindRobots {
					continue
				}
				pages[r]++
				reached = true
			}
			if !reached {
				pages[f.URL]++ // the URL is where the problem shows
			}
		}
		g.Reach = len(pages)
		for _, f := range g.Findings {
			for _, r := range f.Referrers {
				if n := pages[r]; n > 0 && r != f.URL {
					g.Referrers = append(g.Referrers, Referrer{URL: r, URLs: n})
					pages[r] = -n // once
				}
			}
		}
		sort.SliceStable(g.Referrers, func(i, j int) bool {
			a, b := g.Referrers[i], g.Referrers[j]
			if a.URLs != b.URLs {
				return a.URLs > b.URLs
			}
			return a.URL < b.URL
		})
		g.Priority = SeverityWeight(g.Severity) * g.Reach
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Priority != b.Priority:
			return a.Priority > b.Priority
		case a.Severity != b.Severity:
			return SeverityWeight(a.Severity) > SeverityWeight(b.Severity)
		case a.Reach != b.Reach:
			return a.Reach > b.Reach
		case a.Rule != b.Rule:
			return a.Rule < b.Rule
		}
		return a.Pattern < b.Pattern
	})
	return out
}

// Template is the folder a URL belongs to once item-naming segments are
// set aside: scheme, host and the path up to its last segment, with each
// segment that names one item rather than a place (a number, a date, an ID,
// a hash: a placeholder of Pattern, which this shares its classification
// with) as "*", then "…". URLs that differ only in their last segment,
// query or item IDs share it:
// https://example.com/img/staff/team.jpg → https://example.com/img/staff/…,
// https://example.com/p/17/photo.jpg → https://example.com/p/*/….
func Template(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	segs := strings.Split(u.EscapedPath(), "/")
	if len(segs) > 0 {
		segs = segs[:len(segs)-1] // the item itself
	}
	for i, s := range segs {
		if SegmentIsVariable(s) {
			segs[i] = "*"
		}
	}
	return u.Scheme + "://" + u.Host + strings.Join(segs, "/") + "/…"
}
