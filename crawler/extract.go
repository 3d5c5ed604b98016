package crawler

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// parseMode says what to do with a fetched body.
type parseMode uint8

const (
	parseNone parseMode = iota
	parseHTML
	parseCSS
)

// ref is one reference found in a page or stylesheet, resolved and
// normalised.
type ref struct {
	url   string
	typ   store.EdgeType
	tag   string
	text  string
	parse parseMode // for assets: stylesheets are parsed for url()/@import
}

// pageInfo is what a crawled HTML page tells about itself and its links.
type pageInfo struct {
	title     string
	noindex   bool
	canonical string
	loginForm bool // a password field outside header, nav, footer and aside: the page is a login form
	refs      []ref
}

// maxTitle bounds the title kept per page (hostile pages send megabytes).
const maxTitle = 512

// maxText bounds anchor text kept per edge.
const maxText = 200

// linkRels are the rel values of <link> that are links to follow (not assets).
var linkRels = []string{"canonical", "alternate", "next", "prev"}

// assetRels are the rel values of <link> whose href is an asset the page uses.
var assetRels = []string{"stylesheet", "icon", "apple-touch-icon", "preload", "modulepreload", "manifest"}

// extractServedHTML reads an HTML page once and returns its title, robots
// directives, canonical and every link and asset reference, links first, in
// document order. contentType is the response's Content-Type header, whose
// charset decodeHTML honours with the rest of the HTML standard's encoding
// sniff; agent is the robots product token whose meta tag applies besides
// "robots".
//
// It decodes the page to UTF-8 (a UTF-8 page, nearly every page, is read
// in place) and runs the HTML tokenizer over it once, looking at each start
// tag's name and attributes (as the parser's tree would show them: names
// lower-cased, entities decoded; script, style, title, textarea, noscript
// and the like hold raw text), without building the tree: this is the
// crawler's hottest loop. References are resolved after the pass, against
// the first <base href> wherever it stands, as the URL standard says for a
// document in the page's encoding (urlx.ResolveIn). The title and anchor
// texts are valid UTF-8.
func extractServedHTML(body []byte, contentType string, page *url.URL, agent string) pageInfo {
	info, _ := readHTML(body, contentType, page, agent)
	return info
}

// readHTML is extractServedHTML; it also returns the WHATWG name of the
// encoding the page was read in.
func readHTML(body []byte, contentType string, page *url.URL, agent string) (pageInfo, string) {
	doc, tentative := decodeHTML(body, contentType)
	for {
		var info pageInfo
		w := htmlWalk{info: &info, agent: agent, anchor: -1}
		if tentative {
			w.sniff = &metaSniff{body: body}
		}
		w.run(html.NewTokenizer(bytes.NewReader(doc.text)))
		if w.sniff != nil && w.sniff.result != "utf-8" {
			// The sniff settled on another encoding: decode the page and
			// read it again (at most once: the encoding is now certain).
			enc, name := charset.Lookup(w.sniff.result)
			doc, tentative = decoded{text: toUTF8(body, enc, name), charset: name}, false
			continue
		}
		w.charset = doc.queryCharset()
		w.resolve(page)
		return info, doc.charset
	}
}

// extractHTML is extractServedHTML for a page served without a charset in
// its Content-Type.
func extractHTML(body []byte, page *url.URL, agent string) pageInfo {
	return extractServedHTML(body, "", page, agent)
}

