// Package robots fetches and interprets robots.txt once per origin, the way
// search engines do (RFC 9309 and Google's documented handling of status
// codes), and answers "may this URL be crawled?" for the crawler.
package robots

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// MaxSize is the most of a robots.txt body that is parsed; RFC 9309 section
// 2.5 asks crawlers to parse at least 500 KiB, Google stops there.
const MaxSize = 500 << 10

// MaxRedirects is how many redirect hops a robots.txt fetch follows (RFC 9309
// section 2.3.1.2: at least five).
const MaxRedirects = 5

// MaxCrawlDelay bounds the Crawl-delay a site may impose on us.
const MaxCrawlDelay = 10 * time.Second

// Errors of Rules.Err besides transport errors.
var (
	// ErrBadLocation: a redirect without a usable Location.
	ErrBadLocation = errors.New("robots: redirect without a usable Location")
	// ErrRedirectCap: more than MaxRedirects redirects.
	ErrRedirectCap = errors.New("robots: too many redirects")
)

// Rules is the outcome of fetching one origin's robots.txt.
type Rules struct {
	URL             string        // the robots.txt URL
	Status          int           // final HTTP status; 0 when there was no answer
	Hops            []Hop         // redirect hops followed, in order
	Error           string        // why there was no answer, if none
	Err             error         // the transport error behind Error, when there was one
	Sitemaps        []string      // Sitemap: lines, as written
	CrawlDelay      time.Duration // Crawl-delay of the matching group, capped at MaxCrawlDelay
	Bytes           int64         // body bytes read
	ContentType     string        // Content-Type of the final answer
	ResponseMS      int64         // time to the final answer's headers
	WWWAuthenticate []string      // challenge(s) of a 401 answer
	Unreachable     bool          // no connection at all (DNS, refused): the host is down, not just robots.txt
	// Interrupted: the fetch was cut because its context ended (the
	// crawl stopped). It says nothing about the site: neither record it
	// nor decide with it.
	Interrupted bool
	data        *robotstxt.RobotsData
	agent       string
}

// Hop is one redirect answered while fetching robots.txt.
type Hop struct {
	URL      string
	Status   int
	Location string
}

// DisallowAll reports whether the file's status made everything disallowed
// (5xx or no answer: RFC 9309 section 2.3.1.4).
func (r *Rules) DisallowAll() bool {
	if r.data != nil && r.Status >= 300 && r.Status < 400 {
		return false // redirect cap: unavailable, no restrictions
	}
	return r.Status == 0 || r.Status >= 500 || r.Status >= 300 && r.Status < 400
}

// Allowed reports whether u (an absolute URL on this origin) may be crawled
// by the agent the rules were fetched for. The robots.txt URL itself is
// always allowed.
func (r *Rules) Allowed(u *url.URL) bool {
	if u.Path == "/robots.txt" {
		return true
	}
	if r.data == nil {
		return !r.DisallowAll()
	}
	return r.data.TestAgent(anchored(u.RequestURI()), r.agent)
}

// Fetch requests origin's /robots.txt with client (whose redirects must not
// be followed: this function follows up to MaxRedirects hops itself so each
// hop is known) and interprets it per status: 2xx parsed, 4xx (401 and 403
// included) no restrictions, 5xx or no answer disallow everything.
// agent is the product token whose group applies, e.g. "crawlaudit".
func Fetch(ctx context.Context, client *http.Client, origin, agent, userAgent string) *Rules {
	target := strings.TrimSuffix(origin, "/") + "/robots.txt"
	r := &Rules{URL: target, agent: strings.ToLower(agent)}
	for hop := 0; ; hop++ {
		status, body, resp, ms, err := get(ctx, client, target, userAgent)
		if err != nil {
			r.Error, r.Err = err.Error(), err
			r.Status = 0
			r.Interrupted = ctx.Err() != nil
			r.Unreachable = !r.Interrupted && unreachable(err)
			break
		}
		r.Status = status
		r.ResponseMS = ms
		r.ContentType = resp.Header.Get("Content-Type")
		r.WWWAuthenticate = resp.Header.Values("WWW-Authenticate")
		if status >= 300 && status < 400 {
			loc := resp.Header.Get("Location")
			next, perr := url.Parse(target)
			if perr == nil && loc != "" {
				next, perr = next.Parse(loc)
			}
			if loc == "" || perr != nil {
				// A 3xx without a usable Location is no answer at all.
				r.Error, r.Err = "redirect without a usable Location", ErrBadLocation
				r.Status = status
				break
			}
			r.Hops = append(r.Hops, Hop{URL: target, Status: status, Location: next.String()})
			if hop+1 > MaxRedirects {
				// RFC 9309 section 2.3.1.2: past five hops crawlers may
				// treat robots.txt as unavailable, which (like a 4xx)
				// means no restrictions; Google does the same.
				r.Error, r.Err = fmt.Sprintf("more than %d redirects: treated as unavailable (no restrictions)", MaxRedirects), ErrRedirectCap
				r.data, _ = robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
				break
			}
			target = next.String()
			continue
		}
		r.Bytes = int64(len(body))
		r.interpret(status, body)
		break
	}
	return r
}

