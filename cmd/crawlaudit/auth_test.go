package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/credentials"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// Secrets the auth fixtures use; no output may contain them.
const (
	testUser     = "Baker"
	testPassword = "s3cret-Flour"
	testCookie   = "sess-7f3a9c"
	testAPIKey   = "key-9d2e11"
)

// makeJWT returns an unsigned-looking JWS (the crawler decodes, never
// verifies) with the given expiry.
func makeJWT(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	h := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p := enc(fmt.Appendf(nil, `{"exp":%d,"iat":%d,"aud":"bakery-api","scope":"read:app"}`, exp.Unix(), exp.Add(-time.Hour).Unix()))
	return h + "." + p + ".c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
}

// authSite is the protected fixture: a public home page linking to
// protected pages and assets, a redirect to a login page, a login wall, a
// bot wall, Digest and multi-challenge 401s, a 403 even with credentials, a
// malformed challenge, a redirect to the foreign origin and a link to it.
// Credentials are a Bearer token, Basic user:password, the session cookie,
// or the X-Api-Key header. revokeAfter > 0 makes the token stop working
// after that many accepted requests.
type authSite struct {
	token       string
	revokeAfter int64
	accepted    atomic.Int64
	foreign     string
}

func (s *authSite) authed(r *http.Request) (ok bool, badToken bool) {
	a := r.Header.Get("Authorization")
	if tok, found := strings.CutPrefix(a, "Bearer "); found {
		if tok != s.token || s.revokeAfter > 0 && s.accepted.Load() >= s.revokeAfter {
			return false, true
		}
		s.accepted.Add(1)
		return true, false
	}
	if u, p, found := r.BasicAuth(); found && u == testUser && p == testPassword {
		return true, false
	}
	if c, err := r.Cookie("session"); err == nil && c.Value == testCookie {
		return true, false
	}
	return r.Header.Get("X-Api-Key") == testAPIKey, false
}

func page(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html><head><title>t</title></head><body>%s</body></html>", body)
}

func (s *authSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	protected := func(body string, challenges ...string) {
		ok, bad := s.authed(r)
		if ok {
			if strings.HasSuffix(r.URL.Path, ".png") {
				w.Header().Set("Content-Type", "image/png")
				w.Write([]byte("\x89PNG"))
				return
			}
			page(w, 200, body)
			return
		}
		for _, c := range challenges {
			if bad && strings.HasPrefix(c, "Bearer") {
				c += `, error="invalid_token", error_description="The access token was revoked"`
			}
			w.Header().Add("WWW-Authenticate", c)
		}
		page(w, 401, "Log in")
	}
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "User-agent: *\nDisallow:\n")
	case p == "/":
		page(w, 200, `<a href="/docs/">Docs</a> <a href="/app/">App</a> <a href="/members">Members</a>
<a href="/wall">Wall</a> <a href="/bot">Bot</a> <a href="/digest">Digest</a> <a href="/multi">Multi</a>
<a href="/forbidden">Forbidden</a> <a href="/malformed">Malformed</a> <a href="/out">Out</a>
<a href="/login?return=%2F">Log in</a> <a href="`+s.foreign+`/page">Partner</a> <img src="/private/logo.png">`)
	case p == "/docs/":
		page(w, 200, `Public docs`)
	case p == "/app/":
		var links strings.Builder
		for i := 1; i <= 12; i++ {
			fmt.Fprintf(&links, `<a href="/app/%d">%d</a> `, i, i)
		}
		protected(links.String(), `Bearer realm="app"`)
	case strings.HasPrefix(p, "/app/"):
		protected("App page", `Bearer realm="app"`)
	case p == "/private/logo.png":
		protected("", `Bearer realm="app"`)
	case p == "/members":
		http.Redirect(w, r, "/login?return=%2Fmembers", http.StatusFound)
	case p == "/login":
		page(w, 200, `<form method="post"><input name="user"><input type="password" name="pw"></form>`)
	case p == "/wall":
		page(w, 200, `<h1>Members only</h1><form><input type=password name=p></form>`)
	case p == "/bot":
		w.Header().Set("Cf-Mitigated", "challenge")
		page(w, 403, "Just a moment...")
	case p == "/digest": // crawlaudit does not speak Digest: always 401
		w.Header().Set("WWW-Authenticate", `Digest realm="ops", nonce="abc", qop="auth"`)
		page(w, 401, "Ops")
	case p == "/multi":
		protected("Multi", `Basic realm="staff", Bearer realm="app"`)
	case p == "/forbidden":
		w.Header().Set("WWW-Authenticate", `Bearer realm="app", error="insufficient_scope", scope="admin"`)
		page(w, 403, "No")
	case p == "/malformed":
		w.Header().Set("WWW-Authenticate", `Basic realm="unterminated`)
		page(w, 401, "No")
	case p == "/out":
		http.Redirect(w, r, s.foreign+"/landing", http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// authFixture starts the foreign server (a plain site whose log records
// every Authorization and Cookie header) and the protected site.
func authFixture(t *testing.T, site *authSite) (start string, plog, flog *testsite.Log) {
	t.Helper()
	flog, plog = &testsite.Log{}, &testsite.Log{}
	foreign := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page(w, 200, "partner")
	}), flog)
	t.Cleanup(foreign.Close)
	site.foreign = foreign.URL
	srv := testsite.Start(site, plog)
	t.Cleanup(srv.Close)
	return srv.URL + "/", plog, flog
}

