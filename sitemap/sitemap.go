package sitemap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// Protocol limits (sitemaps.org, "Sitemap file location" and "Sitemap index
// files"; Google: "Build and submit a sitemap"): one file lists at most
// 50,000 URLs (or sitemaps, for an index) and is at most 50 MB (52,428,800
// bytes) uncompressed.
const (
	MaxBytes = 50 << 20
	MaxURLs  = 50000
)

// maxText bounds the text kept of one <loc>, <lastmod> or line: the protocol
// caps URLs at 2,048 characters, so anything much longer is not a URL and
// is not worth keeping.
const maxText = 8 << 10

// maxDepth bounds XML element nesting: sitemaps are three levels deep, feeds
// four; deeper documents are not sitemaps and deep nesting only costs memory.
const maxDepth = 64

// Format is the kind of file Parse recognised.
type Format string

// Formats.
const (
	FormatUnknown Format = ""             // nothing recognisable (see the problems)
	FormatURLSet  Format = "urlset"       // XML <urlset>
	FormatIndex   Format = "sitemapindex" // XML <sitemapindex>: entries are sitemaps
	FormatText    Format = "text"         // one URL a line
	FormatRSS     Format = "rss"          // RSS 2.0 <rss><channel><item><link>
	FormatAtom    Format = "atom"         // Atom 1.0 <feed><entry><link href>
)

// ProblemKind classifies a Problem.
type ProblemKind string

// Problem kinds.
const (
	ProblemUnparsable    ProblemKind = "unparsable"     // not a sitemap, bad XML, corrupt gzip: reading stopped
	ProblemTooLarge      ProblemKind = "too-large"      // over Config.MaxBytes uncompressed: reading stopped
	ProblemTooManyURLs   ProblemKind = "too-many-urls"  // over Config.MaxURLs entries: reading stopped
	ProblemBadURL        ProblemKind = "bad-url"        // an entry that is not an absolute http(s) URL: skipped
	ProblemOffHost       ProblemKind = "off-host"       // an entry outside the sitemap's scope: skipped
	ProblemBadLastmod    ProblemKind = "bad-lastmod"    // a lastmod that is not a W3C datetime: entry kept
	ProblemFutureLastmod ProblemKind = "future-lastmod" // a lastmod in the future: entry kept
)

// Invalid reports whether the problem makes the file itself invalid (it
// stopped reading or broke a protocol rule), as opposed to a problem of one
// entry that was skipped or kept.
func (k ProblemKind) Invalid() bool {
	return k == ProblemUnparsable || k == ProblemTooLarge || k == ProblemTooManyURLs
}

// Problem is one thing wrong with a sitemap file.
type Problem struct {
	Kind    ProblemKind
	URL     string // the entry concerned, as written (may be relative or hostile); empty for the file
	Line    int    // 1-based line of the input where it was met; 0 when unknown
	Message string // what is wrong, lower-case; never contains the URL
}

// Entry is one URL a sitemap lists.
type Entry struct {
	URL     string    // absolute, normalised (urlx.Normalize)
	LastMod time.Time // zero when absent or invalid
	Sitemap bool      // a child sitemap listed by a sitemap index, not a page
}

// Config bounds and scopes a Parse. The zero value of each field is replaced
// by the default its comment gives.
type Config struct {
	// MaxBytes is the most uncompressed bytes read; past it reading stops
	// with a ProblemTooLarge. Default MaxBytes (50 MiB).
	MaxBytes int64
	// MaxURLs is the most entries accepted; the next one stops reading
	// with a ProblemTooManyURLs. Default MaxURLs (50,000).
	MaxURLs int
	// MaxProblems is how many problems Result keeps; more are only
	// counted (Result.MoreProblems). Default 100.
	MaxProblems int
	// CrossOrigins are origins ("https://www.example.com") whose
	// robots.txt names this sitemap: any URL on them is in scope
	// (cross-submission). Nil means none.
	CrossOrigins []string
	// Now is the clock for the "lastmod in the future" check; nil skips
	// that check.
	Now func() time.Time
}

// Result is what Parse found out about a file.
type Result struct {
	Format       Format
	Gzip         bool  // the body was gzip-compressed
	Bytes        int64 // uncompressed bytes read
	URLs         int   // entries passed to the callback
	Problems     []Problem
	MoreProblems int // problems found beyond Config.MaxProblems, not kept
}

// Invalid reports whether a problem made the file invalid (see
// ProblemKind.Invalid).
func (r *Result) Invalid() bool {
	for _, p := range r.Problems {
		if p.Kind.Invalid() {
			return true
		}
	}
	return false
}

// errTooLarge is what the size-limited reader returns past Config.MaxBytes;
// Parse turns it into a ProblemTooLarge.
var errTooLarge = errors.New("over the size limit")

