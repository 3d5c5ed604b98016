// Package crawler walks a site with colly: from a start URL it requests every
// same-origin page, the assets pages use and the external URLs they link to,
// and writes one store.URL record per requested URL and one store.Edge per
// reference to a store.Writer. HTTP statuses are data: a 401 or a 404 is a
// recorded result; only "no answer at all" sets a record's Error.
//
// colly does the HTTP work (requests, body limits); one transport gate
// (hostLimiter) gives every request of the crawl, colly's or not, the
// per-host parallelism and delay; the crawler owns the frontier, the visited set, redirects
// (hop by hop), robots.txt and scope, so that nothing colly does silently
// (dedupe by full URL, follow redirects, drop robots-blocked URLs) changes
// what is recorded.
package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/crawlaudit/crawlaudit/internal/render"
	"github.com/crawlaudit/crawlaudit/internal/robots"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/sitemap"
)

// MaxRedirects is how many redirect hops are followed from one linked URL.
// Google follows up to 10 (Search Central, "HTTP status codes"); past that
// the chain is recorded as an error on the URL where it stopped.
const MaxRedirects = 10

// ErrStartUnreachable is returned by Run when the start URL got no HTTP
// answer at all (DNS, refused, TLS, timeout): the crawl could not start.
var ErrStartUnreachable = errors.New("start URL unreachable")

// Config holds a crawl's settings. The zero value of each field is replaced
// by the default its comment gives.
type Config struct {
	// Start is the absolute http(s) URL the crawl starts from. Required.
	Start string
	// Concurrency is the number of requests in flight per host. Default 8.
	Concurrency int
	// Delay is the pause after each request to the same host. Default 0;
	// a robots.txt Crawl-delay (capped at 10s) raises it unless IgnoreRobots.
	Delay time.Duration
	// Timeout bounds each request, headers and body. Default 15s.
	Timeout time.Duration
	// MaxBody is the most bytes of a body read; longer bodies are cut and
	// the record marked Truncated. Default 10 MiB.
	MaxBody int
	// UserAgent is sent with every request. Default "crawlaudit".
	UserAgent string
	// RobotsAgent is the product token matched against robots.txt groups
	// and robots meta names. Default "crawlaudit".
	RobotsAgent string
	// IgnoreRobots crawls URLs that robots.txt disallows.
	IgnoreRobots bool
	// Include, when not empty, limits crawled same-site URLs to those
	// matching one of these expressions (the start URL is always crawled).
	Include []*regexp.Regexp
	// Exclude drops same-site URLs matching any of these expressions.
	Exclude []*regexp.Regexp
	// AllowSubdomains treats subdomains of the start host (without a
	// leading "www.") as part of the site.
	AllowSubdomains bool
	// MaxDepth is the most clicks from the start URL a crawled page may be;
	// 0 means unlimited.
	MaxDepth int
	// MaxURLs caps the URLs queued; 0 means unlimited. URLs past the cap
	// are recorded, not requested (store.NotRequestedMaxURLs). The cap
	// keeps room for the URLs sitemaps list (the start URL is always
	// queued): a listed URL is queued while fewer than MaxURLs are, any
	// other while fewer than MaxURLs minus the listed URLs not queued yet.
	MaxURLs int
	// TrapLimit is how many pages of one URL pattern in a row may bring
	// nothing new before the pattern counts as a crawler trap and its URLs
	// are no longer requested (see trap.go). Default DefaultTrapLimit (0);
	// negative turns the check off. URLs longer than MaxURLBytes or
	// repeating path segments are never followed, whatever its value.
	TrapLimit int
	// NoExternal skips checking links to other origins (edges are kept).
	NoExternal bool
	// Retries is how often a 429/503 with Retry-After is retried. Default 2;
	// negative disables retries.
	Retries int
	// MaxRetryWait is the longest Retry-After honoured. Default 30s.
	MaxRetryWait time.Duration
	// Transport is the base HTTP transport; nil uses a tuned clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Mask hides secrets in every URL the crawler writes into a message,
	// a log line or a record's error text; nil masks the default names
	// only (urlx.Mask).
	Mask *urlx.Masker
	// Now is the clock; nil uses time.Now.
	Now func() time.Time

	// Sitemaps are sitemap URLs to read besides those robots.txt names
	// (--sitemap); nil means none. See sitemaps.go.
	Sitemaps []string
	// NoSitemaps turns sitemap discovery and reading off.
	NoSitemaps bool
	// MaxSitemapBytes bounds each sitemap's uncompressed size, in bytes.
	// Default 50 MiB (the protocol limit).
	MaxSitemapBytes int64
	// Credentials, when not nil, are sent to the start origin and
	// Credentials.Origins only (see auth.go); nil crawls anonymously.
	Credentials *Credentials
	// CompareAnonymous requests every same-site URL that got credentials a
	// second time without them and records that status too. Needs
	// Credentials; costs one more request per such URL.
	CompareAnonymous bool
	// Grace is how long requests in flight may finish once ctx is
	// cancelled; default DefaultGrace.
	Grace time.Duration
	// Resume, when set, continues an interrupted crawl: URLs it recorded or
	// queued are never queued again, and its queued URLs are requested.
	Resume store.FrontierReader
	// Progress, when set, is updated as the crawl goes.
	Progress *Progress

	// Render renders the site's 200 HTML pages in headless Chromium after
	// their raw fetch (render.go): RenderAll every one, RenderAuto those
	// that look like JavaScript shells; RenderOff (the zero value) none.
	Render RenderMode
	// Chrome is the Chromium executable; "" looks for chromium,
	// chromium-browser and google-chrome on PATH.
	Chrome string
	// RenderConcurrency is how many pages are rendered at once, one tab
	// each. Default 2.
	RenderConcurrency int
	// RenderLoadTimeout bounds a page's load in the browser; default 15s.
	RenderLoadTimeout time.Duration
	// RenderIdleWait caps the wait for the network to be idle after the
	// load; default 3s, negative does not wait.
	RenderIdleWait time.Duration

	// Remote, when set, has workers request the crawl's URLs (remote.go);
	// this process still reads robots.txt and sitemaps, decides and
	// records everything. Not with Render.
	Remote Remote
	// RemoteWindow is how many URLs may be out with workers at once.
	// Default 512.
	RemoteWindow int
}

