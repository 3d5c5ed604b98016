package robots

import (
	"bytes"
	"strings"
)

// temoto/robotstxt (v1.1.2) compiles a rule holding * or $ into a regular
// expression it does not anchor at the start of the path, so that
// "Disallow: /fish*.php" also blocks /x/fish.php and "Allow: /$" allows
// every path ending in a slash, where RFC 9309 section 2.2.2 and Google
// match every rule from the path's first character. The package keeps
// temoto's parser (groups, agents, sitemaps, precedence) and anchors its
// rules: every Allow and Disallow path gets anchorPrefix in front, and so
// does every path tested. The prefix holds a character no request URI
// holds (URL.RequestURI percent-encodes whatever is not ASCII), so a rule
// can match only where the tested path starts.
const anchorPrefix = "/\u2400"

// anchorRules returns body with anchorPrefix put in front of the path of
// every Allow and Disallow line (temoto's rule keys, matched as it does:
// case-insensitively, spaces around the key and the value ignored). A path
// that starts with neither / nor * gets a / first, as temoto would give it.
// Other lines are kept as they are.
func anchorRules(body []byte) []byte {
	if !bytes.Contains(bytes.ToLower(body), []byte("allow")) {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/8)
	for len(body) > 0 {
		line := body
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i+1], body[i+1:]
		} else {
			body = nil
		}
		out.Write(anchorLine(line))
	}
	return out.Bytes()
}

// anchorLine anchors one line (with its line break, if any): the prefix
// goes right before the value's first character, every other byte stays
// (temoto reads the comments and spaces after it as it did).
func anchorLine(line []byte) []byte {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return line
	}
	key := strings.ToLower(strings.TrimLeft(string(line[:colon]), " \t"))
	if key != "allow" && key != "disallow" {
		return line // other keys, and "Disallow :", which temoto ignores
	}
	rest := line[colon+1:]
	lead := len(rest) - len(bytes.TrimLeft(rest, " \t"))
	value := rest[lead:]
	if len(value) == 0 || strings.ContainsRune("#\r\n", rune(value[0])) {
		return line // an empty rule: ignored, as before
	}
	var b bytes.Buffer
	b.Write(line[:colon+1+lead])
	b.WriteString(anchorPrefix)
	if value[0] != '/' && value[0] != '*' {
		b.WriteByte('/')
	}
	b.Write(value)
	return b.Bytes()
}

// anchored is a request URI as the anchored rules match it.
func anchored(requestURI string) string { return anchorPrefix + requestURI }
