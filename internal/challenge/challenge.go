// Package challenge parses the WWW-Authenticate and Proxy-Authenticate
// header fields of RFC 9110 section 11 into challenges: an auth scheme plus
// either a token68 or a list of auth-params. It is synchronous, has no I/O,
// and treats its input as hostile: it never panics and bounds its work by
// the input length.
//
// In the flow crawler → store → audit → report it is a leaf: the crawler
// records the raw header values, audit and report parse them here.
package challenge

import (
	"fmt"
	"strings"
)

// Challenge is one auth challenge.
type Challenge struct {
	// Scheme is the auth scheme as sent ("Basic", "bearer", …). Schemes
	// are case-insensitive: compare with Is, group by Canonical.
	Scheme string
	// Token68 is the token68 form of the credentials data, if that form
	// was used (e.g. "Negotiate YIIB…"); then Params is empty.
	Token68 string
	// Params are the auth-params in order, names lower-cased (names are
	// case-insensitive), values with quoting and escapes removed.
	Params []Param
}

// Param is one auth-param.
type Param struct {
	Name  string // lower-cased
	Value string // unquoted
}

// Is reports whether c's scheme is scheme, ignoring case.
func (c Challenge) Is(scheme string) bool { return strings.EqualFold(c.Scheme, scheme) }

// Param returns the value of the auth-param name (case-insensitive) and
// whether it is present.
func (c Challenge) Param(name string) (string, bool) {
	for _, p := range c.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// Realm returns the realm parameter, or "" when there is none.
func (c Challenge) Realm() string {
	v, _ := c.Param("realm")
	return v
}

// canonical maps lower-cased well-known schemes to their usual spelling.
var canonical = map[string]string{
	"basic": "Basic", "digest": "Digest", "bearer": "Bearer", "negotiate": "Negotiate",
	"ntlm": "NTLM", "hoba": "HOBA", "mutual": "Mutual", "aws4-hmac-sha256": "AWS4-HMAC-SHA256",
	"dpop": "DPoP", "vapid": "vapid", "scram-sha-1": "SCRAM-SHA-1", "scram-sha-256": "SCRAM-SHA-256",
}

// Canonical returns the scheme's usual spelling for well-known schemes
// ("bearer" → "Bearer"), and the scheme as sent otherwise.
func (c Challenge) Canonical() string {
	if s, ok := canonical[strings.ToLower(c.Scheme)]; ok {
		return s
	}
	return c.Scheme
}

// SyntaxError says where a header value stopped parsing.
type SyntaxError struct {
	Value  int    // index of the header value (field line) in the input
	Offset int    // byte offset in that value
	Reason string // what was expected or found
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("challenge: header value %d, byte %d: %s", e.Value+1, e.Offset, e.Reason)
}

// Parse parses the values of one or more WWW-Authenticate (or
// Proxy-Authenticate) field lines, in order, and returns every challenge.
// Several challenges may share a line (comma-separated, RFC 9110 section
// 11.6.1), empty list elements are ignored (section 5.6.1), and quoted
// strings may hold commas and backslash escapes.
//
// On malformed input it returns the challenges of the values before the bad
// one and a *SyntaxError; a value that is empty or only commas and spaces
// holds no challenge and is not an error. Duplicate parameter names in one
// challenge are an error (RFC 9110 section 11.2).
func Parse(values []string) ([]Challenge, error) {
	var out []Challenge
	for i, v := range values {
		p := &parser{s: v}
		cs, err := p.parse()
		if err != nil {
			return out, &SyntaxError{Value: i, Offset: p.i, Reason: err.Error()}
		}
		out = append(out, cs...)
	}
	return out, nil
}

type parser struct {
	s string
	i int
}

type parseError string

func (e parseError) Error() string { return string(e) }

// tchar reports whether b is a token character (RFC 9110 section 5.6.2).
func tchar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// t68char reports whether b may appear in a token68 before its '=' padding.
func t68char(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", b) >= 0
}

func (p *parser) ows() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// commas skips OWS and empty list elements.
func (p *parser) commas() {
	for {
		p.ows()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		return
	}
}

func (p *parser) token() string {
	start := p.i
	for p.i < len(p.s) && tchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *parser) quoted() (string, error) {
	// p.s[p.i] == '"'
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				p.i++
				return "", parseError("unterminated quoted string")
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", parseError("control character in quoted string")
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", parseError("unterminated quoted string")
}

// atEnd reports whether only OWS remains or a list separator follows.
func (p *parser) atEndOrComma() bool {
	p.ows()
	return p.i >= len(p.s) || p.s[p.i] == ','
}

// isParamAhead reports whether an auth-param (token BWS "=") starts at p.i,
// without consuming anything.
func (p *parser) isParamAhead() bool {
	save := p.i
	defer func() { p.i = save }()
	if p.token() == "" {
		return false
	}
	p.ows()
	return p.i < len(p.s) && p.s[p.i] == '='
}

func (p *parser) parse() ([]Challenge, error) {
	var out []Challenge
	p.commas()
	for p.i < len(p.s) {
		scheme := p.token()
		if scheme == "" {
			return out, parseError(fmt.Sprintf("expected an auth scheme, found %q", p.s[p.i]))
		}
		c := Challenge{Scheme: scheme}
		if p.atEndOrComma() {
			out = append(out, c)
			p.commas()
			continue
		}
		if p.i > 0 && p.s[p.i-1] != ' ' && p.s[p.i-1] != '\t' {
			return out, parseError("expected a space after the auth scheme")
		}
		// token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
		// standing alone up to the end or the next comma.
		save := p.i
		for p.i < len(p.s) && t68char(p.s[p.i]) {
			p.i++
		}
		if p.i > save {
			for p.i < len(p.s) && p.s[p.i] == '=' {
				p.i++
			}
			t68 := p.s[save:p.i]
			if p.atEndOrComma() {
				c.Token68 = t68
				out = append(out, c)
				p.commas()
				continue
			}
		}
		p.i = save
		seen := map[string]bool{}
		for {
			name := strings.ToLower(p.token())
			if name == "" {
				return out, parseError("expected an auth-param name")
			}
			p.ows()
			if p.i >= len(p.s) || p.s[p.i] != '=' {
				return out, parseError("expected \"=\" after auth-param " + name)
			}
			p.i++
			p.ows()
			var val string
			if p.i < len(p.s) && p.s[p.i] == '"' {
				v, err := p.quoted()
				if err != nil {
					return out, err
				}
				val = v
			} else if val = p.token(); val == "" {
				return out, parseError("expected a token or quoted string as value of " + name)
			}
			if seen[name] {
				return out, parseError("duplicate auth-param " + name)
			}
			seen[name] = true
			c.Params = append(c.Params, Param{Name: name, Value: val})
			if !p.atEndOrComma() {
				return out, parseError("expected \",\" after auth-param " + name)
			}
			p.commas()
			if p.i >= len(p.s) || !p.isParamAhead() {
				break
			}
		}
		out = append(out, c)
	}
	return out, nil
}
