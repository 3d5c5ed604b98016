package diff

import (
	"reflect"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func crawl(t *testing.T, urls []store.URL, fs []store.Finding) *store.Memory {
	t.Helper()
	m := store.NewMemory()
	for _, u := range urls {
		if err := m.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.PutFindings(fs); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestComputeClassifiesChangesRegressionsFirst(t *testing.T) {
	old := crawl(t, []store.URL{
		{URL: "http://s/", Status: 200, Kind: store.KindPage},
		{URL: "http://s/a.png", Status: 200, Kind: store.KindAsset},
		{URL: "http://s/b.css", Status: 200, Kind: store.KindAsset},
		{URL: "http://s/members", Status: 200, Kind: store.KindPage},
		{URL: "http://s/gone", Status: 200, Kind: store.KindPage},
		{URL: "http://s/api", Status: 200, Kind: store.KindPage},
		{URL: "http://s/sitemap.xml", Status: 200, Kind: store.KindSitemap},
		{URL: "http://s/robots.txt", Status: 200, Kind: store.KindRobots},
		{URL: "http://s/fixed", Status: 404, Kind: store.KindPage},
		{URL: "http://s/moved", Status: 301, Kind: store.KindPage},
		{URL: "http://s/err", Status: 500, Kind: store.KindPage},
		{URL: "http://s/removed", Status: 200, Kind: store.KindPage},
		{URL: "http://x/ext", Status: 200, Kind: store.KindExternal},
	}, []store.Finding{
		{Rule: "broken-link", Severity: store.SeverityError, URL: "http://s/fixed"},
		{Rule: "server-error", Severity: store.SeverityError, URL: "http://s/err"},
	})
	new := crawl(t, []store.URL{
		{URL: "http://s/", Status: 200, Kind: store.KindPage},
		{URL: "http://s/a.png", Status: 401, Kind: store.KindAsset},
		{URL: "http://s/b.css", Status: 403, Kind: store.KindAsset},
		{URL: "http://s/members", Status: 401, Kind: store.KindPage},
		{URL: "http://s/gone", Status: 410, Kind: store.KindPage},
		{URL: "http://s/api", Status: 503, Kind: store.KindPage},
		{URL: "http://s/sitemap.xml", Status: 404, Kind: store.KindSitemap},
		{URL: "http://s/robots.txt", Status: 404, Kind: store.KindRobots},
		{URL: "http://s/fixed", Status: 200, Kind: store.KindPage},
		{URL: "http://s/moved", Status: 302, Kind: store.KindPage},
		{URL: "http://s/err", Status: 502, Kind: store.KindPage},
		{URL: "http://s/added", Status: 200, Kind: store.KindPage},
		{URL: "http://x/ext", Status: 0, Kind: store.KindExternal},
	}, []store.Finding{
		{Rule: "server-error", Severity: store.SeverityWarning, URL: "http://s/err"},
		{Rule: "unauthorized-asset", Severity: store.SeverityError, URL: "http://s/a.png"},
		{Rule: "forbidden-asset", Severity: store.SeverityError, URL: "http://s/b.css"},
		{Rule: "redirect-chain", Severity: store.SeverityWarning, URL: "http://s/moved"},
	})
	d, err := Compute(old, new, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{URL: "http://s/a.png", Kind: store.KindAsset, OldStatus: 200, NewStatus: 401, Class: ClassRegression, Reason: ReasonAssetBehindAuth},
		{URL: "http://s/api", Kind: store.KindPage, OldStatus: 200, NewStatus: 503, Class: ClassRegression, Reason: ReasonServerError},
		{URL: "http://s/b.css", Kind: store.KindAsset, OldStatus: 200, NewStatus: 403, Class: ClassRegression, Reason: ReasonAssetBehindAuth},
		{URL: "http://s/gone", Kind: store.KindPage, OldStatus: 200, NewStatus: 410, Class: ClassRegression, Reason: ReasonNotFound},
		{URL: "http://s/members", Kind: store.KindPage, OldStatus: 200, NewStatus: 401, Class: ClassRegression, Reason: ReasonPageBehindAuth},
		{URL: "http://s/sitemap.xml", Kind: store.KindSitemap, OldStatus: 200, NewStatus: 404, Class: ClassRegression, Reason: ReasonSitemapUnavailable},
		{URL: "http://x/ext", Kind: store.KindExternal, OldStatus: 200, NewStatus: 0, Class: ClassRegression, Reason: ReasonNoAnswer},
		{URL: "http://s/fixed", Kind: store.KindPage, OldStatus: 404, NewStatus: 200, Class: ClassImprovement, Reason: ReasonFixed},
		{URL: "http://s/err", Kind: store.KindPage, OldStatus: 500, NewStatus: 502, Class: ClassChange, Reason: ReasonStatusChanged},
		{URL: "http://s/moved", Kind: store.KindPage, OldStatus: 301, NewStatus: 302, Class: ClassChange, Reason: ReasonRedirectNowDifferent},
		{URL: "http://s/robots.txt", Kind: store.KindRobots, OldStatus: 200, NewStatus: 404, Class: ClassChange, Reason: ReasonStatusChanged},
	}
	if !reflect.DeepEqual(d.Changes, want) {
		for _, c := range d.Changes {
			t.Logf("%+v", c)
		}
		t.Errorf("changes differ")
	}
	if len(d.Regressions()) != 7 || d.AddedURLs != 1 || d.RemovedURLs != 1 {
		t.Errorf("regressions %d added %d removed %d", len(d.Regressions()), d.AddedURLs, d.RemovedURLs)
	}
	var newF []string
	for _, f := range d.NewFindings {
		newF = append(newF, f.Rule+" "+f.URL)
	}
	wantNew := []string{"forbidden-asset http://s/b.css", "unauthorized-asset http://s/a.png", "redirect-chain http://s/moved"}
	if !reflect.DeepEqual(newF, wantNew) {
		t.Errorf("new findings %v", newF)
	}
	if len(d.ResolvedFindings) != 1 || d.ResolvedFindings[0].URL != "http://s/fixed" {
		t.Errorf("resolved %+v", d.ResolvedFindings)
	}
	if d.PersistingFindings != 1 { // server-error /err, its severity changed
		t.Errorf("%d persisting findings, want 1", d.PersistingFindings)
	}
}

func TestComputeSameCrawlHasNoChanges(t *testing.T) {
	c := crawl(t, []store.URL{{URL: "http://s/", Status: 200, Kind: store.KindPage}}, []store.Finding{{Rule: "r", URL: "http://s/"}})
	d, err := Compute(c, c, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes)+len(d.NewFindings)+len(d.ResolvedFindings)+d.AddedURLs+d.RemovedURLs != 0 || d.PersistingFindings != 1 {
		t.Errorf("%+v", d)
	}
}

func TestComputeMatchesURLsOnTheirKey(t *testing.T) {
	// A baseline read back from crawl.json holds masked URLs; the live
	// crawl holds the raw ones. With the masking as key they match.
	mask := func(s string) string { return strings.Replace(s, "token=abc", "token=REDACTED", 1) }
	old := crawl(t, []store.URL{{URL: "http://s/p?token=REDACTED", Status: 200, Kind: store.KindPage}},
		[]store.Finding{{Rule: "r", URL: "http://s/p?token=REDACTED"}})
	cur := crawl(t, []store.URL{{URL: "http://s/p?token=abc", Status: 404, Kind: store.KindPage}},
		[]store.Finding{{Rule: "r", URL: "http://s/p?token=abc"}})
	d, err := Compute(old, cur, Config{URLKey: mask})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.NewFindings)+len(d.ResolvedFindings)+d.AddedURLs+d.RemovedURLs != 0 || len(d.Changes) != 1 || d.Changes[0].Reason != ReasonNotFound {
		t.Errorf("%+v", d)
	}
	d, _ = Compute(old, cur, Config{})
	if len(d.NewFindings) != 1 || d.AddedURLs != 1 || d.RemovedURLs != 1 {
		t.Errorf("without the key the URLs differ: %+v", d)
	}
}
