package crawlaudit

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Severity ranks findings: SeverityError, SeverityWarning or
// SeverityNotice, from most to least severe.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNotice  Severity = "notice"
)

// Rank orders severities: error 3, warning 2, notice 1, anything else 0.
func (s Severity) Rank() int { return store.Severity(s).Rank() }

// Finding is one rule's verdict on one URL.
type Finding struct {
	Rule      string   // rule ID, e.g. "unauthorized-asset" (README "Rules")
	Severity  Severity // after the run's rule policy
	URL       string   // the URL the finding is about
	Message   string   // what is wrong
	Fix       string   // how to fix it: the rule's fix text
	Referrers []string // the pages (or sitemaps) that link to, use or list the URL, sorted
}

// Text is the finding in one sentence, as the outputs show it: the message,
// then "Fix:" and the fix.
func (f Finding) Text() string { return f.store().Text() }

func (f Finding) store() store.Finding {
	return store.Finding{Rule: f.Rule, Severity: store.Severity(f.Severity), URL: f.URL, Message: f.Message, Fix: f.Fix, Referrers: f.Referrers}
}

func newFinding(f store.Finding) Finding {
	return Finding{Rule: f.Rule, Severity: Severity(f.Severity), URL: f.URL, Message: f.Message, Fix: f.Fix, Referrers: f.Referrers}
}

// Kind says what a URL is to the crawl: "page" (a document of the site),
// "asset" (an image, script, stylesheet… a page uses), "sitemap", "robots"
// (a robots.txt file) or "external" (any URL on another origin: checked,
// never crawled).
type Kind string

// URL is the record of one URL the crawl requested, or met and
// deliberately did not request (robots.txt). The README's crawl.json
// section describes each field.
type URL struct {
	URL              string    // normalised absolute URL, fragment dropped
	Status           int       // HTTP status; 0 when there was no answer or no request
	Kind             Kind      // page, asset, sitemap, robots or external
	Start            bool      // the crawl's start URL
	Depth            int       // clicks from the start URL
	Method           string    // GET, or HEAD when a 2xx HEAD answer was enough
	ContentType      string    // Content-Type as sent
	Bytes            int64     // body bytes read, or Content-Length for HEAD; -1 unknown
	Truncated        bool      // the body was larger than MaxBody and was cut
	ResponseMS       int64     // time to response headers, milliseconds
	Redirect         string    // resolved Location of a 3xx answer
	WWWAuthenticate  []string  // raw WWW-Authenticate values
	NoIndex          bool      // meta robots or X-Robots-Tag says noindex
	Canonical        string    // resolved rel=canonical target
	Title            string    // <title> of an HTML page
	InSitemap        bool      // listed in a sitemap
	BlockedByRobots  bool      // robots.txt disallows it: never requested
	RobotsDisallowed bool      // robots.txt disallows it, requested or not
	Error            string    // why there is no (complete) answer
	ErrorKind        string    // Error's kind: dns, refused, reset, tls, timeout, redirect-cap, bad-redirect, proxy, other
	FetchedAt        time.Time // when the answer (or error) arrived
	Credentials      string    // "sent", "rejected-mid-crawl", or "" when the request carried none
	AnonymousStatus  int       // with CompareAnonymous: the status without credentials
	BotCheck         string    // evidence that a CDN or WAF bot check answered
	LoginForm        bool      // a 2xx HTML page with a password field
	Render           *Render   // what rendering the page found (Options.Render); nil when not rendered
}

// Render is what rendering a page in headless Chromium found, beside the
// raw HTML's title, canonical and noindex: the rendered ones, the links
// only the rendered DOM has, the requests the page made and how many
// failed, and why rendering failed. Its fields and their JSON names are
// crawl.json's "render" object (README, Rendering pages with headless
// Chromium).
type Render store.Render

