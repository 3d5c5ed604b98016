package crawlaudit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/crawler"

	"github.com/crawlaudit/crawlaudit/internal/testenv"
)

// requireBrowser skips a test that needs Chromium when none is installed,
// unless CRAWLAUDIT_REQUIRE_BROWSER=1 (as in .ci/run) or in CI (CI=true), where it fails.
func requireBrowser(t *testing.T) {
	t.Helper()
	_, err := crawler.FindBrowser("")
	testenv.Require(t, testenv.Chromium, err == nil, "the rendering tests")
}

// spaSite serves testdata/spa as a site: robots.txt disallows /private/
// and names a sitemap listing the pages the app does not link to; the
// app's API routes; a second loopback server (127.0.0.2 when it can be
// bound) is the other origin. Every request both receive is logged with
// its Authorization header.
type spaSite struct {
	main, other *httptest.Server

	mu  sync.Mutex
	log []spaRequest
	// onChainAPI, when set, is called as /api/chain/N is asked for, with N,
	// before the answer.
	onChainAPI func(n int)
}

// spaRequest is one request a server of spaSite got. dest is its
// Sec-Fetch-Dest: Chromium sends it, the crawler's own client does not.
type spaRequest struct {
	path, auth, dest string
}

// setChainHook sets onChainAPI.
func (s *spaSite) setChainHook(f func(n int)) {
	s.mu.Lock()
	s.onChainAPI = f
	s.mu.Unlock()
}

func (s *spaSite) requests() []spaRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func newSPASite(t *testing.T) *spaSite {
	t.Helper()
	return newChainSPASite(t, 0)
}

// newChainSPASite is newSPASite with chain pages more (none for 0): its
// sitemap also lists /chain/1, and /chain/N (N < chain) links to /chain/N+1
// in its rendered DOM only (testdata/spa/static/chain.js, from
// /api/chain/N).
func newChainSPASite(t *testing.T, chain int) *spaSite {
	t.Helper()
	dir := filepath.Join("testdata", "spa")
	s := &spaSite{}
	logged := func(prefix string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.log = append(s.log, spaRequest{prefix + r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Sec-Fetch-Dest")})
			s.mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}
	other := http.NewServeMux()
	other.HandleFunc("/landing", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "landed") })
	other.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprintln(w, "other origin")
	})
	other.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="accounts"`)
		http.Error(w, "no session", http.StatusUnauthorized)
	})
	other.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.other = httptest.NewUnstartedServer(logged("other:", other))
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		s.other.Listener.Close()
		s.other.Listener = l
	}
	s.other.Start()
	t.Cleanup(s.other.Close)

	mux := http.NewServeMux()
	files := http.FileServer(http.Dir(dir))
	mux.Handle("/", files)
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private/\nSitemap: %s/sitemap.xml\n", s.main.URL)
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%[1]s/</loc></url><url><loc>%[1]s/noindex.html</loc></url><url><loc>%[1]s/throws.html</loc></url><url><loc>%[1]s/account.html</loc></url>`, s.main.URL)
		if chain > 0 {
			fmt.Fprintf(w, `<url><loc>%s/chain/1</loc></url>`, s.main.URL)
		}
		fmt.Fprint(w, `</urlset>`)
	})
	if chain > 0 {
		mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
			if n, err := strconv.Atoi(r.PathValue("n")); err != nil || n < 1 || n > chain {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading…</title></head><body><div id="root"></div><script src="/static/chain.js"></script></body></html>`)
		})
		mux.HandleFunc("/api/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
			n, err := strconv.Atoi(r.PathValue("n"))
			if err != nil || n < 1 || n > chain {
				http.NotFound(w, r)
				return
			}
			s.mu.Lock()
			hook := s.onChainAPI
			s.mu.Unlock()
			if hook != nil {
				hook(n)
			}
			page := map[string]any{
				"title":   fmt.Sprintf("Chain page %d", n),
				"text":    fmt.Sprintf("Page %d of the chain, with words of its own for its visitors: %s.", n, strings.Repeat("chain ", n)),
				"account": n%2 == 0,
			}
			if n < chain {
				page["next"] = fmt.Sprintf("/chain/%d", n+1)
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(page)
		})
	}
	mux.HandleFunc("/products/", func(w http.ResponseWriter, r *http.Request) {
		// Each product its own text: two equal pages would be duplicate
		// content, which is not what this test is about.
		fmt.Fprintf(w, "<!doctype html><title>Product</title><p>A mug, described at length for the visitors of the shop: mug %s.</p>", html.EscapeString(strings.TrimPrefix(r.URL.Path, "/products/")))
	})
	mux.HandleFunc("/catalogue", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<!doctype html><title>Catalogue</title><p>Every mug of the shop, listed for the visitors.</p>")
	})
	mux.HandleFunc("/api/config", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"other": s.other.URL})
	})
	mux.HandleFunc("/api/public", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"items":[{"name":"Blue mug","href":"/products/1"},{"name":"Red mug","href":"/products/2"}]}`)
	})
	mux.HandleFunc("/api/account", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("WWW-Authenticate", `Bearer realm="shop", error="invalid_token"`)
		http.Error(w, "login first", http.StatusUnauthorized)
	})
	mux.HandleFunc("/api/redirect-out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.other.URL+"/landing", http.StatusFound)
	})
	mux.HandleFunc("/static/chunk-1.js", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mux.HandleFunc("/static/brand.woff2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/woff2")
		w.Write([]byte("not really a font"))
	})
	s.main = httptest.NewServer(logged("", mux))
	t.Cleanup(s.main.Close)
	return s
}

