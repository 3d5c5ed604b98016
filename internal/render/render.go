package render

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultConcurrency = 2
	DefaultLoadTimeout = 15 * time.Second
	DefaultIdleWait    = 3 * time.Second
	DefaultMaxBytes    = 10 << 20
	DefaultMaxMemory   = 1 << 30
	DefaultMaxRequests = 1000
)

// Limits of what one page may report.
const (
	// quietPeriod is how long the network must be quiet to count as idle.
	quietPeriod = 500 * time.Millisecond
	// readTimeout bounds reading the rendered DOM after the load and idle
	// wait; a tab that does not answer in time is ErrorKind "script".
	readTimeout = 5 * time.Second
	// openTimeout bounds opening a tab in the browser.
	openTimeout = 10 * time.Second
	// maxLinks is the most links reported per page.
	maxLinks = 10000
	// maxURLBytes is the longest URL reported (a link, a request, the
	// canonical); a request URL longer than this is recorded cut to it.
	maxURLBytes = 4096
	// maxTextBytes bounds the title and the meta robots content.
	maxTextBytes = 2048
	// maxConsoleErrors and maxConsoleChars bound Result.ConsoleErrors.
	maxConsoleErrors = 20
	maxConsoleChars  = 300
	// decideWorkers is how many requests of one tab are decided (and wait
	// for robots.txt and the limiter) at once; Chromium itself opens at
	// most 6 connections per host. fastWorkers answer everything that
	// never waits: answers to continue, dialogs, challenges.
	decideWorkers = 8
	fastWorkers   = 2
)

// ErrNoBrowser is returned by New when no Chromium is found. Its text is
// one line that says how to install one.
var ErrNoBrowser = errors.New("no Chromium found: install it (apt-get install chromium) or give --chrome PATH")

// ErrClosed is returned by Render after Close.
var ErrClosed = errors.New("render: pool closed")

// Config configures a Pool. The funcs are called from several goroutines at
// once and must be safe for concurrent use. They may block (Allowed may
// fetch a robots.txt first, Limit waits for a slot) until their context is
// done; a page's requests wait for them, its other work does not.
type Config struct {
	// Chrome is the path of the Chromium (or Chrome) executable. "" looks
	// for chromium, chromium-browser and google-chrome on PATH.
	Chrome string
	// Concurrency is the number of pages rendered at once, one tab each.
	// Default 2 (0 or less).
	Concurrency int
	// LoadTimeout bounds a page's load, from navigation to the load event.
	// Default 15s.
	LoadTimeout time.Duration
	// IdleWait caps the wait for the network to be idle after the load
	// (no request in flight and no activity for 500 ms). Default 3s; a
	// negative value does not wait.
	IdleWait time.Duration
	// MaxBytes bounds Result.HTML, in bytes. Default 10 MiB.
	MaxBytes int
	// MaxMemory is the resident memory of the browser's processes (Memory),
	// in bytes, above which the pool restarts the browser between pages.
	// Default 1 GiB; it only applies where Memory can measure (Linux).
	MaxMemory int64
	// MaxRequests is the most requests of one page recorded and let
	// through; the page's further requests are failed and counted in
	// Result.DroppedRequests. Default 1000.
	MaxRequests int
	// UserAgent is the User-Agent of every request and navigator.userAgent.
	// "" keeps Chromium's own.
	UserAgent string
	// RobotsAgent is a meta robots name read besides "robots" and
	// "googlebot" (the crawl's product token, lower case). "" reads only
	// those two.
	RobotsAgent string
	// Allowed says whether the page may fetch u (robots.txt); ctx is the
	// page's, done when the page is. A disallowed request is never sent,
	// and is recorded with Blocked set. Nil allows everything.
	Allowed func(ctx context.Context, u *url.URL) bool
	// Credentials returns the header fields to add to the request for u;
	// nil or empty adds none. It is asked for every request and every
	// redirect hop, so it decides per origin. Nil sends no credentials.
	Credentials func(u *url.URL) http.Header
	// Limit, when set, is called before a request for u is let through
	// and may wait (politeness: the crawl's per-host limiter). It returns
	// the func that gives the slot back, which the pool calls once, when
	// the answer has arrived, the request failed, or the page is done;
	// release must not block. An error (ctx is done) fails the request.
	Limit func(ctx context.Context, u *url.URL) (release func(), err error)
	// Logger receives the browser's restarts and the DevTools client's own
	// complaints, at debug and info level. Nil logs nothing.
	Logger *slog.Logger
}

