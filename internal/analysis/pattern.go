package analysis

import (
	"slices"
	"strings"
)

// URL patterns: what a URL is as a member of a family of URLs. Pattern turns
// a URL into the template its family shares, so that the crawler can watch a
// family grow (crawler traps), the audit can report a family once (facets,
// session IDs, traps), and the budget can count a family as one section.
//
// Pattern(raw) is the template of raw's path and query (no scheme or host:
// callers that mix hosts key by origin too). Path segments that name one item
// rather than a place become typed placeholders:
//
//	{year}   four digits from 1900 to 2099, followed by another segment
//	         (/cal/2015/03, /archive/2015/; a last segment or a file name,
//	         /img/1950.png, is an {id})
//	{month}  1 to 12 (one or two digits) right after a {year}
//	{day}    1 to 31 (one or two digits) right after a {month}
//	{date}   a date in one segment: 2024-05-17, 2024-05, 20240517
//	{id}     any other number
//	{uuid}   8-4-4-4-12 hexadecimal digits
//	{hash}   8 or more hexadecimal digits, with at least one digit and one letter
//	{token}  20 or more letters and digits mixed, without separators (a
//	         random key: a session ID, a signature)
//	{repeat} the segment, or group of two or three segments, before it,
//	         repeated three or more times in a row (/a/a/a/a → /a/{repeat},
//	         /x/y/x/y/x/y → /x/y/{repeat})
//
// A placeholder keeps a file extension (/page/2.html → /page/{id}.html).
// Path parameters become their names (/cart;jsessionid=A1 → /cart;jsessionid)
// and the query becomes its sorted set of parameter names, each once
// (/shoes?sort=price&color=red&color=blue → /shoes?color&sort): the values
// are what varies inside a family, the names are what makes one.
//
// /cal/2015/03 and /cal/2016/11 are /cal/{year}/{month}; /p/17 is /p/{id};
// /list?page=3 is /list?page. Slugs (/blog/my-first-post) are kept as they
// are: a slug names a page of its own.
func Pattern(raw string) string {
	path, query := splitURL(raw)
	var b strings.Builder
	b.Grow(len(path) + 16)
	writePathPattern(&b, path)
	if query != "" {
		for i, k := range queryKeys(query) {
			if i == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('&')
			}
			b.WriteString(k)
		}
	}
	return b.String()
}

// PathPattern is Pattern without the query: the template of raw's path.
func PathPattern(raw string) string {
	path, _ := splitURL(raw)
	var b strings.Builder
	b.Grow(len(path) + 16)
	writePathPattern(&b, path)
	return b.String()
}

// Templated reports whether a pattern is a template rather than one URL's
// path: it holds a placeholder, path parameters or a query.
func Templated(pattern string) bool {
	return strings.ContainsAny(pattern, "{?;")
}

// Placeholders of Pattern.
const (
	PlaceYear   = "{year}"
	PlaceMonth  = "{month}"
	PlaceDay    = "{day}"
	PlaceDate   = "{date}"
	PlaceID     = "{id}"
	PlaceUUID   = "{uuid}"
	PlaceHash   = "{hash}"
	PlaceToken  = "{token}"
	PlaceRepeat = "{repeat}"
)

// Dated reports whether a pattern holds a date placeholder: a calendar or
// an archive by date.
func Dated(pattern string) bool {
	for _, p := range []string{PlaceYear, PlaceMonth, PlaceDay, PlaceDate} {
		if strings.Contains(pattern, p) {
			return true
		}
	}
	return false
}

// OriginOf returns the scheme and host of an absolute URL
// ("https://example.com"), or "" for a URL without one.
func OriginOf(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return ""
	}
	rest := raw[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		return raw[:i+3+j]
	}
	return raw
}

