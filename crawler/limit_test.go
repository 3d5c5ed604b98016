package crawler

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// visit is one request as the server saw it.
type visit struct {
	what       string // "GET /path", plus " auth" when credentials came
	start, end time.Time
	inFlight   int // requests being answered when this one arrived, itself included
}

// politeSite serves a site that makes every kind of request a crawl sends:
// robots.txt naming a sitemap index of three sitemaps, pages, a page that
// needs credentials (compared anonymously) and one whose 401 says
// invalid_token (a credential check of the protected page). It records
// each request's arrival, end and the requests in flight.
type politeSite struct {
	mu       sync.Mutex
	inFlight int
	visits   []visit
}

func (s *politeSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	v := visit{what: r.Method + " " + r.URL.Path, start: time.Now(), inFlight: s.inFlight}
	s.mu.Unlock()
	authed := r.Header.Get("Authorization") == "Bearer polite"
	if authed {
		v.what += " auth"
	}
	origin := "http://" + r.Host
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: %s/sitemap_index.xml\n", origin)
	case p == "/sitemap_index.xml":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "<sitemap><loc>%s/sm%d.xml</loc></sitemap>", origin, i)
		}
		fmt.Fprint(w, `</sitemapindex>`)
	case strings.HasPrefix(p, "/sm"):
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/p%s</loc></url></urlset>`, origin, strings.TrimSuffix(strings.TrimPrefix(p, "/sm"), ".xml"))
	case p == "/app":
		if !authed {
			w.Header().Set("WWW-Authenticate", `Bearer realm="app"`)
			w.WriteHeader(http.StatusUnauthorized)
			break
		}
		fmt.Fprint(w, `<html><title>app</title><a href="/expired">x</a></html>`)
	case p == "/expired":
		w.Header().Set("WWW-Authenticate", `Bearer realm="app", error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	case p == "/":
		fmt.Fprint(w, `<html><title>home</title><a href="/p1">1</a><a href="/p2">2</a><a href="/app">app</a><img src="/logo.png"></html>`)
	case p == "/logo.png":
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprint(w, "PNG")
	default:
		fmt.Fprintf(w, `<html><title>%s</title><a href="/">home</a></html>`, p)
	}
	s.mu.Lock()
	s.inFlight--
	v.end = time.Now()
	s.visits = append(s.visits, v)
	s.mu.Unlock()
}

// TestEveryRequestIsPaced crawls with credentials, anonymous comparison and
// sitemaps, and checks what the server saw: never more requests at once
// than the per-host limit, and (at one at a time) never a request less
// than the delay after the previous one ended, robots.txt, sitemaps and
// credential checks included. Their own HTTP clients went around colly's
// limiter before.
func TestEveryRequestIsPaced(t *testing.T) {
	t.Parallel()
	const delay = 25 * time.Millisecond
	for _, concurrency := range []int{1, 2} {
		t.Run(fmt.Sprint("concurrency ", concurrency), func(t *testing.T) {
			t.Parallel()
			site := &politeSite{}
			srv := testsite.Start(site, nil)
			t.Cleanup(srv.Close)
			cfg := Config{
				Start: srv.URL + "/", Concurrency: concurrency, Delay: delay, Timeout: 10 * time.Second,
				Credentials:      &Credentials{Header: http.Header{"Authorization": {"Bearer polite"}}},
				CompareAnonymous: true,
			}
			if _, err := Run(context.Background(), cfg, store.NewMemory()); err != nil {
				t.Fatal(err)
			}
			site.mu.Lock()
			visits := append([]visit(nil), site.visits...)
			site.mu.Unlock()

			seen := map[string]int{}
			for _, v := range visits {
				seen[v.what]++
				if v.inFlight > concurrency {
					t.Errorf("%s arrived with %d requests in flight, limit %d", v.what, v.inFlight, concurrency)
				}
			}
			// Every kind of request was made, so every client was paced.
			for what, n := range map[string]int{
				"GET /robots.txt auth": 1, "GET /sitemap_index.xml auth": 1, "GET /sm1.xml auth": 1, "GET /sm3.xml auth": 1, // robots.txt and sitemap clients
				"GET / auth": 1, "GET /p3 auth": 1, // colly
				"GET /": 1, "GET /app": 1, // anonymous comparisons (colly, without credentials)
				"GET /app auth": 2, // the crawl's request and the credential check after /expired's invalid_token
			} {
				if seen[what] != n {
					t.Errorf("%q requested %d times, want %d (all: %v)", what, seen[what], n, seen)
				}
			}
			if concurrency > 1 {
				return
			}
			sort.Slice(visits, func(i, j int) bool { return visits[i].start.Before(visits[j].start) })
			for i := 1; i < len(visits); i++ {
				if gap := visits[i].start.Sub(visits[i-1].end); gap < delay {
					t.Errorf("%s began %v after %s ended, less than the %v delay", visits[i].what, gap, visits[i-1].what, delay)
				}
			}
		})
	}
}
