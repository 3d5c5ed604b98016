package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// Config configures an Aggregator.
type Config struct {
	// Format forces the format of every file; nil detects it per file
	// from its first lines.
	Format *Format
	// JSONFields overrides the JSON field mapping when detecting.
	JSONFields map[string]string
	// Site is the origin ("https://example.com") logged paths are joined
	// to; a vhost field naming another host keeps that host. "" keeps
	// paths as they are unless the log names the host.
	Site string
	// Verifier checks crawlers' claims; nil leaves every hit unverified.
	Verifier *Verifier
	// MaxURLs bounds the distinct URLs kept; hits past it are counted in
	// LogRun.Overflow. 0 means 2,000,000.
	MaxURLs int
	// MaxBad is how many bad lines are sampled; 0 means 10.
	MaxBad int
	// Progress, when set, is called every 65,536 lines and at the end of
	// each file with the bytes and lines read so far (all files).
	Progress func(bytes, lines int64)
}

// Aggregator streams access logs and keeps, per URL, crawler and verdict,
// the hits, statuses, first and last time and response times. Its memory
// grows with the distinct URLs crawlers requested, never with lines. Not
// safe for concurrent use.
type Aggregator struct {
	cfg   Config
	site  *url.URL
	urls  map[string]int32 // URL → index of its first hit in hits
	hits  [][]store.BotHit // one per URL, crawler and verdict, in chunks of hitChunk (no doubling copies)
	nhits int32
	next  []int32 // per hit: the next hit of the same URL, -1 for none
	days  map[dayKey]int64
	run   store.LogRun
	bytes int64
	// the Entry reused for every crawler line
	e Entry
	// key is the URL of the current crawler line (urlKey); scratch holds
	// a target whose query the log writes apart
	key, scratch []byte
	// the last day formatted (day)
	lastDayKey int
	lastDay    string
}

type dayKey struct {
	day     string
	bot     *Bot
	verdict string
	class   byte
}

// NewAggregator returns an Aggregator. cfg.Site must be empty or an
// absolute http(s) URL.
func NewAggregator(cfg Config) (*Aggregator, error) {
	a := &Aggregator{cfg: cfg, urls: map[string]int32{}, days: map[dayKey]int64{}}
	if a.cfg.MaxURLs <= 0 {
		a.cfg.MaxURLs = 2_000_000
	}
	if a.cfg.MaxBad <= 0 {
		a.cfg.MaxBad = 10
	}
	if cfg.Site != "" {
		u, err := urlx.Parse(cfg.Site)
		if err != nil {
			return nil, fmt.Errorf("logs: site %q: %w", cfg.Site, err)
		}
		a.site = &url.URL{Scheme: u.Scheme, Host: u.Host}
		a.run.Site = urlx.Origin(u)
	}
	if a.cfg.Verifier == nil {
		a.cfg.Verifier = NewVerifier(VerifierConfig{})
	}
	a.run.Ranges = a.cfg.Verifier.cfg.Ranges.Operators()
	a.run.DNS = a.cfg.Verifier.cfg.Resolver != nil
	return a, nil
}

// maxLine is the longest line read; longer lines are bad lines.
const maxLine = 64 << 10

