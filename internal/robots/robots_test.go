package robots

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const rulesTxt = `User-agent: *
Disallow: /private/
Allow: /private/open.html
Crawl-delay: 2

User-agent: Googlebot
Disallow: /no-google/
Crawl-delay: 60

Sitemap: https://cdn.example.test/sitemap.xml
`

func TestParseStatusSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		agent       string
		allowed     []string
		disallowed  []string
		disallowAll bool
		delay       time.Duration
		sitemaps    int
	}{
		{"2xx parsed: * group, longest match, Allow wins", 200, "crawlaudit",
			[]string{"/", "/private/open.html", "/no-google/x"}, []string{"/private/", "/private/x"}, false, 2 * time.Second, 1},
		{"--robots-agent Googlebot uses its own group, delay capped", 200, "Googlebot",
			[]string{"/private/x"}, []string{"/no-google/x"}, false, MaxCrawlDelay, 1},
		{"401 means no restrictions", 401, "crawlaudit", []string{"/", "/private/x"}, nil, false, 0, 0},
		{"403 means no restrictions", 403, "crawlaudit", []string{"/", "/private/x"}, nil, false, 0, 0},
		{"404 means no restrictions", 404, "crawlaudit", []string{"/", "/private/x"}, nil, false, 0, 0},
		{"500 disallows everything", 500, "crawlaudit", []string{"/robots.txt"}, []string{"/", "/private/open.html"}, true, 0, 0},
		{"503 disallows everything", 503, "crawlaudit", nil, []string{"/"}, true, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Parse(tc.status, []byte(rulesTxt), tc.agent)
			for _, p := range tc.allowed {
				if !r.Allowed(&url.URL{Path: p}) {
					t.Errorf("%s disallowed, want allowed", p)
				}
			}
			for _, p := range tc.disallowed {
				if r.Allowed(&url.URL{Path: p}) {
					t.Errorf("%s allowed, want disallowed", p)
				}
			}
			if r.DisallowAll() != tc.disallowAll || r.CrawlDelay != tc.delay || len(r.Sitemaps) != tc.sitemaps {
				t.Errorf("DisallowAll %v delay %v sitemaps %v; want %v %v %d", r.DisallowAll(), r.CrawlDelay, r.Sitemaps, tc.disallowAll, tc.delay, tc.sitemaps)
			}
		})
	}
}

func TestFetch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		status     int
		hops       int
		allowedX   bool
		errWanted  bool
		authHeader bool
	}{
		{"200 parsed", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("User-agent: *\nDisallow: /x\n")) }, 200, 0, false, false, false},
		{"401 allows all and keeps the challenge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(401)
		}, 401, 0, true, false, true},
		{"500 disallows all", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, 500, 0, false, false, false},
		{"redirect followed", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.Redirect(w, r, "/real-robots.txt", http.StatusMovedPermanently)
				return
			}
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /x\n"))
		}, 200, 1, false, false, false},
		{"redirect loop stops after 5 hops: allow all", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/robots.txt?n="+r.URL.Query().Get("n")+"1", http.StatusFound)
		}, 302, 6, true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			r := Fetch(context.Background(), client, srv.URL, "crawlaudit", "test")
			if r.Status != tc.status || len(r.Hops) != tc.hops || (r.Error != "") != tc.errWanted {
				t.Errorf("status %d hops %d error %q; want %d %d error %v", r.Status, len(r.Hops), r.Error, tc.status, tc.hops, tc.errWanted)
			}
			if got := r.Allowed(&url.URL{Path: "/x"}); got != tc.allowedX {
				t.Errorf("/x allowed = %v, want %v", got, tc.allowedX)
			}
			if (len(r.WWWAuthenticate) > 0) != tc.authHeader {
				t.Errorf("WWWAuthenticate = %q", r.WWWAuthenticate)
			}
		})
	}
}

func TestFetchNoAnswerDisallowsAll(t *testing.T) {
	t.Parallel()
	// A closed test server's port can be taken by a parallel test's server
	// at once (it answered 200 once); nothing listens on loopback port 1.
	r := Fetch(context.Background(), &http.Client{}, "http://127.0.0.1:1", "crawlaudit", "test")
	if r.Status != 0 || r.Error == "" || !r.DisallowAll() || r.Allowed(&url.URL{Path: "/"}) {
		t.Errorf("status %d error %q DisallowAll %v", r.Status, r.Error, r.DisallowAll())
	}
}

// FuzzParse checks that any robots.txt body with any status parses without
// panicking, and that the status semantics hold whatever the body says.
func FuzzParse(f *testing.F) {
	f.Add(200, []byte(rulesTxt), "/private/x")
	f.Fuzz(func(t *testing.T, status int, body []byte, path string) {
		r := Parse(status, body, "crawlaudit")
		u := &url.URL{Path: "/" + strings.TrimPrefix(path, "/")}
		allowed := r.Allowed(u)
		switch {
		case status >= 400 && status < 500 && !allowed:
			t.Fatalf("%d disallowed %q: 4xx must allow everything", status, u.Path)
		case (status >= 500 && status < 600 || status == 0) && allowed && u.Path != "/robots.txt":
			t.Fatalf("%d allowed %q: 5xx must disallow everything", status, u.Path)
		}
		if r.CrawlDelay < 0 || r.CrawlDelay > MaxCrawlDelay {
			t.Fatalf("crawl delay %v outside 0–%v", r.CrawlDelay, MaxCrawlDelay)
		}
	})
}
func TestCacheFetchesOncePerOrigin(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	c := NewCache(func(_ context.Context, origin string) *Rules { calls[origin]++; return &Rules{Status: 404} })
	for range 3 {
		c.Get(context.Background(), "http://a")
	}
	_, first := c.Get(context.Background(), "http://b")
	if calls["http://a"] != 1 || !first {
		t.Fatalf("calls %v, first %v", calls, first)
	}
}

// TestFetchCutByItsContextIsInterrupted: a fetch whose context ended says
// nothing about the site: it is Interrupted (not Unreachable, not "no
// answer"), and the cache forgets it so the next Get fetches again.
func TestFetchCutByItsContextIsInterrupted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	}))
	t.Cleanup(srv.Close)
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	fetches := 0
	c := NewCache(func(ctx context.Context, origin string) *Rules {
		fetches++
		return Fetch(ctx, &http.Client{}, origin, "crawlaudit", "test")
	})
	r, first := c.Get(stopped, srv.URL)
	if !first || !r.Interrupted || r.Unreachable || r.Status != 0 {
		t.Fatalf("cut fetch: first %v interrupted %v unreachable %v status %d", first, r.Interrupted, r.Unreachable, r.Status)
	}
	r, first = c.Get(context.Background(), srv.URL)
	if !first || r.Interrupted || r.Status != 200 || r.Allowed(&url.URL{Path: "/private/x"}) || fetches != 2 {
		t.Fatalf("fetch after the cut one: first %v interrupted %v status %d fetches %d", first, r.Interrupted, r.Status, fetches)
	}
	if _, first = c.Get(context.Background(), srv.URL); first || fetches != 2 {
		t.Errorf("a good answer is kept: first %v fetches %d", first, fetches)
	}
}
