package crawlaudit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/redisq/redistest"
)

// startWorkers runs n workers (crawlaudit.Work, what `crawlaudit worker`
// runs) against redisURL until the returned stop is called.
func startWorkers(t *testing.T, redisURL string, n, concurrency int, edit func(i int, o *crawlaudit.WorkerOptions)) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range n {
		o := crawlaudit.WorkerOptions{Redis: redisURL, Concurrency: concurrency, Name: fmt.Sprintf("w%d", i), Poll: 20 * time.Millisecond}
		if edit != nil {
			edit(i, &o)
		}
		wg.Go(func() {
			if err := crawlaudit.Work(ctx, o); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// timingKey matches the crawl.json keys that hold times or durations (and
// the budget's speed section, made of response times).
var timingKey = regexp.MustCompile(`(^|_)(ms|at|time|seconds|duration|elapsed)$|^(started|finished|generated)|^speed$`)

// comparableCrawl reads dir's crawl.json without timings, as a value to
// compare with another crawl's: every URL record, edge, finding, the
// budget and the summaries.
func comparableCrawl(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if timingKey.MatchString(k) {
					delete(x, k)
					continue
				}
				x[k] = strip(v)
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return x
	}
	return strip(v).(map[string]any)
}

// diffCrawls says where two comparable crawls differ (first few places).
func diffCrawls(a, b map[string]any) string {
	var out []string
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		if len(out) >= 8 || reflect.DeepEqual(x, y) {
			return
		}
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok {
				break
			}
			keys := map[string]bool{}
			for k := range xv {
				keys[k] = true
			}
			for k := range yv {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				walk(path+"."+k, xv[k], yv[k])
			}
			return
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				break
			}
			for i := range xv {
				walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])
			}
			return
		}
		xs, _ := json.Marshal(x)
		ys, _ := json.Marshal(y)
		out = append(out, fmt.Sprintf("%s: %.300s ≠ %.300s", path, xs, ys))
	}
	walk("", a, b)
	return strings.Join(out, "\n")
}

func redisURL(s *redistest.Server) string { return "redis://" + s.Addr + "/0" }

// coordinatorOptions are the options of a --workers-only crawl of start
// through srv, its outputs in out.
func coordinatorOptions(start, out string, srv *redistest.Server) crawlaudit.Options {
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = start, out
	o.Redis, o.WorkersOnly = redisURL(srv), true
	return o
}

// heldSite starts a faultSite of n pages whose first request of path is
// held, and returns it with its single-process crawl's statuses.
func heldSite(t *testing.T, n int, path string) (*faultSite, map[string]string) {
	t.Helper()
	site := newFaultSite(t, n)
	want := singleCrawl(t, site.URL+"/")
	site.mu.Lock()
	site.hold = path
	site.mu.Unlock()
	return site, want
}

// TestWorkersCrawlTheDemoAsOneProcessDoes: the demo site crawled by 1, 2
// and 4 workers through a real redis-server gives the same crawl.json as a
// single-process crawl, timings aside; the finished crawl leaves no key.
//
// Both crawls request one URL at a time per host (--concurrency 1, shared
// by every worker): a URL's depth is that of the page that led to it first,
// and with several pages of one host in flight, which of two pages at
// different depths linking the same URL is recorded first depends on
// timing, in one process as with workers. The fault tests below compare
// URLs and statuses at higher concurrency.
func TestWorkersCrawlTheDemoAsOneProcessDoes(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	site, _, _ := demoServers(t)

	single := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.Concurrency = site+"/", single, 1
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := comparableCrawl(t, single)
	if urls, _ := want["urls"].([]any); len(urls) < 40 {
		t.Fatalf("the single-process crawl recorded %d URLs: not the demo", len(urls))
	}

	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("%d workers", n), func(t *testing.T) {
			stop := startWorkers(t, redisURL(srv), n, 4, nil)
			defer stop()
			out := t.TempDir()
			o := coordinatorOptions(site+"/", out, srv)
			o.Concurrency = 1
			o.Progress = &crawlaudit.Progress{}
			res, err := crawlaudit.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Partial {
				t.Fatal("partial crawl")
			}
			if d := diffCrawls(want, comparableCrawl(t, out)); d != "" {
				t.Errorf("crawl.json differs from the single-process crawl's:\n%s", d)
			}
			stop()
			if keys := srv.Keys(); len(keys) > 0 {
				t.Errorf("keys left in Redis after the crawl: %v", keys)
			}
		})
	}
	// Without --workers-only and with no worker, the coordinator's own
	// worker does the whole crawl.
	t.Run("coordinator alone", func(t *testing.T) {
		out := t.TempDir()
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.Concurrency, o.Redis = site+"/", out, 1, redisURL(srv)
		if _, err := crawlaudit.Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if d := diffCrawls(want, comparableCrawl(t, out)); d != "" {
			t.Errorf("crawl.json differs from the single-process crawl's:\n%s", d)
		}
		if keys := srv.Keys(); len(keys) > 0 {
			t.Errorf("keys left in Redis after the crawl: %v", keys)
		}
	})
}

