package crawlaudit_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
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

// authRun is what one audit of the auth fixture produced.
type authRun struct {
	res      *crawlaudit.Result
	doc      crawlDoc // crawl.json
	outputs  string   // every file of the output folder, concatenated
	warnings string   // the lines given to Options.Warn
	logs     string   // the run's log, every level
}

// messages is everything the run said besides its files: the summary, the
// warnings, the log, and the findings and crawl-level warnings of the
// Result.
func (r authRun) messages() string {
	return r.res.Summary() + r.warnings + r.logs + fmt.Sprint(r.res.Findings) + strings.Join(r.res.Warnings, "\n")
}

// runAuth audits the auth fixture at start with crawlaudit.Run, one request
// at a time and failing on nothing, as `crawlaudit crawl --concurrency 1
// --fail-on never` does; the credential variables are read from env through
// Options.Getenv, never from the process environment. set, when not nil,
// changes further options. A run that does not finish and pass fails the
// test.
func runAuth(t *testing.T, start string, env map[string]string, set func(*crawlaudit.Options)) authRun {
	t.Helper()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn, o.Concurrency = start, t.TempDir(), crawlaudit.LevelNever, 1
	o.Getenv = func(k string) string { return env[k] }
	// Every table, unwrapped: what the summary can show is checked for
	// leaks and for the authentication section.
	o.Terminal = crawlaudit.TerminalOptions{Details: true, Width: 300}
	var warnings []string
	o.Warn = func(msg string) { warnings = append(warnings, msg) }
	logs := &lockedBuffer{}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if set != nil {
		set(&o)
	}
	res, err := crawlaudit.Run(t.Context(), o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	if res.Failed {
		t.Fatalf("Run failed with FailOn never\n%s", logs)
	}
	r := authRun{res: res, warnings: strings.Join(warnings, "\n"), logs: logs.String()}
	b, err := os.ReadFile(filepath.Join(o.Out, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r.doc); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(o.Out, e.Name()))
		all.Write(b)
	}
	r.outputs = all.String()
	return r
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
	t.Parallel()
	site := &authSite{token: "unused"}
	start, _, flog := authFixture(t, site)
	r := runAuth(t, start, nil, nil)
	got := authFindings(r.doc, start, authRuleIDs...)
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
	for _, rl := range r.doc.Auth.Realms {
		realms[rl.Scheme+" "+rl.Realm] = rl.URLs
	}
	wantRealms := map[string]int{"Bearer app": 4, "Digest ops": 1, "Basic staff": 1}
	if fmt.Sprint(realms) != fmt.Sprint(wantRealms) {
		t.Errorf("realms = %v, want %v", realms, wantRealms)
	}
	for _, s := range []string{"Authentication", "Crawled without credentials", "Public referrers to fix", "Bearer | app"} {
		if !strings.Contains(r.res.Summary(), s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	noLeak(t, flog, r.outputs+r.messages())
}

func TestAuthBearerCompareAnonymous(t *testing.T) {
	t.Parallel()
	tok := makeJWT(time.Now().Add(2 * time.Hour))
	site := &authSite{token: tok}
	start, plog, flog := authFixture(t, site)
	r := runAuth(t, start, map[string]string{credentials.EnvBearerToken: tok}, func(o *crawlaudit.Options) { o.CompareAnonymous = true })
	doc := r.doc
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
	for _, rq := range plog.Requests() {
		if rq.URI == "/app/5" {
			if rq.Authorization == "Bearer "+tok {
				with++
			} else if rq.Authorization == "" {
				without++
			}
		}
	}
	if with != 1 || without != 1 {
		t.Errorf("/app/5 requested %d times with the token, %d without; want 1 and 1", with, without)
	}
	if !strings.Contains(r.res.Summary(), "With and without credentials") {
		t.Error("summary lacks the access table")
	}
	noLeak(t, flog, r.outputs+r.messages(), tok, strings.Split(tok, ".")[1])
}

func TestAuthWrongSchemeIsExplained(t *testing.T) {
	t.Parallel()
	site := &authSite{token: makeJWT(time.Now().Add(time.Hour))}
	start, _, flog := authFixture(t, site)
	r := runAuth(t, start, map[string]string{credentials.EnvBasicAuth: "baker:" + testPassword}, nil) // wrong case
	doc := r.doc
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
	noLeak(t, flog, r.outputs+r.messages(), testPassword, base64.StdEncoding.EncodeToString([]byte("baker:"+testPassword)))
}

func TestAuthTokenRevokedMidCrawl(t *testing.T) {
	t.Parallel()
	tok := makeJWT(time.Now().Add(time.Hour))
	site := &authSite{token: tok, revokeAfter: 6}
	start, plog, flog := authFixture(t, site)
	r := runAuth(t, start, map[string]string{credentials.EnvBearerToken: tok}, nil)
	doc := r.doc
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
	if !strings.Contains(r.logs, "credentials stopped working during the crawl") {
		t.Errorf("the log lacks the warning: %s", r.logs)
	}
	// Once rejected, the token is never sent again.
	reqs := plog.Requests()
	last := -1
	for i, rq := range reqs {
		if rq.Authorization != "" {
			last = i
		}
	}
	if last < 0 || last == len(reqs)-1 {
		t.Errorf("the token was sent up to the last request (%d of %d): it should stop after the rejection", last+1, len(reqs))
	}
	for _, rq := range reqs[last+1:] {
		if rq.Authorization != "" {
			t.Errorf("token sent after rejection: %s", rq.URI)
		}
	}
	if got := authFindings(doc, start, "credentials-rejected"); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "/app/") }) {
		t.Errorf("401s after the mid-crawl rejection were reported as credentials-rejected: %q", got)
	}
	noLeak(t, flog, r.outputs+r.messages(), tok)
}

