package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/crawlaudit/crawlaudit/crawler"
)

// logEvery is how often progress is logged when stderr is not a terminal
// (a variable for tests).
var logEvery = 10 * time.Second

// showProgress reports p on w until the returned stop is called: a live
// line (schollz/progressbar) when w is a terminal, one log line every 10s
// otherwise, nothing when off.
func showProgress(w io.Writer, p *crawler.Progress, on bool, now func() time.Time) (stop func()) {
	started := now()
	return showLine(w, on, func() string {
		el := now().Sub(started)
		rate := 0.0
		if s := el.Seconds(); s > 0 {
			rate = float64(p.Requests.Load()) / s
		}
		return fmt.Sprintf("%d URLs done, %d queued, %.0f req/s, %d errors, %s elapsed",
			p.Done.Load(), p.Queued.Load(), rate, p.Errors.Load(), el.Truncate(time.Second))
	})
}

// outputProgress counts the work after the crawl: the audit, then the
// report files. Its methods are safe for concurrent use.
type outputProgress struct {
	files   int          // report files to write
	audited atomic.Bool  // the audit is done
	written atomic.Int64 // report files written
}

// showOutputProgress reports op on w as showProgress does the crawl (a
// million-URL crawl spends minutes here).
func showOutputProgress(w io.Writer, op *outputProgress, on bool, now func() time.Time) (stop func()) {
	started := now()
	return showLine(w, on, func() string {
		el := now().Sub(started).Truncate(time.Second)
		if !op.audited.Load() {
			return fmt.Sprintf("auditing the crawl, %s elapsed", el)
		}
		return fmt.Sprintf("writing reports: %d of %d files written, %s elapsed", op.written.Load(), op.files, el)
	})
}

// showLine shows line() on w until the returned stop is called: a live
// line (schollz/progressbar) when w is a terminal, one log line every
// logEvery otherwise, nothing when off. Calling stop twice is harmless.
func showLine(w io.Writer, on bool, line func() string) (stop func()) {
	if !on {
		return func() {}
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
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-quit:
					bar.Finish()
					return
				case <-t.C:
					bar.Describe(line())
					_ = bar.Add(1)
				}
			}
		})
	} else {
		wg.Go(func() {
			t := time.NewTicker(logEvery)
			defer t.Stop()
			for {
				select {
				case <-quit:
					return
				case <-t.C:
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
