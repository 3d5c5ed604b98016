// Package urlx normalises URLs, decides crawl scope, and masks secrets in
// URLs before they are shown anywhere. It is synchronous and has no I/O.
package urlx

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// ErrNotHTTP is returned by Resolve for references that are not http(s)
// (mailto:, javascript:, tel:, data:, …): they are skipped, not errors.
var ErrNotHTTP = errors.New("not an http(s) URL")

// Normalize returns u in canonical form: scheme and host lower-cased,
// default port dropped, fragment and userinfo dropped, empty path as "/".
// The query is kept as sent. u must be absolute.
func Normalize(u *url.URL) string {
	n := *u
	n.Scheme = strings.ToLower(n.Scheme)
	n.User = nil
	n.Fragment = ""
	n.RawFragment = ""
	host := strings.ToLower(n.Host)
	if h, p, err := net.SplitHostPort(host); err == nil {
		if (n.Scheme == "http" && p == "80") || (n.Scheme == "https" && p == "443") {
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			} else {
				host = h
			}
		}
	} else {
		host = strings.TrimSuffix(host, ":")
	}
	n.Host = host
	if n.Path == "" && n.Opaque == "" {
		n.Path = "/"
		n.RawPath = ""
	}
	n.ForceQuery = false
	n.RawQuery = escapeNonASCII(n.RawQuery)
	return n.String()
}

// escapeNonASCII percent-encodes the bytes of s that are not ASCII, as
// browsers send a query (WHATWG URL: the query's code points are encoded
// in the document's encoding, then percent-encoded): a URL is ASCII text.
func escapeNonASCII(s string) string {
	i := 0
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	if i == len(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// Parse parses an absolute http(s) URL and returns it normalised.
func Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, errors.New("missing scheme (want http:// or https://)")
		}
		return nil, ErrNotHTTP
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("missing host")
	}
	n, err := url.Parse(Normalize(u))
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Resolve resolves ref (as found in a page: trimmed of spaces) against base
// and returns the normalised absolute URL. References that are empty,
// fragment-only on the same document are returned as base itself;
// non-http(s) references return ErrNotHTTP. ref is taken as UTF-8 text, as
// in a UTF-8 document (ResolveIn is the same for other encodings).
func Resolve(base *url.URL, ref string) (string, error) {
	return ResolveIn(base, ref, "")
}

// ResolveIn is Resolve for a reference found in a document whose character
// encoding is charset (a WHATWG encoding name or label such as
// "windows-1252" or "shift_jis"; "" is UTF-8). ref is the document's text,
// already decoded to UTF-8. As the WHATWG URL standard's "encoding-parse a
// URL" does (https://url.spec.whatwg.org/#concept-url-parser, with the
// document's encoding as encoding), the path and everything else but the
// query are percent-encoded as UTF-8, whatever the document's encoding: a
// windows-1252 page's "/straße" is requested as /stra%C3%9Fe. The query's
// non-ASCII characters are encoded in the document's encoding, then
// percent-encoded: "?q=ß" is ?q=%DF in that page and ?q=%C3%9F in a UTF-8
// one; a character the encoding lacks becomes %26%23NNN%3B (the
// percent-encoded "&#NNN;", as browsers send it). UTF-16, the replacement
// encoding and names that are no WHATWG encoding use UTF-8 ("get an output
// encoding"). Bytes of ref that are not UTF-8 (a document that declared
// UTF-8 and is not) are percent-encoded as they are, never replaced.
func ResolveIn(base *url.URL, ref, charset string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", ErrNotHTTP
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	if charset != "" && !isASCII(r.RawQuery) {
		r.RawQuery = encodeQuery(r.RawQuery, charset)
	}
	abs := base.ResolveReference(r)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return "", ErrNotHTTP
	}
	if abs.Host == "" {
		return "", errors.New("missing host")
	}
	out := Normalize(abs)
	// url.Parse accepts relative references with hosts it would reject in
	// an absolute URL ("//0::0"), or that normalise differently once
	// parsed again ("//]::"); keep only what parses back to itself.
	back, err := url.Parse(out)
	if err != nil {
		return "", err
	}
	if Normalize(back) != out {
		return "", errors.New("unusable host")
	}
	return out, nil
}

