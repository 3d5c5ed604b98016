// Package urlx normalises URLs, decides crawl scope, and masks secrets in
// URLs before they are shown anywhere. It is synchronous and has no I/O.
package urlx

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
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
// of SecretParamParts. The zero value masks as the default Masker does. It
// is safe for concurrent use once built.
type Masker struct {
	params map[string]bool
}

// NewMasker returns a Masker for DefaultSecretParams plus extra names.
func NewMasker(extra ...string) *Masker {
	m := &Masker{params: map[string]bool{}}
	for _, p := range DefaultSecretParams {
		m.params[p] = true
	}
	for _, p := range extra {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			m.params[p] = true
		}
	}
	return m
}

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

var (
	defaultMasker atomic.Pointer[Masker]
	extraMu       sync.Mutex
	extraParams   []string
)

func init() { defaultMasker.Store(NewMasker()) }

// AddSecretParams makes Mask (the default Masker) also hide the values of
// the query parameters named (case-insensitive). Names are only ever added:
// a process masks the union of every name it was given (--mask-param, the
// names a crawl database stores).
func AddSecretParams(names ...string) {
	extraMu.Lock()
	defer extraMu.Unlock()
	m := defaultMasker.Load()
	added := false
	for _, n := range names {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !m.params[n] {
			extraParams = append(extraParams, n)
			added = true
		}
	}
	if added { // every crawl and every opened crawl calls this, mostly with nothing new
		defaultMasker.Store(NewMasker(extraParams...))
	}
}

// Mask hides secrets in raw with the default Masker: DefaultSecretParams,
// SecretParamParts and AddSecretParams's names. Text that is not a URL is
// returned unchanged except for anything that looks like userinfo.
func Mask(raw string) string { return defaultMasker.Load().Mask(raw) }

// Mask hides secrets in raw: userinfo becomes REDACTED@, and the values of
// secret-looking query parameters become REDACTED. The rest of the URL is
// kept byte for byte.
func (m *Masker) Mask(raw string) string {
	if m == nil || m.params == nil {
		m = defaultMasker.Load()
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
