package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// A crawl over several processes (Config.Remote): the coordinator runs Run
// as always — frontier order, visited set, robots.txt, sitemaps, scope,
// caps, crawler traps, records and edges — but each URL is requested by a
// worker process, which gets a Job and gives back its Outcome. A worker runs
// a Fetcher: the same request and reading code as a single-process crawl
// (HEAD then GET, statuses, headers, authentication fields, links,
// fingerprints), so both crawls record the same things.

// Remote sends jobs to workers. Fetch blocks until a worker's outcome for j
// is back, or ctx is done (then the error is ctx's and the job stays
// queued); done is called once the outcome is recorded. Begin is called
// once, before the first Fetch, with the pause between two requests to one
// host (Config.Delay, raised by robots.txt's Crawl-delay).
type Remote interface {
	Begin(ctx context.Context, delay time.Duration) error
	Fetch(ctx context.Context, j Job) (o Outcome, done func(), err error)
}

// Job is one URL to request, as the coordinator hands it to a worker.
type Job struct {
	URL        string     `json:"u"`
	Kind       store.Kind `json:"k"`
	Depth      int        `json:"d"`
	Hops       int        `json:"h,omitempty"`
	Parse      uint8      `json:"p,omitempty"`  // 1 HTML, 2 CSS
	Head       bool       `json:"hd,omitempty"` // HEAD first
	Start      bool       `json:"s,omitempty"`
	Disallowed bool       `json:"x,omitempty"` // robots.txt disallows it (requested with IgnoreRobots)
}

// Outcome is what a worker's request of a Job gave.
type Outcome struct {
	Record   store.URL `json:"r"`
	Refs     []Ref     `json:"l,omitempty"`
	Location string    `json:"loc,omitempty"` // a 3xx answer's Location header, as sent
	Prints   *Prints   `json:"fp,omitempty"`  // a 200 HTML page's fingerprints
}

// Ref is one reference a page or stylesheet holds.
type Ref struct {
	URL   string         `json:"u"`
	Type  store.EdgeType `json:"t"`
	Tag   string         `json:"g,omitempty"`
	Text  string         `json:"x,omitempty"`
	Parse uint8          `json:"p,omitempty"`
}

// Prints are a page's text fingerprints (fingerprint.go).
type Prints struct {
	Text  uint64 `json:"t"`
	Sim   uint64 `json:"s"`
	Shape uint64 `json:"h"`
	Words int    `json:"w"`
}

func (p *Prints) prints() *prints {
	if p == nil {
		return nil
	}
	return &prints{text: p.Text, sim: p.Sim, shape: p.Shape, words: p.Words}
}

func (j *job) export() Job {
	return Job{URL: j.url, Kind: j.kind, Depth: j.depth, Hops: j.hops, Parse: uint8(j.parse), Head: j.head, Start: j.start, Disallowed: j.disallowed}
}

func importRefs(rs []Ref) []ref {
	out := make([]ref, len(rs))
	for i, r := range rs {
		out[i] = ref{url: r.URL, typ: r.Type, tag: r.Tag, text: r.Text, parse: parseMode(r.Parse)}
	}
	return out
}

func exportRefs(rs []ref) []Ref {
	out := make([]Ref, len(rs))
	for i, r := range rs {
		out[i] = Ref{URL: r.url, Type: r.typ, Tag: r.tag, Text: r.text, Parse: uint8(r.parse)}
	}
	return out
}

// Fetcher requests jobs on a worker: the request and reading half of a
// crawl, with the crawl's settings (Config: agent, timeouts, body limit,
// retries, credentials, per-host limits of this process) and none of its
// decisions. Safe for concurrent use; Close it when done.
type Fetcher struct {
	cr   *crawler
	stop func()
}

// NewFetcher returns a Fetcher with cfg's request settings. cfg.Start names
// the origin the credentials (cfg.Credentials) go to, with
// Credentials.Origins; it is never requested by the Fetcher itself. Requests
// in flight when ctx is done get cfg.Grace to finish.
func NewFetcher(ctx context.Context, cfg Config) (*Fetcher, error) {
	if cfg.Render != RenderOff {
		return nil, errors.New("rendering is not done by workers")
	}
	cfg = withDefaults(cfg)
	if cfg.Progress == nil {
		cfg.Progress = &Progress{}
	}
	start, err := urlx.Parse(cfg.Start)
	if err != nil {
		return nil, fmt.Errorf("credentials origin: %w", err)
	}
	cr := &crawler{cfg: cfg, now: cfg.Now, log: cfg.Logger, base: start, sites: map[string]bool{urlx.Origin(start): true},
		traps: newTraps(0), seen: newSeenSet(), cancel: func() {}}
	transport := cfg.Transport
	if transport == nil {
		transport = defaultTransport(cfg.Concurrency)
	}
	limit := newHostLimiter(transport, cfg.Concurrency, cfg.Delay, func(*url.URL) bool { return true })
	transport = &retryTransport{next: proxyAuthTransport{next: limit}, retries: cfg.Retries, maxWait: cfg.MaxRetryWait, now: cfg.Now}
	if cfg.Credentials != nil {
		at := newAuthTransport(transport, cfg.Credentials, start, cfg.Now)
		transport, cr.auth = at, &authState{t: at}
	}
	cr.client = &http.Client{
		Transport:     transport,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	reqCtx, stopReq := requestContext(ctx, cfg.Grace)
	if cr.c, err = cr.newCollector(reqCtx, transport); err != nil {
		stopReq()
		return nil, err
	}
	return &Fetcher{cr: cr, stop: stopReq}, nil
}

// Fetch requests j. ok is false when ctx was done before an answer (a
// request not answered yet is cut after the grace): nothing is to be
// recorded, j is to be requested again.
func (f *Fetcher) Fetch(ctx context.Context, j Job) (o Outcome, ok bool) {
	u, err := url.Parse(j.URL)
	if err != nil {
		rec := store.URL{URL: j.URL, Kind: j.Kind, Depth: j.Depth, Bytes: -1, Error: "unusable URL", ErrorKind: store.ErrorOther, FetchedAt: f.cr.now().UTC()}
		return Outcome{Record: rec}, true
	}
	jb := &job{url: j.URL, u: u, kind: j.Kind, depth: j.Depth, hops: j.Hops, parse: parseMode(j.Parse), head: j.Head, start: j.Start, disallowed: j.Disallowed, checked: true}
	got, ok := f.cr.fetchJob(ctx, jb)
	if !ok {
		return Outcome{}, false
	}
	o = Outcome{Record: got.rec, Refs: exportRefs(got.next), Location: got.location}
	if p := got.prints; p != nil {
		o.Prints = &Prints{Text: p.text, Sim: p.sim, Shape: p.shape, Words: p.words}
	}
	return o, true
}

// Warnings are what the Fetcher's crawl-level checks said (credentials
// that stopped working).
func (f *Fetcher) Warnings() []string {
	f.cr.mu.Lock()
	defer f.cr.mu.Unlock()
	return append([]string(nil), f.cr.warnings...)
}

// Close releases the Fetcher.
func (f *Fetcher) Close() { f.stop() }
