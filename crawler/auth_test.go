package crawler

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// recordingTransport answers 200 and keeps the last request's headers.
type recordingTransport struct{ got http.Header }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req.Header.Clone()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestAuthTransportSendsOnlyToAllowedOrigins(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	start, _ := url.Parse("https://www.example.test/app/")
	creds := &Credentials{
		Header:  http.Header{"Authorization": {"Bearer t0k"}},
		Origins: []string{"https://api.example.test:8443"},
		Cookies: []Cookie{
			{Domain: "www.example.test", Path: "/", Name: "session", Value: "s1"},
			{Domain: "example.test", Subdomains: true, Path: "/app", Secure: true, Name: "app", Value: "a1"},
			{Domain: "www.example.test", Path: "/", Name: "old", Value: "x", Expires: now.Add(-time.Second)},
		},
	}
	tests := []struct {
		name, url, auth, cookie string
	}{
		{"start origin gets header and matching cookies", "https://www.example.test/app/x", "Bearer t0k", "session=s1; app=a1"},
		{"default port is the same origin", "https://www.example.test:443/", "Bearer t0k", "session=s1"},
		{"path outside the cookie path", "https://www.example.test/application", "Bearer t0k", "session=s1"},
		{"added origin", "https://api.example.test:8443/app/v1", "Bearer t0k", "app=a1"},
		{"same host, other port", "https://www.example.test:8443/app/", "", ""},
		{"same host, other scheme", "http://www.example.test/app/", "", ""},
		{"other host", "https://evil.example/app/", "", ""},
		{"subdomain of the start host", "https://cdn.www.example.test/app/", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingTransport{}
			tr := newAuthTransport(rec, creds, start, func() time.Time { return now })
			req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.got.Get("Authorization"); got != tc.auth {
				t.Errorf("Authorization = %q, want %q", got, tc.auth)
			}
			if got := rec.got.Get("Cookie"); got != tc.cookie {
				t.Errorf("Cookie = %q, want %q", got, tc.cookie)
			}
			if sent := resp.Header.Get(sentHeader) != ""; sent != (tc.auth != "") {
				t.Errorf("sent marker = %v", sent)
			}
			if req.Header.Get("Authorization") != "" {
				t.Error("the caller's request was modified")
			}
		})
	}
	t.Run("anonymous marker suppresses credentials and is stripped", func(t *testing.T) {
		rec := &recordingTransport{}
		tr := newAuthTransport(rec, creds, start, func() time.Time { return now })
		req, _ := http.NewRequest(http.MethodGet, "https://www.example.test/app/", nil)
		req.Header.Set(anonHeader, "1")
		resp, _ := tr.RoundTrip(req)
		if rec.got.Get("Authorization") != "" || rec.got.Get("Cookie") != "" || rec.got.Get(anonHeader) != "" || resp.Header.Get(sentHeader) != "" {
			t.Errorf("anonymous request sent %v", rec.got)
		}
	})
	t.Run("distrusted credentials are not sent", func(t *testing.T) {
		rec := &recordingTransport{}
		tr := newAuthTransport(rec, creds, start, func() time.Time { return now })
		tr.distrusted.Store(true)
		req, _ := http.NewRequest(http.MethodGet, "https://www.example.test/app/", nil)
		_, _ = tr.RoundTrip(req)
		if rec.got.Get("Authorization") != "" {
			t.Error("sent after distrust")
		}
	})
}

