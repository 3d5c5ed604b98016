package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/crawlaudit/crawlaudit/internal/testenv"
)

// spaDir is the fixture app, served by the tests.
var spaDir = filepath.Join("..", "..", "testdata", "spa")

// requireBrowser skips the test when no Chromium is installed, unless
// CRAWLAUDIT_REQUIRE_BROWSER=1 (as in .ci/run) or in CI (CI=true), where it fails: the same
// convention as cmd/crawlaudit's browser tests.
func requireBrowser(t testing.TB) {
	t.Helper()
	_, err := findBrowser("")
	testenv.Require(t, testenv.Chromium, err == nil, "the render tests")
}

// seen is one request a test server received.
type seen struct {
	Path          string
	Authorization string
	UserAgent     string
}

// site is the fixture app on a loopback server, with a second server on
// another origin (127.0.0.2 when it can be bound, else another port).
type site struct {
	main, other *httptest.Server

	mu     sync.Mutex
	log    []seen
	active map[string]int // requests being answered, per server ("" or "other:")
	most   map[string]int // the most at once
}

// record logs a request and counts it active until the returned func.
func (s *site) record(r *http.Request, prefix string) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, seen{Path: prefix + r.URL.RequestURI(), Authorization: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent")})
	if s.active == nil {
		s.active, s.most = map[string]int{}, map[string]int{}
	}
	s.active[prefix]++
	s.most[prefix] = max(s.most[prefix], s.active[prefix])
	return func() {
		s.mu.Lock()
		s.active[prefix]--
		s.mu.Unlock()
	}
}

