// Package store holds the crawl's records (URLs, link edges, findings, crawl
// metadata) and the Store interface through which the crawler writes them and
// the audit rules and reports read them.
//
// The flow is one way: crawler → store → audit → report. Consumers narrow the
// interface: the crawler takes a Writer, reports take a Reader.
package store

import (
	"strings"
	"time"
)

// Kind says what a URL is to the crawl.
type Kind string

// URL kinds.
const (
	KindPage     Kind = "page"     // same-origin document reached by a link (or the start URL)
	KindAsset    Kind = "asset"    // same-origin resource a page uses (image, script, stylesheet, …)
	KindSitemap  Kind = "sitemap"  // a sitemap file
	KindRobots   Kind = "robots"   // a robots.txt file
	KindExternal Kind = "external" // any URL on another origin; checked, never crawled
)

// Kinds are every Kind, in report order.
var Kinds = []Kind{KindPage, KindAsset, KindSitemap, KindRobots, KindExternal}

// EdgeType says how a URL was reached from another one. The distinct edge
// types pointing at a URL are its "sources".
type EdgeType string

// Edge types.
const (
	EdgeLink     EdgeType = "link"     // a[href], area[href], iframe[src], link rel=canonical/alternate/next/prev
	EdgeAsset    EdgeType = "asset"    // img, script, stylesheet, media, url(...) in CSS, …
	EdgeRedirect EdgeType = "redirect" // a Location header of a 3xx answer
	EdgeSitemap  EdgeType = "sitemap"  // listed in a sitemap (or a sitemap listed in an index)
	EdgeRobots   EdgeType = "robots"   // a Sitemap: line in robots.txt
	// EdgeRender is a request a page made while it was rendered (--render),
	// its Tag the request's type as Chromium gives it ("script", "image",
	// "xhr", "fetch"…) and its Text the initiating script's URL, masked;
	// or, with Tag "a", a link found only in the rendered DOM.
	EdgeRender EdgeType = "render"
)

// RenderLinkTag is the Tag of a render edge that is a link found only in
// the rendered DOM.
const RenderLinkTag = "a"

// Role is what an edge is to the URL it points at, as the rules read it: a
// render edge is a link (Tag "a"), an asset use (a subresource the rendered
// page loaded: document, script, stylesheet, image, font, media, and the
// like), or a call (an API request of the page's scripts: xhr, fetch,
// eventsource, websocket, ping, preflight, other). Any other edge is its
// own type.
func (e Edge) Role() EdgeType {
	if e.Type != EdgeRender {
		return e.Type
	}
	if e.Tag == RenderLinkTag {
		return EdgeLink
	}
	if RenderCall(e.Tag) {
		return EdgeRenderCall
	}
	return EdgeAsset
}

// EdgeRenderCall is the Role of a render edge for an API call; no stored
// edge has it as its Type.
const EdgeRenderCall EdgeType = "render-call"

// RenderCall reports whether a render edge's Tag (a request type) is a
// call the page's scripts made rather than a subresource it loads.
func RenderCall(tag string) bool {
	switch tag {
	case "xhr", "fetch", "eventsource", "websocket", "ping", "preflight", "other", "":
		return true
	}
	return false
}

// SourceStart is the source of the start URL, which no edge points at.
const SourceStart = "start"

