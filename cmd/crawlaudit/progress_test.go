package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// manualTicker is a ticker the test drives: each send is one tick, taken
// by the display before the send returns (the channel is unbuffered).
type manualTicker struct{ c chan time.Time }

func newManualTicker() *manualTicker { return &manualTicker{c: make(chan time.Time)} }

func (m *manualTicker) tick(time.Duration) (<-chan time.Time, func()) { return m.c, func() {} }

// fixedClock returns a clock that moves by step on each call.
func fixedClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

// TestProgressLogsLinesWhenNotATerminal: off a terminal, one line per
// tick: the crawl's counts while crawling, then the audit, then the files
// written. Ticks and clock are the test's own: nothing depends on timing.
func TestProgressLogsLinesWhenNotATerminal(t *testing.T) {
	snap := func() crawlaudit.ProgressSnapshot { return crawlaudit.ProgressSnapshot{Done: 42, Queued: 7, Errors: 3} }
	var buf syncBuffer
	tk := newManualTicker()
	stop := showProgress(&buf, snap, true, fixedClock(time.Second), tk.tick)
	tk.c <- time.Time{}
	tk.c <- time.Time{}
	stop()
	stop() // twice is harmless
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 2 {
		t.Fatalf("want a line per tick, got %q", out)
	}
	if !strings.Contains(out, "crawlaudit: progress: 42 URLs done, 7 queued,") || !strings.Contains(out, "3 errors") {
		t.Fatalf("progress line = %q", out)
	}
}

func TestProgressOffPrintsNothing(t *testing.T) {
	var buf syncBuffer
	tk := newManualTicker()
	stop := showProgress(&buf, (&crawlaudit.Progress{}).Snapshot, false, time.Now, tk.tick)
	select {
	case tk.c <- time.Time{}:
		t.Fatal("--progress=false took a tick")
	default:
	}
	stop()
	if buf.String() != "" {
		t.Fatalf("--progress=false printed %q", buf.String())
	}
}

// After the crawl, the audit and then the report files are shown, as a
// run moves through its phases.
func TestOutputProgressShowsAuditThenFiles(t *testing.T) {
	var mu sync.Mutex
	cur := crawlaudit.ProgressSnapshot{Done: 5}
	set := func(s crawlaudit.ProgressSnapshot) { mu.Lock(); cur = s; mu.Unlock() }
	snap := func() crawlaudit.ProgressSnapshot { mu.Lock(); defer mu.Unlock(); return cur }
	var buf syncBuffer
	tk := newManualTicker()
	stop := showProgress(&buf, snap, true, fixedClock(time.Second), tk.tick)
	lines := 0
	tick := func(want string) {
		t.Helper()
		tk.c <- time.Time{}
		tk.c <- time.Time{} // taken once the line of the first tick is written
		lines += 2
		if out := buf.String(); !strings.Contains(out, want) {
			t.Fatalf("no %q in %q", want, out)
		}
	}
	tick("crawlaudit: progress: 5 URLs done")
	set(crawlaudit.ProgressSnapshot{Phase: crawlaudit.PhaseAudit})
	tick("crawlaudit: progress: auditing the crawl, ")
	set(crawlaudit.ProgressSnapshot{Phase: crawlaudit.PhaseWrite, Files: 11, Written: 3})
	tick("crawlaudit: progress: writing reports: 3 of 11 files written, ")
	stop()
	if n := strings.Count(buf.String(), "\n"); n != lines {
		t.Errorf("%d lines for %d ticks", n, lines)
	}
}
