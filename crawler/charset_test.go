package crawler

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/crawlaudit/crawlaudit/bench/synth"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// enc encodes UTF-8 text s in e (a test's way to write a page in a legacy
// encoding without raw bytes in the source).
func enc(t testing.TB, e encoding.Encoding, s string) string {
	t.Helper()
	out, err := e.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return out
}

func TestHTMLCharsetSniffOrder(t *testing.T) {
	t.Parallel()
	pad := "<!--" + strings.Repeat("x", 1024) + "-->" // pushes what follows past the first 1024 bytes
	cases := []struct {
		name, contentType, body, want string
	}{
		{"UTF-8 BOM beats the header and the meta", "text/html; charset=iso-8859-2", "\xEF\xBB\xBF<meta charset=windows-1252>", "utf-8"},
		{"UTF-16LE BOM beats the header", "text/html; charset=windows-1252", "\xFF\xFE<\x00p\x00>\x00", "utf-16le"},
		{"UTF-16BE BOM", "", "\xFE\xFF\x00<\x00p\x00>", "utf-16be"},
		{"header beats the meta", "text/html; charset=ISO-8859-2", "<meta charset=\"windows-1252\"><p>Stra\xDFe", "iso-8859-2"},
		{"header label is case- and quote-insensitive", `text/html; charset="Shift_JIS"`, `<p>x`, "shift_jis"},
		{"meta charset", "text/html", "<html><head><meta charset=\"windows-1252\"><title>Stra\xDFe</title>", "windows-1252"},
		{"meta charset without quotes", "", `<meta charset=euc-kr>`, "euc-kr"},
		{"meta http-equiv Content-Type", "text/html", `<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">`, "shift_jis"},
		{"meta http-equiv, attributes in any order and case", "", `<META CONTENT="text/html; charset=ISO-8859-2" HTTP-EQUIV="content-type">`, "iso-8859-2"},
		{"meta content without http-equiv is ignored", "", "<meta content=\"text/html; charset=shift_jis\"><p>caf\xC3\xA9", "utf-8"},
		{"meta within the first 1024 bytes only: UTF-8 body", "", pad + "<meta charset=\"iso-8859-2\"><p>caf\xC3\xA9", "utf-8"},
		{"meta within the first 1024 bytes only: other body", "", pad + "<meta charset=\"iso-8859-2\"><p>Stra\xDFe", "windows-1252"},
		{"unknown header label falls through to the meta", "text/html; charset=klingon", `<meta charset="iso-8859-2">`, "iso-8859-2"},
		{"unknown meta label falls through to the default", "", "<meta charset=\"klingon\"><p>Stra\xDFe", "windows-1252"},
		{"meta UTF-16 is read as UTF-8", "", "<meta charset=\"utf-16\"><p>caf\xC3\xA9", "utf-8"},
		{"latin1 is windows-1252, even on bytes that are valid UTF-8", "", "<meta charset=\"latin1\"><p>caf\xC3\xA9", "windows-1252"},
		{"a declared utf-8 that is not stays utf-8", "", "<meta charset=\"utf-8\"><p>Stra\xDFe", "utf-8"},
		{"undeclared ASCII", "text/html", `<p>plain`, "utf-8"},
		{"undeclared, ASCII head, UTF-8 later", "", pad + "<p>caf\xC3\xA9", "utf-8"},
		{"undeclared, not UTF-8: windows-1252", "", "<p>Stra\xDFe", "windows-1252"},
		{"undeclared UTF-8 with one stray byte stays UTF-8", "", "<p>caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9e \xA0", "utf-8"},
		{"undeclared UTF-8 cut in the middle of a character", "", "<p>caf\xC3\xA9 \xE2\x82", "utf-8"},
		// What the walk's metaSniff reads itself, and what it hands over.
		{"other metas before the charset", "", `<meta name="viewport" content="width=device-width"><meta http-equiv="X-UA-Compatible" content="IE=edge"><meta charset="windows-1252">`, "windows-1252"},
		{"an unknown meta label, then a known one", "", `<meta charset="klingon"><meta charset="iso-8859-2">`, "iso-8859-2"},
		{"the first declaration wins", "", `<meta charset="iso-8859-2"><meta charset="windows-1252">`, "iso-8859-2"},
		{"http-equiv after a viewport", "", `<meta name=viewport content="width=device-width"><meta http-equiv=content-type content="text/html;charset=euc-jp">`, "euc-jp"},
		{"charset and content on one meta", "", `<meta content="text/html; charset=euc-kr" charset="shift_jis" http-equiv="Content-Type">`, "shift_jis"},
		{"a charset content without http-equiv, then a meta charset", "", `<meta content="text/html; charset=euc-kr"><meta charset="big5">`, "big5"},
		{"meta in a comment, script or title is not a meta", "", `<!-- <meta charset="big5"> --><script>"<meta charset='gbk'>"</script><title><meta charset=koi8-r></title><p>Stra` + "\xDF" + `e`, "windows-1252"},
		{"character references in the label", "", `<meta charset="&#x77;indows-1252">`, "windows-1252"},
		{"meta ending at byte 1024 counts", "", pad[:1024-len(`<meta charset="iso-8859-2">`)-3] + "-->" + `<meta charset="iso-8859-2">`, "iso-8859-2"},
		{"meta ending at byte 1025 does not", "", pad[:1025-len(`<meta charset="iso-8859-2">`)-3] + "-->" + `<meta charset="iso-8859-2">` + "\xDF", "windows-1252"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, got := htmlCharset([]byte(c.body), c.contentType); got != c.want {
				t.Errorf("htmlCharset = %q, want %q", got, c.want)
			}
			if _, got := readHTML([]byte(c.body), c.contentType, testPage, "crawlaudit"); got != c.want && !collyDecoded(c.contentType, []byte(c.body)) {
				t.Errorf("readHTML read it as %q, want %q", got, c.want)
			}
		})
	}
}

