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

// frontier is the bounded-concurrency work queue: jobs (small values: URL,
// kind, depth) in order of priority, plus the count of jobs being worked on.
// Workers block in pop until a job is there, or until no job is queued and
// none is being worked on (the crawl is done), or until the frontier is
// closed.
//
// Priority is click depth: a job of depth d waits behind every job of a
// smaller depth (first in, first out within a depth), so a crawl stopped by
// --max-time or capped by --max-urls has covered the shallow pages, where a
// site's real pages are, before the deep ones, where infinite spaces grow
// (each step into a calendar or an endless pagination is one click deeper).
// Depths of maxPrio and more share the last level. The URLs that sitemaps
// list and no link has reached take their turn once no job of a depth up to
// listedAfter is left, queued or being worked on (see crawler.turn): the
// sitemaps' pages come before anything deeper.
//
// At most memJobs jobs are held in memory in all: a million-page site queues
// a million URLs from its sitemaps at once. Beyond that, a level's jobs go in
// order to its own spill file (a temporary file, deleted as soon as it is
// open) and are read back when the level's jobs in memory run out, so each
// level stays first in, first out. If a spill file cannot be used, jobs stay
// in memory.
type frontier struct {
	mu      sync.Mutex
	cond    *sync.Cond
	levels  [maxPrio + 1]level
	inMem   int // jobs held in memory, all levels
	busy    int
	shallow int // jobs being worked on that may queue jobs of a depth up to listedAfter
	closed  bool
	n       *atomic.Int64 // jobs queued, for Progress
	memJobs int

	// The sitemaps' turn: listed says listed URLs are left to queue, and
	// turnOut that a worker is queueing some (turn).
	listed, turnOut bool
}

// level is the jobs of one priority: those in memory (q[head:]) first,
// then spilled ones.
type level struct {
	q       []*job
	head    int
	spill   *spillFile // nil until the level first spills
	spilled int        // jobs in the spill file not read back yet
}

func (l *level) empty() bool { return l.head == len(l.q) && l.spilled == 0 }

// maxPrio is the deepest level of its own; listedAfter the depth after
// which the sitemaps' listed URLs take their turn.
const (
	maxPrio     = 63
	listedAfter = 3
)

// memJobs is how many queued jobs the frontier holds in memory (about
// 100 bytes each); refillJobs how many it reads back from a spill file at
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

// prio is the level of j.
func prio(j *job) int { return min(max(j.depth, 0), maxPrio) }

// push queues j. A queued job does not keep its parsed URL (most of a
// job's bytes): pop parses it again.
func (f *frontier) push(j *job) {
	j.u = nil
	f.mu.Lock()
	l := &f.levels[prio(j)]
	if !f.toSpill(l, j) {
		l.q = append(l.q, j)
		f.inMem++
	}
	f.mu.Unlock()
	f.n.Add(1)
	f.cond.Signal()
}

// pushAll queues js, in order, at once: no worker pops one of them before
// all are queued.
func (f *frontier) pushAll(js []*job) {
	if len(js) == 0 {
		return
	}
	f.mu.Lock()
	for _, j := range js {
		j.u = nil
		l := &f.levels[prio(j)]
		if !f.toSpill(l, j) {
			l.q = append(l.q, j)
			f.inMem++
		}
	}
	f.mu.Unlock()
	f.n.Add(int64(len(js)))
	f.cond.Broadcast()
}

// toSpill writes j to its level's spill file if the jobs in memory are at
// their cap or earlier jobs of the level are already there (order is kept),
// and reports whether it did. The caller holds mu.
func (f *frontier) toSpill(l *level, j *job) bool {
	if l.spilled == 0 && f.inMem < f.memJobs {
		return false
	}
	if l.spill == nil {
		sf, err := newSpillFile()
		if err != nil {
			f.memJobs = int(^uint(0) >> 1) // no spill file: keep everything in memory
			return false
		}
		l.spill = sf
	}
	if err := l.spill.write(j); err != nil {
		return false
	}
	l.spilled++
	return true
}

