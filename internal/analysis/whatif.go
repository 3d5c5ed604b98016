package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/robots"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// The robots.txt what-if: what a robots.txt rule would do to a finished
// crawl. For each URL space the audit found (a crawler trap, a session ID,
// faceted navigation, a parameter that changes nothing) ProposeRules
// writes the robots.txt rules that would stop it, and RobotsWhatIf tests
// each one with temoto/robotstxt (through internal/robots, as the crawler
// reads robots.txt) against every URL the crawl knows. RobotsTest does the
// same for a whole robots.txt file someone proposes. One definition: the
// audit's messages, report.html's "URL spaces" view and `crawlaudit
// robots-test` all read these.
//
// What a rule costs is counted in the pages that matter ("important
// pages"): an indexable unique page (a 200 page search engines may index,
// judged alone by Category; not a page of a crawler trap's pattern, not a
// URL carrying a session ID, and not a page whose text, TextHash, or whose
// duplicate cluster's URL stays at a URL the rule leaves allowed) that a
// sitemap lists, that is the start URL, or that a page the rule leaves
// allowed links to (an inlink from outside the blocked space). A rule that
// blocks such a page, or that leaves such a page allowed but blocks every
// page linking to it (no sitemap listing it: crawlers would not find it
// any more; "cut off"), is dangerous: it is shown, never proposed as a fix.
// Google: robots.txt blocks crawling, not indexing, and a blocked page's
// links are not followed ("Introduction to robots.txt"; "Managing faceted
// navigation URLs" advises blocking only filtered URLs that need not be
// found in search).

// Kinds of Space.
const (
	SpaceTrap      = "trap"      // a crawler trap: a URL pattern without end
	SpaceSession   = "session"   // a session ID in URLs
	SpaceFacet     = "facet"     // faceted navigation: one path, many parameter combinations
	SpaceParameter = "parameter" // a parameter whose variants have the same text
)

// Space is one URL space the audit found (internal/audit's URL-space
// rules), as the what-if and the reports know it.
type Space struct {
	Kind    string   // SpaceTrap, SpaceSession, SpaceFacet or SpaceParameter
	Origin  string   // the scheme and host it is on
	Pattern string   // trap: its Pattern; facet and parameter: the PathPattern; session: ""
	Param   string   // session and parameter: the parameter's name, as the URLs spell it
	Params  []string // facet: its parameter names
	InPath  bool     // session: a path parameter (;jsessionid=) rather than a query parameter
	Example string   // one URL of it (a trap: one the crawl did not request)
}

// Label names the space in a few words: "crawler trap /cal/{year}/{month}",
// "session ID jsessionid", "faceted navigation /shoes", "parameter sort at
// /shoes".
func (s Space) Label() string {
	switch s.Kind {
	case SpaceTrap:
		return "crawler trap " + s.Pattern
	case SpaceSession:
		return "session ID " + s.Param
	case SpaceFacet:
		return "faceted navigation " + s.Pattern
	case SpaceParameter:
		return "parameter " + s.Param + " at " + s.Pattern
	}
	return s.Kind + " " + s.Pattern
}

// key identifies a space.
func (s Space) key() string {
	return s.Kind + " " + s.Origin + " " + s.Pattern + " " + s.Param
}

// Verdicts of a RuleImpact.
const (
	VerdictProposed  = "proposed"  // safe: blocks no important page, cuts none off
	VerdictDangerous = "dangerous" // blocks (or cuts off) an important page: never a fix
)

// maxWhatIfRules bounds the rules tested at once: each URL's blocked
// rules are a 64-bit mask.
const maxWhatIfRules = 64

// maxImpactListed bounds each list of an Impact; the totals are exact.
const maxImpactListed = 50