// Read streams one log (plain or gzip, told by its first bytes) named name
// into the aggregate. Bad lines are counted and sampled; only reading
// errors, ctx's end and an undetectable format are returned.
func (a *Aggregator) Read(ctx context.Context, r io.Reader, name string) error {
	br := bufio.NewReaderSize(r, maxLine)
	counter := &countReader{r: br}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("logs: %s: %w", name, err)
		}
		defer zr.Close()
		counter.r = zr
	}
	cr := bufio.NewReaderSize(counter, maxLine)
	f := a.cfg.Format
	if f == nil {
		var sample [][]byte
		// Peek at up to 64 KiB; detection uses the whole lines in it.
		head, _ := cr.Peek(maxLine)
		for _, l := range bytes.SplitAfter(head, []byte{'\n'}) {
			if len(sample) == 20 || !bytes.HasSuffix(l, []byte{'\n'}) && len(head) == maxLine {
				break
			}
			sample = append(sample, l)
		}
		var err error
		if f, err = Detect(sample, a.cfg.JSONFields); err != nil {
			if len(head) == 0 {
				a.run.Files = append(a.run.Files, name)
				a.run.Formats = append(a.run.Formats, "")
				return nil // an empty log
			}
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	a.run.Files = append(a.run.Files, name)
	a.run.Formats = append(a.run.Formats, f.Name)
	if f.HasDurations() {
		a.run.Durations = true
	}
	p := newParser(f)
	var lineNo int64
	base := a.bytes
	for {
		line, err := cr.ReadSlice('\n')
		if len(line) > 0 {
			lineNo++
			a.run.Lines++
			if errors.Is(err, bufio.ErrBufferFull) {
				a.bad(name, lineNo, errTooLong)
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = cr.ReadSlice('\n')
				}
			} else {
				a.line(ctx, p, bytes.TrimRight(line, "\r\n"), name, lineNo)
			}
			if lineNo&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if a.cfg.Progress != nil {
					a.cfg.Progress(base+counter.n, a.run.Lines)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("logs: read %s: %w", name, err)
		}
	}
	a.bytes = base + counter.n
	if a.cfg.Progress != nil {
		a.cfg.Progress(a.bytes, a.run.Lines)
	}
	return nil
}

// countReader counts the bytes read through it (after decompression).
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (a *Aggregator) bad(file string, line int64, err error) {
	a.run.BadLines++
	if len(a.run.Bad) < a.cfg.MaxBad {
		a.run.Bad = append(a.run.Bad, store.BadLine{File: file, Line: line, Reason: err.Error()})
	}
}

// line handles one line.
func (a *Aggregator) line(ctx context.Context, p *parser, line []byte, name string, no int64) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	if err := p.fields(line); err != nil {
		if err != errDirective {
			a.bad(name, no, err)
		}
		return
	}
	if !maybeBot(p.fs.ua) {
		// A visitor (or a client we do not track): check that the line is
		// a request, count it, keep nothing.
		if _, err := parseStatus(p.fs.status); err != nil {
			a.bad(name, no, err)
			return
		}
		if _, err := parseTime(p.fs.time, p.fs.timeKind, &p.zones); err != nil {
			a.bad(name, no, err)
			return
		}
		a.run.Requests++
		a.run.HumanLines++
		return
	}
	e := &a.e
	*e = Entry{Line: no}
	target, err := p.fs.decodeLean(e, &p.zones, &a.scratch)
	if err != nil {
		a.bad(name, no, err)
		return
	}
	a.run.Requests++
	bot := p.identify()
	if bot == nil {
		a.run.HumanLines++
		return
	}
	if !a.urlKey(e, target) {
		a.run.Requests--
		a.bad(name, no, errRequest)
		return
	}
	a.run.BotLines++
	if a.run.First.IsZero() || e.Time.Before(a.run.First) {
		a.run.First = e.Time
	}
	if e.Time.After(a.run.Last) {
		a.run.Last = e.Time
	}
	verdict := a.cfg.Verifier.Verify(ctx, bot.Operator, e.IP)
	a.days[dayKey{day: a.day(e.Time), bot: bot, verdict: verdict, class: byte('0' + e.Status/100)}]++
	first, known := a.urls[string(a.key)] // no copy to look up
	if !known {
		if len(a.urls) >= a.cfg.MaxURLs {
			a.run.Overflow++
			return
		}
		first = -1
	}
	var b *store.BotHit
	for i := first; i >= 0; i = a.next[i] {
		if h := a.hit(i); h.Bot == bot.Name && h.Verdict == verdict {
			b = h
			break
		}
	}
	if b == nil {
		var u string
		if known {
			u = a.hit(first).URL // one copy of the URL for all its hits
		} else {
			u = string(a.key)
		}
		if a.nhits%hitChunk == 0 {
			a.hits = append(a.hits, make([]store.BotHit, 0, hitChunk))
		}
		c := &a.hits[len(a.hits)-1]
		*c = append(*c, store.BotHit{URL: u, Bot: bot.Name, Kind: bot.Kind, Verdict: verdict, FirstSeen: e.Time, LastSeen: e.Time})
		a.next = append(a.next, first)
		a.urls[u] = a.nhits
		b = &(*c)[len(*c)-1]
		a.nhits++
	}
	b.Hits++
	if e.Time.Before(b.FirstSeen) {
		b.FirstSeen = e.Time
	}
	if e.Time.After(b.LastSeen) {
		b.LastSeen = e.Time
	}
	found := false
	for i := range b.Statuses {
		if b.Statuses[i].Status == e.Status {
			b.Statuses[i].Hits++
			found = true
		}
	}
	if !found {
		b.Statuses = append(b.Statuses, store.StatusCount{Status: e.Status, Hits: 1})
	}
	if e.Duration >= 0 {
		if b.Times == nil {
			b.Times = make([]uint32, len(store.TimeBuckets)+1)
		}
		ms := e.Duration.Milliseconds()
		i := sort.Search(len(store.TimeBuckets), func(i int) bool { return store.TimeBuckets[i] >= ms })
		b.Times[i]++
	}
}

