package report

import (
	"github.com/crawlaudit/crawlaudit/internal/analysis"

	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

const bx = "https://shop.test"

// newBudgetFixture builds a crawl with one URL for every budget category.
func newBudgetFixture(t testing.TB) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.SetMeta(store.Meta{ToolVersion: "test", StartURL: bx + "/", StartedAt: time.Unix(fxStartSec, 0).UTC(), FinishedAt: time.Unix(fxStartSec+9, 0).UTC()}))
	html := "text/html; charset=utf-8"
	page := func(path string, status int, depth int, ms int64) store.URL {
		return store.URL{URL: bx + path, Status: status, Kind: store.KindPage, Depth: depth, ContentType: html, ResponseMS: ms, Method: "GET"}
	}
	urls := []store.URL{
		func() store.URL { u := page("/", 200, 0, 10); u.Start = true; u.InSitemap = true; return u }(),
		func() store.URL { u := page("/a", 200, 1, 20); u.InSitemap = true; return u }(),
		page("/shop/list", 200, 1, 30),
		page("/shop/list?sort=price", 200, 2, 40),
		page("/shop/list?sort=name", 200, 2, 50),
		page("/p?sessionid=abc", 200, 1, 60),
		func() store.URL { u := page("/noidx", 200, 1, 70); u.NoIndex = true; u.InSitemap = true; return u }(),
		func() store.URL { u := page("/canon", 200, 1, 80); u.Canonical = bx + "/a"; return u }(),
		func() store.URL { u := page("/self", 200, 1, 90); u.Canonical = bx + "/self"; return u }(),
		func() store.URL { u := page("/old", 301, 1, 5); u.Redirect = bx + "/mid"; return u }(),
		func() store.URL { u := page("/mid", 302, 2, 5); u.Redirect = bx + "/a"; return u }(),
		func() store.URL { u := page("/loop1", 302, 1, 5); u.Redirect = bx + "/loop2"; return u }(),
		func() store.URL { u := page("/loop2", 302, 2, 5); u.Redirect = bx + "/loop1"; return u }(),
		page("/account/", 401, 1, 3),
		page("/admin/", 403, 1, 3),
		page("/gone", 410, 1, 3),
		page("/shop/missing", 404, 2, 3),
		page("/teapot", 418, 1, 3),
		page("/shop/err", 503, 2, 900),
		{URL: bx + "/down", Kind: store.KindPage, Depth: 1, Error: "timeout"},
		{URL: bx + "/private/x", Kind: store.KindPage, Depth: 1, BlockedByRobots: true},
		{URL: bx + "/private/unlinked", Kind: store.KindPage, Depth: 1, BlockedByRobots: true, InSitemap: true},
		{URL: bx + "/img/x.png", Status: 200, Kind: store.KindAsset, Depth: 1, ContentType: "image/png", ResponseMS: 2},
		{URL: bx + "/feed.xml", Status: 200, Kind: store.KindPage, Depth: 1, ContentType: "application/rss+xml", ResponseMS: 2},
		{URL: bx + "/robots.txt", Status: 200, Kind: store.KindRobots, ContentType: "text/plain", ResponseMS: 1},
		page("/empty", 204, 1, 1),
		page("/deep/1/2/3/4.html", 200, 5, 7),
		{URL: "https://other.test/", Status: 404, Kind: store.KindExternal, Depth: 1},
	}
	for _, u := range urls {
		must(m.PutURL(u))
	}
	link := func(from, to string) {
		must(m.AddEdge(store.Edge{From: bx + from, To: to, Type: store.EdgeLink, Tag: "a"}))
	}
	for _, to := range []string{"/a", "/shop/list", "/shop/list?sort=price", "/shop/list?sort=name", "/p?sessionid=abc", "/noidx", "/canon", "/self", "/old", "/loop1", "/account/", "/admin/", "/gone", "/teapot", "/down", "/private/x", "/empty", "/feed.xml"} {
		link("/", bx+to)
	}
	// The 401 is in the navigation of three pages; the 404 on one.
	link("/a", bx+"/account/")
	link("/shop/list", bx+"/account/")
	link("/shop/list", bx+"/shop/missing")
	link("/shop/list", bx+"/shop/err")
	link("/a", bx+"/deep/1/2/3/4.html")
	link("/", "https://other.test/")
	must(m.AddEdge(store.Edge{From: bx + "/", To: bx + "/img/x.png", Type: store.EdgeAsset, Tag: "img"}))
	must(m.AddEdge(store.Edge{From: bx + "/old", To: bx + "/mid", Type: store.EdgeRedirect, Tag: "location"}))
	must(m.AddEdge(store.Edge{From: bx + "/mid", To: bx + "/a", Type: store.EdgeRedirect, Tag: "location"}))
	must(m.AddEdge(store.Edge{From: bx + "/loop1", To: bx + "/loop2", Type: store.EdgeRedirect, Tag: "location"}))
	must(m.AddEdge(store.Edge{From: bx + "/loop2", To: bx + "/loop1", Type: store.EdgeRedirect, Tag: "location"}))
	return m
}

