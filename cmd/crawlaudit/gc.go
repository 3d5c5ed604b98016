package main

import (
	"os"
	"runtime/debug"

	"github.com/crawlaudit/crawlaudit"
)

// crawlGCPercent is the garbage collector's GOGC while a crawl requests
// URLs, unless GOGC is set. The crawl's live heap is small (10-25 MB: the
// records go to the database), so a larger heap target costs little
// memory and saves collections; the default comes back for the audit and
// the outputs, whose heap holds the record cache (README "Performance").
const crawlGCPercent = 200

// crawlGC is crawlaudit.Progress.OnPhase's garbage-collector part.
func crawlGC(p crawlaudit.Phase) {
	if os.Getenv("GOGC") != "" {
		return
	}
	switch p {
	case crawlaudit.PhaseCrawl:
		debug.SetGCPercent(crawlGCPercent)
	case crawlaudit.PhaseAudit:
		debug.SetGCPercent(100)
	}
}
