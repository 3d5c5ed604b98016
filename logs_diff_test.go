package crawlaudit_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// diffLogsJSON is diff.json's "logs" object.
type diffLogsJSON struct {
	Logs *struct {
		Old, New *struct {
			CrawlerLines  int64            `json:"crawler_lines"`
			CrawlerHits   int64            `json:"crawler_hits"`
			Bots          map[string]int64 `json:"bots"`
			Wasted        map[string]int64 `json:"wasted"`
			Unauthorized  int64            `json:"unauthorized_hits"`
			Forbidden     int64            `json:"forbidden_hits"`
			GooglebotHits int64            `json:"googlebot_verified_hits"`
			Efficiency    float64          `json:"googlebot_efficiency"`
		}
	}
}

// TestDiffComparesLogFigures: two crawls of the demo site, each joined
// with its access log, compare their log figures in diff.json, summary.md
// and report.html: through a baseline when the second crawl runs (its
// logs joined later, which regenerates the comparison), and through
// Compare.
func TestDiffComparesLogFigures(t *testing.T) {
	site, _, _ := demoServers(t)
	ranges := []string{"testdata/logs/ranges/googlebot.json", "bing=testdata/logs/ranges/bingbot.json"}
	format := `apache:%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`
	// the second log is the demo log without its lines 20 on
	lines := strings.SplitAfter(string(readBytes(t, "testdata/logs/demo.log")), "\n")
	short := filepath.Join(t.TempDir(), "short.log")
	if err := os.WriteFile(short, []byte(strings.Join(lines[:19], "")), 0o644); err != nil {
		t.Fatal(err)
	}

	old := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = site+"/", old
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{Files: []string{"testdata/logs/demo.log"}, Crawl: old, Format: format, Ranges: ranges}); err != nil {
		t.Fatal(err)
	}

	cur := t.TempDir()
	o = crawlaudit.DefaultOptions()
	o.Start, o.Out, o.Baseline, o.FailOn = site+"/", cur, old, crawlaudit.LevelNever
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	read := func(dir string) diffLogsJSON {
		t.Helper()
		var d diffLogsJSON
		if err := json.Unmarshal(readBytes(t, filepath.Join(dir, "diff.json")), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	// the baseline has logs, the new crawl none yet
	d := read(cur)
	if d.Logs == nil || d.Logs.Old == nil || d.Logs.New != nil {
		t.Fatalf("diff.json logs before the new crawl's logs: %+v", d.Logs)
	}
	o1 := *d.Logs.Old
	// demo.log: 17 verified Googlebot Smartphone hits, 2 verified Bingbot,
	// 1 GPTBot, 2 fake Googlebot Desktop (TestLogsJoinedWithTheDemoCrawl);
	// of the 19 search-engine hits, 5 got 401 and 1 got 403
	if o1.CrawlerLines != 22 || o1.CrawlerHits != 19 || o1.Bots["Googlebot Smartphone verified"] != 17 || o1.Bots["Googlebot Desktop fake"] != 2 || o1.Bots["Bingbot verified"] != 2 ||
		o1.Unauthorized != 5 || o1.Forbidden != 1 || o1.Wasted["unauthorized"] != 5 || o1.GooglebotHits != 17 || o1.Efficiency != 0.2941 {
		t.Errorf("old figures: %+v", o1)
	}

	if _, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{Files: []string{short}, Crawl: cur, Format: format, Ranges: ranges}); err != nil {
		t.Fatal(err)
	}
	d = read(cur)
	if d.Logs == nil || d.Logs.Old == nil || d.Logs.New == nil {
		t.Fatalf("diff.json logs after the new crawl's logs: %+v", d.Logs)
	}
	if d.Logs.Old.CrawlerLines != o1.CrawlerLines {
		t.Errorf("the baseline's figures changed: %+v, was %+v", *d.Logs.Old, o1)
	}
	n := *d.Logs.New
	// the first 18 lines: the Bingbot, GPTBot and fake lines and one 401
	// come later
	if n.CrawlerLines != 17 || n.CrawlerHits != 17 || n.Unauthorized != 4 || n.Forbidden != 1 || n.Bots["Bingbot verified"] != 0 || n.Bots["Googlebot Smartphone verified"] != 17 {
		t.Errorf("new figures %+v against old %+v", n, o1)
	}

	// Compare computes the same from both folders
	cmp := t.TempDir()
	if _, err := crawlaudit.Compare(context.Background(), crawlaudit.CompareOptions{Old: old, New: cur, Out: cmp}); err != nil {
		t.Fatal(err)
	}
	c := read(cmp)
	if c.Logs == nil || c.Logs.Old == nil || c.Logs.New == nil {
		t.Fatalf("compare: %+v", c.Logs)
	}
	ob, _ := json.Marshal(c.Logs)
	db, _ := json.Marshal(d.Logs)
	if string(ob) != string(db) {
		t.Errorf("compare's log figures\n%s\ndiffer from the baseline's\n%s", ob, db)
	}

	md := string(readBytes(t, filepath.Join(cur, "summary.md")))
	html := string(readBytes(t, filepath.Join(cur, "report.html")))
	row := "| 401 hits | 5 | 4 | -1 |"
	if !strings.Contains(md, "#### Search-engine logs") || !strings.Contains(md, row) {
		t.Errorf("summary.md lacks the log comparison row %q", row)
	}
	if !strings.Contains(html, `id="since-logs-table"`) || !strings.Contains(html, "hits: Googlebot Smartphone verified") {
		t.Errorf("report.html lacks the log comparison")
	}
	// regenerating keeps it
	if _, err := crawlaudit.Report(context.Background(), crawlaudit.ReportOptions{Source: cur}); err != nil {
		t.Fatal(err)
	}
	if r := read(cur); r.Logs == nil || r.Logs.New == nil || r.Logs.New.CrawlerLines != n.CrawlerLines || r.Logs.Old.CrawlerLines != 22 {
		t.Errorf("after report: %+v", r.Logs)
	}
}

// TestReportFromCrawlJSONWarnsOfTheLogs: a crawl.json alone cannot give
// back the crawler hits its "logs" object summarises; the report says so
// in one warning line, and says nothing for a crawl.json without logs.
func TestReportFromCrawlJSONWarnsOfTheLogs(t *testing.T) {
	site, _, _ := demoServers(t)
	crawl := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out = site+"/", crawl
	if _, err := crawlaudit.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "crawl.json")
	if err := os.WriteFile(plain, readBytes(t, filepath.Join(crawl, "crawl.json")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{Files: []string{"testdata/logs/demo.log"}, Crawl: crawl,
		Format: `apache:%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`}); err != nil {
		t.Fatal(err)
	}
	withLogs := filepath.Join(t.TempDir(), "crawl.json")
	if err := os.WriteFile(withLogs, readBytes(t, filepath.Join(crawl, "crawl.json")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		source string
		warns  int
	}{{withLogs, 1}, {plain, 0}, {crawl, 0}} {
		var warns []string
		_, err := crawlaudit.Report(context.Background(), crawlaudit.ReportOptions{Source: c.source, Out: t.TempDir(), Warn: func(s string) { warns = append(warns, s) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != c.warns {
			t.Errorf("%s: warnings %q, want %d", c.source, warns, c.warns)
		}
		for _, w := range warns {
			if !strings.Contains(w, "come only from crawl.db") || strings.Contains(w, "\n") {
				t.Errorf("warning %q", w)
			}
		}
	}
}
