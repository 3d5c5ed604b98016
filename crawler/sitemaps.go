package crawler

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crawlaudit/crawlaudit/internal/robots"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/sitemap"
)

// Sitemap discovery and reading. Sitemaps are read before the pages are
// crawled, so that every URL a sitemap lists is known when its record is
// written (InSitemap), and so that MaxURLs can keep room for them. Pages
// linked from the site keep their click depth: the listed URLs that no link
// reached take their turn once the pages within listedAfter clicks are done
// (frontier.pop), as entry points of depth 0, before anything deeper.

// MaxSitemapDepth is how many levels of sitemap indexes are followed: an
// index listing sitemaps is level 1, an index listed by an index level 2.
// Google reads no nested indexes; other crawlers do, so a little nesting is
// followed and deeper levels are reported (sitemap-invalid).
const MaxSitemapDepth = 3

// maxSitemapFiles bounds the sitemap files read in one crawl: one index may
// list 50,000 sitemaps.
const maxSitemapFiles = 1000

// maxListed bounds the listed URLs remembered for InSitemap (files × 50,000
// could otherwise be large); past it, further listed URLs are not crawled
// and a warning says so. A listed URL costs about 10 bytes of memory (a
// hash), plus its line in the order file.
const maxListed = 2_000_000

// maxSitemapProblems is how many problems are kept per sitemap record.
const maxSitemapProblems = 100

// sitemapJob is one sitemap file to read.
type sitemapJob struct {
	url       string
	u         *url.URL
	ancestors []string // the indexes that led here, outermost first
	cross     []string // origins whose robots.txt (or the user) submitted it: in scope
	guessed   bool     // a conventional location (/sitemap.xml), named nowhere
}

// sitemaps holds what reading the sitemaps found. listed and order are
// written only while sitemaps are read (before pages are crawled) and only
// read afterwards.
type sitemaps struct {
	mu       sync.Mutex
	files    map[string]bool     // sitemap URLs scheduled or read
	seed     maphash.Seed        // of listed
	listed   map[uint64]struct{} // hashes of the URLs listed by any sitemap (in scope)
	order    *spillFile          // listed URLs in first-listed order; nil: in orderMem
	orderMem []string
	memAt    int  // the next of orderMem to hand out (nextListed)
	full     bool // maxListed reached
}

// isListed reports whether a sitemap lists u. Safe once reading is over.
func (s *sitemaps) isListed(u string) bool {
	if s == nil {
		return false
	}
	_, ok := s.listed[maphash.String(s.seed, u)]
	return ok
}

// list remembers that a sitemap lists u and reports whether it was new.
// The caller holds mu.
func (s *sitemaps) list(u string) bool {
	h := maphash.String(s.seed, u)
	if _, ok := s.listed[h]; ok {
		return false
	}
	if len(s.listed) >= maxListed {
		s.full = true
		return false
	}
	s.listed[h] = struct{}{}
	if s.order == nil && s.orderMem == nil {
		if f, err := newSpillFile(); err == nil {
			s.order = f
		}
	}
	if s.order != nil && s.order.write(&job{url: u, kind: store.KindPage}) == nil {
		return true
	}
	s.orderMem = append(s.orderMem, u) // no file: in memory
	return true
}

// hasListed reports whether listed URLs are left to hand out.
func (s *sitemaps) hasListed() bool {
	return s != nil && (s.order != nil || s.memAt < len(s.orderMem))
}

// nextListed returns up to n listed URLs, in first-listed order, after
// those it returned before; none once all were. The order file is deleted
// once read. One caller at a time (the sitemaps' turn, or the end of the
// crawl).
func (s *sitemaps) nextListed(n int) []string {
	if s == nil {
		return nil
	}
	if s.order != nil {
		js, err := s.order.read(n)
		if err != nil || len(js) < n {
			s.order.close()
			s.order = nil
		}
		if len(js) > 0 {
			out := make([]string, len(js))
			for i, j := range js {
				out[i] = j.url
			}
			return out
		}
	}
	out := s.orderMem[s.memAt:min(s.memAt+n, len(s.orderMem))]
	s.memAt += len(out)
	return out
}

