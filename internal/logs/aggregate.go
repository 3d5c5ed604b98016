package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"runtime"
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
	// Workers is how many goroutines parse lines at once; 0 means
	// GOMAXPROCS. A W3C log is parsed by one (its #Fields: directives
	// change how the lines after them read). The result is the same for
	// any number: lines are parsed in blocks, and the blocks' lines are
	// counted into the aggregate in the order of the log.
	Workers int
	// Progress, when set, is called every 65,536 lines or so and at the
	// end of each file with the bytes and lines read so far (all files).
	Progress func(bytes, lines int64)
}

// Aggregator streams access logs and keeps, per URL, crawler and verdict,
// the hits, statuses, first and last time and response times. Its memory
// grows with the distinct URLs crawlers requested, never with lines. Not
// safe for concurrent use.
type Aggregator struct {
	cfg  Config
	site site
	tab  *hitTable
	days map[dayKey]int64
	// dayNames formats each day of days once ("2006-01-02")
	dayNames map[int64]string
	lastDay  int64 // the day of the last hit (in dayNames)
	run      store.LogRun
	bytes    int64
	// for tests: the block size and the longest line (0: blockSize and
	// maxLine)
	blockSize, lineMax int
}

// dayKey is a BotDay's key: the day (year*10000+month*100+day), the
// crawler's name (botNames), the verdict and the status class digit.
type dayKey struct {
	ymd     int64
	bot     uint8
	verdict uint8
	class   byte
}

