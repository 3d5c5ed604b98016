package logs

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// The predefined text formats, as Apache LogFormat strings.
const (
	FormatCommon        = `%h %l %u %t "%r" %>s %b`
	FormatCombined      = `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`
	FormatVhostCombined = `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`
)

// slot says which value a format field fills.
type slot uint8

const (
	slotSkip slot = iota
	slotHost
	slotIP
	slotTime
	slotRequest
	slotMethod
	slotTarget // path and query ($request_uri)
	slotPath   // path alone (%U, $uri)
	slotQuery  // query (%q with its "?", $args without)
	slotStatus
	slotSize
	slotReferer
	slotUA
	slotDuration
)

// item is one piece of a compiled text format: a literal to match, or a
// field to read up to the next literal.
type item struct {
	lit      []byte // a literal; nil for a field
	slot     slot
	timeKind timeKind
	unit     time.Duration
	bracket  bool // Apache %t: the value is written inside [ ]
	quoted   bool // the field sits between double quotes: skip \" escapes
}

// textFormat is a compiled Apache LogFormat or nginx log_format string.
type textFormat struct {
	items    []item
	durUnit  time.Duration
	timeKind timeKind
	has      [slotDuration + 1]bool
}

// compileApache compiles an Apache LogFormat string (mod_log_config).
func compileApache(s string) (*textFormat, error) {
	f := &textFormat{}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			f.items = append(f.items, item{lit: lit})
			lit = nil
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				lit = append(lit, '\n')
			case 't':
				lit = append(lit, '\t')
			default:
				lit = append(lit, s[i])
			}
			continue
		}
		if c != '%' {
			lit = append(lit, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("logs: format %q ends with %%", s)
		}
		if s[i] == '%' {
			lit = append(lit, '%')
			continue
		}
		// modifiers: status conditions (!400,501), < and >
		for i < len(s) && strings.IndexByte("<>!,0123456789", s[i]) >= 0 {
			i++
		}
		arg := ""
		if i < len(s) && s[i] == '{' {
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("logs: format %q: unclosed {", s)
			}
			arg = s[i+1 : i+j]
			i += j + 1
		}
		if i >= len(s) {
			return nil, fmt.Errorf("logs: format %q ends inside a directive", s)
		}
		it := item{}
		switch s[i] {
		case 'h', 'a':
			it.slot = slotIP
		case 'v', 'V':
			it.slot = slotHost
		case 't':
			if arg != "" {
				return nil, fmt.Errorf("logs: format %q: %%{%s}t is not supported (use %%t)", s, arg)
			}
			it.slot, it.timeKind, it.bracket = slotTime, timeCLF, true
		case 'r':
			it.slot = slotRequest
		case 'm':
			it.slot = slotMethod
		case 'U':
			it.slot = slotPath
		case 'q':
			it.slot = slotQuery
		case 's':
			it.slot = slotStatus
		case 'b', 'B', 'O':
			it.slot = slotSize
		case 'D':
			it.slot, it.unit = slotDuration, time.Microsecond
		case 'T':
			it.slot, it.unit = slotDuration, time.Second
			switch arg {
			case "ms":
				it.unit = time.Millisecond
			case "us":
				it.unit = time.Microsecond
			}
		case 'i':
			switch strings.ToLower(arg) {
			case "referer":
				it.slot = slotReferer
			case "user-agent":
				it.slot = slotUA
			case "host":
				it.slot = slotHost
			}
		case 'l', 'u', 'p', 'H', 'I', 'e', 'n', 'o', 'C', 'P', 'X', 'k', 'L', 'R', 'f', 'A', 'S', '^':
			if s[i] == '^' && i+2 < len(s) { // %{X}^ti, %{X}^to
				i += 2
			}
		default:
			return nil, fmt.Errorf("logs: format %q: unknown directive %%%c", s, s[i])
		}
		flush()
		f.items = append(f.items, it)
	}
	flush()
	return f, f.finish(s)
}

// nginxVars maps nginx variables to slots.
var nginxVars = map[string]item{
	"remote_addr":            {slot: slotIP},
	"realip_remote_addr":     {slot: slotIP},
	"host":                   {slot: slotHost},
	"http_host":              {slot: slotHost},
	"server_name":            {slot: slotHost},
	"time_local":             {slot: slotTime, timeKind: timeCLF},
	"time_iso8601":           {slot: slotTime, timeKind: timeISO},
	"msec":                   {slot: slotTime, timeKind: timeEpoch},
	"request":                {slot: slotRequest},
	"request_method":         {slot: slotMethod},
	"request_uri":            {slot: slotTarget},
	"uri":                    {slot: slotPath},
	"document_uri":           {slot: slotPath},
	"args":                   {slot: slotQuery},
	"query_string":           {slot: slotQuery},
	"status":                 {slot: slotStatus},
	"body_bytes_sent":        {slot: slotSize},
	"bytes_sent":             {slot: slotSize},
	"http_referer":           {slot: slotReferer},
	"http_user_agent":        {slot: slotUA},
	"request_time":           {slot: slotDuration, unit: time.Second},
	"upstream_response_time": {slot: slotDuration, unit: time.Second},
}