// renderRun crawls the site with rendering and returns the open crawl.
func renderRun(t *testing.T, s *spaSite, edit func(*crawlaudit.Options)) (*crawlaudit.Crawl, *crawlaudit.Result) {
	t.Helper()
	requireBrowser(t)
	o := crawlaudit.DefaultOptions()
	o.Start = s.main.URL + "/"
	o.Out = t.TempDir()
	o.Render = crawlaudit.RenderAll
	o.FailOn = crawlaudit.LevelNever
	o.Now = func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }
	if edit != nil {
		edit(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := crawlaudit.Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	c, err := crawlaudit.Open(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, res
}

// crawlLines returns every record of the crawl as "path status kind
// [blocked] <- from:type:tag:text …" and every finding as "rule severity
// path", the servers' URLs replaced by their names, sorted.
func crawlLines(t *testing.T, c *crawlaudit.Crawl, s *spaSite) (urls, findings []string, render map[string]*crawlaudit.Render) {
	t.Helper()
	short := func(u string) string {
		return strings.NewReplacer(s.main.URL, "", s.other.URL, "OTHER").Replace(u)
	}
	render = map[string]*crawlaudit.Render{}
	err := c.EachURL(func(u crawlaudit.URL) error {
		l := fmt.Sprintf("%s %d %s", short(u.URL), u.Status, u.Kind)
		if u.BlockedByRobots {
			l += " blocked"
		}
		if u.Render != nil {
			render[short(u.URL)] = u.Render
		}
		es, err := c.EdgesTo(u.URL)
		if err != nil {
			return err
		}
		var from []string
		for _, e := range es {
			from = append(from, fmt.Sprintf("%s:%s:%s:%s", short(e.From), e.Type, e.Tag, short(e.Text)))
		}
		sort.Strings(from)
		if len(from) > 0 {
			l += " <- " + strings.Join(from, " ")
		}
		urls = append(urls, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := c.Findings()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		findings = append(findings, fmt.Sprintf("%s %s %s", f.Rule, f.Severity, short(f.URL)))
	}
	sort.Strings(urls)
	sort.Strings(findings)
	return urls, findings, render
}

func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestRenderSPA crawls the fixture app with --render: every request the
// rendered pages made is a record and a render edge, robots.txt blocks a
// resource and an API call before they are sent, links only in the
// rendered DOM are followed, and each rendering rule fires where the
// fixture breaks it, and nowhere else.
func TestRenderSPA(t *testing.T) {
	t.Parallel()
	s := newSPASite(t)
	c, res := renderRun(t, s, nil)
	urls, findings, render := crawlLines(t, c, s)
	diffLines(t, "records", urls, []string{
		"/ 200 page <- /sitemap.xml:sitemap:loc:",
		"/account.html 200 page <- /sitemap.xml:sitemap:loc:",
		"/api/account 401 asset <- /:render:fetch:/static/app.js /account.html:render:fetch:/account.html",
		"/api/config 200 asset <- /:render:fetch:/static/app.js",
		"/api/public 200 asset <- /:render:fetch:/static/app.js",
		"/api/public?via=xhr 200 asset <- /:render:xhr:/static/app.js",
		"/api/redirect-out 302 asset <- /:render:fetch:/static/app.js",
		"/noindex.html 200 page <- /sitemap.xml:sitemap:loc:",
		"/private/frame.json 0 asset blocked <- /account.html:render:fetch:/account.html",
		"/private/tracker.js 0 asset blocked <- /:asset:script: /:render:script:/",
		"/products/1 200 page <- /:render:a:",
		"/products/2 200 page <- /:render:a:",
		"/robots.txt 200 robots",
		"/sitemap.xml 200 sitemap <- /robots.txt:robots:sitemap:",
		"/static/app.css 200 asset <- /:asset:link[rel=stylesheet]: /:render:stylesheet:/",
		"/static/app.js 200 asset <- /:asset:script: /:render:script:/",
		"/static/brand.woff2 200 asset <- /:render:font:/",
		"/static/chunk-1.js 403 asset <- /:render:script:/static/app.js",
		"/static/logo.svg 200 asset <- /:render:image:/",
		"/throws.html 200 page <- /sitemap.xml:sitemap:loc:",
		"OTHER/api/me 401 external <- /:render:fetch:/static/app.js",
		"OTHER/data 200 external <- /:render:fetch:/static/app.js",
		"OTHER/landing 200 external <- /:render:fetch:/static/app.js /api/redirect-out:redirect:location:",
	})
	diffLines(t, "findings", findings, []string{
		"asset-disallowed warning /private/tracker.js",
		"forbidden-asset error /static/chunk-1.js",
		"orphan-sitemap-url notice /account.html",
		"orphan-sitemap-url notice /noindex.html",
		"orphan-sitemap-url notice /throws.html",
		"page-missing-from-sitemap notice /products/1", // linked, after rendering
		"page-missing-from-sitemap notice /products/2",
		"render-changes-indexability error /",
		"render-changes-indexability error /noindex.html",
		"render-empty warning /account.html",
		"render-error warning /throws.html",
		"render-only-links notice /",
		"render-request-unauthorized notice OTHER/api/me",
		"render-request-unauthorized warning /api/account",
		"render-resource-blocked-by-robots warning /private/frame.json",
	})

	home := render["/"]
	if home == nil {
		t.Fatal("the start page was not rendered")
	}
	if home.Reason != "render" || home.Status != 200 || home.Title != "Catalogue" || home.Canonical != s.main.URL+"/catalogue" ||
		home.NoIndex || home.Links != 3 || home.OnlyLinks != 2 || home.Requests != 15 || home.Failed != 4 || home.Blocked != 1 ||
		home.ErrorKind != "" || !slices.Equal(home.ConsoleErrors, []string{"account API answered 401"}) {
		t.Errorf("the start page's render = %+v", *home)
	}
	if r := render["/noindex.html"]; r == nil || !r.NoIndex || r.Title != "Noindex" {
		t.Errorf("noindex.html's render = %+v", r)
	}
	if r := render["/account.html"]; r == nil || r.TextLength != 0 || r.Requests != 3 || r.Failed != 2 || r.Blocked != 1 {
		t.Errorf("account.html's render = %+v", r)
	}
	if r := render["/throws.html"]; r == nil || len(r.ConsoleErrors) != 20 || r.ConsoleErrors[1] != "Uncaught Error: boom" || len(r.ConsoleErrors[19]) > 300 {
		t.Errorf("throws.html's console errors = %+v", r)
	}
	if len(render) != 6 { // the pages: /, account, noindex, throws, two products
		t.Errorf("%d pages rendered, want 6", len(render))
	}
	// Nothing robots.txt disallows reached the server, from the crawl or
	// the browser.
	for _, r := range s.requests() {
		if strings.HasPrefix(r.path, "/private/") {
			t.Errorf("the server was asked for %s, which robots.txt disallows", r.path)
		}
	}
	if res.Partial {
		t.Error("the crawl is partial")
	}
	// crawl.db keeps the crawl's shape for --resume, never the browser
	// to run.
	set := c.Info().Settings
	if set["render"] != "all" || set["render_concurrency"] != "2" {
		t.Errorf("stored settings render=%q render_concurrency=%q", set["render"], set["render_concurrency"])
	}
	if _, ok := set["chrome"]; ok {
		t.Error("crawl.db names the browser to run")
	}
	// The terminal and report.html say what rendering found.
	sum := strings.Join(strings.Fields(res.Summary()), " ")
	for _, want := range []string{"Rendering: 6 pages rendered", "pages: 1 threw uncaught errors, 1 rendered empty, 2 changed noindex or canonical, 1 had links only after rendering", "Top failing API while rendering: " + s.main.URL + "/api/account (401 Unauthorized, called by 2 pages); 2 more in report.html"} {
		if !strings.Contains(sum, want) {
			t.Errorf("the summary lacks %q:\n%s", want, res.Summary())
		}
	}
	html, err := os.ReadFile(filepath.Join(res.Out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="#rendering">Rendering</a>`, `<section id="rendering">`, `<td class="url" data-label="endpoint">` + s.main.URL + `/private/frame.json</td><td data-label="answer">blocked by robots.txt</td>`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
}

// TestRenderAutoSelectsShells: --render=auto renders only the pages whose
// raw HTML looks like a JavaScript shell, and keeps why.
func TestRenderAutoSelectsShells(t *testing.T) {
	t.Parallel()
	s := newSPASite(t)
	c, _ := renderRun(t, s, func(o *crawlaudit.Options) { o.Render = crawlaudit.RenderAuto })
	_, _, render := crawlLines(t, c, s)
	got := map[string]string{}
	for u, r := range render {
		got[u] = r.Reason
	}
	want := map[string]string{
		"/":             `empty app root <div id="root">`,
		"/account.html": `empty app root <div id="root">`,
		"/noindex.html": "almost empty body (51 characters of text)",
		"/throws.html":  "almost empty body (26 characters of text)",
		// Pages the heuristics leave out: the first of each URL pattern
		// are rendered as its sample (their text does not grow).
		"/products/1": "sample of its URL pattern /products/{id}",
		"/products/2": "sample of its URL pattern /products/{id}",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rendered pages and reasons = %v, want %v", got, want)
	}
}

// TestRenderAutoSamplesEachPattern: --render=auto renders the first 3
// pages of a URL pattern the other criteria leave out; when a sample's
// text grows far beyond its raw HTML's (content a script fetches), every
// later page of the pattern is rendered, else none.
func TestRenderAutoSamplesEachPattern(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	filler := strings.Repeat("The shop's header and footer, served with every page. ", 3) // ~165 characters: no empty shell
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/":
			fmt.Fprint(w, `<!doctype html><title>Home</title><p>`+filler+`</p>`)
			for i := 1; i <= 5; i++ {
				fmt.Fprintf(w, `<a href="/articles/%d">a</a><a href="/docs/%d">d</a>`, i, i)
			}
		case strings.HasPrefix(p, "/articles/"):
			// The article's body comes from a script.
			fmt.Fprint(w, `<!doctype html><title>Article</title><p>`+filler+`</p><div id="body"></div>`+
				`<script>document.getElementById('body').textContent = 'An article of many words. '.repeat(40)</script>`)
		case strings.HasPrefix(p, "/docs/"):
			fmt.Fprint(w, `<!doctype html><title>Doc</title><p>`+filler+` A document `+html.EscapeString(p)+`.</p><script>console.log(1)</script>`)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.Render, o.FailOn, o.NoSitemaps = srv.URL+"/", t.TempDir(), crawlaudit.RenderAuto, crawlaudit.LevelNever, true
	o.Concurrency = 1 // pages in link order: the samples come first
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := crawlaudit.Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	c, err := crawlaudit.Open(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := map[string]string{}
	err = c.EachURL(func(u crawlaudit.URL) error {
		if u.Render != nil {
			got[strings.TrimPrefix(u.URL, srv.URL)] = strings.ReplaceAll(u.Render.Reason, srv.URL, "")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two workers (2 × concurrency) may take a second article before the
	// first one's render has told: 1 to 3 articles are samples, the others
	// render because a sample grew. Every article renders; of the docs,
	// whose text does not grow, exactly the 3 samples do.
	// The sample that decided says so (a resumed crawl reads it back).
	grew := regexp.MustCompile(`^its URL pattern's sample /articles/[1-3] had 1202 characters of text rendered, 161 raw$`)
	samples, grown, taught := 0, 0, 0
	for i := 1; i <= 5; i++ {
		switch r := got[fmt.Sprintf("/articles/%d", i)]; {
		case r == "sample of its URL pattern /articles/{id}":
			samples++
		case r == "sample of its URL pattern /articles/{id}; its text grew when rendered (1202 characters, 161 raw)":
			samples++
			taught++
		case grew.MatchString(r):
			grown++
		default:
			t.Errorf("/articles/%d: reason %q", i, r)
		}
		delete(got, fmt.Sprintf("/articles/%d", i))
	}
	if samples < 1 || samples > 3 || samples+grown != 5 || taught != 1 {
		t.Errorf("articles: %d samples (%d of them saying they grew), %d rendered because a sample grew; want 1 to 3 samples, 1 saying it grew, and all 5 rendered", samples, taught, grown)
	}
	want := map[string]string{
		"/":       "sample of its URL pattern /",
		"/docs/1": "sample of its URL pattern /docs/{id}",
		"/docs/2": "sample of its URL pattern /docs/{id}",
		"/docs/3": "sample of its URL pattern /docs/{id}",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rendered pages and reasons:\n%v\nwant\n%v", got, want)
	}
}

// TestRenderSendsCredentialsOnlyToTheirOrigins: with credentials, the
// browser's requests to the start origin carry them, those to the other
// origin never do, unless --auth-origin names it.
func TestRenderSendsCredentialsOnlyToTheirOrigins(t *testing.T) {
	t.Parallel()
	for _, named := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth-origin=%v", named), func(t *testing.T) {
			s := newSPASite(t)
			renderRun(t, s, func(o *crawlaudit.Options) {
				o.Getenv = func(k string) string {
					if k == "CRAWLAUDIT_BEARER_TOKEN" {
						return "s3cret"
					}
					return ""
				}
				if named {
					o.AuthOrigins = []string{s.other.URL}
				}
			})
			var main, other int
			for _, r := range s.requests() {
				onOther := strings.HasPrefix(r.path, "other:")
				switch {
				case onOther && named && r.auth != "Bearer s3cret":
					t.Errorf("%s carried %q, want the credentials (--auth-origin names the origin)", r.path, r.auth)
				case onOther && !named && r.auth != "":
					t.Errorf("%s carried credentials to another origin", r.path)
				case !onOther && r.auth != "Bearer s3cret":
					t.Errorf("%s carried %q, want the credentials", r.path, r.auth)
				}
				if onOther {
					other++
				} else {
					main++
				}
			}
			// The browser made requests of its own on both origins.
			paths := map[string]bool{}
			for _, r := range s.requests() {
				paths[r.path] = true
			}
			for _, p := range []string{"/api/account", "/static/logo.svg", "other:/api/me", "other:/data", "other:/landing"} {
				if !paths[p] {
					t.Errorf("the browser did not request %s", p)
				}
			}
			if main == 0 || other == 0 {
				t.Errorf("requests: %d to the site, %d to the other origin", main, other)
			}
		})
	}
}

// TestRenderWithoutBrowserFailsBeforeTheFirstRequest: --render with no
// Chromium stops in one line that says how to install one; the site gets
// no request.
// It sets PATH, so it does not run in parallel.
func TestRenderWithoutBrowserFailsBeforeTheFirstRequest(t *testing.T) {
	s := newSPASite(t)
	for _, chrome := range []string{"", filepath.Join(t.TempDir(), "no-chromium")} {
		o := crawlaudit.DefaultOptions()
		o.Start = s.main.URL + "/"
		o.Out = t.TempDir()
		o.Render = crawlaudit.RenderAll
		o.Chrome = chrome
		if chrome == "" {
			// An empty PATH: no browser to find.
			t.Setenv("PATH", "")
		}
		_, err := crawlaudit.Run(context.Background(), o)
		var oe *crawlaudit.OptionError
		if !errors.As(err, &oe) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("Run = %v, want one line of *OptionError", err)
		}
		if chrome == "" && !strings.Contains(err.Error(), "apt-get install chromium") {
			t.Errorf("error %q does not say how to install a browser", err)
		}
		if chrome != "" && !strings.Contains(err.Error(), "--chrome") {
			t.Errorf("error %q does not name --chrome", err)
		}
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("the site got %d requests", n)
	}
}
