package report

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// report.html's "URL spaces" view: the URL patterns that cost the crawl
// the most wasted requests (analysis.PatternStats), each with a sparkline
// of the URLs discovered per click depth (a trap's climbs to the right);
// the robots.txt what-if (analysis.RobotsWhatIf over the spaces the audit
// found, Options.Spaces); and the duplicate clusters the crawl recorded
// (store.URL.Cluster). The page renders it after the issue list; html.tmpl
// only places it (the "spaces" template of html_spaces.tmpl).

//go:embed html_spaces.tmpl
var htmlSpacesTemplateText string

// Limits of the view: the page stays small whatever the crawl's size.
const (
	maxSpaceRules    = 50     // what-if rules shown
	maxClusters      = 50     // duplicate clusters shown
	maxClusterURLs   = 5      // member URLs named per cluster
	maxClusterCounts = 100000 // clusters counted (their members are records)
)

// spacesView is the "URL spaces" section.
type spacesView struct {
	Patterns []patternView
	Rules    []ruleView
	Clusters []clusterView
	// MoreClusters counts the clusters not shown.
	MoreClusters int
}

// patternView is one row of the patterns table.
type patternView struct {
	Pattern      string // shown on the start URL's origin as a path
	URLs         int
	Requests     int
	Wasted       int
	Category     string // its label
	NotRequested int
	Why          string
	Spark        sparkline
}

// sparkline is a tiny bar chart laid out here: the template only places
// rectangles.
type sparkline struct {
	Width, Height int
	Title         string
	Bars          []sparkBar
}

type sparkBar struct{ X, Y, W, H int }

// Sparkline geometry, in SVG user units.
const (
	sparkHeight = 18
	sparkBarW   = 4
	sparkGap    = 1
	sparkBars   = 40 // at most; deeper crawls put several depths in a bar
)

// newSparkline draws counts per depth as bars, at most sparkBars: each
// bar sums the same number of consecutive depths.
func newSparkline(counts []int) sparkline {
	per := max(1, (len(counts)+sparkBars-1)/sparkBars)
	var bars []int
	for d, n := range counts {
		if d%per == 0 {
			bars = append(bars, 0)
		}
		bars[len(bars)-1] += n
	}
	s := sparkline{Height: sparkHeight, Width: max(len(bars), 1) * (sparkBarW + sparkGap)}
	most := 0
	for _, n := range bars {
		most = max(most, n)
	}
	var parts []string
	for i, n := range bars {
		if n > 0 {
			if per == 1 {
				parts = append(parts, fmt.Sprintf("depth %d: %d", i, n))
			} else {
				parts = append(parts, fmt.Sprintf("depth %d–%d: %d", i*per, min(i*per+per, len(counts))-1, n))
			}
		}
		if most == 0 || n == 0 {
			continue
		}
		h := max(1, n*sparkHeight/most)
		s.Bars = append(s.Bars, sparkBar{X: i * (sparkBarW + sparkGap), Y: sparkHeight - h, W: sparkBarW, H: h})
	}
	s.Title = "URLs discovered per click depth: " + strings.Join(parts, ", ")
	return s
}

// ruleView is one row of the what-if table.
type ruleView struct {
	Rule      string
	Origin    string
	Spaces    string
	Blocked   int
	Requests  int
	Important int // important pages lost: blocked or cut off
	Examples  []string
	Verdict   string
}

// clusterView is one duplicate cluster.
type clusterView struct {
	URL     string // the URL its pages should point to
	Kind    string // exact or near
	Pages   int    // its members, the cluster's URL included
	Pattern string // the members' patterns, most first
	Astray  int    // members that do not canonicalise to URL
	Members []string
	More    int
}

// spacesAcc gathers the section from WriteHTML's pass over the records:
// the patterns' counts and the duplicate clusters.
type spacesAcc struct {
	r        *Crawl
	origin   string
	patterns *analysis.PatternCounter
	clusters map[string]*clusterAcc
}

// clusterAcc is one duplicate cluster being counted.
type clusterAcc struct {
	kind     string
	pages    int
	astray   int
	members  []string
	patterns map[string]int
}

// newSpacesAcc starts the section of r; origin is the start URL's.
func newSpacesAcc(r *Crawl, recs *analysis.Records, origin string) *spacesAcc {
	return &spacesAcc{r: r, origin: origin, patterns: analysis.NewPatternCounter(recs, r.opt.Spaces), clusters: map[string]*clusterAcc{}}
}

// add counts the record u, whose masked URL is masked.
func (a *spacesAcc) add(u store.URL, masked string) {
	a.patterns.Add(u, masked)
	if u.Cluster == "" {
		return
	}
	c := a.r.maskURL(u.Cluster)
	ca := a.clusters[c]
	if ca == nil {
		if len(a.clusters) >= maxClusterCounts {
			return
		}
		ca = &clusterAcc{kind: string(u.ClusterKind), patterns: map[string]int{}}
		a.clusters[c] = ca
	}
	ca.pages++
	ca.patterns[analysis.Pattern(masked)]++
	if masked != c && a.r.maskURL(u.Canonical) != c {
		ca.astray++
	}
	if len(ca.members) < maxClusterURLs {
		ca.members = append(ca.members, pathOn(a.origin, masked))
	}
}

