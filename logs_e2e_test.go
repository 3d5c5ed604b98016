package crawlaudit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// logsJSON is crawl.json's "logs" object, as the end-to-end test reads it.
type logsJSON struct {
	Lines      int64
	Requests   int64
	BotLines   int64 `json:"bot_lines"`
	HumanLines int64 `json:"human_lines"`
	BadLines   int64 `json:"bad_lines"`
	Formats    []string
	BadSamples []struct {
		Line   int64
		Reason string
	} `json:"bad_samples"`
	Ranges []string
	Bots   []struct {
		Bot, Kind, Verdict string
		Hits               int64
		URLs               int
	}
	Days []struct {
		Day, Bot, Verdict, Class string
		Hits                     int64
	}
	Categories []struct {
		ID   string
		Hits int64
	}
	Protected []struct {
		URL, Realm          string
		Status              int
		Hits                int64
		Bots                []string
		FirstSeen, LastSeen string   `json:"-"`
		First               string   `json:"first_seen"`
		Last                string   `json:"last_seen"`
		Linked              []string `json:"linked_from"`
		Sitemaps            []string
	}
	NotInCrawl []struct {
		URL, Kind string
		Status    int
		Hits      int64
	} `json:"not_in_crawl"`
	NotInCrawlURLs            int      `json:"not_in_crawl_urls"`
	NeverRequested            []string `json:"never_requested"`
	NeverRequestedURLs        int      `json:"never_requested_urls"`
	SitemapNeverRequested     []string `json:"sitemap_never_requested"`
	SitemapNeverRequestedURLs int      `json:"sitemap_never_requested_urls"`
	Sections                  []struct {
		Section        string
		Hits           int64
		HitShare       float64 `json:"hit_share"`
		Indexable      int
		IndexableShare float64                           `json:"indexable_share"`
		Times          *struct{ N, P50, P90, P99 int64 } `json:"response_ms"`
	}
	Googlebot struct {
		Hits          int64   `json:"verified_hits"`
		IndexableHits int64   `json:"indexable_200_hits"`
		Efficiency    float64 `json:"efficiency"`
		CrawlEstimate float64 `json:"crawl_estimate"`
	}
	Fakes []struct {
		Bot  string
		Hits int64
		URLs int
	}
	Crawl bool `json:"joined_with_crawl"`
}

