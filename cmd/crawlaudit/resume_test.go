package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// resumeSite is a generated site of n pages, each answering after delay:
// page i links to pages 2i+1 and 2i+2 (a tree, so every page is reached),
// to the home page, to a missing page, and uses one of ten images. Every
// 17th page answers 403, image 3 answers 401.
func resumeSite(n int, delay time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		p := r.URL.Path
		switch {
		case p == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case strings.HasPrefix(p, "/img/"):
			if p == "/img/3.png" {
				w.Header().Set("WWW-Authenticate", `Basic realm="img"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "PNG")
		case p == "/" || strings.HasPrefix(p, "/p/"):
			i := 0
			if p != "/" {
				var err error
				if i, err = strconv.Atoi(strings.TrimPrefix(p, "/p/")); err != nil || i < 1 || i >= n {
					http.NotFound(w, r)
					return
				}
			}
			if i%17 == 16 {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><title>Page %d</title><a href=\"/\">home</a>", i)
			for _, c := range []int{2*i + 1, 2*i + 2} {
				if c < n {
					fmt.Fprintf(w, `<a href="/p/%d">page %d</a>`, c, c)
				}
			}
			fmt.Fprintf(w, `<a href="/p/%d">gone</a><a href="/private/%d">private</a><img src="/img/%d.png" alt="">`, n+i, i, i%10)
		default:
			http.NotFound(w, r)
		}
	})
}

// The binary the process tests run, built once for the test binary.
var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// buildBinary returns the path of crawlaudit built from this package, for
// the tests that need a process of their own (signals, kill -9).
func buildBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signal tests need a Unix")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "crawlaudit-test-bin-"); binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "crawlaudit"), ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "crawlaudit")
}

// TestMain removes the binary buildBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// countRecords returns how many URL records another process has committed
// to the crawl database at path so far (0 while there is none).
func countRecords(path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	st, err := store.OpenSQLite(path)
	if err != nil {
		return 0
	}
	defer st.Close()
	n := 0
	_ = st.EachURL(func(store.URL) error { n++; return nil })
	return n
}

type urlState struct {
	Status int
	Kind   store.Kind
}

func readCrawl(t *testing.T, dir string) (map[string]urlState, []store.Edge, []string) {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(dir, crawlaudit.DBName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	urls := map[string]urlState{}
	if err := st.EachURL(func(u store.URL) error {
		if u.NotRequested != store.NotRequestedMaxTime { // still queued (EachQueued below)
			urls[u.URL] = urlState{u.Status, u.Kind}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var edges []store.Edge
	if err := st.EachEdge(func(e store.Edge) error { edges = append(edges, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var queued []string
	if err := st.EachQueued(func(q store.Queued) error { queued = append(queued, q.URL); return nil }); err != nil {
		t.Fatal(err)
	}
	return urls, edges, queued
}

func runBinary(t *testing.T, bin string, args ...string) int {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Logf("%v exited %d:\n%s", args, code, out)
		return code
	}
	return 0
}

// gate holds every request after the first n it counts once armed, until
// released: a test then stops a crawl it knows is unfinished, however fast
// or slow the machine is.
type gate struct {
	mu       sync.Mutex
	armed    bool
	left     int
	reached  chan struct{} // closed when the first request is held
	open     chan struct{}
	reachOne sync.Once
	openOne  sync.Once
}

func newGate() *gate { return &gate{reached: make(chan struct{}), open: make(chan struct{})} }

// arm lets n more requests through, then holds the rest.
func (g *gate) arm(n int) {
	g.mu.Lock()
	g.armed, g.left = true, n
	g.mu.Unlock()
}

func (g *gate) release() { g.openOne.Do(func() { close(g.open) }) }

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		hold := g.armed && g.left == 0
		if g.armed && g.left > 0 {
			g.left--
		}
		g.mu.Unlock()
		if hold {
			g.reachOne.Do(func() { close(g.reached) })
			select {
			case <-g.open:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// waitFor waits for c, failing the test after a generous bound (a hang).
func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(60 * time.Second):
		t.Fatalf("still waiting for %s after 60s", what)
	}
}

// stderrWatcher is a process's stderr: it closes seen when a line holding
// want is written.
type stderrWatcher struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
	once sync.Once
}

func newStderrWatcher(want string) *stderrWatcher {
	return &stderrWatcher{want: want, seen: make(chan struct{})}
}

func (w *stderrWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *stderrWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestResumeAfterKill9 kills a crawl with SIGKILL mid-way, resumes it with
// --resume and checks the result equals an uninterrupted crawl's, with no
// URL recorded before the kill requested again.
func TestResumeAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	const pages = 120
	log := &testsite.Log{}
	g := newGate()
	srv := testsite.Start(g.wrap(resumeSite(pages, 0)), log)
	t.Cleanup(srv.Close)
	t.Cleanup(g.release) // before srv.Close, which waits for held requests
	start := srv.URL + "/"

	// The reference: one uninterrupted crawl (faster: what a crawl records
	// does not depend on its concurrency).
	refDir := t.TempDir()
	if code := runBinary(t, bin, "crawl", start, "--out", refDir, "--concurrency", "16", "--fail-on", "never", "--progress=false", "-q"); code != 0 {
		t.Fatalf("reference crawl exited %d", code)
	}
	wantURLs, wantEdges, wantQueued := readCrawl(t, refDir)
	if len(wantURLs) < pages || len(wantQueued) != 0 {
		t.Fatalf("reference crawl: %d URLs, %d still queued", len(wantURLs), len(wantQueued))
	}

	// The interrupted crawl: 60 requests answered, the rest held; SIGKILL
	// once the database holds a committed batch (what the test checks is
	// that nothing committed is lost).
	dir := t.TempDir()
	g.arm(60)
	cmd := exec.Command(bin, "crawl", start, "--out", dir, "--concurrency", "2", "--fail-on", "never", "--progress=false", "-q")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, g.reached, "the 61st request")
	// The writer commits on a 500 ms tick: poll the other process's file.
	deadline := time.Now().Add(60 * time.Second)
	for countRecords(filepath.Join(dir, crawlaudit.DBName)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no record committed 60s after 60 answers")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("crawl ended before the kill (%v)", cmd.ProcessState)
	}
	g.release()
	before, _, queued := readCrawl(t, dir)
	if len(before) == 0 || len(queued) == 0 {
		t.Fatalf("after kill: %d URLs recorded, %d queued; the test needs both", len(before), len(queued))
	}
	t.Logf("killed with %d URLs recorded and %d queued", len(before), len(queued))

	resumedAt := len(log.Requests())
	if code := runBinary(t, bin, "crawl", "--resume", dir, "--progress=false", "-q"); code != 0 {
		t.Fatalf("resume exited %d", code)
	}
	gotURLs, gotEdges, gotQueued := readCrawl(t, dir)
	if len(gotQueued) != 0 {
		t.Errorf("frontier not empty after resume: %v", gotQueued)
	}
	if !reflect.DeepEqual(gotURLs, wantURLs) {
		for u, w := range wantURLs {
			if g, ok := gotURLs[u]; !ok || g != w {
				t.Errorf("%s: got %+v (present %v), want %+v", u, g, ok, w)
			}
		}
		for u := range gotURLs {
			if _, ok := wantURLs[u]; !ok {
				t.Errorf("%s: recorded, but not by the uninterrupted crawl", u)
			}
		}
	}
	if !reflect.DeepEqual(gotEdges, wantEdges) {
		t.Errorf("edges differ: %d after resume, %d uninterrupted", len(gotEdges), len(wantEdges))
	}
	for _, r := range log.Requests()[resumedAt:] {
		if r.URI == "/robots.txt" {
			continue // fetched again on resume: its rules are not stored
		}
		if _, ok := before[srv.URL+r.URI]; ok {
			t.Errorf("%s %s requested again after resume, but was recorded before the kill", r.Method, r.URI)
		}
	}
	meta := func() store.Meta {
		st, err := store.OpenSQLite(filepath.Join(dir, crawlaudit.DBName))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		m, err := st.Meta()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}()
	if meta.Partial || meta.Settings["concurrency"] != "2" || meta.Settings["fail_on"] != "never" {
		t.Errorf("meta after resume: partial %v, settings %v", meta.Partial, meta.Settings)
	}
	if _, err := os.Stat(filepath.Join(dir, "crawl.json")); err != nil {
		t.Errorf("no crawl.json after resume: %v", err)
	}
}

// startHeldCrawl starts a crawl of an 80-page site in a process of its own
// and returns once n requests were answered and the next is held.
func startHeldCrawl(t *testing.T, bin string, n int) (string, *exec.Cmd, *gate, *stderrWatcher) {
	t.Helper()
	g := newGate()
	g.arm(n)
	srv := testsite.Start(g.wrap(resumeSite(80, 0)), nil)
	t.Cleanup(srv.Close)
	t.Cleanup(g.release)
	dir := t.TempDir()
	stderr := newStderrWatcher("SIGINT: finishing the requests in flight")
	cmd := exec.Command(bin, "crawl", srv.URL+"/", "--out", dir, "--concurrency", "2", "--fail-on", "never", "--progress=false", "-q")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitFor(t, g.reached, "a held request")
	return dir, cmd, g, stderr
}

// TestSIGINTWritesPartialReportThenResumes interrupts a crawl with SIGINT:
// it exits 130 with reports marked partial, and --resume completes it.
func TestSIGINTWritesPartialReportThenResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir, cmd, g, stderr := startHeldCrawl(t, bin, 30)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Once the signal is taken, let the held requests finish: they are
	// recorded, and nothing new is requested.
	waitFor(t, stderr.seen, "the interrupt notice on stderr")
	g.release()
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitSIGINT {
		t.Fatalf("exit code after SIGINT = %d, want %d", code, exitSIGINT)
	}
	// The last line says where the partial report is and how to go on.
	if want := "\ncrawlaudit: interrupted by SIGINT: partial report written to " + dir + "; continue with: crawlaudit crawl --resume " + shellQuote(dir) + "\n"; !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("stderr does not end with %q:\n%s", want, stderr.String())
	}
	js, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"partial": true`) {
		t.Fatalf("crawl.json not marked partial")
	}
	_, _, queued := readCrawl(t, dir)
	if len(queued) == 0 {
		t.Fatal("nothing left queued after SIGINT: the crawl finished before the signal")
	}
	if code := runBinary(t, bin, "crawl", "--resume", dir, "--progress=false", "-q"); code != 0 {
		t.Fatalf("resume exited %d", code)
	}
	urls, _, queued := readCrawl(t, dir)
	if len(queued) != 0 || len(urls) < 80 {
		t.Fatalf("after resume: %d URLs, %d queued", len(urls), len(queued))
	}
	js, _ = os.ReadFile(filepath.Join(dir, "crawl.json"))
	if !strings.Contains(string(js), `"partial": false`) {
		t.Fatalf("crawl.json still partial after resume")
	}
}

// TestSecondSIGINTExitsAtOnceAndResumes sends two SIGINTs: crawlaudit exits
// at once (130), and the database it leaves still resumes to a full crawl.
func TestSecondSIGINTExitsAtOnceAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir, cmd, g, stderr := startHeldCrawl(t, bin, 30)
	_ = cmd.Process.Signal(os.Interrupt)
	waitFor(t, stderr.seen, "the interrupt notice on stderr")
	// The held requests keep the first signal's grace running: only the
	// second signal can end the process now.
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	waitFor(t, done, "the exit after the second SIGINT")
	g.release()
	if _, err := os.Stat(filepath.Join(dir, "crawl.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("crawl.json written (%v): the second SIGINT did not exit at once", err)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitSIGINT {
		t.Fatalf("exit code = %d, want %d", code, exitSIGINT)
	}
	if code := runBinary(t, bin, "crawl", "--resume", dir, "--progress=false", "-q"); code != 0 {
		t.Fatalf("resume exited %d", code)
	}
	urls, _, queued := readCrawl(t, dir)
	if len(queued) != 0 || len(urls) < 80 {
		t.Fatalf("after resume: %d URLs, %d queued", len(urls), len(queued))
	}
}
