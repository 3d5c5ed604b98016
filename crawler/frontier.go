package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// frontier is the bounded-concurrency work queue: a FIFO of jobs (small
// values: URL, kind, depth) plus the count of jobs being worked on. Workers
// block in pop until a job is there, or until no job is queued and none is
// being worked on (the crawl is done), or until the frontier is closed.
//
// At most memJobs jobs are held in memory: a million-page site queues a
// million URLs from its sitemaps at once. Beyond that, jobs go in order to a
// spill file (a temporary file, deleted as soon as it is open) and are read
// back when the jobs in memory run out, so the queue stays FIFO. If the
// spill file cannot be used, jobs stay in memory.
type frontier struct {
	mu      sync.Mutex
	cond    *sync.Cond
	q       []*job
	head    int
	busy    int
	closed  bool
	n       *atomic.Int64 // jobs queued, for Progress
	spill   *spillFile    // nil until the queue first outgrows memJobs
	spilled int           // jobs in the spill file not read back yet
	memJobs int
}

// memJobs is how many queued jobs the frontier holds in memory (about
// 100 bytes each); refillJobs how many it reads back from the spill file at
// a time.
const (
	memJobs    = 50000
	refillJobs = memJobs / 2
)

// frontierMemJobs is memJobs; tests lower it to make crawls spill.
var frontierMemJobs = memJobs

func newFrontier(n *atomic.Int64) *frontier {
	f := &frontier{n: n, memJobs: frontierMemJobs}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// push queues j. A queued job does not keep its parsed URL (most of a
// job's bytes): pop parses it again.
func (f *frontier) push(j *job) {
	j.u = nil
	f.mu.Lock()
	if !f.toSpill(j) {
		f.q = append(f.q, j)
	}
	f.mu.Unlock()
	f.n.Add(1)
	f.cond.Signal()
}

// toSpill writes j to the spill file if the jobs in memory are at their cap
// or earlier jobs are already there (order is kept), and reports whether it
// did. The caller holds mu.
func (f *frontier) toSpill(j *job) bool {
	if f.spilled == 0 && len(f.q)-f.head < f.memJobs {
		return false
	}
	if f.spill == nil {
		sf, err := newSpillFile()
		if err != nil {
			f.memJobs = int(^uint(0) >> 1) // no spill file: keep everything in memory
			return false
		}
		f.spill = sf
	}
	if err := f.spill.write(j); err != nil {
		return false
	}
	f.spilled++
	return true
}

// refill reads jobs back from the spill file once memory holds none. The
// caller holds mu. A read error loses nothing already recorded: the jobs
// are still in the crawl database's frontier for a resumed crawl.
func (f *frontier) refill() {
	if f.head < len(f.q) || f.spilled == 0 {
		return
	}
	js, err := f.spill.read(min(refillJobs, f.spilled))
	f.spilled -= len(js)
	if err != nil || len(js) == 0 {
		f.n.Add(-int64(f.spilled))
		f.spilled = 0 // unreadable: give up on the rest rather than wait forever
	}
	f.q = append(f.q[:0], js...)
	f.head = 0
}

// pop returns the next job, or false when the crawl is over.
func (f *frontier) pop() (*job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refill()
	for !f.closed && f.head == len(f.q) && f.busy > 0 {
		f.cond.Wait()
		f.refill()
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
	idle := f.busy == 0 && f.head == len(f.q) && f.spilled == 0
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

// pending returns the jobs queued and not started, reading back the spill
// file. It is for the end of a crawl.
func (f *frontier) pending() []*job {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]*job(nil), f.q[f.head:]...)
	if f.spilled > 0 {
		js, _ := f.spill.read(f.spilled)
		out = append(out, js...)
		f.q = append(f.q, js...)
		f.spilled = 0
	}
	return out
}

// release deletes the spill file. The frontier must not be used after.
func (f *frontier) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.spill != nil {
		f.spill.close()
		f.spill = nil
	}
}

// spillFile is a FIFO of jobs in a temporary file: appended at wOff
// (buffered), read from rOff. One line per job: kind, depth, hops, parse,
// flags, URL, tab-separated (a URL that parsed has no tab or newline).
type spillFile struct {
	f    *os.File
	wbuf []byte
	wOff int64
	rOff int64
}

// spillFiles counts the spill files opened, so that tests can tell a
// crawl did spill.
var spillFiles atomic.Int64

func newSpillFile() (*spillFile, error) {
	f, err := os.CreateTemp("", "crawlaudit-frontier-*")
	if err != nil {
		return nil, err
	}
	spillFiles.Add(1)
	os.Remove(f.Name()) // the open file stays readable; nothing is left behind
	return &spillFile{f: f}, nil
}

// close closes (and so deletes) the file.
func (s *spillFile) close() { s.f.Close() }

func (s *spillFile) write(j *job) error {
	flags := 0
	for i, b := range []bool{j.head, j.start, j.disallowed} {
		if b {
			flags |= 1 << i
		}
	}
	s.wbuf = fmt.Appendf(s.wbuf, "%s\t%d\t%d\t%d\t%d\t%s\n", j.kind, j.depth, j.hops, j.parse, flags, j.url)
	if len(s.wbuf) >= 64<<10 {
		return s.flush()
	}
	return nil
}

func (s *spillFile) flush() error {
	n, err := s.f.WriteAt(s.wbuf, s.wOff)
	s.wOff += int64(n)
	s.wbuf = s.wbuf[n:]
	if err != nil {
		return err
	}
	s.wbuf = s.wbuf[:0]
	return nil
}

// read returns up to n jobs from the front of the file.
func (s *spillFile) read(n int) ([]*job, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	var out []*job
	buf := make([]byte, 64<<10)
	for len(out) < n && s.rOff < s.wOff {
		m, err := s.f.ReadAt(buf[:min(int64(len(buf)), s.wOff-s.rOff)], s.rOff)
		if m == 0 {
			return out, err
		}
		chunk := buf[:m]
		for len(out) < n {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				break
			}
			j, err := parseSpilled(string(chunk[:i]))
			if err != nil {
				return out, err
			}
			out = append(out, j)
			s.rOff += int64(i + 1)
			chunk = chunk[i+1:]
		}
		if len(chunk) == m { // a line longer than the buffer
			buf = make([]byte, 2*len(buf))
		}
	}
	return out, nil
}

func parseSpilled(line string) (*job, error) {
	f := strings.SplitN(line, "\t", 6)
	if len(f) != 6 {
		return nil, fmt.Errorf("frontier: bad spill line")
	}
	depth, err1 := strconv.Atoi(f[1])
	hops, err2 := strconv.Atoi(f[2])
	parse, err3 := strconv.Atoi(f[3])
	flags, err4 := strconv.Atoi(f[4])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("frontier: bad spill line: %w", err)
	}
	kind := store.Kind(f[0])
	for _, k := range store.Kinds {
		if kind == k {
			kind = k // the constant, not a copy
		}
	}
	return &job{url: f[5], kind: kind, depth: depth, hops: hops, parse: parseMode(parse),
		head: flags&1 != 0, start: flags&2 != 0, disallowed: flags&4 != 0}, nil
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

// has reports whether u was added.
func (s *seenSet) has(u string) bool {
	h := maphash.String(s.seed, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[h]
	return ok
}

func (s *seenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