// splitURL returns raw's path ("/" when empty) and query, without the
// scheme, host and fragment. raw may be a bare path.
func splitURL(raw string) (path, query string) {
	if h := strings.IndexByte(raw, '#'); h >= 0 {
		raw = raw[:h]
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			return "/", ""
		}
		raw = rest[j:]
	}
	path, query, _ = strings.Cut(raw, "?")
	if path == "" {
		path = "/"
	}
	return path, query
}

// writePathPattern writes the template of path (see Pattern).
func writePathPattern(b *strings.Builder, path string) {
	var buf [16]string
	segs := buf[:0]
	prev := ""
	for rest, more := path, true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		seg, prev = segmentPattern(seg, prev, !more)
		segs = append(segs, seg)
	}
	segs = collapseRepeats(segs)
	for i, seg := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(seg)
	}
}

// segmentPattern returns the template of one path segment, given the
// placeholder the segment before it became ("" for none) and whether it is
// the path's last segment, and the placeholder it becomes itself.
func segmentPattern(seg, prev string, last bool) (out, place string) {
	base, params, hasParams := strings.Cut(seg, ";")
	if base != "" && !hasDigit(base) {
		// A word: no placeholder but {hash}'s or {token}'s can hold no digit.
		out = base
	} else {
		place = placeholder(base, prev, last)
		out = base
		if place != "" {
			out = place
		} else if name, ext, ok := splitExt(base); ok {
			if p := placeholder(name, prev, true); p != "" {
				out = p + "." + ext
			}
		}
	}
	if hasParams {
		var names []string
		for p := range strings.SplitSeq(params, ";") {
			if k, _, _ := strings.Cut(p, "="); k != "" {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		for _, k := range names {
			out += ";" + k
		}
	}
	return out, place
}

// splitExt splits "2.html" into "2" and "html": an extension of one to
// five letters or digits after the last dot.
func splitExt(s string) (name, ext string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i-1 < 1 || len(s)-i-1 > 5 {
		return "", "", false
	}
	for _, c := range []byte(s[i+1:]) {
		if !isAlnum(c) {
			return "", "", false
		}
	}
	return s[:i], s[i+1:], true
}

// placeholder returns the placeholder a path segment stands for ("{id}",
// "{date}", …), or "" when it names a place (a word, a slug). prev is the
// placeholder of the segment before it, which decides {month} and {day};
// last says no segment follows it (then a year-like number is an {id}).
func placeholder(s, prev string, last bool) string {
	n := len(s)
	if n == 0 {
		return ""
	}
	if digits(s) {
		v := atoi(s)
		switch {
		case n == 4 && v >= 1900 && v <= 2099 && !last:
			return PlaceYear
		case n <= 2 && prev == PlaceYear && v >= 1 && v <= 12:
			return PlaceMonth
		case n <= 2 && prev == PlaceMonth && v >= 1 && v <= 31:
			return PlaceDay
		case n == 8 && isDate(s[:4], s[4:6], s[6:]):
			return PlaceDate
		}
		return PlaceID
	}
	switch {
	case n == 10 && s[4] == '-' && s[7] == '-' && isDate(s[:4], s[5:7], s[8:]),
		n == 7 && s[4] == '-' && isDate(s[:4], s[5:], "01"):
		return PlaceDate
	case n == 36 && isUUID(s):
		return PlaceUUID
	case n >= 8 && isHexID(s):
		return PlaceHash
	case n >= 20 && isToken(s):
		return PlaceToken
	}
	return ""
}

// SegmentIsVariable reports whether a path segment names one item (a
// number, a date, an ID, a hash, a token) rather than a place.
func SegmentIsVariable(seg string) bool {
	base, _, _ := strings.Cut(seg, ";")
	if placeholder(base, "", false) != "" {
		return true
	}
	if name, _, ok := splitExt(base); ok {
		return placeholder(name, "", true) != ""
	}
	return false
}

func isDate(y, m, d string) bool {
	if !digits(y) || !digits(m) || !digits(d) || len(y) != 4 || len(m) != 2 || len(d) != 2 {
		return false
	}
	yy, mm, dd := atoi(y), atoi(m), atoi(d)
	return yy >= 1900 && yy <= 2099 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31
}

func isUUID(s string) bool {
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isHexID: hexadecimal digits only, with at least one digit and one letter
// ("3f2a9c1d"; "decade12"), so that words ("deadbeef") and numbers ({id})
// are not hashes.
func isHexID(s string) bool {
	digit, letter := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			letter = true
		default:
			return false
		}
	}
	return digit && letter
}

// isToken: letters and digits only, mixed (at least two of each).
func isToken(s string) bool {
	digitsN, letters := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digitsN++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		default:
			return false
		}
	}
	return digitsN >= 2 && letters >= 2
}