type crawlDoc struct {
	Settings map[string]string `json:"settings"`
	Auth     struct {
		Credentials string `json:"credentials"`
		Token       *struct {
			Expires            string `json:"expires"`
			Audience           string `json:"audience"`
			Scope              string `json:"scope"`
			ExpiredBeforeCrawl bool   `json:"expired_before_crawl"`
		} `json:"token"`
		Realms []struct {
			Scheme, Realm string
			URLs          int    `json:"urls"`
			FirstSeen     string `json:"first_seen"`
		} `json:"realms"`
		ByAccess map[string]int `json:"by_access"`
		ToFix    []struct {
			Rule      string   `json:"rule"`
			URL       string   `json:"url"`
			Referrers []string `json:"referrers"`
		} `json:"to_fix"`
	} `json:"auth"`
	URLs []struct {
		URL             string `json:"url"`
		Status          int    `json:"status"`
		Credentials     string `json:"credentials"`
		AnonymousStatus int    `json:"anonymous_status"`
		Access          string `json:"access"`
	} `json:"urls"`
	Findings []struct {
		Rule      string   `json:"rule"`
		Severity  string   `json:"severity"`
		URL       string   `json:"url"`
		Message   string   `json:"message"`
		Referrers []string `json:"referrers"`
	} `json:"findings"`
}

// authCrawl runs `crawlaudit crawl` in process with env set and returns the
// exit code, stdout, stderr, crawl.json and the concatenated output files.
func authCrawl(t *testing.T, start string, env map[string]string, args ...string) (int, string, string, crawlDoc, string) {
	t.Helper()
	for _, k := range []string{credentials.EnvBasicAuth, credentials.EnvBearerToken} {
		t.Setenv(k, env[k])
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"crawl", start, "--out", out, "--fail-on", "never", "--concurrency", "1"}, args...), &stdout, &stderr)
	var doc crawlDoc
	var all strings.Builder
	if code == 0 {
		b, err := os.ReadFile(filepath.Join(out, "crawl.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(out, e.Name()))
			all.Write(b)
		}
	}
	return code, stdout.String(), stderr.String(), doc, all.String()
}

// authFindings returns "rule path" for every finding of the listed rules,
// sorted, paths relative to origin.
func authFindings(doc crawlDoc, origin string, rules ...string) []string {
	var out []string
	for _, f := range doc.Findings {
		if slices.Contains(rules, f.Rule) {
			out = append(out, f.Rule+" "+strings.TrimPrefix(f.URL, strings.TrimSuffix(origin, "/")))
		}
	}
	sort.Strings(out)
	return out
}

var authRuleIDs = []string{"redirect-to-login", "login-wall", "protected-linked-publicly", "protected-asset-on-public-page",
	"forbidden-with-credentials", "credentials-rejected", "credentials-rejected-mid-crawl", "basic-auth-over-http",
	"forbidden-with-challenge", "bot-protection", "challenge-malformed", "forbidden-linked-page", "unauthorized-linked-page", "unauthorized-asset"}

