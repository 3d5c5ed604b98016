package testsite

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testFiles is a small site used by the handler tests.
func testFiles() fstest.MapFS {
	return fstest.MapFS{
		"index.html":       {Data: []byte(`<a href="{{EXTERNAL}}/x">ext</a> {{ORIGIN}} {{UNKNOWN}}`)},
		"page.html":        {Data: []byte("<p>page</p>")},
		"style.css":        {Data: []byte(`body{background:url({{EXTERNAL}}/bg.png)}`)},
		"robots.txt":       {Data: []byte("Sitemap: {{ORIGIN}}/sitemap.xml\n")},
		"img/a.png":        {Data: []byte("\x89PNG{{EXTERNAL}}")},
		"blob.bin":         {Data: []byte{1, 2, 3}},
		"docs/index.html":  {Data: []byte("<p>docs</p>")},
		"empty/readme.txt": {Data: []byte("no index here")},
		"login.html":       {Data: []byte("<form>{{EXTERNAL}}</form>")},
	}
}

// testRoutes are the routes used by the handler tests.
func testRoutes() []Route {
	return []Route{
		{Path: "/page.html", Status: 500, Body: "route wins"},
		{Path: "/q", Body: "path route"},
		{Path: "/q?x=1", Status: 202, Body: "query route"},
		{Path: "/members/", Status: 401, Headers: [][2]string{
			{"WWW-Authenticate", `Basic realm="members"`},
			{"WWW-Authenticate", `Bearer realm="{{REALM}}"`},
		}, Body: "<h1>login</h1>"},
		{Path: "/json", Headers: [][2]string{{"Content-Type", "application/json"}}, Body: `{"a":"{{EXTERNAL}}"}`},
		{Path: "/go", Status: 302, Location: "{{EXTERNAL}}/landing"},
		{Path: "/rel", Status: 301, Location: "../up"},
		{Path: "/gated", Status: 403, File: "login.html"},
		{Path: "/hang", Hangup: true},
		{Path: "/slow", DelayMS: 30, Body: "slow"},
		{Path: "/stuck", DelayMS: 60_000, Body: "never"},
		{Path: "/empty", Status: 204},
	}
}

// newTestServer serves the test site with vars and returns the server and
// its log; the server is closed when the test ends.
func newTestServer(t *testing.T, vars map[string]string) (*httptest.Server, *Log) {
	t.Helper()
	s, err := New(testFiles(), testRoutes()...)
	if err != nil {
		t.Fatal(err)
	}
	var log Log
	srv := Start(s.Handler(vars), &log)
	t.Cleanup(srv.Close)
	return srv, &log
}

// answer is what a test keeps of a response.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends one request without following redirects.
func do(t *testing.T, ctx context.Context, srv *httptest.Server, method, uri string) (answer, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}, nil
}

// mustDo is do that fails the test on a client error.
func mustDo(t *testing.T, srv *httptest.Server, method, uri string) answer {
	t.Helper()
	a, err := do(t, t.Context(), srv, method, uri)
	if err != nil {
		t.Fatalf("%s %s: %v", method, uri, err)
	}
	return a
}

func TestHandlerAnswers(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, map[string]string{"EXTERNAL": "http://127.0.0.1:9", "REALM": "cdn"})
	origin := srv.URL
	tests := []struct {
		name, method, uri string
		status            int
		ctype             string // "" means: must be absent
		body              string
		location          string
	}{
		{"route wins over file", "GET", "/page.html", 500, "text/html; charset=utf-8", "route wins", ""},
		{"exact request URI route wins over path route", "GET", "/q?x=1", 202, "text/html; charset=utf-8", "query route", ""},
		{"path route answers other queries", "GET", "/q?x=2", 200, "text/html; charset=utf-8", "path route", ""},
		{"route answers any method", "POST", "/q", 200, "text/html; charset=utf-8", "path route", ""},
		{"route content type header replaces default", "GET", "/json", 200, "application/json", `{"a":"http://127.0.0.1:9"}`, ""},
		{"route file served with route status", "GET", "/gated", 403, "text/html; charset=utf-8", "<form>http://127.0.0.1:9</form>", ""},
		{"location placeholder", "GET", "/go", 302, "", "", "http://127.0.0.1:9/landing"},
		{"relative location kept", "GET", "/rel", 301, "", "", "../up"},
		{"no-content route", "GET", "/empty", 204, "", "", ""},
		{"html placeholders, ORIGIN from request, unknown kept", "GET", "/", 200, "text/html; charset=utf-8",
			`<a href="http://127.0.0.1:9/x">ext</a> ` + origin + ` {{UNKNOWN}}`, ""},
		{"css placeholders", "GET", "/style.css", 200, "text/css; charset=utf-8", `body{background:url(http://127.0.0.1:9/bg.png)}`, ""},
		{"txt placeholders", "GET", "/robots.txt", 200, "text/plain; charset=utf-8", "Sitemap: " + origin + "/sitemap.xml\n", ""},
		{"binary file untouched", "GET", "/img/a.png", 200, "image/png", "\x89PNG{{EXTERNAL}}", ""},
		{"unknown extension is octet-stream", "GET", "/blob.bin", 200, "application/octet-stream", "\x01\x02\x03", ""},
		{"directory serves index.html", "GET", "/docs/", 200, "text/html; charset=utf-8", "<p>docs</p>", ""},
		{"directory without slash redirects", "GET", "/docs?a=b", 301, "", "", "docs/?a=b"},
		{"missing file is 404 page", "GET", "/nope.html", 404, "text/html; charset=utf-8", notFoundBody, ""},
		{"directory without index is 404", "GET", "/empty/", 404, "text/html; charset=utf-8", notFoundBody, ""},
		{"file with trailing slash is 404", "GET", "/style.css/", 404, "text/html; charset=utf-8", notFoundBody, ""},
		{"dot-dot cannot escape", "GET", "/../index.html", 200, "text/html; charset=utf-8",
			`<a href="http://127.0.0.1:9/x">ext</a> ` + origin + ` {{UNKNOWN}}`, ""},
		{"POST on file is 405", "POST", "/style.css", 405, "text/plain; charset=utf-8", "405 method not allowed\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := mustDo(t, srv, tc.method, tc.uri)
			if a.status != tc.status {
				t.Errorf("status = %d, want %d", a.status, tc.status)
			}
			if got := a.header.Values("Content-Type"); tc.ctype == "" && len(got) > 0 || tc.ctype != "" && (len(got) != 1 || got[0] != tc.ctype) {
				t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
			}
			if a.body != tc.body {
				t.Errorf("body = %q, want %q", a.body, tc.body)
			}
			if got := a.header.Get("Location"); got != tc.location {
				t.Errorf("Location = %q, want %q", got, tc.location)
			}
		})
	}
}