// resolve resolves the references the walk found against the page (or its
// first http(s) <base href>) into w.info: the canonical, then the links
// and the assets, each in document order.
func (w *htmlWalk) resolve(page *url.URL) {
	base := page
	if w.base != nil {
		if b, err := urlx.ResolveIn(page, *w.base, w.charset); err == nil {
			if u, err := url.Parse(b); err == nil {
				base = u
			}
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
		u, err := urlx.ResolveIn(base, r.url, w.charset)
		if err != nil {
			continue
		}
		if r.canonical && w.info.canonical == "" {
			w.info.canonical = u
		}
		*list = append(*list, ref{url: u, typ: r.typ, tag: r.tag, text: cleanText(r.text, maxText), parse: r.parse})
	}
	w.info.refs = append(links, assets...)
}

// rawRef is a reference as it stands in the page, before resolution.
type rawRef struct {
	url       string // the attribute value, or CSS text when css
	typ       store.EdgeType
	tag       string
	text      string
	parse     parseMode
	css       bool // url is CSS (a style element or attribute) to scan for url() and @import
	canonical bool // <link rel=canonical>
}

// referenceTags are the elements whose attributes element reads (besides
// style, read on every element).
var referenceTags = map[atom.Atom]bool{
	atom.Base: true, atom.Meta: true, atom.Input: true, atom.A: true, atom.Area: true, atom.Iframe: true, atom.Link: true,
	atom.Img: true, atom.Source: true, atom.Script: true, atom.Video: true, atom.Audio: true, atom.Track: true,
	atom.Embed: true, atom.Object: true,
}

// maxRawText bounds the text gathered for one anchor, title or style
// element before it is collapsed and clipped: a hostile page may never
// close its <a>.
const maxRawText = 64 << 10

// htmlWalk collects what extractHTML needs in one pass over the tokens.
type htmlWalk struct {
	info     *pageInfo
	agent    string
	charset  string     // the page's encoding for link queries; "" for UTF-8
	sniff    *metaSniff // while the page's encoding is tentative, or nil
	base     *string    // the first <base href>
	hasTitle bool
	raw      []rawRef
	attrs    []html.Attribute // the current tag's attributes (reused)

	chrome int          // header, nav, footer and aside elements open
	anchor int          // index in raw of the open <a>, or -1
	text   []byte       // text of the open <title> or <style>
	inTag  atom.Atom    // the raw-text element open (title, style), whose end tag closes it
	aText  bytes.Buffer // the open <a>'s text
}

// run reads every token of z. While the page's encoding is tentative
// (w.sniff), it stops as soon as the sniff settles on another encoding:
// the page is then read again.
func (w *htmlWalk) run(z *html.Tokenizer) {
	for {
		tt := z.Next()
		if w.sniff != nil {
			w.sniff.read += len(z.Raw())
			if tt == html.ErrorToken && w.sniff.settle() != "utf-8" {
				return
			}
		}
		switch tt {
		case html.ErrorToken:
			w.closeAnchor()
			w.closeRaw()
			return
		case html.TextToken:
			t := z.Text()
			if w.inTag != 0 && len(w.text) < maxRawText {
				w.text = append(w.text, t[:min(len(t), maxRawText-len(w.text))]...)
			}
			if w.anchor >= 0 && w.aText.Len() < maxRawText {
				w.aText.Write(t[:min(len(t), maxRawText-w.aText.Len())])
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			a := atom.Lookup(name)
			// Every attribute of the elements element looks at; of the
			// others (div, span, p…), only a style attribute.
			all := referenceTags[a]
			w.attrs = w.attrs[:0]
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if all || string(k) == "style" {
					w.attrs = append(w.attrs, html.Attribute{Key: string(k), Val: string(v)})
				}
			}
			if all || len(w.attrs) > 0 {
				w.element(a, string(name))
			}
			switch a {
			case atom.Header, atom.Nav, atom.Footer, atom.Aside:
				w.chrome++
			case atom.Title, atom.Style:
				// The tokenizer reads their content as raw text, up to
				// the matching end tag.
				w.closeRaw()
				w.inTag, w.text = a, w.text[:0]
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Header, atom.Nav, atom.Footer, atom.Aside:
				if w.chrome > 0 {
					w.chrome--
				}
			case atom.A:
				w.closeAnchor()
			case atom.Title, atom.Style:
				if w.inTag == a {
					w.closeRaw()
				}
			}
		}
		if s := w.sniff; s != nil && (s.result != "" || s.read > sniffLen) {
			if s.settle() != "utf-8" {
				return
			}
			w.sniff = nil // UTF-8 it is
		}
	}
}

// closeAnchor ends the open <a>: its text is what was read since it opened.
func (w *htmlWalk) closeAnchor() {
	if w.anchor >= 0 {
		w.raw[w.anchor].text = w.aText.String()
		w.anchor = -1
	}
	w.aText.Reset()
}

// closeRaw ends the open <title> or <style>.
func (w *htmlWalk) closeRaw() {
	switch w.inTag {
	case atom.Title:
		if !w.hasTitle {
			w.hasTitle = true
			w.info.title = cleanText(string(w.text), maxTitle)
		}
	case atom.Style:
		w.raw = append(w.raw, rawRef{url: string(w.text), typ: store.EdgeAsset, tag: "style", css: true})
	}
	w.inTag = 0
}

func (w *htmlWalk) attr(key string) (string, bool) {
	for _, a := range w.attrs {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func (w *htmlWalk) get(key string) string { v, _ := w.attr(key); return v }

func (w *htmlWalk) add(typ store.EdgeType, raw, tag, text string, mode parseMode) {
	w.raw = append(w.raw, rawRef{url: raw, typ: typ, tag: tag, text: text, parse: mode})
}

// element looks at one start tag a (name, when a is not a known atom).
func (w *htmlWalk) element(a atom.Atom, name string) {
	attr, get := w.attr, w.get
	switch a {
	case atom.Base:
		if href, ok := attr("href"); ok && w.base == nil {
			w.base = &href
		}
	case atom.Meta:
		if w.sniff != nil && w.sniff.read <= sniffLen {
			w.sniff.meta(attr)
		}
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
		if typ, ok := attr("type"); ok && strings.EqualFold(typ, "password") && w.chrome == 0 {
			w.info.loginForm = true
		}
	case atom.A:
		// An <a> closes one still open (the parser does the same).
		w.closeAnchor()
		if href, ok := attr("href"); ok {
			w.anchor = len(w.raw)
			w.add(store.EdgeLink, href, "a", "", parseNone)
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
			w.add(store.EdgeAsset, src, name, "", parseNone)
		}
	case atom.Object:
		if data, ok := attr("data"); ok {
			w.add(store.EdgeAsset, data, "object", "", parseNone)
		}
	}
	if style, ok := attr("style"); ok && a != atom.Style {
		w.raw = append(w.raw, rawRef{url: style, typ: store.EdgeAsset, tag: "style-attr", css: true})
	}
}

var (
	cssURL    = regexp.MustCompile(`(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)`)
	cssImport = regexp.MustCompile(`(?i)@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|"([^"]*)"|'([^']*)')`)
)

// extractServedCSS returns the references of a fetched stylesheet (see
// extractCSS), decoded to UTF-8 as decodeCSS says from its bytes and its
// Content-Type header.
func extractServedCSS(body []byte, contentType string, base *url.URL) []ref {
	return extractCSS(string(decodeCSS(body, contentType)), base)
}

// extractCSS returns the url(...) and @import references of a stylesheet,
// style element or style attribute (UTF-8 text), resolved against base.
// Their queries are UTF-8 whatever the stylesheet's or page's encoding:
// CSS parses url() with the plain URL parser. Imported stylesheets are
// marked for parsing.
func extractCSS(css string, base *url.URL) []ref {
	var out []ref
	imported := map[int]bool{}
	for _, m := range cssImport.FindAllStringSubmatchIndex(css, -1) {
		raw := firstGroup(css, m)
		if u, err := urlx.Resolve(base, raw); err == nil {
			out = append(out, ref{url: u, typ: store.EdgeAsset, tag: "css-import", parse: parseCSS})
		}
		imported[m[0]] = true
		// the url( inside "@import url(x)" must not count twice
		if i := strings.Index(strings.ToLower(css[m[0]:m[1]]), "url("); i >= 0 {
			imported[m[0]+i] = true
		}
	}
	for _, m := range cssURL.FindAllStringSubmatchIndex(css, -1) {
		if imported[m[0]] {
			continue
		}
		raw := firstGroup(css, m)
		if u, err := urlx.Resolve(base, raw); err == nil {
			out = append(out, ref{url: u, typ: store.EdgeAsset, tag: "css", parse: parseNone})
		}
	}
	return out
}

func firstGroup(s string, m []int) string {
	for i := 2; i+1 < len(m); i += 2 {
		if m[i] >= 0 {
			return s[m[i]:m[i+1]]
		}
	}
	return ""
}

// parseSrcset returns the URLs of a srcset attribute, following the HTML
// standard's candidate parsing: a URL runs to the next whitespace (a
// trailing comma ends it), descriptors run to the next comma outside
// parentheses.
func parseSrcset(s string) []string {
	var out []string
	i := 0
	for i < len(s) {
		for i < len(s) && (isSpace(s[i]) || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
		u := s[start:i]
		trailingComma := strings.HasSuffix(u, ",")
		u = strings.TrimRight(u, ",")
		if u != "" {
			out = append(out, u)
		}
		if trailingComma {
			continue
		}
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '(':
				depth++
			case ')':
				if depth > 0 {
					depth--
				}
			case ',':
				if depth == 0 {
					i++
					goto next
				}
			}
			i++
		}
	next:
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

// hasNoindex reports whether a robots directive list says noindex (or none).
func hasNoindex(content string) bool {
	for _, d := range strings.FieldsFunc(strings.ToLower(content), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if d == "noindex" || d == "none" {
			return true
		}
	}
	return false
}

// xRobotsNoindex reports whether X-Robots-Tag values say noindex for all
// crawlers or for agent ("googlebot: noindex").
func xRobotsNoindex(values []string, agent string) bool {
	for _, v := range values {
		v = strings.ToLower(v)
		if name, rest, ok := strings.Cut(v, ":"); ok && !strings.ContainsAny(name, ", ") {
			if strings.TrimSpace(name) != agent {
				continue
			}
			v = rest
		}
		if hasNoindex(v) {
			return true
		}
	}
	return false
}

// cleanText returns text kept for people (a title, an anchor text): valid
// UTF-8 (validText), white space collapsed, at most n bytes and an
// ellipsis.
func cleanText(s string, n int) string {
	if !collapsed(s) { // collapsed text is ASCII, hence UTF-8
		s = collapse(validText(s))
	}
	return clip(s, n)
}

// validText returns s with each byte that is not part of a UTF-8 sequence
// replaced by U+FFFD: text kept for people (titles, anchor texts) is valid
// UTF-8 even when a page that claims UTF-8 is not. URLs keep such bytes,
// percent-encoded.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// collapse trims s and turns each run of white space into one space.
func collapse(s string) string {
	if collapsed(s) {
		return s // the usual case, without a copy
	}
	return strings.Join(strings.Fields(s), " ")
}

// collapsed reports whether s is ASCII with no white space but single
// spaces between words.
func collapsed(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80 || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' '):
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
