package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The pipeline of scheduled runs (baselines, history, ignore files,
// junit.xml, summary.md, metrics.prom, the webhook) is tested through
// crawlaudit.Run in the root package (jobs_test.go there). Here: what the
// command line adds.

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestScheduledRunExitCodesAndJSONLogs crawls a site whose /b breaks
// between crawls: crawl exits 1 on a new error with --fail-on-new and on a
// known one without it, 0 when --fail-on-new finds nothing new; it prints
// the comparison with --baseline, and --log-format json makes every stderr
// line a JSON object. `crawlaudit diff` has exit codes of its own.
func TestScheduledRunExitCodesAndJSONLogs(t *testing.T) {
	t.Parallel()
	site, status := switchSite(t, 200)
	dir := t.TempDir()
	d1, d2, d3 := filepath.Join(dir, "one"), filepath.Join(dir, "two"), filepath.Join(dir, "three")
	if code, _, stderr := runCLI(t, "crawl", site+"/", "--out", d1, "-q"); code != 0 {
		t.Fatalf("first crawl exit %d, want 0: %s", code, stderr)
	}
	status.Store(404)
	code, stdout, stderr := runCLI(t, "crawl", site+"/", "--out", d2, "--baseline", d1, "--fail-on-new", "error",
		"--history", filepath.Join(dir, "history"), "--log-format", "json", "-v", "--progress=false")
	if code != 1 {
		t.Fatalf("second crawl exit %d, want 1 (a new error): %s", code, stderr)
	}
	if !strings.Contains(stdout, "Since the baseline: 1 regressions") {
		t.Errorf("stdout lacks the comparison:\n%s", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Errorf("stderr line is not a JSON log record: %q", line)
		}
	}
	if !strings.Contains(stderr, `"msg":"crawl filed in history"`) {
		t.Errorf("-v --log-format json did not log the history entry:\n%s", stderr)
	}
	if code, _, stderr := runCLI(t, "crawl", site+"/", "--out", d3, "--baseline", d2, "--fail-on-new", "error", "-q"); code != 0 {
		t.Errorf("no new findings with --fail-on-new: exit %d, want 0: %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "crawl", site+"/", "--out", d3, "--baseline", d2, "-q"); code != 1 {
		t.Errorf("known errors without --fail-on-new: exit %d, want 1", code)
	}

	out := filepath.Join(dir, "diffout")
	code, stdout, _ = runCLI(t, "diff", d1, d2, "--out", out, "--fail-on-new", "warning")
	if code != 1 || !strings.Contains(stdout, "1 regressions") || !strings.Contains(stdout, "Diff written to "+out) {
		t.Errorf("diff command: exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "diff.json")); err != nil {
		t.Errorf("diff --out: %v", err)
	}
	if code, _, _ := runCLI(t, "diff", d2, d3, "--out", out, "--fail-on-new", "notice"); code != 0 {
		t.Errorf("diff of identical crawls: exit %d, want 0", code)
	}
	if code, _, stderr := runCLI(t, "diff", d1, filepath.Join(dir, "missing")); code != 2 || !strings.Contains(stderr, "missing") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("diff with a missing crawl: exit %d %s", code, stderr)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestCrawlReadsNoConfigUnlessGivenAndRunDoes: a crawlaudit.yaml in the
// working folder (fail_on_new: never, a nightly history) does not take
// over `crawl URL`: --fail-on decides the exit code, the report goes to
// --out, nothing is filed into the history, and a note says the file was
// not read. `crawl` without a URL is a usage error pointing to `run`;
// `run` reads the file; `run` without a file is a one-line usage error.
// Not parallel: it changes the working folder.
func TestCrawlReadsNoConfigUnlessGivenAndRunDoes(t *testing.T) {
	nightly, broken := smallSite(t, 200), smallSite(t, 404)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "crawlaudit.yaml"), "defaults:\n  url: "+nightly+"/\n  out: nightly-report\n  history: nightly\n  fail_on_new: never\n")
	t.Chdir(dir)

	code, stdout, stderr := runCLI(t, "crawl", broken+"/", "--fail-on", "error", "--out", "adhoc", "-q")
	if code != 1 || stdout != "" || stderr != "crawlaudit: note: ./crawlaudit.yaml is not read by crawl: give --config crawlaudit.yaml to use it, or run the scheduled job with `crawlaudit run`\n" {
		t.Errorf("crawl URL beside a crawlaudit.yaml: exit %d, want 1 (the file's fail_on_new must not apply)\n%s%s", code, stdout, stderr)
	}
	if c := readCrawlJSON(t, filepath.Join(dir, "adhoc")); c.StartURL != broken+"/" {
		t.Errorf("crawl URL crawled %s", c.StartURL)
	}
	for _, p := range []string{"nightly", "nightly-report"} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("crawl URL wrote the file's %s: %v", p, err)
		}
	}
	if code, _, stderr := runCLI(t, "crawl", "-q"); code != 2 || stderr != "crawlaudit: crawl takes exactly one start URL (or --config FILE), got 0 arguments; `crawlaudit run` crawls the sites of ./crawlaudit.yaml\n" {
		t.Errorf("crawl without a URL: exit %d %q", code, stderr)
	}

	if code, stdout, stderr := runCLI(t, "run", "-q"); code != 0 || stderr != "" {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	if c := readCrawlJSON(t, filepath.Join(dir, "nightly-report")); c.StartURL != nightly+"/" {
		t.Errorf("run crawled %s, want the file's site", c.StartURL)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "nightly"))
	if len(entries) != 1 {
		t.Fatalf("run filed %d crawls, want 1", len(entries))
	}
	var v struct {
		Passed   bool   `json:"passed"`
		FailOn   string `json:"fail_on"`
		OnlyNew  bool   `json:"fail_on_new"`
		Findings int    `json:"findings"`
	}
	readJSONFile(t, filepath.Join(dir, "nightly", entries[0].Name(), "verdict.json"), &v)
	if !v.Passed || v.FailOn != "never" || !v.OnlyNew || v.Findings != 0 {
		t.Errorf("verdict.json %+v", v)
	}
	// crawl URL --config: the file, because it was named (its history
	// holds another site's crawl: the log says so).
	if code, _, stderr := runCLI(t, "crawl", broken+"/", "--config", "crawlaudit.yaml", "-q"); code != 0 || !strings.Contains(stderr, "baseline crawl started at another URL") {
		t.Errorf("crawl URL --config crawlaudit.yaml: exit %d, want 0 (fail_on_new: never) %s", code, stderr)
	}

	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "crawlaudit: run: no ./crawlaudit.yaml here: usage: crawlaudit run [--config FILE] [flags] (crawlaudit crawl URL crawls one site without a file)\n"},
		{[]string{"run", "--config", "none.yaml"}, "crawlaudit: config none.yaml: no such file or directory\n"},
		{[]string{"run", broken + "/"}, "crawlaudit: run takes no arguments, got 1: it crawls every site of the configuration file (crawl URL --config FILE crawls one)\n"},
		{[]string{"run", "--resume", "x"}, "crawlaudit: unknown flag: --resume\n"},
	} {
		if code, stdout, stderr := runCLI(t, tc.args...); code != 2 || stderr != tc.want || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}