// readSitemaps discovers the site's sitemaps (robots.txt Sitemap: lines;
// else /sitemap.xml and /sitemap_index.xml; plus Config.Sitemaps), reads
// them and the sitemaps their indexes list, level by level, with at most
// Config.Concurrency fetches at once, and records each file, its edges and
// the URLs it lists.
func (cr *crawler) readSitemaps(ctx context.Context, start *url.URL, rules *robots.Rules, client *http.Client) {
	sm := &sitemaps{files: map[string]bool{}, seed: maphash.MakeSeed(), listed: map[uint64]struct{}{}}
	cr.sm = sm
	origin := urlx.Origin(start)
	robotsURL := rules.URL
	if n := len(rules.Hops); n > 0 {
		robotsURL = rules.Hops[n-1].Location
	}
	var level []sitemapJob
	add := func(raw, what string, guessed bool) {
		u, err := urlx.Parse(raw)
		if err != nil {
			cr.warn(fmt.Sprintf("%s names an unusable sitemap URL %q: %v", what, cr.cfg.Mask.Mask(raw), err))
			return
		}
		s := u.String()
		if sm.files[s] {
			return
		}
		sm.files[s] = true
		// The start origin's robots.txt (or the user) submitted it, so it
		// may list that origin's URLs wherever it lives (cross-submission).
		level = append(level, sitemapJob{url: s, u: u, cross: []string{origin}, guessed: guessed})
	}
	for _, s := range rules.Sitemaps {
		before := len(level)
		add(s, "robots.txt", false)
		if len(level) > before {
			cr.edge(store.Edge{From: robotsURL, To: level[len(level)-1].url, Type: store.EdgeRobots, Tag: "sitemap"})
		}
	}
	if len(rules.Sitemaps) == 0 {
		add(origin+"/sitemap.xml", "", true)
		add(origin+"/sitemap_index.xml", "", true)
	}
	for _, s := range cr.cfg.Sitemaps {
		add(s, "--sitemap", false)
	}
	files := 0
	for depth := 0; len(level) > 0 && ctx.Err() == nil; depth++ {
		var next []sitemapJob
		var mu sync.Mutex
		var g errgroup.Group
		g.SetLimit(cr.cfg.Concurrency)
		for _, j := range level {
			if files >= maxSitemapFiles {
				cr.warn(fmt.Sprintf("more than %d sitemap files: the rest were not read", maxSitemapFiles))
				break
			}
			files++
			g.Go(func() error {
				kids := cr.readSitemap(ctx, sm, j, client, depth)
				mu.Lock()
				next = append(next, kids...)
				mu.Unlock()
				return nil
			})
		}
		_ = g.Wait() // readSitemap records its failures; it returns none
		level = next
	}
	if sm.full {
		cr.warn(fmt.Sprintf("sitemaps list more than %d URLs: the rest are not crawled", maxListed))
	}
}