// withDefaults returns c with zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.LoadTimeout <= 0 {
		c.LoadTimeout = DefaultLoadTimeout
	}
	if c.IdleWait == 0 {
		c.IdleWait = DefaultIdleWait
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxMemory <= 0 {
		c.MaxMemory = DefaultMaxMemory
	}
	if c.MaxRequests <= 0 {
		c.MaxRequests = DefaultMaxRequests
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Page is one page to render.
type Page struct {
	// URL is the absolute http(s) URL of the page.
	URL string
}

// ErrorKind says why a page could not be rendered.
type ErrorKind string

// The kinds of render errors; see the package documentation.
const (
	KindNone    ErrorKind = ""
	KindLoad    ErrorKind = "load"    // the navigation failed: network error, document blocked, not a page
	KindTimeout ErrorKind = "timeout" // the page did not load within Config.LoadTimeout
	KindCrash   ErrorKind = "crash"   // the renderer (or the whole browser) crashed
	KindScript  ErrorKind = "script"  // the page's scripts kept the tab from answering, or it could not be read
)

// Request is one request the page made (each redirect hop is one).
type Request struct {
	// URL is the requested URL, cut to 4 KiB.
	URL string
	// Type is how the page uses the answer, as Chromium tells it, in lower
	// case: "document", "stylesheet", "image", "media", "font", "script",
	// "xhr", "fetch", "eventsource", "manifest", "ping", "preflight",
	// "other"…
	Type string
	// Method is the HTTP method.
	Method string
	// Status is the HTTP status of the answer; 0 if there was none
	// (blocked, failed, or still pending).
	Status int
	// WWWAuthenticate holds the answer's WWW-Authenticate field values, one
	// per header line.
	WWWAuthenticate []string
	// Location is the target of a redirect answer, as sent.
	Location string
	// Initiator is the URL of the script that made the request (the top of
	// its JavaScript stack), or of the document whose markup did; "" when
	// the protocol does not say (the page's own navigation, for example).
	Initiator string
	// Blocked is set when Config.Allowed disallowed the request: it was
	// never sent.
	Blocked bool
	// Error is Chromium's network error (net::ERR_…) of a request that got
	// no answer, including a blocked one; "" otherwise.
	Error string
	// Pending is set when the request had no answer yet when the page was
	// read (the idle wait ended first).
	Pending bool
}

// Result is what rendering one page found.
type Result struct {
	// URL is the page asked for.
	URL string
	// FinalURL is the URL of the document that was read: after redirects,
	// and after the page navigated itself.
	FinalURL string
	// Status is the HTTP status of the main document's last answer; 0 if
	// none.
	Status int
	// Requests are the requests the page made, in the order they started:
	// the document, scripts, stylesheets, images, fonts, XHR/fetch… At most
	// Config.MaxRequests.
	Requests []Request
	// DroppedRequests counts the page's requests past Config.MaxRequests,
	// which were failed and not recorded.
	DroppedRequests int
	// HTML is the rendered DOM's outerHTML, at most Config.MaxBytes bytes.
	HTML string
	// HTMLTruncated is set when HTML was cut.
	HTMLTruncated bool
	// Title is the rendered document's title.
	Title string
	// Canonical is the absolute href of the first <link rel=canonical> in
	// the rendered DOM.
	Canonical string
	// MetaRobots is the content of the rendered DOM's meta robots and
	// googlebot tags (and Config.RobotsAgent's), joined with ", ".
	MetaRobots string
	// Links are the absolute http(s) hrefs of the rendered DOM's a[href]
	// elements, in document order, without repeats; at most 10,000.
	Links []string
	// ConsoleErrors are the page's uncaught exceptions and console.error
	// messages, in order: at most 20, each cut to 300 characters.
	ConsoleErrors []string
	// TextLength is the length of the rendered body's visible text
	// (innerText, trimmed), in UTF-16 code units: 0 is a page that
	// rendered empty.
	TextLength int
	// NotIdle is set when the idle wait ended with requests in flight.
	NotIdle bool
	// ErrorKind says why the page could not be (fully) rendered; "" when
	// it was.
	ErrorKind ErrorKind
	// Error describes the error in one line; "" when none. It holds no
	// URL.
	Error string
}

// Pool is a headless Chromium rendering pages, Config.Concurrency at a time.
// Its methods are safe for concurrent use. Close it to stop the browser.
type Pool struct {
	cfg  Config
	exec string
	// slots holds a token per page being rendered.
	slots chan struct{}

	// mu guards b and closed. A render holds it for reading for the whole
	// page; restarting or closing the browser holds it for writing, so a
	// restart happens between pages.
	mu     sync.RWMutex
	b      *browserProc
	closed bool
	// restart asks for a new browser before the next page (memory above
	// the cap).
	restart atomic.Bool
	// starts counts browser starts (the first one included).
	starts atomic.Int64

	// readTimeout bounds reading the rendered DOM (readTimeout; tests
	// shorten it).
	readTimeout time.Duration
	// testHook, when set (tests only), runs after the load with the tab's
	// context and the channel closed when its renderer crashes.
	testHook func(tab context.Context, crashed <-chan struct{})
	// afterRead, when set (tests only), runs once the rendered page has
	// been read.
	afterRead func()
}

// New finds Chromium and starts it. ctx bounds the start only; the browser
// runs until Close. Without a browser it returns ErrNoBrowser.
func New(ctx context.Context, cfg Config) (*Pool, error) {
	cfg = cfg.withDefaults()
	path, err := findBrowser(cfg.Chrome)
	if err != nil {
		return nil, err
	}
	p := &Pool{cfg: cfg, exec: path, slots: make(chan struct{}, cfg.Concurrency), readTimeout: readTimeout}
	b, err := p.start(ctx)
	if err != nil {
		return nil, err
	}
	p.b = b
	return p, nil
}

// Render loads the page and returns what it holds and the requests it made.
// A page that cannot be rendered is Result.ErrorKind and Result.Error, not a
// Go error: Render returns an error only for bad input (not an http(s) URL),
// when ctx ends before the page was read whole (ctx's error), when the pool
// is closed, or when the browser cannot be started again. A page read whole
// is returned without error even if ctx has ended since.
func (p *Pool) Render(ctx context.Context, pg Page) (Result, error) {
	u, err := url.Parse(pg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is not repeated: it may hold a secret, and only the
		// run's masker may print URLs.
		return Result{}, errors.New("render: not an absolute http(s) URL")
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	defer func() { <-p.slots }()

	b, done, err := p.browser(ctx)
	if err != nil {
		return Result{}, err
	}
	res, cut := p.render(ctx, b, u)
	done()
	if m := p.Memory(); m > p.cfg.MaxMemory {
		p.cfg.Logger.Info("render: browser memory above the cap, restarting it", "memory", m, "max", p.cfg.MaxMemory)
		p.restart.Store(true)
	}
	if cut {
		// ctx ended the page before it was read: not a result.
		return Result{}, context.Cause(ctx)
	}
	// A page read whole before ctx ended is returned as it is, error-free:
	// a stopped crawl keeps what it rendered.
	return res, nil
}

// browser returns the running browser, starting it again first when it
// died or uses too much memory, and the func that ends its use.
func (p *Pool) browser(ctx context.Context) (*browserProc, func(), error) {
	for {
		p.mu.RLock()
		if p.closed {
			p.mu.RUnlock()
			return nil, nil, ErrClosed
		}
		if b := p.b; b != nil && b.alive() && !p.restart.Load() {
			return b, p.mu.RUnlock, nil
		}
		p.mu.RUnlock()

		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, nil, ErrClosed
		}
		if p.b == nil || !p.b.alive() || p.restart.Load() {
			if p.b != nil {
				p.b.close()
				p.b = nil
			}
			b, err := p.start(ctx)
			if err != nil {
				p.mu.Unlock()
				return nil, nil, err
			}
			p.b = b
			p.restart.Store(false)
		}
		p.mu.Unlock()
	}
}

// Memory returns the resident memory of the browser's processes, in bytes:
// the sum of their proportional set sizes (a page shared by several of them
// counts once in all), or of their RSS where the kernel gives no PSS. It is
// 0 where /proc is not available.
func (p *Pool) Memory() int64 {
	p.mu.RLock()
	b := p.b
	p.mu.RUnlock()
	if b == nil {
		return 0
	}
	rss, _ := processTree(b.pid)
	return rss
}

// Close stops the browser and removes its profile. It waits for the pages
// being rendered (cancel their contexts for a prompt close). Render returns
// ErrClosed afterwards. Close is idempotent.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.b != nil {
		p.b.close()
		p.b = nil
	}
	return nil
}

// clip cuts s to at most n bytes, at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
