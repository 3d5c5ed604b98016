package audit

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// This file holds the per-rule tests of the status rules (rules_status.go)
// and the table helper that the sitemap and auth rule tests share.
// TestCatalogueCoversEveryRuleUsed (catalogue_test.go) requires a
// TestRule<Name> here for every rule, Name being the rule's constant.

// ruleCase is one fixture of a rule's table: a minimal crawl and the
// findings of the rule under test it must give.
type ruleCase struct {
	name     string
	settings map[string]string // the crawl's Meta.Settings; nil for none
	urls     []store.URL
	edges    []string // "from type to", as build takes them
	// want lists the rule's findings as "severity url [referrers]"; empty
	// for a near miss, where the rule must not fire.
	want []string
	// says lists phrases every finding's message must hold.
	says []string
}

// testRule runs each case through the audit (runBoth, so that the inbound
// pre-filter check covers every fixture) and compares the findings of rule
// with the case's want. Every finding must carry the rule's fix. A table
// must hold at least one case where the rule fires and one where it must
// not.
func testRule(t *testing.T, rule string, cases []ruleCase) {
	t.Helper()
	r, ok := Lookup(rule)
	if !ok {
		t.Fatalf("rule %s is not in the catalogue", rule)
	}
	fires, quiet := false, false
	for _, c := range cases {
		fires = fires || len(c.want) > 0
		quiet = quiet || len(c.want) == 0
	}
	if !fires || !quiet {
		t.Errorf("rule %s: the table needs a case where the rule fires (has one: %v) and a near miss where it must not (has one: %v)", rule, fires, quiet)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := build(t, c.urls, c.edges...)
			if c.settings != nil {
				if err := st.SetMeta(store.Meta{Settings: c.settings}); err != nil {
					t.Fatal(err)
				}
			}
			fs, err := runBoth(t, st)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				if f.Rule != rule {
					continue
				}
				got = append(got, fmt.Sprintf("%s %s %v", f.Severity, f.URL, f.Referrers))
				if f.Fix != r.Fix {
					t.Errorf("finding on %s: Fix = %q, want the rule's %q", f.URL, f.Fix, r.Fix)
				}
				for _, s := range c.says {
					if !strings.Contains(f.Message, s) {
						t.Errorf("finding on %s: message %q lacks %q", f.URL, f.Message, s)
					}
				}
			}
			want := append([]string(nil), c.want...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s findings:\n got %q\nwant %q", rule, got, want)
			}
		})
	}
}

// htmlPage is a 200 HTML page of the site.
func htmlPage(u string) store.URL {
	return store.URL{URL: u, Status: 200, Kind: store.KindPage, ContentType: "text/html"}
}

// externalNote is what a finding of an ExternalNotice rule on an external
// URL adds to its message.
const externalNote = "(external URL: many sites block unknown bots"

const cfChallenge = "cf-mitigated: challenge"

