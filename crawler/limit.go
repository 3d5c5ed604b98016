package crawler

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// hostLimiter is the crawl's one politeness gate. Every request of a crawl
// passes through it, whoever makes it (pages and assets through colly,
// robots.txt, sitemaps, credential checks, anonymous comparisons): each
// host of the site has Config.Concurrency slots, and a slot is given back
// Delay after its request ends (its body closed, or its error), as colly's
// LimitRule does. Hosts outside the site share one pool of
// Config.Concurrency slots, without delay, so external checks stay polite.
//
// A request waits for a slot until its context is done.
type hostLimiter struct {
	next   http.RoundTripper
	n      int
	isSite func(*url.URL) bool
	delay  atomic.Int64 // time.Duration; raised by a robots.txt Crawl-delay

	mu     sync.Mutex
	hosts  map[string]chan struct{}
	others chan struct{}
}

func newHostLimiter(next http.RoundTripper, n int, delay time.Duration, isSite func(*url.URL) bool) *hostLimiter {
	l := &hostLimiter{next: next, n: n, isSite: isSite, hosts: map[string]chan struct{}{}, others: make(chan struct{}, n)}
	l.delay.Store(int64(delay))
	return l
}

// setDelay sets the pause after each request to a host of the site.
func (l *hostLimiter) setDelay(d time.Duration) { l.delay.Store(int64(d)) }

// slots returns the pool a request to u takes from, and the pause after
// it.
func (l *hostLimiter) slots(u *url.URL) (chan struct{}, time.Duration) {
	if !l.isSite(u) {
		return l.others, 0
	}
	host := u.Host
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.hosts[host]
	if c == nil {
		c = make(chan struct{}, l.n)
		l.hosts[host] = c
	}
	return c, time.Duration(l.delay.Load())
}

// acquire waits for a slot for a request to u, until ctx is done, and
// returns the func that gives it back (Delay later); calling it more than
// once is harmless. The renderer's requests take their slots here.
func (l *hostLimiter) acquire(ctx context.Context, u *url.URL) (func(), error) {
	pool, delay := l.slots(u)
	select {
	case pool <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if delay <= 0 {
				<-pool
				return
			}
			time.AfterFunc(delay, func() { <-pool })
		})
	}, nil
}

func (l *hostLimiter) RoundTrip(req *http.Request) (*http.Response, error) {
	release, err := l.acquire(req.Context(), req.URL)
	if err != nil {
		return nil, err
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody gives its request's slot back when closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
