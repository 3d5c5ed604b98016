package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// TestBrowserRendering renders the "Rendering" section of a crawl whose
// rendered pages failed in several ways and whose API calls answered 401,
// 403 and were blocked, with URLs far longer than a phone screen, and
// checks in Chromium that on a 390-pixel screen nothing is wider than the
// screen and the endpoints table lists each failing call.
func TestBrowserRendering(t *testing.T) {
	b := newBrowser(t)
	const o = "https://app.test"
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.SetMeta(store.Meta{StartURL: o + "/", Settings: map[string]string{"render": "all"}}))
	long := "/a-very-long-segment-that-does-not-fit-a-phone-screen-without-any-break-at-all"
	for i, kind := range []string{"", "timeout", "crash", "script", ""} {
		u := store.URL{URL: fmt.Sprintf("%s/page/%d%s", o, i, long), Status: 200, Kind: store.KindPage, ContentType: "text/html",
			Render: &store.Render{Reason: "render", Title: "Page", TextLength: 300, Requests: 4, Failed: 3, Blocked: 1, ErrorKind: kind}}
		must(m.PutURL(u))
		for j, api := range []struct {
			path   string
			status int
		}{{"/api/v1/account" + long, 401}, {"/api/v1/orders" + long, 403}, {"/private/tracker.json", 0}} {
			rec := store.URL{URL: o + api.path, Status: api.status, Kind: store.KindAsset, BlockedByRobots: api.status == 0}
			if j < 2 || i == 0 {
				must(m.PutURL(rec))
			}
			must(m.AddEdge(store.Edge{From: u.URL, To: rec.URL, Type: store.EdgeRender, Tag: "fetch", Text: o + "/static/app" + long + ".js"}))
		}
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, report.New(m, report.Options{})); err != nil {
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
		Endpoints, Failures      int
	}
	got := eval[fit](t, b, `(() => {
		const cw = document.documentElement.clientWidth;
		const out = e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > cw + 0.5); };
		const sec = document.getElementById('rendering');
		if (!sec) return {ScrollWidth: 0, ClientWidth: cw, Wide: ['no #rendering section'], Endpoints: 0, Failures: 0};
		const wide = Array.from(sec.querySelectorAll('*')).filter(out).slice(0, 20).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));
		return {ScrollWidth: document.documentElement.scrollWidth, ClientWidth: cw, Wide: wide,
			Endpoints: sec.querySelectorAll('#render-endpoints tbody tr').length,
			Failures: sec.querySelectorAll('#render-failures li').length};
	})()`)
	if got.ScrollWidth > got.ClientWidth || len(got.Wide) > 0 {
		t.Errorf("the page is %d px wide in a %d px screen; too wide: %q", got.ScrollWidth, got.ClientWidth, got.Wide)
	}
	if got.Endpoints != 3 || got.Failures < 3 {
		t.Errorf("%d endpoint rows (want 3: the 401, the 403, the blocked call), %d failure kinds (want at least 3)", got.Endpoints, got.Failures)
	}
}