// compileNginx compiles an nginx log_format string.
func compileNginx(s string) (*textFormat, error) {
	f := &textFormat{}
	var lit []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			lit = append(lit, s[i])
			continue
		}
		var name string
		if i+1 < len(s) && s[i+1] == '{' {
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("logs: log_format %q: unclosed ${", s)
			}
			name, i = s[i+2:i+j], i+j
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j == i+1 {
				lit = append(lit, '$')
				continue
			}
			name, i = s[i+1:j], j-1
		}
		if len(lit) > 0 {
			f.items = append(f.items, item{lit: lit})
			lit = nil
		}
		it := nginxVars[strings.ToLower(name)]
		f.items = append(f.items, it)
	}
	if len(lit) > 0 {
		f.items = append(f.items, item{lit: lit})
	}
	return f, f.finish(s)
}

// finish checks a compiled format: it must read a status and either a
// request line or a target, every two fields must be parted by a literal
// (or the first be Apache's bracketed time), and no slot is read twice.
func (f *textFormat) finish(src string) error {
	f.durUnit = time.Second
	for i := range f.items {
		it := &f.items[i]
		if it.lit != nil {
			continue
		}
		if it.slot != slotSkip && f.has[it.slot] {
			return fmt.Errorf("logs: format %q reads one field twice", src)
		}
		f.has[it.slot] = true
		if it.slot == slotDuration {
			f.durUnit = it.unit
		}
		if it.slot == slotTime {
			f.timeKind = it.timeKind
		}
		if i > 0 && f.items[i-1].lit != nil && bytes.HasSuffix(f.items[i-1].lit, []byte(`"`)) &&
			i+1 < len(f.items) && bytes.HasPrefix(f.items[i+1].lit, []byte(`"`)) {
			it.quoted = true
		}
		if i+1 < len(f.items) && f.items[i+1].lit == nil && !it.bracket {
			return fmt.Errorf("logs: format %q: two fields with nothing between them", src)
		}
	}
	if f.has[slotSkip] {
		f.has[slotSkip] = false
	}
	if !f.has[slotStatus] || !(f.has[slotRequest] || f.has[slotTarget] || f.has[slotPath]) || !f.has[slotTime] {
		return fmt.Errorf("logs: format %q needs the status, the request (or its URL) and the time", src)
	}
	return nil
}

// parse splits line into fields.
func (f *textFormat) parse(line []byte, out *fields) error {
	out.reset()
	out.timeKind, out.durUnit, out.escape = f.timeKind, f.durUnit, escapeBackslash
	rest := line
	for i := range f.items {
		it := &f.items[i]
		if it.lit != nil {
			if !bytes.HasPrefix(rest, it.lit) {
				return errFields
			}
			rest = rest[len(it.lit):]
			continue
		}
		var v []byte
		switch {
		case it.bracket:
			if len(rest) == 0 || rest[0] != '[' {
				return errFields
			}
			j := bytes.IndexByte(rest, ']')
			if j < 0 {
				return errFields
			}
			v, rest = rest[1:j], rest[j+1:]
		case i+1 == len(f.items):
			v, rest = rest, nil
		default:
			next := f.items[i+1].lit
			var j int
			if it.quoted && i+2 == len(f.items) {
				// the last quoted value ends at the line's last quote:
				// an unescaped quote inside it stays in the value
				j = bytes.LastIndex(rest, next)
			} else if it.quoted {
				j = indexUnescaped(rest, next)
			} else {
				j = bytes.Index(rest, next)
			}
			if j < 0 {
				return errFields
			}
			v, rest = rest[:j], rest[j:]
		}
		switch it.slot {
		case slotHost:
			out.host = v
		case slotIP:
			out.ip = v
		case slotTime:
			out.time = v
		case slotRequest:
			out.request = v
		case slotMethod:
			out.method = v
		case slotTarget, slotPath:
			out.target = v
		case slotQuery:
			out.query = v
		case slotStatus:
			out.status = v
		case slotSize:
			out.size = v
		case slotReferer:
			out.referer = v
		case slotUA:
			out.ua = v
		case slotDuration:
			out.dur = v
		}
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return errFields
	}
	return nil
}

// indexUnescaped is bytes.Index that skips backslash-escaped bytes.
func indexUnescaped(s, sep []byte) int {
	// the common case: sep comes before any backslash
	if i := bytes.Index(s, sep); i >= 0 && bytes.IndexByte(s[:i], '\\') < 0 {
		return i
	}
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep[0] && bytes.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}
