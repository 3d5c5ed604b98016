package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// TestBrowserURLSpaces renders the "URL spaces" section of a crawl with a
// calendar trap, a pagination trap and a duplicate cluster, and checks in
// Chromium that on a 390-pixel screen nothing is wider than the screen and
// every sparkline is drawn inside its box.
func TestBrowserURLSpaces(t *testing.T) {
	b := newBrowser(t)
	const o = "https://shop.test"
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.SetMeta(store.Meta{StartURL: o + "/"}))
	page := func(path string, depth int) store.URL {
		return store.URL{URL: o + path, Status: 200, Kind: store.KindPage, ContentType: "text/html", Depth: depth, TextHash: fmt.Sprintf("%016x", len(path)*100+depth)}
	}
	must(m.PutURL(page("/", 0)))
	for i := 1; i <= 30; i++ {
		must(m.PutURL(page(fmt.Sprintf("/cal/2015/%02d/a-long-segment-that-keeps-going-and-going-without-a-break", i%12+1), i)))
		must(m.PutURL(page(fmt.Sprintf("/list?page=%d&filter=a-very-long-filter-value-without-spaces-%d", i, i), i)))
		must(m.AddEdge(store.Edge{From: o + "/", To: o + fmt.Sprintf("/list?page=%d&filter=a-very-long-filter-value-without-spaces-%d", i, i), Type: store.EdgeLink}))
	}
	must(m.PutURL(store.URL{URL: o + "/cal/2016/01/x", Kind: store.KindPage, Depth: 31, Bytes: -1, NotRequested: store.NotRequestedTrap}))
	for _, p := range []string{"/about", "/about-us-with-a-very-long-slug-that-does-not-fit-a-phone-screen-at-all"} {
		u := page(p, 1)
		u.Cluster, u.ClusterKind = o+"/about", store.ClusterExact
		must(m.PutURL(u))
	}
	spaces := []analysis.Space{{Kind: analysis.SpaceTrap, Origin: o, Pattern: "/cal/{year}/{month}/a-long-segment-that-keeps-going-and-going-without-a-break"}}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, report.New(m, report.Options{Spaces: spaces})); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b.open(t, dir)
	b.do(t, chromedp.EmulateViewport(390, 844))
	defer b.do(t, chromedp.EmulateViewport(1280, 1600))
	if !b.poll(t, `document.documentElement.clientWidth === 390`) {
		t.Fatalf("the viewport is %d px wide", eval[int](t, b, `document.documentElement.clientWidth`))
	}
	type fit struct {
		ScrollWidth, ClientWidth int
		Wide                     []string
		Sparks, Clipped, Rows    int
	}
	f2 := eval[fit](t, b, `(() => {
		const cw = document.documentElement.clientWidth;
		const out = e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > cw + 0.5); };
		const sec = document.getElementById('url-spaces');
		const wide = Array.from(sec.querySelectorAll('*')).filter(out).slice(0, 20).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
		let clipped = 0;
		sec.querySelectorAll('svg.spark').forEach(svg => {
			const s = svg.getBoundingClientRect();
			svg.querySelectorAll('rect').forEach(e => { const r = e.getBoundingClientRect(); if (r.left < s.left - 1 || r.right > s.right + 1 || r.width <= 0) clipped++; });
		});
		return {ScrollWidth: document.documentElement.scrollWidth, ClientWidth: cw, Wide: wide,
			Sparks: sec.querySelectorAll('svg.spark').length, Clipped: clipped,
			Rows: sec.querySelectorAll('#space-patterns tbody tr, #robots-what-if tbody tr, #duplicate-clusters tbody tr').length};
	})()`)
	if f2.ScrollWidth > f2.ClientWidth || len(f2.Wide) > 0 {
		t.Errorf("the page is %d px wide in a %d px screen; too wide: %q", f2.ScrollWidth, f2.ClientWidth, f2.Wide)
	}
	if f2.Sparks < 2 || f2.Clipped > 0 || f2.Rows < 4 {
		t.Errorf("%d sparklines (%d bars cut off), %d rows in the section", f2.Sparks, f2.Clipped, f2.Rows)
	}
}
