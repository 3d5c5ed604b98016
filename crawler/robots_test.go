package crawler_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// small is a site whose home page links a public page and a private one and
// uses a stylesheet under /private/.
func small() fstest.MapFS {
	return fstest.MapFS{
		"index.html":          html("Home", `<link rel="stylesheet" href="/private/print.css">`, `<a href="/a.html">a</a><a href="/private/x.html">x</a>`),
		"a.html":              html("A", "", `<a href="/">home</a>`),
		"private/x.html":      html("X", "", `<a href="/">home</a>`),
		"private/print.css":   {Data: []byte("body{}")},
		"real-robots.txt":     {Data: []byte("User-agent: *\nDisallow: /private/\n")},
		"disallow-robots.txt": {Data: []byte("User-agent: *\nDisallow: /private/\n")},
	}
}

func TestRobotsStatusSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		route     testsite.Route
		findings  []string
		requested map[string]int
		robots    []string // "path status" of the robots records
		warnings  int
	}{
		{"401 robots.txt: crawl everything, warn", testsite.Route{Path: "/robots.txt", Status: 401, Headers: [][2]string{{"WWW-Authenticate", `Basic realm="x"`}}},
			[]string{"warning robots-unavailable /robots.txt <- "},
			map[string]int{"/private/x.html": 1, "/private/print.css": 1, "/a.html": 1}, []string{"/robots.txt 401"}, 0},
		{"403 robots.txt: crawl everything, warn", testsite.Route{Path: "/robots.txt", Status: 403},
			[]string{"warning robots-unavailable /robots.txt <- "},
			map[string]int{"/private/x.html": 1, "/private/print.css": 1, "/a.html": 1}, []string{"/robots.txt 403"}, 0},
		{"500 robots.txt: crawl nothing, error", testsite.Route{Path: "/robots.txt", Status: 500},
			[]string{"error robots-unavailable /robots.txt <- "},
			map[string]int{"/": 0, "/a.html": 0, "/sitemap.xml": 0}, []string{"/robots.txt 500"}, 1},
		{"no answer for robots.txt: crawl nothing, error", testsite.Route{Path: "/robots.txt", Hangup: true},
			[]string{"error robots-unavailable /robots.txt <- "},
			map[string]int{"/": 0, "/a.html": 0}, []string{"/robots.txt 0"}, 1},
		{"redirected robots.txt: the target's rules apply", testsite.Route{Path: "/robots.txt", Status: 301, Location: "/real-robots.txt"},
			[]string{"warning asset-disallowed /private/print.css <- /"},
			map[string]int{"/private/x.html": 0, "/private/print.css": 0, "/a.html": 1, "/real-robots.txt": 1}, []string{"/real-robots.txt 200", "/robots.txt 301"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := crawlSite(t, small(), []testsite.Route{tc.route}, nil, crawler.Config{})
			diff(t, "findings", s.findingLines(), tc.findings)
			for p, n := range tc.requested {
				if got := s.log.Count(p); got != n {
					t.Errorf("%s requested %d times, want %d", p, got, n)
				}
			}
			var robots []string
			_ = s.st.EachURL(func(u store.URL) error {
				if u.Kind == store.KindRobots {
					robots = append(robots, fmt.Sprintf("%s %d", s.short(u.URL), u.Status))
				}
				return nil
			})
			diff(t, "robots records", robots, tc.robots)
			if len(s.res.Warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", s.res.Warnings, tc.warnings)
			}
		})
	}
}

func TestRobotsDisallowedNeverRequested(t *testing.T) {
	t.Parallel()
	s := crawlSite(t, small(), []testsite.Route{{Path: "/robots.txt", File: "disallow-robots.txt"}}, nil, crawler.Config{})
	for _, r := range s.log.Requests() {
		if strings.HasPrefix(r.URI, "/private/") {
			t.Errorf("requested %s %s, which robots.txt disallows", r.Method, r.URI)
		}
	}
	x := s.record(t, "/private/x.html")
	if x.Status != 0 || !x.BlockedByRobots || !x.RobotsDisallowed {
		t.Errorf("/private/x.html: status %d blocked %v disallowed %v; want 0 true true", x.Status, x.BlockedByRobots, x.RobotsDisallowed)
	}
	in, _ := s.st.EdgesTo(x.URL)
	if refs := store.Referrers(x.URL, in); len(refs) != 1 || s.short(refs[0]) != "/" {
		t.Errorf("referrers %v, want [/]", refs)
	}
}

