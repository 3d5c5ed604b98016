package crawlaudit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/credentials"
	"github.com/crawlaudit/crawlaudit/internal/redisq"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// WorkerOptions are the settings of a worker process (`crawlaudit worker`):
// where the work is, how much of it at once, and the worker's own
// credentials. A crawl's settings (agent, timeouts, limits) come from its
// coordinator through Redis; credentials never do, nor where they go.
type WorkerOptions struct {
	// Redis is the redis:// URL of the server the coordinators use.
	Redis string
	// RedisPrefix is the first part of every key; default "crawlaudit".
	RedisPrefix string
	// Concurrency is how many URLs the worker requests at once, over every
	// crawl it serves. Default 8.
	Concurrency int
	// Name identifies the worker in Redis and in the coordinators'
	// progress; default host name, process id and a random suffix.
	Name string

	// The worker's credentials: read from where these name, sent to
	// AuthOrigins only. A crawl that needs credentials for an origin not
	// in AuthOrigins is refused (said in this worker's log and in the
	// coordinator's progress).
	BasicAuthEnv   string
	BearerTokenEnv string
	HeaderFile     string
	CookieFile     string
	AuthOrigins    []string

	// Getenv reads the credential variables; nil reads none.
	Getenv func(string) string
	// Logger receives the worker's log lines; nil discards them.
	Logger *slog.Logger
	// Now is the clock (leases, politeness); nil uses time.Now.
	Now func() time.Time
	// Transport is the HTTP transport; nil uses the crawler's default.
	Transport http.RoundTripper
	// Metrics, when set, is updated as the worker goes.
	Metrics *WorkerMetrics
	// Poll is how often the worker looks for new crawls and heartbeats;
	// default 1s.
	Poll time.Duration
}

// WorkerMetrics are a worker's counters (Prometheus: WriteProm).
type WorkerMetrics struct {
	URLs          atomic.Int64 // URLs requested and published
	InFlight      atomic.Int64 // URLs being requested now
	LeaseExpiries atomic.Int64 // leases that expired before this worker acknowledged them
	StreamLag     atomic.Int64 // results published and not yet committed by the coordinators
	Crawls        atomic.Int64 // crawls served now
	Refused       atomic.Int64 // crawls refused (no credentials for them)
}