// errStop ends parsing after a problem that stops reading.
var errStop = errors.New("stop")

// callbackError carries the callback's error out of the parse loops.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// Parse reads one sitemap file from r, the body of the sitemap at base (an
// absolute URL, used for scope checks and messages), and calls fn for each
// entry in order. Problems with the file are returned in Result, never as an
// error: the error is non-nil only when reading r failed (the answer was
// incomplete) or fn returned one, which stops Parse and is returned as is.
//
// Scope (sitemaps.org, "Sitemap file location"): an entry must be on base's
// origin and under base's directory (a sitemap at /catalog/sitemap.xml may
// list /catalog/… only), or on one of cfg.CrossOrigins.
func Parse(r io.Reader, base *url.URL, cfg Config, fn func(Entry) error) (Result, error) {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = MaxBytes
	}
	if cfg.MaxURLs <= 0 {
		cfg.MaxURLs = MaxURLs
	}
	if cfg.MaxProblems <= 0 {
		cfg.MaxProblems = 100
	}
	p := &parser{cfg: cfg, base: base, fn: fn}
	if i := strings.LastIndex(base.Path, "/"); i >= 0 {
		p.dir = base.Path[:i+1]
	} else {
		p.dir = "/"
	}
	src := &sourceReader{r: r}
	raw := bufio.NewReader(src)
	var in io.Reader = raw
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		p.res.Gzip = true
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return p.finish(err, src)
		}
		defer zr.Close()
		in = zr
	}
	lim := &limitReader{r: in, max: cfg.MaxBytes}
	body := bufio.NewReaderSize(lim, 2*maxText)
	err := p.parse(body)
	p.res.Bytes = min(lim.read, cfg.MaxBytes)
	return p.finish(err, src)
}

type parser struct {
	cfg   Config
	base  *url.URL
	dir   string
	fn    func(Entry) error
	res   Result
	count int // entries met, good or bad
}

// finish turns the error that ended parsing into a problem or the returned
// error.
func (p *parser) finish(err error, src *sourceReader) (Result, error) {
	var cbErr callbackError
	var syn *xml.SyntaxError
	var corrupt flate.CorruptInputError
	switch {
	case err == nil || errors.Is(err, errStop):
	case errors.As(err, &cbErr):
		return p.res, cbErr.err
	case src.err != nil && errors.Is(err, src.err):
		return p.res, fmt.Errorf("sitemap: read %s: %w", urlx.Mask(p.base.String()), err)
	case errors.Is(err, errTooLarge):
		what := "uncompressed"
		if p.res.Gzip {
			what = "decompressed (a gzip bomb or an oversized sitemap)"
		}
		p.problem(ProblemTooLarge, "", 0, fmt.Sprintf("more than %d bytes %s: the protocol limit is 50 MiB per file; reading stopped", p.cfg.MaxBytes, what))
	case errors.As(err, &syn):
		p.problem(ProblemUnparsable, "", syn.Line, "invalid XML: "+clip(syn.Msg, 200))
	case p.res.Gzip && (errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt) || errors.Is(err, io.ErrUnexpectedEOF)):
		p.problem(ProblemUnparsable, "", 0, "corrupt gzip data: "+err.Error())
	default:
		p.problem(ProblemUnparsable, "", 0, clip(err.Error(), 200))
	}
	return p.res, nil
}

// problem records a problem, keeping at most cfg.MaxProblems.
func (p *parser) problem(kind ProblemKind, rawURL string, line int, msg string) {
	if len(p.res.Problems) >= p.cfg.MaxProblems {
		p.res.MoreProblems++
		return
	}
	p.res.Problems = append(p.res.Problems, Problem{Kind: kind, URL: clip(rawURL, 2048), Line: line, Message: msg})
}

// parse sniffs the format from the first non-blank byte and reads the body.
func (p *parser) parse(body *bufio.Reader) error {
	for {
		b, err := body.Peek(3)
		if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { // UTF-8 byte order mark
			_, _ = body.Discard(3)
			continue
		}
		if len(b) == 0 {
			if err == io.EOF {
				p.problem(ProblemUnparsable, "", 0, "empty file")
				return nil
			}
			return err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = body.Discard(1)
			continue
		case '<':
			return p.xml(body)
		}
		p.res.Format = FormatText
		return p.text(body)
	}
}

// roots maps a root element to its format and the path of its entry element.
var roots = map[string]struct {
	format Format
	entry  []string // element names from the root to the entry element
}{
	"urlset":       {FormatURLSet, []string{"urlset", "url"}},
	"sitemapindex": {FormatIndex, []string{"sitemapindex", "sitemap"}},
	"rss":          {FormatRSS, []string{"rss", "channel", "item"}},
	"feed":         {FormatAtom, []string{"feed", "entry"}},
}