// faultSite is a site of n pages (/p0 … /p{n-1}, each linking to the next
// three, the home page to the first ten, with a 404, a 401 with its challenge and a 403 among them) whose
// handler counts the requests in flight and can hold one path until
// released.
type faultSite struct {
	URL string

	mu       sync.Mutex
	inFlight int
	maxSeen  int
	hold     string        // path whose first request is held until release closes
	held     chan struct{} // closed when hold is first requested
	release  chan struct{}
	barrier  int           // page requests kept waiting until this many are in flight at once
	full     chan struct{} // closed when barrier requests were in flight
}

func newFaultSite(t *testing.T, n int) *faultSite {
	t.Helper()
	s := &faultSite{held: make(chan struct{}), release: make(chan struct{}), full: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.enter(r.URL.Path)
		defer s.leave()
		var i int
		switch {
		case r.URL.Path == "/":
			i = -1
		case r.URL.Path == "/secret":
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		case r.URL.Path == "/staff":
			w.WriteHeader(http.StatusForbidden)
			return
		default:
			if _, err := fmt.Sscanf(r.URL.Path, "/p%d", &i); err != nil || i < 0 || i >= n {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>Page %d</title><p>Text of page %d, unique words %d.</p>", i, i, i*7919)
		links := 3
		if i < 0 {
			links = 10 // the home page: enough pages at once to fill the host limit
		}
		for k := i + 1; k <= i+links && k < n; k++ {
			fmt.Fprintf(w, `<a href="/p%d">page %d</a> `, k, k)
		}
		if i == 2 {
			fmt.Fprint(w, `<a href="/secret">s</a> <a href="/staff">t</a> <a href="/gone">g</a> <a href="/private/x">x</a>`)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		s.mu.Lock()
		select {
		case <-s.release:
		default:
			close(s.release)
		}
		s.mu.Unlock()
		srv.Close()
	})
	s.URL = srv.URL
	return s
}

func (s *faultSite) enter(path string) {
	s.mu.Lock()
	s.inFlight++
	s.maxSeen = max(s.maxSeen, s.inFlight)
	// Only the first request of the held path is held: the one the
	// test's fault catches in flight.
	hold := path == s.hold
	if hold {
		select {
		case <-s.held:
			hold = false
		default:
			close(s.held)
		}
	}
	// The barrier holds pages only (sitemaps are probed before any page).
	page := strings.HasPrefix(path, "/p")
	wait := page && s.barrier > 0 && s.inFlight <= s.barrier
	if wait && s.inFlight == s.barrier {
		close(s.full)
		s.barrier = 0
	}
	full, release := s.full, s.release
	s.mu.Unlock()
	if wait {
		<-full
	}
	if hold {
		<-release
	}
}

func (s *faultSite) leave() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}

// unblock releases the held path.
func (s *faultSite) unblock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

// statuses reads dir's crawl.json as URL → "status kind".
func statuses(t *testing.T, dir string) map[string]string {
	t.Helper()
	c := readCrawlJSON(t, dir)
	m := map[string]string{}
	for _, u := range c.URLs {
		if _, dup := m[u.URL]; dup {
			t.Errorf("%s recorded twice", u.URL)
		}
		s := fmt.Sprintf("%d %s", u.Status, u.Kind)
		if u.BlockedByRobots {
			s = "blocked " + u.Kind
		}
		m[u.URL] = s
	}
	return m
}

// singleCrawl crawls start in one process and returns its statuses.
func singleCrawl(t *testing.T, start string) map[string]string {
	t.Helper()
	out := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = start, out
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return statuses(t, out)
}

func sameStatuses(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(want) < 10 {
		t.Fatalf("the single-process crawl recorded %d URLs", len(want))
	}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("%s: %q, want %q (single process)", u, got[u], w)
		}
	}
	for u, g := range got {
		if _, ok := want[u]; !ok {
			t.Errorf("%s: %q, not in the single-process crawl", u, g)
		}
	}
}