func newURL(u store.URL) URL {
	return URL{
		URL: u.URL, Status: u.Status, Kind: Kind(u.Kind), Start: u.Start, Depth: u.Depth, Method: u.Method,
		ContentType: u.ContentType, Bytes: u.Bytes, Truncated: u.Truncated, ResponseMS: u.ResponseMS, Redirect: u.Redirect,
		WWWAuthenticate: u.WWWAuthenticate, NoIndex: u.NoIndex, Canonical: u.Canonical, Title: u.Title, InSitemap: u.InSitemap,
		BlockedByRobots: u.BlockedByRobots, RobotsDisallowed: u.RobotsDisallowed, Error: u.Error, ErrorKind: string(u.ErrorKind),
		FetchedAt: u.FetchedAt, Credentials: u.Credentials, AnonymousStatus: u.AnonymousStatus, BotCheck: u.BotCheck, LoginForm: u.LoginForm,
		Render: (*Render)(u.Render),
	}
}

// Edge is one reference to a URL: a link, an asset use, a redirect, a
// sitemap listing or a robots.txt Sitemap: line.
type Edge struct {
	From string // the referring URL
	To   string // the URL referred to
	Type string // "link", "asset", "redirect", "sitemap", "robots" or "render"
	Tag  string // the element or header: "a", "img", "link[rel=stylesheet]", "css", "location", …; a render edge's request type ("script", "xhr"…) or "a"
	Text string // anchor or alt text; a render edge's initiating script; may be empty
}

func newEdge(e store.Edge) Edge {
	return Edge{From: e.From, To: e.To, Type: string(e.Type), Tag: e.Tag, Text: e.Text}
}

// Phase is the part of a run that is going on.
type Phase int32

// Phases of a run, in order.
const (
	PhaseCrawl Phase = iota // requesting URLs
	PhaseAudit              // applying the rules
	PhaseWrite              // writing the output files
	PhaseDone               // finished
)

// String names the phase.
func (p Phase) String() string {
	return [...]string{"crawling", "auditing the crawl", "writing reports", "done"}[min(int(p), 3)]
}

// Progress is how far a run has got. Run updates it; a display reads it
// with Snapshot from any goroutine.
type Progress struct {
	// OnPhase, when set before the run, is called as each phase begins,
	// on the run's goroutine.
	OnPhase func(Phase)
	// OnCrawled, when set before the run, is called on the run's
	// goroutine once the crawler has returned (the last response is
	// recorded), before the after-crawl work: for measuring the crawl
	// phase apart from the audit and outputs (bench/run.sh).
	OnCrawled func()

	crawl   crawler.Progress
	workers atomic.Int64 // live workers (Options.Redis)
	refused atomic.Int64 // workers that refused the crawl
	phase   atomic.Int32
	files   atomic.Int64
	written atomic.Int64
}

// ProgressSnapshot is Progress at one moment.
type ProgressSnapshot struct {
	Phase    Phase
	Done     int64 // URLs recorded
	Queued   int64 // URLs waiting
	Requests int64 // HTTP requests sent
	Errors   int64 // URLs recorded with a 4xx/5xx status or no answer
	Files    int64 // output files to write
	Written  int64 // output files written
	// Rendering (Options.Render).
	Rendered     int64 // pages rendered
	Rendering    int64 // pages in the browser now
	RenderMemory int64 // the browser's resident memory (all its processes) after the last page, bytes
	// A crawl with workers (Options.Redis).
	Workers int64 // workers that said they were alive in the last 10 s
	Refused int64 // workers that refused the crawl (no credentials for it)
}

// Snapshot returns the current progress.
func (p *Progress) Snapshot() ProgressSnapshot {
	return ProgressSnapshot{
		Phase: Phase(p.phase.Load()), Done: p.crawl.Done.Load(), Queued: p.crawl.Queued.Load(),
		Requests: p.crawl.Requests.Load(), Errors: p.crawl.Errors.Load(), Files: p.files.Load(), Written: p.written.Load(),
		Rendered: p.crawl.Rendered.Load(), Rendering: p.crawl.Rendering.Load(), RenderMemory: p.crawl.RenderMemory.Load(),
		Workers: p.workers.Load(), Refused: p.refused.Load(),
	}
}

func (p *Progress) crawled() {
	if p != nil && p.OnCrawled != nil {
		p.OnCrawled()
	}
}

func (p *Progress) enter(ph Phase) {
	if p == nil {
		return
	}
	p.phase.Store(int32(ph))
	if p.OnPhase != nil {
		p.OnPhase(ph)
	}
}

// firstLine returns the first line of an error's text.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
