package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// logCrawl is a small crawl with access-log data whose URLs carry a
// secret and markup.
func logCrawl(t *testing.T) *Crawl {
	t.Helper()
	m := store.NewMemory()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.SetMeta(store.Meta{StartURL: "https://example.test/"}))
	must(m.PutURL(store.URL{URL: "https://example.test/", Status: 200, Kind: store.KindPage, ContentType: "text/html", Start: true}))
	must(m.PutURL(store.URL{URL: "https://example.test/feed?token=" + secretToken, Status: 401, Kind: store.KindPage}))
	must(m.AddEdge(store.Edge{From: "https://example.test/", To: "https://example.test/feed?token=" + secretToken, Type: store.EdgeLink, Tag: "a"}))
	t0 := time.Date(2026, 3, 29, 9, 0, 0, 0, time.FixedZone("", 7200))
	d := &store.LogData{
		Run: store.LogRun{Files: []string{"access.log"}, Formats: []string{"combined"}, Lines: 3, Requests: 3, BotLines: 3, First: t0, Last: t0},
		Hits: []*store.BotHit{ // in URL order, as the store gives them
			{URL: "https://example.test/", Bot: "Googlebot Smartphone", Kind: "search", Verdict: "verified", Hits: 1, Statuses: []store.StatusCount{{Status: 200, Hits: 1}}, FirstSeen: t0, LastSeen: t0},
			{URL: "https://example.test/<script>alert(1)</script>", Bot: "=HYPERLINK(\"x\")", Kind: "search", Verdict: "unverified", Hits: 1, Statuses: []store.StatusCount{{Status: 200, Hits: 1}}, FirstSeen: t0, LastSeen: t0},
			{URL: "https://example.test/feed?token=" + secretToken, Bot: "Googlebot Smartphone", Kind: "search", Verdict: "verified", Hits: 1, Statuses: []store.StatusCount{{Status: 401, Hits: 1}}, FirstSeen: t0, LastSeen: t0},
		},
		Days: []store.BotDay{{Day: "2026-03-29", Bot: "Googlebot Smartphone", Verdict: "verified", Class: "2xx", Hits: 2}},
	}
	return newCrawl(m, Options{LogData: d, LogsCrawl: true})
}

// TestBotHitsCSV: one row per URL, crawler and verdict with the crawl's
// columns; URLs masked, cells safe for spreadsheets.
func TestBotHitsCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteBotHitsCSV(&b, logCrawl(t)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), secretToken) {
		t.Fatalf("bot_hits.csv holds the secret:\n%s", b.String())
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"url,bot,kind,verified,hits,statuses,first_seen,last_seen,crawl_status,category,inlinks",
		"https://example.test/,Googlebot Smartphone,search,verified,1,200:1,2026-03-29T09:00:00+02:00,2026-03-29T09:00:00+02:00,200,indexable,0",
		"https://example.test/<script>alert(1)</script>,'=HYPERLINK(\"x\"),search,unverified,1,200:1,2026-03-29T09:00:00+02:00,2026-03-29T09:00:00+02:00,,,",
		"https://example.test/feed?token=REDACTED,Googlebot Smartphone,search,verified,1,401:1,2026-03-29T09:00:00+02:00,2026-03-29T09:00:00+02:00,401,unauthorized,1",
	}
	var got []string
	for _, r := range rows {
		var cells []string
		for _, c := range r {
			if strings.ContainsAny(c, ",\"") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			cells = append(cells, c)
		}
		got = append(got, strings.Join(cells, ","))
	}
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], `'=HYPERLINK("x")`, `"'=HYPERLINK(""x"")"`)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bot_hits.csv:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLogOutputsAreMaskedAndEscaped: crawl.json's logs object and
// report.html's section hide secrets and escape markup.
func TestLogOutputsAreMaskedAndEscaped(t *testing.T) {
	t.Parallel()
	for name, write := range map[string]func(*bytes.Buffer, *Crawl) error{
		"crawl.json":  func(b *bytes.Buffer, c *Crawl) error { return WriteJSON(b, c) },
		"report.html": func(b *bytes.Buffer, c *Crawl) error { return WriteHTML(b, c) },
		"terminal":    func(b *bytes.Buffer, c *Crawl) error { return WriteTerminal(b, c, TerminalOptions{Width: 100}) },
	} {
		var b bytes.Buffer
		if err := write(&b, logCrawl(t)); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, secretToken) || strings.Contains(out, "<script>alert") {
			t.Errorf("%s holds the secret or raw markup", name)
		}
		switch name {
		case "crawl.json":
			if !strings.Contains(out, `"logs": {`) || !strings.Contains(out, `feed?token=REDACTED`) {
				t.Errorf("crawl.json has no masked logs object")
			}
		case "report.html":
			if !strings.Contains(out, `<section id="search-engine-logs">`) || !strings.Contains(out, `id="logs-protected"`) {
				t.Errorf("report.html has no log section")
			}
		case "terminal":
			if !strings.Contains(out, "Logs: 3 lines, 3 crawler hits") {
				t.Errorf("terminal has no log line:\n%s", out)
			}
		}
	}
}
