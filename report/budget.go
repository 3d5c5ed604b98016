package report

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"
)

// Budget is the crawl-budget analysis (computed by internal/analysis) as
// the outputs show it: where this crawl's requests went, how many of them
// reached an indexable page, and which fixes win wasted requests back. It
// appears as "budget" in crawl.json (an additive field: the schema
// version stays 1), as budget.csv (the sections), in the terminal table and at
// the top of report.html. The README defines every category.
//
// Scope: the site's own URLs (every kind but external). A "request" is a
// record the crawl actually requested: URLs blocked by robots.txt were not
// requested and count only in the blocked-linked category, whose share is
// still given relative to Requests so that all shares use one denominator.
//
// Everything is computed from masked URLs and from fields crawl.json keeps
// (never anchor text, never edges to URLs without a record), so a crawl.json
// read back with ReadJSON yields the same Budget.
type Budget struct {
	// Requests is the number of requests made to the site's own URLs.
	Requests int `json:"requests"`
	// Indexable is the number of those requests that returned an indexable
	// 200 page (HTML, XHTML or PDF, no noindex, not canonicalised elsewhere,
	// not a parameter variant).
	Indexable int `json:"indexable"`
	// Wasted is the number of requests in waste categories.
	Wasted int `json:"wasted"`
	// Efficiency is Indexable / Requests (0 when there was no request),
	// rounded to four decimals: the "crawl efficiency" figure.
	Efficiency float64 `json:"efficiency"`
	// Categories holds every category in a fixed order, zeros included.
	Categories []BudgetCategory `json:"categories"`
	// RedirectChains counts redirect chains that start at a URL which is
	// linked, listed or the start URL; ExtraHops counts their hops beyond the
	// first (each one a request a direct link would not need).
	RedirectChains int `json:"redirect_chains"`
	ExtraHops      int `json:"extra_hops"`
	// Sections is the breakdown per directory, most wasted requests first.
	Sections []BudgetSection `json:"sections"`
	// Fixes lists the linked URLs whose requests are wasted, ranked by the
	// requests fixing their links saves (at most maxFixes).
	Fixes []BudgetFix `json:"fixes"`
	// Speed holds response-time percentiles and the slowest URLs.
	Speed BudgetSpeed `json:"speed"`
	// Depth is the click-depth distribution of indexable pages.
	Depth BudgetDepth `json:"depth"`
	// Sitemap is the sitemap hygiene, or null when the crawl saw no sitemap
	// (no sitemap record and no URL listed in one).
	Sitemap *BudgetSitemap `json:"sitemap"`
}

// BudgetCategory is one outcome: how many requests ended that way.
type BudgetCategory struct {
	ID    string  `json:"id"`    // e.g. "unauthorized"; stable, used as a budget.csv column
	Label string  `json:"label"` // short human description
	Waste bool    `json:"waste"` // counts toward Budget.Wasted
	Count int     `json:"count"` // requests (blocked-linked: URLs, never requested)
	Share float64 `json:"share"` // Count / Budget.Requests, four decimals
}

// BudgetSection is the breakdown of one directory.
type BudgetSection struct {
	Section    string         `json:"section"` // "/", "/blog/", "/shop/shoes/", …
	Requests   int            `json:"requests"`
	Indexable  int            `json:"indexable"`
	Wasted     int            `json:"wasted"`
	Efficiency float64        `json:"efficiency"`
	Categories map[string]int `json:"categories"` // category ID → requests, every ID present
	Times      Percentiles    `json:"response_ms"`
}

// Percentiles are response-time percentiles in milliseconds, by the
// nearest-rank method over the requests that got an answer.
type Percentiles struct {
	N   int   `json:"n"` // requests measured
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
}

// BudgetFix is one linked URL whose request is wasted, and what fixing its
// links saves.
type BudgetFix struct {
	URL      string `json:"url"`      // the linked URL (masked)
	Status   int    `json:"status"`   // its status, 0 for none
	Category string `json:"category"` // its category ID
	// Pages is the number of distinct pages linking to or using it. A link
	// on many pages usually comes from a template (navigation, footer).
	Pages int `json:"pages"`
	// Inlinks is Pages under the name every other output gives it (crawl.json
	// keeps "pages" too: schema 1 only grows).
	Inlinks int `json:"inlinks"`
	// Saved is the wasted requests each crawl spends because of these links:
	// 1, or for a redirect every hop (plus the final answer when that is
	// wasted too).
	Saved int `json:"saved"`
	// Target is the end of a redirect chain (link there instead); empty
	// otherwise.
	Target string `json:"target"`
	// Referrers are up to maxFixReferrers linking pages, sorted.
	Referrers []string `json:"referrers"`
	// Fix says what to do.
	Fix string `json:"fix"`
}

