package crawler

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"

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
func extractHTML(body []byte, page *url.URL, agent string) pageInfo {
	var info pageInfo
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return info
	}
	base := page
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := page.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			base = b
		}
	}
	info.title = clip(collapse(doc.Find("title").First().Text()), maxTitle)
	doc.Find("meta[name][content]").Each(func(_ int, s *goquery.Selection) {
		name := strings.ToLower(strings.TrimSpace(s.AttrOr("name", "")))
		if name == "robots" || name == agent {
			if hasNoindex(s.AttrOr("content", "")) {
				info.noindex = true
			}
		}
	})

	// A login box in the site's header or footer does not make a page a
	// login wall; a password field in the page's own content does.
	doc.Find(`input[type="password" i]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.ParentsFiltered("header, nav, footer, aside").Length() == 0 {
			info.loginForm = true
		}
		return !info.loginForm
	})

	var links, assets []ref
	add := func(list *[]ref, raw string, typ store.EdgeType, tag, text string, mode parseMode) {
		u, err := urlx.Resolve(base, raw)
		if err != nil {
			return
		}
		*list = append(*list, ref{url: u, typ: typ, tag: tag, text: clip(collapse(text), maxText), parse: mode})
	}
	doc.Find("a[href], area[href], iframe[src], link[href], img, picture source[srcset], source, script[src], video, audio[src], track[src], embed[src], object[data], [style], style").Each(func(_ int, s *goquery.Selection) {
		node := s.Get(0)
		tag := node.Data
		switch tag {
		case "a":
			add(&links, s.AttrOr("href", ""), store.EdgeLink, "a", s.Text(), parseNone)
		case "area":
			add(&links, s.AttrOr("href", ""), store.EdgeLink, "area", s.AttrOr("alt", ""), parseNone)
		case "iframe":
			add(&links, s.AttrOr("src", ""), store.EdgeLink, "iframe", s.AttrOr("title", ""), parseNone)
		case "link":
			rels := strings.Fields(strings.ToLower(s.AttrOr("rel", "")))
			href := s.AttrOr("href", "")
			for _, r := range rels {
				if contains(linkRels, r) {
					if r == "canonical" && info.canonical == "" {
						if c, err := urlx.Resolve(base, href); err == nil {
							info.canonical = c
						}
					}
					add(&links, href, store.EdgeLink, "link[rel="+r+"]", "", parseNone)
					break
				}
				if contains(assetRels, r) {
					mode := parseNone
					if r == "stylesheet" {
						mode = parseCSS
					}
					add(&assets, href, store.EdgeAsset, "link[rel="+r+"]", "", mode)
					break
				}
			}
		case "img":
			if src, ok := s.Attr("src"); ok {
				add(&assets, src, store.EdgeAsset, "img", s.AttrOr("alt", ""), parseNone)
			}
			for _, c := range parseSrcset(s.AttrOr("srcset", "")) {
				add(&assets, c, store.EdgeAsset, "img[srcset]", s.AttrOr("alt", ""), parseNone)
			}
		case "source":
			if src, ok := s.Attr("src"); ok {
				add(&assets, src, store.EdgeAsset, "source", "", parseNone)
			}
			for _, c := range parseSrcset(s.AttrOr("srcset", "")) {
				add(&assets, c, store.EdgeAsset, "source[srcset]", "", parseNone)
			}
		case "script":
			add(&assets, s.AttrOr("src", ""), store.EdgeAsset, "script", "", parseNone)
		case "video":
			if src, ok := s.Attr("src"); ok {
				add(&assets, src, store.EdgeAsset, "video", "", parseNone)
			}
			if p, ok := s.Attr("poster"); ok {
				add(&assets, p, store.EdgeAsset, "video[poster]", "", parseNone)
			}
		case "audio", "track", "embed":
			add(&assets, s.AttrOr("src", ""), store.EdgeAsset, tag, "", parseNone)
		case "object":
			add(&assets, s.AttrOr("data", ""), store.EdgeAsset, "object", "", parseNone)
		case "style":
			for _, r := range extractCSS(s.Text(), base) {
				r.tag = "style"
				assets = append(assets, r)
			}
		}
		if style, ok := s.Attr("style"); ok && tag != "style" {
			for _, r := range extractCSS(style, base) {
				r.tag = "style-attr"
				assets = append(assets, r)
			}
		}
	})
	info.refs = append(links, assets...)
	return info
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
