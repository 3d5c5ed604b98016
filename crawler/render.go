package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/render"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// Rendering (--render): after its raw fetch, a 200 HTML page of the site is
// loaded in headless Chromium (internal/render) as Google's renderer loads
// it, and what the page did is recorded like everything else the crawl
// sees:
//
//   - every request the page made is an edge of type render from the page
//     (Tag the request's type, Text the initiating script), and a URL
//     record of the kinds that exist (asset on the site, external
//     elsewhere) with the status the browser got, unless the crawl already
//     knows the URL; a request robots.txt disallows is never sent and is
//     recorded blocked_by_robots; a same-site document (an iframe, a
//     navigation) is queued as a page instead, to be crawled;
//   - links only in the rendered DOM are render edges with Tag "a", and
//     are followed like any link;
//   - the rendered title, canonical, meta robots, text and errors go to
//     the page's record (store.Render), beside the raw ones.
//
// The browser's requests pass the same gates as the crawl's: robots.txt of
// the site's origins (Google's renderer obeys robots.txt for every
// resource), the per-host limiter, and the credentials, attached per
// request in the DevTools Fetch domain to the origins that get them and to
// no other (never browser-wide headers or cookies).

// RenderMode says which pages are rendered.
type RenderMode string

// Render modes.
const (
	RenderOff  RenderMode = ""     // no rendering
	RenderAll  RenderMode = "all"  // every 200 HTML page of the site
	RenderAuto RenderMode = "auto" // the pages render.NeedsRendering selects
)

// RenderReasonAll is store.Render.Reason of a page rendered because every
// page is (RenderAll).
const RenderReasonAll = "render"

// FindBrowser returns the Chromium a crawl with Config.Chrome set to chrome
// would run, or an error of one line saying how to install one: callers
// check it before the crawl's first request.
func FindBrowser(chrome string) (string, error) { return render.Find(chrome) }

// ErrNoBrowser is FindBrowser's (and Run's) error when no Chromium is
// installed.
var ErrNoBrowser = render.ErrNoBrowser

// newRenderPool starts the crawl's browser, its hooks bound to the crawl's
// robots.txt, limiter and credentials.
func (cr *crawler) newRenderPool(ctx context.Context, limit *hostLimiter) (*render.Pool, error) {
	cfg := render.Config{
		Chrome:      cr.cfg.Chrome,
		Concurrency: cr.cfg.RenderConcurrency,
		LoadTimeout: cr.cfg.RenderLoadTimeout,
		IdleWait:    cr.cfg.RenderIdleWait,
		MaxBytes:    cr.cfg.MaxBody,
		UserAgent:   cr.cfg.UserAgent,
		RobotsAgent: cr.cfg.RobotsAgent,
		Logger:      cr.log,
		Allowed: func(ctx context.Context, u *url.URL) bool {
			if cr.cfg.IgnoreRobots || !cr.isSite(u) {
				return true
			}
			rules := cr.robotsFor(ctx, u)
			return !rules.Interrupted && rules.Allowed(u)
		},
		Limit: func(ctx context.Context, u *url.URL) (func(), error) {
			release, err := limit.acquire(ctx, u)
			if err == nil {
				cr.requests.Add(1)
				cr.cfg.Progress.Requests.Add(1)
			}
			return release, err
		},
	}
	if cr.auth != nil {
		t := cr.auth.t
		cfg.Credentials = func(u *url.URL) http.Header { return t.headerFor(u) }
	}
	return render.New(ctx, cfg)
}

