package main

import (
	"bytes"
	"context"
	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/history"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// smallSite serves a home page linking to /a and /b; /b answers status.
func smallSite(t *testing.T, status int) string {
	t.Helper()
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><body><a href="/a">a</a><a href="/b">b</a></body></html>`))
		case "/a":
			w.Write([]byte(`<html><body>a</body></html>`))
		case "/b":
			w.WriteHeader(status)
			w.Write([]byte(`<html><body>b</body></html>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestConfigCrawlsThreeSitesEndToEnd(t *testing.T) {
	ok, broken, auth := smallSite(t, 200), smallSite(t, 404), smallSite(t, 401)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "crawlaudit.yaml")
	writeFile(t, cfg, `parallel_sites: 2
defaults:
  out: `+filepath.Join(dir, "reports")+`
  history: `+filepath.Join(dir, "hist")+`
  concurrency: 2
  timeout: 5s
  rules:
    missing-www-authenticate: {disabled: true}
sites:
  - url: `+ok+`/
    name: ok
  - url: `+broken+`/
    name: broken
    rules:
      broken-link: {severity: warning}
  - url: `+auth+`/
    name: auth
    out: `+filepath.Join(dir, "auth-report")+`
    fail_on: never
`)
	code, stdout, stderr := runCLI(t, "config", "check", cfg)
	if code != 0 || !strings.Contains(stdout, "OK, 3 site(s)") || !strings.Contains(stdout, "broken: "+broken+"/ → "+filepath.Join(dir, "reports", "broken")) {
		t.Fatalf("config check: exit %d\n%s%s", code, stdout, stderr)
	}
	// broken-link lowered to a warning: no site reaches the error level.
	code, stdout, stderr = runCLI(t, "crawl", "--config", cfg, "-q")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []struct{ name, out, start, findings string }{
		{"ok", filepath.Join(dir, "reports", "ok"), ok + "/", ""},
		{"broken", filepath.Join(dir, "reports", "broken"), broken + "/", "broken-link warning " + broken + "/b"},
		{"auth", filepath.Join(dir, "auth-report"), auth + "/", "unauthorized-linked-page warning " + auth + "/b"},
	} {
		c := readCrawlJSON(t, want.out)
		var fs []string
		for _, f := range c.Findings {
			fs = append(fs, f.Rule+" "+f.Severity+" "+f.URL)
		}
		if c.StartURL != want.start || strings.Join(fs, "\n") != want.findings || len(c.URLs) != 4 {
			t.Errorf("site %s: start %s, %d URLs, findings %q", want.name, c.StartURL, len(c.URLs), fs)
		}
		if !strings.Contains(stdout, "site "+want.name+": passed ("+want.out+")") {
			t.Errorf("no result line for %s:\n%s", want.name, stdout)
		}
		if !strings.Contains(readFile(t, filepath.Join(want.out, "metrics.prom")), `site="`+want.name+`"`) {
			t.Errorf("%s: metrics.prom lacks the site label", want.name)
		}
	}
	// A flag overrides the file: --fail-on warning makes two sites fail
	// (the flag wins over auth's own fail_on: never too).
	code, stdout, _ = runCLI(t, "crawl", "--config", cfg, "-q", "--fail-on", "warning", "--parallel-sites", "1")
	if code != 1 || !strings.Contains(stdout, "site broken: failed") || !strings.Contains(stdout, "site auth: failed") || !strings.Contains(stdout, "site ok: passed") {
		t.Errorf("--fail-on warning over the file: exit %d\n%s", code, stdout)
	}
	// One URL with a config: that site's settings and history folder, the
	// --out given as it is.
	code, _, _ = runCLI(t, "crawl", "--config", cfg, broken+"/", "--out", filepath.Join(dir, "single"), "-q", "--fail-on", "warning")
	if c := readCrawlJSON(t, filepath.Join(dir, "single")); code != 1 || len(c.Findings) != 1 || c.Findings[0].Severity != "warning" {
		t.Errorf("single site from config: exit %d %+v", code, c.Findings)
	}
	// Each site has its own history; the second and third crawls had a
	// baseline (nothing changed).
	for name, n := range map[string]int{"ok": 2, "broken": 3, "auth": 2} {
		entries, err := history.Entries(filepath.Join(dir, "hist", name))
		if err != nil || len(entries) != n {
			t.Errorf("history of %s: %v %v, want %d entries", name, entries, err, n)
		}
	}
	var dj struct {
		Counts map[string]int `json:"counts"`
	}
	readJSONFile(t, filepath.Join(dir, "single", "diff.json"), &dj)
	if dj.Counts["changes"] != 0 || dj.Counts["new_findings"] != 0 {
		t.Errorf("single-site diff against its history: %v", dj.Counts)
	}
}

func TestConfigErrorsAreOneLineUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "sites:\n  - url: http://127.0.0.1:1/\n    depth: 3\n", "c.yaml:3: sites[0].depth: field depth not found"},
		{"unknown rule", "defaults:\n  url: http://127.0.0.1:1/\n  rules:\n    no-such-rule: {disabled: true}\n", `c.yaml:4: defaults.rules.no-such-rule: unknown rule "no-such-rule"`},
		{"bad max_body", "defaults:\n  url: http://127.0.0.1:1/\n  max_body: lots\n", `c.yaml:3: defaults.max_body: "lots" is not a size such as 10MiB`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			writeFile(t, path, tc.yaml)
			for _, args := range [][]string{{"config", "check", path}, {"crawl", "--config", path}} {
				code, stdout, stderr := runCLI(t, args...)
				if code != 2 || !strings.Contains(stderr, filepath.Join(dir, tc.want)) || strings.Count(stderr, "\n") != 1 || stdout != "" {
					t.Errorf("%v: exit %d stderr %q", args, code, stderr)
				}
			}
		})
	}
	if code, _, stderr := runCLI(t, "config", "check", filepath.Join(dir, "none.yaml")); code != 2 || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: %d %s", code, stderr)
	}
}