// Parse interprets a robots.txt answer without fetching it: status and
// body as Fetch would have received them, for agent. It is what Fetch does
// after the last redirect, exposed for tests and fuzzing.
func Parse(status int, body []byte, agent string) *Rules {
	r := &Rules{Status: status, agent: strings.ToLower(agent), Bytes: int64(len(body))}
	if len(body) > MaxSize {
		body = body[:MaxSize]
	}
	r.interpret(status, body)
	return r
}

// interpret parses body by status: temoto/robotstxt's status-aware
// constructor gives 2xx parsed rules, 4xx allow-all and 5xx disallow-all
// (RFC 9309 section 2.3.1).
func (r *Rules) interpret(status int, body []byte) {
	r.Status = status
	if status < 200 || status >= 600 {
		return
	}
	data, err := robotstxt.FromStatusAndBytes(status, anchorRules(body))
	if err != nil {
		return
	}
	r.data = data
	r.Sitemaps = data.Sitemaps
	if status < 300 {
		if g := data.FindGroup(r.agent); g != nil {
			r.CrawlDelay = min(max(g.CrawlDelay, 0), MaxCrawlDelay)
		}
	}
}

// unreachable reports whether err happened before any connection was made:
// the name did not resolve or the connection was refused.
func unreachable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var down interface{ Unreachable() bool } // e.g. a proxy that wants credentials (crawler.ProxyAuthError)
	return errors.As(err, &dnsErr) || errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &down) && down.Unreachable()
}

func get(ctx context.Context, client *http.Client, target, userAgent string) (int, []byte, *http.Response, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, nil, 0, err
	}
	req.Header.Set("User-Agent", userAgent)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, nil, 0, err
	}
	defer resp.Body.Close()
	ms := time.Since(start).Milliseconds()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize))
	if err != nil {
		return 0, nil, nil, 0, err
	}
	return resp.StatusCode, body, resp, ms, nil
}

// Cache fetches each origin's robots.txt once and keeps the result. It is
// safe for concurrent use; callers for the same origin wait for one fetch.
type Cache struct {
	fetch func(ctx context.Context, origin string) *Rules
	mu    sync.Mutex
	m     map[string]*entry
}

type entry struct {
	once  sync.Once
	rules *Rules
}

// NewCache returns a Cache that calls fetch at most once per origin.
func NewCache(fetch func(ctx context.Context, origin string) *Rules) *Cache {
	return &Cache{fetch: fetch, m: map[string]*entry{}}
}

// Get returns origin's rules, fetching them on first use. The bool is true
// for the caller that did the fetch.
func (c *Cache) Get(ctx context.Context, origin string) (*Rules, bool) {
	c.mu.Lock()
	e := c.m[origin]
	if e == nil {
		e = &entry{}
		c.m[origin] = e
	}
	c.mu.Unlock()
	first := false
	e.once.Do(func() {
		e.rules = c.fetch(ctx, origin)
		first = true
	})
	if first && e.rules.Interrupted {
		// Forget it: a later Get (a resumed crawl's, or one with a live
		// context) fetches again.
		c.mu.Lock()
		if c.m[origin] == e {
			delete(c.m, origin)
		}
		c.mu.Unlock()
	}
	return e.rules, first
}