// renderPage renders the page of j (its raw record rec, the raw references
// raw) when the mode selects it, records what the page requested, and
// returns the links only the rendered DOM has, to be discovered like the
// raw ones, and the rendered DOM ("" when not rendered or unreadable). A
// page in the browser when the crawl stops has Config.Grace to be read
// whole, as a request in flight has; a page read whole is recorded. It
// reports false when the stop cut the render: the page is then left
// unrecorded, to be requested again by a resumed crawl.
func (cr *crawler) renderPage(ctx context.Context, j *job, rec *store.URL, body []byte, raw []ref) ([]ref, string, bool) {
	reason := RenderReasonAll
	var sampleOf string // the URL pattern this page samples
	if cr.cfg.Render == RenderAuto {
		ok, why := render.NeedsRendering(body)
		if !ok {
			pattern := analysis.Pattern(j.url)
			ok, why = cr.sample.decide(pattern)
			if !ok {
				return nil, "", true
			}
			if why == "" {
				sampleOf, why = pattern, sampleReason+pattern
			}
		}
		reason = why
	}
	// A page in the browser when the crawl stops gets the grace its
	// requests get (Config.Grace) to be read whole and recorded; its raw
	// answer is here already.
	rctx, stopRender := requestContext(ctx, cr.cfg.Grace)
	cr.cfg.Progress.Rendering.Add(1)
	res, err := cr.pool.Render(rctx, render.Page{URL: j.url})
	cr.cfg.Progress.Rendering.Add(-1)
	stopRender()
	if err != nil && ctx.Err() != nil {
		// Cut by the stop (or not begun): nothing of it is recorded.
		return nil, "", false
	}
	cr.cfg.Progress.Rendered.Add(1)
	cr.cfg.Progress.RenderMemory.Store(cr.pool.Memory())
	rd := &store.Render{Reason: reason}
	rec.Render = rd
	if err != nil {
		// The browser could not be started again: the page's render
		// failed; the crawl goes on with the raw pages.
		rd.ErrorKind, rd.Error = string(render.KindCrash), cr.cfg.Mask.MaskText(err.Error())
		return nil, "", true
	}
	rd.Status = res.Status
	rd.Title = res.Title
	rd.TextLength = res.TextLength
	if sampleOf != "" && res.ErrorKind == "" {
		raw := render.VisibleTextLength(body)
		if cr.sample.learn(sampleOf, j.url, raw, res.TextLength, cr.cfg.Mask) {
			// The sample keeps what it taught, for a resumed crawl.
			rd.Reason += fmt.Sprintf(sampleGrew+"%d characters, %d raw)", res.TextLength, raw)
		}
	}
	rd.NotIdle = res.NotIdle
	rd.ErrorKind, rd.Error = string(res.ErrorKind), cr.cfg.Mask.MaskText(res.Error)
	rd.Dropped = res.DroppedRequests
	for _, e := range res.ConsoleErrors {
		rd.ConsoleErrors = append(rd.ConsoleErrors, cr.cfg.Mask.MaskText(e))
	}
	rd.NoIndex = hasNoindex(res.MetaRobots)
	if res.Canonical != "" {
		if c, err := urlx.Resolve(j.u, res.Canonical); err == nil {
			rd.Canonical = c
		}
	}
	if res.FinalURL != "" {
		if f, err := urlx.Resolve(j.u, res.FinalURL); err == nil && f != j.url {
			rd.FinalURL = f
		}
	}
	cr.recordRequests(ctx, j, rd, res.Requests)

	// Links only in the rendered DOM.
	known := map[string]bool{j.url: true}
	for _, r := range raw {
		if r.typ == store.EdgeLink {
			known[r.url] = true
		}
	}
	seen := map[string]bool{}
	var only []ref
	for _, l := range res.Links {
		u, err := urlx.Resolve(j.u, l)
		if err != nil || seen[u] {
			continue
		}
		seen[u] = true
		if !known[u] {
			only = append(only, ref{url: u, typ: store.EdgeRender, tag: store.RenderLinkTag})
		}
	}
	rd.Links, rd.OnlyLinks = len(seen), len(only)
	return only, res.HTML, true
}

