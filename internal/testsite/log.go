package testsite

import (
	"net/http"
	"strings"
	"sync"
)

// Request is what a Log keeps of one request.
type Request struct {
	Method        string // GET, HEAD, …
	URI           string // RequestURI as received: escaped path and query
	Host          string // Host header (tells servers sharing a Log apart)
	Authorization string // Authorization header values joined by ", "; empty when absent
	Cookie        string // Cookie header values joined by "; "; empty when absent
	UserAgent     string // User-Agent header
}

// Log records requests. Its zero value is an empty log ready to use; it is
// safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	reqs []Request
}

// add records r.
func (l *Log) add(r *http.Request) {
	req := Request{
		Method:        r.Method,
		URI:           r.RequestURI,
		Host:          r.Host,
		Authorization: strings.Join(r.Header.Values("Authorization"), ", "),
		Cookie:        strings.Join(r.Header.Values("Cookie"), "; "),
		UserAgent:     r.UserAgent(),
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, req)
	l.mu.Unlock()
}

// wrap returns h recording each request in l before h answers it.
func (l *Log) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.add(r)
		h.ServeHTTP(w, r)
	})
}

// Requests returns a copy of the recorded requests in the order they
// arrived.
func (l *Log) Requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Request(nil), l.reqs...)
}

// Count returns how many recorded requests (any method) were for path. A
// path with a query ("/a?x=1") must equal the RequestURI; one without counts
// every query variant too ("/a" counts "/a" and "/a?x=1"). Paths compare in
// escaped form, as sent.
func (l *Log) Count(path string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		uri := r.URI
		if !strings.Contains(path, "?") {
			uri, _, _ = strings.Cut(uri, "?")
		}
		if uri == path {
			n++
		}
	}
	return n
}