// TestWorkersShareThePerHostLimit: three workers of 8 requests each crawl
// one host whose limit is 4: the server never sees more than 4 requests at
// once, and does see 4 (the first four wait for each other).
func TestWorkersShareThePerHostLimit(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	site := newFaultSite(t, 120)
	want := singleCrawl(t, site.URL+"/")
	site.mu.Lock()
	site.maxSeen, site.barrier = 0, 4
	site.mu.Unlock()

	startWorkers(t, redisURL(srv), 3, 8, nil)
	out := t.TempDir()
	o := coordinatorOptions(site.URL+"/", out, srv)
	o.Concurrency = 4
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sameStatuses(t, statuses(t, out), want)
	site.mu.Lock()
	defer site.mu.Unlock()
	if site.maxSeen != 4 {
		t.Errorf("at most %d requests in flight at the server, want exactly the host limit 4", site.maxSeen)
	}
}

// testClock is a clock a test moves forward.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestStuckWorkerLeaseExpires: a worker hangs on a URL (its clock stands
// still, as a hung process's does, so it extends its lease no further).
// When the lease's time has passed on the coordinator's clock the URL is
// queued again, another worker requests it, and the crawl ends with the
// single-process crawl's URLs and statuses; the hung worker's late answer
// changes nothing.
func TestStuckWorkerLeaseExpires(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	site, want := heldSite(t, 40, "/p7")

	clock := &testClock{}
	frozen := time.Now()
	stuck := startWorkers(t, redisURL(srv), 1, 1, func(_ int, o *crawlaudit.WorkerOptions) {
		o.Name, o.Now = "stuck", func() time.Time { return frozen }
	})
	out := t.TempDir()
	o := coordinatorOptions(site.URL+"/", out, srv)
	o.LeaseTimeout, o.Now = time.Minute, clock.Now
	done := make(chan error, 1)
	go func() {
		_, err := crawlaudit.Run(context.Background(), o)
		done <- err
	}()
	<-site.held // the stuck worker holds /p7 (its only slot)
	clock.advance(2 * time.Minute)
	startWorkers(t, redisURL(srv), 1, 2, func(_ int, o *crawlaudit.WorkerOptions) { o.Name, o.Now = "healthy", clock.Now })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sameStatuses(t, statuses(t, out), want)
	site.unblock()
	stuck()
	if keys := srv.Keys(); len(keys) > 0 {
		t.Errorf("keys left in Redis after the crawl: %v", keys)
	}
}

