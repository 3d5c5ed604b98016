package audit

import (
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Per-rule tests of the sitemap and robots.txt rules (rules_sitemap.go);
// testRule is in rules_status_test.go.

// sitemapAt is a sitemap file that answered 200 and listed n entries, with
// the problems given.
func sitemapAt(u string, n int, problems ...store.SitemapProblem) store.URL {
	return store.URL{URL: u, Status: 200, Kind: store.KindSitemap, SitemapURLs: n, SitemapProblems: problems}
}

// robotsFile is a robots.txt that answered status.
func robotsFile(status int) store.URL {
	return store.URL{URL: "/robots.txt", Status: status, Kind: store.KindRobots}
}

// inSitemap returns u listed in a sitemap.
func inSitemap(u store.URL) store.URL {
	u.InSitemap = true
	return u
}

func TestRuleUnauthorizedSitemapURL(t *testing.T) {
	t.Parallel()
	members := store.URL{URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{`Basic realm="m"`}}
	testRule(t, UnauthorizedSitemapURL, []ruleCase{
		{name: "listed 401 names the sitemap",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(members)},
			edges: []string{"/sitemap.xml sitemap /m"},
			want:  []string{"error /m [/sitemap.xml]"},
			says:  []string{"401 Unauthorized (not logged in) on a URL the sitemap lists"}},
		{name: "listed in two sitemaps and linked: the sitemaps are the referrers",
			urls:  []store.URL{htmlPage("/"), sitemapAt("/sitemap.xml", 1), sitemapAt("/news.xml", 1), inSitemap(members)},
			edges: []string{"/sitemap.xml sitemap /m", "/news.xml sitemap /m", "/ link /m"},
			want:  []string{"error /m [/news.xml /sitemap.xml]"}},
		{name: "linked 401 that no sitemap lists",
			urls:  []store.URL{htmlPage("/"), members},
			edges: []string{"/ link /m"}},
		{name: "listed 403 is forbidden-sitemap-url",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(page("/f", 403))},
			edges: []string{"/sitemap.xml sitemap /f"}},
		{name: "a child sitemap answering 401 is sitemap-unavailable",
			urls:  []store.URL{sitemapAt("/index.xml", 1), {URL: "/child.xml", Status: 401, Kind: store.KindSitemap, InSitemap: true}},
			edges: []string{"/index.xml sitemap /child.xml"}},
	})
}

func TestRuleForbiddenSitemapURL(t *testing.T) {
	t.Parallel()
	testRule(t, ForbiddenSitemapURL, []ruleCase{
		{name: "listed 403 names the sitemap",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(page("/f", 403))},
			edges: []string{"/sitemap.xml sitemap /f"},
			want:  []string{"error /f [/sitemap.xml]"},
			says:  []string{"403 Forbidden (not allowed in) on a URL the sitemap lists"}},
		{name: "linked 403 that no sitemap lists",
			urls:  []store.URL{htmlPage("/"), page("/f", 403)},
			edges: []string{"/ link /f"}},
		{name: "listed 401 is unauthorized-sitemap-url",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(store.URL{URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{"Basic"}})},
			edges: []string{"/sitemap.xml sitemap /m"}},
		{name: "a child sitemap answering 403 is sitemap-unavailable",
			urls:  []store.URL{sitemapAt("/index.xml", 1), {URL: "/child.xml", Status: 403, Kind: store.KindSitemap, InSitemap: true}},
			edges: []string{"/index.xml sitemap /child.xml"}},
	})
}