// URL is the record of one requested (or deliberately not requested) URL.
// Field meanings follow the crawl.json schema documented in the README.
type URL struct {
	URL             string    // normalised absolute URL, fragment dropped
	Status          int       // HTTP status of the answer; 0 when there was none
	Kind            Kind      // page, asset, sitemap, robots or external
	Start           bool      // the crawl's start URL
	Depth           int       // clicks from the start URL (assets: the using page's depth + 1)
	Method          string    // HTTP method whose answer is recorded (GET, or HEAD for 2xx assets/externals)
	ContentType     string    // Content-Type header as sent
	Bytes           int64     // body bytes read (GET) or Content-Length (HEAD); -1 when unknown
	Truncated       bool      // the body was larger than the crawl's max body size and was cut
	ResponseMS      int64     // time to response headers, in milliseconds
	Redirect        string    // resolved Location target of a 3xx answer
	WWWAuthenticate []string  // raw WWW-Authenticate header values, in order
	NoIndex         bool      // meta robots or X-Robots-Tag says noindex
	Canonical       string    // resolved rel=canonical target (link element or Link header)
	Title           string    // <title> text of HTML pages
	InSitemap       bool      // listed in a sitemap
	BlockedByRobots bool      // robots.txt disallows it: never requested
	Error           string    // why there is no answer (network, TLS, timeout, redirect cap); empty otherwise
	ErrorKind       ErrorKind // Error's kind, as data (dns, refused, timeout, …); empty when Error is
	FetchedAt       time.Time // when the answer (or error) arrived

	// Sitemaps and robots.txt (sitemap.go).
	RobotsDisallowed bool             // robots.txt disallows it for the robots agent, whether or not it was requested (--ignore-robots)
	SitemapURLs      int              // kind sitemap: entries listed (URLs, or sitemaps for an index)
	SitemapProblems  []SitemapProblem // kind sitemap: what is wrong with the file, in order; at most 100 kept

	// Authentication diagnostics (see auth.go).
	Credentials     string      // CredentialsSent, CredentialsRejectedMidCrawl, or "" when the request carried no credentials
	AnonymousStatus int         // with --compare-anonymous: status of the same URL requested without credentials; 0 when not compared or unanswered
	BotCheck        string      // evidence that a 403/429/503/999 came from a CDN/WAF bot check ("cf-mitigated: challenge", …); empty otherwise
	LoginForm       bool        // a 2xx HTML page with a password field (a login form)
	Challenges      []Challenge // WWWAuthenticate parsed (RFC 9110 section 11); nil when absent or malformed

	// URL spaces and duplicate content.
	NotRequested NotRequested // why a URL the crawl knows was not requested; "" when it was (or robots.txt blocked it: BlockedByRobots)
	TextHash     string       // 200 HTML pages: exact hash of the page's text (16 hex digits); "" otherwise
	SimHash      string       // 200 HTML pages: 64-bit SimHash of the text's word shingles (16 hex digits); "" otherwise
	Cluster      string       // a duplicate cluster's member: the URL the cluster's pages should point to (itself for that one); "" otherwise
	ClusterKind  ClusterKind  // ClusterExact or ClusterNear when Cluster is set

	// Render is what rendering the page in headless Chromium found
	// (--render); nil when it was not rendered.
	Render *Render
}

// Render is what rendering one page found, beside what its raw HTML said
// (the record's Title, Canonical and NoIndex). Its JSON form is crawl.db's
// urls.render column and crawl.json's "render" object.
type Render struct {
	// Reason says why the page was rendered: "render" (--render), or the
	// --render=auto heuristic's reason ("empty app root <div id=\"root\">").
	Reason string `json:"reason"`
	// Status is the document's status as the browser got it; 0 if none.
	Status int `json:"status,omitempty"`
	// FinalURL is where the rendered page ended (after redirects and
	// navigations of its own), when not the URL itself.
	FinalURL string `json:"final_url,omitempty"`
	// Title, Canonical and NoIndex are the rendered page's: its DOM's,
	// and NoIndex also when the response's X-Robots-Tag says noindex
	// (rendering cannot remove a header).
	Title     string `json:"title"`
	Canonical string `json:"canonical,omitempty"`
	NoIndex   bool   `json:"noindex,omitempty"`
	// Links counts the rendered DOM's distinct http(s) links; OnlyLinks
	// those the raw HTML did not have (render edges with Tag "a").
	Links     int `json:"links"`
	OnlyLinks int `json:"only_links"`
	// TextLength is the rendered body's visible text, in characters.
	TextLength int `json:"text_length"`
	// Requests counts the requests the page made (each redirect hop
	// one); Failed those answered 4xx/5xx, blocked or unanswered; Blocked
	// those robots.txt disallowed; Dropped those past the per-page cap.
	Requests int `json:"requests"`
	Failed   int `json:"failed,omitempty"`
	Blocked  int `json:"blocked,omitempty"`
	Dropped  int `json:"dropped,omitempty"`
	// NotIdle is set when the network was still busy when the page was
	// read (the idle wait ended first).
	NotIdle bool `json:"not_idle,omitempty"`
	// ErrorKind says why the page could not be (fully) rendered: "load",
	// "timeout", "crash", "script"; "" when it was. Error says it in one
	// line.
	ErrorKind string `json:"error_kind,omitempty"`
	Error     string `json:"error,omitempty"`
	// ConsoleErrors are the page's uncaught exceptions and console.error
	// messages: at most 20, each cut to 300 characters.
	ConsoleErrors []string `json:"console_errors,omitempty"`
}