// TestSniffAgreesAroundThe1024thByte: a declaration ending just before,
// at or just after the 1024th byte, after text, a comment, an attribute
// holding ">" or a title, is read by the walk as htmlCharset reads it.
func TestSniffAgreesAroundThe1024thByte(t *testing.T) {
	t.Parallel()
	metas := []string{`<meta charset="iso-8859-2">`, `<meta http-equiv="content-type" content="text/html; charset=iso-8859-2">`, `<meta charset="klingon">`}
	fillers := []func(n int) string{
		func(n int) string { return strings.Repeat("x", n) },
		func(n int) string { return "<!--" + strings.Repeat("-", max(n-7, 0)) + "-->" },
		func(n int) string { return `<div title="a>b` + strings.Repeat("y", max(n-17, 0)) + `">` },
		func(n int) string { return "<title>" + strings.Repeat("t", max(n-15, 0)) + "</title>" },
	}
	for _, meta := range metas {
		for fi, fill := range fillers {
			for n := 1024 - len(meta) - 12; n <= 1024-len(meta)+12; n++ {
				for _, tail := range []string{"", "<p>Stra\xDFe", "<p>caf\xC3\xA9"} {
					body := fill(n) + meta + tail
					_, want := htmlCharset([]byte(body), "")
					if _, got := readHTML([]byte(body), "", testPage, "crawlaudit"); got != want {
						t.Fatalf("filler %d, meta %s ending at %d, tail %q: read as %q, htmlCharset says %q", fi, meta, len(fill(n))+len(meta), tail, got, want)
					}
				}
			}
		}
	}
}

var testPage, _ = url.Parse("http://site.test/dir/page.html")