func TestRuleSitemapUnavailable(t *testing.T) {
	t.Parallel()
	named := func(u store.URL) []store.URL { return []store.URL{robotsFile(200), u} }
	sm := func(status int, err string) store.URL {
		return store.URL{URL: "/sitemap.xml", Status: status, Kind: store.KindSitemap, Error: err}
	}
	viaRobots := []string{"/robots.txt robots /sitemap.xml"}
	testRule(t, SitemapUnavailable, []ruleCase{
		{name: "404 sitemap named by robots.txt",
			urls: named(sm(404, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 404 Not Found: search engines report it as not found"}},
		{name: "410 sitemap",
			urls: named(sm(410, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 410 Gone"}},
		{name: "401 sitemap",
			urls: named(sm(401, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 401 Unauthorized: search engines have no credentials"}},
		{name: "403 sitemap",
			urls: named(sm(403, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 403 Forbidden: search engines are refused"}},
		{name: "503 sitemap",
			urls: named(sm(503, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 503 Service Unavailable: search engines retry later"}},
		{name: "sitemap without an answer",
			urls: named(sm(0, "timeout: no complete answer within 15s")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap got no answer (timeout: no complete answer within 15s)"}},
		{name: "204 sitemap",
			urls: named(sm(204, "")), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 204, not 200"}},
		{name: "a redirect that stopped with an error is judged",
			urls: named(store.URL{URL: "/sitemap.xml", Status: 301, Kind: store.KindSitemap, Redirect: "/s6.xml", Error: "stopped after 5 redirects", ErrorKind: store.ErrorRedirectCap}), edges: viaRobots,
			want: []string{"error /sitemap.xml [/robots.txt]"},
			says: []string{"sitemap answers 301, not 200"}},
		{name: "a child sitemap names the index that lists it",
			urls:  []store.URL{sitemapAt("/index.xml", 1), {URL: "/child.xml", Status: 404, Kind: store.KindSitemap, InSitemap: true}},
			edges: []string{"/index.xml sitemap /child.xml"},
			want:  []string{"error /child.xml [/index.xml]"}},
		{name: "a redirect hop to the sitemap is not judged",
			urls:  []store.URL{robotsFile(200), {URL: "/old.xml", Status: 301, Kind: store.KindSitemap, Redirect: "/sitemap.xml"}, {URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 3}},
			edges: []string{"/robots.txt robots /old.xml", "/old.xml redirect /sitemap.xml"}},
		{name: "200 sitemap",
			urls: named(sitemapAt("/sitemap.xml", 3)), edges: viaRobots},
		{name: "a page answering 404 is not a sitemap",
			urls:  []store.URL{htmlPage("/"), page("/sitemap.html", 404)},
			edges: []string{"/ link /sitemap.html"}},
	})
}

func TestRuleSitemapInvalid(t *testing.T) {
	t.Parallel()
	viaRobots := []string{"/robots.txt robots /sitemap.xml"}
	testRule(t, SitemapInvalid, []ruleCase{
		{name: "unparsable sitemap",
			urls:  []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 0, store.SitemapProblem{Kind: "unparsable", Message: "XML syntax error on line 3"})},
			edges: viaRobots,
			want:  []string{"error /sitemap.xml [/robots.txt]"},
			says:  []string{"sitemap with 1 problem (0 entries read): XML syntax error on line 3"}},
		{name: "an entry that is not an absolute URL is named",
			urls:  []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 2, store.SitemapProblem{Kind: "bad-url", URL: "about/us", Message: "not an absolute URL"})},
			edges: viaRobots,
			want:  []string{"error /sitemap.xml [/robots.txt]"},
			says:  []string{"(2 entries read): about/us: not an absolute URL"}},
		{name: "a read error and the count of problems not kept",
			urls: []store.URL{robotsFile(200), {URL: "/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1, Error: "incomplete answer: connection reset", ErrorKind: store.ErrorReset,
				SitemapProblems: []store.SitemapProblem{{Kind: store.SitemapMore, Message: "120 more problems"}}}},
			edges: viaRobots,
			want:  []string{"error /sitemap.xml [/robots.txt]"},
			says:  []string{"sitemap with 2 problems (1 entry read): 120 more problems; incomplete answer: connection reset"}},
		{name: "a child sitemap in a loop names the index that lists it",
			urls:  []store.URL{sitemapAt("/index.xml", 1), inSitemap(sitemapAt("/child.xml", 1, store.SitemapProblem{Kind: store.SitemapLoop, URL: "/index.xml", Message: "lists an index that led to it"}))},
			edges: []string{"/index.xml sitemap /child.xml"},
			want:  []string{"error /child.xml [/index.xml]"}},
		{name: "a sitemap with only off-host and lastmod problems",
			urls: []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 3,
				store.SitemapProblem{Kind: "off-host", URL: "https://other.test/a", Message: "on another host"},
				store.SitemapProblem{Kind: "bad-lastmod", URL: "/b", Message: "not a W3C datetime"},
				store.SitemapProblem{Kind: "future-lastmod", URL: "/c", Message: "in the future"})},
			edges: viaRobots},
		{name: "a 404 sitemap with problems is sitemap-unavailable only",
			urls:  []store.URL{robotsFile(200), {URL: "/sitemap.xml", Status: 404, Kind: store.KindSitemap, SitemapProblems: []store.SitemapProblem{{Kind: "unparsable", Message: "not XML"}}}},
			edges: viaRobots},
		{name: "a clean sitemap",
			urls:  []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 3)},
			edges: viaRobots},
	})
}

func TestRuleSitemapURLNotIndexable(t *testing.T) {
	t.Parallel()
	// listedCrawl is a sitemap listing u (and u's sitemap edge).
	listedCrawl := func(u store.URL) ruleCase {
		return ruleCase{
			urls:  []store.URL{htmlPage("/"), sitemapAt("/sitemap.xml", 1), inSitemap(u)},
			edges: []string{"/sitemap.xml sitemap " + u.URL, "/ link " + u.URL},
		}
	}
	fires := func(name string, u store.URL, says string) ruleCase {
		c := listedCrawl(u)
		c.name, c.want, c.says = name, []string{"warning " + u.URL + " [/sitemap.xml]"}, []string{"listed in a sitemap but " + says + ": sitemaps should list only canonical, indexable 200 URLs"}
		return c
	}
	quiet := func(name string, u store.URL) ruleCase {
		c := listedCrawl(u)
		c.name = name
		return c
	}
	html := func(u string, f func(*store.URL)) store.URL {
		p := htmlPage(u)
		f(&p)
		return p
	}
	testRule(t, SitemapURLNotIndexable, []ruleCase{
		fires("listed redirect", store.URL{URL: "/old", Status: 301, Kind: store.KindPage, Redirect: "/new"}, "redirects (301) to /new"),
		fires("listed 404", page("/nf", 404), "answers 404 Not Found"),
		fires("listed 410", page("/gone", 410), "answers 410 Gone"),
		fires("listed 500", page("/e", 500), "answers 500 Internal Server Error"),
		fires("listed URL without an answer", store.URL{URL: "/x", Kind: store.KindPage, Error: "connection refused", ErrorKind: store.ErrorRefused}, "gets no answer (connection refused)"),
		fires("listed noindex page", html("/n", func(u *store.URL) { u.NoIndex = true }), "is noindex"),
		fires("listed page canonicalised elsewhere", html("/v", func(u *store.URL) { u.Canonical = "/main" }), "canonicalises to /main"),
		fires("listed soft 404", html("/s", func(u *store.URL) { u.Title = "Page not found" }), "is a soft 404 (answers 200, but its title says not found)"),
		fires("listed login form", html("/gate", func(u *store.URL) { u.LoginForm = true }), "is a login form, not content"),
		fires("bug fix: a listed URL answering 204 is now not indexable (answers 204, not 200)", html("/empty", func(u *store.URL) { u.Status = 204 }), "answers 204, not 200"),
		fires("bug fix: a listed image/png answer is now not indexable (is not a page search engines index)", html("/logo.png", func(u *store.URL) { u.ContentType = "image/png" }), `is not a page search engines index (content type "image/png")`),
		{name: "listed redirect that nothing links to",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(store.URL{URL: "/old", Status: 302, Kind: store.KindPage, Redirect: "/new"})},
			edges: []string{"/sitemap.xml sitemap /old"},
			want:  []string{"warning /old [/sitemap.xml]"}},
		quiet("listed indexable HTML page", htmlPage("/ok")),
		quiet("listed page canonical to itself", html("/self", func(u *store.URL) { u.Canonical = "/self" })),
		quiet("listed PDF", html("/doc.pdf", func(u *store.URL) { u.ContentType = "application/pdf" })),
		quiet("listed 401 is unauthorized-sitemap-url", store.URL{URL: "/m", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{"Basic"}}),
		quiet("listed 403 is forbidden-sitemap-url", page("/f", 403)),
		quiet("listed URL robots.txt blocks is sitemap-url-disallowed", store.URL{URL: "/private", Kind: store.KindPage, BlockedByRobots: true, RobotsDisallowed: true}),
		{name: "a 404 no sitemap lists",
			urls:  []store.URL{htmlPage("/"), sitemapAt("/sitemap.xml", 1), page("/nf", 404)},
			edges: []string{"/ link /nf"}},
		{name: "a child sitemap answering 404 is sitemap-unavailable",
			urls:  []store.URL{sitemapAt("/index.xml", 1), {URL: "/child.xml", Status: 404, Kind: store.KindSitemap, InSitemap: true}},
			edges: []string{"/index.xml sitemap /child.xml"}},
	})
}

func TestRuleSitemapURLDisallowed(t *testing.T) {
	t.Parallel()
	blocked := store.URL{URL: "/private", Kind: store.KindPage, BlockedByRobots: true, RobotsDisallowed: true}
	ignored := store.URL{URL: "/private", Status: 200, Kind: store.KindPage, ContentType: "text/html", RobotsDisallowed: true}
	testRule(t, SitemapURLDisallowed, []ruleCase{
		{name: "listed and blocked: not requested",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(blocked)},
			edges: []string{"/sitemap.xml sitemap /private"},
			want:  []string{"warning /private [/sitemap.xml]"},
			says:  []string{"listed in a sitemap but disallowed by robots.txt (it was not requested)"}},
		{name: "listed and disallowed, requested with --ignore-robots",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(ignored)},
			edges: []string{"/sitemap.xml sitemap /private"},
			want:  []string{"warning /private [/sitemap.xml]"},
			says:  []string{"(it was requested only because of --ignore-robots)"}},
		{name: "disallowed but not listed",
			urls:  []store.URL{htmlPage("/"), blocked},
			edges: []string{"/ link /private"}},
		{name: "listed and allowed",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(htmlPage("/public"))},
			edges: []string{"/sitemap.xml sitemap /public"}},
		{name: "a child sitemap robots.txt disallows is not a listed URL",
			urls:  []store.URL{sitemapAt("/index.xml", 1), {URL: "/child.xml", Kind: store.KindSitemap, InSitemap: true, BlockedByRobots: true, RobotsDisallowed: true}},
			edges: []string{"/index.xml sitemap /child.xml"}},
	})
}

func TestRuleSitemapURLOffHost(t *testing.T) {
	t.Parallel()
	off := func(u, msg string) store.SitemapProblem {
		return store.SitemapProblem{Kind: "off-host", URL: u, Message: msg}
	}
	testRule(t, SitemapURLOffHost, []ruleCase{
		{name: "each off-host entry once, on the listed URL, with the sitemap as referrer",
			urls: []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 4,
				off("https://other.test/a", "on another host (other.test)"),
				off("http://x.test/b", "on another scheme (http)"),
				off("https://other.test/a", "on another host again"))},
			edges: []string{"/robots.txt robots /sitemap.xml"},
			want:  []string{"warning http://x.test/b [/sitemap.xml]", "warning https://other.test/a [/sitemap.xml]"},
			says:  []string{"listed in /sitemap.xml, on another ", "; not crawled"}},
		{name: "an entry listed twice keeps the first reason",
			urls: []store.URL{sitemapAt("/catalog/sitemap.xml", 2,
				off("/about", "above the sitemap's folder /catalog/"),
				off("/about", "second reason"))},
			want: []string{"warning /about [/catalog/sitemap.xml]"},
			says: []string{"listed in /catalog/sitemap.xml, above the sitemap's folder /catalog/; not crawled"}},
		{name: "a sitemap whose problems are all of other kinds",
			urls: []store.URL{sitemapAt("/sitemap.xml", 2,
				store.SitemapProblem{Kind: "bad-url", URL: "x", Message: "not an absolute URL"},
				store.SitemapProblem{Kind: "bad-lastmod", URL: "/a", Message: "not a W3C datetime"})}},
		{name: "a sitemap that answered 500 is not read for entries",
			urls: []store.URL{{URL: "/sitemap.xml", Status: 500, Kind: store.KindSitemap, SitemapProblems: []store.SitemapProblem{off("https://other.test/a", "on another host")}}}},
	})
}

func TestRuleSitemapInvalidLastmod(t *testing.T) {
	t.Parallel()
	bad := store.SitemapProblem{Kind: "bad-lastmod", URL: "/a", Message: `"yesterday" is not a W3C datetime`}
	future := store.SitemapProblem{Kind: "future-lastmod", URL: "/b", Message: "2099-01-01 is in the future"}
	testRule(t, SitemapInvalidLastmod, []ruleCase{
		{name: "bad and future lastmod are one finding per sitemap file",
			urls:  []store.URL{robotsFile(200), sitemapAt("/sitemap.xml", 3, bad, future)},
			edges: []string{"/robots.txt robots /sitemap.xml"},
			want:  []string{"notice /sitemap.xml [/robots.txt]"},
			says:  []string{`2 entries with a bad or future lastmod: /a ("yesterday" is not a W3C datetime); /b (2099-01-01 is in the future)`}},
		{name: "one sitemap file each",
			urls:  []store.URL{sitemapAt("/index.xml", 2), inSitemap(sitemapAt("/a.xml", 1, bad)), inSitemap(sitemapAt("/b.xml", 1, future))},
			edges: []string{"/index.xml sitemap /a.xml", "/index.xml sitemap /b.xml"},
			want:  []string{"notice /a.xml [/index.xml]", "notice /b.xml [/index.xml]"},
			says:  []string{"1 entry with a bad or future lastmod"}},
		{name: "a sitemap with other problems only",
			urls: []store.URL{sitemapAt("/sitemap.xml", 0, store.SitemapProblem{Kind: "unparsable", Message: "not XML"})}},
		{name: "a sitemap that answered 500",
			urls: []store.URL{{URL: "/sitemap.xml", Status: 500, Kind: store.KindSitemap, SitemapProblems: []store.SitemapProblem{bad}}}},
	})
}

func TestRuleOrphanSitemapURL(t *testing.T) {
	t.Parallel()
	sm := sitemapAt("/sitemap.xml", 1)
	testRule(t, OrphanSitemapURL, []ruleCase{
		{name: "listed page no crawled page links to",
			urls:  []store.URL{htmlPage("/"), sm, listedPage("/b")},
			edges: []string{"/sitemap.xml sitemap /b"},
			want:  []string{"notice /b [/sitemap.xml]"},
			says:  []string{"listed in a sitemap, but no crawled page links to it"}},
		{name: "a link to itself is no link",
			urls:  []store.URL{sm, listedPage("/b")},
			edges: []string{"/sitemap.xml sitemap /b", "/b link /b"},
			want:  []string{"notice /b [/sitemap.xml]"}},
		{name: "listed 404 nothing links to is no orphan (sitemap-url-not-indexable says it)",
			urls:  []store.URL{sm, inSitemap(page("/nf", 404))},
			edges: []string{"/sitemap.xml sitemap /nf"}},
		{name: "listed noindex page nothing links to is no orphan",
			urls:  []store.URL{sm, inSitemap(store.URL{URL: "/ni", Status: 200, Kind: store.KindPage, ContentType: "text/html", NoIndex: true})},
			edges: []string{"/sitemap.xml sitemap /ni"}},
		{name: "listed and linked",
			urls:  []store.URL{htmlPage("/"), sm, listedPage("/a")},
			edges: []string{"/sitemap.xml sitemap /a", "/ link /a"}},
		{name: "the start URL is no orphan",
			urls:  []store.URL{sm, {URL: "/", Status: 200, Kind: store.KindPage, ContentType: "text/html", InSitemap: true, Start: true}},
			edges: []string{"/sitemap.xml sitemap /"}},
		{name: "a listed external URL is not judged",
			urls:  []store.URL{sm, {URL: "https://other.test/", Status: 200, Kind: store.KindExternal, InSitemap: true}},
			edges: []string{"/sitemap.xml sitemap https://other.test/"}},
		{name: "a child sitemap an index lists is no orphan",
			urls:  []store.URL{sitemapAt("/index.xml", 1), inSitemap(sitemapAt("/child.xml", 1))},
			edges: []string{"/index.xml sitemap /child.xml"}},
	})
}

func TestRulePageMissingFromSitemap(t *testing.T) {
	t.Parallel()
	// withSitemap is a crawl whose sitemap lists the home page, which
	// links to u.
	withSitemap := func(u store.URL) ([]store.URL, []string) {
		return []store.URL{inSitemap(htmlPage("/")), sitemapAt("/sitemap.xml", 1), u},
			[]string{"/sitemap.xml sitemap /", "/ link " + u.URL}
	}
	fires := func(name string, u store.URL) ruleCase {
		urls, edges := withSitemap(u)
		return ruleCase{name: name, urls: urls, edges: edges, want: []string{"notice " + u.URL + " [/]"},
			says: []string{"indexable page linked from 1 page that no sitemap lists"}}
	}
	quiet := func(name string, u store.URL) ruleCase {
		urls, edges := withSitemap(u)
		return ruleCase{name: name, urls: urls, edges: edges}
	}
	typed := func(u, ct string) store.URL {
		return store.URL{URL: u, Status: 200, Kind: store.KindPage, ContentType: ct}
	}
	html := func(u string, f func(*store.URL)) store.URL {
		p := htmlPage(u)
		f(&p)
		return p
	}
	testRule(t, PageMissingFromSitemap, []ruleCase{
		fires("linked HTML page no sitemap lists", typed("/p", "text/html; charset=utf-8")),
		fires("bug fix: a linked application/pdf page is now indexable, so missing from the sitemap", typed("/doc.pdf", "application/pdf")),
		fires("bug fix: a linked page with an empty Content-Type is now indexable, so missing from the sitemap", typed("/p", "")),
		{name: "linked from two public pages and a 404 page",
			urls:  []store.URL{inSitemap(htmlPage("/")), htmlPage("/a"), page("/x", 404), sitemapAt("/sitemap.xml", 1), htmlPage("/p")},
			edges: []string{"/sitemap.xml sitemap /", "/ link /p", "/a link /p", "/x link /p", "/ link /a"},
			want:  []string{"notice /a [/]", "notice /p [/ /a]"},
			says:  []string{"that no sitemap lists"}},
		quiet("listed page", inSitemap(htmlPage("/p"))),
		quiet("noindex page", html("/p", func(u *store.URL) { u.NoIndex = true })),
		quiet("page canonicalised elsewhere", html("/p", func(u *store.URL) { u.Canonical = "/" })),
		quiet("soft 404", html("/p", func(u *store.URL) { u.Title = "404 Not Found" })),
		quiet("login form", html("/p", func(u *store.URL) { u.LoginForm = true })),
		quiet("image/png page", typed("/p.png", "image/png")),
		quiet("404 page", page("/p", 404)),
		quiet("external page", store.URL{URL: "https://other.test/", Status: 200, Kind: store.KindExternal, ContentType: "text/html"}),
		{name: "no sitemap in the crawl",
			urls:  []store.URL{htmlPage("/"), htmlPage("/p")},
			edges: []string{"/ link /p"}},
		{name: "the only sitemap answered 404",
			urls:  []store.URL{htmlPage("/"), {URL: "/sitemap.xml", Status: 404, Kind: store.KindSitemap}, htmlPage("/p")},
			edges: []string{"/ link /p"}},
		{name: "the only sitemap lists nothing",
			urls:  []store.URL{htmlPage("/"), sitemapAt("/sitemap.xml", 0), htmlPage("/p")},
			edges: []string{"/ link /p"}},
		{name: "linked only from a page that is not public",
			urls:  []store.URL{inSitemap(htmlPage("/")), sitemapAt("/sitemap.xml", 1), page("/x", 404), htmlPage("/p")},
			edges: []string{"/sitemap.xml sitemap /", "/x link /p"}},
		{name: "a page nothing links to",
			urls:  []store.URL{inSitemap(htmlPage("/")), sitemapAt("/sitemap.xml", 1), {URL: "/p", Status: 200, Kind: store.KindPage, ContentType: "text/html", Start: true}},
			edges: []string{"/sitemap.xml sitemap /", "/p link /p"}},
	})
}

func TestRuleRobotsUnavailable(t *testing.T) {
	t.Parallel()
	testRule(t, RobotsUnavailable, []ruleCase{
		{name: "401 robots.txt is a warning: crawlers crawl everything",
			urls: []store.URL{robotsFile(401)},
			want: []string{"warning /robots.txt []"},
			says: []string{`401 Unauthorized on robots.txt: crawlers treat any 4xx as "no robots.txt" and crawl everything`}},
		{name: "403 robots.txt is a warning",
			urls: []store.URL{robotsFile(403)},
			want: []string{"warning /robots.txt []"},
			says: []string{"403 Forbidden on robots.txt"}},
		{name: "503 robots.txt is an error: crawlers crawl nothing",
			urls: []store.URL{robotsFile(503)},
			want: []string{"error /robots.txt []"},
			says: []string{"503 Service Unavailable on robots.txt: search engines then crawl nothing on this host"}},
		{name: "robots.txt without an answer is an error",
			urls: []store.URL{{URL: "/robots.txt", Kind: store.KindRobots, Error: "dns: no such host", ErrorKind: store.ErrorDNS}},
			want: []string{"error /robots.txt []"},
			says: []string{"no answer for robots.txt (dns: no such host)"}},
		{name: "the robots.txt an http robots.txt redirects to names it",
			urls: []store.URL{{URL: "http://x.test/robots.txt", Status: 301, Kind: store.KindRobots, Redirect: "https://x.test/robots.txt"},
				{URL: "https://x.test/robots.txt", Status: 500, Kind: store.KindRobots}},
			edges: []string{"http://x.test/robots.txt redirect https://x.test/robots.txt"},
			want:  []string{"error https://x.test/robots.txt [http://x.test/robots.txt]"}},
		{name: "404 robots.txt means no rules, not a problem",
			urls: []store.URL{robotsFile(404)}},
		{name: "200 robots.txt",
			urls: []store.URL{robotsFile(200)}},
		{name: "robots.txt redirect hop",
			urls:  []store.URL{{URL: "/robots.txt", Status: 301, Kind: store.KindRobots, Redirect: "/r.txt"}, {URL: "/r.txt", Status: 200, Kind: store.KindRobots}},
			edges: []string{"/robots.txt redirect /r.txt"}},
		{name: "a page answering 503 is not robots.txt",
			urls: []store.URL{page("/robots.html", 503)}},
	})
}

func TestRuleAssetDisallowed(t *testing.T) {
	t.Parallel()
	css := store.URL{URL: "/s.css", Kind: store.KindAsset, BlockedByRobots: true, RobotsDisallowed: true}
	testRule(t, AssetDisallowed, []ruleCase{
		{name: "disallowed stylesheet used by a public page",
			urls:  []store.URL{htmlPage("/"), css},
			edges: []string{"/ asset /s.css"},
			want:  []string{"warning /s.css [/]"},
			says:  []string{"robots.txt disallows this asset, which 1 public page", "search engines cannot fetch it, so they cannot render it as visitors see it"}},
		{name: "used by two public pages",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a"), css},
			edges: []string{"/ asset /s.css", "/a asset /s.css"},
			want:  []string{"warning /s.css [/ /a]"},
			says:  []string{"2 public pages use", "cannot render them as visitors see them"}},
		{name: "disallowed asset requested with --ignore-robots",
			urls:  []store.URL{htmlPage("/"), {URL: "/s.css", Status: 200, Kind: store.KindAsset, ContentType: "text/css", RobotsDisallowed: true}},
			edges: []string{"/ asset /s.css"},
			want:  []string{"warning /s.css [/]"}},
		{name: "used only by a page that is not public",
			urls:  []store.URL{page("/private", 401), css},
			edges: []string{"/private asset /s.css"}},
		{name: "a disallowed page that is linked is not an asset",
			urls:  []store.URL{htmlPage("/"), {URL: "/p", Kind: store.KindPage, BlockedByRobots: true, RobotsDisallowed: true}},
			edges: []string{"/ link /p"}},
		{name: "allowed asset",
			urls:  []store.URL{htmlPage("/"), {URL: "/s.css", Status: 200, Kind: store.KindAsset, ContentType: "text/css"}},
			edges: []string{"/ asset /s.css"}},
	})
}
