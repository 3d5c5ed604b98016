package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/redisq/redistest"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// Process-level fault tests of a crawl spread over worker processes
// (crawl --redis, crawlaudit worker): the coordinator and the workers are
// each a crawlaudit process of their own, killed with SIGKILL as a crash
// kills them, against a real redis-server (redistest: skipped outside CI
// when it is missing, failed in CI). In each case the crawl's URL set and
// statuses equal an uninterrupted single-process crawl's, exactly.

// outBuf is a process's stderr, safe to read while the process writes.
type outBuf struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed notifier // poked by every write
}

func (b *outBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.changed.poke()
	return b.buf.Write(p)
}

// notifier is an event a waiter re-checks its condition on: poked by every
// write of a process's stderr, or every answer of a site.
type notifier struct {
	once sync.Once
	c    chan struct{}
}

func (n *notifier) ch() chan struct{} {
	n.once.Do(func() { n.c = make(chan struct{}, 1) })
	return n.c
}

func (n *notifier) poke() {
	select {
	case n.ch() <- struct{}{}:
	default:
	}
}

// wrap pokes n after each answer of h.
func (n *notifier) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		n.poke()
	})
}

func (b *outBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a crawlaudit process a test started.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stderr *outBuf
	done   chan struct{} // closed once it has exited
}

// startProc starts bin with args and env added to this process's
// environment. The test's Cleanup kills it if it still runs.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), stderr: &outBuf{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for p to exit and returns its exit code. A process still
// running when the test is about to reach its deadline (go test -timeout)
// fails the test with the goroutines of crawlaudit's code: a hang.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	hang := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		hang, cancel = context.WithDeadline(hang, dl.Add(-20*time.Second))
		defer cancel()
	}
	select {
	case <-p.done:
	case <-hang.Done():
		// SIGQUIT: the Go runtime prints every goroutine's stack, so the
		// failure shows where the process waits.
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		waitFor(t, p.done, p.name+" to exit after SIGQUIT")
		t.Fatalf("%s still running near the test's deadline; its stderr (the goroutines in crawlaudit's code):\n%s", p.name, ownGoroutines(p.stderr.String()))
	}
	return p.cmd.ProcessState.ExitCode()
}

// ownGoroutines keeps, of a SIGQUIT goroutine dump, what comes before it
// and the goroutines whose stack runs crawlaudit's code, one of each stack
// (function names) with how many goroutines share it.
func ownGoroutines(dump string) string {
	blocks := strings.Split(dump, "\n\ngoroutine ")
	var order []string
	count, first := map[string]int{}, map[string]string{}
	for _, b := range blocks[1:] {
		if !strings.Contains(b, "github.com/crawlaudit/crawlaudit") {
			continue
		}
		var funcs []string
		for _, line := range strings.Split(b, "\n")[1:] {
			line = strings.TrimSpace(line)
			if name, _, ok := strings.Cut(line, "("); ok && !strings.HasPrefix(line, "/") && !strings.HasPrefix(line, "created by") {
				funcs = append(funcs, name)
			}
		}
		key := strings.Join(funcs, "\n")
		if count[key] == 0 {
			order = append(order, key)
			first[key] = b
		}
		count[key]++
	}
	var out strings.Builder
	out.WriteString(blocks[0])
	for _, key := range order {
		fmt.Fprintf(&out, "\n\n%d× goroutine %s", count[key], first[key])
	}
	return out.String()
}

// kill kills p with SIGKILL (a crash) and waits for it to die; it fails
// the test if p had exited before.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("%s exited (%v) before the kill; its stderr:\n%s", p.name, p.cmd.ProcessState, p.stderr)
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended before the kill (%v)", p.name, p.cmd.ProcessState)
	}
}

// stop stops a worker with SIGTERM, as systemd does: its usual way to
// stop, so it exits 0.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Errorf("%s exited %d after SIGTERM, want 0; its stderr:\n%s", p.name, code, p.stderr)
	}
}

// waitUntil waits until cond holds, checking it again on each poke of n
// (waitFor fails the test on a hang).
func waitUntil(t *testing.T, what string, n *notifier, cond func() bool) {
	t.Helper()
	for !cond() {
		waitFor(t, n.ch(), what)
	}
}