// FuzzSniffMatchesCharset: the sniff in two parts (decodeHTML, then the
// walk's metaSniff) settles on the encoding htmlCharset gives in one.
func FuzzSniffMatchesCharset(f *testing.F) {
	for _, s := range []string{
		`<meta charset="windows-1252">`, `<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">`,
		`<meta content="charset=euc-kr" charset=big5>`, "<meta charset=utf-16><p>\xDF", "<!--<meta charset=gbk>--><p>\xC3\xA9",
		`<meta charset="x"><meta content="a;charset=koi8-r" http-equiv=content-type>`,
	} {
		f.Add(s, "")
	}
	f.Add("<p>x", "text/html; charset=bogus")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		if collyDecoded(contentType, []byte(body)) {
			return // then both are htmlCharset
		}
		_, want := htmlCharset([]byte(body), contentType)
		if _, got := readHTML([]byte(body), contentType, testPage, "crawlaudit"); got != want {
			t.Fatalf("readHTML read %q as %q, htmlCharset says %q", body, got, want)
		}
	})
}

// TestHeaderCharsetShortcut: the Content-Types headerCharset answers
// without parsing mean what charset.DetermineEncoding reads in them.
func TestHeaderCharsetShortcut(t *testing.T) {
	t.Parallel()
	for _, ct := range append(utf8ContentTypes, "TEXT/HTML; CHARSET=UTF-8") {
		if _, name, certain := charset.DetermineEncoding(nil, ct); name != "utf-8" || !certain {
			t.Errorf("DetermineEncoding(%q) = %q, %v", ct, name, certain)
		}
		if _, name, ok := headerCharset(ct); name != "utf-8" || !ok {
			t.Errorf("headerCharset(%q) = %q, %v", ct, name, ok)
		}
	}
	for _, ct := range []string{"text/html", "text/html; charset=utf-8; charset=iso-8859-2", "text/html; x=1", "text/html; charset=klingon"} {
		_, want, wantOK := charset.DetermineEncoding(nil, ct)
		if _, got, ok := headerCharset(ct); ok != wantOK || ok && got != want {
			t.Errorf("headerCharset(%q) = %q, %v; DetermineEncoding says %q, %v", ct, got, ok, want, wantOK)
		}
	}
}

func TestCSSCharsetSniffOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, contentType, body, want string
	}{
		{"BOM beats the header and @charset", "text/css; charset=iso-8859-2", "\xEF\xBB\xBF@charset \"windows-1252\";", "utf-8"},
		{"UTF-16LE BOM", "text/css", "\xFF\xFEa\x00", "utf-16le"},
		{"header beats @charset", "text/css; charset=iso-8859-2", `@charset "windows-1252";`, "iso-8859-2"},
		{"@charset", "text/css", `@charset "windows-1252"; a{}`, "windows-1252"},
		{"@charset UTF-16 is read as UTF-8", "text/css", `@charset "utf-16le"; a{}`, "utf-8"},
		{"@charset not at the start is ignored", "text/css", ` @charset "windows-1252";`, "utf-8"},
		{"@charset must use double quotes", "text/css", `@charset 'windows-1252';`, "utf-8"},
		{"unknown labels fall through to UTF-8", "text/css; charset=klingon", `@charset "vulcan";`, "utf-8"},
		{"nothing declared: UTF-8", "", `a{background:url(x.png)}`, "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, got := cssCharset([]byte(c.body), c.contentType); got != c.want {
				t.Fatalf("cssCharset = %q, want %q", got, c.want)
			}
		})
	}
}

