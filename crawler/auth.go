package crawler

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/crawlaudit/crawlaudit/internal/challenge"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Credentials are what an authenticated crawl sends, and where. They are
// data handed over by cmd (which reads them from the environment and from
// files); the crawler never logs, records or reports their values.
type Credentials struct {
	// Header holds the header fields to add to each request to an allowed
	// origin (Authorization, or any custom header). Nil adds none.
	Header http.Header
	// Cookies are sent, as one Cookie header, to allowed origins whose
	// host, path and scheme they match and before they expire.
	Cookies []Cookie
	// Origins are the extra origins ("https://api.example.com:8443") that
	// get the credentials. The start URL's origin always does; no other
	// origin ever does: not an external link, not a redirect target on
	// another host, not a robots.txt or sitemap elsewhere.
	Origins []string
}

// Cookie is one line of a Netscape cookies.txt file.
type Cookie struct {
	Domain     string    // host the cookie belongs to, without a leading dot
	Subdomains bool      // also sent to subdomains of Domain
	Path       string    // path prefix; "" or "/" is every path
	Secure     bool      // only sent over https
	Expires    time.Time // zero: a session cookie, never expires during the crawl
	Name       string
	Value      string
}

// Internal marker header names. anonHeader on a request asks the
// credentials transport to send it without credentials (it is removed
// before the request leaves); sentHeader is set on a response whose request
// carried credentials (the crawler removes it before recording headers).
const (
	anonHeader = "X-Crawlaudit-Anonymous"
	sentHeader = "X-Crawlaudit-Credentials-Sent"
)

// authTransport adds credentials to requests for allowed origins only,
// deciding per request: each redirect hop is its own request (the crawler
// stops at every hop), so a redirect to another host never carries them.
// Once distrusted (the credentials stopped working mid-crawl) it adds
// nothing more.
type authTransport struct {
	next       http.RoundTripper
	header     http.Header
	cookies    []Cookie
	origins    map[string]bool // originKey form
	now        func() time.Time
	distrusted atomic.Bool
}

func newAuthTransport(next http.RoundTripper, c *Credentials, start *url.URL, now func() time.Time) *authTransport {
	t := &authTransport{next: next, header: c.Header.Clone(), cookies: c.Cookies, origins: map[string]bool{originKey(start): true}, now: now}
	for _, o := range c.Origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			t.origins[originKey(u)] = true
		}
	}
	return t
}

