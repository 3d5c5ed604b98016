package main

import (
	"runtime/debug"
	"testing"

	"github.com/crawlaudit/crawlaudit"
)

// TestCrawlGC: the crawl phase runs with crawlGCPercent, the audit and the
// outputs with the default again; a GOGC the user set is left alone.
func TestCrawlGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	t.Setenv("GOGC", "")
	crawlGC(crawlaudit.PhaseCrawl)
	if got := debug.SetGCPercent(-1); got != crawlGCPercent {
		t.Errorf("GOGC during the crawl = %d, want %d", got, crawlGCPercent)
	}
	debug.SetGCPercent(crawlGCPercent)
	crawlGC(crawlaudit.PhaseAudit)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after the crawl = %d, want 100", got)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	crawlGC(crawlaudit.PhaseCrawl)
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("GOGC=50 set by the user became %d", got)
	}
}
