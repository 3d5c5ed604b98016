package crawler

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// DefaultGrace is how long requests in flight may finish after the crawl's
// context is cancelled, when Config.Grace is zero.
const DefaultGrace = 5 * time.Second

// Progress counts a crawl's work as it goes. Run updates it; the caller may
// read it at any time from another goroutine (e.g. to draw a progress bar).
type Progress struct {
	Done     atomic.Int64 // URL records written
	Queued   atomic.Int64 // URLs waiting in the frontier
	Requests atomic.Int64 // HTTP requests sent
	Errors   atomic.Int64 // URLs answered 4xx/5xx, or not at all
	// Rendering (Config.Render).
	Rendering    atomic.Int64 // pages in the browser now
	Rendered     atomic.Int64 // pages rendered
	RenderMemory atomic.Int64 // the browser's resident memory after the last page, in bytes
}

// persistence: when the Writer also implements store.FrontierWriter
// (the SQLite store does), every queued URL is written to it before it is
// requested, and the URL's record takes it off again. The crawler writes a
// page's edges and queued links before the page's own record, so a crawl
// killed at any point leaves a store from which Config.Resume loses nothing.

func queuedOf(j *job) store.Queued {
	q := store.Queued{URL: j.url, Kind: j.kind, Depth: j.depth, Hops: j.hops, Head: j.head, Start: j.start}
	switch j.parse {
	case parseHTML:
		q.Parse = "html"
	case parseCSS:
		q.Parse = "css"
	}
	return q
}

func jobOf(q store.Queued) (*job, error) {
	u, err := url.Parse(q.URL)
	if err != nil {
		return nil, err
	}
	j := &job{url: q.URL, u: u, kind: q.Kind, depth: q.Depth, hops: q.Hops, head: q.Head, start: q.Start}
	switch q.Parse {
	case "html":
		j.parse = parseHTML
	case "css":
		j.parse = parseCSS
	}
	return j, nil
}

// persist writes j to the store's frontier, if the store keeps one.
func (cr *crawler) persist(j *job) {
	fw, ok := cr.w.(store.FrontierWriter)
	if !ok {
		return
	}
	if err := fw.Enqueue(queuedOf(j)); err != nil {
		cr.fail(fmt.Errorf("store: queue %s: %w", cr.cfg.Mask.Mask(j.url), err))
	}
}

// resume seeds the visited set with every URL recorded or queued in r and
// the frontier with its queued URLs. Origins of recorded or queued pages are
// the site's (the start URL may have redirected to another origin).
//
// URLs recorded as not requested because of MaxURLs are not seen: they are
// queued again (queueRequeued), so that a resumed crawl with a higher cap
// requests them (with the same cap, they are recorded the same way again).
// Patterns recorded as traps stay traps.
func (cr *crawler) resume(r store.FrontierReader) error {
	sites := func(kind store.Kind, raw string) {
		if kind != store.KindPage {
			return
		}
		if u, err := url.Parse(raw); err == nil {
			cr.sites[urlx.Origin(u)] = true
		}
	}
	err := r.EachURL(func(u store.URL) error {
		switch u.NotRequested {
		case store.NotRequestedMaxURLs:
			cr.holdRequeue(u)
			return nil
		case store.NotRequestedMaxTime:
			return nil // still on the frontier: EachQueued below queues it
		case store.NotRequestedTrap:
			cr.traps.markTrapped(u.URL)
		case "":
			cr.queued.Add(1)
		}
		cr.seen.add(u.URL)
		if k := cr.seenKey(u.URL); k != u.URL {
			cr.seen.add(k)
		}
		sites(u.Kind, u.URL)
		if cr.cfg.Render == RenderAuto {
			cr.sample.restore(u, cr.cfg.Mask)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	return r.EachQueued(func(q store.Queued) error {
		j, err := jobOf(q)
		if err != nil {
			return nil // cannot have been queued; skip
		}
		if cr.seen.add(cr.seenKey(j.url)) {
			cr.queued.Add(1)
		}
		sites(q.Kind, q.URL)
		cr.front.push(j)
		return nil
	})
}

// holdRequeue keeps a record MaxURLs stopped for queueRequeued, in a spill
// file (there may be many).
func (cr *crawler) holdRequeue(u store.URL) {
	j := &job{url: u.URL, kind: u.Kind, depth: u.Depth}
	switch u.Kind {
	case store.KindPage:
		j.parse = parseHTML
	case store.KindAsset:
		// Its record does not say how it was used: a stylesheet is known
		// by its name.
		if p, _, _ := strings.Cut(u.URL, "?"); strings.HasSuffix(strings.ToLower(p), ".css") {
			j.parse = parseCSS
		}
		j.head = j.parse == parseNone
	case store.KindExternal:
		j.head = true
	default:
		return
	}
	if cr.requeue == nil {
		f, err := newSpillFile()
		if err != nil {
			return // queued again when a link reaches it
		}
		cr.requeue = f
	}
	_ = cr.requeue.write(j)
}

// queueRequeued queues the URLs holdRequeue kept.
func (cr *crawler) queueRequeued(ctx context.Context) {
	if cr.requeue == nil {
		return
	}
	for {
		js, err := cr.requeue.read(4096)
		for _, j := range js {
			u, perr := url.Parse(j.url)
			if perr != nil {
				continue
			}
			j.u = u
			cr.enqueue(ctx, j, nil)
		}
		if err != nil || len(js) == 0 {
			return
		}
	}
}

// releaseRequeue deletes holdRequeue's file.
func (cr *crawler) releaseRequeue() {
	if cr.requeue != nil {
		cr.requeue.close()
		cr.requeue = nil
	}
}

// requestContext returns the context colly's requests run under: it ends
// grace after ctx does, so requests in flight when the crawl is stopped
// can finish and be recorded.
func requestContext(ctx context.Context, grace time.Duration) (context.Context, func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var t atomic.Pointer[time.Timer]
	stop := context.AfterFunc(ctx, func() { t.Store(time.AfterFunc(grace, cancel)) })
	return rctx, func() {
		stop()
		if tm := t.Load(); tm != nil {
			tm.Stop()
		}
		cancel()
	}
}
