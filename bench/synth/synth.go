// Package synth is the benchmark's deterministic synthetic site: N pages
// (/, /p/1 … /p/N-1), each with ~15 internal links and 2 assets; 1% of the
// assets answer 401 (with WWW-Authenticate) and 1% of the pages 403; links
// to missing pages give a few 404s (2% of pages have one); robots.txt
// names a sitemap index whose sitemaps list up to 50,000 URLs each. The
// same N always gives the same site. bench/sitegen serves it.
package synth

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const perSitemap = 50000

// Site is the synthetic site; it is an http.Handler.
type Site struct {
	pages, imgs, css int
}

// New returns the site of n pages (at least 10).
func New(n int) *Site {
	return &Site{pages: n, imgs: max(n/20, 1), css: max(n/33, 1)}
}

// links returns the pages page i links to: its tree children (so every
// page is reachable), its neighbours, and pseudo-random pages.
func (s *Site) links(i int) []int {
	out := make([]int, 0, 15)
	for _, c := range []int{2*i + 1, 2*i + 2, i + 1, i - 1, 0} {
		if c >= 0 && c < s.pages {
			out = append(out, c)
		}
	}
	x := uint64(i)*0x9E3779B97F4A7C15 + 1
	for len(out) < 15 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out = append(out, int(x%uint64(s.pages)))
	}
	return out
}

func (s *Site) pageURL(b *bufio.Writer, i int) {
	if i == 0 {
		b.WriteString("/")
		return
	}
	b.WriteString("/p/")
	b.WriteString(strconv.Itoa(i))
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "User-agent: *\nDisallow:\n\nSitemap: http://%s/sitemap_index.xml\n", r.Host)
	case p == "/sitemap_index.xml":
		w.Header().Set("Content-Type", "application/xml")
		b := bufio.NewWriter(w)
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for k := 0; k*perSitemap < s.pages; k++ {
			fmt.Fprintf(b, "<sitemap><loc>http://%s/sitemap-%d.xml</loc></sitemap>\n", r.Host, k)
		}
		b.WriteString("</sitemapindex>\n")
		b.Flush()
	case strings.HasPrefix(p, "/sitemap-") && strings.HasSuffix(p, ".xml"):
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/sitemap-"), ".xml"))
		if err != nil || k < 0 || k*perSitemap >= s.pages {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		b := bufio.NewWriter(w)
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for i := k * perSitemap; i < min((k+1)*perSitemap, s.pages); i++ {
			b.WriteString("<url><loc>http://")
			b.WriteString(r.Host)
			s.pageURL(b, i)
			b.WriteString("</loc></url>\n")
		}
		b.WriteString("</urlset>\n")
		b.Flush()
	case strings.HasPrefix(p, "/img/") || strings.HasPrefix(p, "/css/"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(p[5:], ".png"), ".css"))
		limit := s.imgs
		if p[1] == 'c' {
			limit = s.css
		}
		if err != nil || n < 0 || n >= limit {
			http.NotFound(w, r)
			return
		}
		if n%100 == 37 { // 1% of assets need credentials
			w.Header().Set("WWW-Authenticate", `Basic realm="assets"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if p[1] == 'c' {
			w.Header().Set("Content-Type", "text/css")
			w.Write([]byte("body{margin:0;color:#222}\n"))
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", "64")
		if r.Method != http.MethodHead {
			w.Write(make([]byte, 64))
		}
	case p == "/" || strings.HasPrefix(p, "/p/"):
		i := 0
		if p != "/" {
			var err error
			i, err = strconv.Atoi(p[3:])
			if err != nil || i < 1 || strconv.Itoa(i) != p[3:] {
				http.NotFound(w, r)
				return
			}
		}
		if i >= s.pages {
			http.NotFound(w, r)
			return
		}
		if i%100 == 99 { // 1% of pages are forbidden
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b := bufio.NewWriterSize(w, 4096)
		fmt.Fprintf(b, "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>Page %d</title>\n", i)
		fmt.Fprintf(b, "<link rel=stylesheet href=\"/css/%d.css\"></head>\n<body><h1>Page %d</h1>\n<nav><ul>\n", i%s.css, i)
		for k, c := range s.links(i) {
			b.WriteString(`<li><a href="`)
			s.pageURL(b, c)
			fmt.Fprintf(b, "\">Link %d to page %d</a></li>\n", k, c)
		}
		b.WriteString("</ul></nav>\n")
		fmt.Fprintf(b, "<p>Some text for page %d. <img src=\"/img/%d.png\" alt=\"picture %d\"></p>\n", i, i%s.imgs, i)
		if i%50 == 7 { // a few broken links
			fmt.Fprintf(b, "<p><a href=\"/p/%d\">gone</a></p>\n", s.pages+i)
		}
		b.WriteString("</body></html>\n")
		b.Flush()
	default:
		http.NotFound(w, r)
	}
}
