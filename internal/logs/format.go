package logs

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Format is a compiled log format. It is immutable and safe for concurrent
// use; each stream reads through its own parser.
type Format struct {
	// Name is the format as given or detected: "common", "combined",
	// "vhost_combined", "nginx_main", "json", "w3c", "apache:<LogFormat>"
	// or "nginx:<log_format>".
	Name string
	text *textFormat
	json *jsonFormat
	w3c  bool
}

// Format names accepted by ParseFormat besides "apache:…" and "nginx:…".
var formatNames = []string{"common", "combined", "vhost_combined", "nginx_main", "json", "caddy", "nginx-json", "w3c", "iis", "cloudfront"}

// ParseFormat compiles a format given by name ("common", "combined",
// "vhost_combined", "nginx_main", "json", "caddy", "nginx-json", "w3c",
// "iis", "cloudfront"), as "apache:<LogFormat string>" or as
// "nginx:<log_format string>". jsonFields overrides the JSON field
// mapping (key → dotted path; see JSONKeys); nil keeps the defaults.
func ParseFormat(spec string, jsonFields map[string]string) (*Format, error) {
	switch spec {
	case "common":
		return textNamed("common", FormatCommon)
	case "combined":
		return textNamed("combined", FormatCombined)
	case "vhost_combined":
		return textNamed("vhost_combined", FormatVhostCombined)
	case "nginx_main":
		return textNamed("nginx_main", FormatCombined+` "%{X-Forwarded-For}i"`)
	case "json", "caddy", "nginx-json":
		j, err := newJSONFormat(jsonFields)
		if err != nil {
			return nil, err
		}
		return &Format{Name: "json", json: j}, nil
	case "w3c", "iis", "cloudfront":
		return &Format{Name: "w3c", w3c: true}, nil
	}
	if s, ok := strings.CutPrefix(spec, "apache:"); ok {
		t, err := compileApache(s)
		if err != nil {
			return nil, err
		}
		return &Format{Name: spec, text: t}, nil
	}
	if s, ok := strings.CutPrefix(spec, "nginx:"); ok {
		t, err := compileNginx(s)
		if err != nil {
			return nil, err
		}
		return &Format{Name: spec, text: t}, nil
	}
	return nil, fmt.Errorf("logs: unknown format %q (want one of %s, apache:<LogFormat> or nginx:<log_format>)", spec, strings.Join(formatNames, ", "))
}

func textNamed(name, s string) (*Format, error) {
	t, err := compileApache(s)
	if err != nil {
		return nil, err
	}
	return &Format{Name: name, text: t}, nil
}

// HasDurations reports whether the format can carry response times.
func (f *Format) HasDurations() bool {
	return f.json != nil || f.w3c || (f.text != nil && f.text.has[slotDuration])
}

// errDirective marks a W3C directive line (#Fields: …): not a request and
// not a bad line.
var errDirective = errors.New("directive")

// parser reads lines of one stream in one format.
type parser struct {
	f     *Format
	w3c   w3cState
	zones zoneCache
	fs    fields
	js    jsonScratch
	// bots caches identify's answers by raw user agent: a log's crawler
	// lines carry few distinct ones
	bots map[string]int
}

func newParser(f *Format) *parser { return &parser{f: f, bots: map[string]int{}} }

// maxUACache bounds parser.bots.
const maxUACache = 4096

// identify is Identify of the line's user agent (unescaped), cached: the
// index of its crawler in Bots, or -1.
func (p *parser) identify() int {
	if b, ok := p.bots[string(p.fs.ua)]; ok {
		return b
	}
	b := identify(unescape(p.fs.ua, p.fs.escape))
	if len(p.bots) < maxUACache {
		p.bots[string(p.fs.ua)] = b
	}
	return b
}

// fields parses line into p.fs; errDirective for W3C directives.
func (p *parser) fields(line []byte) error {
	switch {
	case p.f.text != nil:
		return p.f.text.parse(line, &p.fs)
	case p.f.json != nil:
		return p.f.json.parse(line, &p.fs, &p.js)
	default:
		return p.w3c.parse(line, &p.fs)
	}
}

// Parse parses one line into e, for callers outside the streaming reader
// (tests, fuzzing). W3C lines need the #Fields: directive first: Parse
// keeps no state, so it reads W3C lines with IIS's default fields.
func (f *Format) Parse(line []byte) (Entry, error) {
	p := newParser(f)
	if f.w3c {
		p.w3c.setFields([]byte(iisDefaultFields))
	}
	var e Entry
	if err := p.fields(line); err != nil {
		return e, err
	}
	err := p.fs.decode(&e, &p.zones)
	return e, err
}

// iisDefaultFields are IIS's default W3C fields.
const iisDefaultFields = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

// detectOrder is the order in which text formats are tried on a sample:
// the most specific first.
var detectOrder = []string{"vhost_combined", "nginx_main", "combined", "common"}

// Detect picks the format of a log from its first lines: W3C when a
// #Fields:/#Version: directive comes first, JSON when lines are objects,
// else the text format that parses most of them.
func Detect(sample [][]byte, jsonFields map[string]string) (*Format, error) {
	var lines [][]byte
	for _, l := range sample {
		l = bytes.TrimRight(l, "\r\n")
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("logs: no line to detect the format from")
	}
	first := bytes.TrimSpace(lines[0])
	if first[0] == '#' {
		return ParseFormat("w3c", nil)
	}
	if first[0] == '{' {
		return ParseFormat("json", jsonFields)
	}
	var best *Format
	bestN := 0
	for _, name := range detectOrder {
		f, err := ParseFormat(name, nil)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, l := range lines {
			if _, err := f.Parse(l); err == nil {
				n++
			}
		}
		if n > bestN {
			best, bestN = f, n
		}
	}
	if best == nil {
		return nil, errors.New("logs: cannot tell the format from the first lines; give it with --format")
	}
	return best, nil
}
