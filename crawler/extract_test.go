package crawler

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestParseSrcset(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"width descriptors", "a.jpg 480w, b.jpg 800w", []string{"a.jpg", "b.jpg"}},
		{"density and no descriptor", "a.png, b.png 2x", []string{"a.png", "b.png"}},
		{"commas inside URL kept", "/img/a,b.png 1x,/img/c.png 2x", []string{"/img/a,b.png", "/img/c.png"}},
		{"trailing comma ends the URL", "a.png,b.png", []string{"a.png,b.png"}},
		{"extra whitespace", "  a.png   1x ,\n b.png  2x  ", []string{"a.png", "b.png"}},
		{"empty", "", nil},
		{"descriptor with parentheses", "a.png (max-width: 1px, x) 1x, b.png", []string{"a.png", "b.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := parseSrcset(c.in); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parseSrcset(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzParseSrcset(f *testing.F) {
	for _, s := range []string{"a.jpg 480w, b.jpg 800w", "a,b", "(,", ",,,", "x 1x,(y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, u := range parseSrcset(s) {
			if u == "" || strings.ContainsAny(u, " \t\n") {
				t.Fatalf("parseSrcset(%q) returned bad candidate %q", s, u)
			}
		}
	})
}

func TestExtractHTML(t *testing.T) {
	t.Parallel()
	page, _ := url.Parse("http://site.test/blog/post.html")
	body := `<!doctype html><html><head>
<title>  Hello
  World </title>
<base href="/base/">
<meta name="ROBOTS" content="index, NoIndex">
<link rel="canonical" href="/blog/canonical.html">
<link rel="stylesheet" href="style.css">
<link rel="shortcut icon" href="/favicon.ico">
<link rel="next" href="page2.html">
<style>body{background:url("bg.png")} @import 'print.css';</style>
</head><body>
<a href="a.html#frag">A <b>link</b></a>
<a href="mailto:x@y">mail</a>
<a href="http://other.test/x">ext</a>
<img src="i.png" srcset="i-2x.png 2x" alt="pic">
<picture><source srcset="p.webp 1x, p2.webp 2x"><img src="p.jpg"></picture>
<div style="background-image: url(div.png)"></div>
<video src="v.mp4" poster="poster.jpg"><track src="t.vtt"></video>
<audio src="a.mp3"></audio><embed src="e.swf"><object data="o.pdf"></object>
<iframe src="frame.html" title="frame"></iframe>
<map><area href="area.html" alt="area"></map>
<script src="app.js"></script>
</body></html>`
	info := extractHTML([]byte(body), page, "crawlaudit")
	if info.title != "Hello World" {
		t.Errorf("title = %q", info.title)
	}
	if !info.noindex {
		t.Error("noindex not detected from meta robots")
	}
	if info.canonical != "http://site.test/blog/canonical.html" {
		t.Errorf("canonical = %q", info.canonical)
	}
	var got []string
	for _, r := range info.refs {
		got = append(got, string(r.typ)+" "+r.tag+" "+r.url)
	}
	want := []string{
		"link link[rel=canonical] http://site.test/blog/canonical.html",
		"link link[rel=next] http://site.test/base/page2.html",
		"link a http://site.test/base/a.html",
		"link a http://other.test/x",
		"link iframe http://site.test/base/frame.html",
		"link area http://site.test/base/area.html",
		"asset link[rel=stylesheet] http://site.test/base/style.css",
		"asset link[rel=icon] http://site.test/favicon.ico",
		"asset style http://site.test/base/print.css",
		"asset style http://site.test/base/bg.png",
		"asset img http://site.test/base/i.png",
		"asset img[srcset] http://site.test/base/i-2x.png",
		"asset source[srcset] http://site.test/base/p.webp",
		"asset source[srcset] http://site.test/base/p2.webp",
		"asset img http://site.test/base/p.jpg",
		"asset style-attr http://site.test/base/div.png",
		"asset video http://site.test/base/v.mp4",
		"asset video[poster] http://site.test/base/poster.jpg",
		"asset track http://site.test/base/t.vtt",
		"asset audio http://site.test/base/a.mp3",
		"asset embed http://site.test/base/e.swf",
		"asset object http://site.test/base/o.pdf",
		"asset script http://site.test/base/app.js",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("refs:\n got %q\nwant %q", got, want)
	}
	for _, r := range info.refs {
		if r.tag == "link[rel=stylesheet]" && r.parse != parseCSS {
			t.Error("stylesheet not marked for CSS parsing")
		}
		if r.tag == "a" && r.url == "http://site.test/base/a.html" && r.text != "A link" {
			t.Errorf("anchor text = %q", r.text)
		}
	}
}