// NewAggregator returns an Aggregator. cfg.Site must be empty or an
// absolute http(s) URL.
func NewAggregator(cfg Config) (*Aggregator, error) {
	a := &Aggregator{cfg: cfg, tab: newHitTable(), days: map[dayKey]int64{}, dayNames: map[int64]string{}}
	if a.cfg.MaxURLs <= 0 {
		a.cfg.MaxURLs = 2_000_000
	}
	if a.cfg.MaxBad <= 0 {
		a.cfg.MaxBad = 10
	}
	if a.cfg.Workers <= 0 {
		a.cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Site != "" {
		u, err := urlx.Parse(cfg.Site)
		if err != nil {
			return nil, fmt.Errorf("logs: site %q: %w", cfg.Site, err)
		}
		a.site.url = &url.URL{Scheme: u.Scheme, Host: u.Host}
		a.site.origin = urlx.Origin(u)
		a.run.Site = a.site.origin
	}
	if a.cfg.Verifier == nil {
		a.cfg.Verifier = NewVerifier(VerifierConfig{})
	}
	a.run.Ranges = a.cfg.Verifier.cfg.Ranges.Operators()
	a.run.DNS = a.cfg.Verifier.cfg.Resolver != nil
	return a, nil
}

// maxLine is the longest line read: a line of maxLine bytes or more
// (its end of line not counted) is a bad line.
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
		// Peek at up to 64 KiB; detection uses the whole lines in it.
		head, _ := cr.Peek(maxLine)
		var err error
		if f, err = Detect(sample(head), a.cfg.JSONFields); err != nil {
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
	workers := a.cfg.Workers
	if f.w3c {
		workers = 1
	}
	return a.read(ctx, cr, counter, f, name, workers)
}

// sample returns the lines of a log's head (its first maxLine bytes, or
// all of it) that detection reads: up to 20 whole lines.
func sample(head []byte) [][]byte {
	var lines [][]byte
	for _, l := range bytes.SplitAfter(head, []byte{'\n'}) {
		if len(lines) == 20 || !bytes.HasSuffix(l, []byte{'\n'}) && len(head) == maxLine {
			break
		}
		lines = append(lines, l)
	}
	return lines
}

// bad counts a bad line, sampling the first few.
func (a *Aggregator) bad(file string, line int64, err error) {
	a.run.BadLines++
	if len(a.run.Bad) < a.cfg.MaxBad {
		a.run.Bad = append(a.run.Bad, store.BadLine{File: file, Line: line, Reason: err.Error()})
	}
}

// hit is a crawler's request as a worker parsed it, for the aggregate.
type hit struct {
	t      time.Time
	ip     netip.Addr
	stamp  stamp
	ymd    int64     // t's day: year*10000+month*100+day
	url    [2]uint32 // offset and length of its URL in the block's keys
	hash   uint32    // its URL's hash (urlSet.hash)
	status uint16
	// verdict is the verdict's index when the worker could decide it
	// (published ranges alone: the same answer in any goroutine), -1 when
	// the aggregate must (DNS, in line order)
	verdict int8
	bot     uint8 // index in Bots
	bucket  int8  // response-time bucket; -1 for none
}

// add counts one crawler hit, in the order of the log.
func (a *Aggregator) add(ctx context.Context, h *hit, key []byte) {
	a.run.BotLines++
	if a.run.First.IsZero() || h.t.Before(a.run.First) {
		a.run.First = h.t
	}
	if h.t.After(a.run.Last) {
		a.run.Last = h.t
	}
	v := uint8(h.verdict)
	if h.verdict < 0 {
		v = verdictIndex(a.cfg.Verifier.Verify(ctx, Bots[h.bot].Operator, h.ip))
	}
	dk := dayKey{ymd: h.ymd, bot: botNames[h.bot], verdict: v, class: byte('0' + h.status/100)}
	if h.ymd != a.lastDay || len(a.dayNames) == 0 {
		if _, ok := a.dayNames[h.ymd]; !ok {
			a.dayNames[h.ymd] = h.t.Format("2006-01-02")
		}
		a.lastDay = h.ymd
	}
	a.days[dk]++
	t := a.tab
	id, known := t.urls.findHashed(key, h.hash)
	if !known {
		if t.urls.len() >= a.cfg.MaxURLs {
			a.run.Overflow++
			return
		}
		id = t.urls.addHashed(key, h.hash)
	}
	t.hit(t.add(id, known, h.bot, v, h.stamp), h.stamp, h.status, int(h.bucket))
}

// site is the origin paths are joined to; read-only, shared by the
// workers.
type site struct {
	url    *url.URL // nil when none
	origin string
}

// key appends to buf the URL of a hit with target t (url) and host, and
// reports whether there is one. The common case, a plain path of the
// site, is a copy.
func (s *site) key(buf []byte, host string, t []byte) ([]byte, bool) {
	if len(t) > 0 && t[0] == '/' && s.url != nil && host == "" && plainPath(t) {
		// the common case: a plain ASCII path of the site, already in the
		// form url.Parse and urlx.Normalize would give
		return append(append(buf, s.origin...), t...), true
	}
	u, ok := s.abs(host, string(t))
	return append(buf, u...), ok
}

// abs returns the absolute normalised URL of a hit on target t (its path
// when no site and no host is known).
func (s *site) abs(host, t string) (string, bool) {
	if t == "" || (t[0] != '/' && !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://")) {
		return "", false
	}
	if t[0] == '/' && s.url != nil && host == "" && plainPath(t) {
		return s.origin + t, true
	}
	if t[0] == '/' {
		switch {
		case s.url != nil && (host == "" || strings.EqualFold(hostOnly(host), s.url.Hostname())):
			t = s.url.Scheme + "://" + s.url.Host + t
		case host != "":
			scheme := "https"
			if s.url != nil {
				scheme = s.url.Scheme
			}
			t = scheme + "://" + hostOnly(host) + t
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
		if !plainByte[t[i]] {
			return false
		}
	}
	return true
}

// plainByte is plainPath's set.
var plainByte = func() (s [256]bool) {
	for c := 0; c < 256; c++ {
		s[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~?=&+,;:@!$*()", byte(c)) >= 0
	}
	return s
}()

// hostOnly drops a port from a logged host (vhost_combined logs %v:%p).
func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") && strings.Count(h, ":") == 1 {
		return h[:i]
	}
	return h
}

// Data returns what was aggregated, its hits in the aggregate's compact
// table (LogData.Table, sorted; Hits is nil): the form that keeps a large
// log's hits small. Call it once, after the last Read; the Aggregator is
// done then.
func (a *Aggregator) Data() store.LogData {
	d := store.LogData{Run: a.run}
	d.Run.Files = append([]string(nil), a.run.Files...)
	a.tab.finish()
	d.Table = a.tab
	merged := map[store.BotDay]int64{}
	for k, n := range a.days {
		merged[store.BotDay{Day: a.dayNames[k.ymd], Bot: Bots[k.bot].Name, Verdict: verdictNames[k.verdict], Class: string(k.class) + "xx"}] += n
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
	a.tab, a.days, a.dayNames = nil, nil, nil
	return d
}

// Result is Data with every hit its own store.BotHit in Hits (sorted by
// URL, crawler, verdict) and no Table. Call it once, after the last Read.
func (a *Aggregator) Result() store.LogData {
	d := a.Data()
	d.Hits = d.Table.(*hitTable).hits()
	d.Table = nil
	return d
}
