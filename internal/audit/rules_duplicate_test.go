package audit

import (
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// This file holds the per-rule tests of the duplicate-content rules
// (rules_duplicate.go). The records carry their clusters, as
// analysis.Clusters stored them after the crawl.

// member is a 200 HTML page of the duplicate cluster whose page to keep is
// head; canonical is its rel=canonical ("" for none).
func member(u, head string, kind store.ClusterKind, canonical string) store.URL {
	p := htmlPage(u)
	p.TextHash, p.Cluster, p.ClusterKind, p.Canonical = "00000000000000aa", head, kind, canonical
	return p
}

func TestRuleDuplicateContent(t *testing.T) {
	t.Parallel()
	exact := store.ClusterExact
	returns := []store.URL{htmlPage("/"), htmlPage("/about"),
		member("/returns.html", "/returns.html", exact, ""), member("/help/returns.html", "/returns.html", exact, ""),
		member("/print/returns.html", "/returns.html", exact, "/print/returns.html")} // self-canonical: no pointer
	edges := []string{"/ link /returns.html", "/about link /returns.html", "/ link /help/returns.html", "/returns.html link /print/returns.html"}
	listed := append([]store.URL(nil), returns...)
	listed[2].InSitemap = true
	testRule(t, DuplicateContent, []ruleCase{
		{name: "copies that do not point at the page to keep: one finding on the first, naming size, patterns, the page to keep and why",
			urls: returns, edges: edges,
			want: []string{"warning /help/returns.html [/]"},
			says: []string{"exact duplicates: 3 pages with the same text, at /help/returns.html, /print/returns.html, /returns.html",
				"2 of them do not point their rel=canonical at /returns.html, the page to keep (linked from 2 pages)",
				"e.g. /help/returns.html, /print/returns.html", "linked from / (1 page), /returns.html (1 page, its own pages)"}},
		{name: "the page to keep listed in a sitemap says so",
			urls: listed, edges: edges,
			want: []string{"warning /help/returns.html [/]"},
			says: []string{"the page to keep (the one listed in a sitemap)"}},
		{name: "one copy left without a canonical: the others' canonicals are the reason",
			urls: []store.URL{member("/gear/boots", "/gear/boots", exact, "/gear/boots"), member("/sale/boots", "/gear/boots", exact, "/gear/boots"),
				member("/collections/boots", "/gear/boots", exact, "")},
			want: []string{"warning /collections/boots []"},
			says: []string{"1 of them does not point", "(1 member points there already)", "linked from no page the crawl saw"}},
		{name: "a cluster whose copies all canonicalise to the page to keep is no waste",
			urls: []store.URL{member("/gear/boots", "/gear/boots", exact, ""), member("/sale/boots", "/gear/boots", exact, "/gear/boots"),
				member("/collections/boots", "/gear/boots", exact, "/gear/boots")}},
		{name: "copies canonicalised elsewhere are handled too",
			urls: []store.URL{member("/a", "/a", exact, ""), member("/b", "/a", exact, "/elsewhere")}},
		{name: "a near-duplicate cluster is the other rule's",
			urls: []store.URL{member("/a", "/a", store.ClusterNear, ""), member("/b", "/a", store.ClusterNear, "")}},
	})
}

func TestRuleNearDuplicateContent(t *testing.T) {
	t.Parallel()
	near := store.ClusterNear
	testRule(t, NearDuplicateContent, []ruleCase{
		{name: "near-duplicates that do not point at the page to keep",
			urls:  []store.URL{htmlPage("/"), member("/care/wax", "/care/wax", near, ""), member("/care/wax-old", "/care/wax", near, ""), member("/care/oil", "/care/wax", near, "/care/wax")},
			edges: []string{"/ link /care/wax", "/ link /care/wax-old"},
			want:  []string{"notice /care/wax-old [/]"},
			says: []string{"near-duplicates: 3 pages whose texts differ in a few words (SimHashes within 3 bits of the page to keep's), at /care/oil, /care/wax, /care/wax-old",
				"1 of them does not point its rel=canonical at /care/wax, the page to keep (1 member points there already)"}},
		{name: "near-duplicates all pointing at the page to keep are no waste",
			urls: []store.URL{member("/care/wax", "/care/wax", near, ""), member("/care/oil", "/care/wax", near, "/care/wax")}},
		{name: "an exact cluster is the other rule's",
			urls: []store.URL{member("/a", "/a", store.ClusterExact, ""), member("/b", "/a", store.ClusterExact, "")}},
	})
}
