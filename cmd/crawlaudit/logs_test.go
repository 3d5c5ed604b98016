package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsCommand runs `crawlaudit logs` in process: a logs-only folder,
// the summary's log lines, and one-line usage errors with exit 2.
func TestLogsCommand(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"logs", "../../testdata/logs/combined.log", "../../testdata/logs/iis.log", "--out", dir, "--site", "https://example.com",
		"--ranges", "../../testdata/logs/ranges/googlebot.json", "--no-cached-ranges", "--progress=false"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Logs: 25 lines, 11 crawler hits, 4 visitors (counted only), 4 bad lines", "Full report: " + filepath.Join(dir, "report.html")} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bot_hits.csv")); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{
		{"logs"},
		{"logs", "../../testdata/logs/common.log"},
		{"logs", "../../testdata/logs/common.log", "--out", t.TempDir(), "--format", "apache:%h %Z"},
		{"logs", "../../testdata/logs/common.log", "--out", t.TempDir(), "--json-field", "ua"},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := run(args, &stdout, &stderr); code != 2 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr.String())
		}
	}
}