// Result says how a crawl ended.
type Result struct {
	URLs         int      // URL records written
	Requests     int64    // HTTP requests sent (HEAD and GET count apart)
	Partial      bool     // stopped (interrupted) with URLs left to request
	LimitReached bool     // MaxURLs stopped discovery
	Pending      []string // URLs queued but not requested when the crawl stopped
	Warnings     []string // crawl-level problems (robots.txt unreachable, …)
	// RejectionProof is the WWW-Authenticate answer of the URL whose
	// re-request proved that the credentials stopped working mid-crawl
	// (it answered 2xx with them before): it says why when the 401 that set
	// off the check does not (error="invalid_token"…). Nil otherwise.
	RejectionProof []string
}

// job is one URL to request. It is small on purpose: the frontier holds
// one per queued URL.
type job struct {
	url   string
	u     *url.URL
	kind  store.Kind
	depth int
	hops  int // redirects followed to reach this URL
	parse parseMode
	head  bool // HEAD first, GET only to confirm a non-2xx answer
	start bool // the start URL or a hop of its redirect chain
	// disallowed: robots.txt disallows it, requested anyway (IgnoreRobots)
	disallowed bool
	// checked: robots.txt was applied to it. A resumed crawl's queued
	// URLs, and those queued while robots.txt could not be read because
	// the crawl was stopping, are checked before their request.
	checked bool
	// turn: not a URL but the sitemaps' turn (frontier.pop): the worker
	// queues listed URLs.
	turn bool
}

type crawler struct {
	cfg     Config
	w       store.Writer
	c       *colly.Collector
	front   *frontier
	seen    *seenSet
	robots  *robots.Cache
	sm      *sitemaps // nil when sitemaps are off
	now     func() time.Time
	log     *slog.Logger
	base    *url.URL
	subBase string // host suffix for AllowSubdomains

	mu       sync.Mutex
	sites    map[string]bool // origins crawled as the site
	warnings []string
	startRec *store.URL
	failErr  error
	cancel   context.CancelFunc

	auth   *authState   // nil without credentials
	pool   *render.Pool // nil without Config.Render
	sample sampler      // --render=auto's samples per URL pattern (render.go)
	client *http.Client // the crawl's transport stack, outside colly (robots.txt, canary checks)
	traps  *traps

	// listedLeft counts the URLs sitemaps list that were not queued yet:
	// the room MaxURLs keeps for them.
	listedLeft atomic.Int64
	// requeue holds a resumed crawl's URLs that MaxURLs stopped: they are
	// queued again (and capped again if the cap still says so).
	requeue *spillFile

	queued       atomic.Int64
	records      atomic.Int64
	requests     atomic.Int64
	limitReached atomic.Bool
}

