package logs

import (
	"bytes"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Entry is one parsed log line.
type Entry struct {
	Line      int64         // line number in its file, from 1
	Host      string        // virtual host (%v, $host, cs(Host)); "" when the format has none
	IP        netip.Addr    // client address; the zero Addr when absent or not an address
	Time      time.Time     // when, with the offset the log wrote (UTC for W3C and epoch times)
	Method    string        // request method; "" when absent
	Target    string        // request target as logged: path and query
	Status    int           // HTTP status
	Bytes     int64         // response bytes; -1 when "-" or absent
	Referer   string        // Referer header; "" for "-"
	UserAgent string        // User-Agent header, unescaped; "" for "-"
	Duration  time.Duration // time taken; -1 when the format has none
}

// fields are the raw values of one line: views into the line buffer (or,
// for JSON and W3C, into decoded copies), valid until the next line.
type fields struct {
	host, ip, time, method, target, query, request, status, size, referer, ua, dur []byte
	timeKind                                                                       timeKind
	durUnit                                                                        time.Duration // the unit of dur: Microsecond, Millisecond or Second
	escape                                                                         escapeKind    // how ua and referer are escaped
}

func (f *fields) reset() {
	*f = fields{timeKind: f.timeKind, durUnit: f.durUnit, escape: f.escape}
}

type timeKind uint8

const (
	timeCLF     timeKind = iota // 10/Oct/2000:13:55:36 -0700
	timeISO                     // 2000-10-10T13:55:36-07:00 (RFC 3339)
	timeEpoch                   // 971211336.123 (seconds since 1970, UTC)
	timeW3C                     // 2000-10-10 13:55:36 (date and time fields joined, UTC)
	timeEpochMS                 // 971211336123 (milliseconds)
)

type escapeKind uint8

const (
	escapeBackslash escapeKind = iota // Apache and nginx: \" \\ \xHH
	escapeNone                        // JSON (already decoded)
	escapeW3C                         // IIS: + for space; CloudFront: %HH (possibly twice)
)

// Errors a line can fail with; an unparsable line is counted with its
// reason, never fatal.
var (
	errFields  = errors.New("fields do not match the format")
	errTime    = errors.New("bad timestamp")
	errStatus  = errors.New("bad status")
	errRequest = errors.New("bad request line")
	errTooLong = errors.New("line too long")
)

// status parses a three-digit HTTP status.
func parseStatus(b []byte) (int, error) {
	if len(b) != 3 || b[0] < '1' || b[0] > '9' || b[1] < '0' || b[1] > '9' || b[2] < '0' || b[2] > '9' {
		return 0, errStatus
	}
	return int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0'), nil
}

// decode turns raw fields into an Entry. zones caches fixed zones by offset.
func (f *fields) decode(e *Entry, zones *zoneCache) error {
	st, err := parseStatus(f.status)
	if err != nil {
		return err
	}
	e.Status = st
	if e.Time, err = parseTime(f.time, f.timeKind, zones); err != nil {
		return err
	}
	e.Method, e.Target = string(f.method), string(f.target)
	if len(f.request) > 0 {
		m, t, ok := splitRequest(f.request)
		if !ok {
			return errRequest
		}
		e.Method, e.Target = m, t
	} else if len(f.query) > 0 && !(len(f.query) == 1 && f.query[0] == '-') {
		q := string(f.query)
		if q[0] != '?' {
			q = "?" + q
		}
		e.Target += q
	}
	if e.Target == "" || e.Target == "-" {
		return errRequest
	}
	e.Host = string(f.host)
	if e.Host == "-" {
		e.Host = ""
	}
	e.IP = netip.Addr{}
	if len(f.ip) > 0 {
		if a, err := netip.ParseAddr(string(f.ip)); err == nil {
			e.IP = a.Unmap()
		}
	}
	e.Bytes = -1
	e.Duration = -1
	if len(f.dur) > 0 {
		e.Duration = parseDuration(f.dur, f.durUnit)
	}
	e.UserAgent = unescape(f.ua, f.escape)
	if len(f.size) > 0 && !(len(f.size) == 1 && f.size[0] == '-') {
		if n, err := strconv.ParseInt(string(f.size), 10, 64); err == nil && n >= 0 {
			e.Bytes = n
		}
	}
	e.Referer = unescape(f.referer, f.escape)
	return nil
}

// decodeLean is what the aggregate reads of a crawler's line: status,
// time, host, address and duration into e, and the request target as
// bytes (valid until the next line; scratch holds it when the query is a
// field of its own). Method, referer, size and user agent are left out:
// no copy of the line is made.
func (f *fields) decodeLean(e *Entry, zones *zoneCache, scratch *[]byte) ([]byte, error) {
	st, err := parseStatus(f.status)
	if err != nil {
		return nil, err
	}
	e.Status = st
	if e.Time, err = parseTime(f.time, f.timeKind, zones); err != nil {
		return nil, err
	}
	t := f.target
	if len(f.request) > 0 {
		var ok bool
		if t, ok = splitRequestBytes(f.request); !ok {
			return nil, errRequest
		}
	} else if len(f.query) > 0 && !(len(f.query) == 1 && f.query[0] == '-') {
		b := append((*scratch)[:0], t...)
		if f.query[0] != '?' {
			b = append(b, '?')
		}
		b = append(b, f.query...)
		*scratch = b
		t = b
	}
	if len(t) == 0 || len(t) == 1 && t[0] == '-' {
		return nil, errRequest
	}
	e.Host = ""
	if len(f.host) > 0 && !(len(f.host) == 1 && f.host[0] == '-') {
		e.Host = string(f.host)
	}
	e.IP = netip.Addr{}
	if len(f.ip) > 0 {
		if a, err := netip.ParseAddr(string(f.ip)); err == nil {
			e.IP = a.Unmap()
		}
	}
	e.Bytes = -1
	e.Duration = -1
	if len(f.dur) > 0 {
		e.Duration = parseDuration(f.dur, f.durUnit)
	}
	return t, nil
}

// splitRequestBytes is splitRequest's target, without copying it.
func splitRequestBytes(r []byte) ([]byte, bool) {
	i := bytes.IndexByte(r, ' ')
	if i <= 0 {
		return nil, false
	}
	rest := r[i+1:]
	if j := bytes.LastIndexByte(rest, ' '); j >= 0 && bytes.HasPrefix(rest[j+1:], []byte("HTTP/")) {
		rest = rest[:j]
	}
	if len(rest) == 0 {
		return nil, false
	}
	return rest, true
}

// splitRequest splits "GET /path HTTP/1.1" into method and target. A
// request line without a protocol (HTTP/0.9) is accepted.
func splitRequest(r []byte) (method, target string, ok bool) {
	i := bytes.IndexByte(r, ' ')
	if i <= 0 {
		return "", "", false
	}
	rest := r[i+1:]
	if j := bytes.LastIndexByte(rest, ' '); j >= 0 && bytes.HasPrefix(rest[j+1:], []byte("HTTP/")) {
		rest = rest[:j]
	}
	if len(rest) == 0 {
		return "", "", false
	}
	return string(r[:i]), string(rest), true
}

// parseDuration reads a duration such as "0.123" (in unit) or "1234". A
// value nginx writes for several upstreams ("0.010, 0.020") counts its
// first; "-" is unknown (-1).
func parseDuration(b []byte, unit time.Duration) time.Duration {
	if i := bytes.IndexAny(b, ", "); i >= 0 {
		b = b[:i]
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || v < 0 || v > 1e9 {
		return -1
	}
	return time.Duration(v * float64(unit))
}

// unescape undoes the escaping of a quoted value and maps "-" to "".
func unescape(b []byte, k escapeKind) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	switch k {
	case escapeBackslash:
		if bytes.IndexByte(b, '\\') < 0 {
			return string(b)
		}
		var s strings.Builder
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c != '\\' || i+1 == len(b) {
				s.WriteByte(c)
				continue
			}
			i++
			switch b[i] {
			case 'x':
				if i+2 < len(b) {
					if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
						s.WriteByte(byte(v))
						i += 2
						continue
					}
				}
				s.WriteString(`\x`)
			case 'n':
				s.WriteByte('\n')
			case 't':
				s.WriteByte('\t')
			default:
				s.WriteByte(b[i])
			}
		}
		return s.String()
	case escapeW3C:
		s := string(b)
		if strings.IndexByte(s, '%') < 0 {
			return strings.ReplaceAll(s, "+", " ")
		}
		// CloudFront encodes the user agent, some characters twice
		// (%2520 for a space).
		for range 2 {
			if !strings.Contains(s, "%") {
				break
			}
			s = percentDecode(s)
		}
		return s
	}
	return string(b)
}