// TestCollyDecodesDeclared pins what collyDecoded assumes about colly: it
// hands the crawler a body already decoded to UTF-8 exactly when the
// Content-Type names a charset other than UTF-8 (and leaves the others as
// they came), so decodeHTML and decodeCSS never decode twice.
func TestCollyDecodesDeclared(t *testing.T) {
	t.Parallel()
	raw := "<meta charset=windows-1252><title>Stra\xDFe</title>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("ct"))
		fmt.Fprint(w, raw)
	}))
	t.Cleanup(srv.Close)
	for _, ct := range []string{
		"text/html", "text/html; charset=windows-1252", "text/html; charset=ISO-8859-1", "text/html; charset=utf-8",
		"text/html; charset=UTF8", "text/css; charset=windows-1252", "text/css", "image/svg+xml; charset=windows-1252",
		"text/html; charset=klingon",
	} {
		c := colly.NewCollector(colly.AllowURLRevisit())
		var body []byte
		c.OnResponse(func(r *colly.Response) { body = r.Body })
		if err := c.Visit(srv.URL + "/?ct=" + url.QueryEscape(ct)); err != nil {
			t.Fatalf("%s: %v", ct, err)
		}
		if changed := string(body) != raw; changed != collyDecoded(ct, []byte(raw)) {
			t.Errorf("Content-Type %q: colly decoded the body: %v, collyDecoded says %v (%q)", ct, changed, !changed, body)
		}
		if collyDecoded(ct, []byte(raw)) && !strings.Contains(string(body), "Straße") {
			t.Errorf("Content-Type %q: colly decoded the body to %q", ct, body)
		}
	}
}

// refsOf lists a page's references as "tag url [text]".
func refsOf(info pageInfo) []string {
	var out []string
	for _, r := range info.refs {
		s := r.tag + " " + r.url
		if r.text != "" {
			s += " [" + r.text + "]"
		}
		out = append(out, s)
	}
	return out
}

