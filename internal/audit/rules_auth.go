package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/challenge"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Authentication rule IDs.
const (
	RedirectToLogin             = "redirect-to-login"
	LoginWall                   = "login-wall"
	ProtectedLinkedPublicly     = "protected-linked-publicly"
	ProtectedAssetOnPublicPage  = "protected-asset-on-public-page"
	ForbiddenWithCredentials    = "forbidden-with-credentials"
	CredentialsRejected         = "credentials-rejected"
	CredentialsRejectedMidCrawl = "credentials-rejected-mid-crawl"
	BasicAuthOverHTTP           = "basic-auth-over-http"
	ForbiddenWithChallenge      = "forbidden-with-challenge"
	BotProtection               = "bot-protection"
	ChallengeMalformed          = "challenge-malformed"
)

// authRules are the authentication rules, in README order.
var authRules = []Rule{
	{
		ID: RedirectToLogin, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public links lead to a login page",
		Why:     "search engines never log in: they index the login page instead of the content, or nothing",
		Explain: "a publicly linked or sitemap-listed URL redirects to a login page (a password form, or a path like /login, /signin, /sso, /auth with a return-URL parameter)",
		Fix:     "search engines never log in: link publicly only to public content, and keep members-only URLs out of sitemaps and public navigation",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && redirect(u) && (in.Links > 0 || hasEdgeType(in, store.EdgeSitemap) || u.InSitemap)
		},
		Check: checkLoginRedirect,
	},
	{
		ID: LoginWall, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public links lead to login forms served as 200 pages",
		Why:     "a 200 login form looks like thin duplicate content to search engines: a soft 401",
		Explain: "a publicly linked or sitemap-listed URL answers 200 with a login form instead of content (a soft 401)",
		Fix:     "answer 401 (or redirect to the login page) for protected content, and stop linking or listing it publicly; a 200 login form looks like thin duplicate content to search engines",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && analysis.LoginWall(u) && (in.Links > 0 || hasEdgeType(in, store.EdgeSitemap) || u.InSitemap)
		},
		Check: func(c *Check) error {
			refs, err := c.PublicOrListed()
			if err != nil {
				return err
			}
			if len(refs) > 0 || c.URL.InSitemap {
				c.Report(fmt.Sprintf("200 OK with a login form instead of content, reached from %s: a soft 401 that search engines index as a thin page", reachedFrom(len(refs), c.URL.InSitemap)), refs)
			}
			return nil
		},
	},
	{
		ID: ProtectedLinkedPublicly, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public pages link to pages that need credentials",
		Why:     "search engines and anonymous visitors cannot follow the link: a wasted request and a dead end",
		Explain: "with --compare-anonymous: a page answers 401/403 without credentials and 200 with them, and a public page links to it",
		Fix:     "remove the links from the public pages listed, or make the page public if it is meant to be",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Kind == store.KindPage && analysis.Access(u) == analysis.AccessProtected && in.Links > 0
		},
		Check: func(c *Check) error {
			refs, err := c.PublicReferrers(store.EdgeLink)
			if err != nil {
				return err
			}
			if len(refs) > 0 {
				c.Report(fmt.Sprintf("%d without credentials, %d with them, and %s %s to it: search engines and visitors without an account cannot follow the link", c.URL.AnonymousStatus, c.URL.Status, count(len(refs), "public page"), verb(len(refs), "links", "link")), refs)
			}
			return nil
		},
	},
	{
		ID: ProtectedAssetOnPublicPage, Severity: store.SeverityError, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public pages use assets that need credentials",
		Why:     "anonymous visitors and Google's renderer see the page broken",
		Explain: "with --compare-anonymous: an image, script, stylesheet or other asset that a public page uses needs credentials",
		Fix:     "serve the asset publicly (check the server/CDN rule that protects its folder) or stop using it on public pages: anonymous visitors and search engines see them broken",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && analysis.Access(u) == analysis.AccessProtected && hasEdgeType(in, store.EdgeAsset)
		},
		Check: func(c *Check) error {
			refs, err := c.PublicReferrers(store.EdgeAsset)
			if err != nil {
				return err
			}
			if n := len(refs); n > 0 {
				c.Report(fmt.Sprintf("%d without credentials, %d with them, and %s %s it: anonymous visitors and search engines see %s broken", c.URL.AnonymousStatus, c.URL.Status, count(n, "public page"), verb(n, "uses", "use"), them(n)), refs)
			}
			return nil
		},
	},
	{
		ID: ForbiddenWithCredentials, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "URLs refuse even the credentials given (403)",
		Why:     "the account lacks a permission (revoked, or a rule too strict): the audit cannot see that part of the site",
		Explain: "a URL answers 403 even with the credentials given",
		Fix:     "the account lacks the right (permissions revoked? a Bearer token without the scope the server names?): grant it, or crawl with an account that has it",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && u.Status == 403 && u.Credentials != ""
		},
		Check: func(c *Check) error {
			cs, _ := challenge.Parse(c.URL.WWWAuthenticate)
			msg := "403 Forbidden although the request carried the credentials: the account lacks the right to this URL"
			if e := param(cs, "error"); e == "insufficient_scope" {
				msg += fmt.Sprintf(" (Bearer error=\"insufficient_scope\"%s)", scopeText(cs))
			}
			c.Report(msg, c.Referrers())
			return nil
		},
	},
	{
		ID: CredentialsRejected, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "The credentials given are rejected (401)",
		Why:     "wrong or expired credentials: the audit saw the site as an anonymous visitor does",
		Explain: "a URL answers 401 to a request that carried the credentials given",
		Fix:     "check the credentials: user names, passwords and tokens are case-sensitive; the scheme must be the one the challenge asks for (Bearer vs Basic); the Authorization header must be well formed and arrive at the server",
		Applies: func(f *Facts, u store.URL, _ store.Inbound) bool {
			// After the credentials stopped working mid-crawl, 401s are
			// that one problem (the next rule), not wrong credentials.
			return byPageRules(u) && u.Status == 401 && u.Credentials == store.CredentialsSent &&
				(f.MidCrawl == nil || u.FetchedAt.Before(f.MidCrawl.FetchedAt))
		},
		Check: func(c *Check) error {
			cs, _ := challenge.Parse(c.URL.WWWAuthenticate)
			c.Report("401 Unauthorized although the request carried the credentials: "+rejectionCause(c.Facts.CredScheme, cs), c.Referrers())
			return nil
		},
	},
	{
		ID: CredentialsRejectedMidCrawl, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "Credentials stopped working during the crawl",
		Why:     "a token expired or was revoked mid-crawl: the rest of the crawl was anonymous",
		Explain: "credentials that worked earlier in the crawl stopped working (URLs that answered 2xx with them answer 401): the crawler stopped sending them",
		Fix:     "token expired or revoked? Use a token that lives longer than the crawl, or refresh it, and crawl again",
		Applies: func(f *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && f.MidCrawl != nil && f.MidCrawl.URL == u.URL
		},
		Check: func(c *Check) error {
			f := c.Facts
			msg := fmt.Sprintf("credentials stopped working at %s: %s answered 401 with them after %s had answered 2xx with them",
				c.URL.FetchedAt.UTC().Format(time.RFC3339), c.URL.URL, count(f.OKBefore, "URL"))
			ecs, _ := challenge.Parse(f.MidError)
			if e := param(ecs, "error"); e != "" {
				msg += fmt.Sprintf("; the server says error=%q", e)
				if d := param(ecs, "error_description"); d != "" {
					msg += fmt.Sprintf(" (%s)", d)
				}
			}
			msg += fmt.Sprintf(" — token expired? The crawler stopped sending the credentials; %s answered 401 with them", count(f.MidCount, "URL"))
			c.Report(msg, c.Referrers())
			return nil
		},
	},
	{
		ID: BasicAuthOverHTTP, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "Basic or Digest login over plain http",
		Why:     "passwords cross the network unprotected (Basic) or open to offline attack (Digest)",
		Explain: "a Basic or Digest challenge on plain http: credentials would travel in clear (Basic) or open to offline attack (Digest); reported once per protection space (origin, scheme, realm), on its first URL",
		Fix:     "serve the protected area over https only and redirect http to https before challenging",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && len(u.WWWAuthenticate) > 0 && strings.HasPrefix(u.URL, "http://")
		},
		Check: func(c *Check) error {
			key, ch, ok := clearRealm(c.URL)
			if !ok {
				return nil
			}
			// One problem per protection space: reported on its first URL.
			msg := fmt.Sprintf("%s challenge (realm %q) on plain http: credentials would cross the network unprotected", ch.Canonical(), ch.Realm())
			if r := c.Facts.ClearRealms[key]; r != nil {
				if r.First != c.URL.URL {
					return nil
				}
				if r.Count > 1 {
					msg += fmt.Sprintf(" (%d URLs of this realm answer with it; this is the first)", r.Count)
				}
			}
			c.Report(msg, c.Referrers())
			return nil
		},
	},
	{
		ID: ForbiddenWithChallenge, Severity: store.SeverityNotice, ExternalNotice: true,
		Title:   "403 answers that carry a login challenge",
		Why:     "clients are told how to log in, then refused anyway: confusing for tools and crawlers",
		Explain: "a 403 that carries WWW-Authenticate: clients are told how to authenticate, then refused anyway",
		Fix:     "answer 401 with the challenge when credentials could help, 403 without one when they cannot (RFC 9110 sections 15.5.2 and 15.5.4)",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && u.Status == 403 && len(u.WWWAuthenticate) > 0
		},
		Check: func(c *Check) error {
			cs, _ := challenge.Parse(c.URL.WWWAuthenticate)
			c.Report("403 Forbidden with WWW-Authenticate: "+describeChallenges(cs, c.URL.WWWAuthenticate), c.Referrers())
			return nil
		},
	},
	{
		ID: BotProtection, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "A bot check blocks the crawler",
		Why:     "a CDN or WAF challenge may block search engines' crawlers too; check it lets verified search-engine bots through",
		Explain: "a 403/429/503 (or 999) that comes from a CDN or WAF bot check, not from the site's access control (on external URLs: a notice)",
		Fix:     "your CDN or WAF challenges crawlers: check that search engines (verified Googlebot, Bingbot) are let through, and allow-list this crawler for audits",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.BotCheck != "" && !u.BlockedByRobots && u.Kind != store.KindSitemap && u.Kind != store.KindRobots
		},
		Check: func(c *Check) error {
			u := c.URL
			msg := fmt.Sprintf("%d from a bot check (%s), not from access control", u.Status, u.BotCheck)
			if u.Kind != store.KindExternal {
				msg += ": your CDN challenges crawlers; check that search engines are let through"
			}
			c.Report(msg, c.Referrers())
			return nil
		},
	},
	{
		ID: ChallengeMalformed, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "WWW-Authenticate headers that do not parse",
		Why:     "clients cannot tell how to authenticate from a malformed challenge",
		Explain: "a WWW-Authenticate header that does not parse as RFC 9110 section 11 challenges",
		Fix:     "send `scheme param=\"value\", …` (e.g. Basic realm=\"staff\"); quote values that hold spaces or commas",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool { return byPageRules(u) && len(u.WWWAuthenticate) > 0 },
		Check: func(c *Check) error {
			if _, err := challenge.Parse(c.URL.WWWAuthenticate); err != nil {
				c.Report(fmt.Sprintf("WWW-Authenticate %q does not parse (%s): clients may not know how to authenticate", strings.Join(c.URL.WWWAuthenticate, ", "), err), c.Referrers())
			}
			return nil
		},
	},
}

