package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/crawlaudit/crawlaudit"
)

// logEvery is how often progress is logged when stderr is not a terminal.
const logEvery = 10 * time.Second

// ticker starts a ticker of period d and returns its channel and its stop;
// time.NewTicker's, or a test's own events.
type ticker func(d time.Duration) (<-chan time.Time, func())

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// showProgress reports a run's progress (snap, from
// crawlaudit.Progress.Snapshot) on w until the returned stop is called: a live
// line (schollz/progressbar) when w is a terminal, one log line every 10s
// otherwise, nothing when off. While crawling it shows the URLs done and
// queued, the request rate and errors; afterwards the audit and the files
// written (a million-URL crawl spends minutes there).
func showProgress(w io.Writer, snap func() crawlaudit.ProgressSnapshot, on bool, now func() time.Time, tick ticker) (stop func()) {
	started := now()
	var after time.Time // when the crawl phase ended
	return showLine(w, on, tick, func() string {
		s := snap()
		el := now().Sub(started)
		if s.Phase == crawlaudit.PhaseCrawl {
			rate := 0.0
			if sec := el.Seconds(); sec > 0 {
				rate = float64(s.Requests) / sec
			}
			line := fmt.Sprintf("%d URLs done, %d queued, %.0f req/s, %d errors, %s elapsed",
				s.Done, s.Queued, rate, s.Errors, el.Truncate(time.Second))
			if s.Workers > 0 || s.Refused > 0 {
				// A crawl with workers (--redis): they send the requests,
				// so the rate is of URLs recorded.
				if sec := el.Seconds(); sec > 0 {
					rate = float64(s.Done) / sec
				}
				line = fmt.Sprintf("%d URLs done, %d queued, %.0f URLs/s, %d errors, %d workers, %s elapsed",
					s.Done, s.Queued, rate, s.Errors, s.Workers, el.Truncate(time.Second))
				if s.Refused > 0 {
					line += fmt.Sprintf(", %d refused (no credentials)", s.Refused)
				}
			}
			if s.Rendered > 0 || s.Rendering > 0 {
				// Chromium's memory, all its processes, after the last page.
				line += fmt.Sprintf(", %d rendered (Chromium %d MiB)", s.Rendered, s.RenderMemory>>20)
			}
			return line
		}
		if after.IsZero() {
			after = now()
		}
		el = now().Sub(after).Truncate(time.Second)
		if s.Phase == crawlaudit.PhaseAudit {
			return fmt.Sprintf("auditing the crawl, %s elapsed", el)
		}
		return fmt.Sprintf("writing reports: %d of %d files written, %s elapsed", s.Written, s.Files, el)
	})
}

// showLine shows line() on w until the returned stop is called: a live
// line (schollz/progressbar) when w is a terminal, one log line every
// logEvery otherwise, nothing when off. tick (nil: realTicker) paces it.
// Calling stop twice is harmless.
func showLine(w io.Writer, on bool, tick ticker, line func() string) (stop func()) {
	if !on {
		return func() {}
	}
	if tick == nil {
		tick = realTicker
	}
	f, isFile := w.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	var (
		quit = make(chan struct{})
		wg   sync.WaitGroup
	)
	if tty {
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		wg.Go(func() {
			c, stop := tick(250 * time.Millisecond)
			defer stop()
			for {
				select {
				case <-quit:
					bar.Finish()
					return
				case <-c:
					bar.Describe(line())
					_ = bar.Add(1)
				}
			}
		})
	} else {
		wg.Go(func() {
			c, stop := tick(logEvery)
			defer stop()
			for {
				select {
				case <-quit:
					return
				case <-c:
					fmt.Fprintln(w, "crawlaudit: progress:", line())
				}
			}
		})
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			wg.Wait()
		})
	}
}
