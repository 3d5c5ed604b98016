package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Budget is the crawl-budget analysis: where this crawl's requests went, how
// many of them reached an indexable page, and which fixes win wasted requests
// back. It appears as "budget" in crawl.json (an additive field: the schema
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

// Category IDs, in report order.
const (
	catIndexable     = "indexable"
	catResource      = "resource"
	catRedirect      = "redirect"
	catUnauthorized  = "unauthorized"
	catForbidden     = "forbidden"
	catNotFound      = "not_found"
	catOther4xx      = "other_4xx"
	catServerError   = "server_error"
	catNetworkError  = "network_error"
	catLoginWall     = "login_wall"
	catSoftNotFound  = "soft_404"
	catNoIndex       = "noindex"
	catCanonicalised = "canonicalised"
	catParameter     = "parameter_variant"
	catOther         = "other"
	catBlockedLinked = "blocked_linked"
)

// categoryDefs is the fixed list of categories: ID, label, waste. The README
// defines each one; keep them in step.
var categoryDefs = []struct {
	id, label string
	waste     bool
}{
	{catIndexable, "indexable 200 pages", false},
	{catResource, "resources (2xx assets, feeds, robots.txt, sitemaps)", false},
	{catRedirect, "redirects (3xx, every hop)", true},
	{catUnauthorized, "401 Unauthorized", true},
	{catForbidden, "403 Forbidden", true},
	{catNotFound, "404 Not Found / 410 Gone", true},
	{catOther4xx, "other 4xx", true},
	{catServerError, "5xx server errors", true},
	{catNetworkError, "network errors (no answer)", true},
	{catLoginWall, "login walls (200 pages that are a password form)", true},
	{catSoftNotFound, "soft 404s (200 pages whose title says not found)", true},
	{catNoIndex, "noindex pages", true},
	{catCanonicalised, "canonicalised elsewhere", true},
	{catParameter, "parameter variants of one path", true},
	{catOther, "other answers (1xx, 2xx pages other than 200)", true},
	{catBlockedLinked, "blocked by robots.txt but linked (not requested)", false},
}

// Limits of the lists in Budget, so a 100,000-URL crawl keeps a readable
// report; the totals are always exact.
const (
	maxFixes        = 50
	maxFixReferrers = 5
	maxSlowest      = 10
	maxListed       = 100
	maxGoodDepth    = 3 // pages deeper than this are listed in BudgetDepth.Deep
)