// collapseRepeats replaces a segment, or a group of two or three segments,
// repeated three or more times in a row with the group once and {repeat}.
func collapseRepeats(segs []string) []string {
	if len(segs) < 4 {
		return segs
	}
	var out []string
	for i := 0; i < len(segs); {
		done := false
		for g := 1; g <= 3 && !done; g++ {
			if segs[i] == "" {
				break
			}
			if k := repeats(segs, i, g); k >= 3 {
				out = append(out, segs[i:i+g]...)
				out = append(out, PlaceRepeat)
				i += k * g
				done = true
			}
		}
		if !done {
			out = append(out, segs[i])
			i++
		}
	}
	return out
}

// repeats counts how many times in a row the group segs[i:i+g] occurs from
// i on.
func repeats(segs []string, i, g int) int {
	if i+g > len(segs) {
		return 0
	}
	k := 1
	for j := i + g; j+g <= len(segs) && slices.Equal(segs[j:j+g], segs[i:i+g]); j += g {
		k++
	}
	return k
}

// MaxSegmentRepeats is how many times in a row a path segment, or a group
// of two or three segments, may occur in a URL the crawler follows: /a/a/a
// is followed, /a/a/a/a is not. A relative link that adds a segment on
// every page (href="a/" served on every path) grows a URL without end;
// Google names it among the infinite spaces.
const MaxSegmentRepeats = 3

// RepeatsSegments reports whether raw's path repeats a segment, or a group
// of two or three segments, more than MaxSegmentRepeats times in a row.
func RepeatsSegments(raw string) bool {
	path, _ := splitURL(raw)
	if strings.Count(path, "/") <= MaxSegmentRepeats {
		return false
	}
	segs := strings.Split(path, "/")
	for i := range segs {
		if segs[i] == "" {
			continue
		}
		for g := 1; g <= 3; g++ {
			if repeats(segs, i, g) > MaxSegmentRepeats {
				return true
			}
		}
	}
	return false
}

// Param is one name=value parameter of a URL's query or path parameters.
type Param struct {
	Name, Value string
	Path        bool // a path parameter (;name=value in a segment)
}

// Params returns the parameters of raw: path parameters first, then the
// query's, in order.
func Params(raw string) []Param {
	path, query := splitURL(raw)
	var out []Param
	if strings.IndexByte(path, ';') >= 0 {
		for seg := range strings.SplitSeq(path, "/") {
			_, params, ok := strings.Cut(seg, ";")
			if !ok {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				if k, v, _ := strings.Cut(p, "="); k != "" {
					out = append(out, Param{Name: k, Value: v, Path: true})
				}
			}
		}
	}
	if query != "" {
		for p := range strings.SplitSeq(query, "&") {
			if k, v, _ := strings.Cut(p, "="); k != "" {
				out = append(out, Param{Name: k, Value: v})
			}
		}
	}
	return out
}

