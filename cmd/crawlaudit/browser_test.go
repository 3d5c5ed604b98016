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
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"

	"github.com/crawlaudit/crawlaudit/internal/testenv"
)

// browserPath finds Debian's chromium. Without it the browser tests skip,
// unless CRAWLAUDIT_REQUIRE_BROWSER=1 (as in .ci/run) or in CI (CI=true), where they fail.
func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Require(t, testenv.Chromium, false, "the browser test")
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
	StartURL string `json:"start_url"`
	Summary  struct {
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
	Findings []struct {
		Rule      string   `json:"rule"`
		Severity  string   `json:"severity"`
		URL       string   `json:"url"`
		Referrers []string `json:"referrers"`
	} `json:"findings"`
}

// topIssues works out from crawl.json alone which issues must lead
// report.html's list, as its README defines the order: findings grouped by
// rule, severity and folder, ranked by severity weight (error 100, warning
// 10, notice 1) × pages reached (the pages linking to, using or
// redirecting to the URLs, sitemaps and robots.txt aside; the URL itself
// when nothing points at it). It returns the highest priority and the
// "rule folder" keys of the groups that have it.
func topIssues(cj browserCrawlJSON) (priority int, top map[string]bool) {
	kind := map[string]string{}
	for _, u := range cj.URLs {
		kind[u.URL] = u.Kind
	}
	weight := map[string]int{"error": 100, "warning": 10, "notice": 1}
	folder := func(u string) string { return u[:strings.LastIndex(u, "/")+1] }
	pages := map[string]map[string]bool{}
	sev := map[string]string{}
	for _, f := range cj.Findings {
		key := f.Rule + " " + f.Severity + " " + folder(f.URL)
		if pages[key] == nil {
			pages[key] = map[string]bool{}
		}
		sev[key] = f.Severity
		reached := false
		for _, r := range f.Referrers {
			if r != f.URL && kind[r] != "sitemap" && kind[r] != "robots" {
				pages[key][r], reached = true, true
			}
		}
		if !reached {
			pages[key][f.URL] = true
		}
	}
	top = map[string]bool{}
	for key, p := range pages {
		switch n := weight[sev[key]] * len(p); {
		case n > priority:
			priority, top = n, map[string]bool{key: true}
		case n == priority:
			top[key] = true
		}
	}
	return priority, top
}

// testBrowserDemoReport runs the demo crawl, opens its report.html in
// headless Chromium, and checks what a site owner sees: the issue list
// first, led by the issue crawl.json ranks highest, with a filter that
// works; the efficiency figure and numbers equal crawl.json's; both charts,
// the findings, and a URL table that sorts and filters; a page that fits
// a 390-pixel screen and prints without its controls. It saves
// screenshots.
//
// TestBrowser starts one Chromium for all checks: starting it is most of
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
		// The efficiency figure is the budget's headline.
		first := eval[string](t, b, `document.querySelector('.figure').closest('section').id + ' ' + document.querySelector('.figure').id`)
		if first != "budget efficiency" {
			t.Errorf("first figure is %q, want the budget's efficiency", first)
		}
	})
	t.Run("the issue list comes first and leads with the top issue", func(t *testing.T) { testBrowserIssueList(t, b, cj) })
	t.Run("issue filter", func(t *testing.T) { testBrowserIssueFilter(t, b) })
	t.Run("fits a 390-pixel screen", func(t *testing.T) { testBrowserNarrow(t, b, dir) })
	t.Run("prints without controls, details open", func(t *testing.T) { testBrowserPrint(t, b) })
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
		// The first screen: the header, the contents and the top issues.
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
		saveScreenshot(t, dir, "report-screenshot.png", png)
		saveScreenshot(t, dir, "report-table.png", table)
	})
}