// sessionParams are query parameters that make a URL a variant of the same
// content whatever else exists: tracking and session identifiers.
var sessionParams = []string{"utm_", "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "sessionid", "session_id", "sid", "jsessionid", "phpsessid", "aspsessionid", "_ga"}

// recSlab is how many budget records are allocated at once: one
// allocation per record would cost a header and rounding each, and one
// growing slice would copy a million records at a time.
const recSlab = 4096

// recIndex is the budget records sorted by URL, for lookups by URL (a
// binary search: a map of a million URLs would cost more than the records).
type recIndex []*budgetRec

// get returns the record of url, or nil.
func (x recIndex) get(url string) *budgetRec {
	i := sort.Search(len(x), func(i int) bool { return x[i].url >= url })
	if i < len(x) && x[i].url == url {
		return x[i]
	}
	return nil
}

// budgetRec is what the analysis keeps of one record: about 80 bytes plus
// the URL, for every URL of the site, while the outputs are written.
type budgetRec struct {
	url                string   // masked
	more               *recMore // nil for most records
	cat                string
	section            string
	status             int32
	depth              int32
	ms                 int32
	npages             int32 // how many distinct linking/using pages there are
	kindCode           uint8 // index in store.Kinds
	htmlType           bool  // the Content-Type is one of indexableType's
	noIndex, inSitemap bool
	loginForm          bool
	softNotFound       bool // store.SoftNotFound
	blocked, start     bool
	hasError           bool
	entry              bool // linked, used, listed or the start URL (not only a redirect hop)
}

// recMore is what few records have: a redirect target, a canonical URL, or
// a URL that masking changed.
type recMore struct {
	redirect, canonical string // masked
	raw                 string // the URL as recorded, when masking changed it
}

func (b *budgetRec) redirect() string {
	if b.more == nil {
		return ""
	}
	return b.more.redirect
}

func (b *budgetRec) canonical() string {
	if b.more == nil {
		return ""
	}
	return b.more.canonical
}

// raw returns the URL as recorded.
func (b *budgetRec) raw() string {
	if b.more == nil || b.more.raw == "" {
		return b.url
	}
	return b.more.raw
}

func kindCode(k store.Kind) uint8 {
	for i, c := range store.Kinds {
		if k == c {
			return uint8(i)
		}
	}
	return uint8(len(store.Kinds)) // unknown
}

func (b *budgetRec) kind() store.Kind {
	if int(b.kindCode) < len(store.Kinds) {
		return store.Kinds[b.kindCode]
	}
	return ""
}

// ComputeBudget reads every record and edge of r once and returns the crawl
// budget analysis. It holds one small struct per URL of the site.
func ComputeBudget(r store.Reader) (Budget, error) {
	if m, ok := r.(*Memo); ok {
		return m.computedBudget()
	}
	recs, err := loadBudget(r)
	if err != nil {
		return Budget{}, err
	}
	return budgetFrom(r, recs)
}

// budgetFrom computes the Budget of records loaded from r; r gives the fix
// list's referrers.
func budgetFrom(r store.Reader, recs recIndex) (Budget, error) {
	bud := Budget{Categories: []BudgetCategory{}, Sections: []BudgetSection{}, Fixes: []BudgetFix{}}
	counts := map[string]int{}
	var times []int64
	sections := map[string]*BudgetSection{}
	secTimes := map[string][]int64{}
	for _, b := range recs {
		counts[b.cat]++
		if b.cat == catBlockedLinked || b.cat == "" {
			continue
		}
		bud.Requests++
		s := sections[b.section]
		if s == nil {
			s = &BudgetSection{Section: b.section, Categories: map[string]int{}}
			for _, d := range categoryDefs {
				if d.id != catBlockedLinked {
					s.Categories[d.id] = 0
				}
			}
			sections[b.section] = s
		}
		s.Requests++
		s.Categories[b.cat]++
		if b.cat == catIndexable {
			s.Indexable++
			bud.Indexable++
		}
		if isWaste(b.cat) {
			s.Wasted++
			bud.Wasted++
		}
		if b.status > 0 {
			times = append(times, int64(b.ms))
			secTimes[b.section] = append(secTimes[b.section], int64(b.ms))
		}
	}
	for _, d := range categoryDefs {
		bud.Categories = append(bud.Categories, BudgetCategory{ID: d.id, Label: d.label, Waste: d.waste, Count: counts[d.id], Share: ratio(counts[d.id], bud.Requests)})
	}
	bud.Efficiency = ratio(bud.Indexable, bud.Requests)
	for name, s := range sections {
		s.Efficiency = ratio(s.Indexable, s.Requests)
		s.Times = percentiles(secTimes[name])
		bud.Sections = append(bud.Sections, *s)
	}
	sort.Slice(bud.Sections, func(i, j int) bool {
		a, b := bud.Sections[i], bud.Sections[j]
		if a.Wasted != b.Wasted {
			return a.Wasted > b.Wasted
		}
		return a.Section < b.Section
	})
	bud.Speed = BudgetSpeed{Overall: percentiles(times), Slowest: slowest(recs)}
	bud.RedirectChains, bud.ExtraHops = chains(recs)
	bud.Fixes = fixes(recs)
	if err := fixReferrers(r, bud.Fixes, recs); err != nil {
		return Budget{}, err
	}
	bud.Depth = depths(recs)
	bud.Sitemap = sitemapHygiene(recs)
	return bud, nil
}

// loadBudget reads the site's records with their inbound counts, classified
// and with sections assigned, sorted by masked URL (so a recIndex). Over
// a Memo they are loaded once and shared: callers must not change them.
func loadBudget(r store.Reader) (recIndex, error) {
	if m, ok := r.(*Memo); ok {
		return m.budget()
	}
	return loadBudgetFrom(r)
}

func loadBudgetFrom(r store.Reader) (recIndex, error) {
	var recs []*budgetRec
	slab := make([]budgetRec, 0, recSlab)
	err := r.EachURLInbound(func(u store.URL, in store.Inbound) error {
		if u.Kind == store.KindExternal {
			return nil
		}
		if len(slab) == cap(slab) {
			slab = make([]budgetRec, 0, recSlab)
		}
		slab = append(slab, budgetRec{
			url: maskURL(u.URL), status: int32(u.Status), kindCode: kindCode(u.Kind), htmlType: indexableType(u.ContentType), noIndex: u.NoIndex,
			inSitemap: u.InSitemap, loginForm: u.LoginForm, softNotFound: store.SoftNotFound(u), blocked: u.BlockedByRobots, start: u.Start, depth: int32(u.Depth),
			ms: int32(min(u.ResponseMS, math.MaxInt32)), hasError: u.Error != "", entry: u.Start || u.InSitemap || in.Entry(), npages: int32(in.Inlinks),
		})
		b := &slab[len(slab)-1]
		if u.Redirect != "" || u.Canonical != "" || b.url != u.URL {
			b.more = &recMore{redirect: maskURL(u.Redirect), canonical: maskURL(u.Canonical)}
			if b.url != u.URL {
				b.more.raw = u.URL
			}
		}
		b.section = pathOf(b.url)
		recs = append(recs, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report: budget: read urls: %w", err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].url < recs[j].url })
	classify(recs)
	assignSections(recs)
	return recIndex(recs), nil
}

// classify puts every record in one category. Order matters: a 401 page is
// unauthorized even if it also says noindex; a noindex page is noindex even
// if it also has a query string.
func classify(recs []*budgetRec) {
	// Candidates for indexable, grouped by URL without query, to find
	// parameter variants.
	variants := map[string][]*budgetRec{}
	for _, b := range recs {
		b.cat = baseCategory(b)
		if b.cat == catIndexable {
			base, _, _ := strings.Cut(b.url, "?")
			variants[base] = append(variants[base], b)
		}
	}
	for base, group := range variants {
		for i, b := range group {
			_, query, hasQuery := strings.Cut(b.url, "?")
			switch {
			case !hasQuery:
			case hasSessionParam(query):
				b.cat = catParameter
			case len(group) > 1 && (group[0].url == base || i > 0):
				// Several URLs of one path: the bare path (sorted first)
				// or else the first variant is the page; the rest repeat it.
				b.cat = catParameter
			}
		}
	}
}

// baseCategory classifies one record without looking at the others.
func baseCategory(b *budgetRec) string {
	switch {
	case b.blocked:
		if b.npages > 0 {
			return catBlockedLinked
		}
		return "" // neither requested nor linked: not part of the budget
	case b.status == 0:
		return catNetworkError
	case b.status >= 300 && b.status < 400:
		return catRedirect
	case b.status == 401:
		return catUnauthorized
	case b.status == 403:
		return catForbidden
	case b.status == 404 || b.status == 410:
		return catNotFound
	case b.status >= 400 && b.status < 500:
		return catOther4xx
	case b.status >= 500 && b.status < 600:
		return catServerError
	case b.status < 200 || b.status >= 600:
		return catOther
	case b.kind() != store.KindPage || !b.htmlType:
		return catResource
	case b.status != 200:
		return catOther
	case b.loginForm:
		return catLoginWall
	case b.softNotFound:
		return catSoftNotFound
	case b.noIndex:
		return catNoIndex
	case b.canonical() != "" && b.canonical() != b.url:
		return catCanonicalised
	}
	return catIndexable
}

// indexableType reports whether a page's content type is one search engines
// index as a page: HTML, XHTML or PDF (an empty type is taken as HTML).
func indexableType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "", "text/html", "application/xhtml+xml", "application/pdf":
		return true
	}
	return false
}

func hasSessionParam(query string) bool {
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(strings.ToLower(kv), "=")
		for _, p := range sessionParams {
			if k == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(k, p)) {
				return true
			}
		}
	}
	return false
}