// recordRequests records the requests a rendered page made: an edge for
// each (one per URL and type), and a record for each URL the crawl did not
// know, with what the browser got.
func (cr *crawler) recordRequests(ctx context.Context, j *job, rd *store.Render, reqs []render.Request) {
	rd.Requests = len(reqs)
	type key struct{ url, typ string }
	edges := map[key]bool{}
	for i, r := range reqs {
		switch {
		case r.Blocked:
			rd.Blocked++
			rd.Failed++
		case r.Status >= 400 || (r.Status == 0 && !r.Pending):
			rd.Failed++
		}
		to, err := urlx.Resolve(j.u, r.URL)
		if err != nil {
			continue
		}
		if i == 0 && r.Type == "document" && to == j.url {
			continue // the page itself: its raw record stands
		}
		tag := r.Type
		if tag == "" {
			tag = "other"
		}
		if k := (key{to, tag}); !edges[k] {
			edges[k] = true
			var initiator string
			if r.Initiator != "" {
				initiator = cr.cfg.Mask.Mask(r.Initiator)
			}
			cr.edge(store.Edge{From: j.url, To: to, Type: store.EdgeRender, Tag: tag, Text: initiator})
		}
		u, err := url.Parse(to)
		if err != nil {
			continue
		}
		if r.Location != "" {
			// A redirect hop: its target is the next request of the
			// page, and the hop points at it as a crawled redirect does.
			if target, err := urlx.Resolve(u, r.Location); err == nil {
				if k := (key{to + " " + target, "location"}); !edges[k] {
					edges[k] = true
					cr.edge(store.Edge{From: to, To: target, Type: store.EdgeRedirect, Tag: "location"})
				}
			}
		}
		site := cr.isSite(u)
		if site && r.Type == "document" {
			// A frame or a navigation of the page: a page of the site,
			// crawled as one.
			n := &job{url: to, u: u, depth: j.depth + 1, kind: store.KindPage, parse: parseHTML}
			if cr.inScope(to) && guard(to, n.kind) == "" {
				cr.enqueue(ctx, n, nil)
			}
			continue
		}
		if !site && cr.cfg.NoExternal {
			continue
		}
		if !cr.seen.add(cr.seenKey(to)) {
			continue // known: requested, queued or recorded by the crawl
		}
		cr.put(cr.renderedRecord(j, u, to, site, r))
	}
}

// renderedRecord is the record of a URL the crawl first met as a request
// of a rendered page: what the browser got.
func (cr *crawler) renderedRecord(j *job, u *url.URL, to string, site bool, r render.Request) store.URL {
	rec := store.URL{URL: to, Kind: store.KindExternal, Depth: j.depth + 1, Method: r.Method, Bytes: -1, Status: r.Status, FetchedAt: cr.now().UTC()}
	if site {
		rec.Kind = store.KindAsset
	}
	if rec.Method == "" {
		rec.Method = http.MethodGet
	}
	switch {
	case r.Blocked:
		rec.BlockedByRobots, rec.RobotsDisallowed = true, true
		rec.Status, rec.Method = 0, ""
	case r.Pending:
		rec.Error, rec.ErrorKind = "no answer before the rendered page was read", store.ErrorTimeout
	case r.Status == 0:
		rec.Error, rec.ErrorKind = renderNetError(r.Error)
	}
	if r.Status != 0 {
		rec.WWWAuthenticate = r.WWWAuthenticate
		rec.Challenges = parseChallenges(r.WWWAuthenticate)
		if r.Location != "" {
			if t, err := urlx.Resolve(u, r.Location); err == nil {
				rec.Redirect = t
			}
		}
		if cr.auth != nil && cr.auth.t.headerFor(u) != nil {
			rec.Credentials = store.CredentialsSent
		}
	}
	return rec
}

// renderNetError turns Chromium's network error into a record's error
// text and kind.
func renderNetError(e string) (string, store.ErrorKind) {
	if e == "" {
		return "no answer (rendering)", store.ErrorOther
	}
	kind := store.ErrorOther
	switch {
	case strings.Contains(e, "NAME_NOT_RESOLVED"):
		kind = store.ErrorDNS
	case strings.Contains(e, "CONNECTION_REFUSED"):
		kind = store.ErrorRefused
	case strings.Contains(e, "TIMED_OUT"):
		kind = store.ErrorTimeout
	case strings.Contains(e, "CONNECTION_RESET") || strings.Contains(e, "EMPTY_RESPONSE") || strings.Contains(e, "CONNECTION_CLOSED"):
		kind = store.ErrorReset
	case strings.Contains(e, "CERT") || strings.Contains(e, "SSL"):
		kind = store.ErrorTLS
	}
	return "rendering: " + e, kind
}

// renderDefaults are the renderer's defaults as the crawl applies them.
func renderDefaults(cfg *Config) {
	if cfg.RenderConcurrency <= 0 {
		cfg.RenderConcurrency = render.DefaultConcurrency
	}
	if cfg.RenderLoadTimeout <= 0 {
		cfg.RenderLoadTimeout = render.DefaultLoadTimeout
	}
	if cfg.RenderIdleWait == 0 {
		cfg.RenderIdleWait = render.DefaultIdleWait
	}
}