// Impact is what a robots.txt (a proposed rule, or a whole file) would do
// to the crawl's URLs on its origin. URLs the crawl's own robots.txt
// blocked already are not counted as blocked (StillBlocked, Unblocked).
type Impact struct {
	Blocked   int // URLs the crawl knows (requested or not) that it would block
	Requests  int // of those, URLs the crawl requested: requests a crawl would save
	Indexable int // of those, indexable unique pages
	Listed    int // of those, URLs a sitemap lists
	Linked    int // of those, URLs a page it leaves allowed links to or uses (inlinks from outside)
	// Important are the important pages it would block (indexable
	// unique, and listed, linked from outside, or the start URL; one URL
	// per text: a page's variants that all go are one page lost), at most
	// maxImpactListed, sorted; ImportantTotal counts them all.
	Important      []string
	ImportantTotal int
	// CutOff are the indexable unique pages it leaves allowed but whose
	// every referrer it blocks, listed in no sitemap: crawlers would no
	// longer find them. At most maxImpactListed; CutOffTotal counts all.
	CutOff      []string
	CutOffTotal int
	// DeadEnds are the blocked URLs a sitemap lists or an allowed page
	// links to (any kind): links and listings that lead crawlers nowhere.
	DeadEnds      []string
	DeadEndsTotal int
	// Patterns counts the blocked URLs by URL pattern, most first.
	Patterns []PatternCount
	// StillBlocked and Unblocked count the URLs the crawl's robots.txt
	// blocked that this one blocks too, or allows (never requested: what
	// they are is unknown).
	StillBlocked int
	Unblocked    int
}

// Lost is how many important pages the robots.txt would lose: blocked or
// cut off.
func (i Impact) Lost() int { return i.ImportantTotal + i.CutOffTotal }

// Dangerous reports whether it would lose an important page.
func (i Impact) Dangerous() bool { return i.Lost() > 0 }

// PatternCount is how many URLs of one pattern (origin and Pattern) a
// robots.txt blocks.
type PatternCount struct {
	Pattern string
	URLs    int
}

// RuleImpact is one robots.txt rule the what-if tried, what it would do,
// and its verdict.
type RuleImpact struct {
	Origin  string
	Rule    string   // the robots.txt line, e.g. "Disallow: /cal/"
	Spaces  []string // the Labels of the spaces it would stop
	Verdict string   // VerdictProposed or VerdictDangerous
	Impact
}

// SpaceVerdict is the what-if's answer for one space: the rule it
// proposes (none when every rule tried would lose an important page; for
// faceted navigation, each parameter's rule that is safe) and the
// dangerous rules tried.
type SpaceVerdict struct {
	Space     Space
	Proposed  []*RuleImpact
	Dangerous []*RuleImpact
}

// WhatIf is the robots.txt what-if of a crawl.
type WhatIf struct {
	// Rules are the rules proposed and the dangerous ones, rules that
	// save the most requests first.
	Rules []*RuleImpact
	// Spaces has one verdict per space given, in their order.
	Spaces []SpaceVerdict
}

// For returns the verdict of the space s, and false when s was not given.
func (w WhatIf) For(s Space) (SpaceVerdict, bool) {
	for _, v := range w.Spaces {
		if v.Space.key() == s.key() {
			return v, true
		}
	}
	return SpaceVerdict{}, false
}

// ProposeRules returns the robots.txt rules that would stop s, broadest
// first; the what-if proposes the first one that loses no important page:
//
//	trap, path with a placeholder    Disallow: /cal/ (the directory of the
//	                                 first placeholder), then Disallow: /cal/*/
//	trap, path repeating segments    Disallow: /a/a/a/ (the group, repeated
//	                                 MaxSegmentRepeats times)
//	trap, a query without end        Disallow: /list?*page=
//	session ID                       Disallow: /*;jsessionid= (path),
//	                                 Disallow: /*?*sid= (query)
//	parameter                        Disallow: /*?*sort=
//	faceted navigation               Disallow: /*?*color=, one per parameter
//
// A name robots.txt could not say as it is (holding *, $, # or spaces)
// gets no rule.
func ProposeRules(s Space) []string {
	var out []string
	switch s.Kind {
	case SpaceTrap:
		out = trapRules(s)
	case SpaceSession:
		if s.InPath {
			out = paramRule(";", s.Param)
		} else {
			out = paramRule("?*", s.Param)
		}
	case SpaceParameter:
		out = paramRule("?*", s.Param)
	case SpaceFacet:
		for _, p := range s.Params {
			out = append(out, paramRule("?*", p)...)
		}
	}
	return out
}