func TestRuleUnauthorizedLinkedPage(t *testing.T) {
	t.Parallel()
	basic := []string{`Basic realm="members"`}
	members := store.URL{URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: basic}
	testRule(t, UnauthorizedLinkedPage, []ruleCase{
		{name: "401 linked from a public page names it",
			urls:  []store.URL{htmlPage("/"), members},
			edges: []string{"/ link /m"},
			want:  []string{"warning /m [/]"},
			says:  []string{"401 Unauthorized (not logged in) on a URL that 1 public page", "search engines crawl without credentials"}},
		{name: "401 linked from two public pages and an error page names the public ones",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a"), page("/x", 404), members},
			edges: []string{"/ link /m", "/a link /m", "/x link /m"},
			want:  []string{"warning /m [/ /a]"},
			says:  []string{"2 public pages link to"}},
		{name: "401 to a request with credentials is still unreachable from the public link",
			urls:  []store.URL{htmlPage("/"), {URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: basic, Credentials: store.CredentialsSent}},
			edges: []string{"/ link /m"},
			want:  []string{"warning /m [/]"}},
		{name: "external 401 is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/p", Status: 401, Kind: store.KindExternal, WWWAuthenticate: basic}},
			edges: []string{"/ link https://ext.test/p"},
			want:  []string{"notice https://ext.test/p [/]"},
			says:  []string{externalNote}},
		{name: "401 linked only from a page that is itself an error is not publicly linked",
			urls:  []store.URL{page("/x", 404), members},
			edges: []string{"/x link /m"}},
		{name: "401 linked only from a page that answered 200 only with credentials is not publicly linked",
			urls:  []store.URL{{URL: "/area", Status: 200, Kind: store.KindPage, Credentials: store.CredentialsSent, AnonymousStatus: 401}, members},
			edges: []string{"/area link /m"}},
		{name: "401 linked only from a URL without a record is not publicly linked",
			urls:  []store.URL{members},
			edges: []string{"/unknown link /m"}},
		{name: "401 only used as an asset is not a linked page",
			urls:  []store.URL{htmlPage("/"), members},
			edges: []string{"/ asset /m"}},
		{name: "401 only listed in a sitemap is not a linked page",
			urls:  []store.URL{{URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1}, {URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: basic, InSitemap: true}},
			edges: []string{"/sitemap.xml sitemap /m"}},
		{name: "401 that only links to itself is not linked",
			urls:  []store.URL{members},
			edges: []string{"/m link /m"}},
	})
}

func TestRuleForbiddenLinkedPage(t *testing.T) {
	t.Parallel()
	forbidden := page("/f", 403)
	testRule(t, ForbiddenLinkedPage, []ruleCase{
		{name: "403 linked from a public page names it",
			urls:  []store.URL{htmlPage("/"), forbidden},
			edges: []string{"/ link /f"},
			want:  []string{"warning /f [/]"},
			says:  []string{"403 Forbidden (not allowed in) on a URL that 1 public page"}},
		{name: "external 403 is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/p", Status: 403, Kind: store.KindExternal}},
			edges: []string{"/ link https://ext.test/p"},
			want:  []string{"notice https://ext.test/p [/]"},
			says:  []string{externalNote}},
		{name: "bot-check 403 is bot-protection, not forbidden-linked-page",
			urls:  []store.URL{htmlPage("/"), {URL: "/f", Status: 403, Kind: store.KindPage, BotCheck: cfChallenge}},
			edges: []string{"/ link /f"}},
		{name: "403 reached only through a redirect is not linked",
			urls:  []store.URL{htmlPage("/"), {URL: "/r", Status: 301, Kind: store.KindPage, Redirect: "/f"}, forbidden},
			edges: []string{"/ link /r", "/r redirect /f"}},
		{name: "403 linked only from a page that answered 200 only with credentials is not publicly linked",
			urls:  []store.URL{{URL: "/area", Status: 200, Kind: store.KindPage, Credentials: store.CredentialsSent, AnonymousStatus: 403}, forbidden},
			edges: []string{"/area link /f"}},
		{name: "robots.txt answering 403 is robots-unavailable, not a forbidden page",
			urls:  []store.URL{htmlPage("/"), {URL: "/robots.txt", Status: 403, Kind: store.KindRobots}},
			edges: []string{"/ link /robots.txt"}},
		{name: "403 only used as an asset is not a linked page",
			urls:  []store.URL{htmlPage("/"), forbidden},
			edges: []string{"/ asset /f"}},
	})
}

