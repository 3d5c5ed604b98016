package crawlaudit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
)

// TestReportRewritesEveryOutput: `crawlaudit report DIR` rewrites every
// file a crawl writes (the one format registry), byte for byte the same as
// the crawl wrote them, from crawl.db alone.
func TestReportRewritesEveryOutput(t *testing.T) {
	t.Parallel()
	site := smallSite(t, 404)
	base, out := t.TempDir(), t.TempDir()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	run := func(dir, baseline string) {
		o := crawlaudit.DefaultOptions()
		o.Start, o.Out, o.Baseline, o.FailOn = site+"/", dir, baseline, crawlaudit.LevelNever
		o.Now = func() time.Time { return now }
		if _, err := crawlaudit.Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	run(base, "")
	run(out, base) // with a baseline: diff.json and diff.csv too

	written := map[string][]byte{}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == crawlaudit.DBName || filepath.Ext(e.Name()) == ".db-wal" || filepath.Ext(e.Name()) == ".db-shm" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		written[e.Name()] = b
		if e.Name() != "diff.json" { // the comparison comes back from it
			if err := os.Remove(filepath.Join(out, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	var names []string
	for n := range written {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"budget.csv", "crawl.json", "diff.csv", "diff.json", "findings.csv", "fixes.csv", "junit.xml", "links.csv", "metrics.prom", "redirects.csv", "report.html", "summary.md", "urls.csv"}
	if !equal(names, want) {
		t.Fatalf("a crawl wrote %v, want %v", names, want)
	}
	if _, err := crawlaudit.Report(t.Context(), crawlaudit.ReportOptions{Source: out}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Errorf("%s not rewritten: %v", n, err)
			continue
		}
		if !bytes.Equal(b, written[n]) {
			t.Errorf("%s rewritten differs from the crawl's (%d bytes, was %d)", n, len(b), len(written[n]))
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
