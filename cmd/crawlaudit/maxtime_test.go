package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// --max-time stops a crawl like Ctrl-C but goes on to the reports, with the
// usual exit code and a line saying how to continue; resumed slices (each
// stopped by the same stored --max-time) end with the URLs and statuses of
// a crawl that was never stopped.
func TestMaxTimeCrawlsInSlicesThatResume(t *testing.T) {
	t.Parallel()
	srv := testsite.Start(resumeSite(200, 25*time.Millisecond), nil)
	t.Cleanup(srv.Close)
	start := srv.URL + "/"

	whole := t.TempDir()
	if code, _, stderr := runCLI(t, "crawl", start, "--out", whole, "--fail-on", "never", "--progress=false", "-q"); code != 0 {
		t.Fatalf("uninterrupted crawl exited %d: %s", code, stderr)
	}
	wantURLs, _, _ := readCrawl(t, whole)

	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "crawl", start, "--out", dir, "--max-time", "300ms", "--fail-on", "never", "--progress=false")
	if code != 0 || stderr != "" {
		t.Fatalf("first slice exited %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "Stopped at --max-time 300ms: the reports are partial. Continue with: crawlaudit crawl --resume "+dir) {
		t.Fatalf("first slice did not say it stopped at --max-time:\n%s", stdout)
	}
	if doc := readCrawlJSON(t, dir); !doc.Partial {
		t.Fatal("crawl.json of the first slice is not marked partial")
	}
	got, _, queued := readCrawl(t, dir)
	if len(got) == 0 || len(queued) == 0 {
		t.Fatalf("first slice: %d URLs recorded, %d queued; the test needs both", len(got), len(queued))
	}
	// crawl.json lists every URL still queued as known, not requested
	// because the time was up.
	timeUp := map[string]bool{}
	for _, u := range readCrawlJSON(t, dir).URLs {
		if u.NotRequested == "max-time" {
			timeUp[u.URL] = true
		}
	}
	for _, q := range queued {
		if !timeUp[q] {
			t.Errorf("%s: queued when the time was up, not in crawl.json as not_requested max-time", q)
		}
	}
	if len(timeUp) != len(queued) {
		t.Errorf("%d URLs not_requested max-time in crawl.json, %d queued", len(timeUp), len(queued))
	}
	slices := 1
	for ; len(queued) > 0; slices++ {
		if slices > 200 { // a hang guard: every slice records something
			t.Fatalf("still %d queued after %d slices", len(queued), slices)
		}
		if code, _, stderr := runCLI(t, "crawl", "--resume", dir, "--progress=false", "-q"); code != 0 {
			t.Fatalf("slice %d exited %d: %s", slices+1, code, stderr)
		}
		got, _, queued = readCrawl(t, dir)
	}
	if !reflect.DeepEqual(got, wantURLs) {
		t.Errorf("after %d slices: %d URLs, want the uninterrupted crawl's %d", slices, len(got), len(wantURLs))
		for u, w := range wantURLs {
			if g, ok := got[u]; !ok || g != w {
				t.Errorf("%s: got %+v (recorded %v), want %+v", u, g, ok, w)
			}
		}
		for u, g := range got {
			if _, ok := wantURLs[u]; !ok {
				t.Errorf("%s: recorded as %+v, but not by the uninterrupted crawl", u, g)
			}
		}
	}
	if doc := readCrawlJSON(t, dir); doc.Partial {
		t.Error("crawl.json after the last slice is still partial")
	}
	t.Logf("%d slices", slices)
}