// paramRule is "Disallow: /*" + sep + name + "=".
func paramRule(sep, name string) []string {
	if name == "" || !ruleSafe(name) {
		return nil
	}
	return []string{"Disallow: /*" + sep + name + "="}
}

// ruleSafe reports whether s can stand in a robots.txt rule as it is.
func ruleSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '*' || c == '$' || c == '#' || c >= 0x7f {
			return false
		}
	}
	return true
}

// trapRules are the rules of ProposeRules for a crawler trap.
func trapRules(s Space) []string {
	path, query, hasQuery := strings.Cut(s.Pattern, "?")
	if strings.Contains(path, PlaceRepeat) {
		if r := repeatRule(s.Example); r != "" {
			return []string{r}
		}
		return nil
	}
	segs := strings.Split(path, "/")
	if hasQuery {
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") {
				segs[i] = "*"
			}
		}
		p := strings.Join(segs, "/")
		name, _, _ := strings.Cut(query, "&")
		if !ruleSafe(strings.ReplaceAll(p, "*", "")) || !ruleSafe(name) {
			return nil
		}
		return []string{"Disallow: " + p + "?*" + name + "="}
	}
	first := -1
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") {
			first = i
			break
		}
	}
	if first < 2 {
		return nil // no placeholder: no family to block; or one at the root: Disallow: / would block the site
	}
	dir := strings.Join(segs[:first], "/") + "/"
	if !ruleSafe(dir) {
		return nil
	}
	out := []string{"Disallow: " + dir}
	if first < len(segs)-1 {
		out = append(out, "Disallow: "+dir+"*/")
	}
	return out
}

// repeatRule blocks the repeated group of a URL whose path repeats it
// more than MaxSegmentRepeats times: the path up to it (its variable
// segments as *), then the group MaxSegmentRepeats times, so that the
// pages before the repetition stay allowed.
func repeatRule(example string) string {
	path, _ := splitURL(example)
	segs := strings.Split(path, "/")
	for i := range segs {
		if segs[i] == "" {
			continue
		}
		for g := 1; g <= 3; g++ {
			if repeats(segs, i, g) <= MaxSegmentRepeats {
				continue
			}
			var b strings.Builder
			for _, seg := range segs[:i] {
				if seg != "" && SegmentIsVariable(seg) {
					seg = "*"
				}
				b.WriteString(seg + "/")
			}
			for k := 0; k < MaxSegmentRepeats; k++ {
				b.WriteString(strings.Join(segs[i:i+g], "/") + "/")
			}
			rule := b.String()
			if !ruleSafe(strings.ReplaceAll(rule, "*", "")) {
				return ""
			}
			return "Disallow: " + rule
		}
	}
	return ""
}

// RobotsWhatIf proposes rules for spaces (ProposeRules) and tests each one
// against every URL of r. mask turns the URLs it lists into the form the
// outputs show (nil keeps them). It reads the records twice and the edges
// once, and nothing when no rule was proposed.
func RobotsWhatIf(r store.Reader, spaces []Space, mask func(string) string) (WhatIf, error) {
	type candidate struct {
		origin, rule string
		m            *robots.Matcher
	}
	var tests []candidate
	index := map[string]int{} // origin + rule → test
	perSpace := make([][]int, len(spaces))
	for i, s := range spaces {
		for _, rule := range ProposeRules(s) {
			k := s.Origin + " " + rule
			t, ok := index[k]
			if !ok {
				if len(tests) == maxWhatIfRules {
					continue
				}
				m, err := robots.Disallow(rule)
				if err != nil {
					continue
				}
				t = len(tests)
				index[k] = t
				tests = append(tests, candidate{origin: s.Origin, rule: rule, m: m})
			}
			perSpace[i] = append(perSpace[i], t)
		}
	}
	w := WhatIf{Rules: []*RuleImpact{}, Spaces: make([]SpaceVerdict, len(spaces))}
	var impacts []Impact
	if len(tests) > 0 {
		bt := make([]blockTest, len(tests))
		for i, t := range tests {
			bt[i] = blockTest{origin: t.origin, allowed: t.m.Allowed}
		}
		var err error
		if impacts, err = measure(r, bt, spaces, mask); err != nil {
			return WhatIf{}, err
		}
	}
	shown := map[int]*RuleImpact{}
	show := func(t int) *RuleImpact {
		if ri := shown[t]; ri != nil {
			return ri
		}
		ri := &RuleImpact{Origin: tests[t].origin, Rule: tests[t].rule, Impact: impacts[t], Verdict: VerdictProposed}
		if ri.Dangerous() {
			ri.Verdict = VerdictDangerous
		}
		shown[t] = ri
		w.Rules = append(w.Rules, ri)
		return ri
	}
	for i, s := range spaces {
		v := SpaceVerdict{Space: s}
		for _, t := range perSpace[i] {
			ri := show(t)
			if !slices.Contains(ri.Spaces, s.Label()) {
				ri.Spaces = append(ri.Spaces, s.Label())
			}
			if ri.Verdict == VerdictDangerous {
				v.Dangerous = append(v.Dangerous, ri)
				continue
			}
			v.Proposed = append(v.Proposed, ri)
			if s.Kind != SpaceFacet {
				break // a narrower rule is not needed; a facet has a rule per parameter
			}
		}
		w.Spaces[i] = v
	}
	sort.SliceStable(w.Rules, func(i, j int) bool {
		a, b := w.Rules[i], w.Rules[j]
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		if a.Blocked != b.Blocked {
			return a.Blocked > b.Blocked
		}
		return a.Origin+a.Rule < b.Origin+b.Rule
	})
	return w, nil
}

