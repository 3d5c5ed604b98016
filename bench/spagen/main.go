// Command spagen serves the rendering benchmark's synthetic single-page app
// on loopback for bench/render.sh: N pages (/, /p/1 … /p/N-1), each the
// same empty shell (<div id="root"> and /app.js) that JavaScript fills
// from /api/p/I: a title, a paragraph and links to the page's tree
// children and neighbours, so its links exist only after rendering. 1% of
// the pages also call /api/account, which answers 401. robots.txt names
// /sitemap.xml, which lists every page, so a crawl without rendering
// requests the same pages (and finds no links in them).
//
// Usage: spagen -pages 1000 [-addr 127.0.0.1:0]. It prints its base URL on
// stdout once listening and serves until killed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

const shell = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loading…</title></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div><script src="/app.js"></script></body></html>
`

const app = `(async function () {
  "use strict";
  const m = location.pathname.match(/^\/p\/(\d+)$/);
  const id = m ? m[1] : "0";
  const page = await (await fetch("/api/p/" + id)).json();
  if (page.account) {
    await fetch("/api/account").catch(function () {});
  }
  document.title = page.title;
  const root = document.getElementById("root");
  const h1 = document.createElement("h1");
  h1.textContent = page.title;
  root.appendChild(h1);
  const p = document.createElement("p");
  p.textContent = page.text;
  root.appendChild(p);
  const ul = document.createElement("ul");
  for (const href of page.links) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "Page " + href;
    li.appendChild(a);
    ul.appendChild(li);
  }
  root.appendChild(ul);
})();
`

type site struct{ pages int }

func (s site) path(i int) string {
	if i == 0 {
		return "/"
	}
	return "/p/" + strconv.Itoa(i)
}

func (s site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: http://%s/sitemap.xml\n", r.Host)
	case p == "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range s.pages {
			fmt.Fprintf(w, "<url><loc>http://%s%s</loc></url>", r.Host, s.path(i))
		}
		fmt.Fprint(w, "</urlset>")
	case p == "/app.js":
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "max-age=3600")
		fmt.Fprint(w, app)
	case p == "/api/account":
		w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
		http.Error(w, "login first", http.StatusUnauthorized)
	case strings.HasPrefix(p, "/api/p/"):
		i, err := strconv.Atoi(strings.TrimPrefix(p, "/api/p/"))
		if err != nil || i < 0 || i >= s.pages {
			http.NotFound(w, r)
			return
		}
		var links []string
		for _, c := range []int{2*i + 1, 2*i + 2, i + 1, i - 1, 0} {
			if c >= 0 && c < s.pages {
				links = append(links, s.path(c))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"title":   fmt.Sprintf("Page %d", i),
			"text":    strings.Repeat(fmt.Sprintf("Page %d of the synthetic app, its text filled in by JavaScript. ", i), 5),
			"links":   links,
			"account": i%100 == 7,
		})
	case p == "/" || strings.HasPrefix(p, "/p/"):
		if p != "/" {
			if i, err := strconv.Atoi(strings.TrimPrefix(p, "/p/")); err != nil || i <= 0 || i >= s.pages {
				http.NotFound(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, shell)
	default:
		http.NotFound(w, r)
	}
}

func main() {
	pages := flag.Int("pages", 1000, "number of pages")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
		fmt.Fprintln(os.Stderr, "spagen: -addr must be a loopback address")
		os.Exit(2)
	}
	if *pages < 2 {
		fmt.Fprintln(os.Stderr, "spagen: -pages must be at least 2")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spagen:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: site{pages: *pages}, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "spagen:", err)
		os.Exit(1)
	}
}