// queryKeys returns the sorted distinct parameter names of a query.
func queryKeys(query string) []string {
	var keys []string
	for p := range strings.SplitSeq(query, "&") {
		if k, _, _ := strings.Cut(p, "="); k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// sessionNames are the parameter names that carry a session ID, lower-case:
// servlet containers (jsessionid), PHP, ASP, ColdFusion and shop systems.
var sessionNames = map[string]bool{
	"jsessionid": true, "phpsessid": true, "aspsessionid": true, "sid": true, "sessionid": true, "session_id": true,
	"sessid": true, "session": true, "cfid": true, "cftoken": true, "zenid": true, "oscsid": true, "s_id": true,
}

// SessionParam reports whether a parameter name (of the query or a path
// parameter) carries a session ID by its name. Google: session IDs in URLs
// make one page answer at endless URLs ("URL structure", "Crawl budget").
func SessionParam(name string) bool {
	n := strings.ToLower(name)
	if sessionNames[n] {
		return true
	}
	return strings.HasPrefix(n, "aspsessionid") // ASPSESSIONIDQAQBQCQD
}

// RandomValue reports whether a parameter value looks like a random key,
// as a session ID does when its name does not say so: at least 16
// characters of letters, digits, '-' and '_', switching between letters
// and digits at least four times ("8f14e45fceea167a"), which a slug or a
// word ("red-shoes-size-42") does not.
func RandomValue(v string) bool {
	if len(v) < 16 || len(v) > 512 {
		return false
	}
	switches, last := 0, byte(0)
	for i := 0; i < len(v); i++ {
		c := v[i]
		var class byte
		switch {
		case c >= '0' && c <= '9':
			class = 'd'
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			class = 'a'
		case c == '-' || c == '_':
			continue
		default:
			return false
		}
		if last != 0 && class != last {
			switches++
		}
		last = class
	}
	return switches >= 4
}

// StripSession returns raw without its session parameters: those
// SessionParam names and those extra says yes to (names a crawl learnt
// from their values' shape), from the path parameters and the query. ok is
// false when raw has none (then raw is returned as it is). Two URLs that
// differ only by their session IDs strip to the same URL: they are one
// page.
func StripSession(raw string, extra func(name string) bool) (string, bool) {
	is := func(name string) bool {
		return SessionParam(name) || extra != nil && extra(strings.ToLower(name))
	}
	cut := strings.IndexAny(raw, ";?")
	if cut < 0 {
		return raw, false
	}
	frag := ""
	if h := strings.IndexByte(raw, '#'); h >= 0 {
		raw, frag = raw[:h], raw[h:]
	}
	head, query, hasQuery := strings.Cut(raw, "?")
	changed := false
	if strings.IndexByte(head, ';') >= 0 {
		prefix := ""
		if i := strings.Index(head, "://"); i >= 0 {
			if j := strings.IndexByte(head[i+3:], '/'); j >= 0 {
				prefix, head = head[:i+3+j], head[i+3+j:]
			}
		}
		segs := strings.Split(head, "/")
		for i, seg := range segs {
			base, params, ok := strings.Cut(seg, ";")
			if !ok {
				continue
			}
			var kept []string
			for p := range strings.SplitSeq(params, ";") {
				if k, _, _ := strings.Cut(p, "="); k != "" && is(k) {
					changed = true
					continue
				}
				kept = append(kept, p)
			}
			segs[i] = strings.Join(append([]string{base}, kept...), ";")
		}
		head = prefix + strings.Join(segs, "/")
	}
	if hasQuery {
		var kept []string
		for p := range strings.SplitSeq(query, "&") {
			if k, _, _ := strings.Cut(p, "="); k != "" && is(k) {
				changed = true
				continue
			}
			kept = append(kept, p)
		}
		query = strings.Join(kept, "&")
	}
	if !changed {
		return raw + frag, false
	}
	out := head
	if query != "" {
		out += "?" + query
	}
	return out + frag, true
}

// HasSessionID reports whether raw carries a session parameter by name
// (SessionParam), in its path parameters or its query.
func HasSessionID(raw string) bool {
	if !strings.ContainsAny(raw, ";?") {
		return false
	}
	for _, p := range Params(raw) {
		if SessionParam(p.Name) {
			return true
		}
	}
	return false
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads a short run of digits (at most 9, so it cannot overflow).
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s) && i < 9; i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
