package analysis

import (
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TestBudgetRobotsTxtAnswers: a missing robots.txt (404, 410, any 4xx but
// 429) means "no restrictions" to search engines and is asked for by every
// crawler once: a resource, not waste. 429 and 5xx stay waste, and the
// category of a page answering 404 does not change.
func TestBudgetRobotsTxtAnswers(t *testing.T) {
	t.Parallel()
	const site = "https://robots.test"
	for _, tc := range []struct {
		name   string
		status int
		cat    string
		wasted int
	}{
		{"200 is a resource", 200, CatResource, 0},
		{"404 (no robots.txt) is a resource, not waste", 404, CatResource, 0},
		{"410 is a resource", 410, CatResource, 0},
		{"401 is a resource: crawlers go on unrestricted", 401, CatResource, 0},
		{"429 stays waste", 429, CatOther4xx, 1},
		{"503 stays waste", 503, CatServerError, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := store.NewMemory()
			for _, u := range []store.URL{
				{URL: site + "/robots.txt", Status: tc.status, Kind: store.KindRobots, ContentType: "text/plain"},
				{URL: site + "/", Status: 200, Kind: store.KindPage, Start: true, ContentType: "text/html"},
				{URL: site + "/gone", Status: 404, Kind: store.KindPage, ContentType: "text/html"},
			} {
				if err := m.PutURL(u); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.AddEdge(store.Edge{From: site + "/", To: site + "/gone", Type: store.EdgeLink, Tag: "a"}); err != nil {
				t.Fatal(err)
			}
			recs, err := LoadBudget(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cat, _ := recs.Category(site + "/robots.txt"); cat != tc.cat {
				t.Errorf("robots.txt category = %q, want %q", cat, tc.cat)
			}
			if cat, _ := recs.Category(site + "/gone"); cat != CatNotFound {
				t.Errorf("a page answering 404 is %q, want %q", cat, CatNotFound)
			}
			b, err := recs.Budget(m)
			if err != nil {
				t.Fatal(err)
			}
			if b.Requests != 3 || b.Wasted != tc.wasted+1 {
				t.Errorf("requests %d, wasted %d; want 3 and %d (the 404 page, plus robots.txt when it is waste)", b.Requests, b.Wasted, tc.wasted+1)
			}
			for _, f := range b.Fixes {
				if f.URL == site+"/robots.txt" {
					t.Errorf("robots.txt is in the fix list: %+v", f)
				}
			}
		})
	}
}
