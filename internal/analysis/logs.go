package analysis

import (
	"sort"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Logs is what access logs say crawlers spent their requests on, joined
// with a crawl when there is one: the crawl budget measured, not
// estimated. It is computed from store.LogData (what `crawlaudit logs`
// kept) and the crawl's records, so `crawlaudit report` recomputes it. The
// README defines every figure.
//
// "Crawler hits" in the totals below are the hits of search-engine
// crawlers (Kind "search") that were not fake: verified, or unverified
// when nothing could check them. AI, SEO and social crawlers appear in
// Bots and Days only.
type Logs struct {
	Run  store.LogRun
	Bots []LogBot       // per crawler and verdict; verified Googlebot first, then by hits
	Days []store.BotDay // per day, crawler, verdict and status class
	// Categories are the crawler hits by the crawl-budget category of what
	// they got (every category with hits, in Categories order, then
	// not_in_crawl).
	Categories []LogCategory
	// Patterns are the crawler hits by URL pattern (Pattern), most hits
	// first, at most maxLogList.
	Patterns []LogPattern
	// Protected lists the URLs that answered crawlers 401 or 403.
	Protected []LogProtected
	// NotInCrawl lists URLs crawlers requested that the crawl never found
	// (with a crawl only), most hits first; NotInCrawlURLs counts them all.
	NotInCrawl     []LogURL
	NotInCrawlURLs int
	// NeverRequested lists the crawl's indexable pages that no crawler
	// requested in the log window (at most maxLogList); NeverRequestedURLs
	// counts them.
	NeverRequested     []string
	NeverRequestedURLs int
	// SitemapNeverRequested: the same for URLs listed in a sitemap.
	SitemapNeverRequested     []string
	SitemapNeverRequestedURLs int
	// Sections compares each section's share of crawler hits with its share
	// of the crawl's indexable pages, most hits first.
	Sections []LogSection
	// Googlebot is the measured efficiency of verified Googlebot hits.
	Googlebot LogEfficiency
	// Fakes are the crawlers whose claims failed verification.
	Fakes []LogFake
	// Crawl says whether a crawl was joined.
	Crawl bool
}

// classNames are the status classes by first digit.
var classNames = [...]string{"", "1xx", "2xx", "3xx", "4xx", "5xx"}

// maxLogList caps the URL lists of Logs.
const maxLogList = 100

// LogBot is one crawler's hits with one verdict.
type LogBot struct {
	Bot     string
	Kind    string
	Verdict string
	Hits    int64
	URLs    int
	Classes map[string]int64 // "2xx" … "5xx" → hits
}

// LogCategory is the crawler hits of one budget category.
type LogCategory struct {
	ID    string
	Label string
	Waste bool
	Hits  int64
	Share float64 // of all crawler hits, four decimals
}

// LogPattern is the crawler hits of one URL pattern.
type LogPattern struct {
	Pattern string
	Hits    int64
	Wasted  int64
	URLs    int
	last    string // the last URL counted
}

// LogProtected is a URL that answered crawlers 401 or 403.
type LogProtected struct {
	URL       string
	Status    int   // the status the crawlers got most
	Hits      int64 // crawler hits (fake excluded) with 401/403
	Bots      []string
	FirstSeen time.Time
	LastSeen  time.Time
	Realm     string   // WWW-Authenticate realm from the crawl
	Linked    []string // public pages of the crawl linking to it
	Sitemaps  []string // sitemaps of the crawl listing it
	InCrawl   bool
}

// LogURL is a URL crawlers requested that the crawl never found.
type LogURL struct {
	URL    string
	Hits   int64
	Status int // the status the crawlers got most
	// Kind is "parameter" (the crawl knows its path with another query),
	// "legacy" (it answers 3xx, 404 or 410: an old URL crawlers remember)
	// or "orphan" (it answers 2xx and nothing the crawl found links to it).
	Kind string
}

// LogSection is one section's share of crawler hits and of indexable
// pages, with the response times crawlers saw when the log has them.
type LogSection struct {
	Section        string
	Hits           int64
	HitShare       float64
	Indexable      int
	IndexableShare float64
	Times          *Percentiles // nil when the log has no response times
}

// LogEfficiency is the measured crawl efficiency next to the crawl's
// estimate.
type LogEfficiency struct {
	Hits           int64   // verified Googlebot hits
	IndexableHits  int64   // of which on indexable pages answering 200
	Efficiency     float64 // IndexableHits / Hits, four decimals; 0 without hits
	CrawlEstimate  float64 // the crawl budget's Efficiency; 0 without a crawl
	VerifiedPhrase string  // "verified" or, when no ranges or DNS could verify, "unverified"
}

// LogFake is a crawler name that failed verification.
type LogFake struct {
	Bot  string
	Hits int64
	URLs int
}

// logCrawl is what the join reads of a crawl.
type logCrawl struct {
	recs  *Records
	r     store.Reader
	mask  func(string) string
	pages map[string]bool // masked path+origin without query of every record
}

// JoinLogs computes Logs from d and, when r is not nil, the crawl it is
// joined with; mask turns URLs into the form the outputs show (nil keeps
// them). It holds one small struct per hit URL and per crawl record.
func JoinLogs(d store.LogData, r store.Reader, mask func(string) string) (*Logs, error) {
	return joinLogs(d, r, mask, false)
}

// JoinLogsForFindings is JoinLogs reduced to what the log rules read:
// Protected, NotInCrawl and Fakes (no patterns, sections or budget).
func JoinLogsForFindings(d store.LogData, r store.Reader) (*Logs, error) {
	return joinLogs(d, r, nil, true)
}

func joinLogs(d store.LogData, r store.Reader, mask func(string) string, lean bool) (*Logs, error) {
	if mask == nil {
		mask = func(s string) string { return s }
	}
	l := &Logs{Run: d.Run, Days: d.Days, Crawl: r != nil}
	var c *logCrawl
	var bud Budget
	if r != nil {
		recs, err := LoadBudget(r, mask)
		if err != nil {
			return nil, err
		}
		if !lean {
			if bud, err = recs.Budget(r); err != nil {
				return nil, err
			}
		}
		c = &logCrawl{recs: recs, r: r, mask: mask, pages: map[string]bool{}}
		for _, b := range recs.recs {
			c.pages[stripQuery(b.url)] = true
		}
	}
	bots := map[[3]string]*LogBot{}
	botURLs := map[[3]string]int{}
	cats := map[string]int64{}
	pats := map[string]*LogPattern{}
	prot := map[string]*LogProtected{}
	notIn := map[string]*LogURL{}
	secs := map[string]*LogSection{}
	secTimes := map[string][]uint32{}
	fakes := map[string]*LogFake{}
	requested := map[string]bool{}
	var total int64
	ge := &l.Googlebot
	// hits come in URL order: what depends on the URL alone is computed
	// once per URL
	var lastRaw, u, pat, sec, cat200 string
	var known bool
	err := d.EachHit(func(h *store.BotHit) error {
		sameURL := h.URL == lastRaw && lastRaw != ""
		if !sameURL {
			lastRaw, u, pat, sec = h.URL, mask(h.URL), "", ""
			cat200, known = "", false
			if c != nil {
				cat200, known = c.recs.Category(u)
			}
		}
		k := [3]string{h.Bot, h.Kind, h.Verdict}
		b := bots[k]
		if b == nil {
			b = &LogBot{Bot: h.Bot, Kind: h.Kind, Verdict: h.Verdict, Classes: map[string]int64{}}
			bots[k] = b
		}
		b.Hits += h.Hits
		botURLs[k]++
		for _, s := range h.Statuses {
			if c := s.Status / 100; c >= 1 && c <= 5 {
				b.Classes[classNames[c]] += s.Hits
			}
		}
		if h.Verdict == "fake" {
			f := fakes[h.Bot]
			if f == nil {
				f = &LogFake{Bot: h.Bot}
				fakes[h.Bot] = f
			}
			f.Hits += h.Hits
			f.URLs++
			return nil
		}
		if h.Kind != "search" {
			return nil
		}
		if c != nil {
			requested[u] = true
		}
		total += h.Hits
		googlebot := h.Verdict == "verified" && strings.HasPrefix(h.Bot, "Googlebot")
		var wasted int64
		for _, s := range h.Statuses {
			cat := statusCategory(s.Status)
			if cat == "" { // 2xx
				switch {
				case c == nil:
					cat = CatIndexable // without a crawl, a 200 is taken at its word
				case known && cat200 != "":
					cat = cat200
				default:
					cat = "not_in_crawl"
				}
				if s.Status != 200 && cat == CatIndexable {
					cat = CatOther
				}
			}
			cats[cat] += s.Hits
			if IsWaste(cat) {
				wasted += s.Hits
			}
			if googlebot {
				ge.Hits += s.Hits
				if cat == CatIndexable && s.Status == 200 {
					ge.IndexableHits += s.Hits
				}
			}
			if s.Status == 401 || s.Status == 403 {
				p := prot[u]
				if p == nil {
					p = &LogProtected{URL: u, Status: s.Status, FirstSeen: h.FirstSeen, LastSeen: h.LastSeen}
					prot[u] = p
				}
				p.Hits += s.Hits
				if s.Status != p.Status && s.Hits > 0 && s.Status == 401 {
					p.Status = 401 // 401 says more: credentials would open it
				}
				if h.FirstSeen.Before(p.FirstSeen) {
					p.FirstSeen = h.FirstSeen
				}
				if h.LastSeen.After(p.LastSeen) {
					p.LastSeen = h.LastSeen
				}
				if !contains(p.Bots, h.Bot) {
					p.Bots = append(p.Bots, h.Bot)
				}
			}
		}
		if c != nil && !known {
			n := notIn[u]
			if n == nil {
				n = &LogURL{URL: u}
				notIn[u] = n
			}
			n.Hits += h.Hits
		}
		if lean {
			return nil
		}
		if pat == "" {
			pat = Pattern(u)
		}
		p := pats[pat]
		if p == nil {
			p = &LogPattern{Pattern: pat}
			pats[pat] = p
		}
		p.Hits += h.Hits
		p.Wasted += wasted
		if p.last != u { // hits come in URL order: count each URL once
			p.last = u
			p.URLs++
		}
		if sec == "" {
			if c != nil && known {
				sec = c.recs.Section(u)
			}
			if sec == "" {
				sec = firstDir(pathOf(u))
			}
		}
		s := secs[sec]
		if s == nil {
			s = &LogSection{Section: sec}
			secs[sec] = s
		}
		s.Hits += h.Hits
		if h.Times != nil {
			t := secTimes[sec]
			if t == nil {
				t = make([]uint32, len(h.Times))
				secTimes[sec] = t
			}
			for i, n := range h.Times {
				if i < len(t) {
					t[i] += n
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// statuses of URLs outside the crawl, for their kind
	if c != nil {
		most := map[string][2]int64{}
		err := d.EachHit(func(h *store.BotHit) error {
			if h.Verdict == "fake" || h.Kind != "search" {
				return nil
			}
			u := mask(h.URL)
			if notIn[u] == nil {
				return nil
			}
			for _, s := range h.Statuses {
				m := most[u]
				if s.Hits > m[1] || (s.Hits == m[1] && int64(s.Status) < m[0]) {
					most[u] = [2]int64{int64(s.Status), s.Hits}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for u, n := range notIn {
			n.Status = int(most[u][0])
			switch {
			case strings.Contains(u, "?") && c.pages[stripQuery(u)]:
				n.Kind = "parameter"
			case n.Status >= 300 && n.Status < 400, n.Status == 404, n.Status == 410:
				n.Kind = "legacy"
			case n.Status >= 200 && n.Status < 300:
				n.Kind = "orphan"
			default:
				n.Kind = "other"
			}
		}
	}
	for k, b := range bots {
		b.URLs = botURLs[k]
		l.Bots = append(l.Bots, *b)
	}
	sort.Slice(l.Bots, func(i, j int) bool {
		x, y := l.Bots[i], l.Bots[j]
		if gx, gy := botRank(x), botRank(y); gx != gy {
			return gx < gy
		}
		if x.Hits != y.Hits {
			return x.Hits > y.Hits
		}
		if x.Bot != y.Bot {
			return x.Bot < y.Bot
		}
		return x.Verdict < y.Verdict
	})
	for _, def := range Categories {
		if n := cats[def.ID]; n > 0 {
			l.Categories = append(l.Categories, LogCategory{ID: def.ID, Label: def.Label, Waste: def.Waste, Hits: n, Share: ratio64(n, total)})
		}
	}
	for _, id := range []string{"not_in_crawl"} {
		if n := cats[id]; n > 0 {
			l.Categories = append(l.Categories, LogCategory{ID: id, Label: "200 answers on URLs the crawl never found", Waste: false, Hits: n, Share: ratio64(n, total)})
		}
	}
	l.Patterns = topPatterns(pats, maxLogList)
	for _, p := range prot {
		sort.Strings(p.Bots)
		if c != nil {
			if err := c.protectedContext(p); err != nil {
				return nil, err
			}
		}
		l.Protected = append(l.Protected, *p)
	}
	sort.Slice(l.Protected, func(i, j int) bool {
		if l.Protected[i].Hits != l.Protected[j].Hits {
			return l.Protected[i].Hits > l.Protected[j].Hits
		}
		return l.Protected[i].URL < l.Protected[j].URL
	})
	for _, n := range notIn {
		l.NotInCrawl = append(l.NotInCrawl, *n)
	}
	l.NotInCrawlURLs = len(l.NotInCrawl)
	sort.Slice(l.NotInCrawl, func(i, j int) bool {
		if l.NotInCrawl[i].Hits != l.NotInCrawl[j].Hits {
			return l.NotInCrawl[i].Hits > l.NotInCrawl[j].Hits
		}
		return l.NotInCrawl[i].URL < l.NotInCrawl[j].URL
	})
	if len(l.NotInCrawl) > maxLogList {
		l.NotInCrawl = l.NotInCrawl[:maxLogList]
	}
	indexable := map[string]int{}
	nIndexable := 0
	if c != nil {
		for _, b := range c.recs.recs {
			if b.cat != CatIndexable {
				continue
			}
			nIndexable++
			indexable[b.section]++
			if !requested[b.url] {
				l.NeverRequestedURLs++
				if len(l.NeverRequested) < maxLogList {
					l.NeverRequested = append(l.NeverRequested, b.url)
				}
			}
		}
		for _, b := range c.recs.recs {
			if b.inSitemap && !requested[b.url] {
				l.SitemapNeverRequestedURLs++
				if len(l.SitemapNeverRequested) < maxLogList {
					l.SitemapNeverRequested = append(l.SitemapNeverRequested, b.url)
				}
			}
		}
		ge.CrawlEstimate = bud.Efficiency
	}
	for sec, n := range indexable {
		if secs[sec] == nil {
			secs[sec] = &LogSection{Section: sec}
		}
		secs[sec].Indexable = n
	}
	for sec, s := range secs {
		s.HitShare = ratio64(s.Hits, total)
		s.IndexableShare = ratio64(int64(s.Indexable), int64(nIndexable))
		if t := secTimes[sec]; t != nil {
			p := histogramPercentiles(t)
			s.Times = &p
		}
		l.Sections = append(l.Sections, *s)
	}
	sort.Slice(l.Sections, func(i, j int) bool {
		if l.Sections[i].Hits != l.Sections[j].Hits {
			return l.Sections[i].Hits > l.Sections[j].Hits
		}
		return l.Sections[i].Section < l.Sections[j].Section
	})
	ge.Efficiency = ratio64(ge.IndexableHits, ge.Hits)
	ge.VerifiedPhrase = "verified"
	for _, f := range fakes {
		l.Fakes = append(l.Fakes, *f)
	}
	sort.Slice(l.Fakes, func(i, j int) bool {
		if l.Fakes[i].Hits != l.Fakes[j].Hits {
			return l.Fakes[i].Hits > l.Fakes[j].Hits
		}
		return l.Fakes[i].Bot < l.Fakes[j].Bot
	})
	return l, nil
}

// topPatterns returns the n patterns of pats with the most hits, most
// first (ties by pattern), without sorting them all: a large site's log
// has a pattern per URL.
func topPatterns(pats map[string]*LogPattern, n int) []LogPattern {
	// before: p ranks ahead of q
	before := func(p, q *LogPattern) bool {
		if p.Hits != q.Hits {
			return p.Hits > q.Hits
		}
		return p.Pattern < q.Pattern
	}
	// top is a heap whose root is the last-ranked pattern kept
	top := make([]*LogPattern, 0, n)
	down := func(i int) {
		for {
			j := 2*i + 1
			if j >= len(top) {
				return
			}
			if j+1 < len(top) && before(top[j], top[j+1]) {
				j++
			}
			if !before(top[i], top[j]) {
				return
			}
			top[i], top[j] = top[j], top[i]
			i = j
		}
	}
	for _, p := range pats {
		switch {
		case len(top) < n:
			top = append(top, p)
			for i := len(top) - 1; i > 0 && before(top[(i-1)/2], top[i]); i = (i - 1) / 2 {
				top[i], top[(i-1)/2] = top[(i-1)/2], top[i]
			}
		case n > 0 && before(p, top[0]):
			top[0] = p
			down(0)
		}
	}
	if len(top) == 0 {
		return nil
	}
	out := make([]LogPattern, len(top))
	for i, p := range top {
		out[i] = *p
	}
	sort.Slice(out, func(i, j int) bool { return before(&out[i], &out[j]) })
	return out
}

// protectedContext adds what the crawl knows of a 401/403 URL: its realm,
// the public pages linking to it and the sitemaps listing it.
func (c *logCrawl) protectedContext(p *LogProtected) error {
	b := c.recs.recs.get(p.URL)
	if b == nil {
		return nil
	}
	p.InCrawl = true
	raw := b.raw()
	u, ok, err := c.r.Get(raw)
	if err != nil {
		return err
	}
	if ok {
		for _, ch := range u.Challenges {
			if ch.Realm != "" {
				p.Realm = ch.Realm
				break
			}
		}
	}
	edges, err := c.r.LookupEdgesTo(raw)
	if err != nil {
		return err
	}
	for _, e := range edges {
		switch e.Type {
		case store.EdgeSitemap:
			if m := c.mask(e.From); !contains(p.Sitemaps, m) {
				p.Sitemaps = append(p.Sitemaps, m)
			}
		case store.EdgeLink, store.EdgeRedirect:
			from, ok, err := c.r.Get(e.From)
			if err != nil {
				return err
			}
			if ok && Public(from) {
				if m := c.mask(e.From); !contains(p.Linked, m) {
					p.Linked = append(p.Linked, m)
				}
			}
		}
	}
	sort.Strings(p.Linked)
	sort.Strings(p.Sitemaps)
	return nil
}

// Section returns the budget section of the record whose masked URL is
// masked, or "" when there is none.
func (x *Records) Section(masked string) string {
	if b := x.recs.get(masked); b != nil {
		return b.section
	}
	return ""
}

// statusCategory is the budget category a status alone decides ("" for
// 2xx, which needs the page): the one mapping of statuses that category
// (a crawled URL) and the log join (a bot's hit) share.
func statusCategory(s int) string {
	switch {
	case s >= 200 && s < 300:
		return ""
	case s >= 300 && s < 400:
		return CatRedirect
	case s == 401:
		return CatUnauthorized
	case s == 403:
		return CatForbidden
	case s == 404 || s == 410:
		return CatNotFound
	case s >= 400 && s < 500:
		return CatOther4xx
	case s >= 500 && s < 600:
		return CatServerError
	}
	return CatOther
}

// botRank orders crawlers: verified Googlebot first, then the other
// verified ones, then unverified, then fake.
func botRank(b LogBot) int {
	r := 0
	switch b.Verdict {
	case "unverified":
		r = 2
	case "fake":
		r = 4
	}
	if !strings.HasPrefix(b.Bot, "Googlebot") {
		r++
	}
	return r
}

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// firstDir is the first directory of a path: "/blog/" for /blog/a, "/" for
// files at the top.
func firstDir(p string) string {
	if i := strings.IndexByte(p[min(1, len(p)):], '/'); i >= 0 {
		return p[:i+2]
	}
	return "/"
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func ratio64(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(int64(float64(n)/float64(d)*10000+0.5)) / 10000
}

// histogramPercentiles gives p50/p90/p99 of a store.TimeBuckets histogram:
// the upper bound of the bucket holding the nearest rank (the last
// bucket's lower bound when it is the slowest).
func histogramPercentiles(h []uint32) Percentiles {
	var n int64
	for _, c := range h {
		n += int64(c)
	}
	at := func(q float64) int64 {
		rank := int64(q*float64(n) + 0.9999999)
		if rank < 1 {
			rank = 1
		}
		var seen int64
		for i, c := range h {
			seen += int64(c)
			if seen >= rank {
				if i < len(store.TimeBuckets) {
					return store.TimeBuckets[i]
				}
				return store.TimeBuckets[len(store.TimeBuckets)-1]
			}
		}
		return 0
	}
	if n == 0 {
		return Percentiles{}
	}
	return Percentiles{N: int(n), P50: at(0.5), P90: at(0.9), P99: at(0.99)}
}
