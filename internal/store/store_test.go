package store

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// impls are the Store implementations that must behave alike.
func impls(t *testing.T) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"memory": func(t *testing.T) Store { return NewMemory() },
		"sqlite": func(t *testing.T) Store {
			s, err := CreateSQLite(filepath.Join(t.TempDir(), "crawl.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

func sampleURLs() []URL {
	at := time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)
	return []URL{
		{URL: "https://a.test/z", Status: 404, Kind: KindPage, Depth: 2, Method: "GET", Bytes: 12, FetchedAt: at},
		{URL: "https://a.test/", Status: 200, Kind: KindPage, Start: true, Method: "GET", ContentType: "text/html", Bytes: 900,
			ResponseMS: 7, Title: "Home", Canonical: "https://a.test/", InSitemap: true, FetchedAt: at},
		{URL: "https://a.test/img.png", Status: 401, Kind: KindAsset, Depth: 1, Method: "GET", Bytes: -1,
			WWWAuthenticate: []string{`Basic realm="x"`, `Bearer`}, Truncated: true, NoIndex: true, FetchedAt: at,
			Credentials: CredentialsSent, AnonymousStatus: 401, Challenges: []Challenge{{Scheme: "Basic", Realm: "x"}, {Scheme: "Bearer", Error: "invalid_token"}}},
		{URL: "https://a.test/sitemap.xml", Status: 200, Kind: KindSitemap, Method: "GET", Bytes: 300, SitemapURLs: 2,
			SitemapProblems: []SitemapProblem{{Kind: "bad-lastmod", URL: "https://a.test/z", Message: "lastmod 02/03/2026"}}, FetchedAt: at},
		{URL: "https://a.test/login", Status: 200, Kind: KindPage, Method: "GET", Bytes: 10, LoginForm: true, BotCheck: "", RobotsDisallowed: true, FetchedAt: at},
		{URL: "https://a.test/wall", Status: 403, Kind: KindPage, Method: "GET", Bytes: 10, BotCheck: "cf-mitigated: challenge", FetchedAt: at},
		{URL: "https://a.test/private", Kind: KindPage, Depth: 1, Bytes: -1, BlockedByRobots: true},
		{URL: "https://b.test/", Kind: KindExternal, Depth: 1, Bytes: -1, Error: "dns: no such host (b.test)", ErrorKind: ErrorDNS, Redirect: "https://c.test/", FetchedAt: at},
	}
}

func sampleEdges() []Edge {
	return []Edge{
		{From: "https://a.test/", To: "https://a.test/z", Type: EdgeLink, Tag: "a", Text: "Zed"},
		{From: "https://a.test/", To: "https://a.test/img.png", Type: EdgeAsset, Tag: "img", Text: "logo"},
		{From: "https://a.test/z", To: "https://a.test/img.png", Type: EdgeAsset, Tag: "img"},
		{From: "https://a.test/", To: "https://b.test/", Type: EdgeLink, Tag: "a"},
		{From: "https://a.test/sitemap.xml", To: "https://a.test/z", Type: EdgeSitemap, Tag: "loc"},
	}
}

// TestStoreConformance runs the same behaviours against every Store.
func TestStoreConformance(t *testing.T) {
	for name, open := range impls(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("records read back in URL order, later record replaces earlier", func(t *testing.T) {
				s := open(t)
				for _, u := range sampleURLs() {
					must(t, s.PutURL(u))
				}
				must(t, s.PutURL(URL{URL: "https://a.test/z", Status: 410, Kind: KindPage, Bytes: 1}))
				var got []string
				must(t, s.EachURL(func(u URL) error { got = append(got, u.URL); return nil }))
				want := []string{"https://a.test/", "https://a.test/img.png", "https://a.test/login", "https://a.test/private", "https://a.test/sitemap.xml", "https://a.test/wall", "https://a.test/z", "https://b.test/"}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("order = %v, want %v", got, want)
				}
				z, ok, err := s.Get("https://a.test/z")
				if err != nil || !ok || z.Status != 410 {
					t.Fatalf("Get after replace = %+v %v %v", z, ok, err)
				}
				for _, want := range sampleURLs()[1:] {
					got, ok, err := s.Get(want.URL)
					if err != nil || !ok {
						t.Fatalf("Get(%s) = %v %v", want.URL, ok, err)
					}
					if !got.FetchedAt.Equal(want.FetchedAt) {
						t.Errorf("FetchedAt = %v, want %v", got.FetchedAt, want.FetchedAt)
					}
					got.FetchedAt, want.FetchedAt = time.Time{}, time.Time{}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("Get(%s) =\n%+v\nwant\n%+v", want.URL, got, want)
					}
				}
				if _, ok, err := s.Get("https://a.test/none"); ok || err != nil {
					t.Errorf("Get(missing) = %v, %v", ok, err)
				}
			})
			t.Run("PutClusters replaces every record's cluster, and only that", func(t *testing.T) {
				s := open(t)
				for _, u := range sampleURLs() {
					must(t, s.PutURL(u))
				}
				stale := URL{URL: "https://a.test/stale", Status: 200, Kind: KindPage, Method: "GET", Bytes: 1, TextHash: "00000000000000aa",
					Cluster: "https://a.test/", ClusterKind: ClusterNear}
				must(t, s.PutURL(stale))
				must(t, s.PutClusters([]ClusterMember{
					{URL: "https://a.test/", Cluster: "https://a.test/", Kind: ClusterExact},
					{URL: "https://a.test/z", Cluster: "https://a.test/", Kind: ClusterExact},
					{URL: "https://a.test/none", Cluster: "https://a.test/", Kind: ClusterExact}, // no record: skipped
				}))
				got := map[string]string{}
				must(t, s.EachURL(func(u URL) error {
					if u.Cluster != "" || u.ClusterKind != "" {
						got[u.URL] = u.Cluster + " " + string(u.ClusterKind)
					}
					return nil
				}))
				want := map[string]string{"https://a.test/": "https://a.test/ exact", "https://a.test/z": "https://a.test/ exact"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("clusters = %v, want %v (the stale one cleared, no record made)", got, want)
				}
				if _, ok, _ := s.Get("https://a.test/none"); ok {
					t.Error("PutClusters made a record")
				}
				z, _, _ := s.Get("https://a.test/z")
				if z.Status != 404 || z.Depth != 2 || z.Bytes != 12 {
					t.Errorf("the rest of the record changed: %+v", z)
				}
				must(t, s.PutClusters(nil))
				must(t, s.EachURL(func(u URL) error {
					if u.Cluster != "" || u.ClusterKind != "" {
						t.Errorf("%s: cluster %q %q after PutClusters(nil)", u.URL, u.Cluster, u.ClusterKind)
					}
					return nil
				}))
			})
			t.Run("EachURLInbound counts the edges to every record", func(t *testing.T) {
				s := open(t)
				for _, u := range sampleURLs() {
					must(t, s.PutURL(u))
				}
				edges := append(sampleEdges(),
					Edge{From: "https://a.test/", To: "https://a.test/z", Type: EdgeLink, Tag: "a", Text: "again"}, // same (From, Type, Tag)
					Edge{From: "https://a.test/z", To: "https://a.test/z", Type: EdgeLink, Tag: "a"},               // self-link: no inlink
					Edge{From: "https://a.test/old", To: "https://a.test/z", Type: EdgeRedirect, Tag: "location"},  // redirects are not inlinks
					Edge{From: "https://a.test/", To: "https://a.test/nowhere", Type: EdgeLink, Tag: "a"},          // no record: not visited
				)
				for _, e := range edges {
					must(t, s.AddEdge(e))
				}
				got := map[string]string{}
				must(t, s.EachURLInbound(func(u URL, in Inbound) error {
					got[u.URL] = fmt.Sprintf("%v inlinks=%d links=%d refs=%d entry=%v sources=%v", in.Types, in.Inlinks, in.Links, in.Refs, in.Entry(), in.Sources(u))
					return nil
				}))
				want := map[string]string{
					"https://a.test/":            "[] inlinks=0 links=0 refs=0 entry=false sources=[start]",
					"https://a.test/img.png":     "[asset] inlinks=2 links=0 refs=2 entry=true sources=[asset]",
					"https://a.test/login":       "[] inlinks=0 links=0 refs=0 entry=false sources=[]",
					"https://a.test/private":     "[] inlinks=0 links=0 refs=0 entry=false sources=[]",
					"https://a.test/sitemap.xml": "[] inlinks=0 links=0 refs=0 entry=false sources=[]",
					"https://a.test/wall":        "[] inlinks=0 links=0 refs=0 entry=false sources=[]",
					"https://a.test/z":           "[link redirect sitemap] inlinks=1 links=1 refs=4 entry=true sources=[link redirect sitemap]",
					"https://b.test/":            "[link] inlinks=1 links=1 refs=1 entry=true sources=[link]",
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("EachURLInbound =\n%v\nwant\n%v", got, want)
				}
				for _, u := range sampleURLs() { // the counts are what InboundOf derives from EdgesTo
					in, err := s.EdgesTo(u.URL)
					must(t, err)
					if d := InboundOf(u.URL, in); fmt.Sprintf("%v inlinks=%d links=%d refs=%d entry=%v sources=%v", d.Types, d.Inlinks, d.Links, d.Refs, d.Entry(), d.Sources(u)) != want[u.URL] {
						t.Errorf("InboundOf(%s) = %+v, EachURLInbound %s", u.URL, d, want[u.URL])
					}
				}
			})
			t.Run("EdgesTo returns at most MaxEdgesTo edges", func(t *testing.T) {
				s := open(t)
				for i := range MaxEdgesTo + 5 {
					must(t, s.AddEdge(Edge{From: fmt.Sprintf("https://a.test/p/%06d", i), To: "https://a.test/", Type: EdgeLink, Tag: "a"}))
				}
				must(t, s.PutURL(URL{URL: "https://a.test/", Status: 200, Kind: KindPage}))
				in, err := s.EdgesTo("https://a.test/")
				must(t, err)
				if len(in) != MaxEdgesTo || in[0].From != "https://a.test/p/000000" || in[len(in)-1].From != fmt.Sprintf("https://a.test/p/%06d", MaxEdgesTo-1) {
					t.Fatalf("EdgesTo: %d edges, first %v", len(in), in[0])
				}
				must(t, s.EachURLInbound(func(u URL, in Inbound) error {
					if in.Inlinks != MaxEdgesTo+5 {
						t.Errorf("Inlinks = %d, want every one: %d", in.Inlinks, MaxEdgesTo+5)
					}
					return nil
				}))
			})
			t.Run("edges iterate sorted and EdgesTo selects by target", func(t *testing.T) {
				s := open(t)
				for _, e := range sampleEdges() {
					must(t, s.AddEdge(e))
				}
				var got []Edge
				must(t, s.EachEdge(func(e Edge) error { got = append(got, e); return nil }))
				want := sampleEdges()
				SortEdgesByTarget(want)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("EachEdge =\n%v\nwant\n%v", got, want)
				}
				in, err := s.EdgesTo("https://a.test/z")
				must(t, err)
				wantIn := []Edge{sampleEdges()[0], sampleEdges()[4]}
				if !reflect.DeepEqual(in, wantIn) {
					t.Fatalf("EdgesTo =\n%v\nwant\n%v", in, wantIn)
				}
				if in, _ := s.EdgesTo("https://a.test/none"); len(in) != 0 {
					t.Errorf("EdgesTo(none) = %v", in)
				}
				must(t, s.PutURL(URL{URL: "https://a.test/z", Status: 404, Kind: KindPage}))
				var joined []string
				must(t, s.EachEdgeStatus(func(e Edge, status int, ok bool) error {
					joined = append(joined, fmt.Sprintf("%s>%s %d %v", e.From, e.To, status, ok))
					return nil
				}))
				wantJoined := []string{
					"https://a.test/>https://a.test/img.png 0 false",
					"https://a.test/z>https://a.test/img.png 0 false",
					"https://a.test/>https://a.test/z 404 true",
					"https://a.test/sitemap.xml>https://a.test/z 404 true",
					"https://a.test/>https://b.test/ 0 false",
				}
				if !reflect.DeepEqual(joined, wantJoined) {
					t.Errorf("EachEdgeStatus =\n%v\nwant\n%v", joined, wantJoined)
				}
			})
			t.Run("EdgesTo in any order, and after more writes", func(t *testing.T) {
				s := open(t)
				for _, e := range sampleEdges() {
					must(t, s.AddEdge(e))
				}
				count := func(u string) int {
					in, err := s.EdgesTo(u)
					must(t, err)
					for _, e := range in {
						if e.To != u {
							t.Fatalf("EdgesTo(%s) returned %+v", u, e)
						}
					}
					return len(in)
				}
				order := []string{"https://a.test/", "https://a.test/img.png", "https://a.test/z", "https://b.test/",
					"https://a.test/img.png", "https://a.test/a", "https://a.test/z", "https://c.test/", "https://a.test/z"}
				want := []int{0, 2, 2, 1, 2, 0, 2, 0, 2}
				for i, u := range order {
					if got := count(u); got != want[i] {
						t.Errorf("call %d: EdgesTo(%s) = %d edges, want %d", i, u, got, want[i])
					}
				}
				must(t, s.AddEdge(Edge{From: "https://a.test/q", To: "https://a.test/z", Type: EdgeLink, Tag: "a"}))
				if got := count("https://a.test/z"); got != 3 {
					t.Errorf("after a write: EdgesTo = %d edges, want 3", got)
				}
			})
			t.Run("EdgesTo serves interleaved and concurrent passes and repeated calls", func(t *testing.T) {
				s := open(t)
				for _, e := range sampleEdges() {
					must(t, s.AddEdge(e))
				}
				targets := []string{"https://a.test/", "https://a.test/img.png", "https://a.test/z", "https://b.test/"}
				want := map[string]int{"https://a.test/": 0, "https://a.test/img.png": 2, "https://a.test/z": 2, "https://b.test/": 1}
				check := func(u string) error {
					in, err := s.EdgesTo(u)
					if err != nil {
						return err
					}
					if len(in) != want[u] {
						return fmt.Errorf("EdgesTo(%s) = %d edges, want %d", u, len(in), want[u])
					}
					return nil
				}
				// Two passes, the second one URL behind, then each URL twice.
				for i := range targets {
					must(t, check(targets[i]))
					if i > 0 {
						must(t, check(targets[i-1]))
					}
					must(t, check(targets[i]))
				}
				var wg sync.WaitGroup
				errs := make(chan error, 4)
				for range 4 {
					wg.Go(func() {
						for range 20 {
							for _, u := range targets {
								if err := check(u); err != nil {
									errs <- err
									return
								}
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
			})
			t.Run("iteration stops at the callback's error", func(t *testing.T) {
				s := open(t)
				for _, u := range sampleURLs() {
					must(t, s.PutURL(u))
				}
				stop := errors.New("stop")
				n := 0
				err := s.EachURL(func(URL) error { n++; return stop })
				if !errors.Is(err, stop) || n != 1 {
					t.Fatalf("EachURL = %v after %d calls", err, n)
				}
			})
			t.Run("meta and findings round-trip", func(t *testing.T) {
				s := open(t)
				m := Meta{ToolVersion: "1.2", StartURL: "https://a.test/", Partial: true,
					StartedAt:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)),
					FinishedAt: time.Date(2026, 1, 2, 3, 9, 5, 0, time.UTC),
					Settings:   map[string]string{"concurrency": "8", "include": ""}}
				must(t, s.SetMeta(m))
				got, err := s.Meta()
				must(t, err)
				if !got.StartedAt.Equal(m.StartedAt) || !got.FinishedAt.Equal(m.FinishedAt) {
					t.Errorf("times = %v %v", got.StartedAt, got.FinishedAt)
				}
				if _, off := got.StartedAt.Zone(); off != 3600 {
					t.Errorf("offset lost: %v", got.StartedAt)
				}
				got.StartedAt, got.FinishedAt, m.StartedAt, m.FinishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
				if !reflect.DeepEqual(got, m) {
					t.Errorf("Meta = %+v, want %+v", got, m)
				}
				fs := []Finding{
					{Rule: "broken-link", Severity: SeverityError, URL: "https://a.test/z", Message: "404", Fix: "fix the links", Referrers: []string{"https://a.test/"}},
					{Rule: "a-notice", Severity: SeverityNotice, URL: "https://a.test/", Message: "m"},
				}
				must(t, s.PutFindings(fs))
				must(t, s.PutFindings(fs)) // replaces, never appends
				gotF, err := s.Findings()
				must(t, err)
				if !reflect.DeepEqual(gotF, fs) {
					t.Errorf("Findings = %+v, want %+v", gotF, fs)
				}
			})
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteFrontierAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	qs := []Queued{
		{URL: "https://a.test/", Kind: KindPage, Parse: "html", Start: true},
		{URL: "https://a.test/b", Kind: KindPage, Depth: 1, Parse: "html"},
		{URL: "https://a.test/s.css", Kind: KindAsset, Depth: 1, Parse: "css"},
		{URL: "https://x.test/", Kind: KindExternal, Depth: 1, Hops: 2, Head: true},
	}
	for _, q := range qs {
		must(t, s.Enqueue(q))
	}
	must(t, s.Enqueue(qs[1])) // queued twice: kept once, in its first place
	must(t, s.PutURL(URL{URL: "https://a.test/", Status: 200, Kind: KindPage, Start: true}))
	must(t, s.AddEdge(sampleEdges()[0]))
	must(t, s.AddEdge(sampleEdges()[0])) // exact duplicate: stored once
	must(t, s.Close())

	s, err = OpenSQLite(path)
	must(t, err)
	defer s.Close()
	var got []Queued
	must(t, s.EachQueued(func(q Queued) error { got = append(got, q); return nil }))
	if !reflect.DeepEqual(got, qs[1:]) {
		t.Fatalf("frontier after reopen =\n%+v\nwant\n%+v", got, qs[1:])
	}
	if _, ok, _ := s.Get("https://a.test/"); !ok {
		t.Error("record lost on reopen")
	}
	n := 0
	must(t, s.EachEdge(func(Edge) error { n++; return nil }))
	if n != 1 {
		t.Errorf("edges = %d, want 1", n)
	}
}

// TestSQLiteWritesAreBatchedAndVisible writes more than one batch from many
// goroutines and reads everything back.
func TestSQLiteWritesAreBatchedAndVisible(t *testing.T) {
	s, err := CreateSQLite(filepath.Join(t.TempDir(), "crawl.db"))
	must(t, err)
	defer s.Close()
	const workers, per = 8, 700
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range per {
				u := fmt.Sprintf("https://a.test/%d/%d", w, i)
				if err := s.PutURL(URL{URL: u, Status: 200, Kind: KindPage}); err != nil {
					errs <- err
					return
				}
				if err := s.AddEdge(Edge{From: "https://a.test/", To: u, Type: EdgeLink, Tag: "a"}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		must(t, <-errs)
	}
	n, prev := 0, ""
	must(t, s.EachURL(func(u URL) error {
		if u.URL <= prev {
			return fmt.Errorf("%s after %s", u.URL, prev)
		}
		prev = u.URL
		n++
		return nil
	}))
	if n != workers*per {
		t.Fatalf("records = %d, want %d", n, workers*per)
	}
}

func TestSQLiteSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	var v int
	must(t, s.db.QueryRow("PRAGMA user_version").Scan(&v))
	if v != SchemaVersion || SchemaVersion != 6 {
		t.Fatalf("user_version = %d, SchemaVersion = %d", v, SchemaVersion)
	}
	var mode string
	must(t, s.db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var ps int
	must(t, s.db.QueryRow("PRAGMA page_size").Scan(&ps))
	if ps != pageSize || pageSize != 16384 {
		t.Errorf("page_size = %d, want %d (README: pages are 16 KiB)", ps, pageSize)
	}
	// The README documents these tables and columns; changing them needs
	// a SchemaVersion bump and a README update.
	want := map[string][]string{
		"meta":     {"key", "value"},
		"settings": {"key", "value"},
		"urls": {"url", "status", "kind", "start", "depth", "method", "content_type", "bytes", "truncated", "response_ms",
			"redirect", "www_authenticate", "noindex", "canonical", "title", "in_sitemap", "blocked_by_robots", "error", "fetched_at",
			"robots_disallowed", "sitemap_urls", "sitemap_problems", "credentials", "anonymous_status", "bot_check", "login_form", "challenges", "error_kind",
			"not_requested", "text_hash", "simhash", "cluster", "cluster_kind", "render"},
		"edges":    {"from_url", "to_url", "type", "tag", "text"},
		"findings": {"seq", "rule", "severity", "url", "message", "referrers", "fix"},
		"frontier": {"seq", "url", "kind", "depth", "hops", "parse", "head", "start"},
		"inbound":  {"url", "types", "inlinks", "links", "refs"},
		"log_run":  {"id", "data"},
		"bot_hits": {"url", "bot", "kind", "verdict", "hits", "statuses", "first_seen", "last_seen", "times"},
		"bot_days": {"day", "bot", "verdict", "class", "hits"},
	}
	rows, err := s.db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	must(t, err)
	var tables []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) != len(want) {
		t.Errorf("tables = %v", tables)
	}
	for table, cols := range want {
		rows, err := s.db.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
		must(t, err)
		var got []string
		for rows.Next() {
			var n string
			must(t, rows.Scan(&n))
			got = append(got, n)
		}
		rows.Close()
		if !reflect.DeepEqual(got, cols) {
			t.Errorf("%s columns = %v, want %v", table, got, cols)
		}
	}
	must(t, s.Close())

	t.Run("a newer schema version is refused", func(t *testing.T) {
		s, err := OpenSQLite(path)
		must(t, err)
		_, err = s.db.Exec("PRAGMA user_version = 99")
		must(t, err)
		s.Close()
		if _, err := OpenSQLite(path); err == nil {
			t.Fatal("opened a version 99 database")
		}
	})
	t.Run("a file that is not a crawl database is refused", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "crawl.db")
		must(t, os.WriteFile(bad, []byte("not a database, just text\n"), 0o644))
		if s, err := OpenSQLite(bad); err == nil {
			s.Close()
			t.Fatal("opened a text file")
		}
		if _, err := OpenSQLite(filepath.Join(t.TempDir(), "missing.db")); err == nil {
			t.Fatal("opened a missing file")
		}
	})
}

// TestSQLiteOpensVersion1: a crawl.db written before the inbound table
// existed (schema version 1) is upgraded when opened, and its counts are
// derived from its edges.
func TestSQLiteOpensVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/x", Status: 404, Kind: KindPage}))
	must(t, s.AddEdge(Edge{From: "https://a.test/", To: "https://a.test/x", Type: EdgeLink, Tag: "a"}))
	must(t, s.Flush())
	_, err = s.db.Exec(dropVersion4 + `DROP TABLE inbound; PRAGMA user_version = 1`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	var got Inbound
	must(t, s.EachURLInbound(func(u URL, in Inbound) error { got = in; return nil }))
	if got.Inlinks != 1 || got.Links != 1 || got.Refs != 1 || len(got.Types) != 1 {
		t.Errorf("Inbound = %+v", got)
	}
}

// TestSQLiteResumesVersion2: a version 2 crawl.db, whose frontier has a
// unique url and lost each row when the URL was recorded, is upgraded when
// opened and its queue reads back in order, recorded URLs left out.
func TestSQLiteResumesVersion2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	_, err = s.db.Exec(dropVersion4 + `DROP TABLE frontier;
		CREATE TABLE frontier (seq INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, depth INTEGER NOT NULL,
			hops INTEGER NOT NULL, parse TEXT NOT NULL, head INTEGER NOT NULL, start INTEGER NOT NULL);
		INSERT INTO frontier (url, kind, depth, hops, parse, head, start) VALUES
			('https://a.test/b', 'page', 1, 0, 'html', 0, 0), ('https://a.test/c', 'page', 1, 0, 'html', 0, 0);
		PRAGMA user_version = 2`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	must(t, s.Enqueue(Queued{URL: "https://a.test/b", Kind: KindPage, Depth: 2})) // already queued: ignored
	must(t, s.Enqueue(Queued{URL: "https://a.test/d", Kind: KindPage, Depth: 2}))
	must(t, s.PutURL(URL{URL: "https://a.test/c", Status: 200, Kind: KindPage}))
	var got []string
	must(t, s.EachQueued(func(q Queued) error { got = append(got, fmt.Sprint(q.URL, " ", q.Depth)); return nil }))
	if want := []string{"https://a.test/b 1", "https://a.test/d 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("frontier = %q, want %q", got, want)
	}
}

// dropVersion6, dropVersion5 and dropVersion4 turn a new crawl.db back into
// one of the version before.
const (
	dropVersion6 = `ALTER TABLE urls DROP COLUMN render; DROP TABLE log_run; DROP TABLE bot_hits; DROP TABLE bot_days;`
	dropVersion5 = dropVersion6 + `ALTER TABLE urls DROP COLUMN not_requested; ALTER TABLE urls DROP COLUMN text_hash; ALTER TABLE urls DROP COLUMN simhash;
		ALTER TABLE urls DROP COLUMN cluster; ALTER TABLE urls DROP COLUMN cluster_kind;`
	dropVersion4 = dropVersion5 + `ALTER TABLE urls DROP COLUMN error_kind; ALTER TABLE findings DROP COLUMN fix;`
)

// TestSQLiteOpensVersion5: a crawl.db of schema 5 is upgraded in one
// transaction: its records read back not rendered, and a rendered page's
// Render reads back whole.
func TestSQLiteOpensVersion5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/x", Status: 200, Kind: KindPage, TextHash: "00ff00ff00ff00ff"}))
	must(t, s.Flush())
	_, err = s.db.Exec(dropVersion6 + `PRAGMA user_version = 5`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	u, ok, err := s.Get("https://a.test/x")
	must(t, err)
	if !ok || u.Status != 200 || u.TextHash != "00ff00ff00ff00ff" || u.Render != nil {
		t.Errorf("version 5 record read as %+v", u)
	}
	want := URL{URL: "https://a.test/y", Kind: KindPage, Status: 200, Bytes: -1, Title: "Loading…", Render: &Render{
		Reason: "render", Status: 200, Title: "Catalogue", Canonical: "https://a.test/c", NoIndex: true, Links: 3, OnlyLinks: 2,
		TextLength: 120, Requests: 9, Failed: 2, Blocked: 1, NotIdle: true, ErrorKind: "script", Error: "boom",
		ConsoleErrors: []string{"Uncaught Error: boom", "bad \xff byte"},
	}}
	must(t, s.PutURL(want))
	must(t, s.Flush())
	got, _, err := s.Get(want.URL)
	must(t, err)
	want.Render.ConsoleErrors[1] = "bad \uFFFD byte"
	if !reflect.DeepEqual(got.Render, want.Render) {
		t.Errorf("Render read back as %+v, want %+v", got.Render, want.Render)
	}
	var rendered int
	must(t, s.EachURL(func(u URL) error {
		if u.Render != nil {
			rendered++
		}
		return nil
	}))
	if rendered != 1 {
		t.Errorf("EachURL read %d rendered records, want 1", rendered)
	}
}

// TestSQLiteOpensVersion4: a crawl.db of schema 4 is upgraded: its records
// read back with the new fields empty, and new ones keep them.
func TestSQLiteOpensVersion4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/x", Status: 200, Kind: KindPage, ErrorKind: ErrorOther}))
	must(t, s.Flush())
	_, err = s.db.Exec(dropVersion5 + `PRAGMA user_version = 4`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	u, ok, err := s.Get("https://a.test/x")
	must(t, err)
	if !ok || u.Status != 200 || u.ErrorKind != ErrorOther || u.NotRequested != "" || u.TextHash != "" || u.Cluster != "" {
		t.Errorf("version 4 record read as %+v", u)
	}
	want := URL{URL: "https://a.test/y", Kind: KindPage, Bytes: -1, NotRequested: NotRequestedTrap, TextHash: "00ff00ff00ff00ff", SimHash: "0123456789abcdef", Cluster: "https://a.test/x", ClusterKind: ClusterNear}
	must(t, s.PutURL(want))
	must(t, s.Flush())
	got, _, err := s.Get(want.URL)
	must(t, err)
	if got.NotRequested != want.NotRequested || got.TextHash != want.TextHash || got.SimHash != want.SimHash || got.Cluster != want.Cluster || got.ClusterKind != want.ClusterKind {
		t.Errorf("version 5 fields read back as %+v", got)
	}
	must(t, s.Close())
}

// TestSQLiteOpensVersion3: findings stored before findings.fix existed
// keep the fix in their message, and read back the same text.
func TestSQLiteOpensVersion3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/x", Status: 404, Kind: KindPage}))
	must(t, s.Flush())
	_, err = s.db.Exec(dropVersion4 + `INSERT INTO findings (seq, rule, severity, url, message, referrers)
		VALUES (0, 'broken-link', 'error', 'https://a.test/x', '404 Not Found, linked or used by 1 URL. Fix: fix or remove the links', '[]');
		PRAGMA user_version = 3`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	fs, err := s.Findings()
	must(t, err)
	if len(fs) != 1 || fs[0].Fix != "" || fs[0].Text() != "404 Not Found, linked or used by 1 URL. Fix: fix or remove the links" {
		t.Errorf("findings = %+v", fs)
	}
	u, ok, err := s.Get("https://a.test/x")
	must(t, err)
	if !ok || u.ErrorKind != "" || u.Status != 404 {
		t.Errorf("record = %+v", u)
	}
	must(t, s.PutFindings([]Finding{{Rule: "broken-link", Severity: SeverityError, URL: "https://a.test/x", Message: "404", Fix: "fix it"}}))
	fs, err = s.Findings()
	must(t, err)
	if len(fs) != 1 || fs[0].Message != "404" || fs[0].Fix != "fix it" || fs[0].Text() != "404. Fix: fix it" {
		t.Errorf("findings after the upgrade = %+v", fs)
	}
}

// openUpgraded opens the older crawl database at path and checks that it
// was brought to SchemaVersion; the store is closed when the test ends.
func openUpgraded(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(path)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	var v int
	must(t, s.db.QueryRow("PRAGMA user_version").Scan(&v))
	if v != SchemaVersion {
		t.Errorf("user_version after opening = %d, want %d", v, SchemaVersion)
	}
	return s
}

// TestSQLiteStoresValidUTF8: text a site sent that is not UTF-8 (a title,
// anchor text, a header) is stored with U+FFFD in place of the bad bytes,
// so that any SQLite client decodes every table.
func TestSQLiteStoresValidUTF8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/", Status: 200, Kind: KindPage, Title: "caf\xe9 \x9b", ContentType: "text/html; charset=\xff",
		WWWAuthenticate: []string{"Basic realm=\"\xfe\""}, Error: "bad \xc3"}))
	must(t, s.AddEdge(Edge{From: "https://a.test/", To: "https://a.test/x", Type: EdgeLink, Tag: "a", Text: "Stra\xdfe"}))
	must(t, s.SetMeta(Meta{StartURL: "https://a.test/", Settings: map[string]string{"user_agent": "ua\xff"}}))
	must(t, s.PutFindings([]Finding{{Rule: "r", Severity: SeverityNotice, URL: "https://a.test/", Message: "title \xe9"}}))
	must(t, s.Close())

	db, err := sql.Open("sqlite", "file:"+path)
	must(t, err)
	defer db.Close()
	for _, q := range []string{"SELECT title || content_type || www_authenticate || error FROM urls", "SELECT text FROM edges",
		"SELECT value FROM settings", "SELECT message FROM findings"} {
		var v string
		must(t, db.QueryRow(q).Scan(&v))
		if !utf8.ValidString(v) || !strings.Contains(v, "\uFFFD") {
			t.Errorf("%s = %q: want valid UTF-8 with U+FFFD for the bad bytes", q, v)
		}
	}
}