func TestHandlerRepeatedHeadersKeepOrder(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, map[string]string{"REALM": "cdn"})
	a := mustDo(t, srv, "GET", "/members/")
	want := []string{`Basic realm="members"`, `Bearer realm="cdn"`}
	got := a.header.Values("WWW-Authenticate")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("WWW-Authenticate = %q, want %q", got, want)
	}
	if a.status != 401 {
		t.Errorf("status = %d, want 401", a.status)
	}
}

func TestHandlerVarsOverrideOrigin(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, map[string]string{"ORIGIN": "https://example.test"})
	a := mustDo(t, srv, "GET", "/robots.txt")
	if want := "Sitemap: https://example.test/sitemap.xml\n"; a.body != want {
		t.Errorf("body = %q, want %q", a.body, want)
	}
}

func TestHandlerHeadMatchesGet(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, map[string]string{"EXTERNAL": "http://127.0.0.1:9"})
	for _, uri := range []string{"/", "/img/a.png", "/members/", "/nope.html", "/go", "/gated", "/docs"} {
		t.Run(uri, func(t *testing.T) {
			t.Parallel()
			get := mustDo(t, srv, "GET", uri)
			head := mustDo(t, srv, "HEAD", uri)
			if head.status != get.status {
				t.Errorf("HEAD status = %d, GET %d", head.status, get.status)
			}
			if head.body != "" {
				t.Errorf("HEAD body = %q, want none", head.body)
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Location", "WWW-Authenticate"} {
				if h, g := head.header.Values(k), get.header.Values(k); strings.Join(h, "\n") != strings.Join(g, "\n") {
					t.Errorf("HEAD %s = %q, GET %q", k, h, g)
				}
			}
			if cl := get.header.Get("Content-Length"); cl == "" {
				t.Errorf("GET has no Content-Length")
			}
		})
	}
}

func TestHandlerHangupIsClientError(t *testing.T) {
	t.Parallel()
	srv, log := newTestServer(t, nil)
	for _, method := range []string{"GET", "HEAD"} {
		if a, err := do(t, t.Context(), srv, method, "/hang"); err == nil {
			t.Errorf("%s /hang: got status %d, want a client error", method, a.status)
		}
	}
	if n := log.Count("/hang"); n < 2 {
		t.Errorf("log counts %d requests for /hang, want at least 2", n)
	}
}

func TestHandlerDelay(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, nil)

	t.Run("answers after the delay", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		a := mustDo(t, srv, "GET", "/slow")
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("answered after %v, want at least 30ms", d)
		}
		if a.status != 200 || a.body != "slow" {
			t.Errorf("got %d %q, want 200 %q", a.status, a.body, "slow")
		}
	})

	t.Run("stops waiting when the client gives up", func(t *testing.T) {
		t.Parallel()
		s, err := New(nil, Route{Path: "/stuck", DelayMS: 60_000})
		if err != nil {
			t.Fatal(err)
		}
		srv := Start(s.Handler(nil), nil)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := do(t, ctx, srv, "GET", "/stuck"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want deadline exceeded", err)
		}
		// Close waits for running handlers: it returns quickly only if
		// the delayed handler noticed the cancellation.
		done := make(chan struct{})
		go func() { srv.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("server still busy 5s after the client gave up: the delay ignored cancellation")
		}
	})
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	srv := Start(http.NotFoundHandler(), nil)
	defer srv.Close()
	if got := srv.Listener.Addr().String(); !strings.HasPrefix(got, "127.0.0.1:") {
		t.Errorf("listening on %s, want 127.0.0.1:PORT", got)
	}
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s", srv.URL)
	}
}

func TestZeroSiteAnswers404(t *testing.T) {
	t.Parallel()
	srv := Start((&Site{}).Handler(nil), nil)
	defer srv.Close()
	if a := mustDo(t, srv, "GET", "/"); a.status != 404 {
		t.Errorf("status = %d, want 404", a.status)
	}
}
