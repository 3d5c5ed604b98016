package analysis

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/robots"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestProposeRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		space Space
		want  []string
	}{
		{"a calendar: its directory, then below it", Space{Kind: SpaceTrap, Pattern: "/cal/{year}/{month}"}, []string{"Disallow: /cal/", "Disallow: /cal/*/"}},
		{"a numbered path: its directory", Space{Kind: SpaceTrap, Pattern: "/p/{id}"}, []string{"Disallow: /p/"}},
		{"a placeholder at the root blocks no family", Space{Kind: SpaceTrap, Pattern: "/{id}"}, nil},
		{"a repeating path: the group three times, variable segments as *", Space{Kind: SpaceTrap, Pattern: "/docs/{id}/a/{repeat}/", Example: "https://x.test/docs/17/a/a/a/a/"}, []string{"Disallow: /docs/*/a/a/a/"}},
		{"a repeating group of two", Space{Kind: SpaceTrap, Pattern: "/x/y/{repeat}/", Example: "https://x.test/x/y/x/y/x/y/x/y/"}, []string{"Disallow: /x/y/x/y/x/y/"}},
		{"a query without end", Space{Kind: SpaceTrap, Pattern: "/list?page"}, []string{"Disallow: /list?*page="}},
		{"a query without end under a placeholder", Space{Kind: SpaceTrap, Pattern: "/cat/{id}?page&sort"}, []string{"Disallow: /cat/*?*page="}},
		{"a session ID in a path parameter", Space{Kind: SpaceSession, Param: "JSESSIONID", InPath: true}, []string{"Disallow: /*;JSESSIONID="}},
		{"a session ID in the query", Space{Kind: SpaceSession, Param: "sid"}, []string{"Disallow: /*?*sid="}},
		{"a parameter that changes nothing", Space{Kind: SpaceParameter, Pattern: "/shoes", Param: "sort"}, []string{"Disallow: /*?*sort="}},
		{"faceted navigation: one rule per parameter", Space{Kind: SpaceFacet, Pattern: "/shoes", Params: []string{"color", "size"}}, []string{"Disallow: /*?*color=", "Disallow: /*?*size="}},
		{"a name robots.txt cannot say gets no rule", Space{Kind: SpaceParameter, Param: "a*b$"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ProposeRules(tc.space); !slices.Equal(got, tc.want) {
				t.Errorf("ProposeRules = %q, want %q", got, tc.want)
			}
		})
	}
}

// whatIfSite is a small crawl: a home page (start, listed) linking to a
// calendar index, the calendar's months (a trap), a listing whose pages
// alone link to an item, a page whose text is also at /copy, a member of a
// duplicate cluster, a page with a session ID, and a URL the crawl's own
// robots.txt blocked.
func whatIfSite(t *testing.T) *store.Memory {
	t.Helper()
	const o = "https://w.test"
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	page := func(path string) store.URL {
		n++
		return store.URL{URL: o + path, Status: 200, Kind: store.KindPage, ContentType: "text/html", TextHash: fmt.Sprintf("%016x", n)}
	}
	link := func(from, to string) {
		must(m.AddEdge(store.Edge{From: o + from, To: o + to, Type: store.EdgeLink, Tag: "a"}))
	}
	home := page("/")
	home.Start, home.InSitemap = true, true
	calIndex := page("/cal/")
	dup, copyOf := page("/old/same"), page("/copy")
	copyOf.TextHash = dup.TextHash
	member := page("/old/member")
	member.Cluster, member.ClusterKind = o+"/keep", store.ClusterNear
	urls := []store.URL{home, calIndex, page("/items/1"), dup, copyOf, member, page("/keep"), page("/old/cart?sid=8f14e45fceea167a5a36"),
		{URL: o + "/private/x", Kind: store.KindPage, BlockedByRobots: true},
		{URL: o + "/cal/2015/04", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTrap}}
	for i := 1; i <= 3; i++ {
		urls = append(urls, page(fmt.Sprintf("/cal/2015/%02d", i)), page(fmt.Sprintf("/list?page=%d", i)))
		link(fmt.Sprintf("/cal/2015/%02d", i), fmt.Sprintf("/cal/2015/%02d", i+1))
		link(fmt.Sprintf("/list?page=%d", i), fmt.Sprintf("/list?page=%d", i+1))
	}
	urls = append(urls, store.URL{URL: o + "/list?page=4", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTrap})
	for _, u := range urls {
		must(m.PutURL(u))
	}
	link("/", "/cal/")
	link("/cal/", "/cal/2015/01")
	link("/", "/list?page=1")
	link("/list?page=2", "/items/1")
	for _, to := range []string{"/old/same", "/copy", "/old/member", "/keep", "/old/cart?sid=8f14e45fceea167a5a36", "/private/x"} {
		link("/", to)
	}
	return m
}

