package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// page returns a minimal HTML page linking to hrefs.
func page(title string, hrefs ...string) *fstest.MapFile {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><title>%s</title></head><body>", title)
	for _, h := range hrefs {
		fmt.Fprintf(&b, `<a href="%s">%s</a>`, h, h)
	}
	b.WriteString("</body></html>")
	return &fstest.MapFile{Data: []byte(b.String())}
}

// serveSite starts a loopback fixture server and returns it with its log.
func serveSite(t *testing.T, files fstest.MapFS, routes ...testsite.Route) (*httptest.Server, *testsite.Log) {
	t.Helper()
	site, err := testsite.New(files, routes...)
	if err != nil {
		t.Fatal(err)
	}
	log := &testsite.Log{}
	srv := testsite.Start(site.Handler(nil), log)
	t.Cleanup(srv.Close)
	return srv, log
}

func crawl(t *testing.T, cfg Config) (*store.Memory, Result, error) {
	t.Helper()
	st := store.NewMemory()
	cfg.NoSitemaps = true // these tests are about links; sitemaps_test.go covers sitemaps
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	res, err := Run(context.Background(), cfg, st)
	return st, res, err
}

// statuses maps each recorded URL, with the server prefix cut, to
// "status kind" (plus " blocked" or " error").
func statuses(t *testing.T, st *store.Memory, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = st.EachURL(func(u store.URL) error {
		v := fmt.Sprintf("%d %s", u.Status, u.Kind)
		if u.BlockedByRobots {
			v += " blocked"
		}
		if u.Error != "" {
			v += " error"
		}
		if u.NotRequested != "" {
			v += " " + string(u.NotRequested)
		}
		out[strings.TrimPrefix(u.URL, prefix)] = v
		return nil
	})
	return out
}

func assertStatuses(t *testing.T, got, want map[string]string) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		if got[k] != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %q, want %q", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected record %q", k, g))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("records differ:\n%s", strings.Join(diffs, "\n"))
	}
}

func TestRedirectsAreRecordedHopByHop(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"index.html": page("home", "/r1", "/loop-a", "/h0", "/final.html"), "final.html": page("final")}
	var routes []testsite.Route
	routes = append(routes,
		testsite.Route{Path: "/r1", Status: 302, Location: "/r2"},
		testsite.Route{Path: "/r2", Status: 301, Location: "missing.html"},
		testsite.Route{Path: "/loop-a", Status: 302, Location: "/loop-b"},
		testsite.Route{Path: "/loop-b", Status: 308, Location: "/loop-a"},
	)
	for i := range 12 {
		routes = append(routes, testsite.Route{Path: fmt.Sprintf("/h%d", i), Status: 307, Location: fmt.Sprintf("/h%d", i+1)})
	}
	srv, log := serveSite(t, files, routes...)
	st, _, err := crawl(t, Config{Start: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/robots.txt":   "404 robots",
		"/":             "200 page",
		"/final.html":   "200 page",
		"/r1":           "302 page",
		"/r2":           "301 page",
		"/missing.html": "404 page",
		"/loop-a":       "302 page",
		"/loop-b":       "308 page",
		"/h10":          "307 page error", // the 11th hop is not followed
		"/h0":           "307 page",
	}
	for i := 1; i < 10; i++ {
		want[fmt.Sprintf("/h%d", i)] = "307 page"
	}
	assertStatuses(t, statuses(t, st, srv.URL), want)
	r1, _, _ := st.Get(srv.URL + "/r1")
	if r1.Redirect != srv.URL+"/r2" {
		t.Errorf("/r1 redirect = %q", r1.Redirect)
	}
	in, _ := st.EdgesTo(srv.URL + "/missing.html")
	if len(in) != 1 || in[0].Type != store.EdgeRedirect || in[0].From != srv.URL+"/r2" {
		t.Errorf("edges to /missing.html = %+v", in)
	}
	if n := log.Count("/loop-a"); n != 1 {
		t.Errorf("/loop-a requested %d times, want 1", n)
	}
	if h10, _, _ := st.Get(srv.URL + "/h10"); h10.ErrorKind != store.ErrorRedirectCap {
		t.Errorf("/h10 error kind = %q (%s), want %q", h10.ErrorKind, h10.Error, store.ErrorRedirectCap)
	}
}