func TestExtractDecodesPagesByTheirEncoding(t *testing.T) {
	t.Parallel()
	win := charmap.Windows1252
	latin2 := charmap.ISO8859_2
	sjis := japanese.ShiftJIS
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	cases := []struct {
		name        string
		contentType string
		body        string
		title       string
		refs        []string
	}{
		{
			name:  "windows-1252 by meta: path as UTF-8, query as windows-1252",
			body:  enc(t, win, `<meta charset="windows-1252"><title>Café – Straße</title><a href="/straße">Grüße</a><a href="/s?q=ß&r=é">süß</a><img src="bild-ö.png" alt="Bild “ö”">`),
			title: "Café – Straße",
			refs: []string{
				"a http://site.test/stra%C3%9Fe [Grüße]",
				"a http://site.test/s?q=%DF&r=%E9 [süß]",
				"img http://site.test/dir/bild-%C3%B6.png [Bild “ö”]",
			},
		},
		{
			name:  "the same page in UTF-8: the query is UTF-8 too",
			body:  `<meta charset="utf-8"><title>Café – Straße</title><a href="/straße">Grüße</a><a href="/s?q=ß&r=é">süß</a>`,
			title: "Café – Straße",
			refs: []string{
				"a http://site.test/stra%C3%9Fe [Grüße]",
				"a http://site.test/s?q=%C3%9F&r=%C3%A9 [süß]",
			},
		},
		{
			name:  "undeclared and not UTF-8: windows-1252",
			body:  enc(t, win, `<title>Straße</title><a href="/straße?q=ß">ß</a>`),
			title: "Straße",
			refs:  []string{"a http://site.test/stra%C3%9Fe?q=%DF [ß]"},
		},
		{
			name:  "a character the encoding lacks is sent as its reference",
			body:  enc(t, win, `<meta charset="windows-1252"><a href="/s?q=&#x65E5;&amp;r=&#x20AC;">x</a>`),
			refs:  []string{"a http://site.test/s?q=%26%2326085%3B&r=%80 [x]"},
			title: "",
		},
		{
			name:  "ISO-8859-2 by meta http-equiv",
			body:  enc(t, latin2, `<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2"><title>Łódź</title><a href="/Łódź?m=Łódź">Łódź</a>`),
			title: "Łódź",
			refs:  []string{"a http://site.test/%C5%81%C3%B3d%C5%BA?m=%A3%F3d%BC [Łódź]"},
		},
		{
			name:  "Shift_JIS by meta",
			body:  enc(t, sjis, `<meta charset="shift_jis"><title>日本語のページ</title><a href="/日本?q=日">日本語</a>`),
			title: "日本語のページ",
			refs:  []string{"a http://site.test/%E6%97%A5%E6%9C%AC?q=%93%FA [日本語]"},
		},
		{
			name:  "UTF-16 with a BOM: its query is UTF-8",
			body:  enc(t, utf16, `<title>Straße</title><a href="/straße?q=ß">ß</a>`),
			title: "Straße",
			refs:  []string{"a http://site.test/stra%C3%9Fe?q=%C3%9F [ß]"},
		},
		{
			name: "a page that claims UTF-8 and is not: U+FFFD in text, the bytes in URLs",
			body: "<meta charset=utf-8><title>Stra\xDFe</title><a href=\"/stra\xDFe?q=\xDF\" title=x>gr\xFC\xDF</a>" +
				"<img src=/i.png alt=\"\xFF\">",
			title: "Stra\uFFFDe",
			refs:  []string{"a http://site.test/stra%DFe?q=%DF [gr\uFFFD\uFFFD]", "img http://site.test/i.png [\uFFFD]"},
		},
		{
			name:        "already decoded by colly (header charset): not decoded again",
			contentType: "text/html; charset=windows-1252",
			body:        `<title>Straße</title><a href="/straße?q=ß">ß</a>`,
			title:       "Straße",
			refs:        []string{"a http://site.test/stra%C3%9Fe?q=%DF [ß]"},
		},
		{
			name:  "base href with a query in the page's encoding",
			body:  enc(t, win, `<meta charset="windows-1252"><base href="/b/?q=ß"><a href="#top">self</a><a href="x">x</a>`),
			title: "",
			refs:  []string{"a http://site.test/b/?q=%DF [self]", "a http://site.test/b/x [x]"},
		},
		{
			name:  "style in a windows-1252 page: CSS URLs are UTF-8",
			body:  enc(t, win, `<meta charset="windows-1252"><style>a{background:url(/bild-ß.png?v=ß)}</style>`),
			title: "",
			refs:  []string{"style http://site.test/bild-%C3%9F.png?v=%C3%9F"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			info := extractServedHTML([]byte(c.body), c.contentType, testPage, "crawlaudit")
			if info.title != c.title || !utf8.ValidString(info.title) {
				t.Errorf("title = %q, want %q", info.title, c.title)
			}
			got := refsOf(info)
			if strings.Join(got, "\n") != strings.Join(c.refs, "\n") {
				t.Errorf("refs:\n got %q\nwant %q", got, c.refs)
			}
			for _, r := range info.refs {
				if !utf8.ValidString(r.text) {
					t.Errorf("text %q is not UTF-8", r.text)
				}
			}
		})
	}
}

