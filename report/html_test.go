package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
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

// tocLink is a link of the table of contents to one of the page's own
// sections: the only href that is not a crawled URL.
var tocLink = regexp.MustCompile(`^#(issues|url-spaces|since-last-crawl|authentication|budget|findings-by-rule|all-urls)$`)

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
			case a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") && !tocLink.MatchString(a.Val):
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

	t.Run("the budget shows the efficiency figure, the header the counts", func(t *testing.T) {
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
		walk(byID(doc, "findings-by-rule"), func(n *html.Node) {
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

// elementIDs lists, in document order, the ids of the elements of doc
// whose tag is tag.
func elementIDs(doc *html.Node, tag atom.Atom) []string {
	var ids []string
	walk(doc, func(n *html.Node) {
		if n.DataAtom == tag {
			id, _ := attr(n, "id")
			ids = append(ids, id)
		}
	})
	return ids
}

// TestWriteHTMLLeadsWithIssues: under the header and the contents, the
// first section is "What to fix first"; the URL spaces, the comparison,
// Authentication, the budget, the findings by rule and the URL table
// follow, in that order.
func TestWriteHTMLLeadsWithIssues(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		opt  Options
		want []string
	}{
		"plain":            {Options{}, []string{"issues", "url-spaces", "authentication", "budget", "findings-by-rule", "all-urls"}},
		"since last crawl": {Options{Job: Job{Diff: sinceFixture()}}, []string{"issues", "url-spaces", "since-last-crawl", "authentication", "budget", "findings-by-rule", "all-urls"}},
	} {
		t.Run(name, func(t *testing.T) {
			doc, raw := parseHTML(t, newFixture(t), c.opt)
			if got := elementIDs(doc, atom.Section); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("sections %q, want %q", got, c.want)
			}
			// In the bytes too: the issue list's heading comes before the
			// budget's and before the findings by rule.
			at := func(s string) int {
				i := strings.Index(raw, s)
				if i < 0 {
					t.Fatalf("%q not in report.html", s)
				}
				return i
			}
			if issues, budget, rules := at("<h2>What to fix first</h2>"), at("<h2>Crawl budget</h2>"), at("<h2>Findings by rule</h2>"); issues > budget || issues > rules {
				t.Errorf("What to fix first at byte %d, the budget at %d, findings by rule at %d", issues, budget, rules)
			}
			// Before the issues: only the header and the contents.
			body := byID(doc, "issues").Parent
			var before []string
			for n := body.FirstChild; n != nil && n != byID(doc, "issues"); n = n.NextSibling {
				if n.Type == html.ElementNode {
					before = append(before, n.Data)
				}
			}
			if strings.Join(before, " ") != "header nav" {
				t.Errorf("before the issue list: %q, want the header and the contents", before)
			}
			// Each entry of the contents names a section of the page.
			var targets []string
			walk(byID(doc, "toc"), func(n *html.Node) {
				if to, ok := attr(n, "href"); ok {
					targets = append(targets, strings.TrimPrefix(to, "#"))
				}
			})
			if strings.Join(targets, " ") != strings.Join(c.want, " ") {
				t.Errorf("contents %q, want %q", targets, c.want)
			}
		})
	}
}

// TestWriteHTMLIssueCards: every issue of the fixture is a card, in
// priority order, with its rank, severity, title, why, fix, URLs and pages
// reached, the pages to change, and its findings in a <details>.
func TestWriteHTMLIssueCards(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	doc, _ := parseHTML(t, m, Options{})
	issues, err := newCrawl(m, Options{}).Issues()
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 7 {
		t.Fatalf("the fixture has %d issues, want 7 (one per finding)", len(issues))
	}
	if got := text(byID(doc, "issue-count")); got != "7" {
		t.Errorf("header shows %q issues", got)
	}
	cards := 0
	walk(byID(doc, "issue-list"), func(n *html.Node) {
		if n.DataAtom == atom.Li && n.Parent.DataAtom == atom.Ol {
			cards++
		}
	})
	if cards != len(issues) {
		t.Errorf("%d cards, want %d", cards, len(issues))
	}
	for i, is := range issues {
		card := byID(doc, "issue-"+itoa(i+1))
		if card == nil {
			t.Fatalf("no card for issue %d (%s)", i+1, is.Rule)
		}
		for key, want := range map[string]string{"data-rule": is.Rule, "data-severity": string(is.Severity), "data-reach": itoa(is.Reach), "data-priority": itoa(is.Priority), "data-urls": itoa(is.URLCount())} {
			if got, _ := attr(card, key); got != want {
				t.Errorf("issue %d: %s=%q, want %q", i+1, key, got, want)
			}
		}
		s := strings.Join(strings.Fields(text(card)), " ")
		reach := plural(is.URLCount(), "URL") + " · " + plural(is.Reach, "page") + " reached"
		for _, want := range []string{itoa(i+1) + " " + string(is.Severity) + " " + is.Title, is.Why, "Fix: " + is.Fix, reach, is.Rule} {
			if !strings.Contains(s, want) {
				t.Errorf("issue %d (%s) lacks %q:\n%s", i+1, is.Rule, want, s)
			}
		}
		if len(is.Referrers) > 0 && !strings.Contains(s, "Change: "+pathOn("https://example.test", is.Referrers[0].URL)) {
			t.Errorf("issue %d (%s) does not name the page to change:\n%s", i+1, is.Rule, s)
		}
		details := 0
		walk(card, func(n *html.Node) {
			if n.DataAtom == atom.Details {
				details++
				if !strings.Contains(text(n), is.Findings[0].URL) || !strings.Contains(text(n), is.Findings[0].Message) {
					t.Errorf("issue %d: the details lack its finding: %s", i+1, text(n))
				}
			}
		})
		if details != 1 {
			t.Errorf("issue %d: %d <details>", i+1, details)
		}
	}
	// The fixture's most urgent issue: the 403 logo two pages use.
	if issues[0].Rule != "forbidden-asset" || issues[0].Reach != 2 {
		t.Errorf("top issue %s reaching %d pages, want forbidden-asset reaching 2", issues[0].Rule, issues[0].Reach)
	}
}

// TestWriteHTMLCapsIssues: past maxHTMLIssues the rest are counted, and an
// issue lists at most FindingsPerRule of its URLs.
func TestWriteHTMLCapsIssues(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	var fs []store.Finding
	for i := 0; i < maxHTMLIssues+4; i++ { // one folder each: one issue each
		fs = append(fs, store.Finding{Rule: "broken-link", Severity: store.SeverityError, URL: fmt.Sprintf("https://example.test/f%03d/x", i), Message: "answered 404", Referrers: []string{fxHome}})
	}
	for i := 0; i < 5; i++ { // one folder: one issue of five URLs, reaching five pages
		fs = append(fs, store.Finding{Rule: "soft-404", Severity: store.SeverityError, URL: fmt.Sprintf("https://example.test/gone/%d.html", i), Message: "soft 404", Referrers: []string{fmt.Sprintf("https://example.test/list/%d", i)}})
	}
	if err := m.PutFindings(fs); err != nil {
		t.Fatal(err)
	}
	doc, _ := parseHTML(t, m, Options{HTML: HTMLOptions{FindingsPerRule: 3}})
	// PutFindings replaced the fixture's: 255 issues, 250 listed.
	if n := byID(doc, "more-issues"); n == nil || !strings.HasPrefix(text(n), "5 lower-priority issues") {
		t.Errorf("no note counting the 5 issues left out: %v", n)
	}
	if byID(doc, "issue-"+itoa(maxHTMLIssues)) == nil || byID(doc, "issue-"+itoa(maxHTMLIssues+1)) != nil {
		t.Errorf("want exactly %d cards", maxHTMLIssues)
	}
	var soft *html.Node
	walk(byID(doc, "issue-list"), func(n *html.Node) {
		if v, _ := attr(n, "data-rule"); v == "soft-404" && soft == nil {
			soft = n
		}
	})
	if soft == nil {
		t.Fatal("no soft-404 issue card")
	}
	rows := 0
	walk(soft, func(n *html.Node) {
		if n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody {
			rows++
		}
	})
	s := text(soft)
	if rows != 3 || !strings.Contains(s, "2 more URLs of this issue are in findings.csv") || !strings.Contains(s, "/gone/…") || !strings.Contains(s, "5 URLs") {
		t.Errorf("%d rows; card:\n%s", rows, s)
	}
}

// TestWriteHTMLAuthentication: how the crawl authenticated, the 401 and
// 403 counts with what each means, the realms, the access classes and the
// public referrers to fix, one row per protected URL public pages use.
func TestWriteHTMLAuthentication(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	meta, err := m.Meta()
	if err != nil {
		t.Fatal(err)
	}
	meta.Settings["credentials"] = "Bearer (CRAWLAUDIT_BEARER_TOKEN)"
	meta.Settings["auth_origins"] = "https://example.test"
	meta.Settings["token_exp"] = "2026-01-01T00:00:00Z" // before the crawl
	if err := m.SetMeta(meta); err != nil {
		t.Fatal(err)
	}
	doc, _ := parseHTML(t, m, Options{})
	a, err := SummarizeAuth(newCrawl(m, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	sec := byID(doc, "authentication")
	if sec == nil {
		t.Fatal("no Authentication section")
	}
	s := strings.Join(strings.Fields(text(sec)), " ")
	for _, want := range []string{
		"Crawled with Bearer (CRAWLAUDIT_BEARER_TOKEN), sent only to https://example.test.",
		"EXPIRED before the crawl started",
		itoa(a.Unauthorized) + " × 401 Unauthorized", "does not know who you are", "WWW-Authenticate challenge",
		itoa(a.Forbidden) + " × 403 Forbidden", "knows who you are",
		"Public referrers to fix",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Authentication lacks %q:\n%s", want, s)
		}
	}
	if len(a.ToFix) == 0 {
		t.Fatal("the fixture has no public referrers to fix")
	}
	rows := rowsOf(t, doc, "to-fix")
	if len(rows) != len(a.ToFix) {
		t.Fatalf("%d rows of public referrers to fix, want %d: %q", len(rows), len(a.ToFix), rows)
	}
	for i, f := range a.ToFix {
		want := []string{f.Rule, f.URL, strings.Join(f.Referrers, "")}
		if strings.Join(rows[i], " | ") != strings.Join(want, " | ") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want)
		}
	}
	if !strings.Contains(s, "admin") {
		t.Errorf("no realm row:\n%s", s)
	}

	t.Run("anonymous crawl says so", func(t *testing.T) {
		doc, _ := parseHTML(t, newFixture(t), Options{})
		if got := text(byID(doc, "auth-how")); got != "Crawled without credentials, as search engines do." {
			t.Errorf("auth-how = %q", got)
		}
		if byID(doc, "auth-token") != nil {
			t.Error("a token line without a token")
		}
	})
	t.Run("access classes with --compare-anonymous", func(t *testing.T) {
		m := newFixture(t)
		u, _, err := m.Get(fxAdmin)
		if err != nil {
			t.Fatal(err)
		}
		u.Credentials = "Bearer"
		u.AnonymousStatus = 401
		u.Status = 200
		if err := m.PutURL(u); err != nil {
			t.Fatal(err)
		}
		doc, _ := parseHTML(t, m, Options{})
		rows := rowsOf(t, doc, "access")
		if len(rows) == 0 || rows[0][0] != "protected" {
			t.Errorf("access rows %q", rows)
		}
	})
}

// hostileTitle is a rule title carrying markup, as a rule text mapped from
// somewhere careless could; hostileIssueURL a crawled URL doing the same.
const (
	hostileRuleTitle = `Broken <script>alert("title")</script><img src=x onerror=alert(2)>`
	hostileIssueURL  = `https://example.test/"><img src=x onerror=alert(3)>`
)

// TestWriteHTMLIssuesEscapeHostileText: titles, URLs and referrers of the
// issue list and the Authentication section are text, and only http(s)
// URLs become links.
func TestWriteHTMLIssuesEscapeHostileText(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	if err := m.PutFindings([]store.Finding{
		{Rule: "broken-link", Severity: store.SeverityError, URL: hostileIssueURL, Message: `answered 404 <b id=pwned>`, Referrers: []string{"javascript:alert(4)", `https://example.test/"onmouseover="alert(5)`}},
		{Rule: "unauthorized-linked-page", Severity: store.SeverityError, URL: "javascript:alert(6)//", Message: "401", Referrers: []string{hostileIssueURL}},
	}); err != nil {
		t.Fatal(err)
	}
	var rules []RuleInfo
	for _, r := range newCrawl(m, Options{}).opt.Rules {
		if r.ID == "broken-link" {
			r.Title = hostileRuleTitle
		}
		rules = append(rules, r)
	}
	doc, raw := parseHTML(t, m, Options{Rules: rules})
	for _, bad := range []string{"<script>alert", "<img src=x", "<b id=pwned>", `"onmouseover=`} {
		if strings.Contains(raw, bad) {
			t.Errorf("%q unescaped in report.html", bad)
		}
	}
	scripts := 0
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.DataAtom {
		case atom.Img, atom.B:
			if id, _ := attr(n, "id"); n.DataAtom == atom.Img || id == "pwned" {
				t.Errorf("crawled markup became <%s>", n.Data)
			}
		case atom.Script:
			scripts++
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("attribute %s on <%s>", a.Key, n.Data)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") && !tocLink.MatchString(a.Val) {
				t.Errorf("link to %q", a.Val)
			}
		}
	})
	if scripts != 3 {
		t.Errorf("%d script elements, want the report's 3", scripts)
	}
	// The payloads are shown as text where a reader looks for them.
	var title *html.Node
	walk(byID(doc, "issue-list"), func(n *html.Node) {
		if c, _ := attr(n, "class"); c == "title" && strings.Contains(text(n), "Broken") {
			title = n
		}
	})
	if title == nil || text(title) != hostileRuleTitle {
		t.Errorf("hostile title not shown as text: %v", title)
	}
	issues := text(byID(doc, "issues"))
	for _, want := range []string{`/"><img src=x onerror=alert(3)>`, "javascript:alert(6)//", `answered 404 <b id=pwned>`} {
		if !strings.Contains(issues, want) {
			t.Errorf("issue list does not show %q as text", want)
		}
	}
	if auth := text(byID(doc, "to-fix")); !strings.Contains(auth, "javascript:alert(6)//") || !strings.Contains(auth, hostileIssueURL) {
		t.Errorf("public referrers to fix do not show the hostile URLs as text:\n%s", auth)
	}
}