func TestHistoryKeepsNewestCrawlsAndUsesTheLastAsBaseline(t *testing.T) {
	site := &changingSite{}
	srv := testsite.Start(site, nil)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	if err := os.MkdirAll(filepath.Join(hist, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	crawl := func(phase int32) error {
		site.phase.Store(phase)
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out = srv.URL+"/", filepath.Join(dir, "out")
		o.History, o.HistoryKeep, o.FailOnNew = hist, 2, "error"
		now := clock
		o.Now = func() time.Time { return now }
		clock = clock.Add(time.Hour)
		var stderr bytes.Buffer
		return runSite(context.Background(), o, &stderr)
	}
	// First: no history, every finding new → fails. Second, same site:
	// the first is the baseline, nothing new → passes. Third, statuses
	// change: new errors → fails.
	if err := crawl(0); err != errFailLevel {
		t.Fatalf("first crawl: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "diff.json")); !os.IsNotExist(err) {
		t.Errorf("diff.json without a baseline: %v", err)
	}
	if err := crawl(0); err != nil {
		t.Fatalf("second crawl: %v", err)
	}
	if err := crawl(1); err != errFailLevel {
		t.Fatalf("third crawl: %v", err)
	}
	var dj struct {
		Counts map[string]int `json:"counts"`
		Old    struct {
			StartedAt string `json:"started_at"`
		} `json:"old"`
	}
	readJSONFile(t, filepath.Join(dir, "out", "diff.json"), &dj)
	if dj.Old.StartedAt != "2026-01-02T04:04:05Z" || dj.Counts["regressions"] != 4 {
		t.Errorf("third crawl's baseline: %+v", dj)
	}
	des, _ := os.ReadDir(hist)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if strings.Join(names, " ") != "20260102T040405Z 20260102T050405Z notes" {
		t.Errorf("history holds %v, want the two newest crawls and the foreign folder", names)
	}
	for _, f := range []string{"crawl.json", "junit.xml", "summary.md", "metrics.prom", "diff.json"} {
		if _, err := os.Stat(filepath.Join(hist, "20260102T050405Z", f)); err != nil {
			t.Errorf("history entry lacks %s", f)
		}
	}
}

func TestNotifyFailureIsLoggedAndKeepsTheReport(t *testing.T) {
	srv := testsite.Start(&changingSite{}, nil)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name     string
		statuses []int
		posts    int
		logged   string
	}{
		{"retried after 503 then delivered", []int{503, 502}, 3, "notification sent"},
		{"gives up after three attempts", []int{500, 500, 500, 500}, 3, "notification failed"},
		{"no retry after 404", []int{404}, 1, "answered 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{statuses: tc.statuses}
			hook := testsite.Start(rc, nil)
			t.Cleanup(hook.Close)
			o := crawlaudit.DefaultOptions()
			out := t.TempDir()
			o.Start, o.Out, o.FailOn = srv.URL+"/", out, "never"
			o.NotifyURL, o.NotifyBackoff = hook.URL+"/secret-path", time.Millisecond
			var stderr bytes.Buffer
			if err := runSite(context.Background(), o, &stderr); err != nil {
				t.Fatalf("Run: %v (a failed notification must not change the result)", err)
			}
			if n := len(rc.got()); n != tc.posts {
				t.Errorf("%d posts, want %d", n, tc.posts)
			}
			if !strings.Contains(stderr.String(), tc.logged) || strings.Contains(stderr.String(), "secret-path") {
				t.Errorf("log:\n%s", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(out, "crawl.json")); err != nil {
				t.Errorf("report lost: %v", err)
			}
		})
	}
	// A webhook that never answers: the attempt times out and the crawl
	// still returns.
	t.Run("unreachable webhook", func(t *testing.T) {
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.FailOn = srv.URL+"/", t.TempDir(), "never"
		o.NotifyURL, o.NotifyBackoff = "http://127.0.0.1:1/hook", time.Millisecond
		var stderr bytes.Buffer
		if err := runSite(context.Background(), o, &stderr); err != nil || !strings.Contains(stderr.String(), "notification failed") {
			t.Errorf("err %v log %s", err, stderr.String())
		}
	})
}

func TestPartialCrawlIsNotFiledInHistory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	site := &changingSite{}
	// The crawl is interrupted while the first linked page is requested.
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/about" {
			cancel()
		}
		site.ServeHTTP(w, r)
	}), nil)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	o := crawlaudit.DefaultOptions()
	o.Start, o.Out, o.FailOn, o.Concurrency = srv.URL+"/", filepath.Join(dir, "out"), "never", 1
	o.History = filepath.Join(dir, "history")
	var stderr bytes.Buffer
	if err := runSite(ctx, o, &stderr); err != nil {
		t.Fatalf("Run: %v", err)
	}
	metrics := readFile(t, filepath.Join(o.Out, "metrics.prom"))
	if !strings.Contains(metrics, `crawlaudit_crawl_partial{site="`+hostOf(srv.URL)+`"} 1`+"\n") || strings.Contains(metrics, "last_success") {
		t.Errorf("metrics of a partial crawl:\n%s", metrics)
	}
	if _, err := os.Stat(o.History); !os.IsNotExist(err) {
		t.Errorf("history created for a partial crawl: %v", err)
	}
	if !strings.Contains(stderr.String(), "partial crawl not filed in history") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