// NotRequested says why a URL the crawl discovered was never requested. The
// URL is recorded all the same, with its referrers: nothing the crawl saw
// silently disappears.
type NotRequested string

// Reasons for not requesting a URL.
const (
	NotRequestedTrap    NotRequested = "trap"         // its URL pattern kept producing URLs without new content (a crawler trap)
	NotRequestedMaxURLs NotRequested = "max-urls"     // the --max-urls cap was reached
	NotRequestedMaxTime NotRequested = "max-time"     // --max-time passed (or the crawl was stopped) before its turn
	NotRequestedTooLong NotRequested = "url-too-long" // the URL is longer than the crawler follows, or repeats a path segment too often
)

// ClusterKind says how the pages of a duplicate cluster match.
type ClusterKind string

// Cluster kinds.
const (
	ClusterExact ClusterKind = "exact" // the same text
	ClusterNear  ClusterKind = "near"  // SimHashes within the near-duplicate distance
)

// ClusterMember is one page's place in a duplicate cluster: what
// Store.PutClusters writes into its record's Cluster and ClusterKind.
type ClusterMember struct {
	URL     string      // the member
	Cluster string      // the URL the cluster's pages should point to
	Kind    ClusterKind // ClusterExact or ClusterNear
}

// ErrorKind says, as data, why a URL got no (complete) answer; URL.Error
// holds the human message. The kinds are few and stable: reports group and
// filter by them.
type ErrorKind string

// Error kinds.
const (
	ErrorDNS          ErrorKind = "dns"           // the host name does not resolve
	ErrorRefused      ErrorKind = "refused"       // the connection was refused
	ErrorReset        ErrorKind = "reset"         // the connection was reset or closed without an answer
	ErrorTLS          ErrorKind = "tls"           // the TLS handshake or certificate failed
	ErrorTimeout      ErrorKind = "timeout"       // no complete answer in time
	ErrorRedirectCap  ErrorKind = "redirect-cap"  // a redirect chain longer than the crawler follows
	ErrorRedirectBad  ErrorKind = "bad-redirect"  // a redirect to a Location that is not a usable URL
	ErrorRedirectLoop ErrorKind = "redirect-loop" // the redirects from this URL come back to it
	ErrorProxy        ErrorKind = "proxy"         // the proxy refused the request (407)
	ErrorOther        ErrorKind = "other"         // any other failure
)

// Edge is one reference from a page (or sitemap, robots.txt, redirect) to a URL.
type Edge struct {
	From string   // referring URL
	To   string   // referenced URL (normalised)
	Type EdgeType // link, asset, redirect, sitemap or robots
	Tag  string   // the element or header that made it: "a", "img", "link[rel=stylesheet]", "css", "location", …
	Text string   // anchor text or alt text, trimmed; may be empty
}

// Severity ranks findings.
type Severity string

// Severities, from most to least severe.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNotice  Severity = "notice"
)

// Rank orders severities: error 3, warning 2, notice 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityNotice:
		return 1
	}
	return 0
}

// Finding is one rule's verdict on one URL.
type Finding struct {
	Rule      string   // rule ID, e.g. "unauthorized-asset"
	Severity  Severity // error, warning or notice
	URL       string   // the URL the finding is about
	Message   string   // what is wrong (before schema version 4 of crawl.db: and, after ". Fix: ", how to fix it)
	Fix       string   // how to fix it: the rule's fix text; empty in findings stored before Fix existed
	Referrers []string // pages that link to or use the URL, sorted
}

