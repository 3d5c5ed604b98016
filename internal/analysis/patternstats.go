package analysis

import (
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// PatternStat is what one URL pattern (a template: Templated) cost the
// crawl: report.html's "URL spaces" view ranks them by requests wasted.
type PatternStat struct {
	Pattern      string // origin and Pattern, of masked URLs
	URLs         int    // URLs of it the crawl knows, requested or not
	Requests     int    // of those, requests made (budget categories but blocked_linked)
	Wasted       int    // requests in waste categories
	Category     string // the category most of its requests fell in, waste first; "" without requests
	NotRequested int    // URLs known and not requested (a trap, a cap, too long)
	// Depths counts the URLs discovered at each click depth, from 0 to
	// the deepest (at most maxPatternDepth; deeper URLs count in the last).
	Depths []int
	// Spaces are the Labels of the URL spaces it belongs to (Space.Covers).
	Spaces []string
}

// Bounds of PatternCounter.
const (
	maxPatternDepth  = 200
	maxPatternsKept  = 10000 // patterns counted (the first seen, in URL order)
	maxPatternsShown = 50
)

// PatternCounter counts a crawl's URLs by pattern, one record at a time,
// so that a pass the caller makes anyway feeds it: the templated patterns
// (Templated) of the site's URLs, with the budget categories of recs. It is
// not safe for concurrent use.
type PatternCounter struct {
	recs   *Records
	spaces []Space
	stats  map[string]*PatternStat
	cats   map[string]map[string]int
}

// NewPatternCounter returns a counter over the budget records recs (keyed
// by masked URL, as LoadBudget keys them), naming the spaces each pattern
// belongs to.
func NewPatternCounter(recs *Records, spaces []Space) *PatternCounter {
	return &PatternCounter{recs: recs, spaces: spaces, stats: map[string]*PatternStat{}, cats: map[string]map[string]int{}}
}

// Add counts the record u, whose masked URL is masked.
func (pc *PatternCounter) Add(u store.URL, masked string) {
	if u.Kind == store.KindExternal {
		return
	}
	p := Pattern(masked)
	if !Templated(p) {
		return
	}
	key := OriginOf(masked) + p
	s := pc.stats[key]
	if s == nil {
		if len(pc.stats) >= maxPatternsKept {
			return
		}
		s = &PatternStat{Pattern: key}
		pc.stats[key] = s
		pc.cats[key] = map[string]int{}
	}
	s.URLs++
	d := min(max(u.Depth, 0), maxPatternDepth)
	for len(s.Depths) <= d {
		s.Depths = append(s.Depths, 0)
	}
	s.Depths[d]++
	if u.NotRequested != "" {
		s.NotRequested++
		return
	}
	cat, ok := pc.recs.Category(masked)
	if !ok || cat == "" || cat == CatBlockedLinked {
		return
	}
	s.Requests++
	pc.cats[key][cat]++
	if IsWaste(cat) {
		s.Wasted++
	}
}

// Stats returns the patterns with wasted requests or URLs not requested,
// ranked by wasted requests, then URLs not requested, then requests; at
// most 50.
func (pc *PatternCounter) Stats() []PatternStat {
	out := make([]PatternStat, 0, len(pc.stats))
	for key, s := range pc.stats {
		if s.Wasted == 0 && s.NotRequested == 0 {
			continue // nothing to fix there
		}
		best := 0
		for _, d := range Categories { // in report order: the first of the most
			n := pc.cats[key][d.ID]
			if d.Waste && n > 0 {
				n += 1 << 30 // waste first
			}
			if n > best {
				best, s.Category = n, d.ID
			}
		}
		st := *s
		st.Spaces = nil
		for _, sp := range pc.spaces {
			if sp.Covers(key) {
				st.Spaces = append(st.Spaces, sp.Label())
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Wasted != b.Wasted {
			return a.Wasted > b.Wasted
		}
		if a.NotRequested != b.NotRequested {
			return a.NotRequested > b.NotRequested
		}
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		return a.Pattern < b.Pattern
	})
	if len(out) > maxPatternsShown {
		out = out[:maxPatternsShown]
	}
	return out
}

// Covers reports whether the URLs of pattern (origin and Pattern, as
// PatternStat has it) belong to the space: a trap's own pattern; for a
// session ID, a pattern carrying its parameter; for faceted navigation,
// its path with a query; for a parameter, its path with that parameter.
func (s Space) Covers(pattern string) bool {
	origin := OriginOf(pattern)
	if origin != s.Origin {
		return false
	}
	p := strings.TrimPrefix(pattern, origin)
	path, query, hasQuery := strings.Cut(p, "?")
	has := func(name string) bool {
		for k := range strings.SplitSeq(query, "&") {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	switch s.Kind {
	case SpaceTrap:
		return p == s.Pattern
	case SpaceSession:
		if s.InPath {
			for seg := range strings.SplitSeq(path, "/") {
				_, params, _ := strings.Cut(seg, ";")
				for name := range strings.SplitSeq(params, ";") {
					if strings.EqualFold(name, s.Param) {
						return true
					}
				}
			}
			return false
		}
		return hasQuery && has(s.Param)
	case SpaceFacet:
		return hasQuery && PathPattern(p) == s.Pattern
	case SpaceParameter:
		return hasQuery && PathPattern(p) == s.Pattern && has(s.Param)
	}
	return false
}