// WriteProm writes m in the Prometheus text exposition format.
func (m *WorkerMetrics) WriteProm(w interface{ Write([]byte) (int, error) }) error {
	rows := []struct {
		name, typ, help string
		v               int64
	}{
		{"crawlaudit_worker_urls_total", "counter", "URLs requested and published (rate() gives URLs/s).", m.URLs.Load()},
		{"crawlaudit_worker_in_flight", "gauge", "URLs being requested now.", m.InFlight.Load()},
		{"crawlaudit_worker_lease_expiries_total", "counter", "Leases that expired before this worker acknowledged them.", m.LeaseExpiries.Load()},
		{"crawlaudit_worker_stream_lag", "gauge", "Results published and not yet committed by the coordinators.", m.StreamLag.Load()},
		{"crawlaudit_worker_crawls", "gauge", "Crawls this worker serves now.", m.Crawls.Load()},
		{"crawlaudit_worker_refused_crawls", "gauge", "Crawls this worker refuses (no credentials for them).", m.Refused.Load()},
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", r.name, r.help, r.name, r.typ, r.name, r.v); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks o.
func (o WorkerOptions) Validate() error {
	if o.Redis == "" {
		return &OptionError{Key: "redis", Flag: "redis", Msg: "required: the redis:// URL of the crawls' Redis"}
	}
	if _, err := redisq.Dial(o.Redis); err != nil {
		return &OptionError{Key: "redis", Flag: "redis", Msg: err.Error()}
	}
	if o.Concurrency < 0 || o.Concurrency > 1024 {
		return &OptionError{Key: "concurrency", Flag: "concurrency", Msg: fmt.Sprintf("%d: must be 1–1024", o.Concurrency)}
	}
	for _, a := range o.AuthOrigins {
		if _, err := originOf(a); err != nil {
			return &OptionError{Key: "auth_origins", Flag: "auth-origin", Msg: err.Error()}
		}
	}
	return nil
}

// Work serves the crawls announced in Redis until ctx is done: it takes
// their URLs (per-host limits and delays shared with every other worker),
// requests them, and sends back what they gave. URLs in flight when ctx is
// done get the stop grace to finish; those that do not are given back. It
// returns nil when stopped by ctx, an error when it could not start.
func Work(ctx context.Context, o WorkerOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Name == "" {
		o.Name = workerName()
	}
	creds, err := o.credentials()
	if err != nil {
		return err
	}
	conn, _ := redisq.Dial(o.Redis)
	defer conn.Close()
	if err := conn.Ping(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("--redis: %v", err)
	}
	w := &worker{o: o, conn: conn, creds: creds, root: rootOf(o.RedisPrefix), crawls: map[string]*servedCrawl{}}
	if w.o.Metrics == nil {
		w.o.Metrics = &WorkerMetrics{}
	}
	o.Logger.Info("worker started", "worker", o.Name, "concurrency", max(o.Concurrency, 1))
	w.run(ctx, nil)
	o.Logger.Info("worker stopped", "worker", o.Name, "urls", w.o.Metrics.URLs.Load())
	return nil
}

// worker is one Work.
type worker struct {
	o     WorkerOptions
	conn  *redisq.Conn
	creds *workerCredentials // nil: none
	root  string

	mu     sync.Mutex
	crawls map[string]*servedCrawl
	turn   int
}

// workerCredentials are a worker's own credentials and the origins they
// are for.
type workerCredentials struct {
	c       *crawler.Credentials
	start   string // the first of the origins; the others are in c.Origins
	origins map[string]bool
}

func (o WorkerOptions) credentials() (*workerCredentials, error) {
	if len(o.AuthOrigins) == 0 {
		return nil, nil
	}
	l, err := credentials.Load(credentials.Sources{BasicAuthEnv: o.BasicAuthEnv, BearerTokenEnv: o.BearerTokenEnv,
		HeaderFile: o.HeaderFile, CookieFile: o.CookieFile, Origins: o.AuthOrigins[1:]}, o.AuthOrigins[0], o.Now(), o.Getenv)
	if err != nil {
		return nil, err
	}
	if l.Credentials == nil {
		return nil, &OptionError{Key: "auth_origins", Flag: "auth-origin", Msg: "given, but no credential source is set (--basic-auth-env, --bearer-token-env, --header-file, --cookie-file)"}
	}
	wc := &workerCredentials{c: l.Credentials, start: o.AuthOrigins[0], origins: map[string]bool{}}
	for _, a := range o.AuthOrigins {
		origin, _ := originOf(a)
		wc.origins[origin] = true
	}
	return wc, nil
}

// servedCrawl is one announced crawl as a worker serves it.
type servedCrawl struct {
	id      string
	q       *redisq.Queue
	f       *crawler.Fetcher // nil when refused
	refused string
	lease   time.Duration

	mu     sync.Mutex
	busy   int  // request loops using f now
	gone   bool // withdrawn: no new work; f is closed once busy is 0
	closed bool
}

// acquire counts one more user of s's Fetcher; false once s is gone.
func (s *servedCrawl) acquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || s.f == nil {
		return false
	}
	s.busy++
	return true
}

// release ends a use begun by acquire.
func (s *servedCrawl) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy--
	s.closeIfDone()
}

// withdraw stops s: no new work, and its Fetcher is closed once the
// requests in flight are done.
func (s *servedCrawl) withdraw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	s.closeIfDone()
}

func (s *servedCrawl) closeIfDone() {
	if s.gone && s.busy == 0 && !s.closed && s.f != nil {
		s.closed = true
		s.f.Close()
	}
}

// run serves the crawls until ctx is done. only, when not empty, serves
// that crawl alone (a coordinator's own worker).
func (w *worker) run(ctx context.Context, only map[string]bool) {
	poll := w.o.Poll
	if poll <= 0 {
		poll = time.Second
	}
	w.refresh(ctx, only)
	var wg sync.WaitGroup
	wg.Go(func() { every(ctx, poll, func(ctx context.Context) { w.refresh(ctx, only) }) })
	for range max(w.o.Concurrency, 1) {
		wg.Go(func() { w.take(ctx, poll) })
	}
	wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.crawls {
		s.withdraw()
	}
}