// view finishes the section: the patterns, the robots.txt what-if (which
// reads the crawl again only when the audit found spaces) and the
// clusters.
func (a *spacesAcc) view() (*spacesView, error) {
	r, origin := a.r, a.origin
	v := &spacesView{}
	for _, s := range a.patterns.Stats() {
		why := strings.Join(s.Spaces, "; ")
		label := ""
		if s.Category != "" {
			label = analysis.CategoryLabel(s.Category)
		}
		if why == "" {
			why = label
		}
		v.Patterns = append(v.Patterns, patternView{Pattern: pathOn(origin, s.Pattern), URLs: s.URLs, Requests: s.Requests, Wasted: s.Wasted,
			Category: label, NotRequested: s.NotRequested, Why: why, Spark: newSparkline(s.Depths)})
	}
	w, err := analysis.RobotsWhatIf(r, r.opt.Spaces, r.maskURL)
	if err != nil {
		return nil, err
	}
	for i, ri := range w.Rules {
		if i == maxSpaceRules {
			break
		}
		rv := ruleView{Rule: ri.Rule, Origin: r.maskURL(ri.Origin), Spaces: strings.Join(ri.Spaces, "; "), Blocked: ri.Blocked, Requests: ri.Requests,
			Important: ri.Lost(), Verdict: ri.Verdict}
		for _, u := range append(append([]string(nil), ri.Important...), ri.CutOff...) {
			if len(rv.Examples) == 3 {
				break
			}
			rv.Examples = append(rv.Examples, pathOn(origin, u))
		}
		v.Rules = append(v.Rules, rv)
	}
	v.Clusters, v.MoreClusters = a.clusterViews()
	return v, nil
}

// clusterViews lists the clusters, the biggest first.
func (a *spacesAcc) clusterViews() ([]clusterView, int) {
	out := make([]clusterView, 0, len(a.clusters))
	for u, c := range a.clusters {
		pats := make([]string, 0, len(c.patterns))
		for p := range c.patterns {
			pats = append(pats, p)
		}
		sort.Slice(pats, func(i, j int) bool {
			if c.patterns[pats[i]] != c.patterns[pats[j]] {
				return c.patterns[pats[i]] > c.patterns[pats[j]]
			}
			return pats[i] < pats[j]
		})
		if len(pats) > 3 {
			pats = append(pats[:3], "…")
		}
		out = append(out, clusterView{URL: u, Kind: c.kind, Pages: c.pages, Astray: c.astray, Pattern: strings.Join(pats, ", "),
			Members: c.members, More: c.pages - len(c.members)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pages != out[j].Pages {
			return out[i].Pages > out[j].Pages
		}
		return out[i].URL < out[j].URL
	})
	more := 0
	if len(out) > maxClusters {
		out, more = out[:maxClusters], len(out)-maxClusters
	}
	return out, more
}

// jsonSpaces is crawl.json's "spaces" object (an additive field): the URL
// patterns that wasted requests and the robots.txt what-if, as report.html's
// "URL spaces" view shows them. URLs are masked.
type jsonSpaces struct {
	Patterns     []jsonPattern    `json:"patterns"`
	RobotsWhatIf []jsonRuleImpact `json:"robots_what_if"`
}

type jsonPattern struct {
	Pattern      string   `json:"pattern"`
	URLs         int      `json:"urls"`
	Requests     int      `json:"requests"`
	Wasted       int      `json:"wasted"`
	Category     string   `json:"category"`
	NotRequested int      `json:"not_requested"`
	URLsByDepth  []int    `json:"urls_by_depth"`
	Spaces       []string `json:"spaces"`
}

type jsonRuleImpact struct {
	Origin         string   `json:"origin"`
	Rule           string   `json:"rule"`
	Stops          []string `json:"stops"`
	Verdict        string   `json:"verdict"`
	Blocked        int      `json:"blocked"`
	Requested      int      `json:"requested"`
	Indexable      int      `json:"indexable"`
	Listed         int      `json:"listed"`
	Linked         int      `json:"linked"`
	Important      []string `json:"important"`
	ImportantTotal int      `json:"important_total"`
	CutOff         []string `json:"cut_off"`
	CutOffTotal    int      `json:"cut_off_total"`
	DeadEndsTotal  int      `json:"dead_ends_total"`
}

// json computes crawl.json's "spaces" from a.
func (a *spacesAcc) json() (jsonSpaces, error) {
	out := jsonSpaces{Patterns: []jsonPattern{}, RobotsWhatIf: []jsonRuleImpact{}}
	for _, s := range a.patterns.Stats() {
		sp := s.Spaces
		if sp == nil {
			sp = []string{}
		}
		out.Patterns = append(out.Patterns, jsonPattern{Pattern: s.Pattern, URLs: s.URLs, Requests: s.Requests, Wasted: s.Wasted, Category: s.Category,
			NotRequested: s.NotRequested, URLsByDepth: s.Depths, Spaces: sp})
	}
	w, err := analysis.RobotsWhatIf(a.r, a.r.opt.Spaces, a.r.maskURL)
	if err != nil {
		return jsonSpaces{}, err
	}
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	for _, ri := range w.Rules {
		out.RobotsWhatIf = append(out.RobotsWhatIf, jsonRuleImpact{Origin: a.r.maskURL(ri.Origin), Rule: ri.Rule, Stops: nonNil(ri.Spaces), Verdict: ri.Verdict,
			Blocked: ri.Blocked, Requested: ri.Requests, Indexable: ri.Indexable, Listed: ri.Listed, Linked: ri.Linked,
			Important: nonNil(ri.Important), ImportantTotal: ri.ImportantTotal, CutOff: nonNil(ri.CutOff), CutOffTotal: ri.CutOffTotal, DeadEndsTotal: ri.DeadEndsTotal})
	}
	return out, nil
}