func TestRuleUnauthorizedAsset(t *testing.T) {
	t.Parallel()
	img := store.URL{URL: "/i.png", Status: 401, Kind: store.KindAsset, WWWAuthenticate: []string{`Basic realm="img"`}}
	testRule(t, UnauthorizedAsset, []ruleCase{
		{name: "401 image used by a public page names it",
			urls:  []store.URL{htmlPage("/"), img},
			edges: []string{"/ asset /i.png"},
			want:  []string{"error /i.png [/]"},
			says:  []string{"401 Unauthorized (not logged in) on an asset that 1 public page", "cannot render it fully"}},
		{name: "401 image used by a page and by a public stylesheet names both",
			urls:  []store.URL{htmlPage("/"), {URL: "/s.css", Status: 200, Kind: store.KindAsset, ContentType: "text/css"}, img},
			edges: []string{"/ asset /s.css", "/s.css asset /i.png", "/ asset /i.png"},
			want:  []string{"error /i.png [/ /s.css]"},
			says:  []string{"2 public pages use", "cannot render them fully"}},
		{name: "external 401 asset is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://cdn.test/a.js", Status: 401, Kind: store.KindExternal, WWWAuthenticate: []string{"Basic"}}},
			edges: []string{"/ asset https://cdn.test/a.js"},
			want:  []string{"notice https://cdn.test/a.js [/]"},
			says:  []string{externalNote}},
		{name: "401 asset used only by a page that answers 500 is not on a public page",
			urls:  []store.URL{page("/broken", 500), img},
			edges: []string{"/broken asset /i.png"}},
		{name: "401 linked, not used, is no asset finding",
			urls:  []store.URL{htmlPage("/"), img},
			edges: []string{"/ link /i.png"}},
	})
}

func TestRuleForbiddenAsset(t *testing.T) {
	t.Parallel()
	img := store.URL{URL: "/i.png", Status: 403, Kind: store.KindAsset}
	testRule(t, ForbiddenAsset, []ruleCase{
		{name: "403 image used by a public page names it",
			urls:  []store.URL{htmlPage("/"), img},
			edges: []string{"/ asset /i.png"},
			want:  []string{"error /i.png [/]"},
			says:  []string{"403 Forbidden (not allowed in) on an asset that 1 public page"}},
		{name: "external 403 asset is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://cdn.test/a.js", Status: 403, Kind: store.KindExternal}},
			edges: []string{"/ asset https://cdn.test/a.js"},
			want:  []string{"notice https://cdn.test/a.js [/]"},
			says:  []string{externalNote}},
		{name: "bot-check 403 asset is bot-protection, not forbidden-asset",
			urls:  []store.URL{htmlPage("/"), {URL: "/i.png", Status: 403, Kind: store.KindAsset, BotCheck: cfChallenge}},
			edges: []string{"/ asset /i.png"}},
		{name: "403 asset used only by a page that is itself 403 is not on a public page",
			urls:  []store.URL{page("/private", 403), img},
			edges: []string{"/private asset /i.png"}},
		{name: "403 asset nothing uses",
			urls: []store.URL{htmlPage("/"), img}},
	})
}

func TestRuleMissingWWWAuthenticate(t *testing.T) {
	t.Parallel()
	bare := store.URL{URL: "/m", Status: 401, Kind: store.KindPage}
	testRule(t, MissingWWWAuthenticate, []ruleCase{
		{name: "401 without a challenge is reported even when nothing links to it",
			urls: []store.URL{{URL: "/m", Status: 401, Kind: store.KindPage, Start: true}},
			want: []string{"error /m []"},
			says: []string{"401 without a WWW-Authenticate header", "RFC 9110"}},
		{name: "linked and redirected to: the linking page is the referrer",
			urls:  []store.URL{htmlPage("/"), {URL: "/r", Status: 302, Kind: store.KindPage, Redirect: "/m"}, bare},
			edges: []string{"/ link /m", "/r redirect /m"},
			want:  []string{"error /m [/]"}},
		{name: "reached only through a redirect: the redirecting URL is the referrer",
			urls:  []store.URL{htmlPage("/"), {URL: "/r", Status: 302, Kind: store.KindPage, Redirect: "/m"}, bare},
			edges: []string{"/ link /r", "/r redirect /m"},
			want:  []string{"error /m [/r]"}},
		{name: "external 401 without a challenge is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/m", Status: 401, Kind: store.KindExternal}},
			edges: []string{"/ link https://ext.test/m"},
			want:  []string{"notice https://ext.test/m [/]"},
			says:  []string{externalNote}},
		{name: "401 with a challenge",
			urls:  []store.URL{htmlPage("/"), {URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{`Bearer realm="api"`}}},
			edges: []string{"/ link /m"}},
		{name: "403 without a challenge",
			urls:  []store.URL{htmlPage("/"), page("/m", 403)},
			edges: []string{"/ link /m"}},
		{name: "robots.txt answering 401 without a challenge is robots-unavailable only",
			urls: []store.URL{{URL: "/robots.txt", Status: 401, Kind: store.KindRobots}}},
		{name: "sitemap answering 401 without a challenge is sitemap-unavailable only",
			urls:  []store.URL{{URL: "/robots.txt", Status: 200, Kind: store.KindRobots}, {URL: "/sitemap.xml", Status: 401, Kind: store.KindSitemap}},
			edges: []string{"/robots.txt robots /sitemap.xml"}},
	})
}