// TestWriteHTMLBoundsIssueRows: the issues' details list maxIssueRows URLs
// in all, the highest-priority issues first; the rest are counted.
func TestWriteHTMLBoundsIssueRows(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	const issues, each = 30, 200 // 6,000 findings, more than maxIssueRows
	var fs []store.Finding
	for i := 0; i < issues; i++ {
		for j := 0; j < each; j++ {
			// Issue i reaches 100-i pages: issue 0 ranks first.
			fs = append(fs, store.Finding{Rule: "broken-link", Severity: store.SeverityError, URL: fmt.Sprintf("https://example.test/d%02d/%03d", i, j), Message: "answered 404", Referrers: []string{fmt.Sprintf("https://example.test/p%02d-%03d", i, j%(100-i))}})
		}
	}
	if err := m.PutFindings(fs); err != nil {
		t.Fatal(err)
	}
	doc, _ := parseHTML(t, m, Options{})
	rows := 0
	walk(byID(doc, "issue-list"), func(n *html.Node) {
		if n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody {
			rows++
		}
	})
	if rows != maxIssueRows {
		t.Errorf("%d rows in the issues' details, want %d", rows, maxIssueRows)
	}
	full, none := byID(doc, "issue-1"), byID(doc, "issue-"+itoa(issues))
	if full == nil || none == nil || strings.Contains(text(full), "more URLs") || !strings.Contains(text(none), "200 more URLs of this issue are in findings.csv") {
		t.Error("the first issue should list all its URLs and the last none")
	}
	if v, _ := attr(full, "data-reach"); v != "100" {
		t.Errorf("the first issue reaches %s pages, want 100", v)
	}
}

// TestWriteHTMLHeaderWarnsOfPartialCrawl: an interrupted crawl says so in
// the header, above the issue list.
func TestWriteHTMLHeaderWarnsOfPartialCrawl(t *testing.T) {
	t.Parallel()
	m := newFixture(t)
	meta, err := m.Meta()
	if err != nil {
		t.Fatal(err)
	}
	for _, partial := range []bool{false, true} {
		meta.Partial = partial
		if err := m.SetMeta(meta); err != nil {
			t.Fatal(err)
		}
		doc, _ := parseHTML(t, m, Options{})
		warning := byID(doc, "partial")
		if (warning != nil) != partial {
			t.Errorf("partial %v: warning %v", partial, warning)
		}
		if warning != nil && (warning.Parent.DataAtom != atom.Header || !strings.Contains(text(warning), "Partial crawl")) {
			t.Errorf("the warning is in <%s>: %q", warning.Parent.Data, text(warning))
		}
	}
}
