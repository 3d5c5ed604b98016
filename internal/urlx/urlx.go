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
	return n.String()
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
// non-http(s) references return ErrNotHTTP.
func Resolve(base *url.URL, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", ErrNotHTTP
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
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
	// an absolute URL ("//0::0"); keep only what parses back.
	if _, err := url.Parse(out); err != nil {
		return "", err
	}
	return out, nil
}

// Origin returns scheme://host[:port] of a normalised URL.
func Origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// DefaultSecretParams are query parameter names whose values Mask hides.
var DefaultSecretParams = []string{"token", "access_token", "api_key", "apikey", "key", "sig", "signature", "password", "passwd", "secret", "auth", "session", "sessionid", "jwt", "code", "client_secret", "id_token", "refresh_token", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
	"pwd", "pass", "otp", "hmac", "auth_key", "private_key"}

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

// Mask hides secrets in raw: userinfo becomes REDACTED@, and the values of
// secret-looking query parameters become REDACTED. The rest of the URL is
// kept byte for byte.
func (m *Masker) Mask(raw string) string {
	if m == nil || m.params == nil {
		m = defaults
	}
	if !strings.ContainsAny(raw, "?@") {
		return raw
	}
	out := raw
	// userinfo: scheme://user:pass@host
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			out = out[:i+3] + Masked + "@" + rest[at+1:]
		}
	}
	q := strings.IndexByte(out, '?')
	if q < 0 {
		return out
	}
	frag := ""
	query := out[q+1:]
	if h := strings.IndexByte(query, '#'); h >= 0 {
		frag = query[h:]
		query = query[:h]
	}
	parts := strings.Split(query, "&")
	changed := false
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		key, err := url.QueryUnescape(name)
		if err != nil {
			key = name
		}
		if m.secret(strings.ToLower(key)) {
			parts[i] = name + "=" + Masked
			changed = true
		}
	}
	if !changed {
		return out
	}
	return out[:q+1] + strings.Join(parts, "&") + frag
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