func TestNetworkFailuresAreRecordedAndTheCrawlGoesOn(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	tlsSrv.StartTLS()                                   // a certificate no client trusts
	t.Cleanup(tlsSrv.Close)
	files := fstest.MapFS{"index.html": page("home", "/hangup", "http://127.0.0.1:1/refused", tlsSrv.URL+"/x", "/ok.html"), "ok.html": page("ok")}
	srv, _ := serveSite(t, files, testsite.Route{Path: "/hangup", Hangup: true})
	// A generous timeout: a TLS handshake slowed down by a loaded machine
	// must fail as TLS, not as a timeout (the timeout has its own test).
	st, _, err := crawl(t, Config{Start: srv.URL, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{
		"/robots.txt":                "404 robots",
		"/":                          "200 page",
		"/ok.html":                   "200 page",
		"/hangup":                    "0 page error",
		"http://127.0.0.1:1/refused": "0 external error",
		tlsSrv.URL + "/x":            "0 external error",
	})
	// Each failure's kind is data beside its message.
	for u, want := range map[string]store.ErrorKind{
		srv.URL + "/hangup":          store.ErrorReset,
		"http://127.0.0.1:1/refused": store.ErrorRefused, tlsSrv.URL + "/x": store.ErrorTLS, srv.URL + "/ok.html": "",
	} {
		if rec, _, _ := st.Get(u); rec.ErrorKind != want {
			t.Errorf("%s: error kind %q (%s), want %q", u, rec.ErrorKind, rec.Error, want)
		}
	}
	refused, _, _ := st.Get("http://127.0.0.1:1/refused")
	if !strings.Contains(refused.Error, "refused") {
		t.Errorf("refused error = %q", refused.Error)
	}
}

// TestATimeoutIsRecordedAndTheCrawlGoesOn: a page that never answers is
// a timeout once Config.Timeout has passed. The page waits for the request
// to end, not for a clock, so the test does not depend on the machine's
// speed beyond the home page answering within the timeout.
func TestATimeoutIsRecordedAndTheCrawlGoesOn(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"index.html": page("home", "/stuck", "/ok.html"), "ok.html": page("ok")}
	srv, _ := serveSite(t, files, testsite.Route{Path: "/stuck", DelayMS: 3_600_000, Body: "never"})
	st, _, err := crawl(t, Config{Start: srv.URL, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{
		"/robots.txt": "404 robots",
		"/":           "200 page",
		"/ok.html":    "200 page",
		"/stuck":      "0 page error",
	})
	stuck, _, _ := st.Get(srv.URL + "/stuck")
	if stuck.ErrorKind != store.ErrorTimeout || !strings.Contains(stuck.Error, "timeout") {
		t.Errorf("/stuck: error kind %q (%s), want a timeout", stuck.ErrorKind, stuck.Error)
	}
}

func TestAssetsUseHeadAndConfirmFailuresWithGet(t *testing.T) {
	t.Parallel()
	var gets, heads atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><img src="/no-head.png"><img src="/fine.png"><img src="/gone.png"><link rel="stylesheet" href="/s.css"></body></html>`)
	})
	mux.HandleFunc("/no-head.png", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		fmt.Fprint(w, "png")
	})
	mux.HandleFunc("/fine.png", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			heads.Add(1)
		} else {
			gets.Add(1)
		}
		w.Header().Set("Content-Type", "image/png")
	})
	mux.HandleFunc("/s.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `body{background:url(/bg.png)}`)
	})
	mux.HandleFunc("/bg.png", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st, _, err := crawl(t, Config{Start: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	_ = st.EachURL(func(u store.URL) error {
		got[strings.TrimPrefix(u.URL, srv.URL)] = fmt.Sprintf("%d %s %s", u.Status, u.Kind, u.Method)
		return nil
	})
	assertStatuses(t, got, map[string]string{
		"/robots.txt":  "200 robots GET",
		"/":            "200 page GET",
		"/no-head.png": "200 asset GET",
		"/fine.png":    "200 asset HEAD",
		"/gone.png":    "200 asset HEAD",
		"/s.css":       "200 asset GET",
		"/bg.png":      "403 asset GET",
	})
	if heads.Load() != 1 || gets.Load() != 0 {
		t.Errorf("/fine.png: %d HEAD, %d GET; want 1 HEAD, 0 GET", heads.Load(), gets.Load())
	}
}

func TestRetryAfterIsHonouredWithinBounds(t *testing.T) {
	t.Parallel()
	var busy atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<a href="/busy">b</a><a href="/later">l</a>`)
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		if busy.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/later", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st, _, err := crawl(t, Config{Start: srv.URL, MaxRetryWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := st.Get(srv.URL + "/busy")
	l, _, _ := st.Get(srv.URL + "/later")
	if b.Status != 200 || busy.Load() != 2 {
		t.Errorf("/busy: status %d after %d requests; want 200 after 2", b.Status, busy.Load())
	}
	if l.Status != 429 {
		t.Errorf("/later: status %d, want 429 recorded (Retry-After beyond the bound)", l.Status)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{"Wed, 25 Nov 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Wed, 25 Nov 2026 11:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, ok := retryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{
		"index.html":     page("home", "/a.html", "/blog/b.html", "/private/c.html", "/a.html#section", "http://127.0.0.1:1/x"),
		"a.html":         page("a", "/deep.html"),
		"deep.html":      page("deep", "/deeper.html"),
		"deeper.html":    page("deeper"),
		"blog/b.html":    page("b"),
		"private/c.html": page("c"),
		"robots.txt":     {Data: []byte("User-agent: *\nDisallow: /blog/\n\nUser-agent: googlebot\nDisallow: /private/\n")},
	}
	srv, log := serveSite(t, files)
	cases := []struct {
		name string
		cfg  Config
		want map[string]string
	}{
		{"everything, robots obeyed, fragment fetched once", Config{}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page", "/deep.html": "200 page", "/deeper.html": "200 page",
			"/blog/b.html": "0 page blocked", "/private/c.html": "200 page", "http://127.0.0.1:1/x": "0 external error"}},
		{"max depth 1, no external", Config{MaxDepth: 1, NoExternal: true}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page",
			"/blog/b.html": "0 page blocked", "/private/c.html": "200 page"}},
		{"googlebot's group blocks /private/", Config{MaxDepth: 1, NoExternal: true, RobotsAgent: "Googlebot"}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page", "/blog/b.html": "200 page", "/private/c.html": "0 page blocked"}},
		{"exclude and include", Config{NoExternal: true, Exclude: []*regexp.Regexp{regexp.MustCompile(`/private/`)}, Include: []*regexp.Regexp{regexp.MustCompile(`/(a|deep)\.html$`)}}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page", "/deep.html": "200 page"}},
		{"max urls", Config{MaxURLs: 3, NoExternal: true}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page", "/blog/b.html": "0 page blocked",
			"/private/c.html": "0 page max-urls", "/deep.html": "0 page max-urls"}},
		{"ignore robots", Config{MaxDepth: 1, NoExternal: true, IgnoreRobots: true}, map[string]string{
			"/robots.txt": "200 robots", "/": "200 page", "/a.html": "200 page", "/blog/b.html": "200 page", "/private/c.html": "200 page"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Start = srv.URL + "/"
			st, _, err := crawl(t, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			assertStatuses(t, statuses(t, st, srv.URL), c.want)
		})
	}
	// Only the Googlebot case (its group allows /blog/) and the
	// ignore-robots case may request it.
	if n := log.Count("/blog/b.html"); n != 2 {
		t.Errorf("/blog/b.html requested %d times, want 2", n)
	}
}

func TestRobotsBlockedURLsAreNeverRequested(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{
		"index.html":  page("home", "/blog/b.html"),
		"blog/b.html": page("b"),
		"robots.txt":  {Data: []byte("User-agent: *\nDisallow: /blog/\n")},
	}
	srv, log := serveSite(t, files)
	st, _, err := crawl(t, Config{Start: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if n := log.Count("/blog/b.html"); n != 0 {
		t.Fatalf("/blog/b.html requested %d times", n)
	}
	in, _ := st.EdgesTo(srv.URL + "/blog/b.html")
	if len(in) != 1 || in[0].From != srv.URL+"/" {
		t.Fatalf("referrers of blocked URL = %+v", in)
	}
}

func TestRobotsServerErrorDisallowsEverything(t *testing.T) {
	t.Parallel()
	srv, log := serveSite(t, fstest.MapFS{"index.html": page("home")}, testsite.Route{Path: "/robots.txt", Status: 503})
	st, res, err := crawl(t, Config{Start: srv.URL, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{"/robots.txt": "503 robots", "/": "0 page blocked"})
	if log.Count("/") != 0 {
		t.Error("start page requested although robots.txt answered 503")
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "503") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestMaxBodyCutsAndNotes(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 5000)
	srv, _ := serveSite(t, fstest.MapFS{"index.html": {Data: []byte(`<html><title>big</title><a href="/big.txt">b</a>` + big)}, "big.txt": {Data: []byte(big)}})
	st, _, err := crawl(t, Config{Start: srv.URL, MaxBody: 1000})
	if err != nil {
		t.Fatal(err)
	}
	u, _, _ := st.Get(srv.URL + "/big.txt")
	if !u.Truncated || u.Bytes != 1000 || u.Status != 200 {
		t.Fatalf("big.txt record: %+v", u)
	}
	home, _, _ := st.Get(srv.URL + "/")
	if !home.Truncated || home.Title != "big" {
		t.Fatalf("home record: %+v", home)
	}
}

// hostTransport sends every request to addr whatever the URL's host says,
// so tests can use real-looking host names on a loopback server.
func hostTransport(addr string) http.RoundTripper {
	d := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
}

func TestSubdomainsAndHostNormalisation(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Host + r.URL.Path {
		case "www.site.test/":
			fmt.Fprint(w, `<a href="HTTP://WWW.SITE.TEST:80/about">a</a><a href="http://blog.site.test/">b</a><a href="http://other.test/">o</a>`)
		case "blog.site.test/":
			fmt.Fprint(w, `<a href="/post">p</a>`)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, sub := range []bool{false, true} {
		st, _, err := crawl(t, Config{Start: "http://www.site.test/", Transport: hostTransport(addr), AllowSubdomains: sub})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"http://www.site.test/robots.txt": "200 robots", "http://www.site.test/": "200 page", "http://www.site.test/about": "200 page",
			"http://blog.site.test/": "200 external", "http://other.test/": "200 external",
		}
		if sub {
			want["http://blog.site.test/"] = "200 page"
			want["http://blog.site.test/robots.txt"] = "200 robots"
			want["http://blog.site.test/post"] = "200 page"
		}
		assertStatuses(t, statuses(t, st, ""), want)
	}
}

func TestStartRedirectToAnotherOriginMovesTheSite(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "site.test" {
			http.Redirect(w, r, "http://www.site.test"+r.URL.Path, http.StatusMovedPermanently)
			return
		}
		if r.URL.Path == "/" {
			fmt.Fprint(w, `<a href="/about">a</a>`)
			return
		}
		fmt.Fprint(w, "ok")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st, _, err := crawl(t, Config{Start: "http://site.test/", Transport: hostTransport(strings.TrimPrefix(srv.URL, "http://"))})
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, ""), map[string]string{
		"http://site.test/robots.txt": "301 robots", "http://www.site.test/robots.txt": "200 robots",
		"http://site.test/": "301 page", "http://www.site.test/": "200 page", "http://www.site.test/about": "200 page",
	})
}

func TestStartUnreachable(t *testing.T) {
	t.Parallel()
	_, _, err := crawl(t, Config{Start: "http://127.0.0.1:1/", Timeout: time.Second})
	if !errors.Is(err, ErrStartUnreachable) {
		t.Fatalf("err = %v, want ErrStartUnreachable", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
}

// notifyingStore tells put about every record it stores.
type notifyingStore struct {
	*store.Memory
	put chan string
}

func (n notifyingStore) PutURL(u store.URL) error {
	err := n.Memory.PutURL(u)
	n.put <- u.URL
	return err
}

// TestCancelKeepsWhatWasFetched cancels while two requests hang, once
// /a.html is recorded and both hanging requests have arrived: what was
// answered is kept, the hanging URLs are pending. Events, not sleeps,
// decide when.
func TestCancelKeepsWhatWasFetched(t *testing.T) {
	t.Parallel()
	arrived := make(chan string, 2)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<html><title>home</title><a href="/a.html">a</a><a href="/slow1">1</a><a href="/slow2">2</a></html>`)
		case "/a.html":
			fmt.Fprint(w, `<html><title>a</title></html>`)
		case "/slow1", "/slow2":
			arrived <- r.URL.Path
			select { // answers only after the crawl is over
			case <-release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	})
	srv := testsite.Start(mux, nil)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := notifyingStore{Memory: store.NewMemory(), put: make(chan string, 64)}
	go func() {
		a, slow := false, 0
		for !a || slow < 2 {
			select {
			case u := <-st.put:
				a = a || u == srv.URL+"/a.html"
			case <-arrived:
				slow++
			}
		}
		cancel()
		for range st.put { // keep the store unblocked
		}
	}()
	// A short grace: the two hanging requests are cut, not waited for.
	res, err := Run(ctx, Config{Start: srv.URL, Concurrency: 4, NoSitemaps: true, Grace: 50 * time.Millisecond}, st)
	close(st.put)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial {
		t.Error("result not marked partial")
	}
	got := statuses(t, st.Memory, srv.URL)
	assertStatuses(t, got, map[string]string{"/robots.txt": "404 robots", "/": "200 page", "/a.html": "200 page"})
	sort.Strings(res.Pending)
	if want := []string{srv.URL + "/slow1", srv.URL + "/slow2"}; fmt.Sprint(res.Pending) != fmt.Sprint(want) {
		t.Errorf("pending = %q, want %q", res.Pending, want)
	}
}

// TestAnswerCutByTheStopIsRequestedAgain: a page whose body is being read
// when the crawl stops (and the grace ends) lost its links; recorded, a
// resumed crawl would never reach them. It stays pending instead.
func TestAnswerCutByTheStopIsRequestedAgain(t *testing.T) {
	t.Parallel()
	half := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<html><title>home</title><a href="/long">long</a></html>`)
		case "/long":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><title>long</title>`+strings.Repeat(" ", 64<<10))
			w.(http.Flusher).Flush()
			close(half)
			<-r.Context().Done() // the rest, with its links, never comes
		default:
			http.NotFound(w, r)
		}
	})
	srv := testsite.Start(mux, nil)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-half
		cancel()
	}()
	st := store.NewMemory()
	res, err := Run(ctx, Config{Start: srv.URL, Concurrency: 1, NoSitemaps: true, Grace: 10 * time.Millisecond}, st)
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{"/robots.txt": "404 robots", "/": "200 page"})
	if want := []string{srv.URL + "/long"}; !res.Partial || fmt.Sprint(res.Pending) != fmt.Sprint(want) {
		t.Errorf("partial %v, pending %q: want %q pending", res.Partial, res.Pending, want)
	}
}

// TestStopAfterTheLastRequestIsComplete: a crawl whose context ends while
// its last request is answered has nothing left to request: it is not
// partial (a time limit that passes as the crawl ends must not mark it
// partial, nor make a resumed slice end partial again).
func TestStopAfterTheLastRequestIsComplete(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<html><title>home</title><a href="/last">last</a></html>`)
	})
	mux.HandleFunc("/last", func(w http.ResponseWriter, r *http.Request) {
		cancel() // the stop arrives while the last URL is being answered
		fmt.Fprint(w, `<html><title>last</title></html>`)
	})
	srv := testsite.Start(mux, nil)
	t.Cleanup(srv.Close)
	st := store.NewMemory()
	res, err := Run(ctx, Config{Start: srv.URL, Concurrency: 1, NoSitemaps: true}, st)
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{"/robots.txt": "404 robots", "/": "200 page", "/last": "200 page"})
	if res.Partial || len(res.Pending) != 0 {
		t.Errorf("partial %v, pending %q: want a complete crawl", res.Partial, res.Pending)
	}
}