func TestIgnoreRobotsStillMarksDisallowed(t *testing.T) {
	t.Parallel()
	files := small()
	files["sitemap.xml"] = &fstest.MapFile{Data: []byte(`<urlset><url><loc>{{ORIGIN}}/</loc></url><url><loc>{{ORIGIN}}/a.html</loc></url><url><loc>{{ORIGIN}}/private/x.html</loc></url></urlset>`)}
	s := crawlSite(t, files, []testsite.Route{{Path: "/robots.txt", File: "disallow-robots.txt"}}, nil, crawler.Config{IgnoreRobots: true})
	if n := s.log.Count("/private/x.html"); n != 1 {
		t.Errorf("/private/x.html requested %d times, want 1 (--ignore-robots)", n)
	}
	x := s.record(t, "/private/x.html")
	if x.Status != 200 || x.BlockedByRobots || !x.RobotsDisallowed || !x.InSitemap {
		t.Errorf("/private/x.html: status %d blocked %v disallowed %v in_sitemap %v; want 200 false true true", x.Status, x.BlockedByRobots, x.RobotsDisallowed, x.InSitemap)
	}
	if a := s.record(t, "/a.html"); a.RobotsDisallowed {
		t.Errorf("/a.html marked disallowed")
	}
	diff(t, "findings", s.findingLines(), []string{
		"warning asset-disallowed /private/print.css <- /",
		"warning sitemap-url-disallowed /private/x.html <- /sitemap.xml",
	})
}

func TestRobotsAgentPicksTheGroup(t *testing.T) {
	t.Parallel()
	robots := testsite.Route{Path: "/robots.txt", Headers: [][2]string{{"Content-Type", "text/plain"}},
		Body: "User-agent: Googlebot\nDisallow: /private/\n\nUser-agent: *\nDisallow:\n"}
	tests := []struct {
		agent   string
		private int
	}{
		{"", 1},          // crawlaudit: the * group allows everything
		{"Googlebot", 0}, // audit as Googlebot would crawl
		{"googlebot", 0}, // product tokens match case-insensitively
	}
	for _, tc := range tests {
		t.Run("agent "+tc.agent, func(t *testing.T) {
			t.Parallel()
			s := crawlSite(t, small(), []testsite.Route{robots}, nil, crawler.Config{RobotsAgent: tc.agent})
			if got := s.log.Count("/private/x.html"); got != tc.private {
				t.Errorf("/private/x.html requested %d times, want %d", got, tc.private)
			}
		})
	}
}