// --render=auto's last criterion: a page whose raw HTML does not look like
// a shell may still get its main content from scripts. The first
// samplePages pages of each URL pattern (analysis.Pattern) that the other
// criteria leave out are rendered as its sample; when a sample's rendered
// text is at least sampleFactor times its raw HTML's and sampleMinGain
// characters longer, every later page of the pattern is rendered too.
// At most samplePatterns patterns are sampled (a bounded map); pages of
// patterns past that are judged by the other criteria alone.
const (
	samplePages    = 3
	sampleFactor   = 2
	sampleMinGain  = 200
	samplePatterns = 10000
)

// The reasons (store.Render.Reason) of a sample, and of a sample whose text
// grew: "sample of its URL pattern P" and "sample of its URL pattern P;
// its text grew when rendered (N characters, M raw)". A resumed crawl reads
// them back (sampler.restore).
const (
	sampleReason = "sample of its URL pattern "
	sampleGrew   = "; its text grew when rendered ("
	grownReason  = "its URL pattern's sample "
)

// sampler holds the samples' verdicts per URL pattern. Safe for
// concurrent use.
type sampler struct {
	mu   sync.Mutex
	pats map[string]*patternSample
}

type patternSample struct {
	taken  int    // pages rendered as samples
	reason string // set once a sample's text grew: why its pages render
}

// decide says whether a page of pattern is rendered: as a sample (reason
// ""), or because a sample of its pattern grew when rendered (the reason).
func (s *sampler) decide(pattern string) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pats == nil {
		s.pats = map[string]*patternSample{}
	}
	p := s.pats[pattern]
	if p == nil {
		if len(s.pats) >= samplePatterns {
			return false, ""
		}
		p = &patternSample{}
		s.pats[pattern] = p
	}
	switch {
	case p.reason != "":
		return true, p.reason
	case p.taken < samplePages:
		p.taken++
		return true, ""
	}
	return false, ""
}

// learn records what rendering one sample of pattern (the page at url)
// did to its text: raw and rendered characters of visible text. It reports
// whether this sample decided that the pattern's later pages render.
func (s *sampler) learn(pattern, url string, raw, rendered int, mask *urlx.Masker) bool {
	if rendered < sampleFactor*raw || rendered-raw < sampleMinGain {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pats[pattern]; p != nil && p.reason == "" {
		p.reason = grew(url, rendered, raw, mask)
		return true
	}
	return false
}

// grew is the reason of the pages rendered because the sample at url grew.
func grew(url string, rendered, raw int, mask *urlx.Masker) string {
	return fmt.Sprintf(grownReason+"%s had %d characters of text rendered, %d raw", mask.Mask(url), rendered, raw)
}

// restore takes back what a page recorded before a resumed crawl's stop
// says of its URL pattern's samples: that it was one (and grew), or that a
// sample had grown. Without it, a resumed crawl would render its patterns'
// samples again, and render pages the crawl it continues had left out.
func (s *sampler) restore(u store.URL, mask *urlx.Masker) {
	if u.Render == nil || u.Kind != store.KindPage {
		return
	}
	reason := u.Render.Reason
	sample := strings.HasPrefix(reason, sampleReason)
	if !sample && !strings.HasPrefix(reason, grownReason) {
		return // rendered for what its raw HTML looks like
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pats == nil {
		s.pats = map[string]*patternSample{}
	}
	pattern := analysis.Pattern(u.URL)
	p := s.pats[pattern]
	if p == nil {
		if len(s.pats) >= samplePatterns {
			return
		}
		p = &patternSample{}
		s.pats[pattern] = p
	}
	if !sample {
		if p.reason == "" {
			p.reason = reason
		}
		return
	}
	p.taken++
	if _, after, ok := strings.Cut(reason, sampleGrew); ok && p.reason == "" {
		var rendered, raw int
		if _, err := fmt.Sscanf(after, "%d characters, %d raw)", &rendered, &raw); err == nil {
			p.reason = grew(u.URL, rendered, raw, mask)
		}
	}
}