func TestJobFlagErrorsAreUsageErrorsBeforeAnyRequest(t *testing.T) {
	log := &testsite.Log{}
	srv := testsite.Start(&changingSite{}, log)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	badIgnore := filepath.Join(dir, "bad-ignore.yaml")
	writeFile(t, badIgnore, "ignore:\n  - rule: broken-link\n    url: '('\n    reason: r\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"log format", []string{"--log-format", "xml"}, `--log-format must be text or json, got "xml"`},
		{"fail-on-new level", []string{"--fail-on-new", "fatal"}, `--fail-on-new must be error, warning, notice or never, got "fatal"`},
		{"history keep", []string{"--history-keep", "0"}, "--history-keep must be between 1 and 1000, got 0"},
		{"missing baseline", []string{"--baseline", filepath.Join(dir, "nope")}, "--baseline " + filepath.Join(dir, "nope") + ": no crawl.json there"},
		{"notify scheme", []string{"--notify-url", "ftp://127.0.0.1/x"}, "--notify-url must be an absolute http(s) URL"},
		{"missing ignore file", []string{"--ignore-file", filepath.Join(dir, "none.yaml")}, "no such file or directory"},
		{"bad ignore pattern", []string{"--ignore-file", badIgnore}, badIgnore + `:3: ignore[0].url: bad regular expression "("`},
		{"parallel sites", []string{"--parallel-sites", "0"}, "--parallel-sites must be between 1 and 64, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"crawl", srv.URL + "/", "--out", filepath.Join(dir, "out"), "-q"}, tc.args...)
			code, _, stderr := runCLI(t, args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	if n := len(log.Requests()); n != 0 {
		t.Errorf("%d requests sent despite usage errors", n)
	}
}

// runSite runs o through crawlaudit.Run, the way the crawl command does
// (logging at info level as text on stderr), and returns errFailLevel when
// a finding reached the fail level.
func runSite(ctx context.Context, o crawlaudit.Options, stderr *bytes.Buffer) error {
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	res, err := crawlaudit.Run(ctx, o)
	if err != nil {
		return err
	}
	if res.Failed {
		return errFailLevel
	}
	return nil
}