// Origin returns scheme://host[:port] of a normalised URL.
func Origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// DefaultSecretParams are query parameter names whose values Mask hides.
var DefaultSecretParams = []string{"token", "access_token", "api_key", "apikey", "key", "sig", "signature", "password", "passwd", "secret", "auth", "session", "sessionid", "jwt", "code", "client_secret", "id_token", "refresh_token", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
	"pwd", "pass", "pw", "otp", "hmac", "auth_key", "private_key", "authorization", "access_key", "accesskey",
	"samlresponse", "samlrequest", "samlart", "ticket", "assertion", "oauth_verifier", "sid"}

// SecretParamParts are parts of query parameter names whose values Mask
// hides wherever they appear in the name: "auth_token", "X-Goog-Signature",
// "clientSecret", "session_id" and the like.
var SecretParamParts = []string{"token", "secret", "passw", "signature", "apikey", "api_key", "api-key", "credential", "sessionid", "session_id", "sessid"}

// Masked is what Mask puts in place of a secret.
const Masked = "REDACTED"

// Masker hides secrets in URLs: userinfo, and the values of query
// parameters whose names (case-insensitive) are in its list or contain one
// of SecretParamParts. A run builds its own (NewMasker with the run's
// --mask-param names), so two runs in one process never affect each other's
// masking. A nil *Masker masks the default names only. A Masker is
// immutable once built and safe for concurrent use.
type Masker struct {
	params map[string]bool
	extra  []string // the names added to DefaultSecretParams, lower-cased, in order
}

// NewMasker returns a Masker for DefaultSecretParams plus extra names.
func NewMasker(extra ...string) *Masker {
	m := &Masker{params: map[string]bool{}}
	for _, p := range DefaultSecretParams {
		m.params[p] = true
	}
	for _, p := range extra {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" && !m.params[p] {
			m.params[p] = true
			m.extra = append(m.extra, p)
		}
	}
	return m
}

// With returns a Masker that also hides the names given: m's own plus
// these. m is not changed.
func (m *Masker) With(names ...string) *Masker {
	if m == nil {
		return NewMasker(names...)
	}
	return NewMasker(append(append([]string(nil), m.extra...), names...)...)
}

// Extra returns the names m hides beyond DefaultSecretParams, lower-cased.
func (m *Masker) Extra() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.extra...)
}

// defaults masks the default names; it is never changed.
var defaults = NewMasker()

// secret reports whether a parameter named key (lower-cased) is masked.
func (m *Masker) secret(key string) bool {
	if m.params[key] {
		return true
	}
	for _, part := range SecretParamParts {
		if strings.Contains(key, part) {
			return true
		}
	}
	return false
}

// Mask hides secrets in raw with the default names only
// (DefaultSecretParams and SecretParamParts). Code that writes a run's
// outputs, logs or messages masks with the run's Masker instead, which
// adds the names the run was given.
func Mask(raw string) string { return defaults.Mask(raw) }

// Mask hides secrets in raw: userinfo becomes REDACTED@, and the values
// of secret-looking parameters become REDACTED wherever a URL carries them:
// the query (parameters split on & and ;), path parameters (";jsessionid="
// in a segment), a fragment that carries parameters ("#access_token=", as
// OAuth's implicit flow does), and URLs nested in a parameter's value
// (masked the same way, a few levels deep). The rest of the URL is kept
// byte for byte. Masking is idempotent.
func (m *Masker) Mask(raw string) string { return m.mask(raw, maxNesting) }

// maxNesting bounds how deep Mask looks into URLs nested in parameter
// values: each level costs a pass over the value.
const maxNesting = 4