// stoppableSite serves robots.txt (its body set by the test; hold makes it
// hang until released or the request is cut), a home page linking to /a
// and /private/x, and those pages.
type stoppableSite struct {
	robots    atomic.Value  // string
	hold      atomic.Bool   // robots.txt hangs
	holdPages atomic.Bool   // /a and /private/x hang
	arrived   chan struct{} // a held request arrived
	log       testsite.Log
}

func (s *stoppableSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/robots.txt":
		if s.hold.Load() {
			s.arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, s.robots.Load().(string))
	case "/":
		fmt.Fprint(w, `<html><title>home</title><a href="/a">a</a><a href="/private/x">x</a></html>`)
	default:
		if s.holdPages.Load() {
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			<-r.Context().Done()
			return
		}
		fmt.Fprintf(w, `<html><title>%s</title></html>`, r.URL.Path)
	}
}

// TestStopWhileRobotsTxtIsReadLosesNothing: a resumed crawl stopped while
// its robots.txt request hangs records nothing about robots.txt (it was not
// "no answer": the crawl stopped) and keeps its queue; resumed again, it
// applies the robots.txt it reads to the queued URLs, which the crawl
// before queued under older rules.
func TestStopWhileRobotsTxtIsReadLosesNothing(t *testing.T) {
	t.Parallel()
	site := &stoppableSite{arrived: make(chan struct{}, 1)}
	site.robots.Store("User-agent: *\nAllow: /\n")
	srv := testsite.Start(site, &site.log)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "crawl.db")
	st, err := store.CreateSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	// Crawl 1: stopped while /a hangs: /a and /private/x stay queued.
	site.holdPages.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-site.arrived
		cancel()
	}()
	if _, err := Run(ctx, Config{Start: srv.URL + "/", Concurrency: 1, NoSitemaps: true, Grace: 10 * time.Millisecond}, st); err != nil {
		t.Fatal(err)
	}
	site.holdPages.Store(false)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	queued := func() []string {
		st, err := store.OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var q []string
		if err := st.EachQueued(func(x store.Queued) error { q = append(q, strings.TrimPrefix(x.URL, srv.URL)); return nil }); err != nil {
			t.Fatal(err)
		}
		sort.Strings(q)
		return q
	}
	if got := queued(); fmt.Sprint(got) != "[/a /private/x]" {
		t.Fatalf("queued after crawl 1: %v", got)
	}

	// Crawl 2 (a resume): stopped while robots.txt hangs.
	site.hold.Store(true)
	st, err = store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		<-site.arrived
		cancel()
	}()
	res, err := Run(ctx, Config{Start: srv.URL + "/", Concurrency: 1, NoSitemaps: true, Grace: 10 * time.Millisecond, Resume: st}, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if !res.Partial || len(res.Pending) != 2 {
		t.Errorf("crawl 2: partial %v, pending %v", res.Partial, res.Pending)
	}
	if got := queued(); fmt.Sprint(got) != "[/a /private/x]" {
		t.Fatalf("queued after crawl 2: %v", got)
	}
	st, err = store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if rec, ok, _ := st.Get(srv.URL + "/robots.txt"); !ok || rec.Status != 200 || rec.Error != "" {
		t.Errorf("robots.txt record after crawl 2: %+v (recorded %v), want crawl 1's 200", rec, ok)
	}

	// Crawl 3: robots.txt now disallows /private/; the queued /private/x
	// is blocked, not requested.
	site.hold.Store(false)
	site.robots.Store("User-agent: *\nDisallow: /private/\n")
	before := len(site.log.Requests())
	if _, err := Run(context.Background(), Config{Start: srv.URL + "/", Concurrency: 1, NoSitemaps: true, Resume: st}, st); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rec, ok, _ := st.Get(srv.URL + "/private/x"); !ok || !rec.BlockedByRobots || rec.Status != 0 {
		t.Errorf("/private/x after crawl 3: %+v (recorded %v), want blocked by robots", rec, ok)
	}
	if rec, ok, _ := st.Get(srv.URL + "/a"); !ok || rec.Status != 200 {
		t.Errorf("/a after crawl 3: %+v (recorded %v)", rec, ok)
	}
	for _, r := range site.log.Requests()[before:] {
		if r.URI == "/private/x" {
			t.Error("/private/x was requested though robots.txt disallows it now")
		}
	}
}

