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
// to its spill file and reads them back in FIFO order with every field,
// including jobs pushed while earlier ones wait in the file.
func TestFrontierSpillsInOrder(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFrontier(&n)
	f.memJobs = 3
	defer f.release()
	mk := func(i int) *job {
		return &job{url: fmt.Sprintf("http://a.test/p/%d?q=%d", i, i), kind: []store.Kind{store.KindPage, store.KindAsset, store.KindExternal}[i%3],
			depth: i, hops: i % 4, parse: parseMode(i % 3), head: i%2 == 0, start: i == 0, disallowed: i%5 == 0}
	}
	var want []job
	push := func(i int) {
		j := mk(i)
		want = append(want, *j)
		f.push(j)
	}
	for i := range 10 {
		push(i)
	}
	if f.spill == nil || f.spilled != 7 || n.Load() != 10 {
		t.Fatalf("after 10 pushes: spill file %v, %d spilled, %d queued", f.spill != nil, f.spilled, n.Load())
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
		f.done()
	}
	for range 5 {
		popOne()
	}
	for i := 10; i < 14; i++ { // pushed while jobs wait in the file: they go after them
		push(i)
	}
	for range 9 {
		popOne()
	}
	if j, ok := f.pop(); ok {
		t.Fatalf("pop after every job = %+v, want the end of the crawl", j)
	}
	for i := range want {
		want[i].u = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("jobs came back as\n%+v\nwant\n%+v", got, want)
	}
	if n.Load() != 0 {
		t.Errorf("queued count = %d after every pop", n.Load())
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