func (m *Masker) mask(raw string, depth int) string {
	if m == nil || m.params == nil {
		m = defaults
	}
	if !strings.ContainsAny(raw, "?@;#=") {
		return raw
	}
	out := raw
	// userinfo: scheme://user:pass@host
	pathAt := 0
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			out = out[:i+3] + Masked + "@" + rest[at+1:]
			end = end - at - 1 + len(Masked) + 1
		}
		pathAt = i + 3 + end
	}
	// Split off the fragment, then the query.
	frag := ""
	if h := strings.IndexByte(out[pathAt:], '#'); h >= 0 {
		frag, out = out[pathAt+h:], out[:pathAt+h]
	}
	query, hasQuery := "", false
	if q := strings.IndexByte(out[pathAt:], '?'); q >= 0 {
		query, hasQuery, out = out[pathAt+q+1:], true, out[:pathAt+q]
	}
	path := m.maskPathParams(out[pathAt:])
	out = out[:pathAt] + path
	if hasQuery {
		out += "?" + m.maskParams(query, depth)
	}
	if frag != "" {
		// "#access_token=…&state=…": a fragment of parameters.
		out += "#" + m.maskParams(frag[1:], depth)
	}
	return out
}

// maskParams masks the secret values of a list of name=value parameters
// separated by & or ;, and URLs nested in the other values.
func (m *Masker) maskParams(list string, depth int) string {
	if !strings.Contains(list, "=") {
		return list
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(list); i++ {
		if i < len(list) && list[i] != '&' && list[i] != ';' {
			continue
		}
		b.WriteString(m.maskParam(list[start:i], depth))
		if i < len(list) {
			b.WriteByte(list[i])
		}
		start = i + 1
	}
	return b.String()
}

// maskParam masks one name=value parameter.
func (m *Masker) maskParam(p string, depth int) string {
	name, value, hasValue := strings.Cut(p, "=")
	if !hasValue {
		return p
	}
	key, err := url.QueryUnescape(name)
	if err != nil {
		key = name
	}
	if m.secret(strings.ToLower(key)) {
		return name + "=" + Masked
	}
	if depth <= 0 || value == "" {
		return p
	}
	// A URL (or query) inside the value, as written or percent-encoded.
	if strings.ContainsAny(value, "?@;#=") {
		if masked := m.mask(value, depth-1); masked != value {
			return name + "=" + masked
		}
	}
	if strings.Contains(value, "%") {
		if plain, err := url.QueryUnescape(value); err == nil && plain != value && strings.ContainsAny(plain, "?@;#=") {
			if masked := m.mask(plain, depth-1); masked != plain {
				return name + "=" + url.QueryEscape(masked)
			}
		}
	}
	return p
}

// maskPathParams masks secret path parameters: ";jsessionid=…" in a path
// segment.
func (m *Masker) maskPathParams(path string) string {
	if !strings.Contains(path, ";") {
		return path
	}
	segs := strings.Split(path, "/")
	changed := false
	for i, seg := range segs {
		head, params, ok := strings.Cut(seg, ";")
		if !ok {
			continue
		}
		if masked := m.maskParams(params, 0); masked != params {
			segs[i] = head + ";" + masked
			changed = true
		}
	}
	if !changed {
		return path
	}
	return strings.Join(segs, "/")
}

// urlInText finds http(s) URLs in free text: the scheme, then everything up
// to white space, a quote or an angle bracket. Compiled once; never mutated.
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>` + "`" + `]+`)

// MaskText masks every http(s) URL inside free text (finding messages,
// fetch errors such as `Get "https://user:pw@host/?token=x": EOF`).
// Punctuation that ends a sentence right after a URL is kept out of the URL,
// so that masking a secret value does not swallow it. Masking is
// idempotent.
func (m *Masker) MaskText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, func(u string) string {
		t := strings.TrimRight(u, ".,;:!?)]}")
		return m.Mask(t) + u[len(t):]
	})
}
