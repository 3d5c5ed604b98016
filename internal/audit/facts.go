package audit

import (
	"encoding/json"
	"hash/maphash"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/challenge"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Facts is what the audit learns about the whole crawl in one pass over its
// records, before the rules judge each URL.
type Facts struct {
	// HasSitemaps: some sitemap answered 200 and listed URLs.
	HasSitemaps bool
	// CredScheme is the scheme of the crawl's credentials ("Basic",
	// "Bearer"; "" for cookies, other headers, or none).
	CredScheme string
	// MidCrawl is the earliest record where the credentials stopped
	// working (store.CredentialsRejectedMidCrawl); nil when they never did.
	MidCrawl *store.URL
	// MidError is the WWW-Authenticate of the earliest such record whose
	// challenge names an error, or else of the re-request that proved the
	// rejection; nil when none says why.
	MidError []string
	// MidCount counts the records answered 401 after the credentials
	// stopped working.
	MidCount int
	// OKBefore counts the 2xx answers with credentials before MidCrawl.
	OKBefore int
	// ClearRealms are the Basic and Digest protection spaces challenged on
	// plain http, by clearRealm key: one problem each, however many URLs
	// answer with it.
	ClearRealms map[string]*RealmURLs
	// Spaces are the URL-pattern statistics of the crawl.
	Spaces *Spaces
	// WhatIf is the robots.txt what-if of the spaces found (spaces.go).
	WhatIf analysis.WhatIf
}

// RealmURLs are the URLs of one protection space.
type RealmURLs struct {
	First string // the smallest URL (the one a finding names)
	Count int
}

// maxRealms bounds Facts.ClearRealms: a site that makes up a realm per URL
// gets a finding per URL past it, not unbounded memory.
const maxRealms = 10000

// clearRealm returns the protection space of a Basic or Digest challenge
// u answers with on plain http: origin, scheme and realm; ok is false when
// u has none.
func clearRealm(u store.URL) (key string, ch challenge.Challenge, ok bool) {
	if !byPageRules(u) || len(u.WWWAuthenticate) == 0 || !strings.HasPrefix(u.URL, "http://") {
		return "", challenge.Challenge{}, false
	}
	cs, _ := challenge.Parse(u.WWWAuthenticate)
	for _, c := range cs {
		if c.Is("Basic") || c.Is("Digest") {
			origin := u.URL
			if p, err := url.Parse(u.URL); err == nil {
				origin = p.Scheme + "://" + p.Host
			}
			return origin + " " + c.Canonical() + " " + strconv.Quote(c.Realm()), c, true
		}
	}
	return "", challenge.Challenge{}, false
}

// scanFacts makes the audit's first pass.
func scanFacts(r store.Reader) (*Facts, error) {
	meta, err := r.Meta()
	if err != nil {
		return nil, err
	}
	f := &Facts{CredScheme: meta.Settings["credentials_scheme"], ClearRealms: map[string]*RealmURLs{}, Spaces: newSpaces()}
	var oks []time.Time
	var midErrorAt time.Time
	err = r.EachURL(func(u store.URL) error {
		f.Spaces.add(u)
		if u.Kind == store.KindSitemap && u.Status == 200 && u.SitemapURLs > 0 {
			f.HasSitemaps = true
		}
		if key, _, ok := clearRealm(u); ok {
			switch r := f.ClearRealms[key]; {
			case r != nil:
				r.Count++
				if u.URL < r.First {
					r.First = u.URL
				}
			case len(f.ClearRealms) < maxRealms:
				f.ClearRealms[key] = &RealmURLs{First: u.URL, Count: 1}
			}
		}
		switch {
		case u.Credentials == store.CredentialsRejectedMidCrawl:
			f.MidCount++
			if f.MidCrawl == nil || u.FetchedAt.Before(f.MidCrawl.FetchedAt) {
				c := u
				f.MidCrawl = &c
			}
			if cs, _ := challenge.Parse(u.WWWAuthenticate); param(cs, "error") != "" && (f.MidError == nil || u.FetchedAt.Before(midErrorAt)) {
				f.MidError, midErrorAt = u.WWWAuthenticate, u.FetchedAt
			}
		case u.Credentials == store.CredentialsSent && u.Status >= 200 && u.Status < 300:
			oks = append(oks, u.FetchedAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.MidError == nil && f.MidCrawl != nil {
		// The 401s marked gave no reason (e.g. a URL that answers 401 to
		// everyone set off the check): use the answer of the URL whose
		// re-request proved the rejection, when the crawler kept it.
		var proof []string
		if json.Unmarshal([]byte(meta.Settings["credentials_rejection_proof"]), &proof) == nil {
			if cs, _ := challenge.Parse(proof); param(cs, "error") != "" {
				f.MidError = proof
			}
		}
	}
	if err := f.Spaces.finish(r); err != nil {
		return nil, err
	}
	if f.WhatIf, err = analysis.RobotsWhatIf(r, f.Spaces.list(), nil); err != nil {
		return nil, err
	}
	if f.MidCrawl != nil {
		for _, t := range oks {
			if !t.After(f.MidCrawl.FetchedAt) {
				f.OKBefore++
			}
		}
	}
	return f, nil
}

// lookup reads other records for the rules, remembering a bounded number.
type lookup struct {
	r       store.Reader
	records map[string]*store.URL // memo of get, nil for missing; at most maxMemo
	public  map[string]bool       // memo of isPublic; at most maxMemo
}

// maxMemo bounds each of the lookup's memos: the referrers of a site's
// broken URLs are often the same few thousand pages, but memory must not
// grow with the site.
const maxMemo = 100000

func (l *lookup) get(url string) (*store.URL, error) {
	if u, ok := l.records[url]; ok {
		return u, nil
	}
	u, ok, err := l.r.Get(url)
	if err != nil {
		return nil, err
	}
	var p *store.URL
	if ok {
		p = &u
	}
	if len(l.records) < maxMemo {
		l.records[url] = p
	}
	return p, nil
}

// isPublic reports whether the referrer from is public (analysis.Public).
func (l *lookup) isPublic(from string) (bool, error) {
	if p, ok := l.public[from]; ok {
		return p, nil
	}
	u, ok, err := l.r.Get(from)
	if err != nil {
		return false, err
	}
	p := ok && analysis.Public(u)
	if len(l.public) < maxMemo {
		l.public[from] = p
	}
	return p, nil
}

// Referrers returns the pages (or sitemaps) that reference the URL; the
// URLs that only redirect to it count when nothing else does.
func (c *Check) Referrers() []string {
	var direct []store.Edge
	for _, e := range c.In {
		if e.Type != store.EdgeRedirect {
			direct = append(direct, e)
		}
	}
	if len(direct) == 0 {
		return store.Referrers(c.URL.URL, c.In)
	}
	return store.Referrers(c.URL.URL, direct)
}

// PublicReferrers returns the distinct public referrers (analysis.Public)
// among the edges of the given types, render edges by their Role: a link
// found after rendering is a link, a subresource the rendered page loaded
// an asset use.
func (c *Check) PublicReferrers(types ...store.EdgeType) ([]string, error) {
	return c.referrersWhere(func(e store.Edge) (bool, error) {
		if !hasType(types, e.Role()) {
			return false, nil
		}
		return c.look.isPublic(e.From)
	})
}

// PublicOrListed returns the public pages that link to the URL plus the
// sitemaps that list it.
func (c *Check) PublicOrListed() ([]string, error) {
	return c.referrersWhere(func(e store.Edge) (bool, error) {
		switch e.Role() {
		case store.EdgeSitemap:
			return true, nil
		case store.EdgeLink:
			return c.look.isPublic(e.From)
		}
		return false, nil
	})
}

// ReferrersOfType returns the distinct From URLs of the edges of type t.
func (c *Check) ReferrersOfType(t store.EdgeType) []string {
	refs, _ := c.referrersWhere(func(e store.Edge) (bool, error) { return e.Type == t, nil })
	return refs
}

// referrersWhere returns the distinct referrers among the edges keep says
// yes to.
func (c *Check) referrersWhere(keep func(store.Edge) (bool, error)) ([]string, error) {
	var kept []store.Edge
	for _, e := range c.In {
		ok, err := keep(e)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, e)
		}
	}
	return store.Referrers(c.URL.URL, kept), nil
}

func hasType(types []store.EdgeType, t store.EdgeType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// byPageRules reports whether u is judged by the page rules: a record that was
// requested (not blocked by robots.txt), not a sitemap or robots.txt file
// (their own rules judge those), and not answered by a CDN or WAF bot check
// (bot-protection alone judges those: the status is not the site's answer).
func byPageRules(u store.URL) bool {
	return !u.BlockedByRobots && u.Kind != store.KindSitemap && u.Kind != store.KindRobots && u.BotCheck == ""
}

func redirect(u store.URL) bool { return u.Status >= 300 && u.Status < 400 }

// entry reports whether u starts redirect chains: the start URL or a URL
// something other than a redirect points at (not only a hop of a chain).
func entry(u store.URL, in store.Inbound) bool { return u.Start || in.Entry() }

// Spaces are the crawl-wide URL-pattern statistics the URL-space rules
// (rules_space.go) report from: crawler traps, session IDs, faceted
// navigation and ineffective parameters, and the duplicate clusters
// (rules_duplicate.go), each found once for a whole family of URLs and
// reported on one URL of it. scanFacts fills them from
// the records alone (edges are read only for the URLs reported on). Memory
// is bounded: at most maxSpacePatterns patterns and paths are counted (the
// first ones in URL order; a page whose pattern is no template, such as a
// slug, counts in none), and the maps that compare URLs with each other
// hold at most maxSpaceURLs entries each.
type Spaces struct {
	// At lists the findings to report, by the URL each is reported on.
	At map[string][]SpaceFinding

	patterns  map[string]*patternStats // origin + Pattern
	paths     map[string]*pathStats    // origin + PathPattern
	params    map[string]*paramStats   // origin + PathPattern + " " + parameter name
	shapes    map[uint64]uint64        // origin+path, name → the first random value's hash
	shapeName map[string]bool          // names whose random value changed for one path
	sessions  map[string]*sessionStats // origin + " " + name + " " + where
	sorted    map[uint64]string        // a query's sorted form → the first URL with it
	bases     map[uint64]uint64        // origin+path+sorted query → TextHash, of URLs with a query
	groups    map[uint64]*variantGroup // URLs that differ only in one parameter
	dups      map[string]*dupStats     // duplicate clusters by the URL to keep (rules_duplicate.go); at most maxSpaceURLs
	seed      maphash.Seed
}

// SpaceFinding is one finding of a URL-space rule, before its message.
type SpaceFinding struct {
	Rule    string
	Pattern string   // origin + the pattern (or path, or path and parameter) it is about
	Param   string   // the parameter, for session IDs and ineffective parameters
	URLs    int      // URLs of the pattern the crawl knows
	Other   int      // trap: URLs not requested; facets: parameter combinations; ineffective: pairs alike
	More    int      // trap: URLs too long; facets: permutations; session: patterns
	Reach   float64  // facets: combinations of the values seen
	Names   []string // facets: parameter names; sessions: patterns
	Example []string // a few URLs of it, the one reported on first
	Kind    string   // trap: what kind of space it looks like
}

// Bounds of Spaces.
const (
	maxSpacePatterns = 10000
	maxSpaceURLs     = 100000
	maxExamples      = 3
)

type patternStats struct {
	requested, trap, tooLong int
	first                    string   // the first URL not requested (trap or too long)
	examples                 []string // the first requested URLs
}

type pathStats struct {
	urls     int                            // URLs with parameters (session IDs aside)
	keySets  map[string]bool                // distinct sets of names; at most 256
	values   map[string]map[uint64]struct{} // name → value hashes; at most 16 names of 256 values
	perms    int
	perm     [2]string // one permutation
	first    string    // the first URL with parameters
	examples []string  // the first URLs with two parameters or more
}

type paramStats struct {
	same, differ int
	examples     []string
}

type sessionStats struct {
	urls     int
	patterns []string // up to 5
	examples []string
}

// variantGroup is the URLs that differ only in the value (or presence) of
// one parameter: are their texts the same?
type variantGroup struct {
	base   uint64 // the key of the URL without the parameter
	plain  string // the URL without its query, when that is the URL without the parameter; else ""
	param  string // origin + PathPattern + " " + name
	text   uint64
	n      int
	differ bool
	first  string
}

func newSpaces() *Spaces {
	return &Spaces{At: map[string][]SpaceFinding{}, patterns: map[string]*patternStats{}, paths: map[string]*pathStats{},
		params: map[string]*paramStats{}, shapes: map[uint64]uint64{}, shapeName: map[string]bool{}, sessions: map[string]*sessionStats{},
		sorted: map[uint64]string{}, bases: map[uint64]uint64{}, groups: map[uint64]*variantGroup{}, dups: map[string]*dupStats{}, seed: maphash.MakeSeed()}
}

// hash of strings, in one seed.
func (s *Spaces) hash(parts ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	for _, p := range parts {
		h.WriteString(p)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// add counts one record.
func (s *Spaces) add(u store.URL) {
	s.addCluster(u)
	if u.Kind != store.KindPage || u.BlockedByRobots {
		return
	}
	origin := analysis.OriginOf(u.URL)
	pattern := analysis.Pattern(u.URL)
	if u.NotRequested == store.NotRequestedMaxURLs || u.NotRequested == store.NotRequestedMaxTime {
		return // nothing known of it but its URL
	}
	if analysis.Templated(pattern) || u.NotRequested != "" {
		s.addPattern(origin+pattern, u)
	}
	if u.NotRequested != "" || !strings.ContainsAny(u.URL, "?;") {
		return // a URL without a query is looked up when a group needs it (finish)
	}
	params := analysis.Params(u.URL)
	path := origin + analysis.PathPattern(u.URL)
	s.addSessions(origin, pattern, u, params)
	var query []analysis.Param // the query's parameters, session IDs and random keys aside
	for _, p := range params {
		if !p.Path && !analysis.SessionParam(p.Name) && !analysis.RandomValue(p.Value) {
			query = append(query, p)
		}
	}
	if len(query) == 0 {
		return
	}
	if u.TextHash != "" {
		s.addBase(u, query)
	}
	s.addFacets(path, u, query)
	if u.TextHash != "" {
		s.addVariants(origin, path, u, query)
	}
}

func (s *Spaces) addPattern(key string, u store.URL) {
	p := s.patterns[key]
	if p == nil {
		if len(s.patterns) >= maxSpacePatterns {
			return
		}
		p = &patternStats{}
		s.patterns[key] = p
	}
	switch u.NotRequested {
	case store.NotRequestedTrap:
		p.trap++
	case store.NotRequestedTooLong:
		p.tooLong++
	case "":
		p.requested++
		if len(p.examples) < maxExamples {
			p.examples = append(p.examples, u.URL)
		}
		return
	default:
		return
	}
	if p.first == "" {
		p.first = u.URL
	}
}

// addSessions counts a URL carrying session IDs (by name), and learns the
// names whose random values change for one path.
func (s *Spaces) addSessions(origin, pattern string, u store.URL, params []analysis.Param) {
	pathOnly, _, _ := strings.Cut(u.URL, "?")
	pathOnly, _, _ = strings.Cut(pathOnly, ";")
	for _, p := range params {
		name := strings.ToLower(p.Name)
		switch {
		case analysis.SessionParam(name):
			s.addSession(origin, name, p.Path, pattern, u.URL)
		case analysis.RandomValue(p.Value):
			k := s.hash(origin, pathOnly, name)
			v := s.hash(p.Value)
			if old, ok := s.shapes[k]; ok && old != v {
				s.shapeName[name] = true
			} else if !ok && len(s.shapes) < maxSpaceURLs {
				s.shapes[k] = v
			}
			s.addSession(origin, name, p.Path, pattern, u.URL) // kept only if the name proves to be one
		}
	}
}

func (s *Spaces) addSession(origin, name string, path bool, pattern, url string) {
	where := "query"
	if path {
		where = "path"
	}
	key := origin + " " + name + " " + where
	st := s.sessions[key]
	if st == nil {
		if len(s.sessions) >= maxSpacePatterns {
			return
		}
		st = &sessionStats{}
		s.sessions[key] = st
	}
	st.urls++
	if len(st.examples) < maxExamples {
		st.examples = append(st.examples, url)
	}
	if len(st.patterns) < 5 && !slices.Contains(st.patterns, pattern) {
		st.patterns = append(st.patterns, pattern)
	}
}

// sortedQuery is a query's parameters as one text, sorted by name and
// value, without the one named skip ("" for none).
func sortedQuery(query []analysis.Param, skip string) string {
	kv := make([]string, 0, len(query))
	for _, p := range query {
		if p.Name != skip {
			kv = append(kv, p.Name+"="+p.Value)
		}
	}
	slices.Sort(kv)
	return strings.Join(kv, "&")
}

// addBase remembers the text of a page with a query, by its path and
// sorted query.
func (s *Spaces) addBase(u store.URL, query []analysis.Param) {
	if len(s.bases) >= maxSpaceURLs {
		return
	}
	text, err := strconv.ParseUint(u.TextHash, 16, 64)
	if err != nil {
		return
	}
	path, _, _ := strings.Cut(u.URL, "?")
	path, _, _ = strings.Cut(path, ";")
	s.bases[s.hash(path, sortedQuery(query, ""))] = text
}

func (s *Spaces) addFacets(path string, u store.URL, query []analysis.Param) {
	st := s.paths[path]
	if st == nil {
		if len(s.paths) >= maxSpacePatterns {
			return
		}
		st = &pathStats{keySets: map[string]bool{}, values: map[string]map[uint64]struct{}{}, first: u.URL}
		s.paths[path] = st
	}
	st.urls++
	names := make([]string, 0, len(query))
	for _, p := range query {
		names = append(names, p.Name)
		vals := st.values[p.Name]
		if vals == nil {
			if len(st.values) >= 16 {
				continue
			}
			vals = map[uint64]struct{}{}
			st.values[p.Name] = vals
		}
		if len(vals) < 256 {
			vals[s.hash(p.Value)] = struct{}{}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(st.keySets) < 256 {
		st.keySets[strings.Join(names, "&")] = true
	}
	if len(query) >= 2 && len(st.examples) < maxExamples {
		st.examples = append(st.examples, u.URL)
	}
	// The same parameters in another order: one page at two URLs.
	if len(query) >= 2 {
		base, _, _ := strings.Cut(u.URL, "?")
		k := s.hash(base, sortedQuery(query, ""))
		switch first, ok := s.sorted[k]; {
		case ok && first != u.URL:
			st.perms++
			if st.perm[0] == "" {
				st.perm = [2]string{first, u.URL}
			}
		case !ok && len(s.sorted) < maxSpaceURLs:
			s.sorted[k] = u.URL
		}
	}
}

// addVariants puts u in the group of the URLs that differ from it only by
// each of its parameters.
func (s *Spaces) addVariants(origin, path string, u store.URL, query []analysis.Param) {
	text, err := strconv.ParseUint(u.TextHash, 16, 64)
	if err != nil {
		return
	}
	plain, _, _ := strings.Cut(u.URL, "?")
	plain, _, _ = strings.Cut(plain, ";")
	seen := map[string]bool{}
	for _, p := range query {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		base := s.hash(plain, sortedQuery(query, p.Name))
		k := base ^ s.hash(p.Name)
		g := s.groups[k]
		if g == nil {
			if len(s.groups) >= maxSpaceURLs {
				continue
			}
			g = &variantGroup{base: base, param: path + " " + p.Name, text: text, first: u.URL}
			if sortedQuery(query, p.Name) == "" && !strings.Contains(plain, ";") {
				g.plain = plain
			}
			s.groups[k] = g
		}
		g.n++
		if g.text != text {
			g.differ = true
		}
	}
}

// finish turns the statistics into findings; r gives the texts of the
// URLs without a query that groups of variants compare with.
func (s *Spaces) finish(r store.Reader) error {
	at := func(u string, f SpaceFinding) { s.At[u] = append(s.At[u], f) }
	trapped := map[string]bool{}
	for key, p := range s.patterns {
		if p.trap+p.tooLong == 0 {
			continue
		}
		trapped[key] = true
		f := SpaceFinding{Rule: CrawlerTrap, Pattern: key, URLs: p.requested + p.trap + p.tooLong, Other: p.trap + p.tooLong, More: p.tooLong,
			Example: append([]string{p.first}, p.examples...), Kind: trapKind(key)}
		at(p.first, f)
	}
	for key, st := range s.sessions {
		origin, rest, _ := strings.Cut(key, " ")
		name, where, _ := strings.Cut(rest, " ")
		if !analysis.SessionParam(name) && !s.shapeName[name] {
			continue
		}
		f := SpaceFinding{Rule: SessionIDInURL, Pattern: origin, Param: name, URLs: st.urls, More: len(st.patterns), Names: st.patterns, Example: st.examples, Kind: where}
		at(st.examples[0], f)
	}
	for path, st := range s.paths {
		if !(len(st.keySets) >= 3 && len(st.values) >= 2 && st.urls >= 10) && st.perms == 0 {
			continue
		}
		names := make([]string, 0, len(st.values))
		reach := 1.0
		for n, v := range st.values {
			names = append(names, n)
			reach *= float64(len(v) + 1)
		}
		slices.Sort(names)
		ex := append([]string{st.first}, st.examples...)
		if st.perm[0] != "" {
			ex = append(ex, st.perm[0], st.perm[1])
		}
		f := SpaceFinding{Rule: FacetedNavigation, Pattern: path, URLs: st.urls, Other: len(st.keySets), More: st.perms, Reach: reach - 1, Names: names, Example: ex}
		at(st.first, f)
	}
	for _, g := range s.groups {
		if trapped[analysis.OriginOf(g.first)+analysis.Pattern(g.first)] {
			continue // a trap's URLs: crawler-trap reports them
		}
		members, differ := g.n, g.differ
		text, ok := s.bases[g.base]
		if !ok && g.plain != "" {
			u, found, err := r.Get(g.plain)
			if err != nil {
				return err
			}
			if found && u.TextHash != "" && u.NotRequested == "" {
				text, err = strconv.ParseUint(u.TextHash, 16, 64)
				ok = err == nil
			}
		}
		if ok {
			members++
			differ = differ || text != g.text
		}
		if members < 2 {
			continue
		}
		ps := s.params[g.param]
		if ps == nil {
			if len(s.params) >= maxSpacePatterns {
				continue
			}
			ps = &paramStats{}
			s.params[g.param] = ps
		}
		if differ {
			ps.differ++
		} else {
			ps.same++
			if len(ps.examples) < maxExamples {
				ps.examples = append(ps.examples, g.first)
			}
		}
	}
	for key, ps := range s.params {
		if ps.same == 0 || ps.differ > 0 {
			continue
		}
		slices.Sort(ps.examples)
		path, name, _ := strings.Cut(key, " ")
		at(ps.examples[0], SpaceFinding{Rule: IneffectiveParameter, Pattern: path, Param: name, Other: ps.same, Example: ps.examples})
	}
	s.finishClusters(at)
	for u, fs := range s.At {
		slices.SortFunc(fs, func(a, b SpaceFinding) int {
			return strings.Compare(a.Rule+" "+a.Pattern+" "+a.Param, b.Rule+" "+b.Pattern+" "+b.Param)
		})
		s.At[u] = fs
	}
	// Only the findings are needed from here on.
	s.patterns, s.paths, s.params, s.shapes, s.sessions, s.sorted, s.bases, s.groups = nil, nil, nil, nil, nil, nil, nil, nil
	return nil
}

// trapKind names the kind of infinite space a trap's pattern looks like.
func trapKind(pattern string) string {
	switch {
	case strings.Contains(pattern, analysis.PlaceRepeat):
		return "a path that repeats its segments"
	case analysis.Dated(pattern):
		return "a calendar"
	case strings.Contains(pattern, "?"):
		return "a parameter without end (pagination, a filter)"
	case strings.Contains(pattern, analysis.PlaceID):
		return "a numbered path without end"
	}
	return "an infinite URL space"
}
