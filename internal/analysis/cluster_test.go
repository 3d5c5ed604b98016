package analysis

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// dupRec is a 200 HTML page of x.test with the given fingerprints.
func dupRec(path string, text, sim uint64) store.URL {
	u := spacePage(path)
	u.TextHash, u.SimHash = fmt.Sprintf("%016x", text), fmt.Sprintf("%016x", sim)
	return u
}

// clusterStrings renders clusters as "kind head: members" with paths.
func clusterStrings(cs []Cluster) []string {
	var out []string
	for _, c := range cs {
		var ms []string
		for _, m := range c.Members {
			ms = append(ms, strings.TrimPrefix(m, "https://x.test"))
		}
		out = append(out, fmt.Sprintf("%s %s: %s", c.Kind, strings.TrimPrefix(c.Head, "https://x.test"), strings.Join(ms, " ")))
	}
	return out
}

// TestClusters: exact clusters by text, near ones within NearDistance bits
// of their head, the member to point to chosen by canonical, sitemap,
// inlinks, then URL; who takes part.
func TestClusters(t *testing.T) {
	t.Parallel()
	const far = 0xF0F0F0F0F0F0F0F0 // SimHashes are given so that groups are far apart
	type edge struct{ from, to string }
	for _, tc := range []struct {
		name  string
		urls  []store.URL
		edges []edge
		want  []string
	}{
		{name: "the same text is an exact cluster; the most linked member is the one to point to",
			urls:  []store.URL{dupRec("/a", 1, 0), dupRec("/print/a", 1, 0), dupRec("/b", 2, far), dupRec("/zzz", 1, 0)},
			edges: []edge{{"/b", "/zzz"}, {"/a", "/zzz"}},
			want:  []string{"exact /zzz: /a /print/a /zzz"}},
		{name: "without inlinks, the shortest URL, then the first",
			urls: []store.URL{dupRec("/bb", 1, 0), dupRec("/aa", 1, 0), dupRec("/long", 1, 0)},
			want: []string{"exact /aa: /aa /bb /long"}},
		{name: "a sitemap's URL comes before inlinks",
			urls: func() []store.URL {
				l := dupRec("/listed", 1, 0)
				l.InSitemap = true
				return []store.URL{dupRec("/a", 1, 0), l}
			}(),
			edges: []edge{{"/b", "/a"}},
			want:  []string{"exact /listed: /a /listed"}},
		{name: "the page the others canonicalise to comes first, and canonicalised pages take part",
			urls: func() []store.URL {
				a, b := dupRec("/sale/boots", 1, 0), dupRec("/collections/boots", 1, 0)
				a.Canonical, b.Canonical = "https://x.test/gear/boots", "https://x.test/gear/boots"
				c := dupRec("/gear/boots", 1, 0)
				c.Canonical = c.URL // self-canonical
				return []store.URL{a, b, c}
			}(),
			edges: []edge{{"/", "/sale/boots"}, {"/b", "/sale/boots"}},
			want:  []string{"exact /gear/boots: /collections/boots /gear/boots /sale/boots"}},
		{name: "SimHashes within 3 bits are a near cluster, an exact group joining it whole; 4 bits apart is no cluster",
			urls: []store.URL{dupRec("/care/wax", 1, far), dupRec("/care/wax-print", 1, far), dupRec("/care/oil", 2, far^0b111),
				dupRec("/care/soap", 3, far^0b1111), dupRec("/other", 4, 0)},
			edges: []edge{{"/", "/care/wax"}},
			want:  []string{"near /care/wax: /care/oil /care/wax /care/wax-print"}},
		{name: "near-duplicates do not chain: each member is within 3 bits of the head",
			urls: []store.URL{dupRec("/a", 1, 0), dupRec("/b", 2, 0b111), dupRec("/c", 3, 0b111111)},
			want: []string{"near /a: /a /b"}},
		{name: "bits apart in every block are still found (one block is always equal)",
			urls: []store.URL{dupRec("/a", 1, far), dupRec("/b", 2, far^(1|1<<16|1<<32))},
			want: []string{"near /a: /a /b"}},
		{name: "noindex pages, soft 404s, redirects, empty texts and pages of a trap take no part",
			urls: func() []store.URL {
				n := dupRec("/noindex", 1, 0)
				n.NoIndex = true
				s := dupRec("/gone", 1, 0)
				s.Title = "Page not found"
				r := dupRec("/moved", 1, 0)
				r.Status = 302
				e1, e2 := spacePage("/e1"), spacePage("/e2")
				e1.TextHash, e2.TextHash = EmptyTextHash, EmptyTextHash
				e1.SimHash, e2.SimHash = "0000000000000000", "0000000000000000"
				return []store.URL{n, s, r, e1, e2, dupRec("/cal/2015/01", 5, 0), dupRec("/cal/2015/02", 5, 0),
					{URL: "https://x.test/cal/2015/03", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTrap}, dupRec("/alone", 1, 0)}
			}()},
		{name: "the first steps into a trap of growing paths take no part (the crawler-trap finding is the one)",
			urls: []store.URL{dupRec("/a/", 7, 0), dupRec("/a/a/", 7, 0), dupRec("/a/a/a/", 7, 0),
				{URL: "https://x.test/a/a/a/a/", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTooLong},
				dupRec("/x/y/", 8, far), dupRec("/x/y/x/y/", 8, far),
				{URL: "https://x.test/x/y/x/y/x/y/x/y/", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTooLong},
				dupRec("/b/", 9, 0x0F0F0F0F0F0F0F0F), dupRec("/b/b/", 9, 0x0F0F0F0F0F0F0F0F)}, // no trap: a cluster
			want: []string{"exact /b/: /b/ /b/b/"}},
		{name: "parameter variants take no part, the bare path does",
			urls: []store.URL{dupRec("/shoes", 1, 0), dupRec("/shoes?sort=price", 1, 0), dupRec("/deals?k=A", 2, far), dupRec("/deals?k=B", 2, far),
				dupRec("/cart;jsessionid=ABC", 1, 0), dupRec("/about?utm_source=x", 1, 0), dupRec("/shoes-copy", 1, 0)},
			want: []string{"exact /shoes: /shoes /shoes-copy"}},
		{name: "an old cluster is ignored",
			urls: func() []store.URL {
				a := dupRec("/a", 1, 0)
				a.Cluster, a.ClusterKind = "https://x.test/b", store.ClusterExact
				b := dupRec("/b", 2, far)
				b.Cluster, b.ClusterKind = "https://x.test/b", store.ClusterExact
				return []store.URL{a, b, dupRec("/c", 2, far)}
			}(),
			want: []string{"exact /b: /b /c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := store.NewMemory()
			for _, u := range tc.urls {
				if err := st.PutURL(u); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range tc.edges {
				if err := st.AddEdge(store.Edge{From: "https://x.test" + e.from, To: "https://x.test" + e.to, Type: store.EdgeLink, Tag: "a"}); err != nil {
					t.Fatal(err)
				}
			}
			cs, err := Clusters(st)
			if err != nil {
				t.Fatal(err)
			}
			if got := clusterStrings(cs); !slices.Equal(got, tc.want) {
				t.Errorf("clusters\n%v\nwant\n%v", got, tc.want)
			}
			// Assigned, the budget counts the members that do not point
			// at the head as duplicates, and Clusters gives the same
			// answer again.
			if err := st.PutClusters(Memberships(cs)); err != nil {
				t.Fatal(err)
			}
			again, err := Clusters(st)
			if err != nil {
				t.Fatal(err)
			}
			if got := clusterStrings(again); !slices.Equal(got, tc.want) {
				t.Errorf("clusters run again\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

// TestClustersBudget: assigned clusters show in the budget: a member that
// does not point at its cluster's head is a duplicate, one whose
// rel=canonical names it is canonicalised, the head stays indexable.
func TestClustersBudget(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	a, b := dupRec("/sale/boots", 1, 0), dupRec("/gear/boots", 1, 0)
	a.Canonical = b.URL
	for _, u := range []store.URL{dupRec("/returns", 2, 0xFF), dupRec("/help/returns", 2, 0xFF), dupRec("/print/returns", 2, 0xFF), a, b} {
		if err := st.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := Clusters(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutClusters(Memberships(cs)); err != nil {
		t.Fatal(err)
	}
	bud, err := ComputeBudget(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range bud.Categories {
		if c.Count > 0 {
			got[c.ID] = c.Count
		}
	}
	if want := map[string]int{CatIndexable: 2, CatDuplicate: 2, CatCanonicalised: 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("categories %v, want %v", got, want)
	}
}

// TestClustersNearMatchesPairwise: on random SimHashes with planted
// near-duplicates, every page the block tables put with a head is within
// NearDistance bits of it, and no page left alone (or a head) is within
// NearDistance bits of a head ranked before it: the result of comparing
// every pair.
func TestClustersNearMatchesPairwise(t *testing.T) {
	t.Parallel()
	pages := syntheticPages(3000, 7)
	cs := clusterPages(slices.Clone(pages))
	sim := map[string]uint64{}
	for _, p := range pages {
		sim[p.url] = p.sim
	}
	heads := map[string]bool{}
	inCluster := map[string]string{}
	for _, c := range cs {
		heads[c.Head] = true
		for _, m := range c.Members {
			inCluster[m] = c.Head
			if d := bits.OnesCount64(sim[m] ^ sim[c.Head]); d > NearDistance {
				t.Errorf("%s is %d bits from its head %s", m, d, c.Head)
			}
		}
	}
	// Every page alone is further than NearDistance from every head.
	for _, p := range pages {
		if _, ok := inCluster[p.url]; ok {
			continue
		}
		for h := range heads {
			if bits.OnesCount64(p.sim^sim[h]) <= NearDistance {
				t.Errorf("%s is alone, but within %d bits of head %s", p.url, NearDistance, h)
			}
		}
	}
	if len(cs) < 200 {
		t.Errorf("%d clusters; the planted near-duplicates make about 300", len(cs))
	}
}

// syntheticPages makes n pages in URL order with random texts, one in ten
// a near-duplicate (1 to 3 bits flipped) of an earlier page, and one in
// twenty an exact copy.
func syntheticPages(n int, seed uint64) []dupPage {
	r := rand.New(rand.NewPCG(seed, seed))
	pages := make([]dupPage, n)
	for i := range pages {
		p := dupPage{url: fmt.Sprintf("https://x.test/p/%08d", i), text: r.Uint64(), sim: r.Uint64(), inlinks: int32(r.IntN(20))}
		if i > 0 {
			switch k := r.IntN(20); {
			case k < 2:
				src := pages[r.IntN(i)]
				p.sim = src.sim
				for range 1 + r.IntN(NearDistance) {
					p.sim ^= 1 << r.IntN(64)
				}
			case k == 2:
				src := pages[r.IntN(i)]
				p.text, p.sim = src.text, src.sim
			}
		}
		pages[i] = p
	}
	return pages
}

// BenchmarkClusters clusters synthetic crawls: random SimHashes with
// planted near and exact duplicates, and a site whose pages all share one
// 16-bit block and differ at random elsewhere (every page a leader, all in
// one bucket of a table: the worst case, bounded by maxProbe).
func BenchmarkClusters(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		pages := syntheticPages(n, 1)
		b.Run(fmt.Sprintf("random/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clusterPages(slices.Clone(pages))
			}
		})
	}
	concentrated := syntheticPages(100_000, 2)
	for i := range concentrated {
		concentrated[i].sim = concentrated[i].sim&^0xFFFF | 0xABCD
	}
	b.Run("one-bucket/100000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clusterPages(slices.Clone(concentrated))
		}
	})
}

// BenchmarkClustersSQLite100k finds and stores the clusters of a
// 100,000-page crawl.db, as Run does once the crawl is done: Clusters (the
// pass over the records, and the clustering) and PutClusters (the writes),
// beside one bare EachURLInbound pass for scale. The pages are
// syntheticPages' (a tenth near copies, a twentieth exact copies), each
// linked from two others.
func BenchmarkClustersSQLite100k(b *testing.B) {
	db, err := store.CreateSQLite(b.TempDir() + "/crawl.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	pages := syntheticPages(100_000, 3)
	for i, p := range pages {
		u := store.URL{URL: p.url, Status: 200, Kind: store.KindPage, Method: "GET", ContentType: "text/html", Bytes: 5000,
			TextHash: fmt.Sprintf("%016x", p.text), SimHash: fmt.Sprintf("%016x", p.sim), InSitemap: i%3 == 0}
		if err := db.PutURL(u); err != nil {
			b.Fatal(err)
		}
		for _, from := range []int{(i * 7) % len(pages), (i * 13) % len(pages)} {
			if err := db.AddEdge(store.Edge{From: pages[from].url, To: p.url, Type: store.EdgeLink, Tag: "a"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := db.EachURLInbound(func(store.URL, store.Inbound) error { return nil }); err != nil {
		b.Fatal(err) // the edge index and inbound counts, built once by the first read
	}
	cs, err := Clusters(db)
	if err != nil {
		b.Fatal(err)
	}
	ms := Memberships(cs)
	b.Logf("%d clusters, %d members", len(cs), len(ms))
	b.Run("EachURLInbound", func(b *testing.B) {
		for b.Loop() {
			if err := db.EachURLInbound(func(store.URL, store.Inbound) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Clusters", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Clusters(db); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PutClusters", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := db.PutClusters(ms); err != nil {
				b.Fatal(err)
			}
		}
	})
}