// TestCrawlSendsNoCredentialsToOtherOrigins crawls a protected loopback site
// whose pages link to, redirect to, and use assets of a second loopback
// server, and checks that the second server never sees a credential.
func TestCrawlSendsNoCredentialsToOtherOrigins(t *testing.T) {
	t.Parallel()
	flog, plog := &testsite.Log{}, &testsite.Log{}
	fsite, _ := testsite.New(nil,
		testsite.Route{Path: "/robots.txt", Body: "User-agent: *\nDisallow:\n", Headers: [][2]string{{"Content-Type", "text/plain"}}},
		testsite.Route{Path: "/landing", Body: "<p>landing</p>"},
		testsite.Route{Path: "/page", Body: "<p>page</p>"},
		testsite.Route{Path: "/img.png", Body: "x", Headers: [][2]string{{"Content-Type", "image/png"}}},
	)
	foreign := testsite.Start(fsite.Handler(nil), flog)
	t.Cleanup(foreign.Close)
	psite, _ := testsite.New(nil,
		testsite.Route{Path: "/", Body: `<a href="/go">go</a> <a href="{{F}}/page">page</a> <img src="{{F}}/img.png"> <a href="/in">in</a>`},
		testsite.Route{Path: "/go", Status: 302, Location: "{{F}}/landing"},
		testsite.Route{Path: "/in", Body: "<p>in</p>"},
	)
	srv := testsite.Start(psite.Handler(map[string]string{"F": foreign.URL}), plog)
	t.Cleanup(srv.Close)
	m := store.NewMemory()
	cfg := Config{Start: srv.URL + "/", MaxDepth: -1, Credentials: &Credentials{
		Header:  http.Header{"Authorization": {"Bearer leak-canary"}},
		Cookies: []Cookie{{Domain: "127.0.0.1", Path: "/", Name: "session", Value: "leak-canary"}},
	}}
	if _, err := Run(context.Background(), cfg, m); err != nil {
		t.Fatal(err)
	}
	if n := len(flog.Requests()); n < 3 {
		t.Errorf("foreign server got %d requests (%v), want the landing page, the link and the image", n, flog.Requests())
	}
	for _, r := range flog.Requests() {
		if r.Authorization != "" || r.Cookie != "" {
			t.Errorf("credentials leaked to %s %s", r.Method, r.URI)
		}
	}
	for _, r := range plog.Requests() {
		if r.Authorization != "Bearer leak-canary" || r.Cookie != "session=leak-canary" {
			t.Errorf("start origin request %s %s lacks credentials", r.Method, r.URI)
		}
	}
	u, _, _ := m.Get(srv.URL + "/in")
	if u.Credentials != store.CredentialsSent {
		t.Errorf("/in Credentials = %q", u.Credentials)
	}
	u, _, _ = m.Get(foreign.URL + "/landing")
	if u.Credentials != "" || u.Status != 200 {
		t.Errorf("foreign /landing = %d, Credentials %q", u.Status, u.Credentials)
	}
}

func TestBotCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string
	}{
		{"cloudflare header", 403, http.Header{"Cf-Mitigated": {"challenge"}}, "", "cf-mitigated: challenge"},
		{"challenge page body", 503, nil, `<script src="/cdn-cgi/challenge-platform/h/b/orchestrate"></script>`, "Cloudflare challenge page (/cdn-cgi/challenge-platform/)"},
		{"aws waf", 429, http.Header{"X-Amzn-Waf-Action": {"captcha"}}, "", "x-amzn-waf-action: captcha"},
		{"status 999", 999, nil, "", "status 999 (a non-standard code bot checks send)"},
		{"plain 403 is access control", 403, nil, "<h1>Forbidden</h1>", ""},
		{"200 with marker is content", 200, http.Header{"Cf-Mitigated": {"challenge"}}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			if got := botCheck(tc.status, h, []byte(tc.body)); got != tc.want {
				t.Errorf("botCheck = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHasPasswordField(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`<form><input type="password" name=p></form>`: true,
		`<INPUT name=p TYPE=Password>`:                true,
		`<p>Forgot your password?</p>`:                false,
		`<input type="text" name="password">`:         false,
	} {
		if got := hasPasswordField([]byte(body)); got != want {
			t.Errorf("hasPasswordField(%q) = %v", body, got)
		}
	}
}

func TestOriginKey(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"HTTP://Example.TEST/x":  "http://example.test:80",
		"https://example.test":   "https://example.test:443",
		"https://[::1]:8443/":    "https://::1:8443",
		"http://127.0.0.1:8080/": "http://127.0.0.1:8080",
	} {
		u, _ := url.Parse(raw)
		if got := originKey(u); got != want {
			t.Errorf("originKey(%s) = %s, want %s", raw, got, want)
		}
	}
}
