package render

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// render renders one page in a new tab of b, in a browser context of its
// own, and closes both. cut reports that ctx ended before the page was read
// whole: res is then not the page's.
func (p *Pool) render(ctx context.Context, b *browserProc, u *url.URL) (res Result, cut bool) {
	res = Result{URL: u.String()}
	s := newSession(&p.cfg)
	tab, closeTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(s.on))
	// The caller's ctx ends the page early; the tab's own life is bound to
	// tab (its first Do), never to a timeout context.
	stop := context.AfterFunc(ctx, closeTab)
	defer func() {
		stop()
		closeTab()
		s.finish()
	}()

	fail := func(kind ErrorKind, msg string) Result {
		res.ErrorKind, res.Error = kind, msg
		res.Requests, res.DroppedRequests = s.requests()
		res.ConsoleErrors = s.consoleErrors()
		return res
	}
	crashed := func() bool {
		select {
		case <-s.crashed:
			return true
		default:
			return !b.alive()
		}
	}

	if err := p.open(tab, s); err != nil {
		if ctx.Err() != nil {
			return fail(KindLoad, "canceled"), true
		}
		if !b.alive() {
			return fail(KindCrash, "the browser stopped"), false
		}
		return fail(KindCrash, "could not open a tab: "+firstLine(err.Error())), false
	}
	s.startWorkers(tab)

	// Load.
	load, cancelLoad := context.WithTimeout(tab, p.cfg.LoadTimeout)
	defer cancelLoad()
	s.mu.Lock()
	s.navStarted = true
	s.mu.Unlock()
	nav, err := chromedp.Call(load, page.Navigate, page.NavigateParams{URL: u.String()})
	timedOut := false
	switch {
	case crashed():
		return fail(KindCrash, "the renderer crashed"), false
	case err != nil && errors.Is(load.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		timedOut = true
	case err != nil:
		if ctx.Err() != nil {
			return fail(KindLoad, "canceled"), true
		}
		return fail(KindLoad, "navigation failed: "+firstLine(err.Error())), false
	case nav.ErrorText != "":
		return fail(KindLoad, "navigation failed: "+nav.ErrorText), false
	case nav.IsDownload:
		return fail(KindLoad, "navigation failed: the answer is a download, not a page"), false
	}
	if !timedOut {
		select {
		case <-s.loaded:
		case <-s.crashed:
		case <-load.Done():
			timedOut = ctx.Err() == nil && b.alive()
		}
	}
	if crashed() {
		return fail(KindCrash, "the renderer crashed"), false
	}
	if ctx.Err() != nil {
		return fail(KindLoad, "canceled"), true
	}
	if timedOut {
		res.ErrorKind = KindTimeout
		res.Error = fmt.Sprintf("the page did not load within %s", p.cfg.LoadTimeout)
		// Stop the load and any script still running, then read what
		// is there.
		quick, cancel := context.WithTimeout(tab, time.Second)
		_, _ = chromedp.Call(quick, runtime.TerminateExecution, cdp.Empty{})
		_, _ = chromedp.Call(quick, page.StopLoading, cdp.Empty{})
		cancel()
	} else if p.cfg.IdleWait > 0 {
		res.NotIdle = !s.waitIdle(tab, p.cfg.IdleWait)
	}
	if p.testHook != nil {
		p.testHook(tab, s.crashed)
	}
	if crashed() {
		return fail(KindCrash, "the renderer crashed"), false
	}
	if ctx.Err() != nil {
		// Stopped during the idle wait: what the page would have done
		// next is unknown.
		return fail(KindLoad, "canceled"), true
	}

	// Read. A stop from here on cuts the page only if the read fails: a
	// page read whole is whole, however soon after the stop came.
	read, cancelRead := context.WithTimeout(tab, p.readTimeout)
	ext, err := p.extract(read)
	cancelRead()
	if p.afterRead != nil {
		p.afterRead()
	}
	if err == nil && !isHTTP(ext.URL) {
		// The page went somewhere that did not load (robots.txt
		// disallowed it, the network failed): Chromium shows its own
		// error page, which is not the site's.
		s.mu.Lock()
		msg := "the page moved to a URL that did not load"
		if d := s.lastDoc; d != nil {
			res.FinalURL = d.URL
			if d.Error != "" {
				msg += ": " + d.Error
			}
		}
		s.mu.Unlock()
		return fail(KindLoad, msg), false
	}
	if err == nil {
		res.FinalURL = ext.URL
		res.HTML, res.HTMLTruncated = ext.HTML, ext.Cut
		res.Title, res.Canonical, res.MetaRobots = ext.Title, ext.Canonical, ext.Robots
		res.Links = ext.Links
		res.TextLength = ext.TextLength
	}
	s.mu.Lock()
	res.Status = s.mainStatus
	s.mu.Unlock()
	res.Requests, res.DroppedRequests = s.requests()
	res.ConsoleErrors = s.consoleErrors()
	switch {
	case err == nil:
	case crashed():
		res.ErrorKind, res.Error = KindCrash, "the renderer crashed"
	case ctx.Err() != nil:
		res.ErrorKind, res.Error = KindLoad, "canceled"
		cut = true
	case res.ErrorKind != KindNone:
		// The timeout stays the reason.
	default:
		res.ErrorKind = KindScript
		var unreadable *errUnreadable
		if errors.As(err, &unreadable) {
			res.Error = unreadable.Error()
		} else {
			res.Error = fmt.Sprintf("the page's scripts kept the tab busy: it did not answer within %s", p.readTimeout)
		}
	}
	return res, cut
}