// TestOpenSQLiteRefusesWithoutTouching: another program's SQLite database,
// a file that is not one, and a damaged one are refused, and left byte for
// byte as they were, with no journal files beside them.
func TestOpenSQLiteRefusesWithoutTouching(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", "file:"+foreign)
	must(t, err)
	_, err = db.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine'); PRAGMA user_version = 7`)
	must(t, err)
	must(t, db.Close())
	notDB := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(notDB, []byte("not a database at all\n"), 0o644))
	damaged := filepath.Join(dir, "damaged.db")
	good := filepath.Join(dir, "crawl.db")
	s, err := CreateSQLite(good)
	must(t, err)
	must(t, s.Close())
	data, err := os.ReadFile(good)
	must(t, err)
	for i := 100; i < len(data); i++ {
		data[i] ^= 0x5a // the header survives, the pages do not
	}
	must(t, os.WriteFile(damaged, data, 0o644))

	for _, path := range []string{foreign, notDB, damaged} {
		before := sha256File(t, path)
		if st, err := OpenSQLite(path); err == nil {
			st.Close()
			t.Errorf("%s opened", filepath.Base(path))
			continue
		}
		if after := sha256File(t, path); after != before {
			t.Errorf("%s changed by the refusal", filepath.Base(path))
		}
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + suffix); err == nil {
				t.Errorf("%s%s created", filepath.Base(path), suffix)
			}
		}
	}
}

