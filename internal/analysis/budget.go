package analysis

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
	Requests int
	// Indexable is the number of those requests that returned an indexable
	// 200 page (HTML, XHTML or PDF, no noindex, not canonicalised elsewhere,
	// not a parameter variant).
	Indexable int
	// Wasted is the number of requests in waste categories.
	Wasted int
	// Efficiency is Indexable / Requests (0 when there was no request),
	// rounded to four decimals: the "crawl efficiency" figure.
	Efficiency float64
	// Categories holds every category in a fixed order, zeros included.
	Categories []BudgetCategory
	// RedirectChains counts redirect chains that start at a URL which is
	// linked, listed or the start URL; ExtraHops counts their hops beyond the
	// first (each one a request a direct link would not need).
	RedirectChains int
	ExtraHops      int
	// Sections is the breakdown per directory, most wasted requests first.
	Sections []BudgetSection
	// Fixes lists the linked URLs whose requests are wasted, ranked by the
	// requests fixing their links saves (at most maxFixes).
	Fixes []BudgetFix
	// Speed holds response-time percentiles and the slowest URLs.
	Speed BudgetSpeed
	// Depth is the click-depth distribution of indexable pages.
	Depth BudgetDepth
	// Sitemap is the sitemap hygiene, or null when the crawl saw no sitemap
	// (no sitemap record and no URL listed in one).
	Sitemap *BudgetSitemap
}

// BudgetCategory is one outcome: how many requests ended that way.
type BudgetCategory struct {
	ID    string  // e.g. "unauthorized"; stable, used as a budget.csv column
	Label string  // short human description
	Waste bool    // counts toward Budget.Wasted
	Count int     // requests (blocked-linked: URLs, never requested)
	Share float64 // Count / Budget.Requests, four decimals
}

// BudgetSection is the breakdown of one directory.
type BudgetSection struct {
	Section    string // "/", "/blog/", "/shop/shoes/", …
	Requests   int
	Indexable  int
	Wasted     int
	Efficiency float64
	Categories map[string]int // category ID → requests, every ID present
	Times      Percentiles
}

// Percentiles are response-time percentiles in milliseconds, by the
// nearest-rank method over the requests that got an answer.
type Percentiles struct {
	N   int // requests measured
	P50 int64
	P90 int64
	P99 int64
}

// BudgetFix is one linked URL whose request is wasted, and what fixing its
// links saves.
type BudgetFix struct {
	URL      string // the linked URL (masked)
	Status   int    // its status, 0 for none
	Category string // its category ID
	// Pages is the number of distinct pages linking to or using it. A link
	// on many pages usually comes from a template (navigation, footer).
	Pages int
	// Saved is the wasted requests each crawl spends because of these links:
	// 1, or for a redirect every hop (plus the final answer when that is
	// wasted too).
	Saved int
	// Target is the end of a redirect chain (link there instead); empty
	// otherwise.
	Target string
	// Referrers are up to maxFixReferrers linking pages, sorted.
	Referrers []string
	// Fix says what to do.
	Fix string
}

// BudgetSpeed is response time overall and per section (in Sections).
type BudgetSpeed struct {
	Overall Percentiles
	Slowest []SlowURL // at most maxSlowest, slowest first
}

// SlowURL is one slow answer.
type SlowURL struct {
	URL        string
	Status     int
	ResponseMS int64
}

// BudgetDepth is the click-depth distribution of indexable pages.
type BudgetDepth struct {
	Pages     []DepthCount // indexable pages per depth, by depth
	Deep      []string     // indexable pages deeper than maxGoodDepth (at most maxListed), deepest first
	DeepTotal int          // how many there are in all
}

// DepthCount is the number of indexable pages at one click depth.
type DepthCount struct {
	Depth int
	Pages int
}

