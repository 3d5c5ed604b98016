package logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Reading a log is a pipeline: one goroutine reads blocks of whole lines,
// workers parse the blocks' lines (the bulk of the work: fields, times,
// telling crawlers from visitors, building URLs), and the calling
// goroutine counts each block's results into the aggregate in the order of
// the log. The aggregate is thus the same for any number of workers:
// counts, the first bad lines sampled, which URLs fit under MaxURLs, and
// DNS verification (which runs in the calling goroutine, in line order).

// blockSize is how many bytes of a log a worker parses at a time.
const blockSize = 1 << 20

// block is a run of whole lines of a log and, once a worker parsed them,
// what they hold.
type block struct {
	seq  int64
	buf  []byte
	data []byte // whole lines; at the end of the log the last may lack its end of line
	// tooLong: one line too long to keep follows data's lines
	tooLong bool

	lines, requests, humans, badLines int64
	bad                               []badLine // the first Config.MaxBad bad lines
	hits                              []hit     // crawler hits, in line order
	keys                              []byte    // their URLs
}

// badLine is a bad line of a block: its number in the block, from 1.
type badLine struct {
	line int64
	err  error
}

// read streams r through the pipeline. counter counts the bytes read.
func (a *Aggregator) read(ctx context.Context, r io.Reader, counter *countReader, f *Format, name string, workers int) error {
	size, lineMax := a.blockSize, a.lineMax
	if size <= 0 {
		size, lineMax = blockSize, maxLine
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inflight := 2*workers + 2
	free := make(chan *block, inflight)
	for range inflight {
		free <- &block{buf: make([]byte, size)}
	}
	work := make(chan *block, inflight)
	done := make(chan *block, inflight)
	var readErr error
	go func() {
		defer close(work)
		readErr = split(ctx, r, name, lineMax, free, work)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := a.newWorker(f, lineMax)
			for b := range work {
				w.parse(b)
				done <- b
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	// count the blocks in order; stop counting (and reading) on ctx's end,
	// and let the pipeline drain
	pending := map[int64]*block{}
	var next, lines int64
	base := a.bytes
	var err error
	for b := range done {
		pending[b.seq] = b
		for b := pending[next]; b != nil; b = pending[next] {
			delete(pending, next)
			next++
			if err == nil {
				if err = ctx.Err(); err != nil {
					cancel()
				}
			}
			if err == nil {
				a.merge(ctx, b, name, lines)
				if a.cfg.Progress != nil && (lines+b.lines)>>16 != lines>>16 {
					a.cfg.Progress(base+counter.n.Load(), a.run.Lines)
				}
			}
			lines += b.lines
			free <- b
		}
	}
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	a.bytes = base + counter.n.Load()
	if a.cfg.Progress != nil {
		a.cfg.Progress(a.bytes, a.run.Lines)
	}
	return nil
}

// merge counts block b's results into the aggregate; lines is how many
// lines of the file came before it.
func (a *Aggregator) merge(ctx context.Context, b *block, name string, lines int64) {
	for _, x := range b.bad {
		a.bad(name, lines+x.line, x.err)
	}
	a.run.BadLines += b.badLines - int64(len(b.bad))
	a.run.Lines += b.lines
	a.run.Requests += b.requests
	a.run.HumanLines += b.humans
	for i := range b.hits {
		h := &b.hits[i]
		a.add(ctx, h, b.keys[h.url[0]:h.url[0]+h.url[1]])
	}
}

// split reads r into blocks of whole lines taken from free and sends them
// to work in order. A line of lineMax bytes or more is not kept: the
// block before it says it follows (block.tooLong), and the rest of it is
// skipped. A reading error ends the log where it happened: the lines read
// until then are sent, then the error is returned.
func split(ctx context.Context, r io.Reader, name string, lineMax int, free chan *block, work chan<- *block) error {
	var carry []byte // the start of a line the last block ended in
	var seq int64
	skipping := false // in a line too long to keep
	for {
		var b *block
		select {
		case b = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		n := copy(b.buf, carry)
		m, err := io.ReadFull(r, b.buf[n:])
		end := err != nil
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
		} else if err != nil {
			err = fmt.Errorf("logs: read %s: %w", name, err)
		}
		data := b.buf[:n+m]
		carry = carry[:0]
		b.tooLong = false
		if skipping {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				data = nil
			} else {
				data, skipping = data[i+1:], false
			}
		}
		if !end && !skipping {
			cut := bytes.LastIndexByte(data, '\n')
			rest := data[cut+1:]
			data = data[:cut+1]
			if len(rest) >= lineMax {
				b.tooLong, skipping = true, true
			} else {
				carry = append(carry, rest...)
			}
		}
		b.data = data
		if len(data) > 0 || b.tooLong {
			b.seq = seq
			seq++
			select {
			case work <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else {
			// nothing to parse: the block goes back (free has room for
			// every block)
			free <- b
		}
		if end {
			return err
		}
	}
}

// worker parses blocks with its own parser (its caches are its own).
type worker struct {
	p       *parser
	site    *site
	urls    *urlSet // for the URLs' hashes (read-only)
	maxBad  int
	lineMax int
	// verifier, when not nil, decides verdicts in the worker: a verifier
	// of its own on the aggregate's ranges, when no DNS is asked
	verifier *Verifier
	e        Entry
	scratch  []byte
}

// newWorker returns a worker of a's for format f.
func (a *Aggregator) newWorker(f *Format, lineMax int) *worker {
	w := &worker{p: newParser(f), site: &a.site, urls: &a.tab.urls, maxBad: a.cfg.MaxBad, lineMax: lineMax}
	if v := a.cfg.Verifier; v.cfg.Resolver == nil {
		w.verifier = NewVerifier(VerifierConfig{Ranges: v.cfg.Ranges})
	}
	return w
}

// parse parses b's lines into b's results.
func (w *worker) parse(b *block) {
	b.lines, b.requests, b.humans, b.badLines = 0, 0, 0, 0
	b.bad, b.hits, b.keys = b.bad[:0], b.hits[:0], b.keys[:0]
	data := b.data
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		b.lines++
		if len(line) >= w.lineMax {
			w.bad(b, errTooLong)
			continue
		}
		w.line(b, bytes.TrimRight(line, "\r\n"))
	}
	if b.tooLong {
		b.lines++
		w.bad(b, errTooLong)
	}
}

func (w *worker) bad(b *block, err error) {
	b.badLines++
	if len(b.bad) < w.maxBad {
		b.bad = append(b.bad, badLine{b.lines, err})
	}
}

// line parses one line of b.
func (w *worker) line(b *block, line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	p := w.p
	if err := p.fields(line); err != nil {
		if err != errDirective {
			w.bad(b, err)
		}
		return
	}
	if !maybeBot(p.fs.ua) {
		// A visitor (or a client we do not track): check that the line is
		// a request, count it, keep nothing.
		if _, err := parseStatus(p.fs.status); err != nil {
			w.bad(b, err)
			return
		}
		if !validTime(p.fs.time, p.fs.timeKind, &p.zones) {
			w.bad(b, errTime)
			return
		}
		b.requests++
		b.humans++
		return
	}
	e := &w.e
	*e = Entry{}
	target, err := p.fs.decodeLean(e, &p.zones, &w.scratch)
	if err != nil {
		w.bad(b, err)
		return
	}
	bot := p.identify()
	if bot < 0 {
		b.requests++
		b.humans++
		return
	}
	off := len(b.keys)
	var ok bool
	if b.keys, ok = w.site.key(b.keys, e.Host, target); !ok {
		b.keys = b.keys[:off]
		w.bad(b, errRequest)
		return
	}
	b.requests++
	y, m, d := e.Time.Date()
	h := hit{t: e.Time, ip: e.IP, stamp: stampOf(e.Time), ymd: int64(y)*10000 + int64(m)*100 + int64(d),
		url: [2]uint32{uint32(off), uint32(len(b.keys) - off)}, hash: w.urls.hash(b.keys[off:]),
		status: uint16(e.Status), bot: uint8(bot), bucket: -1, verdict: -1}
	if w.verifier != nil {
		h.verdict = int8(verdictIndex(w.verifier.Verify(context.Background(), Bots[bot].Operator, e.IP)))
	}
	if e.Duration >= 0 {
		ms := e.Duration.Milliseconds()
		h.bucket = int8(sort.Search(len(store.TimeBuckets), func(i int) bool { return store.TimeBuckets[i] >= ms }))
	}
	b.hits = append(b.hits, h)
}

// countReader counts the bytes read through it (after decompression).
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