func TestRuleBrokenLink(t *testing.T) {
	t.Parallel()
	testRule(t, BrokenLink, []ruleCase{
		{name: "404 linked from a page",
			urls:  []store.URL{htmlPage("/"), page("/nf", 404)},
			edges: []string{"/ link /nf"},
			want:  []string{"error /nf [/]"},
			says:  []string{"404 Not Found, linked or used by 1 URL"}},
		{name: "410 used as an asset by two pages",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a"), page("/gone.png", 410)},
			edges: []string{"/ asset /gone.png", "/a asset /gone.png"},
			want:  []string{"error /gone.png [/ /a]"},
			says:  []string{"410 Gone, linked or used by 2 URLs"}},
		{name: "404 reached only through a redirect names the redirecting URL",
			urls:  []store.URL{htmlPage("/"), {URL: "/old", Status: 301, Kind: store.KindPage, Redirect: "/nf"}, page("/nf", 404)},
			edges: []string{"/ link /old", "/old redirect /nf"},
			want:  []string{"error /nf [/old]"}},
		{name: "listed 404 that a page links to is broken-link too, naming the page (the sitemap is not a link)",
			urls:  []store.URL{htmlPage("/"), {URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1}, {URL: "/nf", Status: 404, Kind: store.KindPage, InSitemap: true}},
			edges: []string{"/ link /nf", "/sitemap.xml sitemap /nf"},
			want:  []string{"error /nf [/]"}},
		{name: "a stale sitemap entry nothing links to is not broken-link (sitemap-url-not-indexable says it)",
			urls:  []store.URL{{URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1}, {URL: "/nf", Status: 404, Kind: store.KindPage, InSitemap: true}},
			edges: []string{"/sitemap.xml sitemap /nf"}},
		{name: "external 404 is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/nf", Status: 404, Kind: store.KindExternal}},
			edges: []string{"/ link https://ext.test/nf"},
			want:  []string{"notice https://ext.test/nf [/]"},
			says:  []string{externalNote}},
		{name: "404 with no referrer",
			urls: []store.URL{htmlPage("/"), page("/nf", 404)}},
		{name: "404 that only links to itself has no referrer",
			urls:  []store.URL{page("/nf", 404)},
			edges: []string{"/nf link /nf"}},
		{name: "404 sitemap is sitemap-unavailable, not broken-link",
			urls:  []store.URL{{URL: "/robots.txt", Status: 200, Kind: store.KindRobots}, {URL: "/sitemap.xml", Status: 404, Kind: store.KindSitemap}},
			edges: []string{"/robots.txt robots /sitemap.xml"}},
		{name: "other 4xx (400) is not broken-link",
			urls:  []store.URL{htmlPage("/"), page("/bad", 400)},
			edges: []string{"/ link /bad"}},
	})
}

