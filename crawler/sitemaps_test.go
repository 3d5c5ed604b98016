package crawler_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

var clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

func gzipped(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// served is one crawl of a test site.
type served struct {
	origin   string
	st       *store.Memory
	res      crawler.Result
	findings []store.Finding
	log      *testsite.Log
}

// dynamic answers a path with a body built from the request's origin
// ("http://127.0.0.1:PORT"), for content that placeholders cannot reach
// (gzip) or that is generated (large sitemaps).
type dynamic map[string]func(origin string) []byte

// crawlSite serves files, routes and dyn on loopback, crawls it with cfg
// (Start defaults to the site root) and audits the result.
func crawlSite(t *testing.T, files fstest.MapFS, routes []testsite.Route, dyn dynamic, cfg crawler.Config) *served {
	t.Helper()
	site, err := testsite.New(files, routes...)
	if err != nil {
		t.Fatal(err)
	}
	log := &testsite.Log{}
	srv := testsite.Start(dynHandler(site, dyn), log)
	t.Cleanup(srv.Close)
	return crawlServer(t, srv.URL, log, cfg)
}

// dynHandler serves dyn's paths, and the rest from site.
func dynHandler(site *testsite.Site, dyn dynamic) http.Handler {
	h := site.Handler(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := dyn[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/octet-stream") // gzip is known by its magic bytes
			_, _ = w.Write(f("http://" + r.Host))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// crawlServer crawls the server at origin with cfg (Start defaults to its
// root, MaxDepth to unlimited) and audits the result.
func crawlServer(t *testing.T, origin string, log *testsite.Log, cfg crawler.Config) *served {
	t.Helper()
	if cfg.Start == "" {
		cfg.Start = origin + "/"
	}
	cfg.Now = clock
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = -1 // the zero value means "start page only"
	}
	st := store.NewMemory()
	res, err := crawler.Run(context.Background(), cfg, st)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	findings, err := audit.Run(st)
	if err != nil {
		t.Fatal(err)
	}
	return &served{origin: origin, st: st, res: res, findings: findings, log: log}
}

// short replaces the origin with "" so URLs read as paths.
func (s *served) short(u string) string { return strings.ReplaceAll(u, s.origin, "") }

// findingLines returns "severity rule url <- referrers" per finding, sorted.
func (s *served) findingLines(rules ...string) []string {
	var out []string
	for _, f := range s.findings {
		if len(rules) > 0 && !slices.Contains(rules, f.Rule) {
			continue
		}
		refs := make([]string, len(f.Referrers))
		for i, r := range f.Referrers {
			refs[i] = s.short(r)
		}
		out = append(out, fmt.Sprintf("%s %s %s <- %s", f.Severity, f.Rule, s.short(f.URL), strings.Join(refs, " ")))
	}
	sort.Strings(out)
	return out
}

func (s *served) record(t *testing.T, path string) store.URL {
	t.Helper()
	u, ok, err := s.st.Get(s.origin + path)
	if err != nil || !ok {
		t.Fatalf("no record of %s", path)
	}
	return u
}

func diff(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const page = `<!doctype html><html><head><title>%s</title>%s</head><body>%s</body></html>`

func html(title, head, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(fmt.Sprintf(page, title, head, body))}
}

// shop is a site with every sitemap format, every sitemap rule and the
// robots.txt rules a 200 robots.txt can trigger.
func shop(t *testing.T) (fstest.MapFS, []testsite.Route, dynamic) {
	urlset := `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{ORIGIN}}/</loc><lastmod>2026-03-02</lastmod></url>
<url><loc>{{ORIGIN}}/a.html</loc><lastmod>02/03/2026</lastmod></url>
<url><loc>{{ORIGIN}}/moved</loc></url>
<url><loc>{{ORIGIN}}/private/x.html</loc></url>
<url><loc>{{ORIGIN}}/gone.html</loc><lastmod>2099-01-01</lastmod></url>
<url><loc>{{ORIGIN}}/noindex.html</loc></url>
<url><loc>{{ORIGIN}}/canon.html</loc></url>
<url><loc>{{ORIGIN}}/members</loc></url>
<url><loc>{{ORIGIN}}/staff</loc></url>
<url><loc>{{ORIGIN}}/orphan.html</loc></url>
<url><loc>http://127.0.0.1:1/off-host.html</loc></url>
<url><loc>/relative.html</loc></url>
</urlset>
`
	files := fstest.MapFS{
		"robots.txt": {Data: []byte("User-agent: *\nDisallow: /private/\nDisallow: /assets/hidden.css\n\n" +
			"Sitemap: {{ORIGIN}}/sitemap_index.xml\nSitemap: {{ORIGIN}}/missing-sitemap.xml\nSitemap: {{ORIGIN}}/secret-sitemap.xml\n" +
			"Sitemap: {{ORIGIN}}/rss.xml\nSitemap: {{ORIGIN}}/atom.xml\nSitemap: {{ORIGIN}}/urls.txt\nSitemap: {{ORIGIN}}/broken.xml\n")},
		"index.html": html("Home", `<link rel="stylesheet" href="/assets/site.css"><link rel="stylesheet" href="/assets/hidden.css">`,
			`<a href="/a.html">a</a><a href="/b.html">b</a><a href="/moved">moved</a><a href="/private/x.html">private</a>`+
				`<a href="/gone.html">gone</a><a href="/noindex.html">n</a><a href="/canon.html">c</a><a href="/members">m</a>`+
				`<a href="/staff">s</a><a href="/unlisted.html">u</a><a href="/sitemap_index.xml">sitemap</a>`),
		"a.html":            html("A", "", `<a href="/">home</a>`),
		"b.html":            html("B", "", `<a href="/">home</a>`),
		"unlisted.html":     html("Unlisted", "", `<a href="/">home</a>`),
		"orphan.html":       html("Orphan", "", `<a href="/">home</a>`),
		"text-only.html":    html("Text only", "", `<a href="/">home</a>`),
		"noindex.html":      html("Noindex", `<meta name="robots" content="noindex">`, ""),
		"canon.html":        html("Canon", `<link rel="canonical" href="/a.html">`, ""),
		"private/x.html":    html("Private", "", ""),
		"assets/site.css":   {Data: []byte("body{color:black}")},
		"assets/hidden.css": {Data: []byte("body{color:red}")},
		"sitemap_index.xml": {Data: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{{ORIGIN}}/sitemap_index.xml</loc></sitemap>
<sitemap><loc>{{ORIGIN}}/sitemaps/pages.xml.gz</loc></sitemap>
<sitemap><loc>{{ORIGIN}}/sitemaps/nested-index.xml</loc></sitemap>
</sitemapindex>`)},
		"sitemaps/nested-index.xml": {Data: []byte(`<sitemapindex><sitemap><loc>{{ORIGIN}}/sitemap_index.xml</loc></sitemap><sitemap><loc>{{ORIGIN}}/sitemaps/deeper-index.xml</loc></sitemap></sitemapindex>`)},
		"sitemaps/deeper-index.xml": {Data: []byte(`<sitemapindex><sitemap><loc>{{ORIGIN}}/sitemaps/deepest.xml</loc></sitemap></sitemapindex>`)},
		"sitemaps/deepest.xml":      {Data: []byte(`<urlset><url><loc>{{ORIGIN}}/sitemaps/never-read.html</loc></url></urlset>`)},
		"rss.xml":                   {Data: []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>{{ORIGIN}}/</link><item><title>A</title><link>{{ORIGIN}}/a.html</link><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item></channel></rss>`)},
		"atom.xml":                  {Data: []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><entry><title>B</title><link href="{{ORIGIN}}/b.html"/><updated>2026-03-02T10:00:00Z</updated></entry></feed>`)},
		"urls.txt":                  {Data: []byte("{{ORIGIN}}/b.html\n{{ORIGIN}}/text-only.html\n")},
		"broken.xml":                {Data: []byte("<urlset><url><loc>{{ORIGIN}}/a.html</loc></url>\n<url><loc>{{ORIGIN}}/b.html")},
	}
	dyn := dynamic{"/sitemaps/pages.xml.gz": func(origin string) []byte {
		return gzipped(t, strings.ReplaceAll(urlset, "{{ORIGIN}}", origin))
	}}
	routes := []testsite.Route{
		{Path: "/moved", Status: 301, Location: "/a.html"},
		{Path: "/gone.html", Status: 404, Body: "gone"},
		{Path: "/members", Status: 401, Headers: [][2]string{{"WWW-Authenticate", `Basic realm="m"`}}, Body: "log in"},
		{Path: "/staff", Status: 403, Body: "no"},
		{Path: "/secret-sitemap.xml", Status: 401, Headers: [][2]string{{"WWW-Authenticate", `Basic realm="s"`}}, Body: "log in"},
	}
	return files, routes, dyn
}

func TestSitemapsShop(t *testing.T) {
	t.Parallel()
	files, routes, dyn := shop(t)
	s := crawlSite(t, files, routes, dyn, crawler.Config{})

	diff(t, "findings", s.findingLines(), []string{
		"error broken-link /gone.html <- /",
		"error forbidden-sitemap-url /staff <- /sitemaps/pages.xml.gz",
		"error sitemap-invalid /broken.xml <- /robots.txt",
		"error sitemap-invalid /sitemap_index.xml <- / /robots.txt /sitemaps/nested-index.xml",
		"error sitemap-invalid /sitemaps/deeper-index.xml <- /sitemaps/nested-index.xml",
		"error sitemap-invalid /sitemaps/nested-index.xml <- /sitemap_index.xml",
		"error sitemap-invalid /sitemaps/pages.xml.gz <- /sitemap_index.xml",
		"error sitemap-unavailable /missing-sitemap.xml <- /robots.txt",
		"error sitemap-unavailable /secret-sitemap.xml <- /robots.txt",
		"error unauthorized-sitemap-url /members <- /sitemaps/pages.xml.gz",
		"notice orphan-sitemap-url /orphan.html <- /sitemaps/pages.xml.gz",
		"notice orphan-sitemap-url /text-only.html <- /urls.txt",
		"notice page-missing-from-sitemap /unlisted.html <- /",
		"notice sitemap-invalid-lastmod /sitemaps/pages.xml.gz <- /sitemap_index.xml",
		"warning asset-disallowed /assets/hidden.css <- /",
		"warning basic-auth-over-http /members <- / /sitemaps/pages.xml.gz",
		"warning forbidden-linked-page /staff <- /",
		"warning sitemap-url-disallowed /private/x.html <- /sitemaps/pages.xml.gz",
		"warning sitemap-url-not-indexable /canon.html <- /sitemaps/pages.xml.gz",
		"warning sitemap-url-not-indexable /gone.html <- /sitemaps/pages.xml.gz",
		"warning sitemap-url-not-indexable /moved <- /sitemaps/pages.xml.gz",
		"warning sitemap-url-not-indexable /noindex.html <- /sitemaps/pages.xml.gz",
		"warning sitemap-url-off-host http://127.0.0.1:1/off-host.html <- /sitemaps/pages.xml.gz",
		"warning unauthorized-linked-page /members <- /",
	})

	// Sitemap records: status, entries.
	for _, tc := range []struct {
		path   string
		status int
		urls   int
	}{
		{"/sitemap_index.xml", 200, 3},
		{"/sitemaps/pages.xml.gz", 200, 10},
		{"/sitemaps/nested-index.xml", 200, 2},
		{"/sitemaps/deeper-index.xml", 200, 1},
		{"/rss.xml", 200, 1},
		{"/atom.xml", 200, 1},
		{"/urls.txt", 200, 2},
		{"/broken.xml", 200, 1},
		{"/missing-sitemap.xml", 404, 0},
		{"/secret-sitemap.xml", 401, 0},
	} {
		r := s.record(t, tc.path)
		if r.Kind != store.KindSitemap || r.Status != tc.status || r.SitemapURLs != tc.urls {
			t.Errorf("%s: kind %s status %d urls %d; want sitemap %d %d", tc.path, r.Kind, r.Status, r.SitemapURLs, tc.status, tc.urls)
		}
	}
	// Every file read once, the self-listing index included; the index
	// three levels down is never read, nor what it lists.
	for path, want := range map[string]int{"/sitemap_index.xml": 1, "/sitemaps/pages.xml.gz": 1, "/sitemaps/deepest.xml": 0,
		"/sitemaps/never-read.html": 0, "/private/x.html": 0, "/assets/hidden.css": 0, "/sitemap.xml": 0, "/relative.html": 0} {
		if got := s.log.Count(path); got != want {
			t.Errorf("%s requested %d times, want %d", path, got, want)
		}
	}
	// Listed URLs are in_sitemap, with source sitemap; others are not.
	for path, want := range map[string]bool{"/": true, "/a.html": true, "/b.html": true, "/orphan.html": true, "/text-only.html": true,
		"/private/x.html": true, "/members": true, "/unlisted.html": false, "/assets/site.css": false} {
		if got := s.record(t, path).InSitemap; got != want {
			t.Errorf("%s in_sitemap = %v, want %v", path, got, want)
		}
	}
	priv := s.record(t, "/private/x.html")
	if !priv.BlockedByRobots || !priv.RobotsDisallowed || priv.Status != 0 {
		t.Errorf("/private/x.html: %+v, want blocked, never requested", priv)
	}
	orphan := s.record(t, "/orphan.html")
	if orphan.Status != 200 || orphan.Depth != 0 {
		t.Errorf("orphan: status %d depth %d, want 200 at depth 0 (an entry point)", orphan.Status, orphan.Depth)
	}
	if a := s.record(t, "/a.html"); a.Depth != 1 {
		t.Errorf("/a.html depth %d, want 1: listed pages that links reach keep their click depth", a.Depth)
	}
	in, _ := s.st.EdgesTo(s.origin + "/orphan.html")
	if got := store.Sources(orphan, in); !slices.Equal(got, []string{"sitemap"}) {
		t.Errorf("orphan sources %v, want [sitemap]", got)
	}
}

func (s *served) dump(t *testing.T) {
	_ = s.st.EachURL(func(u store.URL) error {
		t.Logf("%s %d %s sm=%v blocked=%v err=%s", s.short(u.URL), u.Status, u.Kind, u.InSitemap, u.BlockedByRobots, u.Error)
		return nil
	})
}