// readSitemap fetches one sitemap (following up to robots.MaxRedirects
// redirects, each hop its own record), parses it, records it and returns the
// child sitemaps of an index.
func (cr *crawler) readSitemap(ctx context.Context, sm *sitemaps, j sitemapJob, client *http.Client, depth int) []sitemapJob {
	target, tu := j.url, j.u
	for hop := 0; ; hop++ {
		rec := store.URL{URL: target, Kind: store.KindSitemap, Method: http.MethodGet, Bytes: -1}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil
		}
		req.Header.Set("User-Agent", cr.cfg.UserAgent)
		started := cr.now()
		cr.requests.Add(1)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted: not an answer
			}
			rec.Error, rec.ErrorKind = describe(err, client.Timeout, cr.cfg.Mask)
			rec.FetchedAt = cr.now().UTC()
			cr.putSitemap(rec)
			return nil
		}
		rec.Status = resp.StatusCode
		rec.ContentType = resp.Header.Get("Content-Type")
		rec.ResponseMS = cr.now().Sub(started).Milliseconds()
		rec.WWWAuthenticate = resp.Header.Values("WWW-Authenticate")
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			_ = resp.Body.Close()
			loc, err := urlx.Resolve(tu, resp.Header.Get("Location"))
			rec.FetchedAt = cr.now().UTC()
			if err != nil || strings.TrimSpace(resp.Header.Get("Location")) == "" {
				rec.Error, rec.ErrorKind = "redirect to an unusable Location", store.ErrorRedirectBad
				cr.putSitemap(rec)
				return nil
			}
			rec.Redirect = loc
			if hop >= robots.MaxRedirects {
				rec.Error, rec.ErrorKind = fmt.Sprintf("redirect chain longer than %d hops: not followed further", robots.MaxRedirects), store.ErrorRedirectCap
				cr.putSitemap(rec)
				return nil
			}
			cr.putSitemap(rec)
			cr.edge(store.Edge{From: target, To: loc, Type: store.EdgeRedirect, Tag: "location"})
			sm.mu.Lock()
			again := sm.files[loc] && loc != j.url
			sm.files[loc] = true
			sm.mu.Unlock()
			if again {
				return nil // read through another path already
			}
			target = loc
			tu, _ = url.Parse(loc)
			continue
		}
		defer resp.Body.Close()
		if j.guessed && hop == 0 && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) {
			// No sitemap at the conventional location: nothing to record.
			return nil
		}
		if resp.StatusCode != http.StatusOK {
			// A status is data: sitemap-unavailable reports it. The body
			// is not a sitemap.
			n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, int64(cr.cfg.MaxBody)))
			rec.Bytes = n
			rec.FetchedAt = cr.now().UTC()
			cr.putSitemap(rec)
			return nil
		}
		return cr.parseSitemap(ctx, sm, j, tu, resp.Body, rec, depth)
	}
}

// parseSitemap streams body through the sitemap parser, records the listed
// URLs and edges, and writes the sitemap's record.
func (cr *crawler) parseSitemap(ctx context.Context, sm *sitemaps, j sitemapJob, tu *url.URL, body io.Reader, rec store.URL, depth int) []sitemapJob {
	counted := &countReader{r: body}
	var kids []sitemapJob
	var extra []store.SitemapProblem
	chain := append(append([]string(nil), j.ancestors...), j.url)
	if tu.String() != j.url {
		chain = append(chain, tu.String())
	}
	cfg := sitemap.Config{MaxBytes: cr.cfg.MaxSitemapBytes, MaxProblems: maxSitemapProblems, CrossOrigins: j.cross, Now: cr.now}
	res, err := sitemap.Parse(counted, tu, cfg, func(e sitemap.Entry) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.Sitemap {
			cr.edge(store.Edge{From: tu.String(), To: e.URL, Type: store.EdgeSitemap, Tag: "sitemap"})
			for _, a := range chain {
				if a == e.URL {
					extra = append(extra, store.SitemapProblem{Kind: store.SitemapLoop, URL: e.URL,
						Message: "the index lists itself or an index that led to it: read once, not again"})
					return nil
				}
			}
			if depth+1 >= MaxSitemapDepth {
				extra = append(extra, store.SitemapProblem{Kind: store.SitemapTooDeep, URL: e.URL,
					Message: fmt.Sprintf("sitemap indexes nested more than %d deep: not read (Google reads no nested indexes at all)", MaxSitemapDepth-1)})
				return nil
			}
			sm.mu.Lock()
			again := sm.files[e.URL]
			sm.files[e.URL] = true
			sm.mu.Unlock()
			if !again {
				u, _ := url.Parse(e.URL)
				kids = append(kids, sitemapJob{url: e.URL, u: u, ancestors: chain, cross: j.cross})
			}
			return nil
		}
		cr.edge(store.Edge{From: tu.String(), To: e.URL, Type: store.EdgeSitemap, Tag: "loc"})
		sm.mu.Lock()
		if sm.list(e.URL) && !cr.seen.has(e.URL) {
			cr.listedLeft.Add(1) // room kept under MaxURLs
		}
		sm.mu.Unlock()
		return nil
	})
	rec.Bytes = counted.n
	rec.FetchedAt = cr.now().UTC()
	rec.SitemapURLs = res.URLs
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted: leave it unrecorded
		}
		rec.Error, rec.ErrorKind = describe(err, 4*cr.cfg.Timeout, cr.cfg.Mask)
		rec.Error = "incomplete answer: " + rec.Error
	}
	for _, p := range res.Problems {
		rec.SitemapProblems = append(rec.SitemapProblems, store.SitemapProblem{Kind: string(p.Kind), URL: p.URL, Message: lineMsg(p)})
	}
	rec.SitemapProblems = append(rec.SitemapProblems, extra...)
	more := res.MoreProblems
	if n := len(rec.SitemapProblems); n > maxSitemapProblems {
		more += n - maxSitemapProblems
		rec.SitemapProblems = rec.SitemapProblems[:maxSitemapProblems]
	}
	if more > 0 {
		rec.SitemapProblems = append(rec.SitemapProblems, store.SitemapProblem{Kind: store.SitemapMore, Message: fmt.Sprintf("%d more problems not kept", more)})
	}
	cr.putSitemap(rec)
	return kids
}