// fixSep joins a finding's message and fix in Text.
const fixSep = ". Fix: "

// Text is the finding in one sentence, what the outputs show as its
// message: Message, then ". Fix: " and Fix. A finding stored before Fix
// existed holds both in Message and reads the same.
func (f Finding) Text() string {
	if f.Fix == "" {
		return f.Message
	}
	return f.Message + fixSep + f.Fix
}

// SplitText is Text's inverse for a finding whose fix is known: it returns
// text's message when text ends with ". Fix: " and fix, else text whole
// (and an empty fix), so that a finding read back from its Text (crawl.json)
// is the finding written.
func SplitText(text, fix string) (message, fixOut string) {
	if fix != "" && strings.HasSuffix(text, fixSep+fix) {
		return strings.TrimSuffix(text, fixSep+fix), fix
	}
	return text, ""
}

// Meta describes the crawl itself.
type Meta struct {
	ToolVersion string
	StartURL    string
	StartedAt   time.Time
	FinishedAt  time.Time
	Partial     bool              // the crawl was interrupted before its frontier emptied
	Settings    map[string]string // crawl settings as text; never any credential
}

// Writer receives the crawl's results. Implementations are safe for
// concurrent use.
type Writer interface {
	// PutURL records u, replacing any earlier record of the same URL.
	PutURL(u URL) error
	// AddEdge records one edge. Edges are kept as given: the crawler
	// decides what counts as a duplicate.
	AddEdge(e Edge) error
}

// Reader gives read access to a crawl's records. Iteration order is by URL
// (edges: by target URL, then From) so outputs are deterministic.
type Reader interface {
	// Meta returns the crawl metadata.
	Meta() (Meta, error)
	// Get returns the record of one URL and whether it exists.
	Get(url string) (URL, bool, error)
	// EachURL calls fn for every URL record in URL order; fn's error stops it.
	EachURL(fn func(URL) error) error
	// EachEdge calls fn for every edge ordered by To, From, Type, Tag, Text.
	EachEdge(fn func(Edge) error) error
	// EdgesTo returns the edges pointing at url, ordered by From, Type, Tag;
	// a store may return only the first MaxEdgesTo of them.
	EdgesTo(url string) ([]Edge, error)
	// Findings returns the findings stored with PutFindings.
	Findings() ([]Finding, error)

	// The passes below could be built from the methods above. They are
	// methods so that each store answers them its cheapest way (SQLite: one
	// joined or counted query), and so that a wrapper (report's Memo, a
	// reader that adds findings) forwards them by embedding, never through
	// a type assertion that a new wrapper could silently miss.

	// EachURLInbound calls fn for every URL record in URL order with its
	// Inbound counts, taken from every edge (EdgesTo's cap does not apply).
	EachURLInbound(fn func(URL, Inbound) error) error
	// EachEdgeStatus calls fn for every edge, in EachEdge order, with the
	// status of the target's record (recorded false when it has none).
	EachEdgeStatus(fn func(e Edge, status int, recorded bool) error) error
	// LookupEdgesTo returns the edges pointing at url, as EdgesTo does,
	// for a caller that looks up a few URLs in no particular order
	// (EdgesTo is built for passes over every URL in order).
	LookupEdgesTo(url string) ([]Edge, error)
}

// Store is the whole interface: the crawler writes, audit reads and adds
// findings, reports read.
type Store interface {
	Writer
	Reader
	// SetMeta stores the crawl metadata.
	SetMeta(m Meta) error
	// PutFindings replaces the stored findings.
	PutFindings(f []Finding) error
	// PutClusters replaces every record's Cluster and ClusterKind: the
	// records of ms get theirs, every other record none. A member
	// without a record is skipped. It is called once the crawl is done.
	PutClusters(ms []ClusterMember) error
	// Close releases the store's resources.
	Close() error
}
