package audit

import (
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Per-rule tests of the authentication rules (rules_auth.go); testRule is
// in rules_status_test.go.

// withCreds returns u as answered to a request that carried the crawl's
// credentials, and anonymously with anon (0: not compared).
func withCreds(u store.URL, anon int) store.URL {
	u.Credentials, u.AnonymousStatus = store.CredentialsSent, anon
	return u
}

// challenged returns u with the WWW-Authenticate values given.
func challenged(u store.URL, values ...string) store.URL {
	u.WWWAuthenticate = values
	return u
}

func TestRuleRedirectToLogin(t *testing.T) {
	t.Parallel()
	redir := func(from, to string) store.URL {
		return store.URL{URL: from, Status: 302, Kind: store.KindPage, Redirect: to}
	}
	loginForm := store.URL{URL: "/gate", Status: 200, Kind: store.KindPage, ContentType: "text/html", LoginForm: true}
	testRule(t, RedirectToLogin, []ruleCase{
		{name: "linked URL redirecting to a login path with a return parameter",
			urls:  []store.URL{htmlPage("/"), redir("/members", "/login?next=%2Fmembers")},
			edges: []string{"/ link /members", "/members redirect /login?next=%2Fmembers"},
			want:  []string{"warning /members [/]"},
			says:  []string{"redirects to the login page /login?next=%2Fmembers: a soft 401"}},
		{name: "linked URL redirecting to a page that is a login form",
			urls:  []store.URL{htmlPage("/"), redir("/portal", "/gate"), loginForm},
			edges: []string{"/ link /portal", "/portal redirect /gate"},
			want:  []string{"warning /portal [/]"},
			says:  []string{"redirects to the login page /gate"}},
		{name: "the login page at the second hop is found, and the hop is not reported again",
			urls:  []store.URL{htmlPage("/"), {URL: "/a", Status: 301, Kind: store.KindPage, Redirect: "/b"}, redir("/b", "/signin?return=%2Fb")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /signin?return=%2Fb"},
			want:  []string{"warning /a [/]"},
			says:  []string{"redirects to the login page /signin?return=%2Fb"}},
		{name: "listed in a sitemap only: the sitemap is the referrer",
			urls:  []store.URL{sitemapAt("/sitemap.xml", 1), inSitemap(redir("/members", "/login?next=%2Fmembers"))},
			edges: []string{"/sitemap.xml sitemap /members"},
			want:  []string{"warning /members [/sitemap.xml]"}},
		{name: "listed in a sitemap whose edge was not kept",
			urls: []store.URL{inSitemap(redir("/members", "/login?next=%2Fmembers"))},
			want: []string{"warning /members []"}},
		{name: "external URL redirecting to its sign-in page is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/account", Status: 302, Kind: store.KindExternal, Redirect: "https://ext.test/signin?continue=%2Faccount"}},
			edges: []string{"/ link https://ext.test/account"},
			want:  []string{"notice https://ext.test/account [/]"},
			says:  []string{externalNote}},
		{name: "a login path without a return parameter and without a login form record",
			urls:  []store.URL{htmlPage("/"), redir("/moved", "/login")},
			edges: []string{"/ link /moved"}},
		{name: "a redirect to an ordinary page",
			urls:  []store.URL{htmlPage("/"), redir("/old", "/new"), htmlPage("/new")},
			edges: []string{"/ link /old", "/old redirect /new"}},
		{name: "linked only from a page that is not public",
			urls:  []store.URL{page("/x", 404), redir("/members", "/login?next=%2Fmembers")},
			edges: []string{"/x link /members"}},
		{name: "the start URL that nothing links to or lists",
			urls: []store.URL{{URL: "/", Status: 302, Kind: store.KindPage, Redirect: "/login?next=%2F", Start: true}}},
		{name: "a redirect loop through a URL with no login in it",
			urls:  []store.URL{htmlPage("/"), redir("/a", "/b"), redir("/b", "/a")},
			edges: []string{"/ link /a", "/a redirect /b", "/b redirect /a"}},
	})
}

