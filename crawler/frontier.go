package crawler

import (
	"hash/maphash"
	"net/url"
	"sync"
	"sync/atomic"
)

// frontier is the bounded-concurrency work queue: a FIFO of jobs (small
// values: URL, kind, depth) plus the count of jobs being worked on. Workers
// block in pop until a job is there, or until no job is queued and none is
// being worked on (the crawl is done), or until the frontier is closed.
type frontier struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []*job
	head   int
	busy   int
	closed bool
	n      *atomic.Int64 // jobs queued, for Progress
}

func newFrontier(n *atomic.Int64) *frontier {
	f := &frontier{n: n}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// push queues j. A queued job does not keep its parsed URL (most of a
// job's bytes; a million-page site can queue a million jobs at once from
// its sitemaps): pop parses it again.
func (f *frontier) push(j *job) {
	j.u = nil
	f.mu.Lock()
	f.q = append(f.q, j)
	f.mu.Unlock()
	f.n.Add(1)
	f.cond.Signal()
}

// pop returns the next job, or false when the crawl is over.
func (f *frontier) pop() (*job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.closed && f.head == len(f.q) && f.busy > 0 {
		f.cond.Wait()
	}
	if f.closed || f.head == len(f.q) {
		f.cond.Broadcast()
		return nil, false
	}
	j := f.q[f.head]
	if j.u == nil {
		u, err := url.Parse(j.url)
		if err != nil { // it parsed when it was queued
			u = &url.URL{}
		}
		j.u = u
	}
	f.q[f.head] = nil
	f.head++
	f.n.Add(-1)
	if f.head > 1024 && f.head*2 > len(f.q) {
		f.q = append([]*job(nil), f.q[f.head:]...)
		f.head = 0
	}
	f.busy++
	return j, true
}

// done marks one popped job finished.
func (f *frontier) done() {
	f.mu.Lock()
	f.busy--
	idle := f.busy == 0 && f.head == len(f.q)
	f.mu.Unlock()
	if idle {
		f.cond.Broadcast()
	}
}

// close stops the crawl: pop returns false from now on.
func (f *frontier) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cond.Broadcast()
}

// pending returns the jobs queued and not started.
func (f *frontier) pending() []*job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*job(nil), f.q[f.head:]...)
}

// seenSet remembers which URLs were queued, as 64-bit hashes so that it
// stays small (8 bytes of key per URL) on million-URL crawls. A collision
// needs ~4 billion URLs to become likely.
type seenSet struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[uint64]struct{}
}

func newSeenSet() *seenSet {
	return &seenSet{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}}
}

// add reports whether s was new.
func (s *seenSet) add(u string) bool {
	h := maphash.String(s.seed, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[h]; ok {
		return false
	}
	s.m[h] = struct{}{}
	return true
}

func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
