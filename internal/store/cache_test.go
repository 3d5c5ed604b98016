package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// cacheSample is sampleURLs plus records with every other column set: a
// rendered page, a cluster member, a not-requested URL, a non-UTC time.
func cacheSample() []URL {
	us := sampleURLs()
	at := time.Date(2026, 11, 1, 2, 3, 4, 5, time.FixedZone("x", 3600))
	return append(us,
		URL{URL: "https://a.test/app", Status: 200, Kind: KindPage, Method: "GET", Bytes: 50, Title: "Loading…", TextHash: "00112233aabbccdd",
			SimHash: "ffeeddccbbaa9988", Cluster: "https://a.test/app", ClusterKind: ClusterExact, FetchedAt: at,
			Render: &Render{Reason: "render", Status: 200, Title: "App", NoIndex: true, Links: 3, ConsoleErrors: []string{"boom"}}},
		URL{URL: "https://a.test/cal/2030", Kind: KindPage, Depth: 9, Bytes: -1, NotRequested: NotRequestedMaxTime},
	)
}

// eachInbound returns every record and its counts as EachURLInbound gives them.
func eachInbound(t *testing.T, s *SQLite) ([]URL, []Inbound) {
	t.Helper()
	var us []URL
	var ins []Inbound
	if err := s.EachURLInbound(func(u URL, in Inbound) error {
		us, ins = append(us, u), append(ins, in)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return us, ins
}

func eachURL(t *testing.T, s *SQLite) []URL {
	t.Helper()
	var us []URL
	if err := s.EachURL(func(u URL) error { us = append(us, u); return nil }); err != nil {
		t.Fatal(err)
	}
	return us
}

// edgeStatus is one call of EachEdgeStatus.
type edgeStatus struct {
	e        Edge
	status   int
	recorded bool
}

func eachEdgeStatus(t *testing.T, s *SQLite) []edgeStatus {
	t.Helper()
	var out []edgeStatus
	if err := s.EachEdgeStatus(func(e Edge, status int, recorded bool) error {
		out = append(out, edgeStatus{e, status, recorded})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// fromTable reads the records and the edges' statuses from the tables,
// bypassing the cache.
func fromTable(t *testing.T, s *SQLite) ([]URL, []Inbound, []edgeStatus) {
	t.Helper()
	s.cacheMu.Lock()
	s.cache, s.cacheTooBig = nil, s.committed.Load()+1
	s.cacheMu.Unlock()
	us, ins := eachInbound(t, s)
	es := eachEdgeStatus(t, s)
	s.cacheMu.Lock()
	s.cacheTooBig = 0
	s.cacheMu.Unlock()
	return us, ins, es
}

// TestCachedReadsEqualTableReads: once a scan has cached the records,
// EachURLInbound, EachURL and Get return what reads of the table return,
// through PutClusters (applied to the cache) and later writes (which
// drop it).
func TestCachedReadsEqualTableReads(t *testing.T) {
	s, err := CreateSQLite(filepath.Join(t.TempDir(), "crawl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, u := range cacheSample() {
		if err := s.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	edges := append(sampleEdges(),
		Edge{From: "https://a.test/z", To: "https://a.test/unknown", Type: EdgeLink, Tag: "a"}, // no record
		Edge{From: "https://a.test/z", To: "https://a.test/unknown", Type: EdgeLink, Tag: "a"}, // twice
		Edge{From: "https://a.test/z", To: "https://a.test/wall", Type: EdgeLink, Tag: "a"})
	for _, e := range edges {
		if err := s.AddEdge(e); err != nil {
			t.Fatal(err)
		}
	}
	check := func(stage string) {
		t.Helper()
		wantU, wantIn, wantEs := fromTable(t, s)
		gotU, gotIn := eachInbound(t, s) // builds the cache
		if s.current() == nil {
			t.Fatalf("%s: no cache after a full scan", stage)
		}
		for pass := 0; pass < 2; pass++ { // built, then read from it
			if !reflect.DeepEqual(gotU, wantU) || !reflect.DeepEqual(gotIn, wantIn) {
				t.Fatalf("%s pass %d: cached\n%+v\n%+v\nwant\n%+v\n%+v", stage, pass, gotU, gotIn, wantU, wantIn)
			}
			gotU, gotIn = eachInbound(t, s)
		}
		if got := eachEdgeStatus(t, s); !reflect.DeepEqual(got, wantEs) || len(got) < len(sampleEdges()) {
			t.Fatalf("%s: EachEdgeStatus from the cache\n%+v\nwant\n%+v", stage, got, wantEs)
		}
		if got := eachURL(t, s); !reflect.DeepEqual(got, wantU) {
			t.Fatalf("%s: cached EachURL\n%+v\nwant\n%+v", stage, got, wantU)
		}
		for _, w := range wantU {
			got, ok, err := s.Get(w.URL)
			if err != nil || !ok || !reflect.DeepEqual(got, w) {
				t.Fatalf("%s: cached Get(%s) = %+v, %v, %v; want %+v", stage, w.URL, got, ok, err, w)
			}
		}
		if _, ok, err := s.Get("https://a.test/none"); ok || err != nil {
			t.Fatalf("%s: Get of an unknown URL from the cache = %v, %v", stage, ok, err)
		}
	}
	check("first")
	if got := len(eachURL(t, s)); got != len(cacheSample()) {
		t.Fatalf("%d records, want %d", got, len(cacheSample()))
	}

	// PutClusters changes the cache in place of dropping it, as it changes
	// the table.
	eachInbound(t, s)
	if err := s.PutClusters([]ClusterMember{
		{URL: "https://a.test/z", Cluster: "https://a.test/", Kind: ClusterNear},
		{URL: "https://a.test/", Cluster: "https://a.test/", Kind: ClusterNear},
	}); err != nil {
		t.Fatal(err)
	}
	if s.current() == nil {
		t.Fatal("PutClusters dropped the cache")
	}
	cached := eachURL(t, s)
	check("after PutClusters")
	if got, _, _ := s.Get("https://a.test/app"); got.Cluster != "" || got.ClusterKind != "" {
		t.Fatalf("an old cluster survived PutClusters: %+v", got)
	}
	if z, _, _ := s.Get("https://a.test/z"); z.Cluster != "https://a.test/" || z.ClusterKind != ClusterNear {
		t.Fatalf("cluster not set: %+v", z)
	}
	if table, _, _ := fromTable(t, s); !reflect.DeepEqual(cached, table) {
		t.Fatalf("the cache after PutClusters differs from the table")
	}

	// A write drops it: the next reads see the new record and counts.
	eachInbound(t, s)
	if err := s.PutURL(URL{URL: "https://a.test/new", Status: 500, Kind: KindPage}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEdge(Edge{From: "https://a.test/", To: "https://a.test/new", Type: EdgeLink, Tag: "a"}); err != nil {
		t.Fatal(err)
	}
	if u, ok, err := s.Get("https://a.test/new"); err != nil || !ok || u.Status != 500 {
		t.Fatalf("Get after a write = %+v, %v, %v", u, ok, err)
	}
	check("after a write")
	us, ins := eachInbound(t, s)
	for i, u := range us {
		if u.URL == "https://a.test/new" && ins[i].Inlinks != 1 {
			t.Fatalf("inbound counts not refreshed: %+v", ins[i])
		}
	}
}

// TestCacheIsBounded: records that do not fit the cache's bound are read from
// the table each time, with the same results.
func TestCacheIsBounded(t *testing.T) {
	s, err := CreateSQLite(filepath.Join(t.TempDir(), "crawl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.cacheLimit = 1000
	big := make([]byte, s.cacheLimit/2+1)
	for i := range big {
		big[i] = 'x'
	}
	for _, u := range []string{"https://a.test/1", "https://a.test/2", "https://a.test/3"} {
		if err := s.PutURL(URL{URL: u, Status: 200, Kind: KindPage, Title: string(big)}); err != nil {
			t.Fatal(err)
		}
	}
	us, _ := eachInbound(t, s)
	if len(us) != 3 || len(us[2].Title) != len(big) {
		t.Fatalf("got %d records", len(us))
	}
	if s.current() != nil {
		t.Fatal("cached records larger than maxCacheBytes")
	}
	if us, _ := eachInbound(t, s); len(us) != 3 {
		t.Fatalf("second scan: %d records", len(us))
	}
}
