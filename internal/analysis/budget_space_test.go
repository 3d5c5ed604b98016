package analysis

import (
	"fmt"
	"slices"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// spacePage is a 200 HTML page of the site.
func spacePage(u string) store.URL {
	return store.URL{URL: "https://x.test" + u, Status: 200, Kind: store.KindPage, ContentType: "text/html", Bytes: 100}
}

// TestBudgetTrapAndDuplicate: the pages of a pattern the crawl found to be
// a trap are trap waste, whatever else they are; a page whose duplicate
// cluster names another URL is duplicate waste unless it canonicalises to
// it; a session ID in a path parameter is a parameter variant; URLs not
// requested are no requests; the trap's pattern is one section.
func TestBudgetTrapAndDuplicate(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	put := func(u store.URL) {
		t.Helper()
		if err := st.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	put(spacePage("/"))
	put(spacePage("/about"))
	for m := 1; m <= 12; m++ {
		p := spacePage(fmt.Sprintf("/cal/2015/%02d", m))
		if m == 1 {
			p.NoIndex = true // a trap's page is trap waste, noindex or not
		}
		put(p)
	}
	put(store.URL{URL: "https://x.test/cal/2016/01", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTrap})
	put(store.URL{URL: "https://x.test/more", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedMaxURLs})
	put(spacePage("/a/a/a/"))
	put(store.URL{URL: "https://x.test/a/a/a/a/", Kind: store.KindPage, Bytes: -1, NotRequested: store.NotRequestedTooLong})

	dup := spacePage("/print/about")
	dup.Cluster, dup.ClusterKind = "https://x.test/about", store.ClusterExact
	put(dup)
	self := spacePage("/about-us")
	self.Cluster = "https://x.test/about-us" // the cluster's own URL
	put(self)
	pointed := spacePage("/about?ref=nav")
	pointed.Cluster, pointed.Canonical = "https://x.test/about", "https://x.test/about"
	put(pointed)
	put(spacePage("/cart;jsessionid=A1B2C3D4"))

	b, err := ComputeBudget(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range b.Categories {
		if c.Count > 0 {
			got[c.ID] = c.Count
		}
	}
	want := map[string]int{CatIndexable: 3, CatTrap: 13, CatDuplicate: 1, CatCanonicalised: 1, CatParameter: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("categories = %v, want %v", got, want)
	}
	if b.Requests != 19 || b.Efficiency != 0.1579 {
		t.Errorf("requests %d, efficiency %v; want 19 (not-requested URLs are no requests), 0.1579", b.Requests, b.Efficiency)
	}
	var sections []string
	for _, s := range b.Sections {
		sections = append(sections, fmt.Sprintf("%s %d", s.Section, s.Requests))
	}
	slices.Sort(sections)
	if want := []string{"/ 5", "/a/ 1", "/cal/{year}/{month} 12", "/print/ 1"}; !slices.Equal(sections, want) {
		t.Errorf("sections = %v, want %v (the calendar's pattern is one section)", sections, want)
	}
	if !IsWaste(CatTrap) || !IsWaste(CatDuplicate) {
		t.Error("trap and duplicate must be waste")
	}
	if NotIndexable(dup) == "" || Indexable(dup) {
		t.Errorf("a duplicate: NotIndexable %q, Indexable %v", NotIndexable(dup), Indexable(dup))
	}
	if r := (store.URL{URL: "https://x.test/more", Kind: store.KindPage, NotRequested: store.NotRequestedMaxURLs}); Category(r) != CatNotRequested || NotIndexable(r) != "" {
		t.Errorf("a URL not requested: category %q, NotIndexable %q", Category(r), NotIndexable(r))
	}
}
