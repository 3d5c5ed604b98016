package crawlaudit_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// renderedCrawl is what the resume test compares of a crawl: each record
// as "path status kind [blocked] [pending]", each edge as "from type tag
// text -> to", each render result in full, the findings; the servers'
// URLs replaced by their names.
type renderedCrawl struct {
	records  map[string]string // path -> record line
	pending  map[string]bool   // paths queued and not requested (max-time)
	queued   []string          // paths on the frontier, not recorded (EachQueued)
	edges    []string          // sorted, repeats kept
	render   map[string]string // path -> the render result, every field
	findings []string
}

func readRenderedCrawl(t *testing.T, dir string, s *spaSite) renderedCrawl {
	t.Helper()
	return readCrawlDB(t, dir, strings.NewReplacer(s.main.URL, "", s.other.URL, "OTHER").Replace)
}

// readCrawlDB reads the crawl.db in dir, short shortening its URLs.
func readCrawlDB(t *testing.T, dir string, short func(string) string) renderedCrawl {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(dir, crawlaudit.DBName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rc := renderedCrawl{records: map[string]string{}, pending: map[string]bool{}, render: map[string]string{}}
	err = st.EachURL(func(u store.URL) error {
		p := short(u.URL)
		l := fmt.Sprintf("%s %d %s", p, u.Status, u.Kind)
		if u.BlockedByRobots {
			l += " blocked"
		}
		if u.NotRequested != "" {
			l += " " + string(u.NotRequested)
		}
		if u.NotRequested == store.NotRequestedMaxTime {
			rc.pending[p] = true
		}
		rc.records[p] = l
		if u.Render != nil {
			rc.render[p] = short(fmt.Sprintf("%+v", *u.Render))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.EachEdge(func(e store.Edge) error {
		rc.edges = append(rc.edges, fmt.Sprintf("%s %s %s %s -> %s", short(e.From), e.Type, e.Tag, short(e.Text), short(e.To)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rc.edges)
	err = st.EachQueued(func(q store.Queued) error {
		rc.queued = append(rc.queued, short(q.URL))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rc.queued)
	fs, err := st.Findings()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		rc.findings = append(rc.findings, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, short(f.URL)))
	}
	sort.Strings(rc.findings)
	return rc
}

// edgesFrom returns the edges of rc from path.
func (rc renderedCrawl) edgesFrom(path string) []string {
	var out []string
	for _, e := range rc.edges {
		if strings.HasPrefix(e, path+" ") {
			out = append(out, e)
		}
	}
	return out
}

// TestRenderResumeAfterStopMidRender stops a rendered crawl while pages are
// in the browser (when the browser asks for the data of the third page of a
// chain that only rendering discovers), then resumes it: the stopped
// crawl's crawl.db holds every record, edge and render result written
// before the stop, each as the uninterrupted crawl has it, and every URL
// the crawler requested; the resumed crawl ends with the records, edges,
// render results and findings of a crawl that never stopped, without
// rendering a page twice.
func TestRenderResumeAfterStopMidRender(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	const chain, stopAt = 6, 3

	full := newChainSPASite(t, chain)
	fullProgress := &crawlaudit.Progress{}
	_, fullRes := renderRun(t, full, func(o *crawlaudit.Options) { o.Progress = fullProgress })
	want := readRenderedCrawl(t, fullRes.Out, full)
	if fullRes.Partial {
		t.Fatal("the uninterrupted crawl is partial")
	}
	// The fixture's 6 pages and the chain's, each rendered once.
	if n := fullProgress.Snapshot().Rendered; n != 6+chain || len(want.render) != 6+chain {
		t.Fatalf("uninterrupted crawl: %d pages rendered, %d render results; want %d", n, len(want.render), 6+chain)
	}

	// The crawl stopped mid-render.
	s := newChainSPASite(t, chain)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stop, stopped := context.WithCancel(ctx)
	defer stopped()
	s.setChainHook(func(n int) {
		if n == stopAt {
			stopped() // /chain/3 is in the browser
		}
	})
	o := crawlaudit.DefaultOptions()
	o.Start = s.main.URL + "/"
	o.Out = t.TempDir()
	o.Render = crawlaudit.RenderAll
	o.FailOn = crawlaudit.LevelNever
	o.Now = func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }
	first := &crawlaudit.Progress{}
	o.Progress = first
	res, err := crawlaudit.Run(stop, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if stop.Err() == nil {
		t.Fatal("the crawl ended before the browser asked for /api/chain/3")
	}
	if !res.Partial {
		t.Fatal("the stopped crawl is not partial")
	}
	got := readRenderedCrawl(t, o.Out, s)

	// Every record is the uninterrupted crawl's (a URL still queued is
	// one the uninterrupted crawl requested), and so is every render
	// result: a page is recorded only with its render, whole.
	for p, l := range got.records {
		w, ok := want.records[p]
		switch {
		case !ok:
			t.Errorf("stopped crawl: %s is no URL of the uninterrupted crawl", l)
		case got.pending[p]:
			if want.pending[p] {
				t.Errorf("stopped crawl: %s is pending in the uninterrupted crawl too", p)
			}
		case l != w:
			t.Errorf("stopped crawl: record %s, want %s", l, w)
		case got.render[p] != want.render[p]:
			t.Errorf("stopped crawl: render result of %s:\n  %s\nwant\n  %s", p, got.render[p], want.render[p])
		}
	}
	// Every edge is one of the uninterrupted crawl's, and a rendered page
	// has every edge it has there: what it requested and linked to.
	left := slices.Clone(want.edges)
	for _, e := range got.edges {
		i := slices.Index(left, e)
		if i < 0 {
			t.Errorf("stopped crawl: edge %s is not the uninterrupted crawl's", e)
			continue
		}
		left = slices.Delete(left, i, i+1)
	}
	for p := range got.render {
		if g, w := got.edgesFrom(p), want.edgesFrom(p); !slices.Equal(g, w) {
			t.Errorf("stopped crawl: edges from the rendered page %s:\n  %s\nwant\n  %s", p, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
		}
	}
	// Every page rendered is recorded with its render: the chain's pages
	// before the stop among them.
	if n := first.Snapshot().Rendered; int(n) != len(got.render) {
		t.Errorf("stopped crawl: %d pages rendered, %d render results stored", n, len(got.render))
	}
	for n := 1; n < stopAt; n++ {
		if _, ok := got.render[fmt.Sprintf("/chain/%d", n)]; !ok {
			t.Errorf("stopped crawl: /chain/%d, rendered before the stop, has no render result", n)
		}
	}
	// The page in the browser at the stop was read within the grace the
	// stop gives (its link to the next page is queued), or it is queued
	// itself; no page after that is known.
	next := fmt.Sprintf("/chain/%d", stopAt)
	if _, ok := got.render[next]; ok {
		next = fmt.Sprintf("/chain/%d", stopAt+1)
	}
	if _, recorded := got.records[next]; (recorded && !got.pending[next]) || !slices.Contains(got.queued, next) {
		t.Errorf("stopped crawl: %s is not left on the frontier (queued: %v)", next, got.queued)
	}
	for _, q := range got.queued {
		if _, ok := want.records[q]; !ok {
			t.Errorf("stopped crawl: queued %s is no URL of the uninterrupted crawl", q)
		}
	}
	if _, ok := got.records[fmt.Sprintf("/chain/%d", stopAt+2)]; ok || slices.Contains(got.queued, fmt.Sprintf("/chain/%d", stopAt+2)) {
		t.Errorf("stopped crawl: /chain/%d is known, though no page before it was rendered", stopAt+2)
	}
	// Nothing the crawler fetched is lost: every URL its own client asked
	// for is recorded, or queued for the resumed crawl (a page whose
	// render the stop cut; crawler/render_test.go shows the grace).
	for _, r := range s.requests() {
		if r.dest != "" || strings.HasPrefix(r.path, "other:") {
			continue // the browser's
		}
		if _, ok := got.records[r.path]; !ok && !slices.Contains(got.queued, r.path) {
			t.Errorf("stopped crawl: the crawler fetched %s, which crawl.db does not hold", r.path)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	before := s.requests()

	// Resumed, it ends as the uninterrupted crawl did.
	r, err := crawlaudit.ResumeOptions(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	r.FailOn, r.Now = crawlaudit.LevelNever, o.Now
	second := &crawlaudit.Progress{}
	r.Progress = second
	res, err = crawlaudit.Run(ctx, r)
	if err != nil {
		t.Fatalf("Run --resume: %v", err)
	}
	if res.Partial {
		t.Fatal("the resumed crawl is partial")
	}
	end := readRenderedCrawl(t, o.Out, s)
	if !maps.Equal(end.records, want.records) {
		diffLines(t, "records after resume", slices.Sorted(maps.Values(end.records)), slices.Collect(maps.Values(want.records)))
	}
	diffLines(t, "edges after resume", end.edges, want.edges)
	diffLines(t, "findings after resume", end.findings, want.findings)
	for p, w := range want.render {
		if g := end.render[p]; g != w {
			t.Errorf("render result of %s after resume:\n  %s\nwant\n  %s", p, g, w)
		}
	}
	if len(end.render) != len(want.render) {
		t.Errorf("%d render results after resume, want %d", len(end.render), len(want.render))
	}
	// The terminal says what the uninterrupted crawl's says of rendering.
	renderLines := func(sum string) []string {
		var out []string
		for _, l := range strings.Split(sum, "\n") {
			if strings.Contains(l, "render") || strings.Contains(l, "Render") {
				out = append(out, strings.Join(strings.Fields(strings.NewReplacer(s.main.URL, "", s.other.URL, "OTHER", full.main.URL, "", full.other.URL, "OTHER").Replace(l)), " "))
			}
		}
		return out
	}
	if g, w := renderLines(res.Summary()), renderLines(fullRes.Summary()); len(w) == 0 || !slices.Equal(g, w) {
		t.Errorf("the resumed crawl's summary on rendering:\n  %s\nwant\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
	// No page was rendered and stored twice, and a page rendered before
	// the stop was not rendered again: the browser asked for its data once.
	if a, b := first.Snapshot().Rendered, second.Snapshot().Rendered; a+b != int64(6+chain) {
		t.Errorf("pages rendered: %d before the stop, %d after, want %d in all", a, b, 6+chain)
	}
	asked := map[string]int{}
	for _, r := range s.requests() {
		if strings.HasPrefix(r.path, "/api/chain/") {
			asked[r.path]++
		}
	}
	for n := 1; n <= chain; n++ {
		p := fmt.Sprintf("/api/chain/%d", n)
		want := 1
		if n == stopAt {
			// In the browser at the stop: rendered again only when the
			// grace after the stop did not let it finish.
			if _, stored := got.render[fmt.Sprintf("/chain/%d", n)]; !stored {
				want = 2
			}
		}
		if asked[p] != want {
			t.Errorf("the browser asked for %s %d times in both crawls, want %d", p, asked[p], want)
		}
	}
	t.Logf("stopped crawl: %d pages rendered, %d URLs recorded, %d queued %v; %d requests before the stop, %d after",
		len(got.render), len(got.records)-len(got.pending), len(got.queued), got.queued, len(before), len(s.requests())-len(before))
}

// sampledSite serves pages --render=auto leaves to its samples: two chains
// of pages, each page linking to the next in its raw HTML, with text
// enough not to look like a shell. The /docs/ pages' script changes
// nothing; the /articles/ pages' script writes their body, so the first
// sample of /articles/{id} grows and every later article is rendered.
// stopAt, when set, is called as the crawler (not the browser) asks for a
// page.
func sampledSite(t *testing.T, stopAt func(path string)) *httptest.Server {
	t.Helper()
	const n = 6
	filler := strings.Repeat("The shop's header and footer, served with every page. ", 3)
	next := func(w http.ResponseWriter, kind string, i int) {
		if i < n {
			fmt.Fprintf(w, `<a href="/%s/%d">next</a>`, kind, i+1)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Home</title><p>`+filler+`</p><a href="/docs/1">docs</a><a href="/articles/1">articles</a>`)
	})
	mux.HandleFunc("/{kind}/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		kind := r.PathValue("kind")
		if err != nil || i < 1 || i > n || (kind != "docs" && kind != "articles") {
			http.NotFound(w, r)
			return
		}
		if stopAt != nil && r.Header.Get("Sec-Fetch-Dest") == "" {
			stopAt(r.URL.Path)
		}
		if kind == "docs" {
			fmt.Fprintf(w, `<!doctype html><title>Doc %d</title><p>%s A document, number %d.</p><script>console.log(1)</script>`, i, filler, i)
		} else {
			fmt.Fprintf(w, `<!doctype html><title>Article %d</title><p>%s</p><div id="body"></div>`+
				`<script>document.getElementById('body').textContent = 'Article %d: many words. '.repeat(40)</script>`, i, filler, i)
		}
		next(w, kind, i)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestRenderAutoResumeKeepsTheSamples: --render=auto stopped once some
// samples of a URL pattern are rendered, then resumed, renders the pages
// the uninterrupted crawl renders, for the same reasons: the resumed crawl
// takes the samples (and what a grown sample decided) from crawl.db
// instead of rendering new samples.
func TestRenderAutoResumeKeepsTheSamples(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	options := func(srv *httptest.Server) crawlaudit.Options {
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.Render, o.FailOn, o.NoSitemaps = srv.URL+"/", t.TempDir(), crawlaudit.RenderAuto, crawlaudit.LevelNever, true
		o.Concurrency = 1
		o.Now = func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }
		return o
	}

	full := sampledSite(t, nil)
	fo := options(full)
	if _, err := crawlaudit.Run(ctx, fo); err != nil {
		t.Fatal(err)
	}
	want := readCrawlDB(t, fo.Out, strings.NewReplacer(full.URL, "").Replace)
	// The crawl renders the home page, the 3 samples of /docs/{id} (their
	// text does not grow) and every article (the first one's grows).
	var rendered []string
	for p := range want.render {
		rendered = append(rendered, p)
	}
	sort.Strings(rendered)
	if w := []string{"/", "/articles/1", "/articles/2", "/articles/3", "/articles/4", "/articles/5", "/articles/6", "/docs/1", "/docs/2", "/docs/3"}; !slices.Equal(rendered, w) {
		t.Fatalf("uninterrupted crawl rendered %v, want %v", rendered, w)
	}
	if r := want.render["/articles/1"]; !strings.Contains(r, "Reason:sample of its URL pattern /articles/{id}; its text grew when rendered (1087 characters, 166 raw)") {
		t.Errorf("the grown sample: %s", r)
	}
	if r := want.render["/articles/2"]; !strings.Contains(r, "Reason:its URL pattern's sample /articles/1 had 1087 characters of text rendered, 166 raw") {
		t.Errorf("a page rendered because the sample grew: %s", r)
	}

	// Stopped as the crawler asks for /docs/3: /docs/1 and /docs/2 are
	// rendered samples, the articles wherever they are.
	var once sync.Once
	stop, stopped := context.WithCancel(ctx)
	defer stopped()
	srv := sampledSite(t, func(path string) {
		if path == "/docs/3" {
			once.Do(stopped)
		}
	})
	o := options(srv)
	res, err := crawlaudit.Run(stop, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial {
		t.Fatal("the stopped crawl is not partial")
	}
	short := strings.NewReplacer(srv.URL, "").Replace
	got := readCrawlDB(t, o.Out, short)
	if _, ok := got.render["/docs/2"]; !ok {
		t.Fatalf("the stopped crawl did not keep /docs/2's render: %v", got.render)
	}
	r, err := crawlaudit.ResumeOptions(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	r.FailOn, r.Now, r.NoSitemaps = crawlaudit.LevelNever, o.Now, true
	if res, err = crawlaudit.Run(ctx, r); err != nil || res.Partial {
		t.Fatalf("Run --resume: partial %v, %v", res.Partial, err)
	}
	end := readCrawlDB(t, o.Out, short)
	for p, w := range want.render {
		if g := end.render[p]; g != w {
			t.Errorf("render result of %s after resume:\n  %s\nwant\n  %s", p, g, w)
		}
	}
	for p, g := range end.render {
		if _, ok := want.render[p]; !ok {
			t.Errorf("%s was rendered after resume, not in the uninterrupted crawl: %s", p, g)
		}
	}
	diffLines(t, "findings after resume", end.findings, want.findings)
}
