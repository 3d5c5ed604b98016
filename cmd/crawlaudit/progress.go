package main

import (
	"fmt"
	"io"
	"os"
	"sync"
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
	if !on {
		return func() {}
	}
	started := now()
	line := func() string {
		el := now().Sub(started)
		done := p.Done.Load()
		rate := 0.0
		if s := el.Seconds(); s > 0 {
			rate = float64(p.Requests.Load()) / s
		}
		return fmt.Sprintf("%d URLs done, %d queued, %.0f req/s, %d errors, %s elapsed",
			done, p.Queued.Load(), rate, p.Errors.Load(), el.Truncate(time.Second))
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
					_ = bar.Set64(p.Done.Load())
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
