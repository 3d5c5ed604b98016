package crawler

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TestFrontierSpillsInOrder: past its memory cap the frontier writes jobs
// to their level's spill file and reads them back with every field, in
// order of depth and, within a depth, first in first out, including jobs
// pushed while earlier ones wait in a file.
func TestFrontierSpillsInOrder(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFrontier(&n)
	f.memJobs = 3
	defer f.release()
	mk := func(i int) *job {
		return &job{url: fmt.Sprintf("http://a.test/p/%d?q=%d", i, i), kind: []store.Kind{store.KindPage, store.KindAsset, store.KindExternal}[i%3],
			depth: i % 4, hops: i % 4, parse: parseMode(i % 3), head: i%2 == 0, start: i == 0, disallowed: i%5 == 0}
	}
	var pushed []job
	push := func(i int) {
		j := mk(i)
		pushed = append(pushed, *j)
		f.push(j)
	}
	for i := range 10 {
		push(i)
	}
	spilled := 0
	for i := range f.levels {
		spilled += f.levels[i].spilled
	}
	if spilled != 7 || f.inMem != 3 || n.Load() != 10 {
		t.Fatalf("after 10 pushes: %d spilled, %d in memory, %d queued; want 7, 3, 10", spilled, f.inMem, n.Load())
	}
	var got []job
	popOne := func() {
		j, ok := f.pop()
		if !ok {
			t.Fatal("pop: crawl over too early")
		}
		if j.u == nil || j.u.String() != j.url {
			t.Fatalf("popped job's parsed URL = %v, want %s", j.u, j.url)
		}
		c := *j
		c.u = nil
		got = append(got, c)
		f.done(j)
	}
	for range 5 {
		popOne()
	}
	for i := 10; i < 14; i++ { // pushed while jobs wait in the files
		push(i)
	}
	for range 9 {
		popOne()
	}
	if j, ok := f.pop(); ok {
		t.Fatalf("pop after every job = %+v, want the end of the crawl", j)
	}
	// The first five pops see jobs 0–9 (depth i%4): depth 0 (0, 4, 8),
	// then depth 1 (1, 5). Then 10–13 join, and the rest come by depth, each
	// depth in push order.
	var want []job
	for _, i := range []int{0, 4, 8, 1, 5, 12, 9, 13, 2, 6, 10, 3, 7, 11} {
		w := pushed[i]
		w.u = nil
		want = append(want, w)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("jobs came back as\n%+v\nwant\n%+v", got, want)
	}
	if n.Load() != 0 || f.inMem != 0 {
		t.Errorf("queued count = %d, in memory %d after every pop", n.Load(), f.inMem)
	}
}

// TestFrontierSitemapsTurn: the sitemaps' turn comes once no job of a depth
// up to listedAfter is left, queued or in flight (a page in flight may link
// to shallow pages), before deeper jobs; while it is out the crawl is not
// over; and it ends when no listed URL is left.
func TestFrontierSitemapsTurn(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFrontier(&n)
	defer f.release()
	f.push(&job{url: "http://a.test/deep", depth: listedAfter + 1})
	f.push(&job{url: "http://a.test/d3", depth: listedAfter})
	f.push(&job{url: "http://a.test/start", depth: 0})
	f.setListed(true)
	pop := func(want string) *job {
		t.Helper()
		j, ok := f.pop()
		if !ok {
			t.Fatalf("crawl over too early, want %s", want)
		}
		if got := j.url; j.turn {
			got = "turn"
		} else if got != want {
			t.Fatalf("pop = %s, want %s", got, want)
		}
		return j
	}
	start := pop("http://a.test/start")
	d3 := pop("http://a.test/d3")
	f.done(d3)
	// The start page is in flight: the turn waits, a deeper job may go.
	deep := pop("http://a.test/deep")
	f.done(deep)
	f.done(start)
	turn := pop("turn")
	if !turn.turn {
		t.Fatalf("pop = %+v, want the sitemaps' turn", turn)
	}
	f.push(&job{url: "http://a.test/listed", depth: 0}) // what the turn queues
	f.turnDone(false)
	f.done(turn)
	f.done(pop("http://a.test/listed"))
	if j, ok := f.pop(); ok {
		t.Fatalf("pop after every job = %+v, want the end of the crawl", j)
	}
}

// TestFrontierPendingIncludesSpilled: jobs still in the spill file when a
// crawl stops are reported pending.
func TestFrontierPendingIncludesSpilled(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFrontier(&n)
	f.memJobs = 2
	defer f.release()
	for i := range 5 {
		f.push(&job{url: fmt.Sprintf("http://a.test/%d", i), kind: store.KindPage})
	}
	var urls []string
	for _, j := range f.pending() {
		urls = append(urls, j.url)
	}
	want := []string{"http://a.test/0", "http://a.test/1", "http://a.test/2", "http://a.test/3", "http://a.test/4"}
	if !reflect.DeepEqual(urls, want) {
		t.Fatalf("pending = %v, want %v", urls, want)
	}
}

// TestCrawlThatSpillsMatchesOneThatDoesNot: a crawl whose frontier keeps
// only 3 jobs in memory records the same URLs, statuses and edges as one
// that keeps them all. Not parallel: it lowers frontierMemJobs.
func TestCrawlThatSpillsMatchesOneThatDoesNot(t *testing.T) {
	files := fstest.MapFS{}
	for i := range 60 {
		var hrefs []string
		for _, k := range []int{i + 1, 2*i + 1, 2*i + 2, (i * 7) % 60, 75} { // 75 is missing: a 404
			hrefs = append(hrefs, fmt.Sprintf("/p%d.html", k))
		}
		files[fmt.Sprintf("p%d.html", i)] = page(fmt.Sprint(i), hrefs...)
	}
	files["index.html"] = page("home", "/p0.html")
	srv, _ := serveSite(t, files)
	run := func(mem int) (map[string]string, int) {
		old := frontierMemJobs
		frontierMemJobs = mem
		defer func() { frontierMemJobs = old }()
		st, _, err := crawl(t, Config{Start: srv.URL + "/", Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		edges := 0
		if err := st.EachEdge(func(store.Edge) error { edges++; return nil }); err != nil {
			t.Fatal(err)
		}
		return statuses(t, st, srv.URL), edges
	}
	all, allEdges := run(memJobs)
	before := spillFiles.Load()
	spilled, spilledEdges := run(3)
	if spillFiles.Load() == before {
		t.Fatal("the crawl with a 3-job frontier never spilled")
	}
	if len(all) != 123 || allEdges != 299 { // 61 pages, the home page, 61 missing pages
		t.Fatalf("reference crawl: %d URLs, %d edges; want 123 and 299", len(all), allEdges)
	}
	if !reflect.DeepEqual(spilled, all) || spilledEdges != allEdges {
		t.Fatalf("spilling crawl recorded %d URLs, %d edges; the reference %d, %d:\n%v\nvs\n%v", len(spilled), spilledEdges, len(all), allEdges, spilled, all)
	}
}
