package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// What report.html's "Since last crawl" section shows, and when Report
// drops a diff.json, is tested through crawlaudit.Run and Report in the
// root package (report_since_test.go there). Here: `crawlaudit report`
// prints such a warning on stderr, as one line, and still succeeds.
func TestReportWarnsOfAnUnreadableDiffAndSucceeds(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "crawl", smallSite(t, 200)+"/", "--out", out, "-q"); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, stderr)
	}
	writeFile(t, filepath.Join(out, "diff.json"), "not json")
	code, _, stderr := runCLI(t, "report", out, "-q")
	if code != 0 || !strings.HasPrefix(stderr, "crawlaudit: warning: "+filepath.Join(out, "diff.json")+": ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("report with a broken diff.json: exit %d, stderr %q", code, stderr)
	}
}