// RobotsTest replays the crawl in r against a proposed robots.txt (body,
// read as a 200 answer, for agent's group) served on origin: what it would
// block, the important pages it would lose and the dead ends it would
// make. spaces (the audit's, may be nil) name the session parameters the
// crawl learnt by their values' shape. An unparsable file is an error
// wrapping robots.ErrUnparsable.
func RobotsTest(r store.Reader, origin string, body []byte, agent string, spaces []Space, mask func(string) string) (Impact, error) {
	m, err := robots.Compile(body, agent)
	if err != nil {
		return Impact{}, err
	}
	out, err := measure(r, []blockTest{{origin: origin, allowed: m.Allowed}}, spaces, mask)
	if err != nil {
		return Impact{}, err
	}
	return out[0], nil
}

// blockTest is one robots.txt tried: the origin it is served on and its
// answer for a path with query.
type blockTest struct {
	origin  string
	allowed func(requestURI string) bool
}

// blockRec is what measure keeps of a URL some test blocks.
type blockRec struct {
	mask    uint64 // the tests that block it
	linked  uint64 // the tests under which a page they allow links to it
	listed  bool
	page    *pageCand // nil unless it may be an indexable unique page
	url     string
	pattern string
}

// pageCand is a page that may be an indexable unique page: judged by
// Category alone, its pattern and text still to check.
type pageCand struct {
	url, key, text, cluster string // key: origin + Pattern
	listed, start           bool
	cut                     uint64 // tests under which every referrer is blocked
}

