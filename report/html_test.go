package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// parseHTML renders r as report.html and parses it.
func parseHTML(t *testing.T, r store.Reader, opt Options) (*html.Node, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, newCrawl(r, opt)); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, buf.String()
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if v, ok := attr(n, "id"); ok && v == id && found == nil {
			found = n
		}
	})
	return found
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// TestWriteHTMLIsSelfContained: opening the report must make no request of
// any kind: no element loads anything, only links the reader clicks point
// out, and the CSP allows nothing but the page's own script (by hash).
func TestWriteHTMLIsSelfContained(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Options{"plain": {}, "since last crawl": {Job: Job{Diff: sinceFixture()}}} {
		t.Run(name, func(t *testing.T) { checkSelfContained(t, opt) })
	}
}

func checkSelfContained(t *testing.T, opt Options) {
	doc, _ := parseHTML(t, newFixture(t), opt)
	var csp string
	scripts := 0
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.DataAtom {
		case atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.Link, atom.Video, atom.Audio, atom.Source, atom.Base, atom.Form:
			t.Errorf("element <%s> in report.html", n.Data)
		case atom.Meta:
			if v, _ := attr(n, "http-equiv"); v == "Content-Security-Policy" {
				csp, _ = attr(n, "content")
			}
		case atom.Script:
			scripts++
			if _, ok := attr(n, "src"); ok {
				t.Error("script with src")
			}
			if typ, _ := attr(n, "type"); typ != "application/json" {
				sum := sha256.Sum256([]byte(text(n)))
				hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
				if !strings.Contains(csp, "script-src "+hash) {
					t.Errorf("the page script's hash %s is not the CSP's script-src: %q", hash, csp)
				}
			}
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "src" || a.Key == "srcset" || a.Key == "xlink:href" || a.Key == "action":
				t.Errorf("<%s %s=%q> would load something", n.Data, a.Key, a.Val)
			case a.Key == "href" && n.DataAtom != atom.A:
				t.Errorf("<%s href=%q>", n.Data, a.Val)
			case a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://"):
				t.Errorf("link to %q", a.Val)
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("event handler attribute %s on <%s>", a.Key, n.Data)
			case a.Key == "style" && strings.Contains(a.Val, "url("):
				t.Errorf("style loads %q", a.Val)
			}
		}
	})
	if !strings.HasPrefix(csp, "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-") {
		t.Errorf("CSP = %q", csp)
	}
	if scripts != 3 {
		t.Errorf("%d script elements, want 3 (two JSON data islands and the table script)", scripts)
	}
}

