package report

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/audit"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/report/")

// Secrets the fixture hides in URLs, messages and errors; no output may
// contain them.
const (
	secretToken    = "secret"
	secretPassword = "hunter2"
)

// Fixture URLs.
const (
	fxHome     = "https://example.test/"
	fxAdmin    = "https://example.test/admin"
	fxLogo     = "https://example.test/img/logo.png"
	fxOld      = "https://example.test/old"
	fxNew      = "https://example.test/new"
	fxPrivate  = "https://example.test/private/"
	fxDown     = "https://down.example.invalid/"
	fxSecret   = "https://user:" + secretPassword + "@example.test/report?token=" + secretToken + "&page=2"
	fxSitemap  = "https://example.test/sitemap.xml"
	fxRobots   = "https://example.test/robots.txt"
	fxLong     = "https://example.test/a/very/long/path/that/keeps/going/and/going/until/it/is/cut/in/the/terminal/table.html"
	fxUnknown  = "https://example.test/never-fetched"
	fxDownWhy  = `Get "https://down.example.invalid/?token=` + secretToken + `": dial tcp: lookup down.example.invalid: no such host`
	fxStartSec = 1767323045 // 2026-01-02T03:04:05Z
)

// newFixture builds a small crawl by hand: a 401 page with WWW-Authenticate,
// a 403 asset, a redirect, a robots-blocked URL, an unreachable external, a
// URL with userinfo and ?token=, a title that is a spreadsheet formula and one
// with a <script>, a sitemap and robots.txt, a URL too long for a table cell,
// a self-link, a repeated link and a link to a URL that has no record.
func newFixture(t testing.TB) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	started := time.Unix(fxStartSec, 0).UTC()
	must(m.SetMeta(store.Meta{
		ToolVersion: "v0.1.0-test",
		StartURL:    fxHome,
		StartedAt:   started,
		FinishedAt:  started.Add(83 * time.Second),
		Settings:    map[string]string{"max_depth": "5", "concurrency": "4", "include": fxHome},
	}))
	urls := []store.URL{
		{URL: fxHome, Status: 200, Kind: store.KindPage, Start: true, Method: "GET", ContentType: "text/html; charset=utf-8", Bytes: 1234, ResponseMS: 12, Title: "Home <script>alert(1)</script>", InSitemap: true},
		{URL: fxAdmin, Status: 401, Kind: store.KindPage, Depth: 1, Method: "GET", ContentType: "text/plain", Bytes: 12, ResponseMS: 3, WWWAuthenticate: []string{`Basic realm="admin"`, "Bearer"}},
		{URL: fxLogo, Status: 403, Kind: store.KindAsset, Depth: 1, Method: "GET", ContentType: "text/html", Bytes: -1, ResponseMS: 4},
		{URL: fxOld, Status: 301, Kind: store.KindPage, Depth: 1, Method: "GET", Bytes: 0, ResponseMS: 2, Redirect: fxNew},
		{URL: fxNew, Status: 200, Kind: store.KindPage, Depth: 2, Method: "GET", ContentType: "text/html", Bytes: 800, ResponseMS: 9, Title: `=cmd|' /C calc'!A0`, Canonical: fxNew, NoIndex: true, Truncated: true},
		{URL: fxPrivate, Kind: store.KindPage, Depth: 1, BlockedByRobots: true},
		{URL: fxDown, Kind: store.KindExternal, Depth: 1, Method: "HEAD", Bytes: -1, Error: fxDownWhy, ErrorKind: store.ErrorDNS},
		{URL: fxSecret, Status: 200, Kind: store.KindPage, Depth: 1, Method: "GET", ContentType: "text/html", Bytes: 321, ResponseMS: 7, Title: "Report"},
		{URL: fxSitemap, Status: 200, Kind: store.KindSitemap, Depth: 1, Method: "GET", ContentType: "application/xml", Bytes: 99, ResponseMS: 1},
		{URL: fxRobots, Status: 200, Kind: store.KindRobots, Method: "GET", ContentType: "text/plain", Bytes: 42, ResponseMS: 1},
		{URL: fxLong, Status: 404, Kind: store.KindPage, Depth: 1, Method: "GET", ContentType: "text/html", Bytes: 10, ResponseMS: 5},
	}
	for _, u := range urls {
		must(m.PutURL(u))
	}
	edges := []store.Edge{
		{From: fxHome, To: fxAdmin, Type: store.EdgeLink, Tag: "a", Text: "Admin"},
		{From: fxHome, To: fxAdmin, Type: store.EdgeLink, Tag: "a", Text: "Admin again"},
		{From: fxHome, To: fxLogo, Type: store.EdgeAsset, Tag: "img", Text: "Logo"},
		{From: fxNew, To: fxLogo, Type: store.EdgeAsset, Tag: "img"},
		{From: fxHome, To: fxOld, Type: store.EdgeLink, Tag: "a", Text: "Old"},
		{From: fxOld, To: fxNew, Type: store.EdgeRedirect, Tag: "location"},
		{From: fxHome, To: fxPrivate, Type: store.EdgeLink, Tag: "a", Text: "Private"},
		{From: fxHome, To: fxDown, Type: store.EdgeLink, Tag: "a", Text: "Down"},
		{From: fxHome, To: fxSecret, Type: store.EdgeLink, Tag: "a", Text: "Report"},
		{From: fxSecret, To: fxNew, Type: store.EdgeLink, Tag: "a", Text: `=HYPERLINK("https://evil.example/")`},
		{From: fxRobots, To: fxSitemap, Type: store.EdgeRobots, Tag: "sitemap"},
		{From: fxSitemap, To: fxHome, Type: store.EdgeSitemap, Tag: "loc"},
		{From: fxHome, To: fxHome, Type: store.EdgeLink, Tag: "a", Text: "Home"},
		{From: fxHome, To: fxLong, Type: store.EdgeLink, Tag: "a", Text: "Long"},
		{From: fxHome, To: fxUnknown, Type: store.EdgeLink, Tag: "a", Text: "Not yet"},
	}
	for _, e := range edges {
		must(m.AddEdge(e))
	}
	must(m.PutFindings([]store.Finding{
		{Rule: "redirect-chain", Severity: store.SeverityNotice, URL: fxOld, Message: "redirects (301) to https://example.test/new; link to the target", Referrers: []string{fxHome}},
		{Rule: "unauthorized-linked-page", Severity: store.SeverityError, URL: fxAdmin, Message: "answered 401 with WWW-Authenticate: Basic", Referrers: []string{fxHome}},
		{Rule: "forbidden-asset", Severity: store.SeverityError, URL: fxLogo, Message: "answered 403; pages using it show it broken", Referrers: []string{fxHome, fxNew}},
		{Rule: "fetch-error", Severity: store.SeverityWarning, URL: fxDown, Message: "no answer: " + fxDownWhy, Referrers: []string{fxHome}},
		{Rule: "broken-link", Severity: store.SeverityError, URL: fxLong, Message: "answered 404", Referrers: []string{fxHome}},
		{Rule: "sitemap-url-disallowed", Severity: store.SeverityNotice, URL: fxPrivate, Message: "listed in the sitemap, but robots.txt disallows it", Referrers: []string{fxHome}},
		{Rule: "basic-auth-over-http", Severity: store.SeverityWarning, URL: fxSecret, Message: "-linked with credentials: " + fxSecret + ".", Referrers: []string{fxHome}},
	}))
	return m
}

