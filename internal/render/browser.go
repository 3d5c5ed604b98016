package render

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// browserNames are the executables looked for on PATH, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// Find returns the path of the browser New would run: configured (a path
// or a name on PATH), or the first of chromium, chromium-browser and
// google-chrome on PATH. Without one it returns ErrNoBrowser (or, for a
// configured one, an error naming it). It starts nothing.
func Find(configured string) (string, error) { return findBrowser(configured) }

// findBrowser returns the browser to run: the configured path, or the first
// of browserNames on PATH.
func findBrowser(configured string) (string, error) {
	if configured != "" {
		p, err := exec.LookPath(configured)
		if err != nil {
			return "", fmt.Errorf("render: chrome %s: not an executable file", clip(configured, 200))
		}
		return p, nil
	}
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// closeTimeout bounds a graceful browser close before it is killed.
const closeTimeout = 5 * time.Second

// browserProc is one running Chromium.
type browserProc struct {
	// ctx is the chromedp context that owns the browser; tabs are its
	// children. It is done when the browser is closed or died.
	ctx    context.Context
	cancel context.CancelFunc // closes the browser
	free   context.CancelFunc // frees the allocator (waits for the process)
	pid    int
}

// flags returns the command line of the browser. The list is written out
// rather than taken from chromedp's defaults so that each choice is visible:
// see the package documentation (Hostile pages).
func (p *Pool) flags() []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.exec),
		chromedp.Flag("headless", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1024),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-hang-monitor", true),
		chromedp.Flag("disable-prompt-on-repost", true),
		chromedp.Flag("disable-notifications", true),
		chromedp.Flag("deny-permission-prompts", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("no-pings", true),
		// Popups: window.open and target=_blank fail; a page renders in
		// its one tab.
		chromedp.Flag("block-new-web-contents", true),
		// Cross-site iframes stay in the page's process, so that their
		// requests pass the page's Fetch interception (robots, limiter,
		// credentials). See the package documentation.
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,SitePerProcess,IsolateOrigins,InterestFeedContentSuggestions,AutofillServerCommunication,BackForwardCache"),
		chromedp.Flag("disable-site-isolation-trials", true),
		// Chromium refuses to run sandboxed as root (a container); it keeps
		// its sandbox otherwise.
		chromedp.Flag("no-sandbox", os.Geteuid() == 0),
	}
	if p.cfg.UserAgent != "" {
		opts = append(opts, chromedp.UserAgent(p.cfg.UserAgent))
	}
	return opts
}

// startAttempts is how often start tries to launch the browser: Chromium
// that exits before it listens (seen on a loaded machine, with nothing
// printed) is tried again before the start counts as failed.
const startAttempts = 3

// start launches a browser; ctx bounds the start only.
func (p *Pool) start(ctx context.Context) (*browserProc, error) {
	var err error
	for range startAttempts {
		var b *browserProc
		if b, err = p.startOnce(ctx); err == nil || ctx.Err() != nil {
			return b, err
		}
		p.cfg.Logger.Info("render: the browser did not start; trying again", "err", err)
	}
	return nil, err
}

// startOnce launches a browser once.
func (p *Pool) startOnce(ctx context.Context) (*browserProc, error) {
	log := p.cfg.Logger
	actx, free := chromedp.NewExecAllocator(context.Background(), p.flags()...)
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithBrowserOption(
		chromedp.WithBrowserLogf(func(f string, a ...any) { log.Debug("render: browser: " + fmt.Sprintf(f, a...)) }),
		chromedp.WithBrowserErrorf(func(f string, a ...any) { log.Debug("render: browser: " + fmt.Sprintf(f, a...)) }),
	))
	// The first Do binds the browser's life to bctx; the caller's ctx
	// only cuts the start short.
	stop := context.AfterFunc(ctx, cancel)
	err := chromedp.Do(bctx)
	stopped := stop()
	if err == nil && !stopped {
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		free()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("render: start %s: %w", p.exec, ctxErr)
		}
		return nil, fmt.Errorf("render: start %s: %s", p.exec, firstLine(err.Error()))
	}
	b := &browserProc{ctx: bctx, cancel: cancel, free: free}
	if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		b.pid = c.Browser.Process().Pid
	}
	n := p.starts.Add(1)
	if n > 1 {
		log.Info("render: browser started again", "starts", n)
	}
	return b, nil
}

// alive reports whether the browser still runs.
func (b *browserProc) alive() bool { return b.ctx.Err() == nil }

// close stops the browser gracefully, kills it after closeTimeout, and
// waits until its processes are gone and its profile removed.
func (b *browserProc) close() {
	if b.alive() {
		ctx, cancel := context.WithTimeout(b.ctx, closeTimeout)
		err := chromedp.Cancel(ctx)
		cancel()
		_ = err // a browser that does not close gracefully is killed below
	}
	b.cancel()
	b.free()
}

// firstLine returns the first line of s, so that an error stays one line
// (Chromium prints pages of diagnostics when it cannot start).
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// isDone reports whether err comes from a done context.
func isDone(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