// TestRedisRestartMidCrawl: Redis goes down while a worker holds a URL and
// comes back. With the append-only file nothing is lost and nothing is said;
// without it the crawl's keys are gone: the coordinator says so, queues
// again what was out, and the crawl still ends with the single-process
// crawl's URLs and statuses.
func TestRedisRestartMidCrawl(t *testing.T) {
	for _, aof := range []bool{true, false} {
		t.Run(fmt.Sprintf("appendonly=%v", aof), func(t *testing.T) {
			srv := redistest.Start(t, redistest.Options{AppendOnly: aof})
			site, want := heldSite(t, 40, "/p9")
			startWorkers(t, redisURL(srv), 2, 2, nil)
			out := t.TempDir()
			o := coordinatorOptions(site.URL+"/", out, srv)
			// A take whose answer the restart cut leaves a lease no worker
			// knows of: it comes back after the lease timeout.
			o.LeaseTimeout = 2 * time.Second
			var mu sync.Mutex
			var warned []string
			o.Warn = func(m string) { mu.Lock(); warned = append(warned, m); mu.Unlock() }
			type result struct {
				res *crawlaudit.Result
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := crawlaudit.Run(context.Background(), o)
				done <- result{res, err}
			}()
			<-site.held
			if aof {
				srv.Stop() // SIGTERM: the AOF is written
			} else {
				srv.Kill()
			}
			srv.Start()
			site.unblock()
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			sameStatuses(t, statuses(t, out), want)
			lost := false
			for _, w := range r.res.Warnings {
				lost = lost || strings.Contains(w, "Redis lost this crawl's frontier")
			}
			if lost != !aof {
				t.Errorf("warnings %q: a loss said = %v, want %v", r.res.Warnings, lost, !aof)
			}
			if keys := srv.Keys(); len(keys) > 0 {
				t.Errorf("keys left in Redis after the crawl: %v", keys)
			}
		})
	}
}

// TestInterruptedCoordinatorResumes: the coordinator is stopped while a
// worker holds a URL; its crawl is partial, withdrawn from the workers and
// its keys kept. The resumed crawl (same crawl.db, --redis again) reads
// what the workers sent meanwhile, finishes with the single-process crawl's
// URLs and statuses, records no URL twice and leaves no key.
func TestInterruptedCoordinatorResumes(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	site, want := heldSite(t, 60, "/p11")
	startWorkers(t, redisURL(srv), 2, 2, nil)

	out := t.TempDir()
	o := coordinatorOptions(site.URL+"/", out, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *crawlaudit.Result, 1)
	go func() {
		res, err := crawlaudit.Run(ctx, o)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-site.held
	cancel()
	res := <-done
	if res == nil || !res.Partial {
		t.Fatalf("stopped crawl: %+v, want partial", res)
	}
	if len(srv.Keys()) == 0 {
		t.Fatal("the interrupted crawl's keys are gone: nothing to resume")
	}
	site.unblock() // the worker's answer for /p11 goes to the stream meanwhile

	r, err := crawlaudit.ResumeOptions(out)
	if err != nil {
		t.Fatal(err)
	}
	r.Redis, r.WorkersOnly = redisURL(srv), true
	res, err = crawlaudit.Run(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial {
		t.Fatal("resumed crawl partial")
	}
	sameStatuses(t, statuses(t, out), want)
	if keys := srv.Keys(); len(keys) > 0 {
		t.Errorf("keys left in Redis after the crawl: %v", keys)
	}
}

// TestWorkersServeSeveralCrawls: two sites crawled at once (a
// crawlaudit.yaml of two sites, `crawlaudit run --parallel-sites 2`), both
// coordinators on one Redis, served by the same two workers: each crawl
// equals its single-process crawl, and nothing is left in Redis.
func TestWorkersServeSeveralCrawls(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	a, b := newFaultSite(t, 30), newFaultSite(t, 45)
	wantA, wantB := singleCrawl(t, a.URL+"/"), singleCrawl(t, b.URL+"/")
	startWorkers(t, redisURL(srv), 2, 3, nil)
	var sites []crawlaudit.Options
	for _, s := range []*faultSite{a, b} {
		sites = append(sites, coordinatorOptions(s.URL+"/", t.TempDir(), srv))
	}
	results := crawlaudit.RunSites(context.Background(), sites, 2, nil)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("site %d: %v", i, r.Err)
		}
	}
	sameStatuses(t, statuses(t, sites[0].Out), wantA)
	sameStatuses(t, statuses(t, sites[1].Out), wantB)
	if keys := srv.Keys(); len(keys) > 0 {
		t.Errorf("keys left in Redis after the crawls: %v", keys)
	}
}
