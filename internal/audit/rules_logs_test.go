package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// logCase joins hits with a small crawl and returns the log findings as
// "rule severity url [referrers] message".
func logFindings(t *testing.T, hits []store.BotHit) []string {
	t.Helper()
	m := store.NewMemory()
	for _, u := range []store.URL{
		{URL: "https://a.test/", Status: 200, Kind: store.KindPage, ContentType: "text/html", Start: true},
		{URL: "https://a.test/members/", Status: 401, Kind: store.KindPage, WWWAuthenticate: []string{`Basic realm="Members"`},
			Challenges: []store.Challenge{{Scheme: "Basic", Realm: "Members"}}},
		{URL: "https://a.test/private", Status: 403, Kind: store.KindPage, InSitemap: true},
		{URL: "https://a.test/sitemap.xml", Status: 200, Kind: store.KindSitemap, SitemapURLs: 1},
	} {
		if err := m.PutURL(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []store.Edge{
		{From: "https://a.test/", To: "https://a.test/members/", Type: store.EdgeLink, Tag: "a"},
		{From: "https://a.test/sitemap.xml", To: "https://a.test/private", Type: store.EdgeSitemap},
	} {
		if err := m.AddEdge(e); err != nil {
			t.Fatal(err)
		}
	}
	ptrs := make([]*store.BotHit, len(hits))
	for i := range hits {
		ptrs[i] = &hits[i]
	}
	l, err := analysis.JoinLogs(store.LogData{Run: store.LogRun{Site: "https://a.test"}, Hits: ptrs}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range LogFindings(l) {
		out = append(out, f.Rule+" "+string(f.Severity)+" "+f.URL+" ["+strings.Join(f.Referrers, " ")+"] "+f.Message)
	}
	return out
}

var (
	day1 = time.Date(2026, 3, 28, 10, 0, 0, 0, time.FixedZone("", 3600))
	day2 = time.Date(2026, 3, 30, 10, 0, 0, 0, time.FixedZone("", 7200))
)

func hit(url, bot, verdict string, status int, n int64) store.BotHit {
	return store.BotHit{URL: url, Bot: bot, Kind: "search", Verdict: verdict, Hits: n, Statuses: []store.StatusCount{{Status: status, Hits: n}}, FirstSeen: day1, LastSeen: day2}
}

func TestRuleBotHitsUnauthorized(t *testing.T) {
	t.Parallel()
	got := logFindings(t, []store.BotHit{
		hit("https://a.test/members/", "Googlebot Smartphone", "verified", 401, 3400),
		hit("https://a.test/members/", "Bingbot", "unverified", 401, 12),
		hit("https://a.test/members/", "Googlebot Desktop", "fake", 401, 5), // fakes do not count
		hit("https://a.test/", "Googlebot Smartphone", "verified", 200, 10),
	})
	want := BotHitsUnauthorized + ` error https://a.test/members/ [https://a.test/] 401 Unauthorized to search-engine crawlers 3412 times (Bingbot, Googlebot Smartphone), 2026-03-28 – 2026-03-30; realm "Members"; 1 public page links to it`
	if len(got) != 2 || got[0] != want || !strings.HasPrefix(got[1], FakeSearchBot) {
		t.Fatalf("findings:\n%s\nwant first:\n%s", strings.Join(got, "\n"), want)
	}
	ai := hit("https://a.test/members/", "GPTBot", "unverified", 401, 9)
	ai.Kind = "ai"
	if got := logFindings(t, []store.BotHit{ai}); len(got) != 0 {
		t.Errorf("an AI crawler's 401 is no %s finding: %v", BotHitsUnauthorized, got)
	}
}

func TestRuleBotHitsForbidden(t *testing.T) {
	t.Parallel()
	got := logFindings(t, []store.BotHit{hit("https://a.test/private", "Googlebot Image", "verified", 403, 1)})
	want := BotHitsForbidden + " warning https://a.test/private [https://a.test/sitemap.xml] 403 Forbidden to search-engine crawlers once (Googlebot Image), 2026-03-28 – 2026-03-30; listed in a sitemap"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestRuleBotHitsOrphan(t *testing.T) {
	t.Parallel()
	got := logFindings(t, []store.BotHit{
		hit("https://a.test/old-landing", "Googlebot Smartphone", "verified", 200, 7),
		hit("https://a.test/gone", "Googlebot Smartphone", "verified", 404, 7),   // legacy, not orphan
		hit("https://a.test/?utm=x", "Googlebot Smartphone", "verified", 200, 7), // parameter variant of a known page
	})
	want := BotHitsOrphan + " notice https://a.test/old-landing [] requested by search-engine crawlers 7 times (answering 200) and never found by the crawl: no link or sitemap leads to it"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestRuleFakeSearchBot(t *testing.T) {
	t.Parallel()
	got := logFindings(t, []store.BotHit{
		hit("https://a.test/wp-login.php", "Googlebot Desktop", "fake", 404, 3),
		hit("https://a.test/", "Googlebot Desktop", "fake", 200, 2),
		hit("https://a.test/", "Googlebot Desktop", "verified", 200, 2),
	})
	want := FakeSearchBot + " notice https://a.test/ [] 5 requests claiming to be Googlebot Desktop on 2 URLs came from addresses Googlebot Desktop does not use"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