func TestRuleServerError(t *testing.T) {
	t.Parallel()
	testRule(t, ServerError, []ruleCase{
		{name: "500 linked from a page",
			urls:  []store.URL{htmlPage("/"), page("/e", 500)},
			edges: []string{"/ link /e"},
			want:  []string{"error /e [/]"},
			says:  []string{"500 Internal Server Error: the server failed"}},
		{name: "503 is reported even when nothing links to it",
			urls: []store.URL{{URL: "/", Status: 503, Kind: store.KindPage, Start: true}},
			want: []string{"error / []"},
			says: []string{"503 Service Unavailable"}},
		{name: "external 502 is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/", Status: 502, Kind: store.KindExternal}},
			edges: []string{"/ link https://ext.test/"},
			want:  []string{"notice https://ext.test/ [/]"},
			says:  []string{"502 Bad Gateway", externalNote}},
		{name: "bot-check 503 is bot-protection, not server-error",
			urls:  []store.URL{htmlPage("/"), {URL: "/shop", Status: 503, Kind: store.KindPage, BotCheck: cfChallenge}},
			edges: []string{"/ link /shop"}},
		{name: "sitemap answering 500 is sitemap-unavailable, not server-error",
			urls:  []store.URL{{URL: "/robots.txt", Status: 200, Kind: store.KindRobots}, {URL: "/sitemap.xml", Status: 500, Kind: store.KindSitemap}},
			edges: []string{"/robots.txt robots /sitemap.xml"}},
		{name: "robots.txt answering 503 is robots-unavailable, not server-error",
			urls: []store.URL{{URL: "/robots.txt", Status: 503, Kind: store.KindRobots}}},
		{name: "4xx is not a server error",
			urls:  []store.URL{htmlPage("/"), page("/t", 429)},
			edges: []string{"/ link /t"}},
	})
}

