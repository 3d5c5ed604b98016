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
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// TestExtractHTMLMatchesTheParsedTree: extractHTML reads tokens; what it
// finds in the demo site's pages, the benchmark's pages and the hand-made
// pages below must equal what a walk of html.Parse's tree finds
// (extractHTMLTree, the former implementation, kept here as the oracle).
// The two differ only on broken markup the parser repairs (e.g. an <a> it
// re-opens in the next paragraph), which these pages do not have.
func TestExtractHTMLMatchesTheParsedTree(t *testing.T) {
	t.Parallel()
	pages := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "sites", "*", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "sites", "*", "*", "*.html"))
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
	w := treeWalk{info: &info, agent: agent}
	w.walk(doc, 0)

	base := page
	if w.base != nil {
		if b, err := page.Parse(strings.TrimSpace(*w.base)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			base = b
		}
	}
	var links, assets []ref
	for _, r := range w.raw {
		list := &assets
		if r.typ == store.EdgeLink {
			list = &links
		}
		if r.css {
			for _, c := range extractCSS(r.url, base) {
				c.tag = r.tag
				*list = append(*list, c)
			}
			continue
		}
		u, err := urlx.Resolve(base, r.url)
		if err != nil {
			continue
		}
		if r.canonical && info.canonical == "" {
			info.canonical = u
		}
		*list = append(*list, ref{url: u, typ: r.typ, tag: r.tag, text: clip(collapse(r.text), maxText), parse: r.parse})
	}
	info.refs = append(links, assets...)
	return info
}

// treeWalk collects what extractHTML needs in one pass over the tree.
type treeWalk struct {
	info     *pageInfo
	agent    string
	base     *string // the first <base href>
	hasTitle bool
	raw      []rawRef
}

// walk visits n and its descendants in document order; chrome counts the
// header, nav, footer and aside elements n is inside.
func (w *treeWalk) walk(n *html.Node, chrome int) {
	if n.Type == html.ElementNode {
		w.element(n, chrome)
		switch n.DataAtom {
		case atom.Header, atom.Nav, atom.Footer, atom.Aside:
			chrome++
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, chrome)
	}
}

func (w *treeWalk) add(typ store.EdgeType, raw, tag, text string, mode parseMode) {
	w.raw = append(w.raw, rawRef{url: raw, typ: typ, tag: tag, text: text, parse: mode})
}

func (w *treeWalk) element(n *html.Node, chrome int) {
	attr := func(key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	get := func(key string) string { v, _ := attr(key); return v }
	switch n.DataAtom {
	case atom.Base:
		if href, ok := attr("href"); ok && w.base == nil {
			w.base = &href
		}
	case atom.Title:
		if !w.hasTitle {
			w.hasTitle = true
			w.info.title = clip(collapse(treeTextOf(n)), maxTitle)
		}
	case atom.Meta:
		name, okName := attr("name")
		content, okContent := attr("content")
		if okName && okContent {
			name = strings.ToLower(strings.TrimSpace(name))
			if (name == "robots" || name == w.agent) && hasNoindex(content) {
				w.info.noindex = true
			}
		}
	case atom.Input:
		// A login box in the site's header or footer does not make a page
		// a login wall; a password field in the page's own content does.
		if typ, ok := attr("type"); ok && strings.EqualFold(typ, "password") && chrome == 0 {
			w.info.loginForm = true
		}
	case atom.A:
		if href, ok := attr("href"); ok {
			w.add(store.EdgeLink, href, "a", treeTextOf(n), parseNone)
		}
	case atom.Area:
		if href, ok := attr("href"); ok {
			w.add(store.EdgeLink, href, "area", get("alt"), parseNone)
		}
	case atom.Iframe:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeLink, src, "iframe", get("title"), parseNone)
		}
	case atom.Link:
		href, ok := attr("href")
		if !ok {
			break
		}
		for _, r := range strings.Fields(strings.ToLower(get("rel"))) {
			if contains(linkRels, r) {
				w.raw = append(w.raw, rawRef{url: href, typ: store.EdgeLink, tag: "link[rel=" + r + "]", canonical: r == "canonical"})
				break
			}
			if contains(assetRels, r) {
				mode := parseNone
				if r == "stylesheet" {
					mode = parseCSS
				}
				w.add(store.EdgeAsset, href, "link[rel="+r+"]", "", mode)
				break
			}
		}
	case atom.Img:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeAsset, src, "img", get("alt"), parseNone)
		}
		for _, c := range parseSrcset(get("srcset")) {
			w.add(store.EdgeAsset, c, "img[srcset]", get("alt"), parseNone)
		}
	case atom.Source:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeAsset, src, "source", "", parseNone)
		}
		for _, c := range parseSrcset(get("srcset")) {
			w.add(store.EdgeAsset, c, "source[srcset]", "", parseNone)
		}
	case atom.Script:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeAsset, src, "script", "", parseNone)
		}
	case atom.Video:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeAsset, src, "video", "", parseNone)
		}
		if p, ok := attr("poster"); ok {
			w.add(store.EdgeAsset, p, "video[poster]", "", parseNone)
		}
	case atom.Audio, atom.Track, atom.Embed:
		if src, ok := attr("src"); ok {
			w.add(store.EdgeAsset, src, n.Data, "", parseNone)
		}
	case atom.Object:
		if data, ok := attr("data"); ok {
			w.add(store.EdgeAsset, data, "object", "", parseNone)
		}
	case atom.Style:
		w.raw = append(w.raw, rawRef{url: treeTextOf(n), typ: store.EdgeAsset, tag: "style", css: true})
	}
	if style, ok := attr("style"); ok && n.DataAtom != atom.Style {
		w.raw = append(w.raw, rawRef{url: style, typ: store.EdgeAsset, tag: "style-attr", css: true})
	}
}

// textOf is the text of n's descendants, concatenated (as the DOM's
// textContent).
func treeTextOf(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data // the usual case: one text child, no copy
	}
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