// waitCommitted waits until the crawl.db at path holds at least n
// committed records. Another process's commits (on the writer's 500 ms
// tick) send no event this process can wait on, so this one wait reads
// the file again every 10 ms; a minute without them fails the test.
func waitCommitted(t *testing.T, path string, n int) {
	t.Helper()
	for tries := 0; countRecords(path) < n; tries++ {
		if tries == 6000 {
			t.Fatalf("fewer than %d records committed in %s after a minute", n, path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hold holds the first n requests for path once armed, each until
// released or until its client goes away (a killed worker).
type hold struct {
	path string

	mu      sync.Mutex
	armed   bool
	taken   int
	reached []chan struct{} // reached[i] closes when request i is held
	gone    []chan struct{} // gone[i] closes when request i's client went away while held
	open    chan struct{}
	once    sync.Once
}

func newHold(path string, n int) *hold {
	h := &hold{path: path, open: make(chan struct{})}
	for range n {
		h.reached = append(h.reached, make(chan struct{}))
		h.gone = append(h.gone, make(chan struct{}))
	}
	return h
}

func (h *hold) arm() {
	h.mu.Lock()
	h.armed = true
	h.mu.Unlock()
}

func (h *hold) release() { h.once.Do(func() { close(h.open) }) }

func (h *hold) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		i := -1
		if h.armed && h.taken < len(h.reached) && r.URL.Path == h.path {
			i = h.taken
			h.taken++
		}
		h.mu.Unlock()
		if i < 0 {
			next.ServeHTTP(w, r)
			return
		}
		close(h.reached[i])
		select {
		case <-h.open:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
			close(h.gone[i])
		}
	})
}

// urlRow is what the tests compare of one URL of crawl.json.
type urlRow struct {
	Status  int    `json:"status"`
	Kind    string `json:"kind"`
	Inlinks int    `json:"inlinks"`
}

// crawlURLs reads dir's crawl.json: URL → status, kind and inlinks (every
// edge to it: a duplicated edge shows), the URLs listed more than once,
// and whether it is partial.
func crawlURLs(t *testing.T, dir string) (urls map[string]urlRow, twice []string, partial bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partial bool `json:"partial"`
		URLs    []struct {
			URL string `json:"url"`
			urlRow
		} `json:"urls"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s/crawl.json: %v", dir, err)
	}
	urls = map[string]urlRow{}
	for _, u := range doc.URLs {
		if _, ok := urls[u.URL]; ok {
			twice = append(twice, u.URL)
		}
		urls[u.URL] = u.urlRow
	}
	return urls, twice, doc.Partial
}

// sameCrawl fails t unless dir's crawl is complete, lists each URL once,
// and has exactly want's URLs with want's statuses, kinds and inlinks.
func sameCrawl(t *testing.T, dir string, want map[string]urlRow) map[string]urlRow {
	t.Helper()
	got, twice, partial := crawlURLs(t, dir)
	if partial {
		t.Errorf("%s: crawl.json is partial", dir)
	}
	if len(twice) > 0 {
		t.Errorf("URLs recorded more than once: %v", twice)
	}
	var diffs []string
	for u, w := range want {
		if g, ok := got[u]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing, want %+v", u, w))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: got %+v, want %+v", u, g, w))
		}
	}
	for u, g := range got {
		if _, ok := want[u]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %+v, not in the single-process crawl", u, g))
		}
	}
	sort.Strings(diffs)
	for i, d := range diffs {
		if i == 20 {
			t.Errorf("… and %d more differences", len(diffs)-i)
			break
		}
		t.Errorf("differs from the single-process crawl: %s", d)
	}
	return got
}

// referenceCrawl crawls start in one process and returns its URLs.
func referenceCrawl(t *testing.T, bin, start string, minURLs int, env []string, args ...string) map[string]urlRow {
	t.Helper()
	dir := t.TempDir()
	p := startProc(t, "single-process crawl", bin, env, append([]string{"crawl", start, "--out", dir, "--concurrency", "16", "--fail-on", "never", "--progress=false", "-q"}, args...)...)
	if code := p.wait(t); code != 0 {
		t.Fatalf("single-process crawl exited %d:\n%s", code, p.stderr)
	}
	urls, twice, partial := crawlURLs(t, dir)
	if partial || len(twice) > 0 || len(urls) < minURLs {
		t.Fatalf("single-process crawl: partial %v, %d URLs (want ≥ %d), listed twice %v", partial, len(urls), minURLs, twice)
	}
	return urls
}

// distributed are the settings of a crawl's processes.
type distributed struct {
	bin, redis, prefix string
}

func newDistributed(t *testing.T, opts redistest.Options) (distributed, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t, opts)
	return distributed{bin: buildBinary(t), redis: "redis://" + srv.Addr + "/0", prefix: "ft"}, srv
}

// coordinator starts `crawl --redis --workers-only` with a short lease.
func (d distributed) coordinator(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	base := []string{"crawl", "--redis", d.redis, "--redis-prefix", d.prefix, "--workers-only", "--lease-timeout", "2s",
		"--concurrency", "4", "--fail-on", "never", "--progress=false", "-q"}
	return startProc(t, name, d.bin, env, append(base, args...)...)
}

// worker starts `crawlaudit worker` named name.
func (d distributed) worker(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	base := []string{"worker", "--redis", d.redis, "--redis-prefix", d.prefix, "--concurrency", "4", "--name", name}
	return startProc(t, "worker "+name, d.bin, env, append(base, args...)...)
}

// requestsFor returns how many of reqs are for uri.
func requestsFor(reqs []testsite.Request, uri string) int {
	n := 0
	for _, r := range reqs {
		if r.URI == uri {
			n++
		}
	}
	return n
}

// noKeysLeft fails t if srv holds any key: a finished crawl deletes its own,
// and the registry of crawls is empty once it is withdrawn.
func noKeysLeft(t *testing.T, srv *redistest.Server) {
	t.Helper()
	if keys := srv.Keys(); len(keys) > 0 {
		t.Errorf("keys left in Redis after the crawl finished: %v", keys)
	}
}

// TestWorkerKilledMidCrawl: worker A takes a URL whose answer the site
// holds, worker B starts, A is killed with SIGKILL while it holds the URL;
// once A's lease expires the coordinator queues the URL again, B requests
// it, and the crawl equals the single-process crawl, the URL recorded once.
func TestWorkerKilledMidCrawl(t *testing.T) {
	t.Parallel()
	d, srv := newDistributed(t, redistest.Options{})
	const pages, held = 120, "/p/5" // /p/5 leads to 30 of the pages
	log := &testsite.Log{}
	h := newHold(held, 1)
	site := testsite.Start(h.wrap(resumeSite(pages, 0)), log)
	t.Cleanup(site.Close)
	t.Cleanup(h.release) // before site.Close, which waits for held requests
	start := site.URL + "/"
	want := referenceCrawl(t, d.bin, start, pages, nil)

	h.arm()
	dir := t.TempDir()
	coord := d.coordinator(t, "coordinator", nil, start, "--out", dir)
	a := d.worker(t, "A", nil)
	waitFor(t, h.reached[0], held+" requested by worker A (the only worker)")
	b := d.worker(t, "B", nil)
	a.kill(t)
	killedAt := len(log.Requests())
	// The held request's connection closes with A: nobody answers it now.
	waitFor(t, h.gone[0], "the held request's client (worker A) to go away")
	h.release()

	if code := coord.wait(t); code != 0 {
		t.Fatalf("coordinator exited %d; its stderr:\n%s\nworker B's stderr:\n%s", code, coord.stderr, b.stderr)
	}
	got := sameCrawl(t, dir, want)
	if r := got[site.URL+held]; r.Status != http.StatusOK {
		t.Errorf("%s recorded as %+v, want 200", held, r)
	}
	after := log.Requests()[killedAt:]
	if n := requestsFor(after, held); n < 1 {
		t.Errorf("%s not requested after worker A was killed: its lease never went to worker B", held)
	}
	if !strings.Contains(coord.stderr.String(), "leases expired") {
		t.Errorf("the coordinator did not say that leases expired; its stderr:\n%s", coord.stderr)
	}
	b.stop(t)
	noKeysLeft(t, srv)
	t.Logf("%d URLs; %d requests after the kill; coordinator's stderr:\n%s", len(got), len(after), coord.stderr)
}

// TestCoordinatorKilledAndResumed: the coordinator is killed with SIGKILL
// mid-crawl, once it has committed records and while the site holds every
// further request; the workers go on with what Redis holds; `crawl --resume
// DIR --redis` finishes the crawl, equal to the single-process crawl, with
// no URL recorded twice and no key left in Redis.
func TestCoordinatorKilledAndResumed(t *testing.T) {
	t.Parallel()
	d, srv := newDistributed(t, redistest.Options{})
	const pages = 120
	log := &testsite.Log{}
	g := newGate()
	answered := &notifier{}
	site := testsite.Start(answered.wrap(g.wrap(resumeSite(pages, 0))), log)
	t.Cleanup(site.Close)
	t.Cleanup(g.release)
	start := site.URL + "/"
	want := referenceCrawl(t, d.bin, start, pages, nil)

	g.arm(40)
	dir := t.TempDir()
	coord := d.coordinator(t, "coordinator", nil, start, "--out", dir)
	a, b := d.worker(t, "A", nil), d.worker(t, "B", nil)
	waitFor(t, g.reached, "the 41st request")
	waitCommitted(t, filepath.Join(dir, crawlaudit.DBName), 1)
	coord.kill(t)
	killedAt := len(log.Requests())
	before, _, queued := readCrawl(t, dir)
	if len(queued) == 0 {
		t.Fatalf("nothing queued in crawl.db at the kill (%d URLs recorded): the test needs a crawl half done", len(before))
	}
	g.release()
	// The workers go on without a coordinator: the held requests are
	// answered and published, and the URLs still queued in Redis taken.
	waitUntil(t, "a request taken by a worker after the coordinator's death", answered, func() bool { return len(log.Requests()) > killedAt })

	resumedAt := len(log.Requests())
	resumed := d.coordinator(t, "resumed coordinator", nil, "--resume", dir)
	if code := resumed.wait(t); code != 0 {
		t.Fatalf("resumed coordinator exited %d; its stderr:\n%s", code, resumed.stderr)
	}
	got := sameCrawl(t, dir, want)
	for _, r := range log.Requests()[resumedAt:] {
		if r.URI == "/robots.txt" || strings.HasPrefix(r.URI, "/sitemap") {
			continue // the coordinator reads them again: not stored
		}
		if _, ok := before[site.URL+r.URI]; ok {
			t.Errorf("%s %s requested again after the resume, but was recorded before the kill", r.Method, r.URI)
		}
	}
	// Checked while the workers still run: a finished crawl is withdrawn
	// and its keys deleted, and no worker writes them again.
	noKeysLeft(t, srv)
	a.stop(t)
	b.stop(t)
	noKeysLeft(t, srv)
	t.Logf("killed with %d URLs committed and %d queued in crawl.db; %d URLs in the end; %d requests after the kill",
		len(before), len(queued), len(got), len(log.Requests())-killedAt)
}

// bearerSite answers every request but robots.txt with 401 unless it
// carries the token.
func bearerSite(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" && r.Header.Get("Authorization") != "Bearer "+token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="site"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestWorkerRefusesCrawlWithoutCredentials: a crawl that needs credentials
// (--bearer-token-env on the coordinator) is refused by a worker that has
// none for its origin, in one line of the worker's log and a warning of the
// coordinator, and the worker requests nothing; a worker given its own
// credentials for the origin then does the crawl, equal to the
// single-process crawl with the same token. The token is in no output file,
// no process's stderr, and nothing Redis was ever told (its append-only
// file).
//
// With refusing workers only, the coordinator waits for a worker that has
// the credentials (the crawl does not end by itself): the progress line and
// the warning say why.
func TestWorkerRefusesCrawlWithoutCredentials(t *testing.T) {
	t.Parallel()
	// The append-only file keeps every write Redis was sent, deleted or not.
	d, srv := newDistributed(t, redistest.Options{AppendOnly: true})
	const pages = 60
	token := fmt.Sprintf("tok-%d-never-shown", time.Now().UnixNano())
	env := []string{"SITE_TOKEN=" + token}
	log := &testsite.Log{}
	site := testsite.Start(bearerSite(token, resumeSite(pages, 0)), log)
	t.Cleanup(site.Close)
	start := site.URL + "/"
	want := referenceCrawl(t, d.bin, start, pages, env, "--bearer-token-env", "SITE_TOKEN")
	if want[start].Status != http.StatusOK {
		t.Fatalf("the single-process crawl got %+v for %s: the token was not sent", want[start], start)
	}
	sent := len(log.Requests())

	dir := t.TempDir()
	coord := d.coordinator(t, "coordinator", env, start, "--out", dir, "--bearer-token-env", "SITE_TOKEN")
	// The variable is set for this worker too, but not named: a worker
	// sends only the credentials it is told to, to the origins it is told.
	refuser := d.worker(t, "refuser", env)
	refusal := "worker refuser refuses the crawl of " + start + ": it needs credentials for " + site.URL
	waitUntil(t, "the refusal in the worker's log", &refuser.stderr.changed, func() bool { return strings.Contains(refuser.stderr.String(), refusal) })
	waitUntil(t, "the refusal in the coordinator's warnings", &coord.stderr.changed, func() bool {
		return strings.Contains(coord.stderr.String(), "crawlaudit: warning: "+refusal)
	})
	// The coordinator requests robots.txt and the sitemaps itself; no page
	// or image was requested.
	for _, r := range log.Requests()[sent:] {
		if r.URI == "/" || strings.HasPrefix(r.URI, "/p/") || strings.HasPrefix(r.URI, "/img/") {
			t.Errorf("%s %s requested before a worker with credentials started", r.Method, r.URI)
		}
	}

	holder := d.worker(t, "holder", env, "--bearer-token-env", "SITE_TOKEN", "--auth-origin", site.URL)
	if code := coord.wait(t); code != 0 {
		t.Fatalf("coordinator exited %d; its stderr:\n%s", code, coord.stderr)
	}
	sameCrawl(t, dir, want)
	refuser.stop(t)
	holder.stop(t)
	if n := strings.Count(refuser.stderr.String(), "refuses the crawl"); n != 1 {
		t.Errorf("the refusing worker said it %d times, want once:\n%s", n, refuser.stderr)
	}
	if n := strings.Count(coord.stderr.String(), "crawlaudit: warning: worker refuser refuses"); n != 1 {
		t.Errorf("the coordinator warned of the refusal %d times, want once:\n%s", n, coord.stderr)
	}
	noKeysLeft(t, srv)

	// Stop flushes the append-only file.
	srv.Stop()
	for _, p := range []*proc{coord, refuser, holder} {
		if strings.Contains(p.stderr.String(), token) {
			t.Errorf("the token is in the stderr of the %s", p.name)
		}
	}
	// What the search reads holds the crawl: the outputs and Redis's
	// writes name a page the crawl requested with the token.
	page := []byte(site.URL + "/p/7")
	for _, root := range []string{dir, filepath.Join(srv.Dir, "appendonlydir")} {
		holdsPage := false
		err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(token)) {
				t.Errorf("the token is in %s", path)
			}
			holdsPage = holdsPage || bytes.Contains(data, page)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !holdsPage {
			t.Errorf("no file under %s names %s: the search for the token read nothing of the crawl", root, page)
		}
	}
}

// TestRedisRestartedMidCrawl: Redis is killed (SIGKILL) and started again
// on the same port while a worker holds a URL the site has not answered.
// Without persistence Redis comes back empty: the coordinator says so, with
// how many URLs it queued again, and the crawl completes; with the
// append-only file nothing is lost and nothing is said. Either way the
// crawl equals the single-process crawl.
func TestRedisRestartedMidCrawl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts redistest.Options
	}{
		{"without persistence", redistest.Options{}},
		{"with AOF", redistest.Options{AppendOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, srv := newDistributed(t, tc.opts)
			const pages, held = 120, "/p/1" // /p/1 leads to 58 of the pages
			log := &testsite.Log{}
			h := newHold(held, 1)
			site := testsite.Start(h.wrap(resumeSite(pages, 0)), log)
			t.Cleanup(site.Close)
			t.Cleanup(h.release)
			start := site.URL + "/"
			want := referenceCrawl(t, d.bin, start, pages, nil)
			single := perURI(log.Requests())
			sent := len(log.Requests())

			h.arm()
			dir := t.TempDir()
			coord := d.coordinator(t, "coordinator", nil, start, "--out", dir)
			w := d.worker(t, "A", nil)
			waitFor(t, h.reached[0], held+" requested by the worker")
			// Mid-crawl: the part of the site not under the held page is
			// being recorded.
			waitCommitted(t, filepath.Join(dir, crawlaudit.DBName), 40)
			srv.Kill()
			srv.Start()
			h.release()
			if code := coord.wait(t); code != 0 {
				t.Fatalf("coordinator exited %d; its stderr:\n%s\nworker's stderr:\n%s", code, coord.stderr, w.stderr)
			}
			got := sameCrawl(t, dir, want)
			m := lostLine.FindStringSubmatch(coord.stderr.String())
			if tc.opts.AppendOnly {
				if m != nil {
					t.Errorf("with the append-only file, the coordinator says Redis lost the crawl:\n%s", coord.stderr)
				}
				// Nothing lost, so nothing requested again: each URL as
				// often as by the single-process crawl.
				distributed := perURI(log.Requests()[sent:])
				for uri, n := range single {
					if distributed[uri] != n {
						t.Errorf("%s requested %d times, %d by the single-process crawl", uri, distributed[uri], n)
					}
				}
				for uri, n := range distributed {
					if _, ok := single[uri]; !ok {
						t.Errorf("%s requested %d times, never by the single-process crawl", uri, n)
					}
				}
			} else if m == nil {
				t.Errorf("the coordinator does not say that Redis lost the crawl's keys; its stderr:\n%s", coord.stderr)
			} else if n, _ := strconv.Atoi(m[1]); n < 1 {
				// At least the held URL was out with the worker.
				t.Errorf("the coordinator says %d URLs were queued again, want ≥ 1: %s", n, m[0])
			}
			w.stop(t)
			noKeysLeft(t, srv)
			t.Logf("%d URLs; coordinator's stderr:\n%s", len(got), coord.stderr)
		})
	}
}

