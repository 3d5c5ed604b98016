package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Injection payloads planted by the hostile site. Each one, if it ever became
// markup, would create an element with id "pwned" (or run alert).
const (
	hostileTitle  = `<script>alert('title')</script><img src=x onerror=alert('title') id=pwned>`
	hostileAnchor = `<img src=x onerror=alert('anchor') id=pwned>`
	hostileRealm  = `Basic realm="<script>alert('www')</script><b id=pwned>"`
	hostileQTitle = `"><svg onload=alert('q') id=pwned>`
)

// startHostileSite serves a small site whose URLs, titles, anchor texts,
// Location and WWW-Authenticate headers all try to inject script or HTML.
func startHostileSite(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.URL.Path == "/":
			fmt.Fprintf(w, `<!doctype html><html><head><title>%s</title>
<link rel="canonical" href="/?c=%%3Cscript%%3Ealert('canon')%%3C/script%%3E"></head><body>
<a href="/q?x=%%22%%3E%%3Cscript%%3Ealert('url')%%3C/script%%3E">&lt;img src=x onerror=alert('anchor') id=pwned&gt;</a>
<a href='/"><svg onload=alert("path") id=pwned>'>path</a>
<a href="/private">members</a>
<a href="/r">moved</a>
<a href="javascript:alert('js')">js</a>
<img src="/x.png?&quot;&gt;&lt;script&gt;alert('img')&lt;/script&gt;" alt="&lt;script&gt;alert('alt')&lt;/script&gt;">
</body></html>`, strings.ReplaceAll(strings.ReplaceAll(hostileTitle, "<", "&lt;"), ">", "&gt;"))
		case r.URL.Path == "/q":
			fmt.Fprintf(w, `<html><head><title>%s</title></head><body>q</body></html>`, strings.ReplaceAll(strings.ReplaceAll(hostileQTitle, "<", "&lt;"), ">", "&gt;"))
		case r.URL.Path == "/private":
			w.Header().Set("WWW-Authenticate", hostileRealm)
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/r":
			w.Header().Set("Location", `/"><img src=x onerror=alert('loc') id=pwned>`)
			w.WriteHeader(http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// crawlHostile crawls the hostile site with the real command into a new
// folder and returns it.
func crawlHostile(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"crawl", startHostileSite(t) + "/", "--out", dir, "-q", "--fail-on", "never"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, stderr.String())
	}
	return dir
}

// assertNoInjection parses report.html and fails on any element or
// attribute the crawled site tried to inject.
// tocLink is a link of the table of contents to one of the page's own
// sections: the only href that is not a crawled URL.
var tocLink = regexp.MustCompile(`^#(issues|url-spaces|since-last-crawl|authentication|budget|findings-by-rule|all-urls)$`)

func assertNoInjection(t *testing.T, page []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Img, atom.Iframe, atom.Object, atom.Embed:
				t.Errorf("injected <%s> in report.html", n.Data)
			case atom.Script:
				scripts++
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || (a.Key == "id" && a.Val == "pwned") {
					t.Errorf("injected attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "href" && !strings.HasPrefix(a.Val, "http://127.0.0.1:") && !tocLink.MatchString(a.Val) {
					t.Errorf("<%s href=%q>: only crawled http URLs may be links", n.Data, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 3 {
		t.Errorf("%d <script> elements, want the report's own 3", scripts)
	}
}

// TestReportHTMLEscapesHostileSite crawls the hostile site end to end (crawl,
// audit, every output) and proves report.html turns none of its payloads
// into markup while still showing them as text; then `crawlaudit report`
// regenerates every output from crawl.json alone.
func TestReportHTMLEscapesHostileSite(t *testing.T) {
	dir := crawlHostile(t)
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoInjection(t, page)

	// The payloads are shown, as data: the URL table's data island holds
	// the titles exactly as the site sent them.
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	island := findByID(doc, "url-data")
	if island == nil || island.FirstChild == nil {
		t.Fatal("no url-data island")
	}
	var rows [][]any
	if err := json.Unmarshal([]byte(island.FirstChild.Data), &rows); err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, r := range rows {
		titles[r[7].(string)] = true
	}
	for _, want := range []string{hostileTitle, hostileQTitle} {
		if !titles[want] {
			t.Errorf("title %q not in the data island: %v", want, titles)
		}
	}
	for _, want := range []string{"alert(&#39;www&#39;)", "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html does not show %q as text", want)
		}
	}

	t.Run("report command regenerates every output", func(t *testing.T) {
		before := map[string][]byte{}
		for _, name := range []string{"crawl.json", "urls.csv", "findings.csv", "budget.csv", "redirects.csv", "report.html"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			before[name] = b
		}
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := run([]string{"report", dir, "--out", out, "-q"}, &stdout, &stderr); code != 0 {
			t.Fatalf("report exit %d: %s", code, stderr.String())
		}
		for name, want := range before {
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s regenerated from crawl.json differs from the crawl's", name)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "links.csv")); err != nil {
			t.Error(err)
		}
	})
}

func findByID(n *html.Node, id string) *html.Node {
	for _, a := range n.Attr {
		if a.Key == "id" && a.Val == id {
			return n
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findByID(c, id); f != nil {
			return f
		}
	}
	return nil
}
