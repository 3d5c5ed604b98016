package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// browserPath finds Debian's chromium. Without it the browser tests skip,
// unless CRAWLAUDIT_REQUIRE_BROWSER=1 (as in .ci/run), where they fail.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found: install it (apt-get install -y chromium) to run the browser test"
	if os.Getenv("CRAWLAUDIT_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (CRAWLAUDIT_REQUIRE_BROWSER=1)")
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with a fresh profile, that records every
// dialog, uncaught exception and network request of the pages it opens.
type browser struct {
	ctx context.Context

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
	requests   []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := browserPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 1600),
	)
	t.Cleanup(acancel)
	b := &browser{}
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		// Runs in the tab's message loop: record and return, run no command.
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *cdppage.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, ev.Message)
			go func() {
				// A dialog blocks the page until it is closed.
				_, _ = chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			b.exceptions = append(b.exceptions, msg)
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		}
	}))
	t.Cleanup(bcancel)
	b.ctx = bctx
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, err := range []error{
		call(bctx, network.Enable, network.EnableParams{}),
		call(bctx, cdppage.Enable, cdppage.EnableParams{}),
		call(bctx, runtime.Enable, cdp.Empty{}),
	} {
		if err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	}
	return b
}

func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

// open loads report.html from dir and waits for the table script to run.
// It fails on any request other than the file itself.
func (b *browser) open(t *testing.T, dir string) {
	t.Helper()
	file := "file://" + filepath.Join(dir, "report.html")
	if err := chromedp.Do(b.ctx,
		chromedp.Navigate(file),
		chromedp.WaitVisible("#row-info[data-count]"),
		chromedp.Sleep(200*time.Millisecond), // let anything injected try to load or run
	); err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.requests {
		if u != file {
			t.Errorf("report.html made a request to %s", u)
		}
	}
	if len(b.exceptions) > 0 {
		t.Errorf("JavaScript exceptions: %v", b.exceptions)
	}
	if len(b.dialogs) > 0 {
		t.Errorf("dialogs opened: %v", b.dialogs)
	}
	b.requests, b.exceptions, b.dialogs = nil, nil, nil
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// waitCount waits (up to 5 s) until the table script shows want rows: the
// filter runs after the input event, off the key press.
func (b *browser) waitCount(t *testing.T, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = eval[string](t, b, `document.getElementById('row-info').dataset.count`); got == want {
			return
		}
	}
	t.Errorf("table shows %s rows, want %s", got, want)
}

// eval runs js in the page (DevTools evaluation, which the page's CSP does
// not restrict) and decodes its value.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// browserCrawlJSON is the part of crawl.json the browser test compares with.
type browserCrawlJSON struct {
	Summary struct {
		URLs           int `json:"urls"`
		Findings       int `json:"findings"`
		FindingsByRule []struct {
			Rule string `json:"rule"`
		} `json:"findings_by_rule"`
	} `json:"summary"`
	Budget struct {
		Requests   int     `json:"requests"`
		Indexable  int     `json:"indexable"`
		Wasted     int     `json:"wasted"`
		Efficiency float64 `json:"efficiency"`
		Sections   []struct {
			Section string `json:"section"`
		} `json:"sections"`
	} `json:"budget"`
	URLs []struct {
		URL        string `json:"url"`
		Status     int    `json:"status"`
		Kind       string `json:"kind"`
		ResponseMS int64  `json:"response_ms"`
		Title      string `json:"title"`
		Blocked    bool   `json:"blocked_by_robots"`
	} `json:"urls"`
}

// testBrowserDemoReport runs the demo crawl, opens its report.html in
// headless Chromium, and checks what a site owner sees: the efficiency
// figure and numbers equal crawl.json's, both charts, the findings, and a
// URL table that sorts and filters. It saves a screenshot.
//
// TestBrowser starts one Chromium for both checks: starting it is most of
// the time the test takes.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	t.Run("demo report", func(t *testing.T) { testBrowserDemoReport(t, b) })
	t.Run("hostile site's report runs nothing", func(t *testing.T) { testBrowserRunsNoInjectedScript(t, b) })
	t.Run("table pages through many rows", func(t *testing.T) { testBrowserPaging(t, b) })
}