func TestRuleLoginWall(t *testing.T) {
	t.Parallel()
	gate := store.URL{URL: "/gate", Status: 200, Kind: store.KindPage, ContentType: "text/html", LoginForm: true}
	testRule(t, LoginWall, []ruleCase{
		{name: "linked 200 login form",
			urls:  []store.URL{htmlPage("/"), gate},
			edges: []string{"/ link /gate"},
			want:  []string{"warning /gate [/]"},
			says:  []string{"200 OK with a login form instead of content, reached from 1 public page or sitemap"}},
		{name: "linked and listed: pages and sitemaps are the referrers",
			urls:  []store.URL{htmlPage("/"), sitemapAt("/sitemap.xml", 1), inSitemap(gate)},
			edges: []string{"/ link /gate", "/sitemap.xml sitemap /gate"},
			want:  []string{"warning /gate [/ /sitemap.xml]"},
			says:  []string{"reached from 2 public page or sitemaps"}},
		{name: "listed in a sitemap whose edge was not kept",
			urls: []store.URL{inSitemap(gate)},
			want: []string{"warning /gate []"},
			says: []string{"reached from a sitemap"}},
		{name: "the login page itself is no login wall",
			urls:  []store.URL{htmlPage("/"), {URL: "/login", Status: 200, Kind: store.KindPage, ContentType: "text/html", LoginForm: true}},
			edges: []string{"/ link /login"}},
		{name: "linked only from a page that is not public",
			urls:  []store.URL{page("/x", 500), gate},
			edges: []string{"/x link /gate"}},
		{name: "neither linked nor listed",
			urls: []store.URL{gate}},
		{name: "an external login form is not judged",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/gate", Status: 200, Kind: store.KindExternal, LoginForm: true}},
			edges: []string{"/ link https://ext.test/gate"}},
	})
}

func TestRuleProtectedLinkedPublicly(t *testing.T) {
	t.Parallel()
	members := withCreds(htmlPage("/members"), 401)
	testRule(t, ProtectedLinkedPublicly, []ruleCase{
		{name: "401 anonymously, 200 with credentials, linked from a public page",
			urls:  []store.URL{withCreds(htmlPage("/"), 200), members},
			edges: []string{"/ link /members"},
			want:  []string{"warning /members [/]"},
			says:  []string{"401 without credentials, 200 with them, and 1 public page links to it"}},
		{name: "403 anonymously, linked from two public pages",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a"), withCreds(htmlPage("/staff"), 403)},
			edges: []string{"/ link /staff", "/a link /staff"},
			want:  []string{"warning /staff [/ /a]"},
			says:  []string{"403 without credentials", "2 public pages link to it"}},
		{name: "public both ways",
			urls:  []store.URL{htmlPage("/"), withCreds(htmlPage("/p"), 200)},
			edges: []string{"/ link /p"}},
		{name: "linked only from a page that is itself protected",
			urls:  []store.URL{withCreds(htmlPage("/area"), 401), members},
			edges: []string{"/area link /members"}},
		{name: "not compared without credentials",
			urls:  []store.URL{htmlPage("/"), withCreds(htmlPage("/members"), 0)},
			edges: []string{"/ link /members"}},
		{name: "a protected asset is protected-asset-on-public-page",
			urls:  []store.URL{htmlPage("/"), withCreds(store.URL{URL: "/i.png", Status: 200, Kind: store.KindAsset}, 401)},
			edges: []string{"/ link /i.png"}},
	})
}