func isWaste(cat string) bool {
	for _, d := range categoryDefs {
		if d.id == cat {
			return d.waste
		}
	}
	return false
}

// pathOf returns the path of an absolute URL ("/" when empty), without
// query or fragment.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = "/"
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if u == "" {
		u = "/"
	}
	return u
}

// assignSections replaces each record's path with its section: its first
// directory ("/blog/" for /blog/a.html; "/" for files at the top). A first
// directory holding more than half of the site's requests (and more than one
// subdirectory) is split by its second directory, so one big section does not
// hide where the waste is: "the first one or two path segments".
func assignSections(recs []*budgetRec) {
	first := map[string]int{}
	subdirs := map[string]map[string]bool{}
	total := 0
	for _, b := range recs {
		if b.cat == "" {
			continue
		}
		total++
		f, s := dirs(b.section)
		first[f]++
		if s != "" {
			if subdirs[f] == nil {
				subdirs[f] = map[string]bool{}
			}
			subdirs[f][s] = true
		}
	}
	for _, b := range recs {
		f, s := dirs(b.section)
		if f != "/" && s != "" && first[f]*2 > total && len(subdirs[f]) > 1 {
			b.section = s
		} else {
			b.section = f
		}
	}
}

// dirs returns the first and second directory of a path: "/a/b/c.html" →
// "/a/", "/a/b/"; "/a/x.html" → "/a/", ""; "/x.html" → "/", "".
func dirs(path string) (first, second string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) < 2 {
		return "/", ""
	}
	first = "/" + segs[0] + "/"
	if len(segs) >= 3 {
		second = first + segs[1] + "/"
	}
	return first, second
}