// originKey is scheme://host:port with the default port made explicit, so
// that http://h and http://h:80 are one origin (RFC 6454).
func originKey(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

func (t *authTransport) allowed(u *url.URL) bool { return t.origins[originKey(u)] }

// cookieHeader returns the Cookie header value for u, or "".
func (t *authTransport) cookieHeader(u *url.URL) string {
	var parts []string
	host := strings.ToLower(u.Hostname())
	now := t.now()
	for _, c := range t.cookies {
		d := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
		if host != d && !(c.Subdomains && strings.HasSuffix(host, "."+d)) {
			continue
		}
		if c.Secure && u.Scheme != "https" {
			continue
		}
		if !c.Expires.IsZero() && !c.Expires.After(now) {
			continue
		}
		if p := c.Path; p != "" && p != "/" {
			path := u.EscapedPath()
			if path != p && !strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
				continue
			}
		}
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// headerFor returns the header fields a request to u gets: the credentials
// and the Cookie header for an allowed origin, while they are trusted; nil
// for any other origin. The renderer attaches them to each request and
// redirect hop it lets through, so that they reach the same origins as the
// crawl's own requests.
func (t *authTransport) headerFor(u *url.URL) http.Header {
	if t.distrusted.Load() || !t.allowed(u) {
		return nil
	}
	h := t.header.Clone()
	if c := t.cookieHeader(u); c != "" {
		if h == nil {
			h = http.Header{}
		}
		h.Set("Cookie", c)
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	anon := req.Header.Get(anonHeader) != ""
	send := !anon && !t.distrusted.Load() && t.allowed(req.URL)
	var cookie string
	if send {
		cookie = t.cookieHeader(req.URL)
		send = len(t.header) > 0 || cookie != ""
	}
	if !send && !anon {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Del(anonHeader)
	if send {
		for k, vs := range t.header {
			r.Header[k] = append([]string(nil), vs...)
		}
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
	}
	resp, err := t.next.RoundTrip(r)
	if send && resp != nil {
		resp.Header.Set(sentHeader, "1")
	}
	return resp, err
}

// authState follows whether the credentials still work: the URLs that
// answered 2xx with them (newest last, a few kept as canaries), and whether
// a rejection was confirmed.
type authState struct {
	t        *authTransport
	mu       sync.Mutex
	ok       []okURL // recent 2xx answers to requests with credentials
	checks   int     // canary checks done
	since    int     // 401s with credentials since the last check
	rejected bool
	proof    []string // WWW-Authenticate of the canary that proved the rejection
}

type okURL struct {
	url  string
	anon int // anonymous status when compared, 0 otherwise
}

// maxCanaryChecks bounds the extra requests spent confirming rejections.
// Checks back off exponentially (at the 1st, 2nd, 4th, 8th, … 401 with
// credentials), so a site with many 401s that have nothing to do with
// expiry costs a few requests, and a token revoked late in a long crawl is
// still caught within a factor of two.
const maxCanaryChecks = 16

// noteOK remembers a URL that answered 2xx with credentials.
func (a *authState) noteOK(u string, anon int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ok = append(a.ok, okURL{u, anon})
	if len(a.ok) > 16 {
		a.ok = a.ok[len(a.ok)-16:]
	}
}

// rejectedMidCrawl is called when a request with credentials answered 401.
// If URLs answered 2xx with the credentials before, it re-requests one of
// them that is protected (it answers 401/403 without credentials): if that
// now answers 401 with the credentials too, the credentials stopped working
// (token expired or revoked, password changed): the crawler stops sending
// them and returns true. It returns true as well for the 401s that arrive
// while or after that is found out.
//
// first is true only for the call that found it out.
//
// Checks back off (see maxCanaryChecks) unless strong: the server said
// error="invalid_token" (RFC 6750), the very signal of an expired token.
func (cr *crawler) rejectedMidCrawl(ctx context.Context, strong bool) (rejected, first bool) {
	a := cr.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rejected {
		return true, false
	}
	if len(a.ok) == 0 || a.checks >= maxCanaryChecks {
		return false, false
	}
	a.since++
	if !strong && a.since < 1<<a.checks>>1 {
		return false, false
	}
	a.since = 0
	a.checks++
	tried := 0
	for i := len(a.ok) - 1; i >= 0 && tried < 3; i-- {
		c := a.ok[i]
		anon := c.anon
		if anon == 0 {
			tried++
			anon, _, _ = cr.probe(ctx, c.url, true)
		}
		if anon != http.StatusUnauthorized && anon != http.StatusForbidden {
			continue // public (or unknown): says nothing about the credentials
		}
		status, sent, hdr := cr.probe(ctx, c.url, false)
		if status == http.StatusUnauthorized && sent {
			a.rejected = true
			a.proof = hdr.Values("WWW-Authenticate")
			a.t.distrusted.Store(true)
			return true, true
		}
		if status >= 200 && status < 300 {
			return false, false // still accepted: this 401 is about one URL
		}
	}
	return false, false
}

// probe GETs u outside the frontier (for canary checks) and returns its
// status, whether credentials were sent, and its header.
func (cr *crawler) probe(ctx context.Context, u string, anonymous bool) (int, bool, http.Header) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, false, nil
	}
	req.Header.Set("User-Agent", cr.cfg.UserAgent)
	if anonymous {
		req.Header.Set(anonHeader, "1")
	}
	cr.requests.Add(1)
	resp, err := cr.client.Do(req)
	if err != nil {
		return 0, false, nil
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, resp.Header.Get(sentHeader) != "", resp.Header
}

// compareAnonymous requests j again without credentials and returns the
// status (0 for no answer). HEAD jobs are confirmed with GET like in
// process.
func (cr *crawler) compareAnonymous(j *job, method string) int {
	hdr := http.Header{}
	hdr.Set(anonHeader, "1")
	fetch := func(m string) *result {
		r := &result{}
		cctx := colly.NewContext()
		cctx.Put(resultKey, r)
		if err := cr.c.Request(m, j.url, nil, cctx, hdr.Clone()); err != nil && r.err == nil {
			r.err = err
		}
		return r
	}
	r := fetch(method)
	if method == http.MethodHead && (r.status < 200 || r.status > 299) {
		r = fetch(http.MethodGet)
	}
	return r.status
}

// recordAuth fills the authentication fields of rec from the answer r and
// handles credentials that stop working. It runs for every answered request;
// the anonymous comparison only with Config.CompareAnonymous.
func (cr *crawler) recordAuth(ctx context.Context, j *job, method string, r *result, rec *store.URL) {
	if r.header.Get(sentHeader) != "" {
		r.header.Del(sentHeader)
		rec.Credentials = store.CredentialsSent
	}
	rec.BotCheck = botCheck(r.status, r.header, r.body)
	rec.Challenges = parseChallenges(rec.WWWAuthenticate)
	if r.status >= 200 && r.status < 300 && method == http.MethodGet && isHTML(rec.ContentType, r.body) {
		rec.LoginForm = hasPasswordField(r.body)
	}
	if cr.auth == nil || rec.Credentials == "" {
		return
	}
	if cr.cfg.CompareAnonymous && j.kind != store.KindExternal {
		rec.AnonymousStatus = cr.compareAnonymous(j, method)
	}
	switch {
	case r.status >= 200 && r.status < 300:
		cr.auth.noteOK(j.url, rec.AnonymousStatus)
	case r.status == http.StatusUnauthorized:
		rejected, first := cr.rejectedMidCrawl(ctx, strings.Contains(bearerError(rec.WWWAuthenticate), `"invalid_token"`))
		if rejected {
			rec.Credentials = store.CredentialsRejectedMidCrawl
		}
		if first {
			cr.warn("credentials stopped working during the crawl (401 with credentials on URLs that had answered 2xx with them" + bearerError(rec.WWWAuthenticate) + "): token expired or revoked? No longer sending them")
		}
	}
}

// parseChallenges maps WWW-Authenticate values to store challenges; nil
// when there are none or they do not parse (audit reports those).
func parseChallenges(values []string) []store.Challenge {
	if len(values) == 0 {
		return nil
	}
	cs, err := challenge.Parse(values)
	if err != nil {
		return nil
	}
	out := make([]store.Challenge, 0, len(cs))
	for _, c := range cs {
		sc := store.Challenge{Scheme: c.Canonical(), Realm: c.Realm()}
		sc.Error, _ = c.Param("error")
		sc.ErrorDescription, _ = c.Param("error_description")
		sc.Scope, _ = c.Param("scope")
		out = append(out, sc)
	}
	return out
}

// bearerError returns `; error="…"` for the first challenge with an error
// parameter, or "".
func bearerError(values []string) string {
	cs, _ := challenge.Parse(values)
	for _, c := range cs {
		if e, ok := c.Param("error"); ok {
			return `; error="` + e + `"`
		}
	}
	return ""
}

// botMarkers are body fragments of CDN/WAF bot-check pages (lower case).
var botMarkers = []struct{ marker, name string }{
	{"/cdn-cgi/challenge-platform/", "Cloudflare challenge page"},
	{"cf-chl-", "Cloudflare challenge page"},
	{"<title>just a moment...</title>", "Cloudflare challenge page"},
	{"attention required! | cloudflare", "Cloudflare block page"},
	{"_incapsula_resource", "Imperva/Incapsula challenge page"},
	{"captcha-delivery.com", "DataDome captcha page"},
	{"px-captcha", "PerimeterX/HUMAN captcha page"},
	{"awswafintegration", "AWS WAF challenge page"},
	{"sgcaptcha", "SiteGround captcha page"},
	{"errors.edgesuite.net", "Akamai block page"},
	{"ddos-guard", "DDoS-Guard check page"},
	{"please enable cookies and javascript to continue", "bot check page"},
	{"verify you are human", "bot check page"},
}

// botCheck returns the evidence that a 403/429/503 (or the non-standard
// 999) answer came from a CDN or WAF bot check rather than from the site's
// access control, or "" when there is none.
func botCheck(status int, h http.Header, body []byte) string {
	if status == 999 {
		return "status 999 (a non-standard code bot checks send)"
	}
	if status != http.StatusForbidden && status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return ""
	}
	if v := strings.ToLower(h.Get("Cf-Mitigated")); v != "" {
		return "cf-mitigated: " + v
	}
	if v := strings.ToLower(h.Get("X-Amzn-Waf-Action")); v == "challenge" || v == "captcha" {
		return "x-amzn-waf-action: " + v
	}
	if h.Get("X-Datadome") != "" || h.Get("X-Dd-B") != "" {
		return "DataDome header"
	}
	if len(body) > 0 {
		lb := bytes.ToLower(body[:min(len(body), 64<<10)])
		for _, m := range botMarkers {
			if bytes.Contains(lb, []byte(m.marker)) {
				return m.name + " (" + strings.TrimSpace(m.marker) + ")"
			}
		}
	}
	return ""
}

var passwordRE = regexp.MustCompile(`(?i)<input\b[^>]*\btype\s*=\s*["']?password\b`)

// hasPasswordField reports whether an HTML body has a password input: the
// mark of a login form.
func hasPasswordField(body []byte) bool {
	// Cheap filter first, without copying the body: "password",
	// "Password" and "PASSWORD" all contain one of these.
	if !bytes.Contains(body, []byte("assword")) && !bytes.Contains(body, []byte("ASSWORD")) {
		return false
	}
	return passwordRE.Match(body)
}