func TestRuleProtectedAssetOnPublicPage(t *testing.T) {
	t.Parallel()
	img := withCreds(store.URL{URL: "/i.png", Status: 200, Kind: store.KindAsset, ContentType: "image/png"}, 401)
	testRule(t, ProtectedAssetOnPublicPage, []ruleCase{
		{name: "asset a public page uses needs credentials",
			urls:  []store.URL{withCreds(htmlPage("/"), 200), img},
			edges: []string{"/ asset /i.png"},
			want:  []string{"error /i.png [/]"},
			says:  []string{"401 without credentials, 200 with them, and 1 public page uses it: anonymous visitors and search engines see it broken"}},
		{name: "used by two public pages",
			urls:  []store.URL{htmlPage("/"), htmlPage("/a"), img},
			edges: []string{"/ asset /i.png", "/a asset /i.png"},
			want:  []string{"error /i.png [/ /a]"},
			says:  []string{"2 public pages use it", "see them broken"}},
		{name: "external protected asset is a notice",
			urls:  []store.URL{htmlPage("/"), withCreds(store.URL{URL: "https://static.test/a.js", Status: 200, Kind: store.KindExternal}, 403)},
			edges: []string{"/ asset https://static.test/a.js"},
			want:  []string{"notice https://static.test/a.js [/]"},
			says:  []string{externalNote}},
		{name: "asset public both ways",
			urls:  []store.URL{htmlPage("/"), withCreds(store.URL{URL: "/i.png", Status: 200, Kind: store.KindAsset}, 200)},
			edges: []string{"/ asset /i.png"}},
		{name: "used only by a protected page",
			urls:  []store.URL{withCreds(htmlPage("/area"), 403), img},
			edges: []string{"/area asset /i.png"}},
		{name: "a protected page linked, not used",
			urls:  []store.URL{htmlPage("/"), withCreds(htmlPage("/members"), 401)},
			edges: []string{"/ link /members"}},
	})
}

func TestRuleForbiddenWithCredentials(t *testing.T) {
	t.Parallel()
	testRule(t, ForbiddenWithCredentials, []ruleCase{
		{name: "403 with credentials",
			urls:  []store.URL{htmlPage("/"), withCreds(page("/admin", 403), 0)},
			edges: []string{"/ link /admin"},
			want:  []string{"warning /admin [/]"},
			says:  []string{"403 Forbidden although the request carried the credentials: the account lacks the right to this URL"}},
		{name: "insufficient_scope names the scope needed",
			urls: []store.URL{challenged(withCreds(page("/api/admin", 403), 0), `Bearer realm="api", error="insufficient_scope", scope="admin:write"`)},
			want: []string{"warning /api/admin []"},
			says: []string{`(Bearer error="insufficient_scope", scope needed: "admin:write")`}},
		{name: "external 403 with credentials is a notice",
			urls:  []store.URL{htmlPage("/"), withCreds(store.URL{URL: "https://static.test/x", Status: 403, Kind: store.KindExternal}, 0)},
			edges: []string{"/ link https://static.test/x"},
			want:  []string{"notice https://static.test/x [/]"},
			says:  []string{externalNote}},
		{name: "403 without credentials",
			urls:  []store.URL{htmlPage("/"), page("/admin", 403)},
			edges: []string{"/ link /admin"}},
		{name: "401 with credentials is credentials-rejected",
			urls:  []store.URL{htmlPage("/"), challenged(withCreds(page("/admin", 401), 0), "Basic")},
			edges: []string{"/ link /admin"}},
		{name: "bot-check 403 with credentials is bot-protection",
			urls:  []store.URL{htmlPage("/"), withCreds(store.URL{URL: "/admin", Status: 403, Kind: store.KindPage, BotCheck: cfChallenge}, 0)},
			edges: []string{"/ link /admin"}},
	})
}