func TestRuleRedirectChain(t *testing.T) {
	t.Parallel()
	redir := func(from string, status int, to string) store.URL {
		return store.URL{URL: from, Status: status, Kind: store.KindPage, Redirect: to}
	}
	testRule(t, RedirectChain, []ruleCase{
		{name: "two hops from a linked URL",
			urls:  []store.URL{htmlPage("/"), redir("/a", 301, "/b"), redir("/b", 302, "/c"), htmlPage("/c")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /c"},
			want:  []string{"warning /a [/]"},
			says:  []string{"2 redirect hops before the final answer: /a → /b → /c (final answer 200)"}},
		{name: "a chain is reported on its entry only, not on its hops",
			urls:  []store.URL{htmlPage("/"), redir("/a", 301, "/b"), redir("/b", 301, "/c"), redir("/c", 301, "/d"), htmlPage("/d")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /c", "/c redirect /d"},
			want:  []string{"warning /a [/]"},
			says:  []string{"3 redirect hops"}},
		{name: "a hop that a page also links to is an entry of its own",
			urls:  []store.URL{htmlPage("/"), redir("/a", 301, "/b"), redir("/b", 301, "/c"), redir("/c", 301, "/d"), htmlPage("/d")},
			edges: []string{"/ link /a", "/ link /b", "/a redirect /b", "/b redirect /c", "/c redirect /d"},
			want:  []string{"warning /a [/]", "warning /b [/]"}},
		{name: "the start URL is an entry without referrers",
			urls:  []store.URL{{URL: "/a", Status: 301, Kind: store.KindPage, Redirect: "/b", Start: true}, redir("/b", 301, "/c"), htmlPage("/c")},
			edges: []string{"/a redirect /b", "/b redirect /c"},
			want:  []string{"warning /a []"}},
		{name: "a chain going on to a URL without a record has no answer recorded",
			urls:  []store.URL{htmlPage("/"), redir("/a", 301, "/b"), redir("/b", 301, "/x")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /x"},
			want:  []string{"warning /a [/]"},
			says:  []string{"/a → /b → /x (no answer recorded)"}},
		{name: "a last hop without a usable Location is not followed further",
			urls: []store.URL{htmlPage("/"), redir("/a", 301, "/b"), redir("/b", 301, "/c"),
				{URL: "/c", Status: 302, Kind: store.KindPage, Error: "bad redirect: no Location", ErrorKind: store.ErrorRedirectBad}},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /c"},
			want:  []string{"warning /a [/]"},
			says:  []string{"(chain not followed further (bad redirect: no Location))"}},
		{name: "external chain is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://e.test/a", Status: 301, Kind: store.KindExternal, Redirect: "https://e.test/b"}, {URL: "https://e.test/b", Status: 301, Kind: store.KindExternal, Redirect: "https://e.test/c"}, {URL: "https://e.test/c", Status: 200, Kind: store.KindExternal}},
			edges: []string{"/ link https://e.test/a", "https://e.test/a redirect https://e.test/b", "https://e.test/b redirect https://e.test/c"},
			want:  []string{"notice https://e.test/a [/]"},
			says:  []string{externalNote}},
		{name: "one hop is no chain",
			urls:  []store.URL{htmlPage("/"), redir("/a", 301, "/c"), htmlPage("/c")},
			edges: []string{"/ link /a", "/a redirect /c"}},
		{name: "a redirect hop that is not an entry is not judged",
			urls:  []store.URL{redir("/x", 301, "/b"), redir("/b", 301, "/c"), redir("/c", 301, "/d"), htmlPage("/d")},
			edges: []string{"/x redirect /b", "/b redirect /c", "/c redirect /d"}},
		{name: "a loop is redirect-loop, not redirect-chain",
			urls:  []store.URL{htmlPage("/"), redir("/a", 302, "/b"), redir("/b", 302, "/c"), redir("/c", 302, "/a")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /c", "/c redirect /a"}},
	})
}

func TestRuleRedirectLoop(t *testing.T) {
	t.Parallel()
	redir := func(from, to string) store.URL {
		return store.URL{URL: from, Status: 302, Kind: store.KindPage, Redirect: to}
	}
	testRule(t, RedirectLoop, []ruleCase{
		{name: "two-URL loop reported on the linked entry only",
			urls:  []store.URL{htmlPage("/"), redir("/a", "/b"), redir("/b", "/a")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /a"},
			want:  []string{"error /a [/]"},
			says:  []string{"redirect loop: /a → /b → /a"}},
		{name: "a URL redirecting to itself",
			urls:  []store.URL{htmlPage("/"), redir("/a", "/a")},
			edges: []string{"/ link /a", "/a redirect /a"},
			want:  []string{"error /a [/]"},
			says:  []string{"redirect loop: /a → /a"}},
		{name: "a linked URL leading into a loop is reported, the loop's hops are not",
			urls:  []store.URL{htmlPage("/"), redir("/x", "/a"), redir("/a", "/b"), redir("/b", "/a")},
			edges: []string{"/ link /x", "/x redirect /a", "/a redirect /b", "/b redirect /a"},
			want:  []string{"error /x [/]"},
			says:  []string{"redirect loop: /x → /a → /b → /a"}},
		{name: "external loop is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://e.test/a", Status: 302, Kind: store.KindExternal, Redirect: "https://e.test/a"}},
			edges: []string{"/ link https://e.test/a", "https://e.test/a redirect https://e.test/a"},
			want:  []string{"notice https://e.test/a [/]"},
			says:  []string{externalNote}},
		{name: "a chain that ends in 200 is no loop",
			urls:  []store.URL{htmlPage("/"), redir("/a", "/b"), redir("/b", "/c"), htmlPage("/c")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /c"}},
		{name: "a loop nothing enters is not judged",
			urls:  []store.URL{htmlPage("/"), redir("/a", "/b"), redir("/b", "/a")},
			edges: []string{"/a redirect /b", "/b redirect /a"}},
	})
}

func TestRuleFetchError(t *testing.T) {
	t.Parallel()
	testRule(t, FetchError, []ruleCase{
		{name: "refused connection linked from a page",
			urls:  []store.URL{htmlPage("/"), {URL: "/x", Kind: store.KindPage, Error: "connection refused", ErrorKind: store.ErrorRefused}},
			edges: []string{"/ link /x"},
			want:  []string{"warning /x [/]"},
			says:  []string{"no HTTP answer: connection refused"}},
		{name: "timeout reported even when nothing links to it",
			urls: []store.URL{{URL: "/", Kind: store.KindPage, Start: true, Error: "timeout: no complete answer within 15s", ErrorKind: store.ErrorTimeout}},
			want: []string{"warning / []"}},
		{name: "external URL without an answer is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://gone.test/", Kind: store.KindExternal, Error: "dns: no such host", ErrorKind: store.ErrorDNS}},
			edges: []string{"/ link https://gone.test/"},
			want:  []string{"notice https://gone.test/ [/]"},
			says:  []string{externalNote}},
		{name: "URL blocked by robots.txt was not requested",
			urls:  []store.URL{htmlPage("/"), {URL: "/b", Kind: store.KindPage, BlockedByRobots: true, RobotsDisallowed: true}},
			edges: []string{"/ link /b"}},
		{name: "status 0 without an error is not a fetch error",
			urls:  []store.URL{htmlPage("/"), {URL: "/later", Kind: store.KindPage}},
			edges: []string{"/ link /later"}},
		{name: "robots.txt without an answer is robots-unavailable, not fetch-error",
			urls: []store.URL{{URL: "/robots.txt", Kind: store.KindRobots, Error: "connection reset", ErrorKind: store.ErrorReset}}},
		{name: "sitemap without an answer is sitemap-unavailable, not fetch-error",
			urls:  []store.URL{{URL: "/robots.txt", Status: 200, Kind: store.KindRobots}, {URL: "/sitemap.xml", Kind: store.KindSitemap, Error: "timeout", ErrorKind: store.ErrorTimeout}},
			edges: []string{"/robots.txt robots /sitemap.xml"}},
	})
}

func TestRuleSoftNotFound(t *testing.T) {
	t.Parallel()
	soft := func(u, ct, title string) store.URL {
		return store.URL{URL: u, Status: 200, Kind: store.KindPage, ContentType: ct, Title: title}
	}
	testRule(t, SoftNotFound, []ruleCase{
		{name: "200 HTML page titled not found",
			urls:  []store.URL{htmlPage("/"), soft("/gone", "text/html; charset=utf-8", "Page not found | Shop")},
			edges: []string{"/ link /gone"},
			want:  []string{"warning /gone [/]"},
			says:  []string{`its title "Page not found | Shop" says the page was not found`}},
		{name: "reported even when nothing links to it",
			urls: []store.URL{soft("/gone", "text/html", "404 Not Found")},
			want: []string{"warning /gone []"}},
		{name: "XHTML page titled Error 404",
			urls:  []store.URL{htmlPage("/"), soft("/x", "application/xhtml+xml", "Error 404 - Example")},
			edges: []string{"/ link /x"},
			want:  []string{"warning /x [/]"}},
		{name: "title that only mentions 404",
			urls:  []store.URL{htmlPage("/"), soft("/blog/fix-404", "text/html", "How to fix 404 errors")},
			edges: []string{"/ link /blog/fix-404"}},
		{name: "a real 404 is broken-link, not soft-404",
			urls:  []store.URL{htmlPage("/"), {URL: "/nf", Status: 404, Kind: store.KindPage, ContentType: "text/html", Title: "404 Not Found"}},
			edges: []string{"/ link /nf"}},
		{name: "plain-text answer",
			urls:  []store.URL{htmlPage("/"), soft("/404.txt", "text/plain", "404")},
			edges: []string{"/ link /404.txt"}},
		{name: "asset",
			urls:  []store.URL{htmlPage("/"), {URL: "/img/404.png", Status: 200, Kind: store.KindAsset, ContentType: "image/png", Title: "404"}},
			edges: []string{"/ asset /img/404.png"}},
		{name: "external page",
			urls:  []store.URL{htmlPage("/"), {URL: "https://other.test/", Status: 200, Kind: store.KindExternal, ContentType: "text/html", Title: "404 Not Found"}},
			edges: []string{"/ link https://other.test/"}},
	})
}