// saveScreenshot writes img to dir/name, and to CRAWLAUDIT_SCREENSHOT_DIR
// when set, which keeps a copy after the temp folder is gone.
func saveScreenshot(t *testing.T, dir, name string, img []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(img) < 10000 {
		t.Errorf("%s is only %d bytes", name, len(img))
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(img))
	if keep := os.Getenv("CRAWLAUDIT_SCREENSHOT_DIR"); keep != "" {
		if err := os.WriteFile(filepath.Join(keep, name), img, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// poll waits (up to 5 s) until the JavaScript expression js is true in the
// page, re-evaluating it on every animation frame: no fixed sleep.
func (b *browser) poll(t *testing.T, js string) bool {
	t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(5*time.Second)))
	return err == nil
}

// waitIssues waits until the issue filter shows want issues.
func (b *browser) waitIssues(t *testing.T, want int) {
	t.Helper()
	if !b.poll(t, fmt.Sprintf(`document.getElementById('issue-info').dataset.count === '%d'`, want)) {
		t.Errorf("the issue list shows %s issues, want %d", eval[string](t, b, `document.getElementById('issue-info').dataset.count`), want)
	}
}

// testBrowserIssueList: what a site owner sees first is "What to fix
// first", and its first issue is the one crawl.json says is the most
// severe with the largest reach.
func testBrowserIssueList(t *testing.T, b *browser, cj browserCrawlJSON) {
	type card struct {
		Rule, Severity, Pattern, Title string
		Priority, Reach                int
	}
	type page struct {
		Between   []string // elements between the header and the first section
		First     string   // the first section: id and heading
		FirstTop  float64  // its distance from the top of the page, in CSS pixels
		Cards     []card
		HeaderSay string
	}
	p := eval[page](t, b, `(() => {
		const between = [];
		let n = document.querySelector('body > header').nextElementSibling;
		for (; n && n.tagName !== 'SECTION'; n = n.nextElementSibling) between.push(n.tagName.toLowerCase() + '#' + n.id);
		return {Between: between, First: n.id + ': ' + n.querySelector('h2').textContent,
			FirstTop: n.getBoundingClientRect().top + window.scrollY,
			HeaderSay: document.getElementById('issue-count').textContent,
			Cards: Array.from(document.querySelectorAll('#issue-list > li')).map(li => ({Rule: li.dataset.rule, Severity: li.dataset.severity,
				Pattern: li.querySelector('.pattern').textContent, Title: li.querySelector('.title').textContent,
				Priority: +li.dataset.priority, Reach: +li.dataset.reach}))};
	})()`)
	// (a) Only the contents stand between the header and the issue list,
	// which starts on the first screen.
	if strings.Join(p.Between, " ") != "nav#toc" || p.First != "issues: What to fix first" {
		t.Errorf("after the header: %q, then %q; want the contents, then the issue list", p.Between, p.First)
	}
	if p.FirstTop > 600 {
		t.Errorf("the issue list starts %.0f px down the page", p.FirstTop)
	}
	if len(p.Cards) == 0 || strconv.Itoa(len(p.Cards)) != p.HeaderSay {
		t.Fatalf("%d issue cards; the header says %s", len(p.Cards), p.HeaderSay)
	}
	for i := 1; i < len(p.Cards); i++ {
		if p.Cards[i].Priority > p.Cards[i-1].Priority {
			t.Errorf("issue %d (priority %d) ranks below issue %d (priority %d)", i+1, p.Cards[i].Priority, i, p.Cards[i-1].Priority)
		}
	}
	// (b) The top issue has the highest severity × reach crawl.json
	// gives. In the demo that is "401 answers without a WWW-Authenticate
	// challenge" on /account/: an error two public pages (/catering.html,
	// /wholesale.html) link to, priority 100 × 2 = 200. The 503 on /shop/
	// and the 401 wedding-cake photo tie with it; the rule name breaks the
	// tie (missing-www-authenticate < server-error < unauthorized-asset).
	priority, top := topIssues(cj)
	first := p.Cards[0]
	origin := strings.TrimSuffix(cj.StartURL, "/")
	url := origin + first.Pattern
	key := first.Rule + " " + first.Severity + " " + url[:strings.LastIndex(url, "/")+1]
	if first.Priority != priority || !top[key] {
		t.Errorf("top issue %q (%s, priority %d); crawl.json ranks highest, at priority %d: %v", first.Title, key, first.Priority, priority, top)
	}
	if first.Rule != "missing-www-authenticate" || first.Pattern != "/account/" || first.Reach != 2 || first.Title != "401 answers without a WWW-Authenticate challenge" {
		t.Errorf("the demo's top issue is %+v, want missing-www-authenticate on /account/ reaching 2 pages", first)
	}
}

// testBrowserIssueFilter: typing a rule name leaves that rule's issues;
// the severity toggles hide and show a severity.
func testBrowserIssueFilter(t *testing.T, b *browser) {
	type counts struct{ Total, Rule, Notices int }
	c := eval[counts](t, b, `({Total: document.querySelectorAll('#issue-list > li').length,
		Rule: document.querySelectorAll('#issue-list > li[data-rule="forbidden-asset"]').length,
		Notices: document.querySelectorAll('#issue-list > li[data-severity="notice"]').length})`)
	if c.Rule == 0 || c.Rule == c.Total || c.Notices == 0 {
		t.Fatalf("the demo's issues do not exercise the filter: %+v", c)
	}
	b.waitIssues(t, c.Total)
	visible := func() []string {
		return eval[[]string](t, b, `Array.from(document.querySelectorAll('#issue-list > li')).filter(li => li.getClientRects().length > 0).map(li => li.dataset.rule + ' ' + li.dataset.severity)`)
	}
	b.do(t, chromedp.SendKeys("#issue-filter", "forbidden-asset"))
	b.waitIssues(t, c.Rule)
	if v := visible(); len(v) != c.Rule || strings.Count(strings.Join(v, ","), "forbidden-asset ") != c.Rule {
		t.Errorf("filter forbidden-asset shows %q, want its %d issues only", v, c.Rule)
	}
	eval[chromedp.Void](t, b, `(() => { const f = document.getElementById('issue-filter'); f.value = ''; f.dispatchEvent(new Event('input')); })()`)
	b.waitIssues(t, c.Total)
	b.do(t, chromedp.Click(`#issue-controls .sev-toggle[value="notice"]`))
	b.waitIssues(t, c.Total-c.Notices)
	if v := visible(); len(v) != c.Total-c.Notices || strings.Contains(strings.Join(v, ","), " notice") {
		t.Errorf("without notices: %q", v)
	}
	b.do(t, chromedp.Click(`#issue-controls .sev-toggle[value="notice"]`))
	b.waitIssues(t, c.Total)
}

// testBrowserNarrow: on a 390-pixel-wide screen (a phone) nothing is
// wider than the screen, charts scale instead of being cut, and URLs wrap
// across the width rather than down a thin column. Every <details> is
// opened first so that the issues' tables are measured too.
func testBrowserNarrow(t *testing.T, b *browser, dir string) {
	b.do(t, chromedp.EmulateViewport(390, 844))
	defer b.do(t, chromedp.EmulateViewport(1280, 1600))
	eval[chromedp.Void](t, b, `document.querySelectorAll('details').forEach(d => { d.open = true; })`)
	defer eval[chromedp.Void](t, b, `document.querySelectorAll('details').forEach(d => { d.open = false; })`)
	if !b.poll(t, `document.documentElement.clientWidth === 390`) {
		t.Fatalf("the viewport is %d px wide", eval[int](t, b, `document.documentElement.clientWidth`))
	}
	type fit struct {
		ScrollWidth, ClientWidth int
		Wide                     []string // elements reaching past the screen's edges
		Charts, Clipped          int      // charts; bars and labels outside their chart
		URLCells, ThinURLs       int      // URL cells shown; those narrower than half the screen
	}
	f := eval[fit](t, b, `(() => {
		const cw = document.documentElement.clientWidth;
		const out = e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -0.5 || r.right > cw + 0.5); };
		const wide = Array.from(document.querySelectorAll('body *')).filter(out).slice(0, 20).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className : ''));
		let clipped = 0;
		document.querySelectorAll('svg').forEach(svg => {
			const s = svg.getBoundingClientRect();
			svg.querySelectorAll('text, rect').forEach(e => { const r = e.getBoundingClientRect(); if (r.left < s.left - 1 || r.right > s.right + 1) clipped++; });
		});
		const urls = Array.from(document.querySelectorAll('td.url')).filter(td => td.getClientRects().length > 0);
		return {ScrollWidth: document.documentElement.scrollWidth, ClientWidth: cw, Wide: wide,
			Charts: document.querySelectorAll('svg').length, Clipped: clipped,
			URLCells: urls.length, ThinURLs: urls.filter(td => td.getBoundingClientRect().width < cw / 2).length};
	})()`)
	if f.ScrollWidth > f.ClientWidth || len(f.Wide) > 0 {
		t.Errorf("the page is %d px wide in a %d px screen; too wide: %q", f.ScrollWidth, f.ClientWidth, f.Wide)
	}
	if f.Charts != 2 || f.Clipped > 0 {
		t.Errorf("%d charts, %d bars or labels cut off", f.Charts, f.Clipped)
	}
	if f.URLCells == 0 || f.ThinURLs > 0 {
		t.Errorf("%d of %d URL cells are narrower than half the screen", f.ThinURLs, f.URLCells)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, dir, "report-390.png", png)
}

// testBrowserPrint: in print the filter and the contents are gone, closed
// <details> print open, all issues print even when filtered on screen,
// and nothing is sticky or fixed.
func testBrowserPrint(t *testing.T, b *browser) {
	eval[chromedp.Void](t, b, `(() => { const f = document.getElementById('issue-filter'); f.value = 'forbidden-asset'; f.dispatchEvent(new Event('input')); })()`)
	if err := call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Error(err)
		}
		eval[chromedp.Void](t, b, `(() => { const f = document.getElementById('issue-filter'); f.value = ''; f.dispatchEvent(new Event('input')); })()`)
	}()
	type printed struct {
		Controls, Contents string
		DetailsOpen        bool
		DetailShown        bool    // its table is rendered
		DetailHeight       float64 // the <details>' height below its summary
		Hidden, Pinned     int
	}
	p := eval[printed](t, b, `({Controls: getComputedStyle(document.getElementById('issue-controls')).display,
		Contents: getComputedStyle(document.getElementById('toc')).display,
		DetailsOpen: document.querySelector('#issue-1 details').open,
		DetailShown: document.querySelector('#issue-1 details table').checkVisibility(),
		DetailHeight: document.querySelector('#issue-1 details').getBoundingClientRect().height - document.querySelector('#issue-1 details summary').getBoundingClientRect().height,
		Hidden: Array.from(document.querySelectorAll('#issue-list > li')).filter(li => li.getClientRects().length === 0).length,
		Pinned: Array.from(document.querySelectorAll('body *')).filter(e => ['sticky', 'fixed'].includes(getComputedStyle(e).position)).length})`)
	if p.Controls != "none" || p.Contents != "none" {
		t.Errorf("printed: issue controls %q, contents %q; want both hidden", p.Controls, p.Contents)
	}
	if p.DetailsOpen || !p.DetailShown || p.DetailHeight < 20 {
		t.Errorf("a closed <details> prints its table: %v, %.0f px below its summary (open %v); want it shown", p.DetailShown, p.DetailHeight, p.DetailsOpen)
	}
	if p.Hidden > 0 || p.Pinned > 0 {
		t.Errorf("printed: %d issues hidden by the screen's filter, %d sticky or fixed elements", p.Hidden, p.Pinned)
	}
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
