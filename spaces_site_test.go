package crawlaudit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// The URL-space fixture: testdata/spaces/ holds the static pages (home,
// about, contact, a page only the sitemap lists, robots.txt, sitemap.xml),
// and spacesHandler adds the infinite parts, each a kind of crawler trap
// or URL space (testdata/spaces/SPACES.md describes them):
//
//	/cal/YYYY/MM         a calendar: every month links to the next and previous, years 1000–9999
//	/list?page=N         3 pages of products, then empty pages without end
//	/news?page=N         2 pages of news, then the second page's listing again without end
//	/search?q=…          a search whose page links to itself with one more &q=: a growing query
//	/a/, /x/y/           relative links that add a segment (a/) or two (x/y/) on every page
//	/shoes?…             facets: color changes the listing, sort and view do not; links append
//	                     parameters in click order, so the same filters come in several orders
//	/account/, /cart;…   a new ;jsessionid= in every link of every page
//	/shop?sid=…          a new 32-character sid= in every link
//	/deals/…?k=…         a parameter named nothing special whose long random value is new in
//	                     every link (a session ID known only by its shape)
//	/products/pN.html, /news/N.html   the real pages the listings link to
//	/charset.html        windows-1252 said only by <meta charset>, linking /stra\xdfe (one byte)
//	/straße              what that link is: /stra%C3%9Fe
//
// The static part holds the duplicate clusters: /returns.html,
// /help/returns.html and /print/returns.html (the same text, no
// canonical); /gear/boots.html, /sale/boots.html and
// /collections/boots.html (the same text, all canonical to
// /gear/boots.html); /care/leather.html (listed in the sitemap),
// /care/leather-guide.html and /care/boot-care.html (a word or two apart:
// SimHashes 2 bits apart).

// spacesSite serves the fixture on loopback and returns it, its request
// log and the number of requests it answered. Past stopAfter requests it
// calls stop: the safety net of a test whose crawl should end by itself
// (counted, not timed).
func spacesSite(t *testing.T, stopAfter int64, stop func()) (*httptest.Server, *testsite.Log, *atomic.Int64) {
	t.Helper()
	site, err := testsite.New(os.DirFS("testdata/spaces"))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	log := &testsite.Log{}
	h := spacesHandler(site.Handler(nil), &n)
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Load() >= stopAfter {
			stop()
		}
		h.ServeHTTP(w, r)
	}), log)
	t.Cleanup(srv.Close)
	return srv, log, &n
}