// requests returns what the servers received; the other origin's paths
// start with "other:".
func (s *site) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *site) url(path string) string { return s.main.URL + path }

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{}
	quit := make(chan struct{})

	other := http.NewServeMux()
	otherFiles := http.FileServer(http.Dir(spaDir))
	other.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		otherFiles.ServeHTTP(w, r)
	})
	other.HandleFunc("/landing", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "landed")
	})
	other.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprintln(w, "other origin")
	})
	other.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accounts"`)
		http.Error(w, "no session", http.StatusUnauthorized)
	})
	s.other = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.record(r, "other:")()
		other.ServeHTTP(w, r)
	}))
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		s.other.Listener.Close()
		s.other.Listener = l
	}
	s.other.Start()
	t.Cleanup(s.other.Close)

	mux := http.NewServeMux()
	files := http.FileServer(http.Dir(spaDir))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		files.ServeHTTP(w, r)
	})
	mux.HandleFunc("/api/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"other": s.other.URL})
	})
	mux.HandleFunc("/api/public", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"items":[{"name":"Blue mug","href":"/products/1"},{"name":"Red mug","href":"/products/2"}]}`)
	})
	mux.HandleFunc("/api/account", func(w http.ResponseWriter, r *http.Request) {
		// A session cookie would be needed; a renderer has none.
		w.Header().Add("WWW-Authenticate", `Bearer realm="shop", error="invalid_token"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="legacy"`)
		http.Error(w, "login first", http.StatusUnauthorized)
	})
	mux.HandleFunc("/api/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	})
	mux.HandleFunc("/api/redirect-out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.other.URL+"/landing", http.StatusFound)
	})
	mux.HandleFunc("/static/chunk-1.js", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mux.HandleFunc("/static/brand.woff2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/woff2")
		w.Write([]byte("not really a font"))
	})
	s.main = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.record(r, "")()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.main.Close)
	t.Cleanup(func() { close(quit) }) // runs first: frees /api/hang
	return s
}

// fixtureConfig is the crawler's view of the site: robots.txt disallows
// /private/, credentials go to the start origin only.
func fixtureConfig(s *site) Config {
	start, _ := url.Parse(s.main.URL)
	return Config{
		UserAgent:   "crawlaudit-test/1.0",
		LoadTimeout: 10 * time.Second,
		IdleWait:    3 * time.Second,
		Allowed:     func(_ context.Context, u *url.URL) bool { return !strings.HasPrefix(u.Path, "/private/") },
		Credentials: func(u *url.URL) http.Header {
			if u.Scheme == start.Scheme && u.Host == start.Host {
				return http.Header{"Authorization": {"Bearer s3cret"}}
			}
			return nil
		},
	}
}

// newPool starts a pool and closes it at the end of the test, checking
// that no browser process is left.
func newPool(t *testing.T, cfg Config) *Pool {
	t.Helper()
	requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { closeAndCheck(t, p) })
	return p
}

// closeAndCheck closes the pool and fails when a process of its browser
// is still alive.
func closeAndCheck(t *testing.T, p *Pool) {
	t.Helper()
	p.mu.RLock()
	var pids []int
	if p.b != nil {
		_, pids = processTree(p.b.pid)
	}
	p.mu.RUnlock()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("browser process %d still runs after Close", pid)
		}
	}
}

// alive reports whether pid runs (and is not a zombie).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(string(b[i+1:])), "Z")
}

func render(t *testing.T, p *Pool, rawURL string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := p.Render(ctx, Page{URL: rawURL})
	if err != nil {
		t.Fatalf("Render %s: %v", rawURL, err)
	}
	return res
}

// request returns the recorded request for rawURL.
func request(t *testing.T, res Result, rawURL string) Request {
	t.Helper()
	for _, r := range res.Requests {
		if r.URL == rawURL {
			return r
		}
	}
	var urls []string
	for _, r := range res.Requests {
		urls = append(urls, r.URL)
	}
	t.Fatalf("no request for %s; requests: %v", rawURL, urls)
	return Request{}
}

func TestRenderSinglePageApp(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/"))
	if res.ErrorKind != KindNone {
		t.Fatalf("render error %s: %s", res.ErrorKind, res.Error)
	}
	doc := s.url("/")
	app := s.url("/static/app.js")

	t.Run("every request, with its type, status, initiator and blocking", func(t *testing.T) {
		want := []Request{
			{URL: doc, Type: "document", Method: "GET", Status: 200},
			{URL: s.url("/static/app.css"), Type: "stylesheet", Method: "GET", Status: 200, Initiator: doc},
			{URL: s.url("/private/tracker.js"), Type: "script", Method: "GET", Initiator: doc, Blocked: true, Error: "net::ERR_BLOCKED_BY_CLIENT"},
			// Chromium reports an image and a font a script asked for as
			// the document's (parser) requests.
			{URL: app, Type: "script", Method: "GET", Status: 200, Initiator: doc},
			{URL: s.url("/static/logo.svg"), Type: "image", Method: "GET", Status: 200, Initiator: doc},
			{URL: s.url("/static/chunk-1.js"), Type: "script", Method: "GET", Status: 403, Initiator: app},
			{URL: s.url("/static/brand.woff2"), Type: "font", Method: "GET", Status: 200, Initiator: doc},
			{URL: s.url("/api/public?via=xhr"), Type: "xhr", Method: "GET", Status: 200, Initiator: app},
			{URL: s.url("/api/config"), Type: "fetch", Method: "GET", Status: 200, Initiator: app},
			{URL: s.url("/api/public"), Type: "fetch", Method: "GET", Status: 200, Initiator: app},
			{URL: s.url("/api/account"), Type: "fetch", Method: "GET", Status: 401, Initiator: app,
				WWWAuthenticate: []string{`Bearer realm="shop", error="invalid_token"`, `Basic realm="legacy"`}},
			{URL: s.other.URL + "/data", Type: "fetch", Method: "GET", Status: 200, Initiator: app},
			{URL: s.url("/api/redirect-out"), Type: "fetch", Method: "GET", Status: 302, Initiator: app, Location: s.other.URL + "/landing"},
			{URL: s.other.URL + "/landing", Type: "fetch", Method: "GET", Status: 200, Initiator: app},
			// CORS hides this 401 from the page, not from the renderer.
			{URL: s.other.URL + "/api/me", Type: "fetch", Method: "GET", Status: 401, Initiator: app,
				WWWAuthenticate: []string{`Bearer realm="accounts"`}},
		}
		for _, w := range want {
			got := request(t, res, w.URL)
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("request %s:\n got %+v\nwant %+v", w.URL, got, w)
			}
		}
		if len(res.Requests) != len(want) {
			t.Errorf("%d requests recorded, want %d: %+v", len(res.Requests), len(want), res.Requests)
		}
		if res.DroppedRequests != 0 || res.NotIdle {
			t.Errorf("dropped %d, not idle %v", res.DroppedRequests, res.NotIdle)
		}
	})

	t.Run("the rendered page", func(t *testing.T) {
		if res.Status != 200 || res.FinalURL != doc {
			t.Errorf("status %d, final URL %s", res.Status, res.FinalURL)
		}
		if res.Title != "Catalogue" {
			t.Errorf("title %q", res.Title)
		}
		if res.Canonical != s.url("/catalogue") {
			t.Errorf("canonical %q", res.Canonical)
		}
		if res.MetaRobots != "" {
			t.Errorf("meta robots %q", res.MetaRobots)
		}
		wantLinks := []string{s.url("/products/1"), s.url("/products/2"), doc + "#top"}
		if !slices.Equal(res.Links, wantLinks) {
			t.Errorf("links %q, want %q", res.Links, wantLinks)
		}
		if !strings.Contains(res.HTML, `<a href="/products/2">Red mug</a>`) || !strings.HasPrefix(res.HTML, "<html") || res.HTMLTruncated {
			t.Errorf("HTML (cut %v): %.300s", res.HTMLTruncated, res.HTML)
		}
		if res.TextLength < len("Catalogue Blue mug Red mug") {
			t.Errorf("text length %d", res.TextLength)
		}
		if want := []string{"account API answered 401"}; !slices.Equal(res.ConsoleErrors, want) {
			t.Errorf("console errors %q, want %q", res.ConsoleErrors, want)
		}
	})

	t.Run("the servers saw no blocked request and credentials only on the start origin", func(t *testing.T) {
		reqs := s.requests()
		var otherPaths []string
		for _, r := range reqs {
			if strings.HasPrefix(r.Path, "/private/") {
				t.Errorf("robots-disallowed %s was requested", r.Path)
			}
			if r.UserAgent != "crawlaudit-test/1.0" {
				t.Errorf("%s sent with User-Agent %q", r.Path, r.UserAgent)
			}
			if other := strings.HasPrefix(r.Path, "other:"); other {
				otherPaths = append(otherPaths, r.Path)
				if r.Authorization != "" {
					t.Errorf("the other origin received Authorization %q on %s", r.Authorization, r.Path)
				}
			} else if r.Authorization != "Bearer s3cret" {
				t.Errorf("the start origin got Authorization %q on %s", r.Authorization, r.Path)
			}
		}
		slices.Sort(otherPaths)
		if want := []string{"other:/api/me", "other:/data", "other:/landing"}; !slices.Equal(otherPaths, want) {
			t.Errorf("other origin saw %q, want %q", otherPaths, want)
		}
	})
}

func TestRenderedNoindexIsRead(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/noindex.html"))
	if res.ErrorKind != KindNone || res.MetaRobots != "nosnippet, noindex" || res.Title != "Noindex" {
		t.Errorf("kind %q, meta robots %q, title %q", res.ErrorKind, res.MetaRobots, res.Title)
	}
}

func TestPageErrorsAreRecordedAndClipped(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/throws.html"))
	if res.ErrorKind != KindNone || res.Title != "Throws" {
		t.Fatalf("kind %q (%s), title %q", res.ErrorKind, res.Error, res.Title)
	}
	if len(res.ConsoleErrors) != maxConsoleErrors {
		t.Fatalf("%d console errors, want %d: %q", len(res.ConsoleErrors), maxConsoleErrors, res.ConsoleErrors)
	}
	if got := res.ConsoleErrors[:2]; got[0] != "widget failed: 42" || got[1] != "Uncaught Error: boom" {
		t.Errorf("first console errors %q", got)
	}
	for _, e := range res.ConsoleErrors[2:] {
		if !strings.HasPrefix(e, "noise ") || len(e) != maxConsoleChars {
			t.Errorf("console error not clipped to %d: %d %.40q", maxConsoleChars, len(e), e)
		}
	}
}

func TestIdleWaitIsCapped(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.IdleWait = time.Second
	p := newPool(t, cfg)
	res := render(t, p, s.url("/hang.html"))
	if res.ErrorKind != KindNone || !res.NotIdle || res.Title != "Hang" {
		t.Errorf("kind %q (%s), not idle %v, title %q", res.ErrorKind, res.Error, res.NotIdle, res.Title)
	}
	if r := request(t, res, s.url("/api/hang")); !r.Pending || r.Status != 0 || r.Type != "fetch" {
		t.Errorf("hanging request %+v", r)
	}
}

func TestPageThatNavigatesIsFollowed(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/navigate.html"))
	if res.ErrorKind != KindNone {
		t.Fatalf("kind %q: %s", res.ErrorKind, res.Error)
	}
	if res.FinalURL != s.url("/landing.html") || res.Title != "Landing" || res.Canonical != s.url("/landing.html") {
		t.Errorf("final URL %s, title %q, canonical %q", res.FinalURL, res.Title, res.Canonical)
	}
	if !slices.Equal(res.Links, []string{s.url("/")}) {
		t.Errorf("links %q", res.Links)
	}
	for _, path := range []string{"/navigate.html", "/landing.html"} {
		if r := request(t, res, s.url(path)); r.Type != "document" || r.Status != 200 {
			t.Errorf("%s: %+v", path, r)
		}
	}
}

func TestHungAndCrashedTabsAreReplaced(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.LoadTimeout = 2 * time.Second
	cfg.Concurrency = 1
	p := newPool(t, cfg)
	p.readTimeout = 2 * time.Second

	t.Run("a script that never ends before the load is a timeout", func(t *testing.T) {
		res := render(t, p, s.url("/loop.html"))
		if res.ErrorKind != KindTimeout || !strings.Contains(res.Error, "did not load within 2s") {
			t.Errorf("kind %q: %s", res.ErrorKind, res.Error)
		}
		// The script is stopped, and what loaded is still read.
		if res.Title != "Loop" {
			t.Errorf("title %q", res.Title)
		}
	})
	t.Run("a script that never ends after the load is a script error", func(t *testing.T) {
		res := render(t, p, s.url("/busy.html"))
		if res.ErrorKind != KindScript {
			t.Errorf("kind %q: %s", res.ErrorKind, res.Error)
		}
	})
	t.Run("a crashed renderer is a crash", func(t *testing.T) {
		p.testHook = func(tab context.Context, crashed <-chan struct{}) {
			// The renderer dies before it answers.
			ctx, cancel := context.WithTimeout(tab, 100*time.Millisecond)
			defer cancel()
			_, _ = chromedp.Call(ctx, page.Crash, cdp.Empty{})
			// The tab's own budget (the pool's load timeout) ends it if
			// the event never comes: no clock of the test's.
			select {
			case <-crashed:
			case <-tab.Done():
				t.Error("no Inspector.targetCrashed event before the tab ended")
			}
		}
		defer func() { p.testHook = nil }()
		res := render(t, p, s.url("/noindex.html"))
		if res.ErrorKind != KindCrash {
			t.Errorf("kind %q: %s", res.ErrorKind, res.Error)
		}
	})
	t.Run("the pool goes on", func(t *testing.T) {
		res := render(t, p, s.url("/noindex.html"))
		if res.ErrorKind != KindNone || res.Title != "Noindex" {
			t.Errorf("kind %q (%s), title %q", res.ErrorKind, res.Error, res.Title)
		}
	})
}

func TestFramesAndWorkersPassTheSameRules(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/frames.html"))
	if res.ErrorKind != KindNone || res.NotIdle {
		t.Fatalf("kind %q (%s), not idle %v", res.ErrorKind, res.Error, res.NotIdle)
	}
	frame := s.other.URL + "/frame.html"
	for _, w := range []Request{
		// A frame from another site runs in the page's renderer: its
		// requests are the page's.
		{URL: frame, Type: "document", Method: "GET", Status: 200, Initiator: s.url("/frames.html")},
		{URL: s.other.URL + "/static/logo.svg", Type: "image", Method: "GET", Status: 200, Initiator: frame},
		{URL: s.other.URL + "/private/frame.json", Type: "fetch", Method: "GET", Initiator: frame, Blocked: true, Error: errBlocked},
		// A worker's requests pass the page's interception, but only
		// the worker's own target would tell their initiator.
		{URL: s.url("/static/worker.js"), Type: "script", Method: "GET", Status: 200, Initiator: s.url("/frames.html")},
		{URL: s.url("/api/public?from=worker"), Type: "xhr", Method: "GET", Status: 200},
		{URL: s.url("/private/worker.json"), Type: "xhr", Method: "GET", Blocked: true, Error: errBlocked},
	} {
		if got := request(t, res, w.URL); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("request %s:\n got %+v\nwant %+v", w.URL, got, w)
		}
	}
	for _, r := range s.requests() {
		if strings.Contains(r.Path, "/private/") {
			t.Errorf("robots-disallowed %s was requested", r.Path)
		}
		if strings.HasPrefix(r.Path, "other:") && r.Authorization != "" {
			t.Errorf("the other origin received credentials on %s", r.Path)
		}
	}
}

func TestPageCannotLeaveItsTab(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/escape.html"))
	if res.ErrorKind != KindNone || res.FinalURL != s.url("/escape.html") || res.Title != "Escape" {
		t.Errorf("kind %q (%s), final URL %s, title %q", res.ErrorKind, res.Error, res.FinalURL, res.Title)
	}
	for _, r := range res.Requests {
		if !isHTTP(r.URL) {
			t.Errorf("a non-http request was recorded: %+v", r)
		}
	}
	for _, r := range s.requests() {
		if strings.HasPrefix(r.Path, "/landing.html") {
			t.Errorf("the popup loaded %s", r.Path)
		}
	}
}

func TestEachPageStartsWithNothingStored(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.Concurrency = 1
	p := newPool(t, cfg)
	for i := range 2 {
		if res := render(t, p, s.url("/storage.html")); res.Title != "first visit" {
			t.Errorf("render %d: title %q (%s %s)", i+1, res.Title, res.ErrorKind, res.Error)
		}
	}
}

func TestConcurrentPagesKeepTheirOwnRequests(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.Concurrency = 3
	p := newPool(t, cfg)
	pages := []string{"/", "/noindex.html", "/throws.html", "/storage.html", "/navigate.html", "/frames.html"}
	results := make([]Result, len(pages))
	var wg sync.WaitGroup
	for i, path := range pages {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := p.Render(ctx, Page{URL: s.url(path)})
			if err != nil {
				t.Errorf("Render %s: %v", path, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	for i, res := range results {
		if res.ErrorKind != KindNone {
			t.Errorf("%s: %s %s", pages[i], res.ErrorKind, res.Error)
			continue
		}
		if len(res.Requests) == 0 || res.Requests[0].URL != s.url(pages[i]) {
			t.Errorf("%s: first request %+v", pages[i], res.Requests)
		}
		for _, r := range res.Requests {
			if r.Type == "document" && r.URL != s.url(pages[i]) && !(pages[i] == "/navigate.html" && r.URL == s.url("/landing.html")) && !strings.HasPrefix(r.URL, s.other.URL) {
				t.Errorf("%s recorded another page's document %s", pages[i], r.URL)
			}
		}
	}
	if got := results[0].Title; got != "Catalogue" {
		t.Errorf("the app rendered %q alongside the others", got)
	}
}

// hostSlots is a per-host limiter like the crawler's: n slots per host.
type hostSlots struct {
	n int

	mu       sync.Mutex
	slots    map[string]chan struct{}
	held     map[string]int
	most     map[string]int
	acquired int
	released int
}

func (l *hostSlots) Limit(ctx context.Context, u *url.URL) (func(), error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots, l.held, l.most = map[string]chan struct{}{}, map[string]int{}, map[string]int{}
	}
	c := l.slots[u.Host]
	if c == nil {
		c = make(chan struct{}, l.n)
		l.slots[u.Host] = c
	}
	l.mu.Unlock()
	select {
	case c <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	l.acquired++
	l.held[u.Host]++
	l.most[u.Host] = max(l.most[u.Host], l.held[u.Host])
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.released++
			l.held[u.Host]--
			l.mu.Unlock()
			<-c
		})
	}, nil
}

func TestEveryRequestPassesTheLimiter(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	lim := &hostSlots{n: 1}
	cfg.Limit = lim.Limit
	cfg.IdleWait = 2 * time.Second
	p := newPool(t, cfg)

	res := render(t, p, s.url("/"))
	if res.ErrorKind != KindNone || res.Title != "Catalogue" {
		t.Fatalf("kind %q (%s), title %q", res.ErrorKind, res.Error, res.Title)
	}
	sent := 0
	for _, r := range res.Requests {
		if !r.Blocked {
			sent++
		}
	}
	lim.mu.Lock()
	// A request Chromium restarts (the font) takes a slot per try.
	if lim.acquired < len(s.requests()) || lim.acquired < sent {
		t.Errorf("%d slots taken for %d requests the servers saw (%d recorded as sent)", lim.acquired, len(s.requests()), sent)
	}
	if lim.released != lim.acquired {
		t.Errorf("%d slots taken, %d given back", lim.acquired, lim.released)
	}
	for host, n := range lim.most {
		if n > 1 {
			t.Errorf("%s: %d requests at once, limit 1", host, n)
		}
	}
	lim.mu.Unlock()
	s.mu.Lock()
	for server, n := range s.most {
		if n > 1 {
			t.Errorf("server %q answered %d requests at once, limit 1", server, n)
		}
	}
	s.mu.Unlock()

	t.Run("more requests to one host than workers, through one slot", func(t *testing.T) {
		res := render(t, p, s.url("/many.html"))
		if res.ErrorKind != KindNone || res.NotIdle || res.Title != "12 answers" {
			t.Fatalf("kind %q (%s), not idle %v, title %q", res.ErrorKind, res.Error, res.NotIdle, res.Title)
		}
		lim.mu.Lock()
		defer lim.mu.Unlock()
		if lim.released != lim.acquired || lim.most[strings.TrimPrefix(s.main.URL, "http://")] > 1 {
			t.Errorf("%d slots taken, %d given back, %v at most", lim.acquired, lim.released, lim.most)
		}
	})
	t.Run("a request that never ends gives its slot back with the page", func(t *testing.T) {
		res := render(t, p, s.url("/hang.html"))
		if !res.NotIdle {
			t.Errorf("not idle %v", res.NotIdle)
		}
		lim.mu.Lock()
		defer lim.mu.Unlock()
		if lim.released != lim.acquired {
			t.Errorf("%d slots taken, %d given back", lim.acquired, lim.released)
		}
	})
}

func TestMemoryCapRestartsTheBrowser(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.MaxMemory = 1 // every page is over it
	cfg.Concurrency = 1
	p := newPool(t, cfg)
	if m := p.Memory(); m <= 0 {
		t.Fatalf("Memory() = %d", m)
	}
	p.mu.RLock()
	_, first := processTree(p.b.pid)
	p.mu.RUnlock()
	for i := range 2 {
		if res := render(t, p, s.url("/noindex.html")); res.ErrorKind != KindNone || res.Title != "Noindex" {
			t.Errorf("render %d: %s %s, title %q", i+1, res.ErrorKind, res.Error, res.Title)
		}
	}
	if n := p.starts.Load(); n != 2 {
		t.Errorf("%d browser starts, want 2 (restarted before the second page)", n)
	}
	for _, pid := range first {
		if alive(pid) {
			t.Errorf("process %d of the first browser still runs", pid)
		}
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	requireBrowser(t)
	s := newSite(t)
	p, err := New(context.Background(), fixtureConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	render(t, p, s.url("/noindex.html"))
	p.mu.RLock()
	_, pids := processTree(p.b.pid)
	p.mu.RUnlock()
	if len(pids) < 2 {
		t.Fatalf("browser processes %v: want the browser and its children", pids)
	}
	closeAndCheck(t, p)
	if _, err := p.Render(context.Background(), Page{URL: s.url("/")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Render after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d still runs", pid)
		}
	}
}

func TestCanceledRenderReturnsAtOnce(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Render(ctx, Page{URL: s.url("/")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Render with a canceled context: %v", err)
	}
	res := render(t, p, s.url("/noindex.html"))
	if res.ErrorKind != KindNone {
		t.Errorf("next page: %s %s", res.ErrorKind, res.Error)
	}
}

// TestPageReadBeforeTheStopIsKept: a stop that comes once the page has been
// read whole does not throw the page away: Render returns it, error-free
// (a stopped crawl stores it rather than rendering it again on resume).
func TestPageReadBeforeTheStopIsKept(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.afterRead = cancel
	res, err := p.Render(ctx, Page{URL: s.url("/noindex.html")})
	p.afterRead = nil
	if err != nil {
		t.Fatalf("Render stopped after the read: %v", err)
	}
	if ctx.Err() == nil {
		t.Fatal("the test hook did not stop the render")
	}
	if res.ErrorKind != KindNone || res.Title != "Noindex" || res.MetaRobots != "nosnippet, noindex" || res.Status != 200 {
		t.Errorf("the page read before the stop: %+v", res)
	}
}

func TestNewWithoutBrowserSaysHowToInstallOne(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := New(context.Background(), Config{})
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("New without a browser: %v, want ErrNoBrowser", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install chromium") || !strings.Contains(msg, "--chrome") {
		t.Errorf("error %q: want one line saying how to install Chromium", msg)
	}
	_, err = New(context.Background(), Config{Chrome: filepath.Join(t.TempDir(), "chromium")})
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("New with a missing --chrome: %v", err)
	}
}

func TestRenderTakesOnlyHTTPURLs(t *testing.T) {
	p := &Pool{slots: make(chan struct{}, 1)}
	for _, raw := range []string{"file:///etc/passwd", "data:text/html,hi", "javascript:alert(1)", "/relative", "ftp://example.com/"} {
		if _, err := p.Render(context.Background(), Page{URL: raw}); err == nil {
			t.Errorf("Render(%q) = nil error", raw)
		}
	}
}

func TestLimitsBoundWhatAPageReports(t *testing.T) {
	s := newSite(t)
	cfg := fixtureConfig(s)
	cfg.MaxBytes = 100
	cfg.MaxRequests = 2
	p := newPool(t, cfg)
	res := render(t, p, s.url("/"))
	if len(res.Requests) != 2 || res.DroppedRequests == 0 {
		t.Errorf("%d requests recorded, %d dropped; want 2 and some", len(res.Requests), res.DroppedRequests)
	}
	if len(res.HTML) > 100 || !res.HTMLTruncated || !strings.HasPrefix(res.HTML, "<html") {
		t.Errorf("HTML of %d bytes (cut %v): %q", len(res.HTML), res.HTMLTruncated, res.HTML)
	}
	for _, r := range s.requests() {
		if r.Path == "/static/app.js" {
			t.Errorf("a request past MaxRequests was sent: %s", r.Path)
		}
	}
}

func TestDeadBrowserIsStartedAgain(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	render(t, p, s.url("/noindex.html"))
	p.mu.RLock()
	b := p.b
	p.mu.RUnlock()
	_, pids := processTree(b.pid)
	if err := syscall.Kill(b.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-b.ctx.Done() // the DevTools connection is lost
	res := render(t, p, s.url("/noindex.html"))
	if res.ErrorKind != KindNone || res.Title != "Noindex" {
		t.Errorf("kind %q (%s), title %q", res.ErrorKind, res.Error, res.Title)
	}
	if n := p.starts.Load(); n != 2 {
		t.Errorf("%d browser starts, want 2", n)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d of the killed browser still runs", pid)
		}
	}
}

func TestPageMovedToADisallowedURL(t *testing.T) {
	s := newSite(t)
	p := newPool(t, fixtureConfig(s))
	res := render(t, p, s.url("/moved.html"))
	if res.ErrorKind != KindLoad || res.Error != "the page moved to a URL that did not load: net::ERR_BLOCKED_BY_CLIENT" {
		t.Errorf("kind %q: %s", res.ErrorKind, res.Error)
	}
	if res.FinalURL != s.url("/private/secret.html") || res.HTML != "" || res.Title != "" || res.NotIdle {
		t.Errorf("final URL %s, title %q, not idle %v, HTML %.80q", res.FinalURL, res.Title, res.NotIdle, res.HTML)
	}
	if r := request(t, res, s.url("/private/secret.html")); !r.Blocked || r.Type != "document" {
		t.Errorf("the disallowed document: %+v", r)
	}
}