func TestExtractServedCSS(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://site.test/css/main.css")
	cases := []struct {
		name, contentType, body string
		want                    []string
	}{
		{"@charset windows-1252", "text/css", enc(t, charmap.Windows1252, `@charset "windows-1252"; a{background:url(bild-ß.png?q=ß)}`),
			[]string{"css http://site.test/css/bild-%C3%9F.png?q=%C3%9F"}},
		{"UTF-8 BOM", "text/css", "\xEF\xBB\xBFa{background:url(bild-\xC3\x9F.png)}",
			[]string{"css http://site.test/css/bild-%C3%9F.png"}},
		{"UTF-16LE BOM", "text/css", enc(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), `@import "ß.css"; a{background:url(/ß.png)}`),
			[]string{"css-import http://site.test/css/%C3%9F.css", "css http://site.test/%C3%9F.png"}},
		{"undeclared: UTF-8, bytes that are not kept in the URL", "text/css", "a{background:url(/\xDF.png)}",
			[]string{"css http://site.test/%DF.png"}},
		{"decoded by colly (header charset)", "text/css; charset=windows-1252", "a{background:url(/\xC3\x9F.png)}",
			[]string{"css http://site.test/%C3%9F.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, r := range extractServedCSS([]byte(c.body), c.contentType, base) {
				got = append(got, r.tag+" "+r.url)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

// FuzzExtractServedHTML: whatever the bytes and the charset they claim,
// extraction ends, titles and texts are valid UTF-8 and URLs are printable
// ASCII.
func FuzzExtractServedHTML(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"text/html", "<meta charset=windows-1252><title>Stra\xDFe</title><a href='/stra\xDFe?q=\xDF'>x</a>"},
		{"text/html; charset=shift_jis", "<title>\x93\xFA</title><a href='/\x93\xFA?q=\x93'>\x82</a>"},
		{"text/html; charset=utf-16", "\xFF\xFE<\x00a\x00"},
		{"text/html; charset=iso-2022-jp", "<a href='/?q=\x1b$B$\"\x1b(B'>x</a>"},
		{"text/html; charset=replacement", "<a href=/x>x</a>"},
		{"", "<meta charset=x-user-defined><a href='/?q=\xF0\x9F\x98\x80\xFF'>\xFF</a>"},
		{"text/html; charset=gb18030", "<title>\x84\x31\xA4\x37</title><a href='/?\x81'>x</a>"},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		info := extractServedHTML(body, contentType, testPage, "crawlaudit")
		if !utf8.ValidString(info.title) {
			t.Fatalf("title %q is not UTF-8", info.title)
		}
		for _, r := range info.refs {
			if !utf8.ValidString(r.text) {
				t.Fatalf("text %q is not UTF-8", r.text)
			}
			for i := 0; i < len(r.url); i++ {
				// (A space in a query is kept as written: Normalize
				// percent-encodes only non-ASCII bytes there.)
				if r.url[i] >= 0x7F || r.url[i] < ' ' {
					t.Fatalf("URL %q is not percent-encoded", r.url)
				}
			}
		}
	})
}

// charsetSite serves the pages of TestCrawlRequestsLinksAsBrowsersDo by
// their exact request target (path and query as sent), logging each.
type charsetSite struct {
	pages map[string]struct{ contentType, body string }
	mu    sync.Mutex
	log   []string
}

func (s *charsetSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.RequestURI)
	s.mu.Unlock()
	p, ok := s.pages[r.RequestURI]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	fmt.Fprint(w, p.body)
}

func (s *charsetSite) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.log...)
	sort.Strings(out)
	return out
}

