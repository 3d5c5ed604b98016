package audit

import (
	"fmt"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// This file holds the per-rule tests of the URL-space rules
// (rules_space.go).

// textPage is a 200 HTML page whose text has the hash text.
func textPage(u, text string) store.URL {
	p := htmlPage(u)
	p.TextHash = text
	return p
}

// notRequested is a URL the crawl knew and did not request, for why.
func notRequested(u string, why store.NotRequested) store.URL {
	return store.URL{URL: u, Kind: store.KindPage, Bytes: -1, NotRequested: why}
}

func TestRuleCrawlerTrap(t *testing.T) {
	t.Parallel()
	calendar := []store.URL{htmlPage("/")}
	calEdges := []string{"/ link /cal/2015/01"}
	for m := 1; m <= 5; m++ {
		calendar = append(calendar, textPage(fmt.Sprintf("/cal/2015/%02d", m), fmt.Sprintf("%016x", m)))
		calEdges = append(calEdges, fmt.Sprintf("/cal/2015/%02d link /cal/2015/%02d", m, m+1))
	}
	trapped := append(append([]store.URL(nil), calendar...), notRequested("/cal/2015/06", store.NotRequestedTrap))
	testRule(t, CrawlerTrap, []ruleCase{
		{name: "a calendar the crawl stopped expanding names its pattern, the way in and a robots.txt rule",
			urls: trapped, edges: calEdges,
			want: []string{"warning /cal/2015/06 [/cal/2015/05]"},
			says: []string{"crawler trap, a calendar, at /cal/{year}/{month}: 6 URLs known, 1 not requested",
				"robots.txt what-if: Disallow: /cal/ would block 6 URLs (5 requested) and no important page: add it to robots.txt",
				"linked from /cal/{year}/{month} (3 pages, its own pages), / (1 page)", "e.g. /cal/2015/06, /cal/2015/01, /cal/2015/02"}},
		{name: "a path repeating its segments is a trap of its own kind",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a/"), htmlPage("/a/a/"), htmlPage("/a/a/a/"), notRequested("/a/a/a/a/", store.NotRequestedTooLong)},
			edges: []string{"/ link /a/", "/a/ link /a/a/", "/a/a/ link /a/a/a/", "/a/a/a/ link /a/a/a/a/"},
			want:  []string{"warning /a/a/a/a/ [/a/a/a/]"},
			says:  []string{"a path that repeats its segments, at /a/{repeat}/", "1 longer than 2,048 bytes or repeating a path segment", "Disallow: /a/a/a/ would block 2 URLs (1 requested)"}},
		{name: "a pagination whose pages alone link to the products: its rule is dangerous, never proposed",
			urls: []store.URL{htmlPage("/"), textPage("/list?page=1", "0000000000000001"), textPage("/list?page=2", "0000000000000002"),
				textPage("/products/1", "00000000000000a1"), notRequested("/list?page=3", store.NotRequestedTrap)},
			edges: []string{"/ link /list?page=1", "/list?page=1 link /list?page=2", "/list?page=2 link /list?page=3", "/list?page=1 link /products/1"},
			want:  []string{"warning /list?page=3 [/list?page=2]"},
			says: []string{"Disallow: /list?*page= is dangerous, do not add it: it would cut off 1 indexable page that only the pages it blocks link to (e.g. /products/1)",
				"no robots.txt rule stops it safely: fix the links and answers instead"}},
		{name: "a calendar crawled to its end is no trap",
			urls: calendar, edges: calEdges},
		{name: "URLs the URL cap stopped are no trap",
			urls: append(append([]store.URL(nil), calendar...), notRequested("/cal/2015/06", store.NotRequestedMaxURLs)), edges: calEdges},
	})
}

func TestRuleSessionIDInURL(t *testing.T) {
	t.Parallel()
	testRule(t, SessionIDInURL, []ruleCase{
		{name: "jsessionid in a path parameter",
			urls:  []store.URL{htmlPage("/"), htmlPage("/cart;jsessionid=A1B2C3D4"), htmlPage("/shoes;jsessionid=A1B2C3D4")},
			edges: []string{"/ link /cart;jsessionid=A1B2C3D4", "/ link /shoes;jsessionid=A1B2C3D4"},
			want:  []string{"warning /cart;jsessionid=A1B2C3D4 [/]"},
			says:  []string{`session ID "jsessionid" in a path parameter (;jsessionid=) on 2 URLs`, "2 URL patterns: /cart;jsessionid, /shoes;jsessionid", "linked from / (1 page)"}},
		{name: "a random value that changes for one path, whatever its name",
			urls:  []store.URL{htmlPage("/"), htmlPage("/p?k=8f14e45fceea167a5a36"), htmlPage("/p?k=9a2b3c4d5e6f7a8b9c0d")},
			edges: []string{"/ link /p?k=8f14e45fceea167a5a36", "/p?k=8f14e45fceea167a5a36 link /p?k=9a2b3c4d5e6f7a8b9c0d"},
			want:  []string{"warning /p?k=8f14e45fceea167a5a36 [/]"},
			says:  []string{`session ID "k" in a query parameter on 2 URLs`}},
		{name: "random values once per path are IDs of things, and a search is a search",
			urls: []store.URL{htmlPage("/"), htmlPage("/p?k=8f14e45fceea167a5a36"), htmlPage("/q?k=9a2b3c4d5e6f7a8b9c0d"), htmlPage("/search?q=shoes")}},
	})
}

func TestRuleFacetedNavigation(t *testing.T) {
	t.Parallel()
	shoes := []store.URL{htmlPage("/"), htmlPage("/shoes")}
	var edges []string
	for _, q := range []string{"color=red", "color=blue", "size=9", "size=10", "color=red&size=9", "color=blue&size=9", "color=red&size=10",
		"color=red&sort=price", "sort=price", "sort=name"} {
		shoes = append(shoes, htmlPage("/shoes?"+q))
		edges = append(edges, "/shoes link /shoes?"+q)
	}
	testRule(t, FacetedNavigation, []ruleCase{
		{name: "one path, many combinations of filters",
			urls: shoes, edges: append(edges, "/ link /shoes"),
			want: []string{"notice /shoes?color=blue [/shoes]"},
			says: []string{"faceted navigation at /shoes: 10 URLs with parameters in 5 combinations of color, size, sort",
				"combining the values seen makes 26 URLs", "linked from /shoes (1 page, its own pages)"}},
		{name: "the same parameters in another order",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a?x=1&y=2"), htmlPage("/a?y=2&x=1")},
			edges: []string{"/ link /a?x=1&y=2", "/ link /a?y=2&x=1"},
			want:  []string{"notice /a?x=1&y=2 [/]"},
			says:  []string{"1 URL has the same parameters as another in a different order (/a?x=1&y=2 and /a?y=2&x=1: one page at two URLs)"}},
		{name: "pagination alone is no facet",
			urls: func() []store.URL {
				out := []store.URL{htmlPage("/list")}
				for i := 1; i <= 20; i++ {
					out = append(out, htmlPage(fmt.Sprintf("/list?page=%d", i)))
				}
				return out
			}()},
	})
}

func TestRuleIneffectiveParameter(t *testing.T) {
	t.Parallel()
	const a, b, c = "00000000000000aa", "00000000000000bb", "00000000000000cc"
	testRule(t, IneffectiveParameter, []ruleCase{
		{name: "sort changes nothing, color does",
			urls: []store.URL{textPage("/shoes", a), textPage("/shoes?sort=price", a), textPage("/shoes?sort=name", a),
				textPage("/shoes?color=red", b), textPage("/shoes?color=red&sort=price", b)},
			edges: []string{"/shoes link /shoes?color=red&sort=price", "/shoes?color=red link /shoes?color=red&sort=price"},
			want:  []string{"notice /shoes?color=red&sort=price [/shoes /shoes?color=red]"},
			says:  []string{`parameter "sort" changes nothing at /shoes: in 2 groups`, "linked from /shoes (2 pages, its own pages)"}},
		{name: "a view that changes the text is no duplicate",
			urls: []store.URL{textPage("/p?view=grid", a), textPage("/p?view=list", b), textPage("/p?view=table", c)}},
		{name: "one URL of a parameter compares with nothing",
			urls: []store.URL{textPage("/p?view=grid", a), textPage("/q", a)}},
	})
}