func TestSitemapDiscovery(t *testing.T) {
	t.Parallel()
	files := func() fstest.MapFS {
		f := small()
		f["sitemap.xml"] = &fstest.MapFile{Data: []byte(`<urlset><url><loc>{{ORIGIN}}/</loc></url><url><loc>{{ORIGIN}}/a.html</loc></url></urlset>`)}
		f["extra.txt"] = &fstest.MapFile{Data: []byte("{{ORIGIN}}/extra.html\n")}
		f["extra.html"] = html("Extra", "", "")
		return f
	}
	tests := []struct {
		name      string
		routes    []testsite.Route
		cfg       func(origin string) crawler.Config
		sitemaps  []string // "path status urls" of sitemap records
		requested map[string]int
		listed    []string
		findings  []string
	}{
		{"no Sitemap: line: the conventional locations are tried", nil, nil,
			[]string{"/sitemap.xml 200 2"}, map[string]int{"/sitemap.xml": 1, "/sitemap_index.xml": 1}, []string{"/", "/a.html"},
			[]string{"notice page-missing-from-sitemap /private/x.html <- /"}},
		{"Sitemap: line through a redirect", []testsite.Route{
			{Path: "/robots.txt", Headers: [][2]string{{"Content-Type", "text/plain"}}, Body: "Sitemap: {{ORIGIN}}/old-sitemap.xml\n"},
			{Path: "/old-sitemap.xml", Status: 301, Location: "/sitemap.xml"}}, nil,
			[]string{"/old-sitemap.xml 301 0", "/sitemap.xml 200 2"}, map[string]int{"/sitemap.xml": 1, "/sitemap_index.xml": 0}, []string{"/", "/a.html"},
			[]string{"notice page-missing-from-sitemap /private/x.html <- /"}},
		{"--sitemap adds to discovery", nil, func(o string) crawler.Config { return crawler.Config{Sitemaps: []string{o + "/extra.txt"}} },
			[]string{"/extra.txt 200 1", "/sitemap.xml 200 2"}, map[string]int{"/extra.html": 1}, []string{"/", "/a.html", "/extra.html"},
			[]string{"notice orphan-sitemap-url /extra.html <- /extra.txt", "notice page-missing-from-sitemap /private/x.html <- /"}},
		{"--no-sitemaps reads none", nil, func(string) crawler.Config { return crawler.Config{NoSitemaps: true} },
			nil, map[string]int{"/sitemap.xml": 0, "/sitemap_index.xml": 0}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cfg crawler.Config
			site, err := testsite.New(files(), tc.routes...)
			if err != nil {
				t.Fatal(err)
			}
			// The origin is needed in cfg before the crawl: start the
			// server first, then crawl through crawlSite's logic.
			log := &testsite.Log{}
			srv := testsite.Start(site.Handler(nil), log)
			t.Cleanup(srv.Close)
			if tc.cfg != nil {
				cfg = tc.cfg(srv.URL)
			}
			s := crawlServer(t, srv.URL, log, cfg)
			var sitemaps, listed []string
			_ = s.st.EachURL(func(u store.URL) error {
				if u.Kind == store.KindSitemap {
					sitemaps = append(sitemaps, fmt.Sprintf("%s %d %d", s.short(u.URL), u.Status, u.SitemapURLs))
				}
				if u.InSitemap {
					listed = append(listed, s.short(u.URL))
				}
				return nil
			})
			diff(t, "sitemap records", sitemaps, tc.sitemaps)
			diff(t, "in_sitemap", listed, tc.listed)
			for p, n := range tc.requested {
				if got := s.log.Count(p); got != n {
					t.Errorf("%s requested %d times, want %d", p, got, n)
				}
			}
			diff(t, "findings", s.findingLines(), tc.findings)
		})
	}
}

