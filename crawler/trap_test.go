package crawler

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/crawlaudit/crawlaudit/bench/synth"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// notRequestedOf maps each URL recorded as not requested, server prefix
// cut, to its reason.
func notRequestedOf(t *testing.T, st store.Reader, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := st.EachURL(func(u store.URL) error {
		if u.NotRequested != "" {
			out[strings.TrimPrefix(u.URL, prefix)] = string(u.NotRequested)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestURLsTooLongAreRecordedNotFollowed: a URL over MaxURLBytes, and a page
// URL repeating a segment (or a group of two) more than three times in a
// row, are recorded with their referrers and never requested.
func TestURLsTooLongAreRecordedNotFollowed(t *testing.T) {
	t.Parallel()
	long := "/long?q=" + strings.Repeat("x", MaxURLBytes)
	files := fstest.MapFS{
		"index.html": page("home", long, "/a/a/a/", "/a/a/a/a/", "/x/y/x/y/x/y/x/y/", "/ok/ok/ok/"),
	}
	srv, log := serveSite(t, files)
	st, _, err := crawl(t, Config{Start: srv.URL + "/", NoExternal: true})
	if err != nil {
		t.Fatal(err)
	}
	got := notRequestedOf(t, st, srv.URL)
	want := map[string]string{long: "url-too-long", "/a/a/a/a/": "url-too-long", "/x/y/x/y/x/y/x/y/": "url-too-long"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("not requested: %v\nwant %v", got, want)
	}
	for u := range want {
		if n := log.Count(strings.Split(u, "?")[0]); n != 0 && !strings.HasPrefix(u, "/long") {
			t.Errorf("%s requested %d times", u, n)
		}
		in, _ := st.EdgesTo(srv.URL + u)
		if len(in) != 1 || in[0].From != srv.URL+"/" {
			t.Errorf("%s: edges %v, want the home page's link", u, in)
		}
	}
	if log.Count("/long") != 0 || log.Count("/a/a/a/") != 1 || log.Count("/ok/ok/ok/") != 1 {
		t.Errorf("requests: /long %d, /a/a/a/ %d, /ok/ok/ok/ %d; want 0, 1, 1", log.Count("/long"), log.Count("/a/a/a/"), log.Count("/ok/ok/ok/"))
	}
}

// TestSessionVariantsAreOneURL: URLs that differ only by a session ID are
// one URL, requested once, whether the ID is known by its name
// (;jsessionid=, ?sid=) or learnt from its values' shape (a long random
// value that changes for the same path).
func TestSessionVariantsAreOneURL(t *testing.T) {
	t.Parallel()
	var n int
	id := func() string { n++; return fmt.Sprintf("a%db%dc%dd%de%dfghij", n, n, n, n, n) + strconv.Itoa(n*7919) }
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		default:
			// Every page links to the same three pages, with new IDs.
			fmt.Fprintf(w, `<title>x</title><a href="/cart;jsessionid=%s">cart</a> <a href="/shop?sid=%s&amp;q=1">shop</a> <a href="/deals?k=%s">deals</a>`, id(), id(), id())
		}
	})
	log := &testsite.Log{}
	srv := testsite.Start(handler, log)
	t.Cleanup(srv.Close)
	st, _, err := crawl(t, Config{Start: srv.URL + "/", Concurrency: 1, NoExternal: true})
	if err != nil {
		t.Fatal(err)
	}
	for path, most := range map[string]int{"/cart;jsessionid": 1, "/shop": 1, "/deals": 3} {
		requested := 0
		for _, r := range log.Requests() {
			if strings.HasPrefix(r.URI, path) {
				requested++
			}
		}
		if requested < 1 || requested > most {
			t.Errorf("%s: requested %d times, want 1 to %d", path, requested, most)
		}
	}
	if got := notRequestedOf(t, st, srv.URL); len(got) != 0 {
		t.Errorf("session variants are folded, not recorded: %v", got)
	}
}

// endless serves a pagination that answers 200 past its last page: page
// N ≥ 3 says "nothing more" and links to page N+1.
func endless() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<title>home</title><a href="/list?page=1">products</a>`)
		case "/list":
			p, _ := strconv.Atoi(r.URL.Query().Get("page"))
			body := "Nothing more."
			if p < 3 {
				body = fmt.Sprintf(`<a href="/item/%d">Item %d</a> <a href="/item/%d">Item %d</a>`, 2*p, 2*p, 2*p+1, 2*p+1)
			}
			fmt.Fprintf(w, `<title>Products, page %d</title>%s <a href="/list?page=%d">next</a>`, p, body, p+1)
		case "/item/2", "/item/3", "/item/4", "/item/5":
			fmt.Fprintf(w, `<title>Item</title>An item: %s`, strings.Repeat("word ", len(r.URL.Path)))
		default:
			http.NotFound(w, r)
		}
	})
}

// TestTrapLimitStopsAnEndlessPagination: once TrapLimit pages of a pattern
// in a row brought nothing new, its URLs are no longer requested; the next
// one is recorded as a trap. TrapLimit -1 turns it off (then only
// --max-urls ends the crawl).
func TestTrapLimitStopsAnEndlessPagination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		limit int
		cap   int
		pages int // /list pages requested
		trap  string
	}{
		// Pages 1 and 2 list items; 3 is the first empty one (its words
		// are new), 4 to 8 bring nothing new: 5 in a row.
		{"a limit of 5 stops after page 8", 5, 0, 8, "/list?page=9"},
		{"off, only the URL cap ends it", -1, 40, 35, ""}, // 40 = the home page, 4 items, 35 pages
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &testsite.Log{}
			srv := testsite.Start(endless(), log)
			t.Cleanup(srv.Close)
			st, res, err := crawl(t, Config{Start: srv.URL + "/", Concurrency: 1, TrapLimit: tc.limit, MaxURLs: tc.cap})
			if err != nil {
				t.Fatal(err)
			}
			if n := log.Count("/list"); n != tc.pages {
				t.Errorf("/list requested %d times, want %d", n, tc.pages)
			}
			got := notRequestedOf(t, st, srv.URL)
			if tc.trap != "" && (len(got) != 1 || got[tc.trap] != "trap") {
				t.Errorf("not requested: %v, want %s as a trap", got, tc.trap)
			}
			if tc.trap == "" && !res.LimitReached {
				t.Error("the crawl without trap detection was not stopped by the URL cap")
			}
		})
	}
}

// TestNumberedPagesAreNoTrap: the benchmark's synthetic site, whose pages
// differ only by their numbers and link only to pages of their own
// pattern (/p/{id}), is crawled to the last page: its pages bring new
// text, and the early ones many new URLs.
func TestNumberedPagesAreNoTrap(t *testing.T) {
	t.Parallel()
	srv := testsite.Start(synth.New(3000), nil)
	t.Cleanup(srv.Close)
	st := store.NewMemory()
	res, err := Run(context.Background(), Config{Start: srv.URL + "/", Concurrency: 8, NoSitemaps: true, TrapLimit: 20}, st)
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	_ = st.EachURL(func(u store.URL) error {
		if u.NotRequested != "" {
			t.Errorf("%s not requested: %s", u.URL, u.NotRequested)
		}
		if u.Kind == store.KindPage && (u.Status == 200 || u.Status == 403) {
			pages++ // 1% of the pages answer 403; the others 404
		}
		return nil
	})
	if pages != 3000 || res.LimitReached {
		t.Errorf("%d pages requested, want all 3,000", pages)
	}
}

// TestResumeRequeuesWhatTheCapStopped: URLs that MaxURLs stopped are
// recorded, not requested; a resumed crawl without the cap requests them.
func TestResumeRequeuesWhatTheCapStopped(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"index.html": page("home", "/a.html", "/b.html", "/c.html"), "a.html": page("a"), "b.html": page("b"), "c.html": page("c")}
	srv, log := serveSite(t, files)
	path := filepath.Join(t.TempDir(), "crawl.db")
	st, err := store.CreateSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Config{Start: srv.URL + "/", NoSitemaps: true, MaxURLs: 2}, st); err != nil {
		t.Fatal(err)
	}
	capped := notRequestedOf(t, st, srv.URL)
	if len(capped) != 2 {
		t.Fatalf("after the capped crawl: not requested %v, want two of /a.html /b.html /c.html", capped)
	}
	if _, err := Run(context.Background(), Config{Start: srv.URL + "/", NoSitemaps: true, Resume: st}, st); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := notRequestedOf(t, st, srv.URL); len(got) != 0 {
		t.Errorf("after the resumed crawl: not requested %v, want none", got)
	}
	for u := range capped {
		if rec, ok, _ := st.Get(srv.URL + u); !ok || rec.Status != 200 {
			t.Errorf("%s after the resume: %+v", u, rec)
		}
		if n := log.Count(u); n != 1 {
			t.Errorf("%s requested %d times, want once", u, n)
		}
	}
}