// measure counts what each test would do to the URLs of r.
func measure(r store.Reader, tests []blockTest, spaces []Space, mask func(string) string) ([]Impact, error) {
	if mask == nil {
		mask = func(s string) string { return s }
	}
	learnt := map[string]bool{}
	for _, s := range spaces {
		if s.Kind == SpaceSession {
			learnt[strings.ToLower(s.Param)] = true
		}
	}
	out := make([]Impact, len(tests))
	patterns := make([]map[string]int, len(tests))
	for i := range patterns {
		patterns[i] = map[string]int{}
	}
	blocked := map[string]*blockRec{}
	traps := map[string]bool{}
	var all uint64
	for i := range tests {
		all |= 1 << i
	}
	// Records: which tests block each URL.
	err := r.EachURL(func(u store.URL) error {
		if u.Kind == store.KindExternal {
			return nil
		}
		if trapRecord(u) {
			traps[trapKey(u.URL)] = true
		}
		origin := OriginOf(u.URL)
		uri := robots.RequestURI(u.URL)
		var m, tested uint64
		for i, t := range tests {
			if t.origin != origin {
				continue
			}
			tested |= 1 << i
			if !t.allowed(uri) {
				m |= 1 << i
			}
		}
		if u.BlockedByRobots {
			for i := range tests {
				switch {
				case m&(1<<i) != 0:
					out[i].StillBlocked++
				case tested&(1<<i) != 0:
					out[i].Unblocked++
				}
			}
			return nil
		}
		if m == 0 {
			return nil
		}
		b := &blockRec{mask: m, listed: u.InSitemap, url: u.URL, pattern: origin + Pattern(u.URL)}
		if c := candidate(u, learnt); c != nil {
			b.page = c
		}
		blocked[u.URL] = b
		for i := range tests {
			if m&(1<<i) == 0 {
				continue
			}
			o := &out[i]
			o.Blocked++
			if u.NotRequested == "" {
				o.Requests++
			}
			if u.InSitemap {
				o.Listed++
			}
			if p := patterns[i]; len(p) < maxSpacePatternsCounted || p[b.pattern] > 0 {
				p[b.pattern]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: robots what-if: read urls: %w", err)
	}
	// Edges: which blocked URLs an allowed page links to, and which
	// allowed URLs only blocked pages link to.
	var cutOff []struct {
		url string
		cut uint64
	}
	group, allowedRef, blockedRef := "", uint64(0), uint64(0)
	flush := func() {
		if group == "" {
			return
		}
		cut := blockedRef &^ allowedRef
		if b := blocked[group]; b != nil {
			b.linked = allowedRef & b.mask
			cut &^= b.mask
		}
		if cut != 0 {
			cutOff = append(cutOff, struct {
				url string
				cut uint64
			}{group, cut})
		}
	}
	err = r.EachEdge(func(e store.Edge) error {
		if e.To != group {
			flush()
			group, allowedRef, blockedRef = e.To, 0, 0
		}
		if e.From == e.To || e.Type != store.EdgeLink && e.Type != store.EdgeAsset && e.Type != store.EdgeRedirect {
			return nil
		}
		var fm uint64
		if b := blocked[e.From]; b != nil {
			fm = b.mask
		}
		allowedRef |= all &^ fm
		blockedRef |= fm
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: robots what-if: read edges: %w", err)
	}
	flush()
	var cands []*pageCand
	for _, c := range cutOff {
		u, ok, err := r.Get(c.url)
		if err != nil {
			return nil, fmt.Errorf("analysis: robots what-if: %w", err)
		}
		if !ok || u.Kind == store.KindExternal || u.BlockedByRobots || u.InSitemap || u.Start {
			continue
		}
		if p := candidate(u, learnt); p != nil {
			p.cut = c.cut
			cands = append(cands, p)
		}
	}
	for _, b := range blocked {
		if b.page != nil {
			cands = append(cands, b.page)
		}
	}
	// Texts: a page whose text stays at an allowed URL loses nothing.
	elsewhere, err := textElsewhere(r, cands, blocked)
	if err != nil {
		return nil, err
	}
	unique := func(p *pageCand, test int) bool {
		bit := uint64(1) << test
		if traps[p.key] || elsewhere[p]&bit != 0 {
			return false
		}
		if p.cluster != "" && p.cluster != p.url {
			if c := blocked[p.cluster]; c == nil || c.mask&bit == 0 {
				return false // its cluster's URL stays allowed
			}
		}
		return true
	}
	// The lists keep their first URLs in URL order (the iterations below
	// are sorted), so memory does not grow with what a rule blocks.
	lists := make([]struct{ important, cut, dead urlList }, len(tests))
	// One important page per text: the variants of a page that all go
	// (its filters in another order) are one page lost, not many.
	texts := make([]map[string]bool, len(tests))
	for i := range texts {
		texts[i] = map[string]bool{}
	}
	once := func(i int, p *pageCand) bool {
		if p.text == "" {
			return true
		}
		if texts[i][p.text] {
			return false
		}
		texts[i][p.text] = true
		return true
	}
	sortedBlocked := make([]*blockRec, 0, len(blocked))
	for _, b := range blocked {
		sortedBlocked = append(sortedBlocked, b)
	}
	sort.Slice(sortedBlocked, func(i, j int) bool { return sortedBlocked[i].url < sortedBlocked[j].url })
	sort.Slice(cands, func(i, j int) bool { return cands[i].url < cands[j].url })
	for _, b := range sortedBlocked {
		for i := range tests {
			bit := uint64(1) << i
			if b.mask&bit == 0 {
				continue
			}
			if b.linked&bit != 0 {
				out[i].Linked++
			}
			if b.listed || b.linked&bit != 0 {
				lists[i].dead.add(b.url)
			}
			if p := b.page; p != nil && unique(p, i) {
				out[i].Indexable++
				if (p.listed || p.start || b.linked&bit != 0) && once(i, p) {
					lists[i].important.add(b.url)
				}
			}
		}
	}
	for _, p := range cands {
		for i := range tests {
			if p.cut&(1<<i) != 0 && unique(p, i) && once(i, p) {
				lists[i].cut.add(p.url)
			}
		}
	}
	for i := range out {
		out[i].Important, out[i].ImportantTotal = listed(lists[i].important, mask)
		out[i].CutOff, out[i].CutOffTotal = listed(lists[i].cut, mask)
		out[i].DeadEnds, out[i].DeadEndsTotal = listed(lists[i].dead, mask)
		out[i].Patterns = patternCounts(patterns[i], mask)
	}
	return out, nil
}

// maxSpacePatternsCounted bounds the patterns an Impact counts.
const maxSpacePatternsCounted = 1000

// candidate returns u as a page that may be an indexable unique page, or
// nil: a page search engines may index judged alone (Category), without a
// session ID (by name, or a name the crawl learnt).
func candidate(u store.URL, learnt map[string]bool) *pageCand {
	if u.Kind != store.KindPage || Category(u) != CatIndexable {
		return nil
	}
	if strings.ContainsAny(u.URL, ";?") {
		for _, p := range Params(u.URL) {
			if SessionParam(p.Name) || learnt[strings.ToLower(p.Name)] {
				return nil
			}
		}
	}
	return &pageCand{url: u.URL, key: trapKey(u.URL), text: u.TextHash, cluster: u.Cluster, listed: u.InSitemap, start: u.Start}
}

// textElsewhere returns, for each candidate with a text, the tests under
// which another requested URL with the same text stays allowed.
func textElsewhere(r store.Reader, cands []*pageCand, blocked map[string]*blockRec) (map[*pageCand]uint64, error) {
	byText := map[string][]*pageCand{}
	for _, p := range cands {
		if p.text != "" {
			byText[p.text] = append(byText[p.text], p)
		}
	}
	out := map[*pageCand]uint64{}
	if len(byText) == 0 {
		return out, nil
	}
	err := r.EachURL(func(u store.URL) error {
		ps := byText[u.TextHash]
		if len(ps) == 0 || u.NotRequested != "" || u.BlockedByRobots || u.Kind == store.KindExternal {
			return nil
		}
		allowed := ^uint64(0)
		if b := blocked[u.URL]; b != nil {
			allowed &^= b.mask
		}
		for _, p := range ps {
			if p.url != u.URL {
				out[p] |= allowed
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: robots what-if: read urls: %w", err)
	}
	return out, nil
}

// urlList is the first maxImpactListed URLs added, and how many there
// were.
type urlList struct {
	urls  []string
	total int
}

func (l *urlList) add(u string) {
	l.total++
	if len(l.urls) < maxImpactListed {
		l.urls = append(l.urls, u)
	}
}

// listed returns the list's URLs masked and sorted, and its total.
func listed(l urlList, mask func(string) string) ([]string, int) {
	out := make([]string, len(l.urls))
	for i, u := range l.urls {
		out[i] = mask(u)
	}
	sort.Strings(out)
	return slices.Compact(out), l.total
}

// patternCounts sorts the patterns by URLs, most first, at most
// maxImpactListed.
func patternCounts(m map[string]int, mask func(string) string) []PatternCount {
	out := make([]PatternCount, 0, len(m))
	for p, n := range m {
		out = append(out, PatternCount{Pattern: mask(p), URLs: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].URLs != out[j].URLs {
			return out[i].URLs > out[j].URLs
		}
		return out[i].Pattern < out[j].Pattern
	})
	if len(out) > maxImpactListed {
		out = out[:maxImpactListed]
	}
	return out
}
