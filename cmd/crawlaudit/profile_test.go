package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestPhaseTimesFile: CRAWLAUDIT_PHASES makes a crawl write its two phase
// times, wall and CPU (bench/run.sh reads them), and nothing more on stdout or stderr.
func TestPhaseTimesFile(t *testing.T) {
	site, _, _ := demoServers(t)
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "phases")
	t.Setenv(phasesEnv, path)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"crawl", site + "/", "--out", dir, "--fail-on", "never", "-q", "--progress=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Fatalf("output with -q: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^crawl_s=([0-9]+\.[0-9]{2}) after_s=([0-9]+\.[0-9]{2}) crawl_cpu_s=([0-9]+\.[0-9]{2}) after_cpu_s=([0-9]+\.[0-9]{2})\n$`).FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("phase file = %q", data)
	}
	crawl, _ := strconv.ParseFloat(m[1], 64)
	if crawl <= 0 {
		t.Errorf("crawl_s = %v, want > 0 (a crawl made requests)", crawl)
	}
	if cpu, _ := strconv.ParseFloat(m[3], 64); cpu <= 0 {
		t.Errorf("crawl_cpu_s = %v, want > 0 (the process started and crawled)", cpu)
	}
}