// TestRobotsWhatIfVerdicts: the broad calendar rule would block the
// calendar's index, a page that matters, so the narrower one is proposed;
// blocking the listing would cut off the item only it links to; pages whose
// text or cluster stays allowed, pages with a session ID and the trap's own
// pages lose nothing.
func TestRobotsWhatIfVerdicts(t *testing.T) {
	t.Parallel()
	const o = "https://w.test"
	m := whatIfSite(t)
	spaces := []Space{
		{Kind: SpaceTrap, Origin: o, Pattern: "/cal/{year}/{month}"},
		{Kind: SpaceTrap, Origin: o, Pattern: "/list?page"},
		{Kind: SpaceSession, Origin: o, Param: "sid"},
	}
	w, err := RobotsWhatIf(m, spaces, nil)
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]*RuleImpact{}
	for _, r := range w.Rules {
		byRule[r.Rule] = r
	}
	type counts struct{ blocked, requests, indexable, linked, lost int }
	for rule, want := range map[string]struct {
		verdict string
		c       counts
		lost    []string
	}{
		"Disallow: /cal/":        {VerdictDangerous, counts{5, 4, 1, 1, 1}, []string{o + "/cal/"}},
		"Disallow: /cal/*/":      {VerdictProposed, counts{4, 3, 0, 1, 0}, nil},
		"Disallow: /list?*page=": {VerdictDangerous, counts{4, 3, 0, 1, 1}, []string{o + "/items/1"}},
		"Disallow: /*?*sid=":     {VerdictProposed, counts{1, 1, 0, 1, 0}, nil},
	} {
		r := byRule[rule]
		if r == nil {
			t.Errorf("%s not shown; rules %v", rule, w.Rules)
			continue
		}
		got := counts{r.Blocked, r.Requests, r.Indexable, r.Linked, r.Lost()}
		lost := append(append([]string(nil), r.Important...), r.CutOff...)
		if r.Verdict != want.verdict || got != want.c || !slices.Equal(lost, want.lost) {
			t.Errorf("%s: %s %+v lost %v, want %s %+v lost %v", rule, r.Verdict, got, lost, want.verdict, want.c, want.lost)
		}
		if r.StillBlocked != 0 {
			t.Errorf("%s: still blocks %d (the crawl's robots.txt blocked /private/x, which it does not match)", rule, r.StillBlocked)
		}
	}
	if len(w.Rules) != 4 {
		t.Errorf("%d rules shown, want 4", len(w.Rules))
	}
	cal, _ := w.For(spaces[0])
	if len(cal.Proposed) != 1 || cal.Proposed[0].Rule != "Disallow: /cal/*/" || len(cal.Dangerous) != 1 {
		t.Errorf("the calendar's verdict: %+v", cal)
	}
	list, _ := w.For(spaces[1])
	if len(list.Proposed) != 0 || len(list.Dangerous) != 1 {
		t.Errorf("the listing's verdict: %+v", list)
	}

	// A text found elsewhere, or a cluster whose URL stays, loses nothing;
	// blocking what links to a page cuts it off.
	for _, tc := range []struct {
		robots string
		lost   int
	}{
		{"User-agent: *\nDisallow: /old/\n", 0},
		{"User-agent: *\nDisallow: /old/\nDisallow: /copy\n", 1},
		{"User-agent: *\nDisallow: /old/\nDisallow: /keep\n", 1},
		{"User-agent: *\nDisallow: /cal/\nAllow: /cal/$\n", 0},
		{"User-agent: *\nDisallow: /private/\n", 0},
	} {
		im, err := RobotsTest(m, o, []byte(tc.robots), "Googlebot", spaces, nil)
		if err != nil {
			t.Fatal(err)
		}
		if im.Lost() != tc.lost {
			t.Errorf("%q: %d important pages lost (%v), want %d", tc.robots, im.Lost(), im.Important, tc.lost)
		}
		if tc.robots == "User-agent: *\nDisallow: /private/\n" && (im.Blocked != 0 || im.StillBlocked != 1 || im.Unblocked != 0) {
			t.Errorf("%q: blocked %d, still blocked %d, unblocked %d", tc.robots, im.Blocked, im.StillBlocked, im.Unblocked)
		}
	}
	if _, err := RobotsTest(m, o, []byte("Disallow: /\nUser-agent: *\n"), "Googlebot", nil, nil); !errors.Is(err, robots.ErrUnparsable) {
		t.Errorf("a Disallow before any User-agent: %v, want robots.ErrUnparsable", err)
	}
}

// TestRobotsWhatIfWithoutSpacesReadsNothing: no space, no rule, no pass.
func TestRobotsWhatIfWithoutSpacesReadsNothing(t *testing.T) {
	t.Parallel()
	w, err := RobotsWhatIf(failingReader{}, nil, nil)
	if err != nil || len(w.Rules) != 0 {
		t.Errorf("RobotsWhatIf = %+v, %v", w, err)
	}
}

// failingReader fails every read.
type failingReader struct{ store.Reader }

func (failingReader) EachURL(func(store.URL) error) error   { return errors.New("read") }
func (failingReader) EachEdge(func(store.Edge) error) error { return errors.New("read") }
