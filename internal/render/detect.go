package render

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Thresholds of NeedsRendering.
const (
	// detectMaxBytes is how much of a page NeedsRendering reads.
	detectMaxBytes = 2 << 20
	// almostEmpty is the most characters of visible body text a page with
	// scripts may have and still count as an empty shell.
	almostEmpty = 100
	// thinText is the most characters of visible body text a page may have
	// for its <noscript> "enable JavaScript" message to count: a page
	// rendered on the server often keeps that message with all its content.
	thinText = 500
)

// appRoots are the ids single-page application frameworks mount on:
// Create React App and Vite (root, app), Next.js (__next), Nuxt (__nuxt,
// __layout), Gatsby (___gatsby), Angular CLI's default (app-root is an
// element name, matched separately).
var appRoots = map[string]bool{"root": true, "app": true, "__next": true, "__nuxt": true, "__layout": true, "___gatsby": true, "main-app": true}

// enableJS matches what a <noscript> says when the page needs JavaScript.
var enableJS = regexp.MustCompile(`(?i)(enable|turn on|activate|allow)\s+javascript|javascript\s+(is\s+)?(required|disabled|must be enabled|needs to be enabled|is not enabled|is off)|(requires?|needs?)\s+javascript|without\s+javascript`)

// NeedsRendering is the --render=auto heuristic: it reports whether a page's
// raw HTML (as served, before any script ran) looks like a shell that
// JavaScript fills in, and why. It reads at most the first 2 MiB, and
// answers true with the first reason that applies:
//
//   - "empty app root <div id=…>": the body's only element (scripts, styles,
//     <noscript> and <template> aside) is a <div> with an id a framework
//     mounts on (root, app, __next, __nuxt, __layout, ___gatsby, main-app),
//     or an Angular <app-root>, and it holds no text;
//   - "noscript asks to enable JavaScript": a <noscript> says the page needs
//     JavaScript ("enable JavaScript", "JavaScript is required", …) and the
//     body has little visible text (under 500 characters outside
//     <noscript>);
//   - "almost empty body (N characters of text)": the body has under 100
//     characters of visible text and the page has at least one <script>.
//
// Otherwise it returns false and "". Visible text is the text of the body
// outside script, style, noscript, template and svg, with runs of spaces
// counted once.
func NeedsRendering(rawHTML []byte) (bool, string) {
	if len(rawHTML) > detectMaxBytes {
		rawHTML = rawHTML[:detectMaxBytes]
	}
	doc, err := html.Parse(bytes.NewReader(rawHTML))
	if err != nil {
		return false, ""
	}
	var body *html.Node
	scripts := 0
	noscriptJS := false
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Body:
			if body == nil {
				body = n
			}
		case atom.Script:
			scripts++
		case atom.Noscript:
			// Inside <head> (and with scripting off) the parser keeps a
			// noscript's content as text; in the body as elements.
			if enableJS.MatchString(allText(n)) {
				noscriptJS = true
			}
		}
	}
	if body == nil {
		return false, ""
	}
	text := visibleText(body)
	if root := appRoot(body); root != "" {
		return true, "empty app root " + root
	}
	if noscriptJS && text < thinText {
		return true, "noscript asks to enable JavaScript"
	}
	if scripts > 0 && text < almostEmpty {
		return true, "almost empty body (" + itoa(text) + " characters of text)"
	}
	return false, ""
}

// VisibleTextLength is the characters of visible text of a page's raw
// HTML body as NeedsRendering counts them (runs of spaces once; script,
// style, noscript, template and svg aside), read from at most the first
// 2 MiB: what --render=auto compares a sample's rendered text with.
func VisibleTextLength(rawHTML []byte) int {
	if len(rawHTML) > detectMaxBytes {
		rawHTML = rawHTML[:detectMaxBytes]
	}
	doc, err := html.Parse(bytes.NewReader(rawHTML))
	if err != nil {
		return 0
	}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			return visibleText(n)
		}
	}
	return 0
}

// appRoot returns the body's app mount point ("<div id=\"root\">") when it is
// the body's only element and holds no text, else "".
func appRoot(body *html.Node) string {
	var only *html.Node
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return ""
			}
		case html.ElementNode:
			if skipped(c) || c.DataAtom == atom.Link || c.DataAtom == atom.Meta {
				continue
			}
			if only != nil {
				return ""
			}
			only = c
		}
	}
	if only == nil || visibleText(only) > 0 {
		return ""
	}
	if only.Data == "app-root" {
		return "<app-root>"
	}
	if only.DataAtom != atom.Div {
		return ""
	}
	for _, a := range only.Attr {
		if a.Namespace == "" && a.Key == "id" && appRoots[a.Val] {
			return `<div id="` + a.Val + `">`
		}
	}
	return ""
}

// skipped reports whether an element's content is never visible text.
func skipped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg:
		return true
	}
	return false
}

// visibleText counts the characters of the text under n outside skipped
// elements, counting each run of white space once.
func visibleText(n *html.Node) int {
	count := 0
	space := true
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				for _, r := range c.Data {
					if unicode.IsSpace(r) {
						if !space {
							count++
							space = true
						}
						continue
					}
					count++
					space = false
				}
			case html.ElementNode:
				if !skipped(c) {
					walk(c)
				}
			}
		}
	}
	walk(n)
	if space && count > 0 {
		count-- // a trailing run of spaces
	}
	return count
}

// allText returns the text under n, element content included.
func allText(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode && b.Len() < 4096 {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	}
	s := b.String()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