func TestWriteHTMLShowsTheCrawl(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	rules := []RuleInfo{{ID: "broken-link", Severity: store.SeverityError, When: "a linked URL answers 404 or 410", Fix: "fix or remove the links"}}
	doc, _ := parseHTML(t, m, Options{Rules: rules, HTML: HTMLOptions{Rows: 3}})
	sum, err := Summarize(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	bud, err := ComputeBudget(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("efficiency figure and numbers come first", func(t *testing.T) {
		eff := byID(doc, "efficiency")
		if eff == nil {
			t.Fatal("no #efficiency")
		}
		if got, want := text(eff), pctText(bud.Efficiency); got != want {
			t.Errorf("efficiency shows %q, want %q", got, want)
		}
		for id, want := range map[string]int{"requests": bud.Requests, "indexable": bud.Indexable, "wasted": bud.Wasted, "urls": sum.URLs, "findings": sum.Findings} {
			if n := byID(doc, id); n == nil || text(n) != itoa(want) {
				t.Errorf("#%s shows %v, want %d", id, n, want)
			}
		}
	})
	t.Run("both charts have a bar per status and section", func(t *testing.T) {
		for id, want := range map[string]int{"status-chart": 7, // 200 301 401 403 404 blocked, no answer
			"section-chart": len(bud.Sections)} {
			c := byID(doc, id)
			if c == nil {
				t.Fatalf("no #%s", id)
			}
			bars := 0
			walk(c, func(n *html.Node) {
				if v, _ := attr(n, "class"); n.Data == "g" && v == "bar" {
					bars++
				}
			})
			if bars != want {
				t.Errorf("#%s has %d bars, want %d", id, bars, want)
			}
		}
	})
	t.Run("findings are grouped by rule with the rule's texts", func(t *testing.T) {
		g := byID(doc, "rule-broken-link-error")
		if g == nil {
			t.Fatal("no broken-link group")
		}
		s := text(g)
		for _, want := range []string{"a linked URL answers 404 or 410", "fix or remove the links", "answered 404", "https://example.test/"} {
			if !strings.Contains(s, want) {
				t.Errorf("broken-link group lacks %q:\n%s", want, s)
			}
		}
		groups := 0
		walk(doc, func(n *html.Node) {
			if _, ok := attr(n, "data-rule"); ok {
				groups++
			}
		})
		if groups != len(sum.FindingsByRule) {
			t.Errorf("%d rule groups, want %d", groups, len(sum.FindingsByRule))
		}
	})
	t.Run("every URL is in the data island, the first rows also as HTML", func(t *testing.T) {
		var rows [][]any
		if err := json.Unmarshal([]byte(text(byID(doc, "url-data"))), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != sum.URLs {
			t.Fatalf("%d rows in the data island, want %d", len(rows), sum.URLs)
		}
		titles := map[string]bool{}
		for _, r := range rows {
			titles[r[7].(string)] = true
		}
		if !titles["Home <script>alert(1)</script>"] {
			t.Errorf("the hostile title did not survive as data: %v", titles)
		}
		tbody := 0
		walk(byID(doc, "url-table"), func(n *html.Node) {
			if n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody {
				tbody++
			}
		})
		if tbody != 3 {
			t.Errorf("%d rows rendered as HTML, want 3 (HTMLOptions.Rows)", tbody)
		}
		if note := byID(doc, "nojs-note"); note == nil || !strings.Contains(text(note), "first 3 of 11 URLs") || !strings.Contains(text(note), "urls.csv") {
			t.Errorf("no-JavaScript note = %v", note)
		}
	})
}

func pctText(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// TestWriteHTMLRunsNoCrawledMarkup: the fixture's title carries a <script>;
// nothing of it may become markup.
func TestWriteHTMLRunsNoCrawledMarkup(t *testing.T) {
	t.Parallel()
	doc, raw := parseHTML(t, newFixture(t), Options{})
	if strings.Contains(raw, "<script>alert") {
		t.Error("raw <script>alert in the output")
	}
	walk(doc, func(n *html.Node) {
		if n.DataAtom == atom.Script && strings.Contains(text(n), "alert(1)") {
			if typ, _ := attr(n, "type"); typ != "application/json" {
				t.Errorf("crawled script became a script element: %q", text(n))
			}
		}
	})
}

func TestWriteHTMLWriteError(t *testing.T) {
	t.Parallel()
	if err := WriteHTML(errWriter{}, newCrawl(newFixture(t), Options{})); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

func TestWriteHTMLExplainsRulesFromOptions(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	opt := Options{Rules: []RuleInfo{{ID: "broken-link", When: "WHEN-TEXT", Fix: "FIX-TEXT"}}}
	if err := WriteHTML(&buf, newCrawl(newFixture(t), opt)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "WHEN-TEXT") || !strings.Contains(buf.String(), "FIX-TEXT") {
		t.Error("rule texts missing from report.html")
	}
	buf.Reset()
	if err := WriteHTML(&buf, newCrawl(newFixture(t), Options{})); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "WHEN-TEXT") {
		t.Error("rule texts of one Crawl's options reached another")
	}
}

func TestWriteHTMLCapsReferrersPerFinding(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	var refs []string
	for i := 0; i < 25; i++ {
		refs = append(refs, fmt.Sprintf("https://example.test/nav/%02d", i))
	}
	if err := m.PutFindings([]store.Finding{{Rule: "broken-link", Severity: store.SeverityError, URL: fxLong, Message: "answered 404", Referrers: refs}}); err != nil {
		t.Fatal(err)
	}
	doc, _ := parseHTML(t, m, Options{})
	g := byID(doc, "rule-broken-link-error")
	if g == nil {
		t.Fatal("no broken-link group")
	}
	items := 0
	walk(g, func(n *html.Node) {
		if n.DataAtom == atom.Li {
			items++
		}
	})
	s := text(g)
	if items != maxFindingReferrers+1 || !strings.Contains(s, "nav/09") || strings.Contains(s, "nav/10") || !strings.Contains(s, "and 15 more") {
		t.Errorf("%d list items; text:\n%s", items, s)
	}
}
