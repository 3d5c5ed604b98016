package robots

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 5 * time.Second}
}

func TestStatusSemantics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		status      int
		body        string
		wantPrivate bool // /private/x allowed?
		wantPublic  bool
		disallowAll bool
	}{
		{"200 parsed", 200, "User-agent: *\nDisallow: /private/\n", false, true, false},
		{"401 means no restrictions", 401, "", true, true, false},
		{"403 means no restrictions", 403, "", true, true, false},
		{"404 means no restrictions", 404, "", true, true, false},
		{"500 disallows everything", 500, "", false, false, true},
		{"503 disallows everything", 503, "", false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			}))
			t.Cleanup(srv.Close)
			r := Fetch(context.Background(), noFollow(), srv.URL, "crawlaudit", "test")
			priv, _ := url.Parse(srv.URL + "/private/x")
			pub, _ := url.Parse(srv.URL + "/public")
			if r.Status != c.status || r.Allowed(priv) != c.wantPrivate || r.Allowed(pub) != c.wantPublic || r.DisallowAll() != c.disallowAll {
				t.Fatalf("status %d private %v public %v disallowAll %v", r.Status, r.Allowed(priv), r.Allowed(pub), r.DisallowAll())
			}
		})
	}
}

func TestRedirectsFollowedUpToFiveHops(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/r%d", &n)
		switch {
		case r.URL.Path == "/robots.txt":
			http.Redirect(w, r, "/r1", http.StatusMovedPermanently)
		case r.URL.Path == "/final":
			fmt.Fprint(w, "User-agent: *\nDisallow: /\nCrawl-delay: 3600\n")
		case n < 5:
			http.Redirect(w, r, fmt.Sprintf("/r%d", n+1), http.StatusFound)
		default:
			http.Redirect(w, r, "/final", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	r := Fetch(context.Background(), noFollow(), srv.URL, "crawlaudit", "test")
	// robots.txt → r1 … r5 → final is 6 hops: one too many, so robots.txt
	// counts as unavailable: no restrictions (the final file's
	// "Disallow: /" is never read).
	anything, _ := url.Parse(srv.URL + "/anything")
	if len(r.Hops) != 6 || r.Error == "" || r.DisallowAll() || !r.Allowed(anything) {
		t.Fatalf("hops %d, error %q, status %d", len(r.Hops), r.Error, r.Status)
	}
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Redirect(w, r, "/final", http.StatusMovedPermanently)
			return
		}
		fmt.Fprint(w, "User-agent: CrawlAudit\nDisallow: /no\nCrawl-delay: 3600\nSitemap: https://example.com/sm.xml\n")
	}))
	t.Cleanup(srv2.Close)
	r = Fetch(context.Background(), noFollow(), srv2.URL, "crawlaudit", "test")
	no, _ := url.Parse(srv2.URL + "/no")
	if r.Status != 200 || len(r.Hops) != 1 || r.Allowed(no) || r.CrawlDelay != MaxCrawlDelay || len(r.Sitemaps) != 1 {
		t.Fatalf("rules after one redirect: %+v", r)
	}
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