// percentDecode decodes %HH sequences and leaves anything else as is.
func percentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// zoneCache keeps one *time.Location per UTC offset seen, so that a line's
// time keeps the offset the server wrote without a new zone per line.
type zoneCache struct {
	m map[int]*time.Location
}

func (z *zoneCache) get(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if l, ok := z.m[off]; ok {
		return l
	}
	if z.m == nil {
		z.m = map[int]*time.Location{}
	}
	if len(z.m) > 64 { // hostile input: do not grow without bound
		return time.FixedZone("", off)
	}
	l := time.FixedZone("", off)
	z.m[off] = l
	return l
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func num(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// clf is the fields of a CLF timestamp.
type clf struct{ y, mon, d, h, mi, s, off int }

// parseCLF reads the fields of "10/Oct/2000:13:55:36 -0700", each in its
// range (the day up to 31, whatever the month).
func parseCLF(b []byte) (clf, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return clf{}, false
	}
	d, ok1 := num(b[0:2])
	y, ok2 := num(b[7:11])
	h, ok3 := num(b[12:14])
	mi, ok4 := num(b[15:17])
	s, ok5 := num(b[18:20])
	zh, ok6 := num(b[22:24])
	zm, ok7 := num(b[24:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || (b[21] != '+' && b[21] != '-') {
		return clf{}, false
	}
	mon := 0
	for i, m := range months {
		if string(b[3:6]) == m {
			mon = i + 1
			break
		}
	}
	if mon == 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || zh > 23 || zm > 59 {
		return clf{}, false
	}
	off := zh*3600 + zm*60
	if b[21] == '-' {
		off = -off
	}
	return clf{y, mon, d, h, mi, s, off}, true
}

// validTime reports whether parseTime would parse b, without making the
// time for a CLF timestamp (a visitor's line is only checked).
func validTime(b []byte, k timeKind, zones *zoneCache) bool {
	if k != timeCLF {
		_, err := parseTime(b, k, zones)
		return err == nil
	}
	c, ok := parseCLF(b)
	return ok && c.d <= daysIn(c.mon, c.y)
}

// daysIn is the number of days of month mon of year y (proleptic
// Gregorian, as package time counts).
func daysIn(mon, y int) int {
	switch mon {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseTime parses a timestamp of kind k.
func parseTime(b []byte, k timeKind, zones *zoneCache) (time.Time, error) {
	switch k {
	case timeCLF:
		c, ok := parseCLF(b)
		if !ok {
			return time.Time{}, errTime
		}
		t := time.Date(c.y, time.Month(c.mon), c.d, c.h, c.mi, c.s, 0, zones.get(c.off))
		if t.Day() != c.d { // 31/Feb
			return time.Time{}, errTime
		}
		return t, nil
	case timeISO:
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return time.Time{}, errTime
		}
		_, off := t.Zone()
		return t.In(zones.get(off)), nil
	case timeEpoch, timeEpochMS:
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil || v < 0 || v > 1e13 {
			return time.Time{}, errTime
		}
		if k == timeEpochMS {
			v /= 1000
		}
		sec := int64(v)
		return time.Unix(sec, int64((v-float64(sec))*1e9)).UTC(), nil
	case timeW3C:
		t, err := time.Parse("2006-01-02 15:04:05", string(b))
		if err != nil {
			return time.Time{}, errTime
		}
		return t, nil
	}
	return time.Time{}, errTime
}