// ratio is n/d rounded to four decimals, 0 when d is 0.
func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}

// percentiles computes nearest-rank percentiles of ms (which it sorts).
func percentiles(ms []int64) Percentiles {
	p := Percentiles{N: len(ms)}
	if len(ms) == 0 {
		return p
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
	rank := func(q float64) int64 {
		i := int(math.Ceil(q/100*float64(len(ms)))) - 1
		if i < 0 {
			i = 0
		}
		return ms[i]
	}
	p.P50, p.P90, p.P99 = rank(50), rank(90), rank(99)
	return p
}

func slowest(recs []*budgetRec) []SlowURL {
	var answered []*budgetRec
	for _, b := range recs {
		if b.cat != "" && b.cat != catBlockedLinked && b.status > 0 {
			answered = append(answered, b)
		}
	}
	sort.SliceStable(answered, func(i, j int) bool { return answered[i].ms > answered[j].ms })
	out := make([]SlowURL, 0, min(len(answered), maxSlowest)) // not a slice of a bigger array: the Budget is kept
	for _, b := range answered[:min(len(answered), maxSlowest)] {
		out = append(out, SlowURL{URL: b.url, Status: int(b.status), ResponseMS: int64(b.ms)})
	}
	return out
}

// chain follows the redirects from b: the records of the chain in order
// (b first) up to the first non-redirect, missing record or repeat; loop
// says it came back to a URL already in it.
func chain(b *budgetRec, recs recIndex) (hops []*budgetRec, loop bool) {
	seen := map[string]bool{}
	for cur := b; cur != nil; cur = recs.get(cur.redirect()) {
		if seen[cur.url] {
			return hops, true
		}
		seen[cur.url] = true
		hops = append(hops, cur)
		if cur.cat != catRedirect || cur.redirect() == "" {
			break
		}
	}
	return hops, false
}

// chains counts redirect chains starting at entry points and their hops
// beyond the first.
func chains(recs recIndex) (n, extra int) {
	for _, b := range recs {
		if b.cat != catRedirect || !b.entry {
			continue
		}
		hops, _ := chain(b, recs)
		redirects := 0
		for _, h := range hops {
			if h.cat == catRedirect {
				redirects++
			}
		}
		n++
		if redirects > 1 {
			extra += redirects - 1
		}
	}
	return n, extra
}

// fixText says what to do about links to a URL of a waste category.
func fixText(cat string) string {
	switch cat {
	case catRedirect:
		return "link straight to the final URL"
	case catUnauthorized, catForbidden:
		return "remove the links from public pages, or make the URL public if it should be"
	case catNotFound:
		return "fix or remove the links; redirect the URL if the content moved"
	case catOther4xx:
		return "fix the links or the URL's answer"
	case catServerError:
		return "fix the server error; remove the links if the URL is gone"
	case catNetworkError:
		return "make the URL answer in time, or remove the links"
	case catNoIndex:
		return "stop linking to pages you keep out of the index, or let them be indexed"
	case catCanonicalised:
		return "link to the canonical URL instead"
	case catParameter:
		return "link to the URL without the parameters"
	}
	return "fix the links or the URL's answer"
}

// fixReferrers fills in the first maxFixReferrers linking or using pages of
// each fix, read from r's edges: only the listed fixes' edges are read.
func fixReferrers(r store.Reader, fs []BudgetFix, recs recIndex) error {
	for i := range fs {
		b := recs.get(fs[i].URL)
		if b == nil {
			continue
		}
		in, err := r.LookupEdgesTo(b.raw())
		if err != nil {
			return fmt.Errorf("report: budget: edges to %s: %w", b.url, err)
		}
		var pages []string
		for _, e := range in {
			if e.Type == store.EdgeLink || e.Type == store.EdgeAsset {
				if from := maskURL(e.From); from != b.url {
					pages = append(pages, from)
				}
			}
		}
		pages = uniqueSorted(pages)
		fs[i].Referrers = pages[:min(len(pages), maxFixReferrers)]
	}
	return nil
}

// fixes ranks the linked URLs whose requests are wasted; fixReferrers adds
// their referrers.
func fixes(recs recIndex) []BudgetFix {
	var out []BudgetFix
	for _, b := range recs {
		if !isWaste(b.cat) || b.npages == 0 {
			continue
		}
		f := BudgetFix{URL: b.url, Status: int(b.status), Category: b.cat, Pages: int(b.npages), Saved: 1, Fix: fixText(b.cat)}
		if b.kind() == store.KindAsset && (b.cat == catUnauthorized || b.cat == catForbidden) {
			f.Fix = "serve the asset publicly, or stop using it on public pages"
		}
		if b.cat == catRedirect {
			hops, loop := chain(b, recs)
			f.Saved = 0
			for _, h := range hops {
				if isWaste(h.cat) {
					f.Saved++
				}
			}
			last := hops[len(hops)-1]
			switch {
			case loop:
				f.Fix = "the redirects loop: fix the redirect rules, then link to the final URL"
			case last.cat == catRedirect:
				f.Target = last.redirect()
				f.Fix = "link straight to " + last.redirect()
			case last != b:
				f.Target = last.url
				f.Fix = "link straight to " + last.url
			}
			if last.cat != catRedirect && last != b && isWaste(last.cat) {
				f.Fix += " (itself wasted: " + categoryLabel(last.cat) + ")"
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Saved != b.Saved {
			return a.Saved > b.Saved
		}
		if a.Pages != b.Pages {
			return a.Pages > b.Pages
		}
		return a.URL < b.URL
	})
	if len(out) > maxFixes {
		out = out[:maxFixes]
	}
	if out == nil {
		out = []BudgetFix{}
	}
	return out
}

func depths(recs []*budgetRec) BudgetDepth {
	d := BudgetDepth{Pages: []DepthCount{}, Deep: []string{}}
	per := map[int]int{}
	var deep []*budgetRec
	for _, b := range recs {
		if b.cat != catIndexable {
			continue
		}
		per[int(b.depth)]++
		if b.depth > maxGoodDepth {
			deep = append(deep, b)
		}
	}
	for depth, n := range per {
		d.Pages = append(d.Pages, DepthCount{Depth: depth, Pages: n})
	}
	sort.Slice(d.Pages, func(i, j int) bool { return d.Pages[i].Depth < d.Pages[j].Depth })
	sort.SliceStable(deep, func(i, j int) bool { return deep[i].depth > deep[j].depth })
	d.DeepTotal = len(deep)
	for i, b := range deep {
		if i == maxListed {
			break
		}
		d.Deep = append(d.Deep, b.url)
	}
	return d
}

// sitemapHygiene is nil when the crawl saw no sitemap.
func sitemapHygiene(recs []*budgetRec) *BudgetSitemap {
	seen := false
	for _, b := range recs {
		if b.kind() == store.KindSitemap || b.inSitemap {
			seen = true
			break
		}
	}
	if !seen {
		return nil
	}
	s := &BudgetSitemap{ListedNotIndexable: map[string]int{}, Orphans: []string{}, Missing: []string{}}
	for _, b := range recs {
		if b.inSitemap {
			s.Listed++
			if b.cat == catIndexable {
				s.ListedIndexable++
			} else if b.cat != "" {
				s.ListedNotIndexable[b.cat]++
			} else if b.blocked {
				s.ListedNotIndexable[catBlockedLinked]++
			}
			if b.npages == 0 && !b.start {
				s.OrphansTotal++
				if len(s.Orphans) < maxListed {
					s.Orphans = append(s.Orphans, b.url)
				}
			}
		} else if b.cat == catIndexable {
			s.MissingTotal++
			if len(s.Missing) < maxListed {
				s.Missing = append(s.Missing, b.url)
			}
		}
	}
	s.Share = ratio(s.ListedIndexable, s.Listed)
	return s
}

func uniqueSorted(ss []string) []string {
	if len(ss) < 2 {
		return ss
	}
	sort.Strings(ss)
	out := ss[:1]
	for _, s := range ss[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}