func sha256File(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return sha256.Sum256(b)
}

// TestSQLiteOpensVersion5GetsLogTables: a crawl.db of schema 5 gets the
// (empty) log tables when opened, and keeps log data written then, offsets
// included.
func TestSQLiteOpensVersion5GetsLogTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crawl.db")
	s, err := CreateSQLite(path)
	must(t, err)
	must(t, s.PutURL(URL{URL: "https://a.test/x", Status: 401, Kind: KindPage}))
	must(t, s.Flush())
	_, err = s.db.Exec(dropVersion6 + `PRAGMA user_version = 5`)
	must(t, err)
	must(t, s.Close())

	s = openUpgraded(t, path)
	d, err := s.Logs()
	must(t, err)
	if d != nil {
		t.Fatalf("an upgraded database has log data: %+v", d)
	}
	paris := time.FixedZone("", 7200)
	want := LogData{
		Run: LogRun{Files: []string{"access.log"}, Formats: []string{"combined"}, Lines: 10, Requests: 9, BotLines: 2, HumanLines: 7, BadLines: 1,
			Bad: []BadLine{{File: "access.log", Line: 3, Reason: "bad status"}}, Ranges: []string{"google"}},
		Hits: []*BotHit{{URL: "https://a.test/x", Bot: "Googlebot Smartphone", Kind: "search", Verdict: "verified", Hits: 2,
			Statuses: []StatusCount{{401, 2}}, FirstSeen: time.Date(2026, 3, 29, 3, 0, 1, 0, paris), LastSeen: time.Date(2026, 3, 29, 4, 0, 0, 0, paris),
			Times: []uint32{0, 2}}},
		Days: []BotDay{{Day: "2026-03-29", Bot: "Googlebot Smartphone", Verdict: "verified", Class: "4xx", Hits: 2}},
	}
	must(t, s.PutLogs(want))
	must(t, s.PutLogs(want)) // replaces, does not add
	got, err := s.Logs()
	must(t, err)
	if got == nil || len(got.Hits) != 1 || len(got.Days) != 1 || got.Run.BotLines != 2 || got.Run.Bad[0] != want.Run.Bad[0] {
		t.Fatalf("logs read back as %+v", got)
	}
	h := got.Hits[0]
	if _, off := h.FirstSeen.Zone(); off != 7200 || !h.FirstSeen.Equal(want.Hits[0].FirstSeen) || h.Statuses[0] != (StatusCount{401, 2}) || len(h.Times) != 2 || h.Times[1] != 2 {
		t.Errorf("hit read back as %+v", h)
	}
}

// TestCommitMark: a mark taken after a write is committed once Flush has
// returned, and a mark past every write is not.
func TestCommitMark(t *testing.T) {
	st, err := CreateSQLite(filepath.Join(t.TempDir(), "crawl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutURL(URL{URL: "http://a.test/", Status: 200, Kind: KindPage}); err != nil {
		t.Fatal(err)
	}
	mark := st.Mark()
	if mark < 1 {
		t.Fatalf("mark %d after a write", mark)
	}
	if err := st.Flush(); err != nil {
		t.Fatal(err)
	}
	if !st.Committed(mark) {
		t.Error("the write before the mark is not committed after Flush")
	}
	if st.Committed(mark + 1) {
		t.Error("a mark past every write counts as committed")
	}
}