// noLeak checks that the foreign server never saw credentials and that no
// output holds a secret.
func noLeak(t *testing.T, flog *testsite.Log, outputs string, secrets ...string) {
	t.Helper()
	reqs := flog.Requests()
	if len(reqs) == 0 {
		t.Error("foreign server got no request: the leak check proves nothing")
	}
	for _, r := range reqs {
		if r.Authorization != "" || r.Cookie != "" {
			t.Errorf("foreign server got credentials on %s %s (Authorization %d bytes, Cookie %d bytes)", r.Method, r.URI, len(r.Authorization), len(r.Cookie))
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(outputs, s) {
			t.Errorf("a secret appears in the outputs")
		}
	}
}

func TestAuthAnonymousCrawlReadsEveryChallenge(t *testing.T) {
	site := &authSite{token: "unused"}
	start, _, flog := authFixture(t, site)
	code, stdout, _, doc, outputs := authCrawl(t, start, nil)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	got := authFindings(doc, start, authRuleIDs...)
	want := []string{
		"basic-auth-over-http /digest",
		"basic-auth-over-http /multi",
		"bot-protection /bot",
		"challenge-malformed /malformed",
		"forbidden-linked-page /forbidden",
		"forbidden-with-challenge /forbidden",
		"login-wall /wall",
		"redirect-to-login /members",
		"unauthorized-asset /private/logo.png",
		"unauthorized-linked-page /app/",
		"unauthorized-linked-page /digest",
		"unauthorized-linked-page /malformed",
		"unauthorized-linked-page /multi",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	realms := map[string]int{}
	for _, r := range doc.Auth.Realms {
		realms[r.Scheme+" "+r.Realm] = r.URLs
	}
	wantRealms := map[string]int{"Bearer app": 4, "Digest ops": 1, "Basic staff": 1}
	if fmt.Sprint(realms) != fmt.Sprint(wantRealms) {
		t.Errorf("realms = %v, want %v", realms, wantRealms)
	}
	for _, s := range []string{"Authentication", "Crawled without credentials", "Public referrers to fix", "Bearer | app"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	noLeak(t, flog, outputs)
}

func TestAuthBearerCompareAnonymous(t *testing.T) {
	tok := makeJWT(time.Now().Add(2 * time.Hour))
	site := &authSite{token: tok}
	start, plog, flog := authFixture(t, site)
	code, stdout, stderr, doc, outputs := authCrawl(t, start, map[string]string{credentials.EnvBearerToken: tok}, "--compare-anonymous")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := authFindings(doc, start, authRuleIDs...)
	want := []string{
		"basic-auth-over-http /digest",
		"bot-protection /bot",
		"challenge-malformed /malformed",
		"credentials-rejected /digest",
		"credentials-rejected /malformed",
		"forbidden-linked-page /forbidden",
		"forbidden-with-challenge /forbidden",
		"forbidden-with-credentials /forbidden",
		"login-wall /wall",
		"protected-asset-on-public-page /private/logo.png",
		"protected-linked-publicly /app/",
		"protected-linked-publicly /multi",
		"redirect-to-login /members",
		"unauthorized-linked-page /digest",
		"unauthorized-linked-page /malformed",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	for _, f := range doc.Findings {
		switch f.Rule {
		case "forbidden-with-credentials":
			if !strings.Contains(f.Message, `insufficient_scope`) || !strings.Contains(f.Message, `"admin"`) {
				t.Errorf("forbidden-with-credentials message lacks the scope: %s", f.Message)
			}
		case "credentials-rejected":
			if strings.HasSuffix(f.URL, "/digest") && !strings.Contains(f.Message, "asks for Digest but the crawl sent Bearer") {
				t.Errorf("credentials-rejected on /digest does not name the scheme mismatch: %s", f.Message)
			}
		case "protected-linked-publicly":
			if !slices.Equal(f.Referrers, []string{start}) {
				t.Errorf("%s referrers = %q, want the home page", f.URL, f.Referrers)
			}
		}
	}
	access := map[string]string{}
	for _, u := range doc.URLs {
		access[strings.TrimPrefix(u.URL, strings.TrimSuffix(start, "/"))] = u.Access
	}
	for path, want := range map[string]string{"/": "public", "/docs/": "public", "/app/": "protected", "/app/7": "protected",
		"/private/logo.png": "protected", "/forbidden": "forbidden-with-credentials", "/digest": "credentials-rejected"} {
		if access[path] != want {
			t.Errorf("access of %s = %q, want %q", path, access[path], want)
		}
	}
	if n := doc.Auth.ByAccess["protected"]; n != 15 { // /app/, /app/1–12, /multi, logo
		t.Errorf("by_access protected = %d, want 15", n)
	}
	if tk := doc.Auth.Token; tk == nil || tk.Audience != "bakery-api" || tk.Scope != "read:app" || tk.ExpiredBeforeCrawl {
		t.Errorf("token summary = %+v", tk)
	}
	// Every /app/ page was requested with and without the token.
	var with, without int
	for _, r := range plog.Requests() {
		if r.URI == "/app/5" {
			if r.Authorization == "Bearer "+tok {
				with++
			} else if r.Authorization == "" {
				without++
			}
		}
	}
	if with != 1 || without != 1 {
		t.Errorf("/app/5 requested %d times with the token, %d without; want 1 and 1", with, without)
	}
	if !strings.Contains(stdout, "With and without credentials") {
		t.Error("summary lacks the access table")
	}
	noLeak(t, flog, outputs+stdout+stderr, tok, strings.Split(tok, ".")[1])
}

func TestAuthWrongSchemeIsExplained(t *testing.T) {
	site := &authSite{token: makeJWT(time.Now().Add(time.Hour))}
	start, _, flog := authFixture(t, site)
	code, _, stderr, doc, outputs := authCrawl(t, start, map[string]string{credentials.EnvBasicAuth: "baker:" + testPassword}) // wrong case
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var msgs []string
	for _, f := range doc.Findings {
		if f.Rule == "credentials-rejected" && strings.HasSuffix(f.URL, "/app/") {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "asks for Bearer but the crawl sent Basic") {
		t.Errorf("credentials-rejected on /app/ = %q", msgs)
	}
	got := authFindings(doc, start, "credentials-rejected")
	want := []string{"credentials-rejected /app/", "credentials-rejected /digest", "credentials-rejected /malformed", "credentials-rejected /multi", "credentials-rejected /private/logo.png"}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	// /multi offers Basic realm="staff": the case-mismatched user name is
	// rejected with the generic explanation.
	for _, f := range doc.Findings {
		if f.Rule == "credentials-rejected" && strings.HasSuffix(f.URL, "/multi") && !strings.Contains(f.Message, "case-sensitive") {
			t.Errorf("/multi: %s", f.Message)
		}
	}
	if got := authFindings(doc, start, "credentials-rejected-mid-crawl"); len(got) != 0 {
		t.Errorf("mid-crawl rejection reported for wrong credentials: %q", got)
	}
	noLeak(t, flog, outputs, testPassword, base64.StdEncoding.EncodeToString([]byte("baker:"+testPassword)))
}

func TestAuthTokenRevokedMidCrawl(t *testing.T) {
	tok := makeJWT(time.Now().Add(time.Hour))
	site := &authSite{token: tok, revokeAfter: 6}
	start, plog, flog := authFixture(t, site)
	code, _, stderr, doc, outputs := authCrawl(t, start, map[string]string{credentials.EnvBearerToken: tok})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var mid []string
	var midURL string
	for _, f := range doc.Findings {
		if f.Rule == "credentials-rejected-mid-crawl" {
			mid, midURL = append(mid, f.Message), strings.TrimPrefix(f.URL, strings.TrimSuffix(start, "/"))
			if f.Severity != "error" {
				t.Errorf("severity %s", f.Severity)
			}
		}
	}
	if len(mid) != 1 {
		t.Fatalf("credentials-rejected-mid-crawl findings = %q, want 1", mid)
	}
	// The finding is on the first 401 with the revoked token. Which URL that
	// is depends on the order the answers arrive in: a Bearer-protected one,
	// whose challenge says why, or /digest or /malformed, which answer 401 to
	// everyone; then the reason comes from the re-request of a URL that had
	// accepted the token (the crawl keeps that answer).
	t.Logf("mid-crawl rejection found on %s", midURL)
	for _, s := range []string{"credentials stopped working at 20", `error="invalid_token"`, "The access token was revoked", "token expired?"} {
		if !strings.Contains(mid[0], s) {
			t.Errorf("message lacks %q: %s", s, mid[0])
		}
	}
	if !strings.Contains(stderr, "credentials stopped working during the crawl") {
		t.Errorf("stderr lacks the warning: %s", stderr)
	}
	// Once rejected, the token is never sent again.
	reqs := plog.Requests()
	last := -1
	for i, r := range reqs {
		if r.Authorization != "" {
			last = i
		}
	}
	if last < 0 || last == len(reqs)-1 {
		t.Errorf("the token was sent up to the last request (%d of %d): it should stop after the rejection", last+1, len(reqs))
	}
	for _, r := range reqs[last+1:] {
		if r.Authorization != "" {
			t.Errorf("token sent after rejection: %s", r.URI)
		}
	}
	if got := authFindings(doc, start, "credentials-rejected"); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "/app/") }) {
		t.Errorf("401s after the mid-crawl rejection were reported as credentials-rejected: %q", got)
	}
	noLeak(t, flog, outputs+stderr, tok)
}

func TestAuthCookieAndHeaderFiles(t *testing.T) {
	site := &authSite{token: "unused"}
	start, plog, flog := authFixture(t, site)
	dir := t.TempDir()
	cookies := filepath.Join(dir, "cookies.txt")
	// The cookie is for host 127.0.0.1, which the foreign server shares
	// (on another port): only the origin check keeps it from going there.
	content := "# Netscape HTTP Cookie File\n#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t" + testCookie + "\n127.0.0.1\tFALSE\t/\tFALSE\t1\told\texpired\n"
	if err := os.WriteFile(cookies, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr, doc, outputs := authCrawl(t, start, nil, "--cookie-file", cookies)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := authFindings(doc, start, "credentials-rejected", "unauthorized-linked-page"); !slices.Contains(got, "credentials-rejected /digest") || slices.Contains(got, "unauthorized-linked-page /app/") {
		t.Errorf("cookie session did not open /app/: %q", got)
	}
	for _, r := range plog.Requests() {
		if strings.Contains(r.Cookie, "old=") {
			t.Errorf("expired cookie sent on %s", r.URI)
		}
	}
	noLeak(t, flog, outputs, testCookie)

	headers := filepath.Join(dir, "headers.txt")
	if err := os.WriteFile(headers, []byte("# API key\nX-Api-Key: "+testAPIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flog2before := len(flog.Requests())
	code, _, stderr, doc, outputs = authCrawl(t, start, nil, "--header-file", headers, "--compare-anonymous")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := authFindings(doc, start, "protected-linked-publicly"); !slices.Equal(got, []string{"protected-linked-publicly /app/", "protected-linked-publicly /multi"}) {
		t.Errorf("header file: %q", got)
	}
	if doc.Auth.Credentials != "headers X-Api-Key (--header-file)" {
		t.Errorf("auth.credentials = %q", doc.Auth.Credentials)
	}
	if len(flog.Requests()) == flog2before {
		t.Error("second crawl did not reach the foreign server")
	}
	noLeak(t, flog, outputs, testAPIKey)
}

func TestAuthJWTExpiry(t *testing.T) {
	tests := []struct {
		name    string
		exp     time.Duration
		warn    string
		expired bool
	}{
		{"expired token is reported before the crawl", -time.Hour, "expired at", true},
		{"token expiring within the crawl is reported", 2 * time.Minute, "expires at", false},
		{"long-lived token is not reported", 3 * time.Hour, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exp := time.Now().Add(tc.exp).Truncate(time.Second)
			tok := makeJWT(exp)
			site := &authSite{token: tok}
			start, _, flog := authFixture(t, site)
			code, stdout, stderr, doc, outputs := authCrawl(t, start, map[string]string{credentials.EnvBearerToken: tok})
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tc.warn == "" && strings.Contains(stderr, "Bearer token") || tc.warn != "" && !strings.Contains(stderr, "the Bearer token "+tc.warn+" "+exp.UTC().Format(time.RFC3339)) {
				t.Errorf("stderr = %q, want warning %q", stderr, tc.warn)
			}
			if tk := doc.Auth.Token; tk == nil || tk.Expires != exp.UTC().Format(time.RFC3339) || tk.ExpiredBeforeCrawl != tc.expired {
				t.Errorf("token summary = %+v", tk)
			}
			if tc.expired && !strings.Contains(stdout, "EXPIRED before the crawl started") {
				t.Error("summary does not flag the expired token")
			}
			noLeak(t, flog, outputs+stdout+stderr, tok)
		})
	}
}

func TestAuthUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("X-Api-Key "+testAPIKey+"\n"), 0o600)
	badCookies := filepath.Join(dir, "cookies.txt")
	os.WriteFile(badCookies, []byte("127.0.0.1\tFALSE\t/\tsession\t"+testCookie+"\n"), 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"compare without credentials", nil, []string{"--compare-anonymous"}, "--compare-anonymous needs credentials"},
		{"basic without colon", map[string]string{credentials.EnvBasicAuth: testPassword}, nil, "must be user:password"},
		{"basic and bearer", map[string]string{credentials.EnvBasicAuth: "a:b", credentials.EnvBearerToken: "t"}, nil, "not both"},
		{"header line without colon", nil, []string{"--header-file", bad}, "line 1: want `Name: value`"},
		{"cookie line with 5 fields", nil, []string{"--cookie-file", badCookies}, "line 1: want 7 tab-separated fields"},
		{"auth origin with a path", map[string]string{credentials.EnvBasicAuth: "a:b"}, []string{"--auth-origin", "https://x.example/path"}, "want scheme://host[:port]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{credentials.EnvBasicAuth, credentials.EnvBearerToken} {
				t.Setenv(k, tc.env[k])
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"crawl", "http://127.0.0.1:1/", "--out", t.TempDir()}, tc.args...), &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
			for _, s := range []string{testPassword, testAPIKey, testCookie} {
				if strings.Contains(stderr.String(), s) {
					t.Errorf("error message shows a secret: %q", stderr.String())
				}
			}
		})
	}
}