// TestSitemapCrossSubmission: robots.txt names a sitemap on another host,
// which may then list this site's URLs; URLs of a third host stay off-host.
func TestSitemapCrossSubmission(t *testing.T) {
	t.Parallel()
	cdnLog := &testsite.Log{}
	cdnSite, err := testsite.New(fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	var siteURL string
	cdn := testsite.Start(dynHandler(cdnSite, dynamic{"/sitemaps/site.xml": func(string) []byte {
		return []byte(`<urlset><url><loc>` + siteURL + `/a.html</loc></url><url><loc>http://127.0.0.1:1/elsewhere.html</loc></url></urlset>`)
	}}), cdnLog)
	t.Cleanup(cdn.Close)
	files := small()
	files["robots.txt"] = &fstest.MapFile{Data: []byte("User-agent: *\nDisallow:\n\nSitemap: " + cdn.URL + "/sitemaps/site.xml\n")}
	site, err := testsite.New(files)
	if err != nil {
		t.Fatal(err)
	}
	log := &testsite.Log{}
	srv := testsite.Start(site.Handler(nil), log)
	t.Cleanup(srv.Close)
	siteURL = srv.URL
	s := crawlServer(t, srv.URL, log, crawler.Config{})
	if !s.record(t, "/a.html").InSitemap {
		t.Errorf("/a.html not in_sitemap: the cross-submitted sitemap may list it")
	}
	sm, ok, _ := s.st.Get(cdn.URL + "/sitemaps/site.xml")
	if !ok || sm.Kind != store.KindSitemap || sm.Status != 200 || sm.SitemapURLs != 1 {
		t.Errorf("cdn sitemap record %+v", sm)
	}
	// The sitemap lists only /a.html: the other linked pages are missing.
	diff(t, "findings", s.findingLines(), []string{
		"notice page-missing-from-sitemap / <- /a.html /private/x.html",
		"notice page-missing-from-sitemap /private/x.html <- /",
		"warning sitemap-url-off-host http://127.0.0.1:1/elsewhere.html <- " + cdn.URL + "/sitemaps/site.xml",
	})
}

// TestHostileSitemaps: a gzip bomb, entity expansion, a 50,001-URL sitemap
// and a sitemap that is not one are each recorded as sitemap-invalid, read
// within their bounds, and stop nothing else.
func TestHostileSitemaps(t *testing.T) {
	t.Parallel()
	bomb := func(string) []byte {
		// 64 MiB of zeros as 64 gzip members of 1 MiB (one stream to a
		// gzip reader), built from one compression.
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(make([]byte, 1<<20))
		_ = zw.Close()
		return bytes.Repeat(b.Bytes(), 64)
	}
	laughs := "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">" +
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n<urlset><url><loc>{{ORIGIN}}/&lol3;</loc></url></urlset>\n"
	big := func(origin string) []byte {
		var b bytes.Buffer
		b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for i := range 50001 {
			fmt.Fprintf(&b, "<url><loc>%s/p/%d</loc></url>\n", origin, i)
		}
		b.WriteString("</urlset>\n")
		return b.Bytes()
	}
	files := small()
	files["laughs.xml"] = &fstest.MapFile{Data: []byte(laughs)}
	files["robots.txt"] = &fstest.MapFile{Data: []byte("Sitemap: {{ORIGIN}}/bomb.xml.gz\nSitemap: {{ORIGIN}}/laughs.xml\nSitemap: {{ORIGIN}}/big.xml\nSitemap: {{ORIGIN}}/page.xml\n")}
	routes := []testsite.Route{{Path: "/page.xml", Body: "<!doctype html><html><body>Soft 404</body></html>"}}
	s := crawlSite(t, files, routes, dynamic{"/bomb.xml.gz": bomb, "/big.xml": big},
		crawler.Config{MaxSitemapBytes: 4 << 20, MaxURLs: 10})
	diff(t, "findings", s.findingLines("sitemap-invalid"), []string{
		"error sitemap-invalid /big.xml <- /robots.txt",
		"error sitemap-invalid /bomb.xml.gz <- /robots.txt",
		"error sitemap-invalid /laughs.xml <- /robots.txt",
		"error sitemap-invalid /page.xml <- /robots.txt",
	})
	for _, tc := range []struct {
		path, want string
		urls       int
	}{
		{"/bomb.xml.gz", "more than 4194304 bytes decompressed (a gzip bomb", 0},
		{"/laughs.xml", "invalid character entity &lol3;", 0},
		{"/big.xml", "more than 50000 entries", 50000},
		{"/page.xml", "is not a sitemap", 0},
	} {
		r := s.record(t, tc.path)
		var msgs []string
		for _, p := range r.SitemapProblems {
			msgs = append(msgs, p.Message)
		}
		if r.SitemapURLs != tc.urls || !strings.Contains(strings.Join(msgs, " | "), tc.want) {
			t.Errorf("%s: %d URLs, problems %q; want %d and one with %q", tc.path, r.SitemapURLs, msgs, tc.urls, tc.want)
		}
	}
	if n := s.log.Count("/big.xml"); n != 1 {
		t.Errorf("/big.xml requested %d times", n)
	}
	if s.res.Requests > 40 {
		t.Errorf("%d requests: --max-urls 10 must bound the crawl of 50,000 listed URLs", s.res.Requests)
	}
}