// perURI counts reqs by method and URI.
func perURI(reqs []testsite.Request) map[string]int {
	m := map[string]int{}
	for _, r := range reqs {
		m[r.Method+" "+r.URI]++
	}
	return m
}

// lostLine is the coordinator's warning that Redis lost a crawl's keys.
var lostLine = regexp.MustCompile(`crawlaudit: warning: Redis lost this crawl's frontier and results \(restarted without persistence, or flushed\): (\d+) URLs out with workers were queued again`)

// freeAddr returns a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// metric reads one counter of a worker's Prometheus metrics at addr; -1
// while they cannot be read.
func metric(addr, name string) int {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// TestStuckWorkerLeasesExpire: worker A holds a URL whose answer the site
// holds, and stops (SIGSTOP: a process swapped out, a long GC pause, a VM
// frozen), so it no longer extends its lease; the lease expires, the
// coordinator queues the URL again and worker B requests it. Then A goes on
// (SIGCONT) and both answers come back: the URL is recorded once, its links
// once (inlinks as in the single-process crawl), and A counts the lease it
// lost in its metrics.
func TestStuckWorkerLeasesExpire(t *testing.T) {
	t.Parallel()
	d, srv := newDistributed(t, redistest.Options{})
	const pages, held = 120, "/p/5"
	h := newHold(held, 2) // A's request, then B's
	site := testsite.Start(h.wrap(resumeSite(pages, 0)), nil)
	t.Cleanup(site.Close)
	t.Cleanup(h.release)
	start := site.URL + "/"
	want := referenceCrawl(t, d.bin, start, pages, nil)

	h.arm()
	dir := t.TempDir()
	coord := d.coordinator(t, "coordinator", nil, start, "--out", dir)
	metricsA := freeAddr(t)
	a := d.worker(t, "A", nil, "--metrics-addr", metricsA, "-v")
	waitFor(t, h.reached[0], held+" requested by worker A (the only worker)")
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	b := d.worker(t, "B", nil)
	// A extends its lease no more: it expires, and B gets the URL.
	waitFor(t, h.reached[1], held+" requested again (by worker B) once A's lease expired")
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	h.release()
	// A's answer comes back too, late: its lease is gone.
	waitUntil(t, "worker A to say its lease was lost", &a.stderr.changed, func() bool {
		return strings.Contains(a.stderr.String(), "lease expired before the answer")
	})
	if n := metric(metricsA, "crawlaudit_worker_lease_expiries_total"); n < 1 {
		t.Errorf("worker A's lease expiries = %v after it said one was lost", n)
	}

	if code := coord.wait(t); code != 0 {
		t.Fatalf("coordinator exited %d; its stderr:\n%s", code, coord.stderr)
	}
	got := sameCrawl(t, dir, want)
	if r := got[site.URL+held]; r.Status != http.StatusOK {
		t.Errorf("%s recorded as %+v, want 200", held, r)
	}
	if !strings.Contains(coord.stderr.String(), "leases expired") {
		t.Errorf("the coordinator did not say that leases expired; its stderr:\n%s", coord.stderr)
	}
	a.stop(t)
	b.stop(t)
	noKeysLeft(t, srv)
}