func TestRuleCredentialsRejected(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	basic := map[string]string{"credentials_scheme": "Basic"}
	rejected := func(u string, fetched time.Time) store.URL {
		return store.URL{URL: u, Status: 401, Kind: store.KindPage, Credentials: store.CredentialsSent, FetchedAt: fetched, WWWAuthenticate: []string{`Basic realm="staff"`}}
	}
	testRule(t, CredentialsRejected, []ruleCase{
		{name: "401 with the credentials of the scheme asked for",
			settings: basic,
			urls:     []store.URL{htmlPage("/"), rejected("/p", at)},
			edges:    []string{"/ link /p"},
			want:     []string{"error /p [/]"},
			says:     []string{"401 Unauthorized although the request carried the credentials: wrong credentials?"}},
		{name: "401 asking for another scheme",
			settings: map[string]string{"credentials_scheme": "Bearer"},
			urls:     []store.URL{rejected("/p", at)},
			want:     []string{"error /p []"},
			says:     []string{"the server asks for Basic but the crawl sent Bearer credentials (wrong scheme)"}},
		{name: "external 401 with credentials is a notice",
			settings: basic,
			urls:     []store.URL{htmlPage("/"), {URL: "https://api.test/", Status: 401, Kind: store.KindExternal, Credentials: store.CredentialsSent, WWWAuthenticate: []string{"Basic"}}},
			edges:    []string{"/ link https://api.test/"},
			want:     []string{"notice https://api.test/ [/]"},
			says:     []string{externalNote}},
		{name: "401s with credentials: before the mid-crawl rejection reported, after it not",
			settings: basic,
			urls: []store.URL{
				rejected("/early", at.Add(-time.Minute)),
				{URL: "/ok", Status: 200, Kind: store.KindPage, Credentials: store.CredentialsSent, FetchedAt: at.Add(-2 * time.Minute)},
				{URL: "/stop", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsRejectedMidCrawl, FetchedAt: at, WWWAuthenticate: []string{`Basic realm="staff"`}},
				rejected("/late", at.Add(time.Second)),
			},
			want: []string{"error /early []"}},
		{name: "401 without credentials",
			settings: basic,
			urls:     []store.URL{htmlPage("/"), challenged(page("/p", 401), `Basic realm="staff"`)},
			edges:    []string{"/ link /p"}},
		{name: "403 with credentials is forbidden-with-credentials",
			settings: basic,
			urls:     []store.URL{withCreds(page("/p", 403), 0)}},
	})
}

func TestRuleCredentialsRejectedMidCrawl(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ok := func(u string, fetched time.Time) store.URL {
		return store.URL{URL: u, Status: 200, Kind: store.KindPage, ContentType: "text/html", Credentials: store.CredentialsSent, FetchedAt: fetched}
	}
	stopped := func(u string, fetched time.Time, challenge string) store.URL {
		return store.URL{URL: u, Status: 401, Kind: store.KindPage, Credentials: store.CredentialsRejectedMidCrawl, FetchedAt: fetched, WWWAuthenticate: []string{challenge}}
	}
	bearer := map[string]string{"credentials_scheme": "Bearer"}
	testRule(t, CredentialsRejectedMidCrawl, []ruleCase{
		{name: "one finding on the earliest rejected URL",
			settings: bearer,
			urls: []store.URL{ok("/", at.Add(-time.Hour)), ok("/a", at.Add(-time.Minute)),
				stopped("/b", at, `Bearer realm="api"`), stopped("/c", at.Add(time.Second), `Bearer realm="api", error="invalid_token", error_description="expired"`)},
			edges: []string{"/ link /a", "/ link /b", "/ link /c"},
			want:  []string{"error /b [/]"},
			says: []string{"credentials stopped working at 2026-11-25T10:00:00Z: /b answered 401 with them after 2 URLs had answered 2xx with them",
				`the server says error="invalid_token" (expired)`, "2 URLs answered 401 with them"}},
		{name: "2xx answers after the rejection do not count as before",
			settings: bearer,
			urls:     []store.URL{ok("/a", at.Add(-time.Minute)), stopped("/b", at, `Bearer realm="api"`), ok("/z", at.Add(time.Minute))},
			want:     []string{"error /b []"},
			says:     []string{"after 1 URL had answered 2xx with them", "1 URL answered 401 with them"}},
		{name: "credentials that never stopped working",
			settings: bearer,
			urls:     []store.URL{ok("/a", at), {URL: "/p", Status: 401, Kind: store.KindPage, Credentials: store.CredentialsSent, FetchedAt: at, WWWAuthenticate: []string{"Bearer"}}}},
	})
}