func TestExtractCSS(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://site.test/css/main.css")
	css := `@import url("reset.css"); @import 'fonts.css';
body { background: url(../img/bg.png) } .a { background: url( 'x.png' ) } .d { background: url(data:image/png;base64,AA) }`
	var got []string
	for _, r := range extractCSS(css, base) {
		got = append(got, r.tag+" "+r.url)
		if r.typ != store.EdgeAsset {
			t.Errorf("%s: type %s", r.url, r.typ)
		}
	}
	want := []string{
		"css-import http://site.test/css/reset.css",
		"css-import http://site.test/css/fonts.css",
		"css http://site.test/img/bg.png",
		"css http://site.test/css/x.png",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestXRobotsNoindex(t *testing.T) {
	t.Parallel()
	cases := []struct {
		values []string
		want   bool
	}{
		{[]string{"noindex"}, true},
		{[]string{"noarchive, nofollow"}, false},
		{[]string{"googlebot: noindex"}, false},
		{[]string{"crawlaudit: none"}, true},
		{[]string{"unavailable_after: 25 Jun 2010 15:00:00 PST"}, false},
	}
	for _, c := range cases {
		if got := xRobotsNoindex(c.values, "crawlaudit"); got != c.want {
			t.Errorf("xRobotsNoindex(%q) = %v, want %v", c.values, got, c.want)
		}
	}
}

func TestLoginFormOnlyInContent(t *testing.T) {
	t.Parallel()
	page, _ := url.Parse("http://site.test/")
	cases := map[string]bool{
		`<main><form><input type="password" name="p"></form></main>`:                            true,
		`<form><input type=PASSWORD></form>`:                                                    true,
		`<header><form><input type="password"></form></header><main>Article</main>`:             false,
		`<nav><div><input type="password"></div></nav><footer><input type="password"></footer>`: false,
		`<main><p>Forgot your password?</p></main>`:                                             false,
	}
	for body, want := range cases {
		if got := extractHTML([]byte(body), page, "crawlaudit").loginForm; got != want {
			t.Errorf("loginForm(%s) = %v, want %v", body, got, want)
		}
	}
}

// FuzzCollapse: collapse's copy-free path gives what strings.Fields would.
func FuzzCollapse(f *testing.F) {
	for _, s := range []string{"a b", " a", "a ", "a  b", "a\tb", "a\u00a0b", "", " ", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("collapse(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestReferenceTagsCoverElement: run only reads all attributes of the tags
// in referenceTags, so every element that element reads an attribute of
// (beyond style) must be listed there. Each HTML element is given every
// attribute element looks at; any that yields a reference or page fact
// must be in referenceTags.
func TestReferenceTagsCoverElement(t *testing.T) {
	t.Parallel()
	names := strings.Fields(`a abbr address area article aside audio b base bdi bdo blockquote body br button
		canvas caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
		fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img
		input ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup
		option output p picture pre progress q rp rt ruby s samp script search section select slot small
		source span strong style sub summary sup table tbody td template textarea tfoot th thead time
		title tr track u ul var video wbr`)
	attrs := []html.Attribute{
		{Key: "href", Val: "/h"}, {Key: "src", Val: "/s"}, {Key: "srcset", Val: "/ss 2x"}, {Key: "poster", Val: "/p"},
		{Key: "data", Val: "/d"}, {Key: "rel", Val: "stylesheet canonical"}, {Key: "alt", Val: "a"}, {Key: "title", Val: "t"},
		{Key: "name", Val: "robots"}, {Key: "content", Val: "noindex"}, {Key: "type", Val: "password"},
	}
	for _, name := range names {
		a := atom.Lookup([]byte(name))
		if a == 0 {
			t.Fatalf("%s is not an atom", name)
		}
		var info pageInfo
		w := htmlWalk{info: &info, agent: "crawlaudit", anchor: -1, attrs: attrs}
		w.element(a, name)
		if (len(w.raw) > 0 || w.base != nil || info.noindex || info.loginForm) != referenceTags[a] {
			t.Errorf("<%s>: element reads its attributes: %v, in referenceTags: %v", name, len(w.raw) > 0 || w.base != nil || info.noindex || info.loginForm, referenceTags[a])
		}
	}
}