// BudgetSitemap is sitemap hygiene.
type BudgetSitemap struct {
	Listed          int     // URL records marked in_sitemap
	ListedIndexable int     // of those, indexable 200 pages
	Share           float64 // ListedIndexable / Listed
	// ListedNotIndexable counts the listed URLs that are not indexable 200
	// pages, per category ID; a listed URL robots.txt blocks counts as
	// blocked_linked whether or not a page links to it.
	ListedNotIndexable map[string]int
	// Orphans are listed URLs no crawled page links to (at most maxListed).
	Orphans      []string
	OrphansTotal int
	// Missing are indexable pages not listed in any sitemap (at most maxListed).
	Missing      []string
	MissingTotal int
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

// trackingParams are query parameters that make a URL a variant of the
// same content whatever else exists: tracking identifiers (a prefix when
// it ends in "_"). Session identifiers are SessionParam's.
var trackingParams = []string{"utm_", "gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "_ga"}

// recSlab is how many budget records are allocated at once: one
// allocation per record would cost a header and rounding each, and one
// growing slice would copy a million records at a time.
const recSlab = 4096

// Records are the budget's records of a crawl's site URLs, sorted by masked
// URL for lookups (a binary search: a map of a million URLs would cost more
// than the records). LoadBudget reads them; Budget, Category and
// RedirectChains read them. They are read-only once loaded, and safe for
// concurrent use.
type Records struct {
	recs recIndex
	mask func(string) string
}

// recIndex is the records sorted by URL.
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
	url            string   // masked
	more           *recMore // nil for most records
	cat            string
	section        string
	status         int32
	depth          int32
	ms             int32
	npages         int32 // how many distinct linking/using pages there are
	kindCode       uint8 // index in store.Kinds
	inSitemap      bool
	blocked, start bool
	entry          bool // linked, used, listed or the start URL (not only a redirect hop)
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
// budget analysis; mask turns a URL into the form the outputs show (see
// LoadBudget). It holds one small struct per URL of the site.
func ComputeBudget(r store.Reader, mask func(string) string) (Budget, error) {
	x, err := LoadBudget(r, mask)
	if err != nil {
		return Budget{}, err
	}
	return x.Budget(r)
}

// Budget computes the Budget of the records; r, the crawl they were loaded
// from, gives the fix list's referrers.
func (x *Records) Budget(r store.Reader) (Budget, error) { return budgetFrom(r, x.recs, x.mask) }

// Category returns the budget category of the record whose masked URL is
// masked: "" for a URL robots.txt blocked that nothing links to (not part
// of the budget); ok is false when there is no such record (external URLs
// have none).
func (x *Records) Category(masked string) (cat string, ok bool) {
	b := x.recs.get(masked)
	if b == nil {
		return "", false
	}
	return b.cat, true
}

// budgetFrom computes the Budget of records loaded from r; r gives the fix
// list's referrers.
func budgetFrom(r store.Reader, recs recIndex, mask func(string) string) (Budget, error) {
	bud := Budget{Categories: []BudgetCategory{}, Sections: []BudgetSection{}, Fixes: []BudgetFix{}}
	counts := map[string]int{}
	var times []int64
	sections := map[string]*BudgetSection{}
	secTimes := map[string][]int64{}
	for _, b := range recs {
		counts[b.cat]++
		if b.cat == CatBlockedLinked || b.cat == "" {
			continue
		}
		bud.Requests++
		s := sections[b.section]
		if s == nil {
			s = &BudgetSection{Section: b.section, Categories: map[string]int{}}
			for _, d := range Categories {
				if d.ID != CatBlockedLinked {
					s.Categories[d.ID] = 0
				}
			}
			sections[b.section] = s
		}
		s.Requests++
		s.Categories[b.cat]++
		if b.cat == CatIndexable {
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
	for _, d := range Categories {
		bud.Categories = append(bud.Categories, BudgetCategory{ID: d.ID, Label: d.Label, Waste: d.Waste, Count: counts[d.ID], Share: ratio(counts[d.ID], bud.Requests)})
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
	if err := fixReferrers(r, bud.Fixes, recs, mask); err != nil {
		return Budget{}, err
	}
	bud.Depth = depths(recs)
	bud.Sitemap = sitemapHygiene(recs)
	return bud, nil
}

// LoadBudget reads the site's records (every kind but external) with
// their inbound counts, classified and with sections assigned. Records are
// keyed by mask(URL), the form the outputs show, and judged by masked URLs
// (a canonical that differs only by a masked value is the same page), so a
// crawl.json read back, which holds masked URLs only, yields the same
// budget. mask nil keeps URLs as they are.
func LoadBudget(r store.Reader, mask func(string) string) (*Records, error) {
	if mask == nil {
		mask = func(s string) string { return s }
	}
	var recs []*budgetRec
	slab := make([]budgetRec, 0, recSlab)
	traps := map[string]bool{} // origin + Pattern of the crawler traps found
	err := r.EachURLInbound(func(u store.URL, in store.Inbound) error {
		if u.Kind == store.KindExternal {
			return nil
		}
		if len(slab) == cap(slab) {
			slab = make([]budgetRec, 0, recSlab)
		}
		masked := mask(u.URL)
		canonical := mask(u.Canonical)
		cat := category(u, masked, canonical, mask(u.Cluster))
		if u.Kind == store.KindRobots && robotsAbsent(u.Status) {
			cat = CatResource
		}
		if cat == CatNotRequested {
			if trapRecord(u) {
				traps[trapKey(masked)] = true
			}
			cat = "" // not a request, and nothing known of its answer
		}
		if cat == CatBlockedLinked && in.Inlinks == 0 {
			cat = "" // neither requested nor linked: not part of the budget
		}
		slab = append(slab, budgetRec{
			url: masked, cat: cat, status: int32(u.Status), kindCode: kindCode(u.Kind),
			inSitemap: u.InSitemap, blocked: u.BlockedByRobots, start: u.Start, depth: int32(u.Depth),
			ms: int32(min(u.ResponseMS, math.MaxInt32)), entry: u.Start || u.InSitemap || in.Entry(), npages: int32(in.Inlinks),
		})
		b := &slab[len(slab)-1]
		if u.Redirect != "" || u.Canonical != "" || b.url != u.URL {
			b.more = &recMore{redirect: mask(u.Redirect), canonical: canonical}
			if b.url != u.URL {
				b.more.raw = u.URL
			}
		}
		b.section = pathOf(b.url)
		recs = append(recs, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: budget: read urls: %w", err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].url < recs[j].url })
	classify(recs, traps)
	assignSections(recs)
	return &Records{recs: recIndex(recs), mask: mask}, nil
}

// robotsAbsent reports whether a robots.txt answer of status means "there
// is no robots.txt": a 4xx other than 429. Search engines then crawl without
// restrictions (RFC 9309 section 2.3.1.3; Google treats every 4xx but 429
// so), and every crawler asks for robots.txt once whatever it answers, so
// the request is no waste: it counts as a resource, like a 2xx robots.txt.
// A 429 is "slow down" and a 5xx "crawl nothing": those stay waste.
func robotsAbsent(status int) bool {
	return status >= 400 && status < 500 && status != 429
}

// trapRecord reports whether a record not requested says its URL pattern
// is a crawler trap: NotRequestedTrap, or a URL too long because its path
// repeats segments (its pattern holds {repeat}).
func trapRecord(u store.URL) bool {
	switch u.NotRequested {
	case store.NotRequestedTrap:
		return true
	case store.NotRequestedTooLong:
		return strings.Contains(Pattern(u.URL), PlaceRepeat)
	}
	return false
}

// trapKey is what the budget knows a trap by: origin and Pattern.
func trapKey(u string) string { return OriginOf(u) + Pattern(u) }

// classify marks the 200 pages of a crawler trap's pattern (traps) as
// CatTrap, whatever else they are (noindex, canonicalised, duplicate), and
// the parameter variants among the indexable records (each record has its
// Category already): the categories of Category come first otherwise, so a
// noindex page is noindex even if it also has a query string.
func classify(recs []*budgetRec, traps map[string]bool) {
	if len(traps) > 0 {
		for _, b := range recs {
			switch b.cat {
			case CatIndexable, CatNoIndex, CatCanonicalised, CatDuplicate:
				if traps[trapKey(b.url)] {
					b.cat = CatTrap
				}
			}
		}
	}
	// Parameter variants among the indexable records. A record already
	// marked duplicate (its cluster names another page) keeps its place in
	// its path's group but stays a duplicate: Clusters found the variants
	// the same way, among the same records, before it assigned clusters.
	var cands []*budgetRec
	for _, b := range recs {
		if b.cat == CatIndexable || b.cat == CatDuplicate {
			cands = append(cands, b)
		}
	}
	eachVariant(len(cands), func(i int) string { return cands[i].url }, func(i int) {
		if cands[i].cat == CatIndexable {
			cands[i].cat = CatParameter
		}
	})
}

// eachVariant calls variant(i) for each parameter variant among n pages in
// URL order (url(i)): a URL carrying a session ID (HasSessionID) or a
// session or tracking parameter, and, of several URLs of one path, every
// one with a query but the first: the bare path (sorted first) or else the
// first variant is the page, the rest repeat it. It is the one definition
// the budget and Clusters share.
func eachVariant(n int, url func(i int) string, variant func(i int)) {
	groups := map[string][]int{} // URL without query → pages
	var bases []string
	for i := range n {
		u := url(i)
		if HasSessionID(u) {
			variant(i)
			continue
		}
		base, _, _ := strings.Cut(u, "?")
		if groups[base] == nil {
			bases = append(bases, base)
		}
		groups[base] = append(groups[base], i)
	}
	for _, base := range bases {
		group := groups[base]
		for k, i := range group {
			u := url(i)
			_, query, hasQuery := strings.Cut(u, "?")
			switch {
			case !hasQuery:
			case hasSessionParam(query):
				variant(i)
			case len(group) > 1 && (url(group[0]) == base || k > 0):
				variant(i)
			}
		}
	}
}

func hasSessionParam(query string) bool {
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(strings.ToLower(kv), "=")
		if SessionParam(k) {
			return true
		}
		for _, p := range trackingParams {
			if k == p || (strings.HasSuffix(p, "_") && strings.HasPrefix(k, p)) {
				return true
			}
		}
	}
	return false
}

func isWaste(cat string) bool { return IsWaste(cat) }

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

// minPatternSection is how many requests a URL pattern needs to be a
// section of its own.
const minPatternSection = 10

// assignSections replaces each record's path with its section. A URL
// pattern that is a template (Pattern: /cal/{year}/{month}, /p/{id},
// /list?page) holding at least minPatternSection requests is a section of
// its own: the pattern explains those requests better than a directory
// does (one /cal/{year}/{month} section, not /cal/2015/, /cal/2016/…).
// Every other record's section is its first directory ("/blog/" for
// /blog/a.html; "/" for files at the top). A first directory holding more than
// half of the site's requests (and more than one subdirectory) is split by
// its second directory, so one big section does not hide where the waste
// is: "the first one or two path segments".
func assignSections(recs []*budgetRec) {
	pats := map[string]int{} // templates → requests
	for _, b := range recs {
		if b.cat == "" {
			continue
		}
		p := Pattern(b.url)
		if !Templated(p) {
			continue
		}
		pats[p]++
		b.section = p
	}
	first := map[string]int{}
	subdirs := map[string]map[string]bool{}
	total := 0
	dirsOf := func(b *budgetRec) (string, string) { return dirs(pathOf(b.url)) }
	for _, b := range recs {
		if b.cat == "" {
			continue
		}
		total++
		if pats[b.section] >= minPatternSection {
			continue
		}
		f, s := dirsOf(b)
		first[f]++
		if s != "" {
			if subdirs[f] == nil {
				subdirs[f] = map[string]bool{}
			}
			subdirs[f][s] = true
		}
	}
	interned := map[string]string{}
	for _, b := range recs {
		if pats[b.section] >= minPatternSection {
			if s, ok := interned[b.section]; ok {
				b.section = s
			} else {
				interned[b.section] = b.section
			}
			continue
		}
		f, s := dirsOf(b)
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
		if b.cat != "" && b.cat != CatBlockedLinked && b.status > 0 {
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

// chain follows the redirects from b (WalkChain): the records of the
// chain in order (b first) up to the first non-redirect, missing record or
// repeat; loop says it came back to a URL already in it.
func chain(b *budgetRec, recs recIndex) (hops []*budgetRec, loop bool) {
	c, _ := WalkChain(b, func(r *budgetRec) string { return r.url }, func(r *budgetRec) string {
		if r.cat != CatRedirect {
			return ""
		}
		return r.redirect()
	}, func(u string) (*budgetRec, bool, error) {
		x := recs.get(u)
		return x, x != nil, nil
	})
	return c.Hops, c.Loop
}

// Hop is one record of a redirect chain, as redirects.csv lists it.
type Hop struct {
	URL      string // masked
	Status   int
	Location string // masked redirect target; empty for the final answer
}

// RedirectChain is one redirect chain that starts at an entry point (a URL
// linked, used or listed, or the start URL; not only a hop of another
// chain).
type RedirectChain struct {
	Pages     int   // distinct pages linking to or using the first URL
	Hops      []Hop // the records of the chain, the first URL first
	Redirects int   // hops that redirect
	// Next is where the chain goes on when it ends without a final answer:
	// a target without a record or, with Loop, the URL it came back to.
	Next         string
	NextStatus   int  // Next's status, when it has a record (NextRecorded)
	NextRecorded bool // Next has a record (always, with Loop)
	Loop         bool
}

// RedirectChains calls fn for every redirect chain that starts at an
// entry point, in the masked order of the first URLs.
func (x *Records) RedirectChains(fn func(RedirectChain) error) error {
	for _, b := range x.recs {
		if b.cat != CatRedirect || !b.entry {
			continue
		}
		hops, loop := chain(b, x.recs)
		c := RedirectChain{Pages: int(b.npages), Loop: loop}
		for _, h := range hops {
			hop := Hop{URL: h.url, Status: int(h.status)}
			if h.cat == CatRedirect {
				hop.Location = h.redirect()
				c.Redirects++
			}
			c.Hops = append(c.Hops, hop)
		}
		if last := hops[len(hops)-1]; last.cat == CatRedirect && last.redirect() != "" {
			c.Next = last.redirect()
			if t := x.recs.get(c.Next); t != nil {
				c.NextStatus, c.NextRecorded = int(t.status), true
			}
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// chains counts redirect chains starting at entry points and their hops
// beyond the first.
func chains(recs recIndex) (n, extra int) {
	for _, b := range recs {
		if b.cat != CatRedirect || !b.entry {
			continue
		}
		hops, _ := chain(b, recs)
		redirects := 0
		for _, h := range hops {
			if h.cat == CatRedirect {
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
	case CatRedirect:
		return "link straight to the final URL"
	case CatUnauthorized, CatForbidden:
		return "remove the links from public pages, or make the URL public if it should be"
	case CatNotFound:
		return "fix or remove the links; redirect the URL if the content moved"
	case CatOther4xx:
		return "fix the links or the URL's answer"
	case CatServerError:
		return "fix the server error; remove the links if the URL is gone"
	case CatNetworkError:
		return "make the URL answer in time, or remove the links"
	case CatNoIndex:
		return "stop linking to pages you keep out of the index, or let them be indexed"
	case CatCanonicalised:
		return "link to the canonical URL instead"
	case CatParameter:
		return "link to the URL without the parameters"
	case CatTrap:
		return "stop linking into the crawler trap, or block its URL pattern in robots.txt"
	case CatDuplicate:
		return "link to the page it duplicates, or point its rel=canonical there"
	}
	return "fix the links or the URL's answer"
}

// fixReferrers fills in the first maxFixReferrers linking or using pages of
// each fix, read from r's edges: only the listed fixes' edges are read.
func fixReferrers(r store.Reader, fs []BudgetFix, recs recIndex, mask func(string) string) error {
	for i := range fs {
		b := recs.get(fs[i].URL)
		if b == nil {
			continue
		}
		in, err := r.LookupEdgesTo(b.raw())
		if err != nil {
			return fmt.Errorf("analysis: budget: edges to %s: %w", b.url, err)
		}
		var pages []string
		for _, e := range in {
			if e.Type == store.EdgeLink || e.Type == store.EdgeAsset || e.Type == store.EdgeRender {
				if from := mask(e.From); from != b.url {
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
		if b.kind() == store.KindAsset && (b.cat == CatUnauthorized || b.cat == CatForbidden) {
			f.Fix = "serve the asset publicly, or stop using it on public pages"
		}
		if b.cat == CatRedirect {
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
			case last.cat == CatRedirect:
				f.Target = last.redirect()
				f.Fix = "link straight to " + last.redirect()
			case last != b:
				f.Target = last.url
				f.Fix = "link straight to " + last.url
			}
			if last.cat != CatRedirect && last != b && isWaste(last.cat) {
				f.Fix += " (itself wasted: " + CategoryLabel(last.cat) + ")"
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
		if b.cat != CatIndexable {
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
			if b.cat == CatIndexable {
				s.ListedIndexable++
			} else if b.cat != "" {
				s.ListedNotIndexable[b.cat]++
			} else if b.blocked {
				s.ListedNotIndexable[CatBlockedLinked]++
			}
			if b.npages == 0 && !b.start {
				s.OrphansTotal++
				if len(s.Orphans) < maxListed {
					s.Orphans = append(s.Orphans, b.url)
				}
			}
		} else if b.cat == CatIndexable {
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
