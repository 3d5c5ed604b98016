package audit

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// build makes a store from records and edges given as "from type to".
func build(t *testing.T, urls []store.URL, edges ...string) *store.Memory {
	t.Helper()
	st := store.NewMemory()
	for _, u := range urls {
		if err := st.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range edges {
		f := strings.Fields(e)
		typ, tag, _ := strings.Cut(f[1], ":") // "render:xhr": type and tag
		if err := st.AddEdge(store.Edge{From: f[0], Type: store.EdgeType(typ), Tag: tag, To: f[2]}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// run audits st and returns its findings as sorted lines, after checking
// that no rule's inbound conditions hid a finding (checkInboundPrefilter).
func run(t *testing.T, st *store.Memory) []string {
	t.Helper()
	checkInboundPrefilter(t, st)
	fs, err := Run(st)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s %s %v", f.Rule, f.Severity, f.URL, f.Referrers))
	}
	sort.Strings(got)
	return got
}

// manyInbound is the inbound counts of a URL that edges of every type
// point at from many pages.
var manyInbound = store.Inbound{
	Types:   []store.EdgeType{store.EdgeAsset, store.EdgeLink, store.EdgeRedirect, store.EdgeRobots, store.EdgeSitemap},
	Inlinks: 1 << 20, Links: 1 << 20, Refs: 1 << 20,
}

// checkInboundPrefilter runs every rule's Check on every URL of r where
// Applies says no with the URL's inbound counts but yes with many edges of
// every type, and fails on any finding: a rule's inbound conditions may
// only spare the audit the edges of URLs its Check would not report on.
func checkInboundPrefilter(t *testing.T, r store.Reader) {
	t.Helper()
	f, err := scanFacts(r)
	if err != nil {
		t.Fatal(err)
	}
	l := &lookup{r: r, records: map[string]*store.URL{}, public: map[string]bool{}}
	err = r.EachURLInbound(func(u store.URL, in store.Inbound) error {
		edges, err := r.LookupEdgesTo(u.URL)
		if err != nil {
			return err
		}
		for i := range catalogue {
			rule := &catalogue[i]
			if rule.Applies(f, u, in) || !rule.Applies(f, u, manyInbound) {
				continue
			}
			c := &Check{URL: u, In: edges, Facts: f, look: l, rule: rule}
			if err := rule.Check(c); err != nil {
				return err
			}
			if len(c.found) > 0 {
				t.Errorf("rule %s: Applies is false for %s with its inbound counts %+v, but Check reports %+v", rule.ID, u.URL, in, c.found)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func listedPage(u string) store.URL {
	return store.URL{URL: u, Status: 200, Kind: store.KindPage, ContentType: "text/html", InSitemap: true}
}

func page(u string, status int) store.URL {
	return store.URL{URL: u, Status: status, Kind: store.KindPage}
}

func TestRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		urls  []store.URL
		edges []string
		want  []string
	}{
		{"401 linked from a public page, with challenge",
			[]store.URL{page("/", 200), {URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{`Basic realm="m"`}}},
			[]string{"/ link /m"},
			[]string{"unauthorized-linked-page warning /m [/]"}},
		{"401 linked only from a page that is itself an error is not a public link",
			[]store.URL{page("/x", 404), {URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{"Basic"}}},
			[]string{"/x link /m"},
			nil},
		{"401 without challenge is a protocol error even when unlinked",
			[]store.URL{{URL: "/m", Status: 401, Kind: store.KindPage, Start: true}},
			nil,
			[]string{"missing-www-authenticate error /m []"}},
		{"403 asset used by a page and by a public stylesheet",
			[]store.URL{page("/", 200), {URL: "/s.css", Status: 200, Kind: store.KindAsset}, {URL: "/i.png", Status: 403, Kind: store.KindAsset}},
			[]string{"/ asset /s.css", "/s.css asset /i.png", "/ asset /i.png"},
			[]string{"forbidden-asset error /i.png [/ /s.css]"}},
		{"external 403 and refused are notices",
			[]store.URL{page("/", 200), {URL: "http://ext/p", Status: 403, Kind: store.KindExternal}, {URL: "http://ext/q", Kind: store.KindExternal, Error: "refused"}},
			[]string{"/ link http://ext/p", "/ link http://ext/q"},
			[]string{"fetch-error notice http://ext/q [/]", "forbidden-linked-page notice http://ext/p [/]"}},
		{"robots-blocked URLs have no status finding",
			[]store.URL{page("/", 200), {URL: "/b", Kind: store.KindPage, BlockedByRobots: true}},
			[]string{"/ link /b"},
			nil},
		{"404 and 410 linked, 404 unlinked",
			[]store.URL{page("/", 200), page("/gone", 410), page("/nf", 404), page("/orphan", 404)},
			[]string{"/ link /gone", "/ asset /nf"},
			[]string{"broken-link error /gone [/]", "broken-link error /nf [/]"}},
		{"server errors whatever links them",
			[]store.URL{page("/", 200), page("/e", 502)},
			[]string{"/ link /e"},
			[]string{"server-error error /e [/]"}},
		{"one hop is no chain; two hops are, reported on the linked URL only",
			[]store.URL{page("/", 200), {URL: "/a", Status: 301, Kind: store.KindPage, Redirect: "/b"}, {URL: "/b", Status: 302, Kind: store.KindPage, Redirect: "/c"}, page("/c", 200),
				{URL: "/one", Status: 301, Kind: store.KindPage, Redirect: "/c"}},
			[]string{"/ link /a", "/a redirect /b", "/b redirect /c", "/ link /one", "/one redirect /c"},
			[]string{"redirect-chain warning /a [/]"}},
		{"loop reported on each linked entry, not on hops",
			[]store.URL{page("/", 200), {URL: "/a", Status: 302, Kind: store.KindPage, Redirect: "/b"}, {URL: "/b", Status: 302, Kind: store.KindPage, Redirect: "/a"}},
			[]string{"/ link /a", "/a redirect /b", "/b redirect /a"},
			[]string{"redirect-loop error /a [/]"}},
		{"sitemap-listed pages: a linked one is fine, an unlinked one is an orphan",
			[]store.URL{page("/", 200), listedPage("/a"), listedPage("/b"), {URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 2}},
			[]string{"/sitemap.xml sitemap /a", "/sitemap.xml sitemap /b", "/ link /a", "/b link /b"},
			[]string{"orphan-sitemap-url notice /b [/sitemap.xml]"}},
		{"self-link is not a referrer",
			[]store.URL{page("/", 200), page("/e", 500)},
			[]string{"/e link /e", "/ link /e"},
			[]string{"server-error error /e [/]"}}, {"soft 404: a 200 HTML page titled not found; not for a title that only mentions 404, an asset or an external page",
			[]store.URL{page("/", 200),
				{URL: "/gone", Status: 200, Kind: store.KindPage, ContentType: "text/html", Title: "Page not found | Shop"},
				{URL: "/blog/fix-404", Status: 200, Kind: store.KindPage, ContentType: "text/html", Title: "How to fix 404 errors"},
				{URL: "/404.txt", Status: 200, Kind: store.KindPage, ContentType: "text/plain", Title: "404"},
				{URL: "/img/404.png", Status: 200, Kind: store.KindAsset, ContentType: "image/png", Title: "404"},
				{URL: "https://other.test/", Status: 200, Kind: store.KindExternal, ContentType: "text/html", Title: "404 Not Found"}},
			[]string{"/ link /gone", "/ link /blog/fix-404", "/ link /404.txt", "/ asset /img/404.png", "/ link https://other.test/"},
			[]string{"soft-404 warning /gone [/]"}},
		{"soft 404 listed in a sitemap: not indexable there either",
			[]store.URL{page("/", 200), {URL: "/gone", Status: 200, Kind: store.KindPage, ContentType: "text/html", Title: "Error 404", InSitemap: true},
				{URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1}},
			[]string{"/sitemap.xml sitemap /gone", "/ link /gone"},
			[]string{"sitemap-url-not-indexable warning /gone [/sitemap.xml]", "soft-404 warning /gone [/ /sitemap.xml]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := run(t, build(t, c.urls, c.edges...))
			sort.Strings(c.want)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("findings:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// runBoth is Run, after checking the rules' inbound conditions
// (checkInboundPrefilter).
func runBoth(t *testing.T, r store.Reader) ([]store.Finding, error) {
	t.Helper()
	checkInboundPrefilter(t, r)
	return Run(r)
}