var (
	calPath    = regexp.MustCompile(`^/cal/(\d{4})/(\d{2})$`)
	aPath      = regexp.MustCompile(`^/(a/)+$`)
	xyPath     = regexp.MustCompile(`^/(x/y/)+$`)
	itemPath   = regexp.MustCompile(`^/(products/p|news/)(\d+)\.html$`)
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

const spacesNav = `<nav><a href="/">Home</a> <a href="/about.html">About</a> <a href="/contact.html">Contact</a></nav>`

// spacesHandler answers the fixture's dynamic paths and passes the rest to
// static; n counts every request.
func spacesHandler(static http.Handler, n *atomic.Int64) http.Handler {
	var ids atomic.Uint64 // session IDs: new in every link
	newID := func() string {
		// 32 characters, digits and letters in turn: a random key's shape.
		x := ids.Add(1) * 0x9E3779B97F4A7C15
		b := make([]byte, 32)
		for i := range b {
			x ^= x >> 29
			x *= 0xBF58476D1CE4E5B9
			if i%2 == 0 {
				b[i] = "0123456789"[x>>60%10]
			} else {
				b[i] = "abcdefghijklmnopqrstuvwxyz"[x>>59%26]
			}
		}
		return string(b)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		p, q := r.URL.Path, r.URL.Query()
		page := func(title string, body ...string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><html lang=en><head><meta charset=utf-8><title>%s</title></head><body>%s<h1>%s</h1>%s</body></html>",
				title, spacesNav, title, strings.Join(body, "\n"))
		}
		number := func(s string) int {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				return 0
			}
			return v
		}
		switch m := calPath.FindStringSubmatch(p); {
		case m != nil:
			year, month := number(m[1]), number(m[2])
			if year < 1000 || month < 1 || month > 12 {
				http.NotFound(w, r)
				return
			}
			t := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
			prev, next := t.AddDate(0, -1, 0), t.AddDate(0, 1, 0)
			link := func(d time.Time, text string) string {
				if d.Year() < 1000 || d.Year() > 9999 {
					return ""
				}
				return fmt.Sprintf(`<a href="/cal/%04d/%02d">%s</a>`, d.Year(), int(d.Month()), text)
			}
			page(fmt.Sprintf("Events in %s %d", monthNames[month-1], year), "<p>No events this month.</p>",
				link(prev, fmt.Sprintf("« %s %d", monthNames[prev.Month()-1], prev.Year())),
				link(next, fmt.Sprintf("%s %d »", monthNames[next.Month()-1], next.Year())))
		case p == "/list":
			n := number(q.Get("page"))
			if n == 0 {
				http.NotFound(w, r)
				return
			}
			var body []string
			if n <= 3 {
				body = append(body, "<ul>")
				for k := 3*n - 2; k <= 3*n; k++ {
					body = append(body, fmt.Sprintf(`<li><a href="/products/p%d.html">Product %d</a></li>`, k, k))
				}
				body = append(body, "</ul>")
			} else {
				body = append(body, "<p>No more products.</p>") // and yet a next page
			}
			if n > 1 {
				body = append(body, fmt.Sprintf(`<a href="/list?page=%d">Previous</a>`, n-1))
			}
			body = append(body, fmt.Sprintf(`<a href="/list?page=%d">Next</a>`, n+1))
			page(fmt.Sprintf("Products, page %d", n), body...)
		case p == "/news":
			n := number(q.Get("page"))
			if n == 0 {
				http.NotFound(w, r)
				return
			}
			shown := min(n, 2) // past the last page, the last page's listing again
			body := []string{"<ul>"}
			for k := 3*shown - 2; k <= 3*shown; k++ {
				body = append(body, fmt.Sprintf(`<li><a href="/news/%d.html">Story %d</a></li>`, k, k))
			}
			body = append(body, "</ul>")
			if n > 1 {
				body = append(body, fmt.Sprintf(`<a href="/news?page=%d">Previous</a>`, n-1))
			}
			body = append(body, fmt.Sprintf(`<a href="/news?page=%d">Next</a>`, n+1))
			page(fmt.Sprintf("News, page %d", n), body...)
		case itemPath.MatchString(p):
			m := itemPath.FindStringSubmatch(p)
			k, limit := number(m[2]), 9
			if m[1] == "news/" {
				limit = 6
			}
			if k == 0 || k > limit {
				http.NotFound(w, r)
				return
			}
			if m[1] == "news/" {
				page(fmt.Sprintf("Story %d", k), fmt.Sprintf("<p>What happened on the trail, part %s.</p>", strings.Repeat("I", k)))
			} else {
				page(fmt.Sprintf("Product %d", k), fmt.Sprintf("<p>A %s boot for the trail.</p>", []string{"", "red", "blue", "green", "brown", "black", "grey", "light", "heavy", "winter"}[k]))
			}
		case p == "/search":
			if q.Get("q") == "" {
				http.NotFound(w, r)
				return
			}
			// A bug that keeps the query and appends the term again.
			page("Search", "<p>Nothing found.</p>", fmt.Sprintf(`<a href="/search?%s&amp;q=%s">Search again</a>`, r.URL.RawQuery, q.Get("q")))
		case aPath.MatchString(p):
			page("Archive folder", `<p>Older material.</p><a href="a/">Open the folder</a>`)
		case xyPath.MatchString(p):
			page("Regional pages", `<p>Pages by region.</p><a href="x/y/">More regions</a>`)
		case p == "/shoes":
			shoes(w, r, page)
		case p == "/account/":
			page("Your account", fmt.Sprintf(`<a href="/cart;jsessionid=%s">Cart</a> <a href="/wishlist;jsessionid=%s">Wishlist</a>`, strings.ToUpper(newID()), strings.ToUpper(newID())))
		case strings.HasPrefix(p, "/cart;jsessionid=") || strings.HasPrefix(p, "/wishlist;jsessionid="):
			title := "Cart"
			if strings.HasPrefix(p, "/wishlist") {
				title = "Wishlist"
			}
			page(title, "<p>Nothing here yet.</p>",
				fmt.Sprintf(`<a href="/cart;jsessionid=%s">Cart</a> <a href="/wishlist;jsessionid=%s">Wishlist</a> <a href="/shop?sid=%s">Shop</a>`,
					strings.ToUpper(newID()), strings.ToUpper(newID()), newID()))
		case p == "/shop" || p == "/shop/item":
			if q.Get("sid") == "" {
				http.NotFound(w, r)
				return
			}
			page(map[string]string{"/shop": "Shop", "/shop/item": "Shop item"}[p], "<p>Our picks.</p>",
				fmt.Sprintf(`<a href="/shop?sid=%s">Shop</a> <a href="/shop/item?sid=%s">Today's item</a>`, newID(), newID()))
		case p == "/deals" || p == "/deals/today" || p == "/deals/week":
			if p != "/deals" && q.Get("k") == "" {
				http.NotFound(w, r)
				return
			}
			page(map[string]string{"/deals": "Deals", "/deals/today": "Deals of the day", "/deals/week": "Deals of the week"}[p], "<p>Good prices.</p>",
				fmt.Sprintf(`<a href="/deals/today?k=%s">Today</a> <a href="/deals/week?k=%s">This week</a>`, newID()[:20], newID()[:20]))
		case p == "/charset.html":
			// windows-1252, said only by the meta element: the
			// Content-Type has no charset. Its link's ß is the byte
			// 0xDF, which browsers and Googlebot request as UTF-8:
			// /stra%C3%9Fe (a crawler that kept the byte would ask for
			// /stra%DFe, which answers 404).
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!doctype html><html lang=de><head><meta charset=\"windows-1252\"><title>Unsere Stra\xdfe</title></head><body>"+spacesNav+
				"<h1>Unsere Stra\xdfe</h1><p>Die Werkstatt liegt an der Br\xfcckenstra\xdfe, gleich neben dem Fluss.</p><a href=\"/stra\xdfe\">Zur Stra\xdfe</a></body></html>")
		case p == "/straße":
			page("Straße", "<p>The street of the workshop, with its cobbles and its old bridge.</p>")
		default:
			static.ServeHTTP(w, r)
		}
	})
}

