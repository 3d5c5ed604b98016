package analysis

import (
	"fmt"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// BenchmarkRobotsWhatIf100k tests the rules of six spaces (eight rules)
// against a 100,000-URL crawl with 300,000 link edges: a third of its
// pages in a calendar trap, a third of them facets.
func BenchmarkRobotsWhatIf100k(b *testing.B) {
	const o = "https://bench.test"
	m := store.NewMemory()
	for i := 0; i < 100000; i++ {
		var p string
		switch i % 3 {
		case 0:
			p = fmt.Sprintf("/cal/%d/%02d", 1900+i/12%200, i%12+1)
		case 1:
			p = fmt.Sprintf("/shoes?color=c%d&sort=s%d", i%7, i%5)
		default:
			p = fmt.Sprintf("/products/p%d.html", i)
		}
		if err := m.PutURL(store.URL{URL: fmt.Sprintf("%s%s&n=%d", o, p, i), Status: 200, Kind: store.KindPage, ContentType: "text/html", TextHash: fmt.Sprintf("%016x", i)}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 300000; i++ {
		from, to := i%100000, (i*7919)%100000
		if err := m.AddEdge(store.Edge{From: fmt.Sprintf("%s/x&n=%d", o, from), To: fmt.Sprintf("%s/y&n=%d", o, to), Type: store.EdgeLink}); err != nil {
			b.Fatal(err)
		}
	}
	spaces := []Space{
		{Kind: SpaceTrap, Origin: o, Pattern: "/cal/{year}/{month}"},
		{Kind: SpaceFacet, Origin: o, Pattern: "/shoes", Params: []string{"color", "sort"}},
		{Kind: SpaceParameter, Origin: o, Pattern: "/shoes", Param: "sort"},
		{Kind: SpaceSession, Origin: o, Param: "sid"},
		{Kind: SpaceSession, Origin: o, Param: "jsessionid", InPath: true},
		{Kind: SpaceTrap, Origin: o, Pattern: "/list?page"},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := RobotsWhatIf(m, spaces, nil)
		if err != nil || len(w.Rules) == 0 {
			b.Fatal(err, len(w.Rules))
		}
	}
}