func TestAuthCookieAndHeaderFiles(t *testing.T) {
	t.Parallel()
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
	r := runAuth(t, start, nil, func(o *crawlaudit.Options) { o.CookieFile = cookies })
	if got := authFindings(r.doc, start, "credentials-rejected", "unauthorized-linked-page"); !slices.Contains(got, "credentials-rejected /digest") || slices.Contains(got, "unauthorized-linked-page /app/") {
		t.Errorf("cookie session did not open /app/: %q", got)
	}
	for _, rq := range plog.Requests() {
		if strings.Contains(rq.Cookie, "old=") {
			t.Errorf("expired cookie sent on %s", rq.URI)
		}
	}
	noLeak(t, flog, r.outputs+r.messages(), testCookie)

	headers := filepath.Join(dir, "headers.txt")
	if err := os.WriteFile(headers, []byte("# API key\nX-Api-Key: "+testAPIKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flog2before := len(flog.Requests())
	r = runAuth(t, start, nil, func(o *crawlaudit.Options) { o.HeaderFile, o.CompareAnonymous = headers, true })
	if got := authFindings(r.doc, start, "protected-linked-publicly"); !slices.Equal(got, []string{"protected-linked-publicly /app/", "protected-linked-publicly /multi"}) {
		t.Errorf("header file: %q", got)
	}
	if r.doc.Auth.Credentials != "headers X-Api-Key (--header-file)" {
		t.Errorf("auth.credentials = %q", r.doc.Auth.Credentials)
	}
	if len(flog.Requests()) == flog2before {
		t.Error("second crawl did not reach the foreign server")
	}
	noLeak(t, flog, r.outputs+r.messages(), testAPIKey)
}

func TestAuthJWTExpiry(t *testing.T) {
	t.Parallel()
	// The run's clock is fixed: how long the test takes cannot move a
	// token across the "expires soon" line.
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
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
			t.Parallel()
			exp := now.Add(tc.exp)
			tok := makeJWT(exp)
			site := &authSite{token: tok}
			start, _, flog := authFixture(t, site)
			r := runAuth(t, start, map[string]string{credentials.EnvBearerToken: tok}, func(o *crawlaudit.Options) {
				o.Now = func() time.Time { return now }
			})
			said := r.warnings + r.logs
			if tc.warn == "" && strings.Contains(said, "Bearer token") || tc.warn != "" && !strings.Contains(r.warnings, "the Bearer token "+tc.warn+" "+exp.UTC().Format(time.RFC3339)) {
				t.Errorf("warnings = %q, log = %q, want warning %q", r.warnings, r.logs, tc.warn)
			}
			if tk := r.doc.Auth.Token; tk == nil || tk.Expires != exp.UTC().Format(time.RFC3339) || tk.ExpiredBeforeCrawl != tc.expired {
				t.Errorf("token summary = %+v", tk)
			}
			if tc.expired && !strings.Contains(r.res.Summary(), "EXPIRED before the crawl started") {
				t.Error("summary does not flag the expired token")
			}
			noLeak(t, flog, r.outputs+r.messages(), tok)
		})
	}
}