// shoes is the faceted listing: color filters the shoes (an effective
// parameter); sort and view only reorder or restyle them (ineffective, and
// the page's text does not change). Every filter link keeps the current
// parameters in their order and sets one: appended when new, so the same
// filters clicked in another order make another URL.
func shoes(w http.ResponseWriter, r *http.Request, page func(string, ...string)) {
	facets := []struct {
		name   string
		values []string
	}{{"color", []string{"red", "blue", "green"}}, {"sort", []string{"price", "name"}}, {"view", []string{"grid", "list"}}}
	type kv struct{ k, v string }
	var cur []kv
	for part := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if k, v, ok := strings.Cut(part, "="); ok {
			cur = append(cur, kv{k, v})
		}
	}
	link := func(name, value string) string {
		var out []string
		set := false
		for _, c := range cur {
			if c.k == name {
				c.v, set = value, true
			}
			out = append(out, c.k+"="+c.v)
		}
		if !set {
			out = append(out, name+"="+value)
		}
		return "/shoes?" + strings.Join(out, "&amp;")
	}
	color := r.URL.Query().Get("color")
	body := []string{"<ul>"}
	for _, c := range []string{"red", "blue", "green"} {
		if color == "" || color == c {
			body = append(body, fmt.Sprintf("<li>Trail shoe in %s</li><li>Road shoe in %s</li>", c, c))
		}
	}
	body = append(body, "</ul>")
	for _, f := range facets {
		body = append(body, "<p>"+f.name+":")
		for _, v := range f.values {
			body = append(body, fmt.Sprintf(` <a href="%s">%s</a>`, link(f.name, v), v))
		}
		body = append(body, "</p>")
	}
	page("Shoes", body...)
}
