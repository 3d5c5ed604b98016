package crawler

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

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

// extractHTML parses an HTML page once and returns its title, robots
// directives, canonical and every link and asset reference, links first, in
// document order. agent is the robots product token whose meta tag applies
// besides "robots".
//
// It walks the parsed tree once, looking at each element's tag and
// attributes, rather than running a CSS selector per kind of reference:
// this is the crawler's hottest loop. References are resolved after the
// walk, against the first <base href> wherever it stands.
func extractHTML(body []byte, page *url.URL, agent string) pageInfo {
	var info pageInfo
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return info
	}
	w := htmlWalk{info: &info, agent: agent}
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

// htmlWalk collects what extractHTML needs in one pass over the tree.
type htmlWalk struct {
	info     *pageInfo
	agent    string
	base     *string // the first <base href>
	hasTitle bool
	raw      []rawRef
}

// walk visits n and its descendants in document order; chrome counts the
// header, nav, footer and aside elements n is inside.
func (w *htmlWalk) walk(n *html.Node, chrome int) {
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

func (w *htmlWalk) add(typ store.EdgeType, raw, tag, text string, mode parseMode) {
	w.raw = append(w.raw, rawRef{url: raw, typ: typ, tag: tag, text: text, parse: mode})
}

func (w *htmlWalk) element(n *html.Node, chrome int) {
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
			w.info.title = clip(collapse(textOf(n)), maxTitle)
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
			w.add(store.EdgeLink, href, "a", textOf(n), parseNone)
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
		w.raw = append(w.raw, rawRef{url: textOf(n), typ: store.EdgeAsset, tag: "style", css: true})
	}
	if style, ok := attr("style"); ok && n.DataAtom != atom.Style {
		w.raw = append(w.raw, rawRef{url: style, typ: store.EdgeAsset, tag: "style-attr", css: true})
	}
}

// textOf is the text of n's descendants, concatenated (as the DOM's
// textContent).
func textOf(n *html.Node) string {
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

var (
	cssURL    = regexp.MustCompile(`(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)`)
	cssImport = regexp.MustCompile(`(?i)@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|"([^"]*)"|'([^']*)')`)
)

// extractCSS returns the url(...) and @import references of a stylesheet,
// style element or style attribute, resolved against base. Imported
// stylesheets are marked for parsing.
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

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

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
