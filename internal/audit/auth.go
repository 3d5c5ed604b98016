package audit

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

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

// authRules are the authentication rules, in README order; rules.go appends
// them to the catalogue.
var authRules = []Rule{
	{RedirectToLogin, store.SeverityWarning,
		"a publicly linked or sitemap-listed URL redirects to a login page (a password form, or a path like /login, /signin, /sso, /auth with a return-URL parameter)",
		"search engines never log in: link publicly only to public content, and keep members-only URLs out of sitemaps and public navigation"},
	{LoginWall, store.SeverityWarning,
		"a publicly linked or sitemap-listed URL answers 200 with a login form instead of content (a soft 401)",
		"answer 401 (or redirect to the login page) for protected content, and stop linking or listing it publicly; a 200 login form looks like thin duplicate content to search engines"},
	{ProtectedLinkedPublicly, store.SeverityWarning,
		"with --compare-anonymous: a page answers 401/403 without credentials and 200 with them, and a public page links to it",
		"remove the links from the public pages listed, or make the page public if it is meant to be"},
	{ProtectedAssetOnPublicPage, store.SeverityError,
		"with --compare-anonymous: an image, script, stylesheet or other asset that a public page uses needs credentials",
		"serve the asset publicly (check the server/CDN rule that protects its folder) or stop using it on public pages: anonymous visitors and search engines see them broken"},
	{ForbiddenWithCredentials, store.SeverityWarning,
		"a URL answers 403 even with the credentials given",
		"the account lacks the right (permissions revoked? a Bearer token without the scope the server names?): grant it, or crawl with an account that has it"},
	{CredentialsRejected, store.SeverityError,
		"a URL answers 401 to a request that carried the credentials given",
		"check the credentials: user names, passwords and tokens are case-sensitive; the scheme must be the one the challenge asks for (Bearer vs Basic); the Authorization header must be well formed and arrive at the server"},
	{CredentialsRejectedMidCrawl, store.SeverityError,
		"credentials that worked earlier in the crawl stopped working (URLs that answered 2xx with them answer 401): the crawler stopped sending them",
		"token expired or revoked? Use a token that lives longer than the crawl, or refresh it, and crawl again"},
	{BasicAuthOverHTTP, store.SeverityWarning,
		"a Basic or Digest challenge on plain http: credentials would travel in clear (Basic) or open to offline attack (Digest)",
		"serve the protected area over https only and redirect http to https before challenging"},
	{ForbiddenWithChallenge, store.SeverityNotice,
		"a 403 that carries WWW-Authenticate: clients are told how to authenticate, then refused anyway",
		"answer 401 with the challenge when credentials could help, 403 without one when they cannot (RFC 9110 sections 15.5.2 and 15.5.4)"},
	{BotProtection, store.SeverityWarning,
		"a 403/429/503 (or 999) that comes from a CDN or WAF bot check, not from the site's access control (on external URLs: a notice)",
		"your CDN or WAF challenges crawlers: check that search engines (verified Googlebot, Bingbot) are let through, and allow-list this crawler for audits"},
	{ChallengeMalformed, store.SeverityWarning,
		"a WWW-Authenticate header that does not parse as RFC 9110 section 11 challenges",
		"send `scheme param=\"value\", …` (e.g. Basic realm=\"staff\"); quote values that hold spaces or commas"},
}

// authScan is what the auth rules need to know about the whole crawl,
// gathered in one pass before the per-URL checks.
type authScan struct {
	credScheme string     // scheme the credentials use ("Basic", "Bearer", "" for cookies/other)
	midCrawl   *store.URL // earliest record where the credentials stopped working
	midError   []string   // WWW-Authenticate of the earliest such record whose challenge has an error parameter
	midErrorAt time.Time
	midCount   int // records answered 401 after they stopped
	okBefore   int // 2xx answers with credentials before midCrawl
}