// refill reads jobs of l back from its spill file once l holds none in
// memory. The caller holds mu. A read error loses nothing already recorded:
// the jobs are still in the crawl database's frontier for a resumed crawl.
func (f *frontier) refill(l *level) {
	if l.head < len(l.q) || l.spilled == 0 {
		return
	}
	js, err := l.spill.read(min(refillJobs, l.spilled))
	l.spilled -= len(js)
	if err != nil || len(js) == 0 {
		f.n.Add(-int64(l.spilled))
		l.spilled = 0 // unreadable: give up on the rest rather than wait forever
	}
	l.q = append(l.q[:0], js...)
	l.head = 0
	f.inMem += len(js)
}

// next returns the first level holding jobs, or nil. The caller holds mu.
func (f *frontier) next() (*level, int) {
	for i := range f.levels {
		if l := &f.levels[i]; !l.empty() {
			return l, i
		}
	}
	return nil, -1
}

// pop returns the next job, or false when the crawl is over. The job may
// be the sitemaps' turn (job.turn): the worker then queues listed URLs
// (crawler.turn) and calls turnDone, then done.
func (f *frontier) pop() (*job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if f.closed {
			f.cond.Broadcast()
			return nil, false
		}
		l, p := f.next()
		if f.listed && !f.turnOut && f.shallow == 0 && (l == nil || p > listedAfter) {
			f.turnOut = true
			f.busy++
			return &job{turn: true}, true
		}
		if l != nil {
			f.refill(l)
			return f.take(l), true
		}
		if f.busy == 0 && !f.turnOut {
			f.cond.Broadcast()
			return nil, false
		}
		f.cond.Wait()
	}
}

// take removes the first job of l, which holds one in memory. The caller
// holds mu.
func (f *frontier) take(l *level) *job {
	j := l.q[l.head]
	if j.u == nil {
		u, err := url.Parse(j.url)
		if err != nil { // it parsed when it was queued
			u = &url.URL{}
		}
		j.u = u
	}
	l.q[l.head] = nil
	l.head++
	f.inMem--
	f.n.Add(-1)
	if l.head > 1024 && l.head*2 > len(l.q) {
		l.q = append([]*job(nil), l.q[l.head:]...)
		l.head = 0
	}
	f.busy++
	if j.depth < listedAfter {
		f.shallow++
	}
	return j
}

// done marks the popped job j finished.
func (f *frontier) done(j *job) {
	f.mu.Lock()
	f.busy--
	wake := f.busy == 0
	if !j.turn && j.depth < listedAfter {
		f.shallow--
		wake = wake || f.shallow == 0 && f.listed
	}
	f.mu.Unlock()
	if wake {
		f.cond.Broadcast()
	}
}

// setListed says whether listed URLs are left to queue (see pop).
func (f *frontier) setListed(more bool) {
	f.mu.Lock()
	f.listed = more
	f.mu.Unlock()
	f.cond.Broadcast()
}

// turnDone ends the sitemaps' turn a worker took; more says listed URLs
// are left.
func (f *frontier) turnDone(more bool) {
	f.mu.Lock()
	f.turnOut, f.listed = false, more
	f.mu.Unlock()
	f.cond.Broadcast()
}

// close stops the crawl: pop returns false from now on.
func (f *frontier) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cond.Broadcast()
}

// pending returns the jobs queued and not started, by priority, reading
// back the spill files. It is for the end of a crawl.
func (f *frontier) pending() []*job {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*job
	for i := range f.levels {
		l := &f.levels[i]
		out = append(out, l.q[l.head:]...)
		if l.spilled > 0 {
			js, _ := l.spill.read(l.spilled)
			out = append(out, js...)
			l.q = append(l.q, js...)
			f.inMem += len(js)
			l.spilled = 0
		}
	}
	return out
}

// release deletes the spill files. The frontier must not be used after.
func (f *frontier) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.levels {
		if l := &f.levels[i]; l.spill != nil {
			l.spill.close()
			l.spill = nil
		}
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