// testBrowserPaging renders a 250-URL crawl and pages through its table.
func testBrowserPaging(t *testing.T, b *browser) {
	m := store.NewMemory()
	if err := m.SetMeta(store.Meta{StartURL: "https://many.test/", StartedAt: time.Unix(0, 0), FinishedAt: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 250; i++ {
		if err := m.PutURL(store.URL{URL: fmt.Sprintf("https://many.test/p%03d", i), Status: 200, Kind: store.KindPage, ContentType: "text/html", ResponseMS: int64(i)}); err != nil {
			t.Fatal(err)
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
	pageInfo := func() string { return b.text(t, "#page-info") }
	firstURL := func() string { return b.text(t, "#url-table tbody tr:first-child td:first-child") }
	if got := pageInfo(); got != "rows 1–100 of 250, page 1 of 3" {
		t.Errorf("page info = %q", got)
	}
	b.do(t, chromedp.Click("#next"))
	if got, first := pageInfo(), firstURL(); got != "rows 101–200 of 250, page 2 of 3" || first != "https://many.test/p100" {
		t.Errorf("after next: %q, first row %q", got, first)
	}
	b.do(t, chromedp.Click("#last"))
	if got := pageInfo(); got != "rows 201–250 of 250, page 3 of 3" {
		t.Errorf("after last: %q", got)
	}
	if disabled := eval[bool](t, b, `document.getElementById('next').disabled && !document.getElementById('prev').disabled`); !disabled {
		t.Error("next is not disabled on the last page")
	}
	// Filtering starts again at page 1.
	b.do(t, chromedp.SendKeys("#filter", "p1"))
	b.waitCount(t, "100") // p100–p199
	if got := pageInfo(); got != "rows 1–100 of 100, page 1 of 1" {
		t.Errorf("after filter: %q", got)
	}
}

func testBrowserDemoReport(t *testing.T, b *browser) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"demo", "--out", dir, "-q"}, &stdout, &stderr); code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cj browserCrawlJSON
	if err := json.Unmarshal(raw, &cj); err != nil {
		t.Fatal(err)
	}
	b.open(t, dir)

	t.Run("numbers shown equal crawl.json", func(t *testing.T) {
		want := map[string]string{
			"#efficiency": strconv.FormatFloat(cj.Budget.Efficiency*100, 'f', 1, 64) + "%",
			"#requests":   strconv.Itoa(cj.Budget.Requests),
			"#indexable":  strconv.Itoa(cj.Budget.Indexable),
			"#wasted":     strconv.Itoa(cj.Budget.Wasted),
			"#urls":       strconv.Itoa(cj.Summary.URLs),
			"#findings":   strconv.Itoa(cj.Summary.Findings),
		}
		for sel, w := range want {
			if got := b.text(t, sel); got != w {
				t.Errorf("%s shows %q, crawl.json says %q", sel, got, w)
			}
		}
		// The efficiency figure is the first thing on the page after the title.
		first := eval[string](t, b, `document.querySelector('.figure').id`)
		if first != "efficiency" {
			t.Errorf("first figure is %q", first)
		}
	})
	t.Run("charts and findings are drawn", func(t *testing.T) {
		statuses := map[string]bool{}
		for _, u := range cj.URLs {
			switch {
			case u.Blocked:
				statuses["blocked"] = true
			case u.Status == 0:
				statuses["none"] = true
			default:
				statuses[strconv.Itoa(u.Status)] = true
			}
		}
		type drawn struct{ Status, Sections, Rules, Rects int }
		counts := eval[drawn](t, b, `({Status: document.querySelectorAll('#status-chart svg g.bar').length,
			Sections: document.querySelectorAll('#section-chart svg g.bar').length,
			Rules: document.querySelectorAll('#findings-by-rule .rule').length,
			Rects: document.querySelectorAll('svg rect').length})`)
		if counts.Status != len(statuses) || counts.Sections != min(15, len(cj.Budget.Sections)) || counts.Rules != len(cj.Summary.FindingsByRule) || counts.Rects == 0 {
			t.Errorf("drawn %+v; want %d status bars, %d section bars, %d rule groups", counts, len(statuses), min(15, len(cj.Budget.Sections)), len(cj.Summary.FindingsByRule))
		}
		visible := eval[bool](t, b, `(() => { const r = document.querySelector('#section-chart svg').getBoundingClientRect(); return r.width > 300 && r.height > 50; })()`)
		if !visible {
			t.Error("the section chart is not laid out at a readable size")
		}
	})
	t.Run("table sorts by response time both ways", func(t *testing.T) {
		times := make([]int64, 0, len(cj.URLs))
		for _, u := range cj.URLs {
			times = append(times, u.ResponseMS)
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		header := `#url-table th[data-col="6"] button`
		b.do(t, chromedp.Click(header))
		first := b.text(t, "#url-table tbody tr:first-child td:nth-child(7)")
		if first != strconv.FormatInt(times[len(times)-1], 10) {
			t.Errorf("first row after sorting by response_ms: %s ms, want the slowest, %d", first, times[len(times)-1])
		}
		b.do(t, chromedp.Click(header))
		if first := b.text(t, "#url-table tbody tr:first-child td:nth-child(7)"); first != strconv.FormatInt(times[0], 10) {
			t.Errorf("first row after sorting again: %s ms, want the fastest, %d", first, times[0])
		}
		sortAttr := eval[string](t, b, `document.querySelector('#url-table th[data-col="6"]').getAttribute('aria-sort')`)
		if sortAttr != "ascending" {
			t.Errorf("aria-sort = %q", sortAttr)
		}
	})
	t.Run("table filters by text and kind", func(t *testing.T) {
		wantImg, wantAssets := 0, 0
		for _, u := range cj.URLs {
			if strings.Contains(strings.ToLower(u.URL+u.Title), "/img/") {
				wantImg++
			}
			if u.Kind == "asset" {
				wantAssets++
			}
		}
		b.do(t, chromedp.SendKeys("#filter", "/img/"))
		b.waitCount(t, strconv.Itoa(wantImg))
		type filtered struct {
			Count  string
			Rows   int
			AllImg bool
		}
		check := `({Count: document.getElementById('row-info').dataset.count,
			Rows: document.querySelectorAll('#url-table tbody tr').length,
			AllImg: Array.from(document.querySelectorAll('#url-table tbody tr td:first-child')).every(td => td.textContent.includes('/img/'))})`
		shown := eval[filtered](t, b, check)
		if shown.Count != strconv.Itoa(wantImg) || shown.Rows != wantImg || !shown.AllImg {
			t.Errorf("filter /img/: %+v, want %d rows all under /img/", shown, wantImg)
		}
		kindCount := eval[string](t, b, `(() => { const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'));
			const k = document.getElementById('kind'); k.value = 'asset'; k.dispatchEvent(new Event('change'));
			return document.getElementById('row-info').dataset.count; })()`)
		if kindCount != strconv.Itoa(wantAssets) {
			t.Errorf("kind filter asset shows %s rows, want %d", kindCount, wantAssets)
		}
		kindCount = eval[string](t, b, `(() => { const k = document.getElementById('kind'); k.value = ''; k.dispatchEvent(new Event('change')); return document.getElementById('row-info').dataset.count; })()`)
		if kindCount != strconv.Itoa(cj.Summary.URLs) {
			t.Errorf("no filter shows %s rows, want %d", kindCount, cj.Summary.URLs)
		}
	})
	t.Run("screenshot", func(t *testing.T) {
		// The first screen: efficiency figure, numbers, both charts.
		b.do(t, chromedp.EmulateViewport(1280, 1400), chromedp.ScrollIntoView("h1"))
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		// And the URL table, as sorted and filtered above.
		b.do(t, chromedp.Evaluate[chromedp.Void](`document.getElementById('all-urls').scrollIntoView({block: 'start'})`))
		table, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		for name, img := range map[string][]byte{"report-screenshot.png": png, "report-table.png": table} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			if len(img) < 10000 {
				t.Errorf("%s is only %d bytes", name, len(img))
			}
			t.Logf("screenshot: %s (%d bytes)", path, len(img))
			// CRAWLAUDIT_SCREENSHOT_DIR keeps a copy after the temp folder is gone.
			if keep := os.Getenv("CRAWLAUDIT_SCREENSHOT_DIR"); keep != "" {
				if err := os.WriteFile(filepath.Join(keep, name), img, 0o644); err != nil {
					t.Error(err)
				}
			}
		}
	})
}

// testBrowserRunsNoInjectedScript opens the hostile site's report in
// Chromium: no dialog may open, no request go out, and no injected element
// exist in the DOM, including the rows the table script builds from the
// data island; the payloads show as text.
func testBrowserRunsNoInjectedScript(t *testing.T, b *browser) {
	dir := crawlHostile(t)
	b.open(t, dir)
	type dom struct {
		Injected  int
		TitleText bool
		RealmText bool
		Rows      int
	}
	js := fmt.Sprintf(`({Injected: document.querySelectorAll('#pwned, img, iframe, object, embed, [onerror], [onload]').length,
		TitleText: Array.from(document.querySelectorAll('#url-table td')).some(td => td.textContent === %q),
		RealmText: Array.from(document.querySelectorAll('#url-table td')).some(td => td.textContent === %q),
		Rows: document.querySelectorAll('#url-table tbody tr').length})`, hostileTitle, hostileRealm)
	res := eval[dom](t, b, js)
	if res.Injected != 0 {
		t.Errorf("%d injected elements in the DOM", res.Injected)
	}
	if !res.TitleText || !res.RealmText || res.Rows == 0 {
		t.Errorf("payloads not shown as text: %+v", res)
	}
	// Sorting and filtering rebuild the rows from the data island.
	b.do(t, chromedp.Click(`#url-table th[data-col="7"] button`), chromedp.SendKeys("#filter", "onerror=alert('title')"))
	b.waitCount(t, "2") // the start page and its ?c= canonical twin (same page, same title)
	res = eval[dom](t, b, js)
	if res.Injected != 0 || !res.TitleText {
		t.Errorf("after sort and filter: %+v", res)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 || len(b.exceptions) > 0 || len(b.requests) > 0 {
		t.Errorf("dialogs %v, exceptions %v, requests %v", b.dialogs, b.exceptions, b.requests)
	}
}