func lineMsg(p sitemap.Problem) string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return p.Message
}

// putSitemap writes a sitemap record and marks its URL seen, so a page
// linking to the sitemap does not fetch it again as a page.
func (cr *crawler) putSitemap(rec store.URL) {
	cr.seen.add(rec.URL)
	cr.put(rec)
}

// listedBatch is how many listed URLs one sitemaps' turn queues.
const listedBatch = 256

// turn is the sitemaps' turn (frontier.pop): it queues the next listed URLs
// that no link reached, as entry points of depth 0 (their own links then
// go on at depth 1), and reports whether listed URLs are left. A listed URL
// the crawl does not request (out of scope, or external with NoExternal)
// gives back the room MaxURLs kept for it.
func (cr *crawler) turn(ctx context.Context) bool {
	for _, s := range cr.sm.nextListed(listedBatch) {
		if ctx.Err() != nil {
			break
		}
		if j := cr.listedJob(s); j != nil {
			cr.enqueue(ctx, j, nil)
		} else {
			cr.listedLeft.Add(-1)
		}
	}
	return cr.sm.hasListed()
}

// listedUnreached reports whether some URL a sitemap lists, which the crawl
// would request, was never queued: a crawl stopped before the sitemaps'
// last turn lacks it. It uses up the listing.
func (cr *crawler) listedUnreached() bool {
	for {
		batch := cr.sm.nextListed(4096)
		if len(batch) == 0 {
			return false
		}
		for _, s := range batch {
			if j := cr.listedJob(s); j != nil && !cr.seen.has(cr.seenKey(j.url)) {
				return true
			}
		}
	}
}

// listedJob returns the job of a listed URL, or nil when the crawl does
// not request it (out of scope, or external with NoExternal).
func (cr *crawler) listedJob(s string) *job {
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	j := &job{url: s, u: u, kind: store.KindPage, parse: parseHTML}
	if !cr.isSite(u) {
		if cr.cfg.NoExternal {
			return nil
		}
		j.kind, j.parse, j.head = store.KindExternal, parseNone, true
	} else if !cr.inScope(s) {
		return nil
	}
	return j
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// sitemapClient is the HTTP client for sitemaps: redirects are followed by
// readSitemap hop by hop, and a whole file (up to 50 MiB) may take longer
// than one page, so the time limit is four page timeouts.
func sitemapClient(transport http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     transport,
		Timeout:       4 * timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
