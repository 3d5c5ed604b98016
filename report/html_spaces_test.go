package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"golang.org/x/net/html"
)

// spacesFixture is a crawl with a calendar trap (five months requested, one
// not), a pagination trap whose pages alone link to a product, and a
// duplicate cluster (hand-made Cluster fields) with one member that does
// not canonicalise to it.
func spacesFixture(t *testing.T) *store.Memory {
	t.Helper()
	const o = "https://shop.test"
	m := store.NewMemory()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.SetMeta(store.Meta{StartURL: o + "/", ToolVersion: "test"}))
	page := func(path string, depth int, text string) store.URL {
		return store.URL{URL: o + path, Status: 200, Kind: store.KindPage, ContentType: "text/html", Depth: depth, TextHash: text, Title: path}
	}
	home := page("/", 0, "0000000000000001")
	home.Start, home.InSitemap = true, true
	urls := []store.URL{home, page("/items/1.html", 2, "0000000000000002")}
	link := func(from, to string) {
		must(m.AddEdge(store.Edge{From: o + from, To: o + to, Type: store.EdgeLink, Tag: "a"}))
	}
	link("/", "/cal/2015/01")
	link("/", "/list?page=1")
	for i := 1; i <= 5; i++ {
		urls = append(urls, page(fmt.Sprintf("/cal/2015/%02d", i), i, fmt.Sprintf("00000000000001%02d", i)))
		link(fmt.Sprintf("/cal/2015/%02d", i), fmt.Sprintf("/cal/2015/%02d", i+1))
		urls = append(urls, page(fmt.Sprintf("/list?page=%d", i), i, fmt.Sprintf("00000000000002%02d", i)))
		link(fmt.Sprintf("/list?page=%d", i), fmt.Sprintf("/list?page=%d", i+1))
	}
	link("/list?page=1", "/items/1.html")
	urls = append(urls,
		store.URL{URL: o + "/cal/2015/06", Kind: store.KindPage, Depth: 6, Bytes: -1, NotRequested: store.NotRequestedTrap},
		store.URL{URL: o + "/list?page=6", Kind: store.KindPage, Depth: 6, Bytes: -1, NotRequested: store.NotRequestedTrap})
	about := page("/about", 1, "0000000000000003")
	about.Cluster, about.ClusterKind = o+"/about", store.ClusterExact
	aboutUs := page("/about-us", 1, "0000000000000003")
	aboutUs.Cluster, aboutUs.ClusterKind = o+"/about", store.ClusterExact
	urls = append(urls, about, aboutUs)
	for _, u := range urls {
		must(m.PutURL(u))
	}
	return m
}

// TestWriteHTMLURLSpaces: the "URL spaces" section ranks the patterns by
// wasted requests with a sparkline of URLs per depth, shows the robots.txt
// what-if (the calendar's rule proposed, the pagination's dangerous: it
// would cut off the product only its pages link to) and the duplicate
// clusters, and escapes what the crawl (or a space) says.
func TestWriteHTMLURLSpaces(t *testing.T) {
	t.Parallel()
	m := spacesFixture(t)
	spaces, err := audit.FindSpaces(m)
	if err != nil {
		t.Fatal(err)
	}
	// A space named by hostile text: shown, never run.
	spaces = append(spaces, analysis.Space{Kind: analysis.SpaceParameter, Origin: "https://shop.test", Pattern: "/<b>x</b>", Param: "v"})
	doc, raw := parseHTML(t, m, Options{Spaces: spaces})
	if strings.Contains(raw, "<b>x</b>") {
		t.Error("a space's text reached the page unescaped")
	}
	sec := byID(doc, "url-spaces")
	if sec == nil {
		t.Fatal("no url-spaces section")
	}
	rows := func(id string) [][]string {
		var out [][]string
		walk(byID(doc, id), func(n *html.Node) {
			if n.Data != "tr" || n.Parent.Data != "tbody" {
				return
			}
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Data == "td" {
					cells = append(cells, strings.Join(strings.Fields(text(c)), " "))
				}
			}
			out = append(out, cells)
		})
		return out
	}
	pats := rows("space-patterns")
	want := [][]string{
		{"/cal/{year}/{month}", "5", "5", "crawler traps (pages of an infinite URL space)", "1", "crawler trap /cal/{year}/{month}"},
		{"/list?page", "5", "5", "crawler traps (pages of an infinite URL space)", "1", "crawler trap /list?page"},
	}
	if len(pats) != len(want) {
		t.Fatalf("pattern rows %q, want %q", pats, want)
	}
	for i, w := range want {
		if strings.Join(pats[i][:6], "|") != strings.Join(w, "|") {
			t.Errorf("pattern row %d: %q, want %q", i, pats[i][:6], w)
		}
	}
	var bars, sparks int
	var title string
	walk(sec, func(n *html.Node) {
		if n.Data == "svg" {
			sparks++
			if title == "" {
				title, _ = attr(n, "aria-label")
			}
		}
		if n.Data == "rect" {
			bars++
		}
	})
	if sparks != 2 || bars != 12 || title != "URLs discovered per click depth: depth 1: 1, depth 2: 1, depth 3: 1, depth 4: 1, depth 5: 1, depth 6: 1" {
		t.Errorf("%d sparklines, %d bars, first %q", sparks, bars, title)
	}
	rules := rows("robots-what-if")
	got := map[string]string{}
	for _, r := range rules {
		got[r[0]] = strings.Join(r[1:], "|")
	}
	for rule, w := range map[string]string{
		"Disallow: /cal/":        "crawler trap /cal/{year}/{month}|6|5|0|proposed",
		"Disallow: /list?*page=": "crawler trap /list?page|6|5|1 (/items/1.html)|dangerous",
	} {
		if got[rule] != w {
			t.Errorf("what-if %s: %q, want %q (rows %q)", rule, got[rule], w, rules)
		}
	}
	clusters := rows("duplicate-clusters")
	if len(clusters) != 1 || strings.Join(clusters[0][:5], "|") != "https://shop.test/about|exact|2|1|/about, /about-us" {
		t.Errorf("clusters %q", clusters)
	}
}

// TestWriteHTMLURLSpacesEmpty: a crawl without URL spaces says there is
// nothing to block, and shows no cluster table without clusters.
func TestWriteHTMLURLSpacesEmpty(t *testing.T) {
	t.Parallel()
	doc, _ := parseHTML(t, newFixture(t), Options{})
	if byID(doc, "url-spaces") == nil || byID(doc, "no-what-if") == nil {
		t.Error("no URL spaces section saying there is nothing to block")
	}
	if byID(doc, "duplicate-clusters") != nil {
		t.Error("a cluster table without clusters")
	}
}

func TestSparklineBinsDeepCrawls(t *testing.T) {
	t.Parallel()
	counts := make([]int, 101) // depths 0–100, one URL each
	for i := range counts {
		counts[i] = 1
	}
	s := newSparkline(counts)
	// 3 depths a bar: 34 bars, the last holding depths 99 and 100.
	if len(s.Bars) != 34 || s.Width != 34*5 || s.Bars[0].H != sparkHeight || s.Bars[33].H != 2*sparkHeight/3 {
		t.Errorf("%d bars, width %d, first %+v, last %+v", len(s.Bars), s.Width, s.Bars[0], s.Bars[len(s.Bars)-1])
	}
	if !strings.HasSuffix(s.Title, "depth 96–98: 3, depth 99–100: 2") {
		t.Errorf("title %q", s.Title)
	}
}