// TestCrawlRequestsLinksAsBrowsersDo crawls pages in windows-1252 (declared
// by <meta charset> only, and by the header only), ISO-8859-2 and
// Shift_JIS, and a windows-1252 stylesheet: every link is requested as a
// browser would (path in UTF-8, query in the page's encoding), never with
// the page's raw bytes, and titles are stored as the pages meant them.
func TestCrawlRequestsLinksAsBrowsersDo(t *testing.T) {
	t.Parallel()
	win, latin2, sjis := charmap.Windows1252, charmap.ISO8859_2, japanese.ShiftJIS
	in := func(e encoding.Encoding, s string) string { return enc(t, e, s) }
	site := &charsetSite{pages: map[string]struct{ contentType, body string }{
		"/": {"text/html", in(win, `<!doctype html><html><head><meta charset="windows-1252"><title>Café – Straße</title>`+
			`<link rel="stylesheet" href="/style.css"></head><body>`+
			`<a href="/straße">Straße</a> <a href="/s?q=ß">Suche</a> <a href="/latin2">Lodz</a> `+
			`<a href="/sjis">Japan</a> <a href="/header">header</a></body></html>`)},
		"/stra%C3%9Fe":           {"text/html; charset=utf-8", `<title>Straße (UTF-8)</title>`},
		"/s?q=%DF":               {"text/html; charset=utf-8", `<title>Suche</title>`},
		"/header":                {"text/html; charset=windows-1252", in(win, `<title>Grüße</title><a href="/grüße?q=ü">g</a>`)},
		"/gr%C3%BC%C3%9Fe?q=%FC": {"text/html; charset=utf-8", `<title>ok</title>`},
		"/latin2": {"text/html", in(latin2, `<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">`+
			`<title>Łódź</title><a href="/Łódź?m=Łódź">Łódź</a>`)},
		"/%C5%81%C3%B3d%C5%BA?m=%A3%F3d%BC": {"text/html; charset=utf-8", `<title>ok</title>`},
		"/sjis":                             {"text/html; charset=Shift_JIS", in(sjis, `<title>日本語のページ</title><a href="/日本?q=日">日本</a>`)},
		"/%E6%97%A5%E6%9C%AC?q=%93%FA":      {"text/html; charset=utf-8", `<title>ok</title>`},
		"/style.css":                        {"text/css", in(win, `@charset "windows-1252"; body{background:url(/bild-ß.png)}`)},
		"/bild-%C3%9F.png":                  {"image/png", "png"},
	}}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)

	st := store.NewMemory()
	if _, err := Run(context.Background(), Config{Start: srv.URL + "/", NoSitemaps: true, Concurrency: 2, MaxDepth: -1}, st); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	if err := st.EachURL(func(u store.URL) error {
		got[strings.TrimPrefix(u.URL, srv.URL)] = fmt.Sprintf("%d %s", u.Status, u.Title)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/":                                 "200 Café – Straße",
		"/stra%C3%9Fe":                      "200 Straße (UTF-8)",
		"/s?q=%DF":                          "200 Suche",
		"/header":                           "200 Grüße",
		"/gr%C3%BC%C3%9Fe?q=%FC":            "200 ok",
		"/latin2":                           "200 Łódź",
		"/%C5%81%C3%B3d%C5%BA?m=%A3%F3d%BC": "200 ok",
		"/sjis":                             "200 日本語のページ",
		"/%E6%97%A5%E6%9C%AC?q=%93%FA":      "200 ok",
		"/style.css":                        "200 ",
		"/bild-%C3%9F.png":                  "200 ",
	}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("%s: got %q, want %q", u, got[u], w)
		}
	}
	for u, g := range got {
		if _, ok := want[u]; !ok && u != "/robots.txt" {
			t.Errorf("unexpected record %s: %s", u, g)
		}
	}
	for _, r := range site.requested() {
		if strings.Contains(r, "%DFe") || !strings.Contains(r, " /") {
			t.Errorf("requested %q", r)
		}
		for i := 0; i < len(r); i++ {
			if r[i] >= 0x80 {
				t.Errorf("requested raw bytes: %q", r)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("requests: %q", site.requested())
	}
}

// BenchmarkExtractServedHTML measures extraction with the encoding sniff:
// a UTF-8 page as most are served (charset in the header), the same page
// declared by <meta> only, and the page re-encoded as windows-1252.
func BenchmarkExtractServedHTML(b *testing.B) {
	rec := httptest.NewRecorder()
	synth.New(1000).ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:8080/p/500", nil))
	body := rec.Body.Bytes()
	u, _ := url.Parse("http://127.0.0.1:8080/p/500")
	cp1252 := bytes.Replace(body, []byte("charset=utf-8"), []byte("charset=windows-1252"), 1)
	if bytes.Equal(cp1252, body) {
		b.Fatal("the synthetic page declares no charset=utf-8")
	}
	for _, c := range []struct {
		name, contentType string
		body              []byte
	}{
		{"utf-8 header", "text/html; charset=utf-8", body},
		{"utf-8 meta", "text/html", body},
		{"windows-1252 meta", "text/html", cp1252},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if info := extractServedHTML(c.body, c.contentType, u, "crawlaudit"); len(info.refs) < 15 {
					b.Fatalf("refs = %d", len(info.refs))
				}
			}
		})
	}
}