// scanAuth makes the pre-pass of the auth rules.
func (a *auditor) scanAuth() error {
	meta, err := a.r.Meta()
	if err != nil {
		return err
	}
	s := &authScan{credScheme: meta.Settings["credentials_scheme"]}
	var oks []time.Time
	err = a.r.EachURL(func(u store.URL) error {
		switch {
		case u.Credentials == store.CredentialsRejectedMidCrawl:
			s.midCount++
			if s.midCrawl == nil || u.FetchedAt.Before(s.midCrawl.FetchedAt) {
				c := u
				s.midCrawl = &c
			}
			if cs, _ := challenge.Parse(u.WWWAuthenticate); param(cs, "error") != "" && (s.midError == nil || u.FetchedAt.Before(s.midErrorAt)) {
				s.midError, s.midErrorAt = u.WWWAuthenticate, u.FetchedAt
			}
		case u.Credentials == store.CredentialsSent && u.Status >= 200 && u.Status < 300:
			oks = append(oks, u.FetchedAt)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if s.midError == nil && s.midCrawl != nil {
		// The 401s marked gave no reason (e.g. a URL that answers 401 to
		// everyone set off the check): use the answer of the URL whose
		// re-request proved the rejection, when the crawler kept it.
		var proof []string
		if json.Unmarshal([]byte(meta.Settings["credentials_rejection_proof"]), &proof) == nil {
			if cs, _ := challenge.Parse(proof); param(cs, "error") != "" {
				s.midError = proof
			}
		}
	}
	if s.midCrawl != nil {
		for _, t := range oks {
			if !t.After(s.midCrawl.FetchedAt) {
				s.okBefore++
			}
		}
	}
	a.auth = s
	return nil
}

// checkAuth applies the authentication rules to u. skip is true when u's
// status is not the site's answer at all (a bot wall), so the status rules
// (forbidden, server error) must not judge it.
func (a *auditor) checkAuth(u store.URL, in []store.Edge, add func(rule, msg string, refs []string), all []string) (skip bool, err error) {
	if u.BotCheck != "" {
		msg := fmt.Sprintf("%d from a bot check (%s), not from access control", u.Status, u.BotCheck)
		if u.Kind != store.KindExternal {
			msg += ": your CDN challenges crawlers; check that search engines are let through"
		}
		add(BotProtection, msg, all)
		return true, nil
	}
	s := u.Status
	var cs []challenge.Challenge
	if len(u.WWWAuthenticate) > 0 {
		var perr error
		cs, perr = challenge.Parse(u.WWWAuthenticate)
		if perr != nil {
			add(ChallengeMalformed, fmt.Sprintf("WWW-Authenticate %q does not parse (%s): clients may not know how to authenticate", strings.Join(u.WWWAuthenticate, ", "), perr), all)
		}
	}
	if strings.HasPrefix(u.URL, "http://") {
		for _, c := range cs {
			if c.Is("Basic") || c.Is("Digest") {
				add(BasicAuthOverHTTP, fmt.Sprintf("%s challenge (realm %q) on plain http: credentials would cross the network unprotected", c.Canonical(), c.Realm()), all)
				break
			}
		}
	}
	if s == 403 && len(u.WWWAuthenticate) > 0 {
		add(ForbiddenWithChallenge, "403 Forbidden with WWW-Authenticate: "+describeChallenges(cs, u.WWWAuthenticate), all)
	}
	if s == 403 && u.Credentials != "" {
		msg := "403 Forbidden although the request carried the credentials: the account lacks the right to this URL"
		if e := param(cs, "error"); e == "insufficient_scope" {
			msg += fmt.Sprintf(" (Bearer error=\"insufficient_scope\"%s)", scopeText(cs))
		}
		add(ForbiddenWithCredentials, msg, all)
	}
	if s == 401 && u.Credentials == store.CredentialsSent && (a.auth.midCrawl == nil || u.FetchedAt.Before(a.auth.midCrawl.FetchedAt)) {
		add(CredentialsRejected, "401 Unauthorized although the request carried the credentials: "+a.rejectionCause(cs), all)
	}
	if m := a.auth.midCrawl; m != nil && m.URL == u.URL {
		msg := fmt.Sprintf("credentials stopped working at %s: %s answered 401 with them after %s had answered 2xx with them",
			u.FetchedAt.UTC().Format(time.RFC3339), u.URL, count(a.auth.okBefore, "URL"))
		ecs, _ := challenge.Parse(a.auth.midError)
		if e := param(ecs, "error"); e != "" {
			msg += fmt.Sprintf("; the server says error=%q", e)
			if d := param(ecs, "error_description"); d != "" {
				msg += fmt.Sprintf(" (%s)", d)
			}
		}
		msg += fmt.Sprintf(" — token expired? The crawler stopped sending the credentials; %s answered 401 with them", count(a.auth.midCount, "URL"))
		add(CredentialsRejectedMidCrawl, msg, all)
	}

	switch {
	case s >= 300 && s < 400:
		if err := a.checkLoginRedirect(u, in, add); err != nil {
			return false, err
		}
	case s >= 200 && s < 300 && u.LoginForm && !loginPath(u.URL) && u.Kind == store.KindPage:
		refs, err := a.publicOrListed(u.URL, in)
		if err != nil {
			return false, err
		}
		if len(refs) > 0 || u.InSitemap {
			add(LoginWall, fmt.Sprintf("200 OK with a login form instead of content, reached from %s: a soft 401 that search engines index as a thin page", reachedFrom(len(refs), u.InSitemap)), refs)
		}
	}

	if analysis.Access(u) == analysis.AccessProtected {
		assetRefs, err := a.publicReferrers(u.URL, in, store.EdgeAsset)
		if err != nil {
			return false, err
		}
		if len(assetRefs) > 0 {
			add(ProtectedAssetOnPublicPage, fmt.Sprintf("%d without credentials, %d with them, and %s %s it: anonymous visitors and search engines see %s broken", u.AnonymousStatus, u.Status, count(len(assetRefs), "public page"), verb(len(assetRefs), "uses", "use"), them(len(assetRefs))), assetRefs)
		}
		linkRefs, err := a.publicReferrers(u.URL, in, store.EdgeLink)
		if err != nil {
			return false, err
		}
		if len(linkRefs) > 0 && u.Kind == store.KindPage {
			add(ProtectedLinkedPublicly, fmt.Sprintf("%d without credentials, %d with them, and %s %s to it: search engines and visitors without an account cannot follow the link", u.AnonymousStatus, u.Status, count(len(linkRefs), "public page"), verb(len(linkRefs), "links", "link")), linkRefs)
		}
	}
	return false, nil
}

// rejectionCause explains a 401 to a request with credentials: the scheme
// asked for against the one given, or else the usual causes.
func (a *auditor) rejectionCause(cs []challenge.Challenge) string {
	given := a.auth.credScheme
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

// checkLoginRedirect reports a publicly reached redirect chain that ends on
// a login page.
func (a *auditor) checkLoginRedirect(u store.URL, in []store.Edge, add func(rule, msg string, refs []string)) error {
	refs, err := a.publicOrListed(u.URL, in)
	if err != nil || len(refs) == 0 && !u.InSitemap {
		return err
	}
	cur := &u
	seen := map[string]bool{u.URL: true}
	for cur != nil && cur.Status >= 300 && cur.Status < 400 && cur.Redirect != "" {
		target := cur.Redirect
		if seen[target] {
			return nil
		}
		seen[target] = true
		next, err := a.get(target)
		if err != nil {
			return err
		}
		if loginPath(target) && hasReturnParam(target) || next != nil && next.Status >= 200 && next.Status < 300 && next.LoginForm {
			add(RedirectToLogin, fmt.Sprintf("redirects to the login page %s: a soft 401 that search engines follow and find nothing to index", target), refs)
			return nil
		}
		cur = next
	}
	return nil
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

// publicOrListed returns the public pages that link to url plus the
// sitemaps that list it.
func (a *auditor) publicOrListed(url string, in []store.Edge) ([]string, error) {
	return referrersWhere(url, in, func(e store.Edge) (bool, error) {
		switch e.Type {
		case store.EdgeSitemap:
			return true, nil
		case store.EdgeLink:
			return a.public(e.From)
		}
		return false, nil
	})
}

// loginSegments are path segments that name a login page.
var loginSegments = map[string]bool{
	"login": true, "log-in": true, "logon": true, "signin": true, "sign-in": true, "sign_in": true,
	"sso": true, "auth": true, "authorize": true, "authenticate": true, "oauth": true, "oauth2": true,
	"saml": true, "cas": true, "login.php": true, "wp-login.php": true, "login.aspx": true, "login.jsp": true, "login.html": true,
}

// returnParams are query parameters that carry the URL to return to after
// logging in.
var returnParams = map[string]bool{
	"return": true, "returnurl": true, "return_url": true, "return_to": true, "returnto": true, "next": true,
	"redirect": true, "redirect_uri": true, "redirect_url": true, "redirectto": true, "redirect_to": true,
	"continue": true, "from": true, "dest": true, "destination": true, "url": true, "r": true, "goto": true,
	"came_from": true, "service": true, "target": true, "back": true, "backurl": true,
}

// loginPath reports whether raw's path has a login segment (/login,
// /users/sign_in, /sso/…, /wp-login.php).
func loginPath(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for seg := range strings.SplitSeq(strings.ToLower(u.Path), "/") {
		if loginSegments[seg] {
			return true
		}
	}
	return false
}

// hasReturnParam reports whether raw carries a return-URL parameter.
func hasReturnParam(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	for k := range u.Query() {
		if returnParams[strings.ToLower(k)] {
			return true
		}
	}
	return false
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