// Run crawls cfg.Start, writing records and edges to w, until the frontier
// is empty or ctx is cancelled (then Result.Partial is set and nothing
// already answered is lost). The error is non-nil only when the crawl could
// not start (bad start URL, ErrStartUnreachable) or the store failed.
func Run(ctx context.Context, cfg Config, w store.Writer) (Result, error) {
	cfg = withDefaults(cfg)
	start, err := urlx.Parse(cfg.Start)
	if err != nil {
		return Result{}, fmt.Errorf("start URL: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.Progress == nil {
		cfg.Progress = &Progress{}
	}
	cr := &crawler{
		cfg:    cfg,
		w:      w,
		front:  newFrontier(&cfg.Progress.Queued),
		seen:   newSeenSet(),
		traps:  newTraps(trapLimit(cfg.TrapLimit)),
		now:    cfg.Now,
		log:    cfg.Logger,
		base:   start,
		sites:  map[string]bool{urlx.Origin(start): true},
		cancel: cancel,
	}
	defer cr.front.release()
	defer cr.releaseRequeue()
	cr.subBase = strings.TrimPrefix(start.Hostname(), "www.")
	if cfg.Resume != nil {
		if err := cr.resume(cfg.Resume); err != nil {
			return Result{}, err
		}
	}

	transport := cfg.Transport
	if transport == nil {
		transport = defaultTransport(cfg.Concurrency)
	}
	// One gate for every request, nearest the network: each attempt of a
	// retry waits its turn, and no client of the crawl goes around it.
	limit := newHostLimiter(transport, cfg.Concurrency, cfg.Delay, cr.isSite)
	transport = &retryTransport{next: proxyAuthTransport{next: limit}, retries: cfg.Retries, maxWait: cfg.MaxRetryWait, now: cfg.Now}
	if cfg.Credentials != nil {
		at := newAuthTransport(transport, cfg.Credentials, start, cfg.Now)
		transport, cr.auth = at, &authState{t: at}
	}
	robotsClient := &http.Client{
		Transport:     transport,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cr.client = robotsClient
	// robots.txt is requested under the requests' context: a fetch in
	// flight when the crawl stops gets the same grace as a page's.
	reqCtx, stopReq := requestContext(ctx, cfg.Grace)
	defer stopReq()
	cr.robots = robots.NewCache(func(_ context.Context, origin string) *robots.Rules {
		cr.requests.Add(1)
		return robots.Fetch(reqCtx, robotsClient, origin, cfg.RobotsAgent, cfg.UserAgent)
	})

	if cfg.Render != RenderOff && cfg.Remote != nil {
		return Result{}, errors.New("rendering is not available in a crawl with workers")
	}
	if cfg.Render != RenderOff {
		// The browser starts before the first request: without one the
		// crawl does not start.
		if cr.pool, err = cr.newRenderPool(ctx, limit); err != nil {
			return Result{}, err
		}
		defer cr.pool.Close()
	}

	// robots.txt first: its Crawl-delay sets the pace of the whole crawl.
	delay := cfg.Delay
	rules := cr.robotsFor(ctx, start)
	if rules.Interrupted {
		// Stopped before robots.txt answered: nothing can be decided or
		// requested. What was queued stays queued.
		res := Result{URLs: int(cr.records.Load()), Requests: cr.requests.Load(), Partial: true}
		for _, j := range cr.front.pending() {
			res.Pending = append(res.Pending, j.url)
		}
		if len(res.Pending) == 0 {
			res.Pending = []string{start.String()}
		}
		return res, nil
	}
	if rules.Unreachable && !cfg.IgnoreRobots {
		// No connection for robots.txt (DNS, refused) means the host is
		// down: the crawl cannot start. (A connection that answers nothing
		// is recorded instead: robots.txt unavailable, nothing crawled.)
		return Result{URLs: int(cr.records.Load()), Requests: cr.requests.Load()},
			fmt.Errorf("%w: robots.txt at %s got no answer: %s", ErrStartUnreachable, cr.cfg.Mask.Mask(rules.URL), cr.cfg.Mask.MaskText(rules.Error))
	}
	if !cfg.IgnoreRobots && rules.CrawlDelay > delay {
		delay = rules.CrawlDelay
		limit.setDelay(delay)
	}
	if cfg.Remote != nil {
		if err := cfg.Remote.Begin(ctx, delay); err != nil {
			return Result{}, err
		}
	}
	if cr.c, err = cr.newCollector(reqCtx, transport); err != nil {
		return Result{}, err
	}
	if !cfg.NoSitemaps && (!rules.DisallowAll() || cfg.IgnoreRobots) {
		// Sitemaps before pages: see sitemaps.go. A robots.txt answering
		// 5xx stops everything, sitemaps included.
		cr.readSitemaps(ctx, start, rules, sitemapClient(transport, cfg.Timeout))
		cr.front.setListed(cr.sm.hasListed())
	}

	cr.enqueue(ctx, &job{url: start.String(), u: start, kind: store.KindPage, parse: parseHTML, start: true})
	cr.queueRequeued(ctx)
	stop := context.AfterFunc(ctx, cr.front.close)
	defer stop()
	cr.drain(ctx)
	// Every listed URL the crawl requests was queued, unless it stopped
	// before the sitemaps' last turn.
	listed := ctx.Err() == nil || !cr.listedUnreached()

	res := Result{
		URLs:         int(cr.records.Load()),
		Requests:     cr.requests.Load(),
		LimitReached: cr.limitReached.Load(),
		Warnings:     cr.warnings,
	}
	if cr.auth != nil {
		cr.auth.mu.Lock()
		res.RejectionProof = cr.auth.proof
		cr.auth.mu.Unlock()
	}
	for _, j := range cr.front.pending() {
		res.Pending = append(res.Pending, j.url)
	}
	// Stopped (interrupted, or a time limit) is partial only when
	// something is left: a URL queued and not requested, or a listed URL
	// never queued. A crawl whose last requests ended after the stop is
	// complete.
	res.Partial = ctx.Err() != nil && (len(res.Pending) > 0 || !listed)
	if cr.failErr != nil {
		return res, cr.failErr
	}
	if s := cr.startRec; s != nil && s.Status == 0 && s.Error != "" {
		return res, fmt.Errorf("%w: %s: %s", ErrStartUnreachable, cr.cfg.Mask.Mask(s.URL), s.Error)
	}
	return res, nil
}

// drain runs the worker pool until the frontier is empty or closed.
func (cr *crawler) drain(ctx context.Context) {
	var wg sync.WaitGroup
	n := 2 * cr.cfg.Concurrency
	if cr.cfg.Remote != nil {
		n = cr.cfg.RemoteWindow
	}
	for range n {
		wg.Go(func() {
			for {
				j, ok := cr.front.pop()
				if !ok {
					return
				}
				if j.turn {
					cr.front.turnDone(cr.turn(ctx))
				} else {
					cr.process(ctx, j)
				}
				cr.front.done(j)
			}
		})
	}
	wg.Wait()
}

func withDefaults(cfg Config) Config {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 10 << 20
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "crawlaudit"
	}
	if cfg.RobotsAgent == "" {
		cfg.RobotsAgent = "crawlaudit"
	}
	cfg.RobotsAgent = strings.ToLower(cfg.RobotsAgent)
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	if cfg.MaxSitemapBytes <= 0 {
		cfg.MaxSitemapBytes = sitemap.MaxBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.RemoteWindow <= 0 {
		cfg.RemoteWindow = 512
	}
	renderDefaults(&cfg)
	return cfg
}

// trapLimit is Config.TrapLimit as the crawl applies it: 0 for off.
func trapLimit(n int) int {
	switch {
	case n == 0:
		return DefaultTrapLimit
	case n < 0:
		return 0
	}
	return n
}

// defaultTransport keeps enough idle connections per host for the crawl's
// concurrency, negotiates HTTP/2 where offered and accepts gzip (Go's
// transport asks for it and decompresses transparently).
func defaultTransport(concurrency int) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 2 * concurrency
	t.ForceAttemptHTTP2 = true
	t.ResponseHeaderTimeout = 0
	return t
}

// result is what one request produced; the colly callbacks fill it in.
type result struct {
	started time.Time
	status  int
	header  http.Header
	body    []byte
	ms      int64
	err     error
}

const resultKey = "crawlaudit.result"

func (cr *crawler) newCollector(ctx context.Context, transport http.RoundTripper) (*colly.Collector, error) {
	c := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.UserAgent(cr.cfg.UserAgent),
		colly.MaxBodySize(cr.cfg.MaxBody),
		colly.ParseHTTPErrorResponse(), // 4xx/5xx reach OnResponse: a status is data
		colly.AllowURLRevisit(),        // the crawler dedupes, on normalised URLs
		colly.IgnoreRobotsTxt(),        // the crawler decides robots itself and records blocked URLs
	)
	pinSettings(c, cr.cfg)
	c.WithTransport(transport)
	c.SetRequestTimeout(cr.cfg.Timeout)
	c.DisableCookies() // crawl statelessly, as search engines do
	// Stop at every hop: each redirect is its own record, and colly would
	// otherwise mark the target visited and hide the hop statuses.
	c.SetRedirectHandler(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	// No colly LimitRule: the transport's hostLimiter paces every request
	// of the crawl, colly's and the others alike.
	res := func(ctx *colly.Context) *result {
		r, _ := ctx.GetAny(resultKey).(*result)
		if r == nil {
			r = &result{}
		}
		return r
	}
	c.OnRequestHeaders(func(r *colly.Request) {
		cr.requests.Add(1)
		cr.cfg.Progress.Requests.Add(1)
		res(r.Ctx).started = cr.now()
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		x := res(r.Ctx)
		x.status = r.StatusCode
		x.header = *r.Headers
		x.ms = cr.now().Sub(x.started).Milliseconds()
	})
	c.OnResponse(func(r *colly.Response) {
		x := res(r.Ctx)
		x.status = r.StatusCode
		x.header = *r.Headers
		x.body = r.Body
	})
	c.OnError(func(r *colly.Response, err error) {
		x := res(r.Ctx)
		x.err = err
	})
	return c, nil
}

// pinSettings sets again every collector setting colly lets COLLY_*
// environment variables override (colly.NewCollector applies them after
// its options): the crawl's settings come from Config alone. Left to the
// environment, COLLY_CACHE_DIR would write response bodies (credentialed
// ones included) to disk, COLLY_USER_AGENT would change what robots.txt
// group applies, COLLY_MAX_BODY_SIZE would lift the bound on hostile
// bodies, and COLLY_DETECT_CHARSET would decode bodies a second time.
func pinSettings(c *colly.Collector, cfg Config) {
	c.UserAgent = cfg.UserAgent
	c.MaxBodySize = cfg.MaxBody
	c.ParseHTTPErrorResponse = true
	c.AllowURLRevisit = true
	c.IgnoreRobotsTxt = true
	c.DetectCharset = false
	c.CacheDir = ""
	c.AllowedDomains, c.DisallowedDomains = nil, nil
	c.MaxDepth, c.MaxRequests = 0, 0
	c.TraceHTTP = false
}

// fetch sends one request through colly and returns what came back.
func (cr *crawler) fetch(j *job, method string) *result {
	r := &result{}
	cctx := colly.NewContext()
	cctx.Put(resultKey, r)
	if err := cr.c.Request(method, j.url, nil, cctx, http.Header{}); err != nil && r.err == nil {
		r.err = err
	}
	return r
}

// process requests one job and records what it answered: here
// (fetchJob), or through Config.Remote on a worker; conclude records it.
func (cr *crawler) process(ctx context.Context, j *job) {
	if j.kind == store.KindPage && !j.start && cr.traps.isTrapped(j.url) {
		// Queued before its pattern proved a trap.
		cr.skip(j, store.NotRequestedTrap)
		return
	}
	if !j.checked {
		if !cr.admit(ctx, j) {
			return // recorded as blocked
		}
		if !j.checked {
			cr.front.push(j) // robots.txt unread: the crawl is stopping
			return
		}
	}
	if cr.cfg.Remote != nil {
		o, done, err := cr.cfg.Remote.Fetch(ctx, j.export())
		if err != nil {
			// Stopped before a worker's answer came back: requested
			// again on resume (it is still queued in crawl.db).
			cr.front.push(j)
			return
		}
		cr.conclude(ctx, j, fetched{rec: o.Record, next: importRefs(o.Refs), location: o.Location, prints: o.Prints.prints()})
		done()
		return
	}
	f, ok := cr.fetchJob(ctx, j)
	if !ok {
		cr.front.push(j)
		return
	}
	cr.conclude(ctx, j, f)
}

// fetched is what requesting one job gave, before it is recorded.
type fetched struct {
	rec      store.URL
	next     []ref   // the references of a parsed page or stylesheet
	location string  // a 3xx answer's Location header
	prints   *prints // a 200 HTML page's fingerprints
}

// fetchJob requests j and reads what it answered. ok is false when the
// crawl stopped before an answer (or cut it): j is to be requested again.
func (cr *crawler) fetchJob(ctx context.Context, j *job) (f fetched, ok bool) {
	method := http.MethodGet
	if j.head {
		method = http.MethodHead
	}
	r := cr.fetch(j, method)
	if method == http.MethodHead && (r.status < 200 || r.status > 299) && ctx.Err() != nil {
		// Stopped before the GET that confirms it: request it again on resume.
		return f, false
	}
	if method == http.MethodHead && (r.status < 200 || r.status > 299) {
		// Status must be what a GET gives: servers answer HEAD with 405,
		// 404 or 403 where GET works, so a non-2xx HEAD is only a hint.
		method = http.MethodGet
		r = cr.fetch(j, method)
	}
	if (r.status == 0 || r.err != nil) && ctx.Err() != nil {
		// Interrupted, not answered, or its answer cut by the stop (a
		// page read halfway has lost its links): leave it unrecorded so a
		// resumed crawl requests it again.
		return f, false
	}
	rec := store.URL{
		URL:       j.url,
		Status:    r.status,
		Kind:      j.kind,
		Start:     j.start && j.hops == 0,
		Depth:     j.depth,
		Method:    method,
		Bytes:     -1,
		FetchedAt: cr.now().UTC(),

		RobotsDisallowed: j.disallowed,
	}
	if r.status == 0 {
		rec.Error, rec.ErrorKind = describe(r.err, cr.cfg.Timeout, cr.cfg.Mask)
	} else {
		rec.ContentType = r.header.Get("Content-Type")
		rec.ResponseMS = r.ms
		rec.WWWAuthenticate = r.header.Values("WWW-Authenticate")
		rec.NoIndex = xRobotsNoindex(r.header.Values("X-Robots-Tag"), cr.cfg.RobotsAgent)
		if method == http.MethodHead {
			if n, err := strconv.ParseInt(r.header.Get("Content-Length"), 10, 64); err == nil {
				rec.Bytes = n
			}
		} else {
			rec.Bytes = int64(len(r.body))
			if len(r.body) >= cr.cfg.MaxBody {
				rec.Truncated = true
			}
		}
		if r.err != nil {
			rec.Error, rec.ErrorKind = describe(r.err, cr.cfg.Timeout, cr.cfg.Mask)
			rec.Error = "incomplete answer: " + rec.Error
		}
		cr.recordAuth(ctx, j, method, r, &rec)
	}

	var next []ref
	var body []byte // a 200 HTML page of the site's, to render
	switch {
	case r.status >= 300 && r.status < 400:
		f.location = strings.TrimSpace(r.header.Get("Location"))
	case r.status >= 200 && r.status < 300 && r.err == nil && method == http.MethodGet:
		switch {
		case j.parse == parseHTML && isHTML(rec.ContentType, r.body):
			info := extractServedHTML(r.body, rec.ContentType, j.u, cr.cfg.RobotsAgent)
			rec.Title = info.title
			rec.NoIndex = rec.NoIndex || info.noindex
			rec.Canonical = info.canonical
			rec.LoginForm = rec.LoginForm && info.loginForm
			next = info.refs
			if cr.pool != nil && j.kind == store.KindPage && r.status == 200 {
				body = r.body
			}
		case j.parse == parseCSS:
			next = extractServedCSS(r.body, rec.ContentType, j.u)
		}
	}
	var rendered string // the rendered DOM, when the page was rendered
	if body != nil {
		only, html, ok := cr.renderPage(ctx, j, &rec, body, next)
		if !ok {
			// Stopped during the render: requested again on resume.
			return f, false
		}
		if rec.Render != nil && xRobotsNoindex(r.header.Values("X-Robots-Tag"), cr.cfg.RobotsAgent) {
			// The response's X-Robots-Tag applies to the rendered page
			// too: no script removes it.
			rec.Render.NoIndex = true
		}
		next = append(next, only...)
		rendered = html
	}
	// A 200 HTML page: its text's fingerprints, while the body is here.
	// A rendered page's are the rendered DOM's: what a search engine
	// indexes, and what tells one app shell from another (every shell of
	// a single-page app serves the same HTML).
	if r.status == 200 && r.err == nil && method == http.MethodGet && j.parse == parseHTML && isHTML(rec.ContentType, r.body) {
		src := r.body
		if rendered != "" {
			src = []byte(rendered)
		}
		p := fingerprint(src)
		rec.TextHash, rec.SimHash = hex16(p.text), hex16(p.sim)
		f.prints = &p
	}
	f.rec, f.next = rec, next
	return f, true
}

// conclude records what requesting j gave: its record, its edges, and the
// URLs it leads to, queued.
func (cr *crawler) conclude(ctx context.Context, j *job, f fetched) {
	rec, next, fp := f.rec, f.next, f.prints
	var redirect *job
	if rec.Status >= 300 && rec.Status < 400 {
		redirect = cr.redirect(j, f.location, &rec)
	}
	if rec.Start {
		cr.mu.Lock()
		cr.startRec = &rec
		cr.mu.Unlock()
	}
	// The record goes last: a store that persists the frontier then never
	// holds a page's record without the links it queued.
	defer cr.put(rec)
	if redirect != nil {
		cr.edge(store.Edge{From: j.url, To: redirect.url, Type: store.EdgeRedirect, Tag: "location"})
		if why := guard(redirect.url, redirect.kind); why != "" {
			cr.notRequested(redirect, why)
		} else {
			cr.enqueue(ctx, redirect)
		}
	}
	// Crawler traps (trap.go): the new pages this page links to, of its own
	// pattern and elsewhere, say whether it brought anything new. Links to
	// new pages of its own pattern are followed after the verdict, so a
	// page that makes its pattern a trap queues none of them.
	watch := fp != nil && cr.traps.limit > 0
	var other int
	var ownKey string
	var own []ref
	if watch {
		ownKey = patternKey(j.url)
	}
	seen := map[ref]bool{}
	for _, n := range next {
		key := ref{url: n.url, typ: n.typ, tag: n.tag}
		if seen[key] {
			continue
		}
		seen[key] = true
		if watch && n.typ == store.EdgeLink && !cr.seen.has(cr.seenKey(n.url)) && patternKey(n.url) == ownKey {
			own = append(own, n)
			continue
		}
		if cr.discover(ctx, j, n) && watch {
			other++
		}
	}
	ownURLs := 0 // distinct: <a> and <link rel=next> may name one URL
	for i, n := range own {
		if !slices.ContainsFunc(own[:i], func(o ref) bool { return o.url == n.url }) {
			ownURLs++
		}
	}
	if watch && cr.traps.observe(ownKey, *fp, ownURLs, other) {
		cr.log.Warn("crawler trap: its URLs are no longer requested", "pattern", cr.cfg.Mask.Mask(ownKey), "limit", cr.traps.limit)
	}
	for _, n := range own {
		cr.discover(ctx, j, n)
	}
}

// redirect records a 3xx hop on rec and returns the job for its target, or
// nil when there is none to follow.
func (cr *crawler) redirect(j *job, loc string, rec *store.URL) *job {
	if loc == "" {
		return nil
	}
	target, err := urlx.Resolve(j.u, loc)
	if err != nil {
		rec.Error, rec.ErrorKind = "redirect to an unusable Location", store.ErrorRedirectBad
		return nil
	}
	rec.Redirect = target
	if j.hops >= MaxRedirects {
		rec.Error, rec.ErrorKind = fmt.Sprintf("redirect chain longer than %d hops: not followed further", MaxRedirects), store.ErrorRedirectCap
		return nil
	}
	tu, err := url.Parse(target)
	if err != nil {
		return nil
	}
	if j.start && !cr.isSite(tu) {
		// The start URL moving to another origin (http→https, bare
		// domain→www) moves the site with it.
		cr.mu.Lock()
		cr.sites[urlx.Origin(tu)] = true
		cr.mu.Unlock()
	}
	n := &job{url: target, u: tu, depth: j.depth, hops: j.hops + 1, start: j.start}
	switch {
	case !cr.isSite(tu):
		n.kind, n.head = store.KindExternal, true
	case j.kind == store.KindAsset:
		n.kind, n.parse, n.head = store.KindAsset, j.parse, j.head
	default:
		n.kind, n.parse = store.KindPage, parseHTML
	}
	if n.kind != store.KindExternal && !j.start && !cr.inScope(target) {
		return nil
	}
	if n.kind == store.KindExternal && cr.cfg.NoExternal {
		return nil
	}
	return n
}

// discover records the edge from j to n and queues n if it is to be
// requested. It reports whether n is a page of the site the crawl met for
// the first time (queued, or recorded as not requested).
func (cr *crawler) discover(ctx context.Context, j *job, n ref) bool {
	cr.edge(store.Edge{From: j.url, To: n.url, Type: n.typ, Tag: n.tag, Text: n.text})
	u, err := url.Parse(n.url)
	if err != nil {
		return false
	}
	next := &job{url: n.url, u: u, depth: j.depth + 1}
	switch {
	case !cr.isSite(u):
		if cr.cfg.NoExternal {
			return false
		}
		next.kind, next.head = store.KindExternal, true
	case n.typ == store.EdgeAsset:
		next.kind, next.parse, next.head = store.KindAsset, n.parse, n.parse == parseNone
	default:
		if cr.cfg.MaxDepth > 0 && next.depth > cr.cfg.MaxDepth {
			return false
		}
		next.kind, next.parse = store.KindPage, parseHTML
	}
	if next.kind != store.KindExternal && !cr.inScope(n.url) {
		return false
	}
	if why := guard(n.url, next.kind); why != "" {
		return cr.notRequested(next, why) && next.kind == store.KindPage
	}
	return cr.enqueue(ctx, next) && next.kind == store.KindPage
}

// enqueue queues j unless its URL was met before (session IDs aside:
// seenKey). A URL met for the first time is queued, or recorded and not
// requested: robots.txt disallows it (BlockedByRobots), its pattern is a
// crawler trap, or the URL cap is reached. It reports whether the URL was
// met for the first time.
func (cr *crawler) enqueue(ctx context.Context, j *job) bool {
	if !cr.seen.add(cr.seenKey(j.url)) {
		return false
	}
	listed := cr.sm.isListed(j.url)
	if listed {
		cr.listedLeft.Add(-1)
	}
	if j.kind == store.KindPage && !j.start && cr.traps.isTrapped(j.url) {
		cr.skip(j, store.NotRequestedTrap)
		return true
	}
	if limit := int64(cr.cfg.MaxURLs); limit > 0 && !j.start {
		used := cr.queued.Load()
		if !listed {
			used += max(cr.listedLeft.Load(), 0) // room kept for the listed URLs
		}
		if used >= limit {
			cr.limitReached.Store(true)
			cr.skip(j, store.NotRequestedMaxURLs)
			return true
		}
	}
	cr.queued.Add(1)
	if !cr.admit(ctx, j) {
		return true
	}
	cr.persist(j)
	cr.front.push(j)
	return true
}

// admit applies robots.txt to j: false when it disallows j (then j is
// recorded as blocked and never requested). With IgnoreRobots a disallowed
// URL is admitted but marked, so the report shows what robots.txt would
// have blocked. When robots.txt could not be read because the crawl is
// stopping, j is admitted unchecked: it stays queued, and is checked
// before its request by the crawl that resumes.
func (cr *crawler) admit(ctx context.Context, j *job) bool {
	if j.kind == store.KindExternal {
		j.checked = true
		return true
	}
	rules := cr.robotsFor(ctx, j.u)
	if rules.Interrupted {
		return true
	}
	j.checked = true
	if rules.Allowed(j.u) {
		return true
	}
	j.disallowed = true
	if cr.cfg.IgnoreRobots {
		return true
	}
	cr.put(store.URL{URL: j.url, Kind: j.kind, Start: j.start && j.hops == 0, Depth: j.depth, Bytes: -1, BlockedByRobots: true, RobotsDisallowed: true})
	return false
}

// robotsFor returns the robots.txt rules of u's origin, fetching and
// recording robots.txt (and each of its redirect hops) on first use.
func (cr *crawler) robotsFor(ctx context.Context, u *url.URL) *robots.Rules {
	origin := urlx.Origin(u)
	rules, first := cr.robots.Get(ctx, origin)
	if !first || rules.Interrupted {
		return rules
	}
	for _, h := range rules.Hops {
		if cr.seen.add(h.URL) {
			cr.put(store.URL{URL: h.URL, Status: h.Status, Kind: store.KindRobots, Method: http.MethodGet, Bytes: -1, Redirect: h.Location, FetchedAt: cr.now().UTC()})
		}
	}
	final := rules.URL
	if n := len(rules.Hops); n > 0 {
		final = rules.Hops[n-1].Location
		cr.edge(store.Edge{From: rules.Hops[n-1].URL, To: final, Type: store.EdgeRedirect, Tag: "location"})
	}
	if cr.seen.add(final) || len(rules.Hops) == 0 {
		rec := store.URL{URL: final, Status: rules.Status, Kind: store.KindRobots, Method: http.MethodGet, Bytes: rules.Bytes,
			ContentType: rules.ContentType, ResponseMS: rules.ResponseMS, WWWAuthenticate: rules.WWWAuthenticate, Error: cr.cfg.Mask.MaskText(rules.Error), FetchedAt: cr.now().UTC()}
		switch {
		case errors.Is(rules.Err, robots.ErrBadLocation):
			rec.ErrorKind = store.ErrorRedirectBad
		case errors.Is(rules.Err, robots.ErrRedirectCap):
			rec.ErrorKind = store.ErrorRedirectCap
		default:
			rec.ErrorKind = errorKind(rules.Err)
		}
		cr.put(rec)
	}
	startFails := rules.Unreachable && origin == urlx.Origin(cr.base) && !cr.cfg.IgnoreRobots // Run reports it
	if rules.DisallowAll() && !startFails {
		msg := fmt.Sprintf("robots.txt at %s answered %s: search engines then crawl nothing on %s; this crawl obeys that", cr.cfg.Mask.Mask(rules.URL), statusText(rules.Status, rules.Error), origin)
		if cr.cfg.IgnoreRobots {
			msg = fmt.Sprintf("robots.txt at %s answered %s: search engines then crawl nothing on %s (ignored: --ignore-robots)", cr.cfg.Mask.Mask(rules.URL), statusText(rules.Status, rules.Error), origin)
		}
		cr.warn(msg)
	}
	return rules
}

func statusText(status int, errText string) string {
	if status == 0 {
		return "nothing (" + errText + ")"
	}
	return strconv.Itoa(status)
}

func (cr *crawler) warn(msg string) {
	cr.mu.Lock()
	cr.warnings = append(cr.warnings, msg)
	cr.mu.Unlock()
	cr.log.Warn(msg)
}

func (cr *crawler) put(u store.URL) {
	if u.Kind != store.KindSitemap && u.Kind != store.KindRobots && cr.sm.isListed(u.URL) {
		u.InSitemap = true
	}
	if err := cr.w.PutURL(u); err != nil {
		cr.fail(fmt.Errorf("store: write %s: %w", cr.cfg.Mask.Mask(u.URL), err))
		return
	}
	cr.records.Add(1)
	cr.cfg.Progress.Done.Add(1)
	if u.Status >= 400 || u.Error != "" {
		cr.cfg.Progress.Errors.Add(1)
	}
}

func (cr *crawler) edge(e store.Edge) {
	if err := cr.w.AddEdge(e); err != nil {
		cr.fail(fmt.Errorf("store: write edge: %w", err))
	}
}

// fail stops the crawl on a store error: going on would lose results.
func (cr *crawler) fail(err error) {
	cr.mu.Lock()
	if cr.failErr == nil {
		cr.failErr = err
	}
	cr.mu.Unlock()
	cr.cancel()
}

// isSite reports whether u belongs to the crawled site (its origins, or a
// subdomain when allowed).
func (cr *crawler) isSite(u *url.URL) bool {
	cr.mu.Lock()
	ok := cr.sites[urlx.Origin(u)]
	cr.mu.Unlock()
	if ok {
		return true
	}
	if cr.cfg.AllowSubdomains && (u.Scheme == "http" || u.Scheme == "https") {
		h := u.Hostname()
		return h == cr.subBase || strings.HasSuffix(h, "."+cr.subBase)
	}
	return false
}

// inScope applies --include and --exclude to a same-site URL.
func (cr *crawler) inScope(u string) bool {
	for _, re := range cr.cfg.Exclude {
		if re.MatchString(u) {
			return false
		}
	}
	if len(cr.cfg.Include) == 0 {
		return true
	}
	for _, re := range cr.cfg.Include {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}

func isHTML(contentType string, body []byte) bool {
	ct := strings.ToLower(contentType)
	if strings.Contains(ct, "html") {
		return true
	}
	if ct != "" {
		return false
	}
	return strings.Contains(strings.ToLower(http.DetectContentType(body)), "html")
}

// describe turns a transport error into the record's error text and kind:
// the operation and cause, never the request (whose URL may carry secrets;
// any URL left in the text is masked with mask).
func describe(err error, timeout time.Duration, mask *urlx.Masker) (string, store.ErrorKind) {
	if err == nil {
		return "no answer", store.ErrorOther
	}
	kind := errorKind(err)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	switch {
	case kind == store.ErrorTimeout:
		return fmt.Sprintf("timeout: no complete answer within %s", timeout), kind
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without an answer", kind
	case errors.As(err, &dnsErr):
		return "dns: " + dnsErr.Err + " (" + dnsErr.Name + ")", kind
	}
	return mask.MaskText(err.Error()), kind
}

// errorKind classifies a transport error (store.ErrorKind): what reports
// group and filter by, beside the human text.
func errorKind(err error) store.ErrorKind {
	var (
		ne      net.Error
		dnsErr  *net.DNSError
		proxy   *ProxyAuthError
		certErr *tls.CertificateVerificationError
		hostErr x509.HostnameError
		uaErr   x509.UnknownAuthorityError
		invErr  x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return store.ErrorTimeout
	case errors.As(err, &dnsErr):
		return store.ErrorDNS
	case errors.As(err, &proxy):
		return store.ErrorProxy
	case errors.Is(err, syscall.ECONNREFUSED):
		return store.ErrorRefused
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED):
		return store.ErrorReset
	case errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &uaErr) || errors.As(err, &invErr) ||
		errors.As(err, &recErr) || errors.As(err, &alert):
		return store.ErrorTLS
	}
	return store.ErrorOther
}