// hitChunk is how many hits one chunk of Aggregator.hits holds.
const hitChunk = 8192

// hit returns hit i.
func (a *Aggregator) hit(i int32) *store.BotHit { return &a.hits[i/hitChunk][i%hitChunk] }

// day returns t's calendar day in its own offset, "2006-01-02", formatting
// it only when the day changes.
func (a *Aggregator) day(t time.Time) string {
	y, m, d := t.Date()
	if k := y*10000 + int(m)*100 + d; k != a.lastDayKey || a.lastDay == "" {
		a.lastDayKey, a.lastDay = k, t.Format("2006-01-02")
	}
	return a.lastDay
}

// urlKey sets a.key to the URL of a hit with target t (url), copying
// nothing in the common case of a plain path of the site.
func (a *Aggregator) urlKey(e *Entry, t []byte) bool {
	if len(t) > 0 && t[0] == '/' && a.site != nil && e.Host == "" && plainPath(t) {
		// the common case: a plain ASCII path of the site, already in the
		// form url.Parse and urlx.Normalize would give
		a.key = append(append(a.key[:0], a.run.Site...), t...)
		return true
	}
	u, ok := a.url(e, string(t))
	a.key = append(a.key[:0], u...)
	return ok
}

// url returns the absolute normalised URL of a hit on target t (its path
// when no site and no host is known).
func (a *Aggregator) url(e *Entry, t string) (string, bool) {
	if t == "" || (t[0] != '/' && !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://")) {
		return "", false
	}
	if t[0] == '/' && a.site != nil && e.Host == "" && plainPath(t) {
		return a.run.Site + t, true
	}
	if t[0] == '/' {
		switch {
		case a.site != nil && (e.Host == "" || strings.EqualFold(hostOnly(e.Host), a.site.Hostname())):
			t = a.site.Scheme + "://" + a.site.Host + t
		case e.Host != "":
			scheme := "https"
			if a.site != nil {
				scheme = a.site.Scheme
			}
			t = scheme + "://" + hostOnly(e.Host) + t
		default:
			u, err := url.Parse(t)
			if err != nil {
				return "", false
			}
			u.Fragment, u.RawFragment = "", ""
			return u.String(), true
		}
	}
	u, err := url.Parse(t)
	if err != nil || u.Host == "" {
		return "", false
	}
	return urlx.Normalize(u), true
}

// plainPath reports whether t holds only characters that parsing and
// normalising a URL leave as they are (no escapes, no fragment, ASCII).
func plainPath[S string | []byte](t S) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~?=&+,;:@!$*()", c) >= 0) {
			return false
		}
	}
	return true
}

// hostOnly drops a port from a logged host (vhost_combined logs %v:%p).
func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") && strings.Count(h, ":") == 1 {
		return h[:i]
	}
	return h
}

// Result returns what was aggregated, sorted, and empties the aggregate
// as it goes (its memory moves into the result): call it once, after the
// last Read.
func (a *Aggregator) Result() store.LogData {
	d := store.LogData{Run: a.run}
	d.Run.Files = append([]string(nil), a.run.Files...)
	// the hits are the result: no copy; the index goes first
	a.urls, a.next = nil, nil
	// the result points into the chunks: no copy of the hits
	d.Hits = make([]*store.BotHit, 0, a.nhits)
	for _, c := range a.hits {
		for i := range c {
			d.Hits = append(d.Hits, &c[i])
		}
	}
	a.hits, a.nhits = nil, 0
	for i := range d.Hits {
		st := d.Hits[i].Statuses
		slices.SortFunc(st, func(x, y store.StatusCount) int { return x.Status - y.Status })
	}
	slices.SortFunc(d.Hits, func(x, y *store.BotHit) int {
		if c := strings.Compare(x.URL, y.URL); c != 0 {
			return c
		}
		if c := strings.Compare(x.Bot, y.Bot); c != 0 {
			return c
		}
		return strings.Compare(x.Verdict, y.Verdict)
	})
	merged := map[store.BotDay]int64{}
	for k, n := range a.days {
		merged[store.BotDay{Day: k.day, Bot: k.bot.Name, Verdict: k.verdict, Class: string(k.class) + "xx"}] += n
	}
	for k, n := range merged {
		k.Hits = n
		d.Days = append(d.Days, k)
	}
	sort.Slice(d.Days, func(i, j int) bool {
		x, y := d.Days[i], d.Days[j]
		if x.Day != y.Day {
			return x.Day < y.Day
		}
		if x.Bot != y.Bot {
			return x.Bot < y.Bot
		}
		if x.Verdict != y.Verdict {
			return x.Verdict < y.Verdict
		}
		return x.Class < y.Class
	})
	return d
}