func TestComputeBudgetCategories(t *testing.T) {
	t.Parallel()
	b, err := ComputeBudget(newCrawl(newBudgetFixture(t), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		analysis.CatIndexable:     5, // /, /a, /shop/list, /self, /deep/…
		analysis.CatResource:      3, // png, feed, robots.txt
		analysis.CatRedirect:      4, // /old, /mid, /loop1, /loop2
		analysis.CatUnauthorized:  1,
		analysis.CatForbidden:     1,
		analysis.CatNotFound:      2, // 410 and 404
		analysis.CatOther4xx:      1,
		analysis.CatServerError:   1,
		analysis.CatNetworkError:  1,
		analysis.CatLoginWall:     0, // TestComputeBudgetLoginWallIsWaste
		analysis.CatSoftNotFound:  0, // TestComputeBudgetSoftNotFoundIsWaste
		analysis.CatTrap:          0, // internal/analysis: TestBudgetTrapAndDuplicate
		analysis.CatNoIndex:       1,
		analysis.CatCanonicalised: 1,
		analysis.CatDuplicate:     0,
		analysis.CatParameter:     3, // two ?sort= variants of /shop/list, one ?sessionid=
		analysis.CatOther:         1, // 204 page
		analysis.CatBlockedLinked: 1, // the unlinked blocked URL is not in the budget
	}
	got := map[string]int{}
	for _, c := range b.Categories {
		got[c.ID] = c.Count
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("categories = %v\nwant %v", got, want)
	}
	if len(b.Categories) != len(analysis.Categories) {
		t.Errorf("%d categories, want all %d (zeros included)", len(b.Categories), len(analysis.Categories))
	}
	// 27 site records, minus two blocked ones = 25 requests; the external
	// URL is not in the site's budget.
	if b.Requests != 25 || b.Indexable != 5 || b.Wasted != 17 {
		t.Errorf("requests, indexable, wasted = %d, %d, %d; want 25, 5, 17", b.Requests, b.Indexable, b.Wasted)
	}
	if b.Efficiency != 0.2 {
		t.Errorf("efficiency = %v, want 0.2", b.Efficiency)
	}
	if b.RedirectChains != 2 || b.ExtraHops != 2 {
		t.Errorf("chains, extra hops = %d, %d; want 2, 2 (/old→/mid→/a and the loop)", b.RedirectChains, b.ExtraHops)
	}
	for _, c := range b.Categories {
		if c.ID == analysis.CatUnauthorized && c.Share != 0.04 {
			t.Errorf("401 share = %v, want 0.04 (1 of 25)", c.Share)
		}
	}
}

func TestComputeBudgetSectionsSortedByWaste(t *testing.T) {
	t.Parallel()
	b, err := ComputeBudget(newCrawl(newBudgetFixture(t), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range b.Sections {
		names = append(names, s.Section)
	}
	// "/" holds the top-level files, most of the waste; /shop/ has 2 variants, the
	// 404 and the 503. No first directory holds more than half the requests,
	// so none is split by its second directory.
	want := []string{"/", "/shop/", "/account/", "/admin/", "/deep/", "/img/"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("sections = %v, want %v", names, want)
	}
	shop := b.Sections[1]
	if shop.Requests != 5 || shop.Wasted != 4 || shop.Indexable != 1 || shop.Categories[analysis.CatParameter] != 2 || shop.Categories[analysis.CatServerError] != 1 {
		t.Errorf("/shop/ = %+v", shop)
	}
	if shop.Times != (Percentiles{N: 5, P50: 40, P90: 900, P99: 900}) {
		t.Errorf("/shop/ times = %+v", shop.Times)
	}
}

func TestComputeBudgetFixesRankedByRequestsSaved(t *testing.T) {
	t.Parallel()
	b, err := ComputeBudget(newCrawl(newBudgetFixture(t), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Fixes) < 3 {
		t.Fatalf("fixes = %+v", b.Fixes)
	}
	// Two-hop chains save 2 requests each (the loop first by URL), then the
	// 401 linked from three pages.
	first := b.Fixes[0]
	if first.URL != bx+"/loop1" || first.Saved != 2 || !strings.Contains(first.Fix, "loop") {
		t.Errorf("fix 1 = %+v", first)
	}
	second := b.Fixes[1]
	if second.URL != bx+"/old" || second.Saved != 2 || second.Target != bx+"/a" || second.Fix != "link straight to "+bx+"/a" {
		t.Errorf("fix 2 = %+v", second)
	}
	third := b.Fixes[2]
	if third.URL != bx+"/account/" || third.Pages != 3 || third.Saved != 1 || third.Category != analysis.CatUnauthorized {
		t.Errorf("fix 3 = %+v", third)
	}
	if !reflect.DeepEqual(third.Referrers, []string{bx + "/", bx + "/a", bx + "/shop/list"}) {
		t.Errorf("fix 3 referrers = %v", third.Referrers)
	}
	for _, f := range b.Fixes {
		if f.Category == analysis.CatIndexable || f.Category == analysis.CatResource || strings.HasPrefix(f.URL, "https://other.test") {
			t.Errorf("fix list holds a URL that wastes nothing: %+v", f)
		}
	}
}

func TestComputeBudgetDepthSpeedSitemap(t *testing.T) {
	t.Parallel()
	b, err := ComputeBudget(newCrawl(newBudgetFixture(t), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	wantDepth := []DepthCount{{0, 1}, {1, 3}, {5, 1}}
	if !reflect.DeepEqual(b.Depth.Pages, wantDepth) || b.Depth.DeepTotal != 1 || !reflect.DeepEqual(b.Depth.Deep, []string{bx + "/deep/1/2/3/4.html"}) {
		t.Errorf("depth = %+v", b.Depth)
	}
	if b.Speed.Slowest[0].URL != bx+"/shop/err" || b.Speed.Slowest[0].ResponseMS != 900 || len(b.Speed.Slowest) != 10 {
		t.Errorf("slowest = %+v", b.Speed.Slowest)
	}
	// 24 answers (the network error has none).
	if b.Speed.Overall.N != 24 {
		t.Errorf("overall n = %d, want 24", b.Speed.Overall.N)
	}
	s := b.Sitemap
	if s == nil {
		t.Fatal("no sitemap hygiene although URLs are listed")
	}
	// Listed: /, /a (indexable), /noidx (noindex), /private/unlinked
	// (blocked, unlinked: an orphan outside the budget, counted as blocked).
	if s.Listed != 4 || s.ListedIndexable != 2 || s.Share != 0.5 || !reflect.DeepEqual(s.ListedNotIndexable, map[string]int{analysis.CatNoIndex: 1, analysis.CatBlockedLinked: 1}) {
		t.Errorf("sitemap = %+v", s)
	}
	if !reflect.DeepEqual(s.Orphans, []string{bx + "/private/unlinked"}) || s.MissingTotal != 3 {
		t.Errorf("orphans %v, missing %v (%d)", s.Orphans, s.Missing, s.MissingTotal)
	}
}

func TestComputeBudgetNoSitemapIsNull(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	if err := m.PutURL(store.URL{URL: bx + "/", Status: 200, Kind: store.KindPage, Start: true}); err != nil {
		t.Fatal(err)
	}
	b, err := ComputeBudget(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if b.Sitemap != nil || b.Efficiency != 1 {
		t.Errorf("budget = %+v", b)
	}
}

func TestSectionsSplitABigDirectory(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	for _, p := range []string{"/", "/blog/2024/a", "/blog/2024/b", "/blog/2025/c", "/blog/x", "/about/"} {
		if err := m.PutURL(store.URL{URL: bx + p, Status: 200, Kind: store.KindPage}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := ComputeBudget(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range b.Sections {
		names = append(names, s.Section)
	}
	want := []string{"/", "/about/", "/blog/", "/blog/2024/", "/blog/2025/"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("sections = %v, want %v (/blog/ holds 4 of 6 requests, so it is split)", names, want)
	}
}

// TestBudgetSurvivesCrawlJSON: `crawlaudit report` recomputes the budget from
// crawl.json, which keeps neither anchor text nor edges to unrecorded URLs;
// the result must not change.
func TestBudgetSurvivesCrawlJSON(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]*store.Memory{"budget fixture": newBudgetFixture(t), "report fixture": newFixture(t)} {
		t.Run(name, func(t *testing.T) {
			want, err := ComputeBudget(newCrawl(m, Options{}))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteJSON(&buf, newCrawl(m, Options{})); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ComputeBudget(newCrawl(back, Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("budget after ReadJSON differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestRedirectsCSV(t *testing.T) {
	t.Parallel()
	m := newBudgetFixture(t)
	secret := bx + "/login?token=" + secretToken
	if err := m.PutURL(store.URL{URL: bx + "/go", Status: 307, Kind: store.KindPage, Redirect: secret}); err != nil {
		t.Fatal(err)
	}
	if err := m.AddEdge(store.Edge{From: bx + "/", To: bx + "/go", Type: store.EdgeLink, Tag: "a"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteRedirectsCSV(&buf, newCrawl(m, Options{})); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), secretToken) {
		t.Errorf("secret in redirects.csv:\n%s", buf.String())
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[0]] = append(got[r[0]], r[1]+" "+r[2]+" "+r[3]+" final="+r[6]+" "+r[7]+" hops="+r[5]+" loop="+r[8])
	}
	want := map[string][]string{
		bx + "/go": {
			"1 " + bx + "/go 307 final=" + bx + "/login?token=REDACTED  hops=1 loop=false",
			"2 " + bx + "/login?token=REDACTED  final=" + bx + "/login?token=REDACTED  hops=1 loop=false",
		},
		bx + "/loop1": {
			"1 " + bx + "/loop1 302 final=" + bx + "/loop1 302 hops=2 loop=true",
			"2 " + bx + "/loop2 302 final=" + bx + "/loop1 302 hops=2 loop=true",
			"3 " + bx + "/loop1 302 final=" + bx + "/loop1 302 hops=2 loop=true",
		},
		bx + "/old": {
			"1 " + bx + "/old 301 final=" + bx + "/a 200 hops=2 loop=false",
			"2 " + bx + "/mid 302 final=" + bx + "/a 200 hops=2 loop=false",
			"3 " + bx + "/a 200 final=" + bx + "/a 200 hops=2 loop=false",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("redirects.csv chains:\n got %q\nwant %q", got, want)
	}
	if !reflect.DeepEqual(rows[0], redirectsHeader) {
		t.Errorf("header = %v", rows[0])
	}
}

func TestBudgetCSVAndRedirectsGolden(t *testing.T) {
	t.Parallel()
	for name, write := range map[string]writerFunc{"budget.csv": WriteBudgetCSV, "redirects.csv": WriteRedirectsCSV, "fixes.csv": WriteFixesCSV} {
		var buf bytes.Buffer
		if err := write(&buf, newCrawl(newBudgetFixture(t), Options{})); err != nil {
			t.Fatal(err)
		}
		golden(t, "budget_fixture_"+name, buf.Bytes())
	}
}

// TestFixesCSV: fixes.csv is the budget's fix list, row for row, with the
// linking pages counted in inlinks and listed (the first of them) in
// referrers.
func TestFixesCSV(t *testing.T) {
	t.Parallel()
	r := newCrawl(newBudgetFixture(t), Options{})
	b, err := ComputeBudget(r)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteFixesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], fixesHeader) {
		t.Errorf("header = %q", rows[0])
	}
	if len(rows)-1 != len(b.Fixes) || len(b.Fixes) == 0 {
		t.Fatalf("%d rows for %d fixes", len(rows)-1, len(b.Fixes))
	}
	for i, f := range b.Fixes {
		want := []string{f.URL, itoa(f.Status), f.Category, itoa(f.Pages), itoa(f.Saved), f.Target, strings.Join(f.Referrers, " | "), f.Fix}
		if !reflect.DeepEqual(rows[i+1], want) {
			t.Errorf("row %d = %q, want %q", i+1, rows[i+1], want)
		}
	}
	if got := column(t, rows, bx+"/account/", "inlinks"); got != "3" {
		t.Errorf("inlinks of the 401 = %s, want 3", got)
	}
}

func TestBudgetWritersReportReadErrors(t *testing.T) {
	t.Parallel()
	for _, fail := range []string{"urls", "edgesTo"} {
		for name, write := range map[string]writerFunc{"budget.csv": WriteBudgetCSV, "redirects.csv": WriteRedirectsCSV, "fixes.csv": WriteFixesCSV, "report.html": WriteHTML} {
			var buf bytes.Buffer
			err := write(&buf, newCrawl(failingReader{Reader: newBudgetFixture(t), fail: fail}, Options{}))
			if err == nil || !strings.Contains(err.Error(), "store broke") {
				t.Errorf("%s with failing %s: err = %v", name, fail, err)
			}
		}
	}
}

// TestEveryFormatHandlesAnEmptyCrawl: a crawl that recorded nothing (the
// start URL never answered before an interrupt) still renders every file.
func TestEveryFormatHandlesAnEmptyCrawl(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	if err := m.SetMeta(store.Meta{StartURL: bx + "/", Partial: true}); err != nil {
		t.Fatal(err)
	}
	for name, write := range files() {
		var buf bytes.Buffer
		if err := write(&buf, newCrawl(m, Options{})); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if buf.Len() == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	b, err := ComputeBudget(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if b.Requests != 0 || b.Efficiency != 0 || len(b.Categories) != len(analysis.Categories) || b.Sections == nil || b.Fixes == nil {
		t.Errorf("empty budget = %+v", b)
	}
}

func TestComputeBudgetLoginWallIsWaste(t *testing.T) {
	t.Parallel()
	got, b := budgetOf(t, []store.URL{
		{URL: bx + "/", Status: 200, Kind: store.KindPage, Start: true, ContentType: "text/html"},
		{URL: bx + "/portal", Status: 200, Kind: store.KindPage, Depth: 1, ContentType: "text/html", LoginForm: true},
	}, "/portal")
	if got[analysis.CatLoginWall] != 1 || got[analysis.CatIndexable] != 1 || b.Wasted != 1 || b.Efficiency != 0.5 {
		t.Fatalf("categories %v, wasted %d, efficiency %v", got, b.Wasted, b.Efficiency)
	}
}

// budgetOf computes the Budget of urls, the first of which links to each of
// paths, and returns it with its category counts.
func budgetOf(t *testing.T, urls []store.URL, paths ...string) (map[string]int, Budget) {
	t.Helper()
	m := store.NewMemory()
	for _, u := range urls {
		if err := m.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range paths {
		if err := m.AddEdge(store.Edge{From: urls[0].URL, To: bx + p, Type: store.EdgeLink, Tag: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := ComputeBudget(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range b.Categories {
		got[c.ID] = c.Count
	}
	return got, b
}

// A 200 page whose title says not found is a soft 404: waste, not an
// indexable page; a page that only mentions 404 in its title is indexable.
func TestComputeBudgetSoftNotFoundIsWaste(t *testing.T) {
	t.Parallel()
	got, b := budgetOf(t, []store.URL{
		{URL: bx + "/", Status: 200, Kind: store.KindPage, Start: true, ContentType: "text/html"},
		{URL: bx + "/old-offer", Status: 200, Kind: store.KindPage, Depth: 1, ContentType: "text/html", Title: "404 - Page not found"},
		{URL: bx + "/fix-404s", Status: 200, Kind: store.KindPage, Depth: 1, ContentType: "text/html", Title: "How to fix 404 errors"},
	}, "/old-offer", "/fix-404s")
	if got[analysis.CatSoftNotFound] != 1 || got[analysis.CatIndexable] != 2 || b.Wasted != 1 {
		t.Fatalf("categories %v, wasted %d", got, b.Wasted)
	}
}