// TestLogsJoinedWithTheDemoCrawl crawls the demo site, then joins
// testdata/logs/demo.log (Googlebot, Bingbot, a fake Googlebot, GPTBot,
// visitors, a bad line, a DST change) with it and checks every figure.
func TestLogsJoinedWithTheDemoCrawl(t *testing.T) {
	site, _, _ := demoServers(t)
	out := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = site+"/", out
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var budget struct {
		Budget struct {
			Requests, Indexable int
			Efficiency          float64
		}
	}
	if err := json.Unmarshal(readBytes(t, filepath.Join(out, "crawl.json")), &budget); err != nil {
		t.Fatal(err)
	}

	res, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{
		Files:  []string{"testdata/logs/demo.log"},
		Crawl:  out,
		Format: `apache:%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`,
		Ranges: []string{"testdata/logs/ranges/googlebot.json", "bing=testdata/logs/ranges/bingbot.json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Out != out {
		t.Errorf("out = %s, want the crawl's folder", res.Out)
	}
	var doc struct {
		Logs     logsJSON
		Findings []struct{ Rule, URL, Message string }
	}
	if err := json.Unmarshal(readBytes(t, filepath.Join(out, "crawl.json")), &doc); err != nil {
		t.Fatal(err)
	}
	l := doc.Logs
	if l.Lines != 26 || l.Requests != 25 || l.BotLines != 22 || l.HumanLines != 3 || l.BadLines != 1 ||
		len(l.BadSamples) != 1 || l.BadSamples[0].Line != 19 || !l.Crawl || strings.Join(l.Ranges, ",") != "bing,google" {
		t.Fatalf("counts: %+v", l)
	}

	var bots []string
	for _, b := range l.Bots {
		bots = append(bots, b.Bot+" "+b.Kind+" "+b.Verdict+" "+i64(b.Hits)+" "+i64(int64(b.URLs)))
	}
	wantBots := "Googlebot Smartphone search verified 17 10|Bingbot search verified 2 2|GPTBot ai unverified 1 1|Googlebot Desktop search fake 2 1"
	if strings.Join(bots, "|") != wantBots {
		t.Errorf("bots (verified Googlebot first):\n%s\nwant\n%s", strings.Join(bots, "|"), wantBots)
	}

	var days []string
	for _, d := range l.Days {
		days = append(days, d.Day+" "+d.Bot+" "+d.Verdict+" "+d.Class+" "+i64(d.Hits))
	}
	wantDays := "2026-03-28 Googlebot Smartphone verified 2xx 2|2026-03-28 Googlebot Smartphone verified 4xx 2|" +
		"2026-03-29 Bingbot verified 2xx 1|2026-03-29 Bingbot verified 4xx 1|2026-03-29 GPTBot unverified 2xx 1|" +
		"2026-03-29 Googlebot Desktop fake 4xx 2|2026-03-29 Googlebot Smartphone verified 2xx 8|" +
		"2026-03-29 Googlebot Smartphone verified 3xx 1|2026-03-29 Googlebot Smartphone verified 4xx 4"
	if strings.Join(days, "|") != wantDays {
		t.Errorf("days:\n%s\nwant\n%s", strings.Join(days, "|"), wantDays)
	}

	var cats []string
	for _, c := range l.Categories {
		cats = append(cats, c.ID+" "+i64(c.Hits))
	}
	wantCats := "indexable 6|redirect 1|unauthorized 5|forbidden 1|not_found 1|soft_404 1|noindex 1|not_in_crawl 3"
	if strings.Join(cats, "|") != wantCats {
		t.Errorf("categories:\n%s\nwant\n%s", strings.Join(cats, "|"), wantCats)
	}

	if len(l.Protected) != 2 {
		t.Fatalf("protected: %+v", l.Protected)
	}
	m, a := l.Protected[0], l.Protected[1]
	if m.URL != site+"/members/" || m.Status != 401 || m.Hits != 5 || m.Realm != "members" ||
		strings.Join(m.Bots, ",") != "Bingbot,Googlebot Smartphone" ||
		m.First != "2026-03-28T09:00:00+01:00" || m.Last != "2026-03-29T04:00:00-04:00" ||
		strings.Join(m.Linked, " ") != site+"/catering.html "+site+"/wholesale.html" ||
		strings.Join(m.Sitemaps, " ") != site+"/sitemap.xml" {
		t.Errorf("/members/: %+v", m)
	}
	if a.URL != site+"/admin/" || a.Status != 403 || a.Hits != 1 || strings.Join(a.Linked, " ") != site+"/about/" || len(a.Sitemaps) != 0 {
		t.Errorf("/admin/: %+v", a)
	}

	var notIn []string
	for _, n := range l.NotInCrawl {
		notIn = append(notIn, strings.TrimPrefix(n.URL, site)+" "+n.Kind+" "+i64(int64(n.Status))+" "+i64(n.Hits))
	}
	if want := "/old-landing.html orphan 200 2|/?utm_source=news parameter 200 1|/blog/2019/legacy.html legacy 404 1"; strings.Join(notIn, "|") != want || l.NotInCrawlURLs != 3 {
		t.Errorf("not in crawl:\n%s\nwant\n%s", strings.Join(notIn, "|"), want)
	}

	// the crawl's indexable pages: all but / and /menu/ went unrequested
	if l.NeverRequestedURLs != budget.Budget.Indexable-2 || containsString(l.NeverRequested, site+"/") || containsString(l.NeverRequested, site+"/menu/") ||
		!containsString(l.NeverRequested, site+"/faq.html") {
		t.Errorf("never requested (%d of %d indexable): %v", l.NeverRequestedURLs, budget.Budget.Indexable, l.NeverRequested)
	}
	if !containsString(l.SitemapNeverRequested, site+"/blog/2025/harvest-loaf.html") || containsString(l.SitemapNeverRequested, site+"/members/") ||
		containsString(l.SitemapNeverRequested, site+"/old-menu.html") || l.SitemapNeverRequestedURLs != len(l.SitemapNeverRequested) {
		t.Errorf("sitemap never requested: %v", l.SitemapNeverRequested)
	}

	sec := map[string]int{}
	var hitShares float64
	for i, s := range l.Sections {
		sec[s.Section] = i
		hitShares += s.HitShare
	}
	menu := l.Sections[sec["/menu/"]]
	if menu.Hits != 3 || menu.Times == nil || menu.Times.N != 3 || menu.Times.P50 != 150 || menu.Times.P90 != 150 || menu.Times.P99 != 150 {
		t.Errorf("/menu/ section: %+v %+v", menu, menu.Times)
	}
	if hitShares < 0.999 || hitShares > 1.001 {
		t.Errorf("hit shares add up to %f", hitShares)
	}

	g := l.Googlebot
	if g.Hits != 17 || g.IndexableHits != 5 || g.Efficiency != 0.2941 || g.CrawlEstimate != budget.Budget.Efficiency || g.CrawlEstimate == 0 {
		t.Errorf("googlebot efficiency: %+v (crawl estimate %v)", g, budget.Budget.Efficiency)
	}
	if len(l.Fakes) != 1 || l.Fakes[0].Bot != "Googlebot Desktop" || l.Fakes[0].Hits != 2 || l.Fakes[0].URLs != 1 {
		t.Errorf("fakes: %+v", l.Fakes)
	}

	var rules []string
	for _, f := range doc.Findings {
		if strings.HasPrefix(f.Rule, "bot-hits") || f.Rule == "fake-search-bot" {
			rules = append(rules, f.Rule+" "+strings.TrimPrefix(f.URL, site))
		}
	}
	if want := "bot-hits-unauthorized /members/|bot-hits-forbidden /admin/|bot-hits-orphan /old-landing.html|fake-search-bot /"; strings.Join(sortedCopy(rules), "|") != strings.Join(sortedCopy(strings.Split(want, "|")), "|") {
		t.Errorf("log findings: %v, want %s", rules, want)
	}

	rows, err := csv.NewReader(bytes.NewReader(readBytes(t, filepath.Join(out, "bot_hits.csv")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r[0] == site+"/members/" && r[1] == "Googlebot Smartphone" {
			found = true
			want := []string{site + "/members/", "Googlebot Smartphone", "search", "verified", "4", "401:4", "2026-03-28T09:00:00+01:00", "2026-03-29T03:00:01+02:00", "401", "unauthorized", "2"}
			if strings.Join(r, ",") != strings.Join(want, ",") {
				t.Errorf("bot_hits.csv row %v, want %v", r, want)
			}
		}
	}
	if !found || len(rows) != 1+14 {
		t.Errorf("bot_hits.csv: %d rows, /members/ found %v", len(rows), found)
	}

	html := string(readBytes(t, filepath.Join(out, "report.html")))
	for _, want := range []string{`<section id="search-engine-logs">`, `<a href="#search-engine-logs">`, `id="logs-day-chart"`, "Measured crawl efficiency: 29.4%"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	if !strings.Contains(res.Summary(), "Googlebot: 17 verified hits, 29.4% on indexable 200 pages") {
		t.Errorf("summary lacks the log lines:\n%s", res.Summary())
	}

	// Visitors' lines are counted, never stored: nothing of them in any file.
	for _, name := range []string{"crawl.db", "crawl.json", "bot_hits.csv", "report.html", "findings.csv"} {
		b := readBytes(t, filepath.Join(out, name))
		for _, secret := range []string{"192.0.2.10", "2001:db8::42", "/secret-human-path", "Win64; x64"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q from a visitor's line", name, secret)
			}
		}
	}

	// `crawlaudit report` regenerates the same log outputs from crawl.db.
	before := map[string][]byte{}
	for _, name := range []string{"crawl.json", "bot_hits.csv", "report.html"} {
		before[name] = readBytes(t, filepath.Join(out, name))
	}
	if _, err := crawlaudit.Report(context.Background(), crawlaudit.ReportOptions{Source: out}); err != nil {
		t.Fatal(err)
	}
	for name, b := range before {
		if !bytes.Equal(b, readBytes(t, filepath.Join(out, name))) {
			t.Errorf("crawlaudit report rewrote %s differently", name)
		}
	}
}

// TestLogsWithoutACrawl writes a logs-only output folder; reading the
// same logs again replaces, never adds.
func TestLogsWithoutACrawl(t *testing.T) {
	out := filepath.Join(t.TempDir(), "logs")
	for range 2 {
		_, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{
			Files: []string{"testdata/logs/combined.log.gz", "-"}, Stdin: strings.NewReader(string(readBytes(t, "testdata/logs/common.log"))),
			Out: out, Site: "https://example.com",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var doc struct{ Logs logsJSON }
	if err := json.Unmarshal(readBytes(t, filepath.Join(out, "crawl.json")), &doc); err != nil {
		t.Fatal(err)
	}
	l := doc.Logs
	if l.Lines != 20 || l.BotLines != 9 || l.HumanLines != 6 || l.BadLines != 4 || l.Crawl || strings.Join(l.Formats, ",") != "combined,common" || len(l.Ranges) != 0 {
		t.Fatalf("logs: %+v", l)
	}
	for _, b := range l.Bots {
		if b.Verdict != "unverified" {
			t.Errorf("%s is %s without ranges", b.Bot, b.Verdict)
		}
	}
	// a real crawl's folder is refused as --out
	crawl := t.TempDir()
	site, _, _ := demoServers(t)
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.MaxURLs = site+"/", crawl, 3
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	_, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{Files: []string{"testdata/logs/common.log"}, Out: crawl})
	if err == nil || !strings.Contains(err.Error(), "holds a crawl") {
		t.Errorf("logs --out on a crawl: %v", err)
	}
	for _, bad := range []crawlaudit.LogsOptions{
		{Files: []string{"testdata/logs/common.log"}},
		{Files: []string{"testdata/logs/common.log"}, Out: t.TempDir(), Format: "ltsv"},
		{Files: []string{"testdata/logs/common.log"}, Out: t.TempDir(), Ranges: []string{"testdata/logs/common.log"}},
		{Files: []string{"testdata/logs/missing.log"}, Out: t.TempDir()},
	} {
		if _, err := crawlaudit.Logs(context.Background(), bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v, want one line", bad, err)
		}
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func containsString(l []string, s string) bool { return slices.Contains(l, s) }

func sortedCopy(l []string) []string {
	c := append([]string(nil), l...)
	sort.Strings(c)
	return c
}