// refresh reads the announced crawls: it starts serving new ones (or
// refuses them), stops serving withdrawn ones, and heartbeats.
func (w *worker) refresh(ctx context.Context, only map[string]bool) {
	announced, err := w.conn.Crawls(ctx, w.root)
	if err != nil {
		if ctx.Err() == nil {
			w.o.Logger.Warn("cannot list the crawls; retrying", "error", err)
		}
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, s := range w.crawls {
		if _, ok := announced[id]; !ok {
			s.withdraw()
			delete(w.crawls, id)
		}
	}
	var served, refused, lag int64
	for id, raw := range announced {
		if len(only) > 0 && !only[id] {
			continue
		}
		s, ok := w.crawls[id]
		if !ok {
			s = w.serve(ctx, id, raw)
			if s == nil {
				continue
			}
			w.crawls[id] = s
		}
		if s.refused != "" {
			refused++
			continue
		}
		served++
		if err := s.q.Heartbeat(ctx, w.o.Name, w.o.Now()); err != nil && ctx.Err() == nil && !errors.Is(err, redisq.ErrCrawlGone) {
			w.o.Logger.Warn("heartbeat failed; retrying", "crawl", id, "error", err)
		}
		if n, err := s.q.Backlog(ctx); err == nil {
			lag += n
		}
	}
	w.o.Metrics.StreamLag.Store(lag)
	w.o.Metrics.Crawls.Store(served)
	w.o.Metrics.Refused.Store(refused)
}

// serve prepares to serve crawl id, announced with raw: its queue and a
// Fetcher with its settings, or a refusal. Nil when its settings are
// unusable (said once).
func (w *worker) serve(ctx context.Context, id string, raw []byte) *servedCrawl {
	var a announcement
	if err := a.decode(raw); err != nil {
		w.o.Logger.Warn("crawl announced with unusable settings: not served", "crawl", id, "error", err)
		return &servedCrawl{id: id, refused: "unusable settings"}
	}
	q, err := w.conn.Queue(redisq.Config{Prefix: redisq.PrefixUnder(w.root, id), HostLimit: a.HostLimit,
		HostDelay: time.Duration(a.HostDelayMS) * time.Millisecond, LeaseTimeout: time.Duration(a.LeaseMS) * time.Millisecond})
	if err != nil {
		w.o.Logger.Warn("crawl announced with unusable settings: not served", "crawl", id, "error", err)
		return &servedCrawl{id: id, refused: "unusable settings"}
	}
	s := &servedCrawl{id: id, q: q, lease: time.Duration(a.LeaseMS) * time.Millisecond}
	cfg := a.fetcherConfig()
	cfg.Logger, cfg.Now, cfg.Transport = w.o.Logger, w.o.Now, w.o.Transport
	cfg.Concurrency = max(a.HostLimit, 1)
	if a.Credentials {
		start, _ := originOf(a.Start)
		if w.creds == nil || !w.creds.origins[start] {
			s.refused = fmt.Sprintf("worker %s refuses the crawl of %s: it needs credentials for %s and this worker has none for it (start the worker with --auth-origin %s and a credential source)",
				w.o.Name, urlx.Mask(a.Start), start, start)
			w.o.Logger.Warn(s.refused)
			if err := q.Refuse(ctx, w.o.Name, s.refused); err != nil && ctx.Err() == nil {
				w.o.Logger.Warn("cannot say so in Redis", "error", err)
			}
			return s
		}
		// The worker's own credentials, to the worker's own origins:
		// the announcement only says that they are needed.
		cfg.Start, cfg.Credentials = w.creds.start, w.creds.c
		cfg.CompareAnonymous = a.CompareAnonymous
	} else {
		cfg.Start = a.Start
	}
	f, err := crawler.NewFetcher(ctx, cfg)
	if err != nil {
		w.o.Logger.Warn("crawl not served", "crawl", id, "error", err)
		return &servedCrawl{id: id, refused: err.Error()}
	}
	s.f = f
	w.o.Logger.Info("serving crawl", "crawl", id, "start", urlx.Mask(a.Start))
	return s
}

// take is one of the worker's request loops.
func (w *worker) take(ctx context.Context, idle time.Duration) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		s, l, next, err := w.next(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				w.o.Logger.Warn("cannot take work; retrying", "error", err, "in", backoff)
			}
			wait(ctx, backoff)
			backoff = min(2*backoff, 5*time.Second)
			continue
		case s == nil:
			// Nothing to take: look again soon (a frontier is empty
			// only until the coordinator records the next answers).
			d := min(idle/4, idleWait)
			if !next.IsZero() {
				d = min(d, max(next.Sub(w.o.Now()), time.Millisecond))
			}
			wait(ctx, d)
			continue
		}
		backoff = 50 * time.Millisecond
		w.handle(ctx, s, l)
		s.release()
	}
}