// TestCollyEnvironmentChangesNothing: colly reads COLLY_* environment
// variables into every collector; none of them may change a crawl (not
// parallel: t.Setenv).
func TestCollyEnvironmentChangesNothing(t *testing.T) {
	cache := t.TempDir()
	for name, value := range map[string]string{
		"COLLY_USER_AGENT": "env-agent", "COLLY_CACHE_DIR": cache, "COLLY_MAX_BODY_SIZE": "10",
		"COLLY_DETECT_CHARSET": "yes", "COLLY_ALLOWED_DOMAINS": "example.org", "COLLY_MAX_REQUESTS": "1",
		"COLLY_MAX_DEPTH": "1", "COLLY_PARSE_HTTP_ERROR_RESPONSE": "no", "COLLY_IGNORE_ROBOTSTXT": "no",
	} {
		t.Setenv(name, value)
	}
	var agents sync.Map
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		agents.Store(r.UserAgent(), true)
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<html><head><title>home page of the site</title></head><body><a href="/a">a</a><a href="/gone">g</a></body></html>`)
		case "/a":
			fmt.Fprint(w, `<html><body><a href="/b">b</a></body></html>`)
		case "/b":
			fmt.Fprint(w, `<html><body>b</body></html>`)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st, _, err := crawl(t, Config{Start: srv.URL, UserAgent: "crawlaudit-test"})
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, statuses(t, st, srv.URL), map[string]string{
		"/robots.txt": "404 robots", "/": "200 page", "/a": "200 page", "/b": "200 page", "/gone": "404 page",
	})
	if home, _, _ := st.Get(srv.URL + "/"); home.Title != "home page of the site" {
		t.Errorf("home title %q: the body was cut or decoded again", home.Title)
	}
	agents.Range(func(k, _ any) bool {
		if k != "crawlaudit-test" {
			t.Errorf("a request was sent as %q", k)
		}
		return true
	})
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("COLLY_CACHE_DIR got %d entries: responses were written to disk", len(entries))
	}
}
