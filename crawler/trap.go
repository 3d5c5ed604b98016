package crawler

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Crawler traps and infinite spaces (Google Search Central, "Crawl budget
// management": calendars with next and previous links, relative links that
// add a segment on every page, pagination without end, and session IDs in
// URLs make the number of URLs unbounded). A search engine stops expanding
// such a space once it stops finding anything new in it; so does the crawl,
// so that a crawl of a trap site ends by itself, without --max-urls or
// --max-time.
//
// Three safeguards, each recorded, never silent (the URLs not requested
// are records with store.URL.NotRequested set, and keep their referrers):
//
//  1. A URL longer than MaxURLBytes, or whose path repeats a segment (or a
//     group of two or three) more than analysis.MaxSegmentRepeats times in a
//     row, is not followed: NotRequestedTooLong.
//  2. A URL that differs from one already known only by its session ID
//     (analysis.StripSession: ;jsessionid=, ?sid=, …, and parameters whose
//     long random values change from page to page for the same path, which
//     the crawl learns) is the same URL: it is folded into the first one,
//     never requested and never recorded apart. Its link edge is kept, so
//     links.csv and the audit still see it.
//  3. Per URL pattern (analysis.Pattern, per origin), the crawl watches
//     whether each 200 HTML page of the pattern brings anything new. A page
//     brings nothing new when its text is the exact text of a page seen
//     before (TextHash), or when it only extends a chain: the only new URLs
//     it links to are one or two of its own pattern (next month, next page,
//     one more segment) and its text, numbers set aside (the fingerprint's
//     shape), is the text of a page of the pattern seen before. A page that
//     links to anything new elsewhere, or to three or more new URLs (a
//     category listing its items), or whose words are new, brings something
//     new. Once Config.TrapLimit pages of a pattern in a row brought nothing
//     new, the pattern is a trap: its URLs are no longer requested
//     (NotRequestedTrap), those already queued included.
//
// The memory is bounded: one 4-byte entry per distinct page text, and per
// pattern that is a template (analysis.Templated; at most maxPatterns) a
// few counters and the shapes of its last maxShapes pages.

// MaxURLBytes is the longest URL the crawl follows, in bytes: the limit of
// the sitemaps protocol (URLs under 2,048 characters), which most servers
// and browsers also keep to.
const MaxURLBytes = 2048

// DefaultTrapLimit is Config.TrapLimit's default: 100 pages of one pattern
// in a row that bring nothing new. A real section rarely serves 100
// duplicates in a row; a trap serves them without end, and 100 requests is
// what detecting one costs.
const DefaultTrapLimit = 100

// maxPatterns bounds the patterns watched; maxShapes the shapes kept per
// pattern.
const (
	maxPatterns = 20000
	maxShapes   = 32
)

// traps watches URL patterns during a crawl. Safe for concurrent use.
type traps struct {
	limit   int // 0: off
	mu      sync.Mutex
	pats    map[string]*patternState
	texts   hashSet32
	trapped atomic.Int32 // patterns found to be traps
	sess    sessions
}

// patternState is what traps keeps of one pattern.
type patternState struct {
	empty   int32 // pages in a row that brought nothing new
	trapped bool
	shapes  []uint32 // shapes of the pattern's last pages (a ring)
	next    uint8    // where the ring's next shape goes
}

func newTraps(limit int) *traps {
	t := &traps{limit: limit, pats: map[string]*patternState{}}
	t.sess.seed = maphash.MakeSeed()
	return t
}

// key is the pattern u belongs to, with its origin.
func patternKey(u string) string { return analysis.OriginOf(u) + analysis.Pattern(u) }

// isTrapped reports whether the pattern of u (its key, computed only when
// some pattern is a trap) is a trap.
func (t *traps) isTrapped(u string) bool {
	if t.limit <= 0 || t.trapped.Load() == 0 {
		return false
	}
	k := patternKey(u)
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.pats[k]
	return st != nil && st.trapped
}

// markTrapped records that the pattern of u is a trap (a resumed crawl's
// NotRequestedTrap records say so).
func (t *traps) markTrapped(u string) {
	if t.limit <= 0 {
		return
	}
	k := patternKey(u)
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.state(k)
	if !st.trapped {
		st.trapped = true
		t.trapped.Add(1)
	}
}

// state returns the state of pattern k, making room when maxPatterns are
// watched: patterns that are not accumulating pages without anything new
// are forgotten first (a site of slugs has a pattern per page). The caller
// holds mu.
func (t *traps) state(k string) *patternState {
	if st := t.pats[k]; st != nil {
		return st
	}
	if len(t.pats) >= maxPatterns {
		for key, st := range t.pats {
			if !st.trapped && st.empty == 0 {
				delete(t.pats, key)
			}
		}
		if len(t.pats) >= maxPatterns {
			for key, st := range t.pats {
				if !st.trapped {
					delete(t.pats, key)
				}
			}
		}
	}
	st := &patternState{}
	t.pats[k] = st
	return st
}

// observe counts one 200 HTML page of pattern k with fingerprints p that
// linked to own new URLs of its own pattern and other new URLs elsewhere,
// and reports whether this page made the pattern a trap.
func (t *traps) observe(k string, p prints, own, other int) (tripped bool) {
	if t.limit <= 0 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	dup := !t.texts.add(uint32(p.text >> 32))
	if !analysis.Templated(k) {
		return false // one URL's own pattern (a slug): no family to grow
	}
	st := t.state(k)
	shape := uint32(p.shape >> 32)
	known := false
	for _, s := range st.shapes {
		if s == shape {
			known = true
			break
		}
	}
	if !known {
		if len(st.shapes) < maxShapes {
			st.shapes = append(st.shapes, shape)
		} else {
			st.shapes[st.next] = shape
			st.next = (st.next + 1) % maxShapes
		}
	}
	chain := other == 0 && own >= 1 && own <= 2
	if dup || chain && known {
		st.empty++
	} else {
		st.empty = 0
	}
	if !st.trapped && int(st.empty) >= t.limit {
		st.trapped = true
		t.trapped.Add(1)
		return true
	}
	return false
}

// hashSet32 is a set of 32-bit hashes (open addressing, linear probing,
// at most three quarters full): 5 to 11 bytes per entry. 0 is stored as 1.
type hashSet32 struct {
	slots []uint32
	n     int
}

// add reports whether h was new.
func (s *hashSet32) add(h uint32) bool {
	if h == 0 {
		h = 1
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	mask := uint32(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

func (s *hashSet32) grow() {
	old := s.slots
	s.slots = make([]uint32, max(1024, 2*len(old)))
	s.n = 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}

// sessions learns which parameters carry session IDs by their values'
// shape: a parameter whose long random value (analysis.RandomValue)
// changes twice for the same path, from page to page, is one, whatever its
// name. Names are learnt for the rest of the crawl.
type sessions struct {
	seed   maphash.Seed
	mu     sync.Mutex
	params map[string]*paramValues             // lower-case name → values seen; at most maxSessionNames
	learnt atomic.Pointer[map[string]struct{}] // names learnt; replaced, never changed
}

// paramValues are the values one parameter had, per path.
type paramValues struct {
	byPath  map[uint64]uint64 // path hash → value hash; at most maxSessionPaths
	changes int
}

const (
	maxSessionNames = 64
	maxSessionPaths = 1024
	// sessionChanges is how often a random value must change for one path
	// before its parameter counts as a session ID.
	sessionChanges = 2
)

// isLearnt reports whether name (lower-case) was learnt to carry session IDs.
func (s *sessions) isLearnt(name string) bool {
	m := s.learnt.Load()
	if m == nil {
		return false
	}
	_, ok := (*m)[name]
	return ok
}

// observe looks at the parameters of u for random values.
func (s *sessions) observe(u string) {
	var path string
	for _, p := range analysis.Params(u) {
		if !analysis.RandomValue(p.Value) || analysis.SessionParam(p.Name) {
			continue
		}
		name := strings.ToLower(p.Name)
		if s.isLearnt(name) {
			continue
		}
		if path == "" {
			path, _, _ = strings.Cut(u, "?")
			if i := strings.IndexByte(path, ';'); i >= 0 {
				path = path[:i]
			}
		}
		s.see(name, maphash.String(s.seed, path), maphash.String(s.seed, p.Value))
	}
}

func (s *sessions) see(name string, path, value uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.params == nil {
		s.params = map[string]*paramValues{}
	}
	pv := s.params[name]
	if pv == nil {
		if len(s.params) >= maxSessionNames {
			return
		}
		pv = &paramValues{byPath: map[uint64]uint64{}}
		s.params[name] = pv
	}
	old, ok := pv.byPath[path]
	switch {
	case ok && old != value:
		pv.byPath[path] = value
		pv.changes++
	case !ok && len(pv.byPath) < maxSessionPaths:
		pv.byPath[path] = value
	}
	if pv.changes >= sessionChanges {
		next := map[string]struct{}{name: {}}
		if m := s.learnt.Load(); m != nil {
			for k := range *m {
				next[k] = struct{}{}
			}
		}
		s.learnt.Store(&next)
		delete(s.params, name)
	}
}

// seenKey is the key of u in the visited set: u without its session IDs,
// so that the variants of one URL are one.
func (cr *crawler) seenKey(u string) string {
	if strings.IndexByte(u, '?') < 0 && strings.IndexByte(u, ';') < 0 {
		return u
	}
	cr.traps.sess.observe(u)
	k, _ := analysis.StripSession(u, cr.traps.sess.isLearnt)
	return k
}

// guard returns why a discovered URL is not followed, or "": it is longer
// than MaxURLBytes, or (a page) repeats path segments.
func guard(u string, kind store.Kind) store.NotRequested {
	if len(u) > MaxURLBytes {
		return store.NotRequestedTooLong
	}
	if kind == store.KindPage && analysis.RepeatsSegments(u) {
		return store.NotRequestedTooLong
	}
	return ""
}

// notRequested records j as known and not requested, for why, unless its
// URL was met before; it reports whether it was new.
func (cr *crawler) notRequested(j *job, why store.NotRequested) bool {
	if !cr.seen.add(cr.seenKey(j.url)) {
		return false
	}
	cr.skip(j, why)
	return true
}

// skip writes the record of j, not requested for why.
func (cr *crawler) skip(j *job, why store.NotRequested) {
	cr.put(store.URL{URL: j.url, Kind: j.kind, Start: j.start && j.hops == 0, Depth: j.depth, Bytes: -1, NotRequested: why})
}