// next takes a URL from one of the crawls served, in turn. s is nil when
// none has one now; next is then the earliest time one may.
func (w *worker) next(ctx context.Context) (s *servedCrawl, l redisq.Lease, next time.Time, err error) {
	w.mu.Lock()
	list := make([]*servedCrawl, 0, len(w.crawls))
	for _, c := range w.crawls {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *servedCrawl) int {
		if a.id < b.id {
			return -1
		}
		return 1
	})
	w.turn++
	turn := w.turn
	w.mu.Unlock()
	var firstErr error
	for i := range list {
		c := list[(turn+i)%len(list)]
		if !c.acquire() {
			continue // refused, or withdrawn meanwhile
		}
		l, ok, n, err := c.q.Take(ctx, w.o.Name, w.o.Now())
		if err == nil && ok {
			return c, l, time.Time{}, nil
		}
		c.release()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return nil, l, next, firstErr
}

// handle requests the URL of lease l and publishes what it gave, then acks
// the lease; a URL the stop cut is given back.
func (w *worker) handle(ctx context.Context, s *servedCrawl, l redisq.Lease) {
	m := w.o.Metrics
	m.InFlight.Add(1)
	defer m.InFlight.Add(-1)
	var j crawler.Job
	if err := json.Unmarshal(l.Item.Data, &j); err != nil || j.URL != l.Item.URL {
		j = crawler.Job{URL: l.Item.URL}
	}
	// Keep the lease while the request lasts (retries, slow servers).
	stopExtend := make(chan struct{})
	extended := make(chan struct{})
	go func() {
		defer close(extended)
		t := time.NewTicker(max(s.lease/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-stopExtend:
				return
			case <-t.C:
				if err := s.q.Extend(ctx, &l, w.o.Now()); err != nil {
					return
				}
			}
		}
	}()
	o, ok := s.f.Fetch(ctx, j)
	close(stopExtend)
	<-extended
	// Past the stop, the answer still goes back (within a bound): it was
	// fetched, and losing it would cost another request.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if !ok {
		if err := s.q.Release(bctx, l); err != nil {
			w.o.Logger.Warn("cannot give back a URL; its lease will expire", "error", err)
		}
		return
	}
	// One step publishes the result and acknowledges the lease. A lease
	// lost (it expired: another worker has the URL) or a crawl gone
	// (finished, or lost by Redis and queued again) makes the result
	// useless: nothing is written, so nothing is written either for a
	// crawl that is over.
	rec, err := redisq.OutcomeRecord(j.URL, o)
	if err == nil {
		err = retry(bctx, func() error {
			err := s.q.Complete(bctx, l, rec)
			switch {
			case errors.Is(err, redisq.ErrLeaseLost):
				m.LeaseExpiries.Add(1)
				w.o.Logger.Info("lease expired before the answer: the answer is dropped (another worker has the URL)", "crawl", s.id, "url", urlx.Mask(j.URL))
				return nil
			case errors.Is(err, redisq.ErrCrawlGone):
				return nil
			case err == nil:
				m.URLs.Add(1)
			}
			return err
		})
	}
	if err != nil {
		w.o.Logger.Warn("cannot send a result back; its lease will expire and another worker requests it", "error", err)
	}
}

// idleWait is the longest a request loop waits before asking Redis for
// work again when there was none.
const idleWait = 50 * time.Millisecond

// retry calls fn until it succeeds or ctx is done, with backoff (Redis
// restarting, a connection broken).
func retry(ctx context.Context, fn func() error) error {
	backoff := 50 * time.Millisecond
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return err
		}
		wait(ctx, backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

// wait pauses for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func workerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// rootOf is the key root of a RedisPrefix.
func rootOf(prefix string) string {
	if prefix == "" {
		return redisq.DefaultRoot
	}
	return prefix
}

// originOf returns the origin of an http(s) URL or origin.
func originOf(s string) (string, error) {
	u, err := urlx.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an http(s) origin: %v", urlx.Mask(s), err)
	}
	return urlx.Origin(u), nil
}