// golden compares got with testdata/golden/report/name, or rewrites the file
// when the test runs with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", "report", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("disk full")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

// failingReader is a Reader whose chosen method fails.
type failingReader struct {
	store.Reader
	fail string // "meta", "urls", "edges", "edgesTo", "get", "findings"
}

var errRead = errors.New("store broke")

func (f failingReader) Meta() (store.Meta, error) {
	if f.fail == "meta" {
		return store.Meta{}, errRead
	}
	return f.Reader.Meta()
}

func (f failingReader) EachURL(fn func(store.URL) error) error {
	if f.fail == "urls" {
		return errRead
	}
	return f.Reader.EachURL(fn)
}

func (f failingReader) EachEdge(fn func(store.Edge) error) error {
	if f.fail == "edges" {
		return errRead
	}
	return f.Reader.EachEdge(fn)
}

func (f failingReader) EdgesTo(url string) ([]store.Edge, error) {
	if f.fail == "edgesTo" {
		return nil, errRead
	}
	return f.Reader.EdgesTo(url)
}

func (f failingReader) Get(url string) (store.URL, bool, error) {
	if f.fail == "get" {
		return store.URL{}, false, errRead
	}
	return f.Reader.Get(url)
}

func (f failingReader) Findings() ([]store.Finding, error) {
	if f.fail == "findings" {
		return nil, errRead
	}
	return f.Reader.Findings()
}

// The passes built from the methods above fail with them.

func (f failingReader) EachURLInbound(fn func(store.URL, store.Inbound) error) error {
	if f.fail == "urls" || f.fail == "edgesTo" {
		return errRead
	}
	return f.Reader.EachURLInbound(fn)
}

func (f failingReader) EachEdgeStatus(fn func(store.Edge, int, bool) error) error {
	if f.fail == "edges" || f.fail == "get" {
		return errRead
	}
	return f.Reader.EachEdgeStatus(fn)
}

func (f failingReader) LookupEdgesTo(url string) ([]store.Edge, error) {
	if f.fail == "edgesTo" {
		return nil, errRead
	}
	return f.Reader.LookupEdgesTo(url)
}

// writerFunc is the type of a Format's Write.
type writerFunc = func(io.Writer, *Crawl) error

// files maps every registered file name to its writer.
func files() map[string]writerFunc {
	out := map[string]writerFunc{}
	for _, f := range Formats() {
		out[f.Name] = f.Write
	}
	return out
}

// newCrawl is New with the audit's rule texts, as a run passes them, when
// opt has none: the Authentication section lists the findings of the rules
// that name public referrers.
func newCrawl(r store.Reader, opt Options) *Crawl {
	if opt.Rules == nil {
		for _, rule := range audit.Catalogue() {
			opt.Rules = append(opt.Rules, RuleInfo{ID: rule.ID, Severity: rule.Severity, Title: rule.Title, Why: rule.Why, When: rule.Explain, Fix: rule.Fix, PublicReferrers: rule.PublicReferrers})
		}
	}
	return New(r, opt)
}

// TestFixtureFindingsAreCatalogueRules: the fixture renders findings the
// audit can produce, so the goldens show real rule IDs (and the rule
// texts the catalogue gives them).
func TestFixtureFindingsAreCatalogueRules(t *testing.T) {
	known := map[string]bool{}
	for _, r := range audit.Catalogue() {
		known[r.ID] = true
	}
	fs, err := newFixture(t).Findings()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if !known[f.Rule] {
			t.Errorf("fixture finding on %s has rule %q, which is not in the catalogue", f.URL, f.Rule)
		}
	}
}