func TestRuleBasicAuthOverHTTP(t *testing.T) {
	t.Parallel()
	at := func(u string) store.URL { return store.URL{URL: u, Status: 401, Kind: store.KindPage} }
	testRule(t, BasicAuthOverHTTP, []ruleCase{
		{name: "Basic challenge on plain http",
			urls:  []store.URL{htmlPage("http://x.test/"), challenged(at("http://x.test/admin"), `Basic realm="staff"`)},
			edges: []string{"http://x.test/ link http://x.test/admin"},
			want:  []string{"warning http://x.test/admin [http://x.test/]"},
			says:  []string{`Basic challenge (realm "staff") on plain http: credentials would cross the network unprotected`}},
		{name: "Digest among several challenges, once",
			urls: []store.URL{challenged(at("http://x.test/d"), `Bearer realm="api"`, `Digest realm="d", nonce="n"`, `Basic realm="b"`)},
			want: []string{"warning http://x.test/d []"},
			says: []string{`Digest challenge (realm "d")`}},
		{name: "external Basic challenge on http is a notice",
			urls:  []store.URL{htmlPage("http://x.test/"), challenged(store.URL{URL: "http://ext.test/", Status: 401, Kind: store.KindExternal}, "Basic")},
			edges: []string{"http://x.test/ link http://ext.test/"},
			want:  []string{"notice http://ext.test/ [http://x.test/]"},
			says:  []string{externalNote}},
		{name: "one realm on many URLs is one finding, on its first URL",
			urls: []store.URL{challenged(at("http://x.test/m/b"), `Basic realm="members"`), challenged(at("http://x.test/m/a"), `Basic realm="members"`), challenged(at("http://x.test/m/c"), `Basic realm="members"`)},
			want: []string{"warning http://x.test/m/a []"},
			says: []string{`(3 URLs of this realm answer with it; this is the first)`}},
		{name: "two realms, two findings",
			urls: []store.URL{challenged(at("http://x.test/m/a"), `Basic realm="members"`), challenged(at("http://x.test/s/a"), `Basic realm="staff"`), challenged(at("http://y.test/m/a"), `Basic realm="members"`)},
			want: []string{"warning http://x.test/m/a []", "warning http://x.test/s/a []", "warning http://y.test/m/a []"}},
		{name: "Basic challenge on https",
			urls: []store.URL{challenged(at("https://x.test/admin"), `Basic realm="staff"`)}},
		{name: "Bearer challenge on http",
			urls: []store.URL{challenged(at("http://x.test/api"), `Bearer realm="api"`)}},
		{name: "robots.txt with a Basic challenge on http is robots-unavailable only",
			urls: []store.URL{challenged(store.URL{URL: "http://x.test/robots.txt", Status: 401, Kind: store.KindRobots}, "Basic")}},
	})
}

func TestRuleForbiddenWithChallenge(t *testing.T) {
	t.Parallel()
	testRule(t, ForbiddenWithChallenge, []ruleCase{
		{name: "403 that carries a Basic challenge",
			urls:  []store.URL{htmlPage("/"), challenged(page("/f", 403), `basic realm="staff"`)},
			edges: []string{"/ link /f"},
			want:  []string{"notice /f [/]"},
			says:  []string{`403 Forbidden with WWW-Authenticate: Basic realm="staff"`}},
		{name: "a malformed challenge is quoted as sent",
			urls: []store.URL{challenged(page("/f", 403), `Basic realm="x`)},
			want: []string{"notice /f []"},
			says: []string{`403 Forbidden with WWW-Authenticate: Basic realm="x`}},
		{name: "external 403 with a challenge is a notice with the external note",
			urls:  []store.URL{htmlPage("/"), challenged(store.URL{URL: "https://ext.test/", Status: 403, Kind: store.KindExternal}, "Bearer")},
			edges: []string{"/ link https://ext.test/"},
			want:  []string{"notice https://ext.test/ [/]"},
			says:  []string{"403 Forbidden with WWW-Authenticate: Bearer", externalNote}},
		{name: "401 with a challenge",
			urls: []store.URL{challenged(page("/m", 401), "Basic")}},
		{name: "403 without a challenge",
			urls: []store.URL{page("/f", 403)}},
		{name: "bot-check 403 with a challenge is bot-protection",
			urls: []store.URL{challenged(store.URL{URL: "/f", Status: 403, Kind: store.KindPage, BotCheck: cfChallenge}, "Basic")}},
	})
}