// open creates the tab and prepares it: request interception, no service
// workers, no downloads.
func (p *Pool) open(tab context.Context, s *session) error {
	timer := time.AfterFunc(openTimeout, func() { _ = chromedp.Cancel(tab) })
	defer timer.Stop()
	if err := chromedp.Do(tab); err != nil {
		return err
	}
	c := chromedp.FromContext(tab)
	s.mu.Lock()
	s.mainFrame = cdp.FrameID(c.Target.TargetID)
	s.mu.Unlock()
	if _, err := chromedp.CallBrowser(tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorDeny,
		BrowserContextID: c.BrowserContextID,
	}); err != nil {
		return err
	}
	if _, err := chromedp.Call(tab, network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true}); err != nil {
		return err
	}
	// chromedp enables these for its DOM queries and logs; a render
	// reads the page with one script and needs none of their events.
	for _, cmd := range []cdp.Command[cdp.Empty, cdp.Empty]{dom.Disable, css.Disable, log.Disable} {
		if _, err := chromedp.Call(tab, cmd, cdp.Empty{}); err != nil {
			return err
		}
	}
	if _, err := chromedp.Call(tab, page.SetLifecycleEventsEnabled, page.SetLifecycleEventsEnabledParams{Enabled: false}); err != nil {
		return err
	}
	_, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{
			{URLPattern: "*", RequestStage: fetch.RequestStageRequest},
			{URLPattern: "*", RequestStage: fetch.RequestStageResponse},
		},
		HandleAuthRequests: new(true),
	})
	return err
}

// waitIdle waits until nothing is in flight and nothing happened on the
// network for quietPeriod (a page that navigates itself soon after its
// load starts a document request within it); it gives up after
// limit, when the renderer crashes, or when tab is done. It reports whether
// the page went idle.
func (s *session) waitIdle(tab context.Context, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	var quiet *time.Timer
	var quietC <-chan time.Time
	var since uint64
	stopQuiet := func() {
		if quiet != nil {
			quiet.Stop()
			quiet, quietC = nil, nil
		}
	}
	defer stopQuiet()
	for {
		busy, activity := s.state()
		switch {
		case busy:
			stopQuiet()
		case quiet == nil || activity != since:
			stopQuiet()
			since = activity
			quiet = time.NewTimer(quietPeriod)
			quietC = quiet.C
		}
		select {
		case <-quietC:
			if busy, activity := s.state(); !busy && activity == since {
				return true
			}
			quiet, quietC = nil, nil
		case <-s.changed:
		case <-deadline.C:
			return false
		case <-s.crashed:
			return false
		case <-tab.Done():
			return false
		}
	}
}

// consoleErrors returns a copy of the console errors recorded.
func (s *session) consoleErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.console...)
}