// xml streams an XML sitemap or feed token by token. Only the text of the
// fields wanted (loc, lastmod, link, pubDate, updated) is kept, at most
// maxText bytes of each.
func (p *parser) xml(body io.Reader) error {
	d := xml.NewDecoder(&runLimiter{r: body})
	d.Strict = true
	// Non-UTF-8 declarations (ISO-8859-1, windows-1252, …) are decoded;
	// entities stay unexpanded whatever the encoding: encoding/xml knows only
	// the five predefined ones and rejects the rest.
	d.CharsetReader = charset.NewReaderLabel
	var (
		stack   []string
		entryAt int // stack depth of the entry element, 0 outside one
		field   string
		text    strings.Builder
		loc     string
		lastmod string
		line    int
		want    []string
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if p.res.Format == FormatUnknown {
				p.problem(ProblemUnparsable, "", 0, "no root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 {
				r, ok := roots[name]
				if !ok {
					p.problem(ProblemUnparsable, "", lineOf(d), fmt.Sprintf("root element <%s> is not a sitemap (want urlset, sitemapindex, rss or feed)", clip(name, 40)))
					return errStop
				}
				p.res.Format, want = r.format, r.entry
			}
			stack = append(stack, name)
			if len(stack) > maxDepth {
				p.problem(ProblemUnparsable, "", lineOf(d), fmt.Sprintf("elements nested more than %d deep", maxDepth))
				return errStop
			}
			switch {
			case entryAt == 0 && len(stack) == len(want) && pathIs(stack, want):
				entryAt, loc, lastmod, line = len(stack), "", "", lineOf(d)
			case entryAt > 0 && len(stack) == entryAt+1:
				field = p.fieldOf(name)
				text.Reset()
				if p.res.Format == FormatAtom && name == "link" && loc == "" {
					// Atom: <link href="…"/>, the alternate (default) one.
					var href, rel string
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "href":
							href = a.Value
						case "rel":
							rel = a.Value
						}
					}
					if rel == "" || rel == "alternate" {
						loc = clip(href, maxText)
					}
					field = ""
				}
			}
		case xml.CharData:
			if field != "" && text.Len() < maxText {
				text.Write(t[:min(len(t), maxText-text.Len())])
			}
		case xml.EndElement:
			switch {
			case entryAt > 0 && len(stack) == entryAt+1 && field != "":
				switch field {
				case "loc":
					loc = text.String()
				case "lastmod":
					lastmod = text.String()
				}
				field = ""
			case entryAt > 0 && len(stack) == entryAt:
				entryAt = 0
				if err := p.entry(loc, lastmod, line); err != nil {
					return err
				}
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// fieldOf maps an element inside an entry to the field it carries.
func (p *parser) fieldOf(name string) string {
	switch p.res.Format {
	case FormatURLSet, FormatIndex:
		if name == "loc" || name == "lastmod" {
			return name
		}
	case FormatRSS:
		switch name {
		case "link":
			return "loc"
		case "pubDate":
			return "lastmod"
		}
	case FormatAtom:
		if name == "updated" {
			return "lastmod"
		}
	}
	return ""
}

func lineOf(d *xml.Decoder) int {
	line, _ := d.InputPos()
	return line
}

func pathIs(stack, want []string) bool {
	for i := range want {
		if stack[i] != want[i] {
			return false
		}
	}
	return true
}

// text reads a plain-text sitemap: one absolute URL a line, blank lines
// ignored.
func (p *parser) text(body *bufio.Reader) error {
	line := 0
	for {
		raw, err := body.ReadSlice('\n')
		line++
		long := false
		for errors.Is(err, bufio.ErrBufferFull) {
			long = true
			_, err = body.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return err
		}
		s := strings.TrimSpace(string(bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF"))))
		switch {
		case long:
			p.count++
			p.problem(ProblemBadURL, s, line, fmt.Sprintf("line longer than %d bytes: not a URL", maxText))
		case s != "":
			if err := p.entry(s, "", line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			if p.res.URLs == 0 && p.count > 0 && len(p.res.Problems) > 0 && p.res.Problems[0].Kind == ProblemBadURL {
				p.problem(ProblemUnparsable, "", 0, "not a sitemap: no line is an absolute URL")
			}
			return nil
		}
	}
}

// entry checks one listed URL and passes it on.
func (p *parser) entry(loc, lastmod string, line int) error {
	p.count++
	if p.count > p.cfg.MaxURLs {
		p.problem(ProblemTooManyURLs, "", line, fmt.Sprintf("more than %d entries: the protocol limit is 50,000 per file; reading stopped", p.cfg.MaxURLs))
		return errStop
	}
	loc = strings.TrimSpace(loc)
	if loc == "" {
		p.problem(ProblemBadURL, "", line, "entry without a URL")
		return nil
	}
	u, err := urlx.Parse(loc)
	if err != nil {
		p.problem(ProblemBadURL, loc, line, "not an absolute http(s) URL")
		return nil
	}
	if !p.inScope(u) {
		p.problem(ProblemOffHost, loc, line, fmt.Sprintf("outside the sitemap's scope (%s%s): search engines ignore it", urlx.Origin(p.base), p.dir))
		return nil
	}
	e := Entry{URL: u.String(), Sitemap: p.res.Format == FormatIndex}
	if lastmod = strings.TrimSpace(lastmod); lastmod != "" {
		t, ok := parseDate(lastmod, p.res.Format)
		switch {
		case !ok:
			p.problem(ProblemBadLastmod, loc, line, fmt.Sprintf("lastmod %q is not a W3C datetime (e.g. 2026-11-24 or 2026-11-24T10:00:00+00:00)", clip(lastmod, 60)))
		case p.cfg.Now != nil && t.After(p.cfg.Now().Add(14*time.Hour)):
			// 14h: the furthest any time zone is ahead of UTC, so a
			// date-only value of "today" somewhere is not "future".
			p.problem(ProblemFutureLastmod, loc, line, fmt.Sprintf("lastmod %s is in the future", lastmod))
			e.LastMod = t
		default:
			e.LastMod = t
		}
	}
	p.res.URLs++
	if err := p.fn(e); err != nil {
		return callbackError{err}
	}
	return nil
}

func (p *parser) inScope(u *url.URL) bool {
	o := urlx.Origin(u)
	if o == urlx.Origin(p.base) && strings.HasPrefix(u.Path, p.dir) {
		return true
	}
	for _, c := range p.cfg.CrossOrigins {
		if o == c {
			return true
		}
	}
	return false
}

// w3cLayouts are the W3C Datetime profiles (https://www.w3.org/TR/NOTE-datetime)
// the sitemap protocol accepts for lastmod.
var w3cLayouts = []string{
	"2006-01-02T15:04:05Z07:00", // fractional seconds are accepted after the seconds
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	"2006-01",
	"2006",
}

// feedLayouts are the RFC 822 forms of RSS pubDate.
var feedLayouts = []string{time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 -0700"}

func parseDate(s string, f Format) (time.Time, bool) {
	layouts := w3cLayouts
	if f == FormatRSS {
		layouts = feedLayouts
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// limitReader passes at most max bytes through; reading past them returns
// errTooLarge (unlike io.LimitReader, whose silent EOF would make a cut
// file look complete).
type limitReader struct {
	r    io.Reader
	max  int64
	read int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.read > l.max {
		return 0, errTooLarge
	}
	if room := l.max + 1 - l.read; int64(len(b)) > room {
		b = b[:room]
	}
	n, err := l.r.Read(b)
	l.read += int64(n)
	if l.read > l.max {
		n -= int(l.read - l.max)
		l.read = l.max + 1
		return n, errTooLarge
	}
	return n, err
}

// Bounds of runLimiter.
const (
	maxSpaceRun = 4 << 10 // white space kept of one run
	maxRun      = 1 << 20 // text or markup between two angle brackets
)

// errRunTooLong ends a parse whose text or markup runs on without an angle
// bracket for more than maxRun bytes.
var errRunTooLong = fmt.Errorf("more than %d bytes of text or markup without an angle bracket: reading stopped", maxRun)

// runLimiter bounds what encoding/xml holds at once. The decoder keeps the
// whole of a text node or a tag in memory before it returns it, so a
// sitemap padded with 50 MiB of white space between two tags would cost
// 50 MiB and more, per sitemap. runLimiter drops white space beyond
// maxSpaceRun bytes in a row (it changes nothing a sitemap means: values
// are trimmed) and stops the parse when any other run between angle
// brackets exceeds maxRun bytes (no sitemap field is nearly that long).
type runLimiter struct {
	r     io.Reader
	run   int // bytes passed since the last angle bracket
	space int // white space bytes in a row
}

func (l *runLimiter) Read(b []byte) (int, error) {
	for {
		n, err := l.r.Read(b)
		out := b[:0]
		for _, c := range b[:n] {
			switch c {
			case '<', '>':
				l.run, l.space = 0, 0
				out = append(out, c)
				continue
			case ' ', '\t', '\r', '\n':
				if l.space++; l.space > maxSpaceRun {
					continue
				}
			default:
				l.space = 0
			}
			if l.run++; l.run > maxRun {
				return len(out), errRunTooLong
			}
			out = append(out, c)
		}
		if len(out) > 0 || err != nil || n == 0 {
			return len(out), err
		}
	}
}

// sourceReader remembers the first error of the underlying reader, so Parse
// can tell "the answer was cut" (an error) from "the content is bad" (a
// problem).
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
