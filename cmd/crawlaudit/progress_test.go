package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
)

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

func TestProgressLogsLinesWhenNotATerminal(t *testing.T) {
	old := logEvery
	logEvery = 20 * time.Millisecond
	t.Cleanup(func() { logEvery = old })
	p := &crawler.Progress{}
	p.Done.Store(42)
	p.Queued.Store(7)
	p.Errors.Store(3)
	var buf syncBuffer
	stop := showProgress(&buf, p, true, time.Now)
	time.Sleep(70 * time.Millisecond)
	stop()
	stop() // twice is harmless
	out := buf.String()
	if n := strings.Count(out, "\n"); n < 2 {
		t.Fatalf("want a line per interval, got %q", out)
	}
	if !strings.Contains(out, "crawlaudit: progress: 42 URLs done, 7 queued,") || !strings.Contains(out, "3 errors") {
		t.Fatalf("progress line = %q", out)
	}
}

func TestProgressOffPrintsNothing(t *testing.T) {
	old := logEvery
	logEvery = 5 * time.Millisecond
	t.Cleanup(func() { logEvery = old })
	var buf syncBuffer
	stop := showProgress(&buf, &crawler.Progress{}, false, time.Now)
	time.Sleep(30 * time.Millisecond)
	stop()
	if buf.String() != "" {
		t.Fatalf("--progress=false printed %q", buf.String())
	}
}

// After the crawl, the audit and then the report files are counted the
// same way.
func TestOutputProgressLogsAuditThenFiles(t *testing.T) {
	old := logEvery
	logEvery = 10 * time.Millisecond
	t.Cleanup(func() { logEvery = old })
	op := &outputProgress{files: 11}
	var buf syncBuffer
	stop := showOutputProgress(&buf, op, true, time.Now)
	waitFor := func(s string) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Second); !strings.Contains(buf.String(), s); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in %q", s, buf.String())
			}
		}
	}
	waitFor("crawlaudit: progress: auditing the crawl, ")
	op.audited.Store(true)
	op.written.Add(3)
	waitFor("crawlaudit: progress: writing reports: 3 of 11 files written, ")
	stop()
	stop()
}