// checkLoginRedirect reports a publicly reached redirect chain that ends on
// a login page: a login path with a return-URL parameter, or a page that is
// a login form.
func checkLoginRedirect(c *Check) error {
	refs, err := c.PublicOrListed()
	if err != nil || len(refs) == 0 && !c.URL.InSitemap {
		return err
	}
	ch, err := c.chain()
	if err != nil {
		return err
	}
	// Each target in turn: the hops after the first, then where the chain
	// goes on without a record (not a loop's repeat, already judged).
	for i, target := range chainURLs(ch)[1:] {
		var next *store.URL
		if i+1 < len(ch.Hops) {
			next = &ch.Hops[i+1]
		} else if ch.Loop {
			return nil
		}
		if analysis.LoginRedirectTarget(target) || next != nil && next.Status >= 200 && next.Status < 300 && next.LoginForm {
			c.Report(fmt.Sprintf("redirects to the login page %s: a soft 401 that search engines follow and find nothing to index", target), refs)
			return nil
		}
	}
	return nil
}

// rejectionCause explains a 401 to a request with credentials: the scheme
// asked for against the one given, or else the usual causes.
func rejectionCause(given string, cs []challenge.Challenge) string {
	var asked []string
	match := false
	for _, c := range cs {
		asked = append(asked, c.Canonical())
		if given != "" && c.Is(given) {
			match = true
		}
	}
	switch {
	case given != "" && len(asked) > 0 && !match:
		return fmt.Sprintf("the server asks for %s but the crawl sent %s credentials (wrong scheme)", strings.Join(asked, " or "), given)
	case param(cs, "error") == "invalid_token":
		return `the server says error="invalid_token": the token is expired, revoked, malformed or for another audience`
	}
	return "wrong credentials? User names, passwords and tokens are case-sensitive"
}

// verb picks the singular or plural form for n subjects.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reachedFrom says how a URL is publicly reached: by n public pages or
// sitemaps, or by a sitemap listing alone.
func reachedFrom(n int, inSitemap bool) string {
	if n == 0 && inSitemap {
		return "a sitemap"
	}
	return count(n, "public page or sitemap")
}

// param returns the first value of the auth-param name in cs.
func param(cs []challenge.Challenge, name string) string {
	for _, c := range cs {
		if v, ok := c.Param(name); ok {
			return v
		}
	}
	return ""
}

func scopeText(cs []challenge.Challenge) string {
	if s := param(cs, "scope"); s != "" {
		return fmt.Sprintf(", scope needed: %q", s)
	}
	return ""
}

// describeChallenges renders parsed challenges as "Basic realm="x"", or the
// raw values when they did not parse.
func describeChallenges(cs []challenge.Challenge, raw []string) string {
	if len(cs) == 0 {
		return strings.Join(raw, ", ")
	}
	var parts []string
	for _, c := range cs {
		p := c.Canonical()
		if r := c.Realm(); r != "" {
			p += fmt.Sprintf(" realm=%q", r)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
