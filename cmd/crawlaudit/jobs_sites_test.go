package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// What each site of a configuration file produces is tested through
// crawlaudit.ReadConfig and RunSites in the root package (sites_test.go
// there). Here: `crawl --config` and `config check` on the command line.

// smallSite serves a home page linking to /a and /b; /b answers status.
func smallSite(t *testing.T, status int) string {
	t.Helper()
	url, _ := switchSite(t, status)
	return url
}

// switchSite is smallSite with the status of /b the test can change.
func switchSite(t *testing.T, status int) (string, *atomic.Int32) {
	t.Helper()
	var b atomic.Int32
	b.Store(int32(status))
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><body><a href="/a">a</a><a href="/b">b</a></body></html>`))
		case "/a":
			w.Write([]byte(`<html><body>a</body></html>`))
		case "/b":
			w.WriteHeader(int(b.Load()))
			w.Write([]byte(`<html><body>b</body></html>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	t.Cleanup(srv.Close)
	return srv.URL, &b
}

// TestCrawlConfigRunsEverySiteAndFlagsWin checks `config check` and `crawl
// --config` of a three-site file: the "== site ==" block and the "site X:
// passed" line of each, the exit code, and flags on the command line over
// the file: --fail-on over every site's (auth's own fail_on: never too),
// --out as the parent folder of the whole list, and with one URL the
// site's settings with --out as it is.
func TestCrawlConfigRunsEverySiteAndFlagsWin(t *testing.T) {
	t.Parallel()
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
	for _, want := range []struct{ name, out, start string }{
		{"ok", filepath.Join(dir, "reports", "ok"), ok + "/"},
		{"broken", filepath.Join(dir, "reports", "broken"), broken + "/"},
		{"auth", filepath.Join(dir, "auth-report"), auth + "/"},
	} {
		if !strings.Contains(stdout, "== "+want.name+" ("+want.start+") ==\n") {
			t.Errorf("no block for %s:\n%s", want.name, stdout)
		}
		if !strings.Contains(stdout, "site "+want.name+": passed ("+want.out+")") {
			t.Errorf("no result line for %s:\n%s", want.name, stdout)
		}
		if c := readCrawlJSON(t, want.out); c.StartURL != want.start {
			t.Errorf("%s: crawl.json of %s in %s", want.name, c.StartURL, want.out)
		}
	}
	// Flags override the file: --fail-on warning makes two sites fail (the
	// flag wins over auth's own fail_on: never too), and --out is the
	// parent folder of every site's, auth's own out aside.
	flagOut := filepath.Join(dir, "flag-out")
	code, stdout, _ = runCLI(t, "crawl", "--config", cfg, "-q", "--fail-on", "warning", "--parallel-sites", "1", "--out", flagOut)
	if code != 1 || !strings.Contains(stdout, "site broken: failed") || !strings.Contains(stdout, "site auth: failed") || !strings.Contains(stdout, "site ok: passed") {
		t.Errorf("--fail-on warning over the file: exit %d\n%s", code, stdout)
	}
	for name, start := range map[string]string{"ok": ok + "/", "broken": broken + "/", "auth": auth + "/"} {
		out := filepath.Join(flagOut, name)
		if !slices.ContainsFunc(strings.Split(stdout, "\n"), func(l string) bool {
			return strings.HasPrefix(l, "site "+name+": ") && strings.HasSuffix(l, " ("+out+")")
		}) || readCrawlJSON(t, out).StartURL != start {
			t.Errorf("--out over the file: site %s not in %s\n%s", name, out, stdout)
		}
	}
	// One URL with a config: that site's settings, the --out given as it
	// is.
	code, _, _ = runCLI(t, "crawl", "--config", cfg, broken+"/", "--out", filepath.Join(dir, "single"), "-q", "--fail-on", "warning")
	if c := readCrawlJSON(t, filepath.Join(dir, "single")); code != 1 || len(c.Findings) != 1 || c.Findings[0].Severity != "warning" {
		t.Errorf("single site from config: exit %d %+v", code, c.Findings)
	}
}

func TestConfigErrorsAreOneLineUsageErrors(t *testing.T) {
	t.Parallel()
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

func TestJobFlagErrorsAreUsageErrorsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	log := &testsite.Log{}
	srv := testsite.Start(http.NotFoundHandler(), log)
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
