package crawlaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// TestSpacesDuplicateClusters crawls the URL-space fixture and checks its
// duplicate clusters end to end: which pages cluster, of which kind, with
// which page to keep (most inlinks; the page the others canonicalise to,
// ahead of inlinks; the page listed in the sitemap, ahead of inlinks), the
// findings of the clusters that are waste (not the one whose copies all
// point at the page to keep), the budget's duplicate and canonicalised
// counts, the same clusters in crawl.db, and the same outputs from
// `crawlaudit report`. It also checks the page whose encoding only its
// <meta charset> names: its link /stra\xdfe is requested as /stra%C3%9Fe.
func TestSpacesDuplicateClusters(t *testing.T) {
	t.Parallel()
	var out string
	c, served, origin := crawlSpaces(t, func(o *crawlaudit.Options) { out = o.Out }, 3000)
	if served > 800 {
		t.Errorf("the site answered %d requests, want at most 800", served)
	}
	short := func(u string) string { return strings.TrimPrefix(u, origin) }

	got, status := spacesClusters(t, c, origin)
	want := wantSpacesClusters
	if !slices.Equal(got, want) {
		t.Errorf("clusters in crawl.json:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// One finding per cluster that is waste, on its first copy that does
	// not point at the page to keep.
	var findings []string
	for _, f := range c.Findings {
		if f.Rule == "duplicate-content" || f.Rule == "near-duplicate-content" {
			findings = append(findings, f.Rule+" "+f.Severity+" "+short(f.URL))
		}
	}
	sort.Strings(findings)
	wantFindings := []string{
		"duplicate-content warning /help/returns.html",
		"near-duplicate-content notice /care/boot-care.html",
	}
	if !slices.Equal(findings, wantFindings) {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(findings, "\n"), strings.Join(wantFindings, "\n"))
	}
	for _, f := range c.Findings {
		var says []string
		switch short(f.URL) {
		case "/help/returns.html":
			says = []string{"exact duplicates: 3 pages with the same text, at /help/returns.html, /print/returns.html, /returns.html",
				"2 of them do not point their rel=canonical at " + origin + "/returns.html, the page to keep (linked from 3 pages)",
				"e.g. " + origin + "/help/returns.html, " + origin + "/print/returns.html",
				"Fix: point each copy's rel=canonical at the page to keep", "https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls"}
			if !slices.Equal(f.Referrers, []string{origin + "/"}) {
				t.Errorf("%s: referrers %v, want the home page (the page linking the copy)", f.URL, f.Referrers)
			}
		case "/care/boot-care.html":
			says = []string{"near-duplicates: 3 pages whose texts differ in a few words (SimHashes within 3 bits",
				"2 of them do not point their rel=canonical at " + origin + "/care/leather.html, the page to keep (the one listed in a sitemap)"}
		}
		for _, s := range says {
			if !strings.Contains(f.Message, s) {
				t.Errorf("finding on %s: %q lacks %q", f.URL, f.Message, s)
			}
		}
	}

	// The budget: the copies that do not point at the page to keep are
	// duplicates (2 returns, 2 care pages), the boots
	// that canonicalise to /gear/boots.html are canonicalised.
	cats := map[string]int{}
	for _, cat := range c.Budget.Categories {
		cats[cat.ID] = cat.Count
	}
	if cats["duplicate"] != 4 || cats["canonicalised"] != 2 {
		t.Errorf("budget: duplicate %d, canonicalised %d; want 4 and 2", cats["duplicate"], cats["canonicalised"])
	}

	// The page in windows-1252 said only by <meta charset>: its link to
	// /stra\xdfe is requested as browsers do, UTF-8 in the path.
	if status["/stra%C3%9Fe"] != 200 || status["/charset.html"] != 200 {
		t.Errorf("/charset.html %d, /stra%%C3%%9Fe %d; want 200 and 200", status["/charset.html"], status["/stra%C3%9Fe"])
	}
	if _, ok := status["/stra%DFe"]; ok {
		t.Error("/stra%DFe requested: the link's byte was not decoded as windows-1252")
	}

	// crawl.db holds the same clusters.
	db, err := store.OpenSQLite(filepath.Join(out, crawlaudit.DBName))
	if err != nil {
		t.Fatal(err)
	}
	dbMembers, dbKinds := map[string][]string{}, map[string]string{}
	err = db.EachURL(func(u store.URL) error {
		if u.Cluster != "" {
			dbMembers[short(u.Cluster)] = append(dbMembers[short(u.Cluster)], short(u.URL))
			dbKinds[short(u.Cluster)] = string(u.ClusterKind)
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := clusterLines(dbMembers, dbKinds); !slices.Equal(got, want) {
		t.Errorf("clusters in crawl.db:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// `crawlaudit report` writes the same outputs from crawl.db.
	again := t.TempDir()
	if _, err := crawlaudit.Report(t.Context(), crawlaudit.ReportOptions{Source: out, Out: again}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"crawl.json", "urls.csv", "findings.csv", "budget.csv"} {
		a, err1 := os.ReadFile(filepath.Join(out, name))
		b, err2 := os.ReadFile(filepath.Join(again, name))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s written by crawlaudit report differs from the crawl's", name)
		}
	}
}

// wantSpacesClusters are the duplicate clusters of the URL-space fixture,
// "kind page-to-keep: members" (paths).
var wantSpacesClusters = []string{
	// Not /a/ and /a/a/, nor /x/y/ and /x/y/x/y/: the same text, but the
	// first steps into a path that grows on every page, which the
	// crawler-trap rule reports once (one cause, one finding).
	// Every copy canonicalises to /gear/boots.html, which has the fewest
	// inlinks (1; /collections/boots.html has 3).
	"exact /gear/boots.html: /collections/boots.html /gear/boots.html /sale/boots.html",
	// No canonicals: the most linked copy (3 pages; 2 and 1 for the
	// others).
	"exact /returns.html: /help/returns.html /print/returns.html /returns.html",
	// A word or two apart; the sitemap lists /care/leather.html (linked
	// from 1 page, /care/leather-guide.html from 2).
	"near /care/leather.html: /care/boot-care.html /care/leather-guide.html /care/leather.html",
}

// spacesClusters returns the clusters crawl.json records (as
// wantSpacesClusters writes them) and every URL's status, by path.
func spacesClusters(t *testing.T, c spacesJSON, origin string) ([]string, map[string]int) {
	t.Helper()
	members, kinds := map[string][]string{}, map[string]string{}
	status := map[string]int{}
	for _, u := range c.URLs {
		path := strings.TrimPrefix(u.URL, origin)
		status[path] = u.Status
		if u.Cluster == "" {
			continue
		}
		head := strings.TrimPrefix(u.Cluster, origin)
		members[head] = append(members[head], path)
		if k, ok := kinds[head]; ok && k != u.ClusterKind {
			t.Errorf("%s: cluster kind %q, its cluster's others %q", u.URL, u.ClusterKind, k)
		}
		kinds[head] = u.ClusterKind
	}
	return clusterLines(members, kinds), status
}

// clusterLines writes clusters as "kind head: members", sorted.
func clusterLines(members map[string][]string, kinds map[string]string) []string {
	var out []string
	for head, ms := range members {
		sort.Strings(ms)
		out = append(out, kinds[head]+" "+head+": "+strings.Join(ms, " "))
	}
	sort.Strings(out)
	return out
}

// TestSpacesDuplicateClustersAfterResume interrupts the crawl of the
// URL-space fixture early and resumes it: the clusters of the finished
// crawl are the whole site's, as if it had never stopped.
func TestSpacesDuplicateClustersAfterResume(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var first atomic.Bool
	first.Store(true)
	srv, _, _ := spacesSite(t, 30, func() {
		if first.Load() {
			cancel() // the first run stops after 30 requests
		}
	})
	origin := srv.URL
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn, o.NoExternal = origin+"/", t.TempDir(), crawlaudit.LevelNever, true
	res, err := crawlaudit.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial {
		t.Fatal("the first run was not interrupted")
	}
	first.Store(false)
	r, err := crawlaudit.ResumeOptions(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	r.NoExternal = true
	if res, err = crawlaudit.Run(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if res.Partial {
		t.Fatal("the resumed crawl did not end")
	}
	data, err := os.ReadFile(filepath.Join(o.Out, "crawl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c spacesJSON
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if got, _ := spacesClusters(t, c, origin); !slices.Equal(got, wantSpacesClusters) {
		t.Errorf("clusters after resume:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantSpacesClusters, "\n"))
	}
}