// BudgetSpeed is response time overall and per section (in Sections).
type BudgetSpeed struct {
	Overall Percentiles `json:"overall"`
	Slowest []SlowURL   `json:"slowest"` // at most maxSlowest, slowest first
}

// SlowURL is one slow answer.
type SlowURL struct {
	URL        string `json:"url"`
	Status     int    `json:"status"`
	ResponseMS int64  `json:"response_ms"`
}

// BudgetDepth is the click-depth distribution of indexable pages.
type BudgetDepth struct {
	Pages     []DepthCount `json:"pages"`      // indexable pages per depth, by depth
	Deep      []string     `json:"deep"`       // indexable pages deeper than maxGoodDepth (at most maxListed), deepest first
	DeepTotal int          `json:"deep_total"` // how many there are in all
}

// DepthCount is the number of indexable pages at one click depth.
type DepthCount struct {
	Depth int `json:"depth"`
	Pages int `json:"pages"`
}

// BudgetSitemap is sitemap hygiene.
type BudgetSitemap struct {
	Listed          int     `json:"listed"`           // URL records marked in_sitemap
	ListedIndexable int     `json:"listed_indexable"` // of those, indexable 200 pages
	Share           float64 `json:"share"`            // ListedIndexable / Listed
	// ListedNotIndexable counts the listed URLs that are not indexable 200
	// pages, per category ID; a listed URL robots.txt blocks counts as
	// blocked_linked whether or not a page links to it.
	ListedNotIndexable map[string]int `json:"listed_not_indexable"`
	// Orphans are listed URLs no crawled page links to (at most maxListed).
	Orphans      []string `json:"orphans"`
	OrphansTotal int      `json:"orphans_total"`
	// Missing are indexable pages not listed in any sitemap (at most maxListed).
	Missing      []string `json:"missing"`
	MissingTotal int      `json:"missing_total"`
}

// ComputeBudget returns the crawl budget of the crawl, as crawl.json and
// the other outputs show it (analysis.ComputeBudget, on masked URLs). It is
// computed once per Crawl.
func ComputeBudget(r *Crawl) (Budget, error) { return r.computedBudget() }

// loadBudget returns the budget records of the crawl, keyed by masked URL,
// loaded once per Crawl.
func loadBudget(r *Crawl) (*analysis.Records, error) { return r.budget() }

// newBudget maps the analysis to the output schema.
func newBudget(b analysis.Budget) Budget {
	out := Budget{
		Requests: b.Requests, Indexable: b.Indexable, Wasted: b.Wasted, Efficiency: b.Efficiency,
		Categories:     make([]BudgetCategory, 0, len(b.Categories)),
		RedirectChains: b.RedirectChains, ExtraHops: b.ExtraHops,
		Sections: make([]BudgetSection, 0, len(b.Sections)),
		Fixes:    make([]BudgetFix, 0, len(b.Fixes)),
		Speed:    BudgetSpeed{Overall: Percentiles(b.Speed.Overall), Slowest: make([]SlowURL, 0, len(b.Speed.Slowest))},
		Depth:    BudgetDepth{Pages: make([]DepthCount, 0, len(b.Depth.Pages)), Deep: b.Depth.Deep, DeepTotal: b.Depth.DeepTotal},
	}
	for _, c := range b.Categories {
		out.Categories = append(out.Categories, BudgetCategory(c))
	}
	for _, s := range b.Sections {
		out.Sections = append(out.Sections, BudgetSection{Section: s.Section, Requests: s.Requests, Indexable: s.Indexable, Wasted: s.Wasted,
			Efficiency: s.Efficiency, Categories: s.Categories, Times: Percentiles(s.Times)})
	}
	for _, f := range b.Fixes {
		out.Fixes = append(out.Fixes, BudgetFix{URL: f.URL, Status: f.Status, Category: f.Category, Pages: f.Pages, Inlinks: f.Pages, Saved: f.Saved,
			Target: f.Target, Referrers: f.Referrers, Fix: f.Fix})
	}
	for _, s := range b.Speed.Slowest {
		out.Speed.Slowest = append(out.Speed.Slowest, SlowURL(s))
	}
	for _, d := range b.Depth.Pages {
		out.Depth.Pages = append(out.Depth.Pages, DepthCount(d))
	}
	if s := b.Sitemap; s != nil {
		out.Sitemap = &BudgetSitemap{Listed: s.Listed, ListedIndexable: s.ListedIndexable, Share: s.Share, ListedNotIndexable: s.ListedNotIndexable,
			Orphans: s.Orphans, OrphansTotal: s.OrphansTotal, Missing: s.Missing, MissingTotal: s.MissingTotal}
	}
	return out
}
