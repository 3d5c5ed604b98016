package crawler

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit/bench/synth"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TestExtractHTMLMatchesTheParsedTree: extractHTML reads tokens; what it
// finds in the demo site's pages, the benchmark's pages and the hand-made
// pages below must equal what a walk of html.Parse's tree finds
// (extractHTMLTree, the former implementation's traversal, kept here as the
// oracle: it shares element, which maps one element's attributes to
// references, and resolve; what differs is how elements, their text and
// the header/nav/footer/aside nesting are found). The two differ only on
// broken markup the parser repairs (e.g. an <a> it re-opens in the next
// paragraph), which these pages do not have.
func TestExtractHTMLMatchesTheParsedTree(t *testing.T) {
	t.Parallel()
	pages := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join("..", "internal", "demo", "sites", "*", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("..", "internal", "demo", "sites", "*", "*", "*.html"))
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages[f] = b
	}
	if len(pages) < 20 {
		t.Fatalf("found %d fixture pages", len(pages))
	}
	site := synth.New(1000)
	for _, p := range []string{"/", "/p/1", "/p/500", "/p/999"} {
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:8080"+p, nil))
		pages["synth"+p] = rec.Body.Bytes()
	}
	for name, body := range map[string]string{
		"anchor text across tags": `<p><a href="/a">one <b>two</b>
			three</a> <a href=/b><img src=i.png alt="pic"></a></p>`,
		"chrome around a login form":   `<header><nav><input type=password></nav></header><main><form><input type="PASSWORD"></form></main>`,
		"login only in chrome":         `<header><form><input type="password"></form></header><aside><input type=password></aside>`,
		"title, style and base":        `<title> A &amp; B </title><style>body{background:url("/bg.png")} @import "x.css";</style><base href="/dir/"><a href="rel">r</a>`,
		"entities in attributes":       `<a href="/q?a=1&amp;b=2">q</a><img srcset="/s1.png 1x, /s2.png 2x" src="/s.png">`,
		"links in noscript and script": `<noscript><a href="/ns">ns</a></noscript><script>var a = "<a href='/js'>";</script><a href="/real">r</a>`,
		"style attributes":             `<div style="background:url(/d.png)"><custom-el style="background:url(/c.png)"></custom-el></div>`,
		"meta robots for the agent":    `<meta name="crawlaudit" content="noindex"><link rel="canonical" href="/c"><link rel="alternate stylesheet" href="/alt.css">`,
		"second title ignored":         `<title>First</title><svg><title>Second</title></svg>`,
		"media":                        `<video src=/v.mp4 poster=/p.jpg><source src=/v.webm><track src=/t.vtt></video><audio src=/a.mp3></audio><embed src=/e.swf><object data=/o.pdf></object><iframe src=/f title="frame"></iframe><map><area href=/ar alt="area"></map>`,
		"unclosed anchor":              `<a href="/u">never closed <span>text`,
	} {
		pages["inline: "+name] = []byte(body)
	}
	page, _ := url.Parse("http://127.0.0.1:8080/dir/page.html")
	for name, body := range pages {
		got := extractHTML(body, page, "crawlaudit")
		want := extractHTMLTree(body, page, "crawlaudit")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n tokens: %+v\n tree:   %+v", name, got, want)
		}
	}
}

func extractHTMLTree(body []byte, page *url.URL, agent string) pageInfo {
	var info pageInfo
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return info
	}
	w := htmlWalk{info: &info, agent: agent, anchor: -1}
	var walk func(n *html.Node, chrome int)
	walk = func(n *html.Node, chrome int) {
		if n.Type == html.ElementNode {
			w.chrome, w.attrs = chrome, n.Attr
			w.element(n.DataAtom, n.Data)
			switch n.DataAtom {
			case atom.A:
				if w.anchor >= 0 {
					w.raw[w.anchor].text = treeTextOf(n)
					w.anchor = -1
				}
			case atom.Title:
				if !w.hasTitle {
					w.hasTitle = true
					w.info.title = clip(collapse(treeTextOf(n)), maxTitle)
				}
			case atom.Style:
				w.raw = append(w.raw, rawRef{url: treeTextOf(n), typ: store.EdgeAsset, tag: "style", css: true})
			case atom.Header, atom.Nav, atom.Footer, atom.Aside:
				chrome++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chrome)
		}
	}
	walk(doc, 0)
	w.resolve(page)
	return info
}

// treeTextOf is the text of n's descendants, concatenated (as the DOM's
// textContent).
func treeTextOf(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			} else {
				visit(c)
			}
		}
	}
	visit(n)
	return b.String()
}