func TestRuleBotProtection(t *testing.T) {
	t.Parallel()
	testRule(t, BotProtection, []ruleCase{
		{name: "503 bot check on a page of the site",
			urls:  []store.URL{htmlPage("/"), {URL: "/shop", Status: 503, Kind: store.KindPage, BotCheck: cfChallenge}},
			edges: []string{"/ link /shop"},
			want:  []string{"warning /shop [/]"},
			says:  []string{"503 from a bot check (cf-mitigated: challenge), not from access control: your CDN challenges crawlers"}},
		{name: "429 bot check on an asset",
			urls:  []store.URL{htmlPage("/"), {URL: "/app.js", Status: 429, Kind: store.KindAsset, BotCheck: "challenge page"}},
			edges: []string{"/ asset /app.js"},
			want:  []string{"warning /app.js [/]"}},
		{name: "external 403 bot check is a notice",
			urls:  []store.URL{htmlPage("/"), {URL: "https://ext.test/", Status: 403, Kind: store.KindExternal, BotCheck: cfChallenge}},
			edges: []string{"/ link https://ext.test/"},
			want:  []string{"notice https://ext.test/ [/]"},
			says:  []string{"403 from a bot check (cf-mitigated: challenge), not from access control", externalNote}},
		{name: "403 without bot-check evidence is access control",
			urls:  []store.URL{htmlPage("/"), page("/f", 403)},
			edges: []string{"/ link /f"}},
		{name: "bot-checked sitemap is sitemap-unavailable",
			urls:  []store.URL{robotsFile(200), {URL: "/sitemap.xml", Status: 403, Kind: store.KindSitemap, BotCheck: cfChallenge}},
			edges: []string{"/robots.txt robots /sitemap.xml"}},
		{name: "bot-checked robots.txt is robots-unavailable",
			urls: []store.URL{{URL: "/robots.txt", Status: 403, Kind: store.KindRobots, BotCheck: cfChallenge}}},
	})
}

func TestRuleChallengeMalformed(t *testing.T) {
	t.Parallel()
	testRule(t, ChallengeMalformed, []ruleCase{
		{name: "unterminated quoted realm",
			urls:  []store.URL{htmlPage("/"), challenged(page("/m", 401), `Basic realm="unterminated`)},
			edges: []string{"/ link /m"},
			want:  []string{"warning /m [/]"},
			says:  []string{`WWW-Authenticate "Basic realm=\"unterminated" does not parse (challenge: header value 1`}},
		{name: "on any status that carries the header",
			urls: []store.URL{challenged(htmlPage("/p"), `Basic realm="a", realm="b"`)},
			want: []string{"warning /p []"}},
		{name: "external malformed challenge is a notice",
			urls:  []store.URL{htmlPage("/"), challenged(store.URL{URL: "https://ext.test/", Status: 401, Kind: store.KindExternal}, `Basic realm="x`)},
			edges: []string{"/ link https://ext.test/"},
			want:  []string{"notice https://ext.test/ [/]"},
			says:  []string{externalNote}},
		{name: "well-formed challenges",
			urls: []store.URL{challenged(page("/m", 401), `Basic realm="staff", charset="UTF-8"`, `Bearer realm="api", error="invalid_token"`, "Negotiate YIIBhgYGKwYBBQUC")}},
		{name: "robots.txt with a malformed challenge is robots-unavailable only",
			urls: []store.URL{challenged(store.URL{URL: "/robots.txt", Status: 401, Kind: store.KindRobots}, `Basic realm="x`)}},
	})
}
