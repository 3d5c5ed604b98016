package report_test

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// Four requests: the home page is indexable, the link to /old costs a
// redirect hop before /new, and /members answers 401. Efficiency is 2 of 4.
func ExampleComputeBudget() {
	m := store.NewMemory()
	for _, u := range []store.URL{
		{URL: "https://example.test/", Status: 200, Kind: store.KindPage, Start: true},
		{URL: "https://example.test/old", Status: 301, Kind: store.KindPage, Redirect: "https://example.test/new"},
		{URL: "https://example.test/new", Status: 200, Kind: store.KindPage},
		{URL: "https://example.test/members", Status: 401, Kind: store.KindPage},
	} {
		_ = m.PutURL(u)
	}
	_ = m.AddEdge(store.Edge{From: "https://example.test/", To: "https://example.test/old", Type: store.EdgeLink, Tag: "a"})
	_ = m.AddEdge(store.Edge{From: "https://example.test/old", To: "https://example.test/new", Type: store.EdgeRedirect, Tag: "location"})
	_ = m.AddEdge(store.Edge{From: "https://example.test/", To: "https://example.test/members", Type: store.EdgeLink, Tag: "a"})

	b, err := report.ComputeBudget(report.New(m, report.Options{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("efficiency %.0f%%: %d of %d requests indexable, %d wasted\n", b.Efficiency*100, b.Indexable, b.Requests, b.Wasted)
	for _, f := range b.Fixes {
		fmt.Printf("%s (%d): saves %d; %s\n", f.URL, f.Status, f.Saved, f.Fix)
	}
	// Output:
	// efficiency 50%: 2 of 4 requests indexable, 2 wasted
	// https://example.test/members (401): saves 1; remove the links from public pages, or make the URL public if it should be
	// https://example.test/old (301): saves 1; link straight to https://example.test/new
}
