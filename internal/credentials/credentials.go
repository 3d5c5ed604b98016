// Package credentials reads the credentials of an authenticated crawl from
// the places the user named: environment variables (by name, never a value
// on a command line), a header file and a Netscape cookies.txt file. It
// decodes a Bearer JWT's claims (without verifying them) to warn about a
// token that expires before or during the crawl. Nothing it reads ever goes
// into a message or an output: errors name the variable, file and line.
//
// It reads files it is handed by name and the environment through the
// getenv function it is given.
package credentials

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// The default environment variables that hold credentials. Credentials
// never come from flag values, which land in shell history and process
// lists.
const (
	EnvBasicAuth   = "CRAWLAUDIT_BASIC_AUTH"   // user:pass
	EnvBearerToken = "CRAWLAUDIT_BEARER_TOKEN" // the token alone
)

// tokenSoon is how close to its expiry a Bearer JWT is flagged before the
// crawl: crawls of real sites take minutes to hours, and a token that dies
// half-way turns the second half of the report into 401s.
const tokenSoon = 15 * time.Minute

// Sources says where a crawl's credentials come from: names of environment
// variables and files, never the secrets themselves.
type Sources struct {
	BasicAuthEnv     string   // variable holding user:password; "" means EnvBasicAuth
	BearerTokenEnv   string   // variable holding a Bearer token; "" means EnvBearerToken
	HeaderFile       string   // file of `Name: value` header lines; "" for none
	CookieFile       string   // Netscape cookies.txt file; "" for none
	Origins          []string // other origins (scheme://host[:port]) that get the credentials
	CompareAnonymous bool     // request every same-site URL with and without credentials
	// NamedOnly reads only the variables named above: an empty name reads
	// none instead of EnvBasicAuth or EnvBearerToken.
	NamedOnly bool
}

// Loaded is what Load found.
type Loaded struct {
	// Credentials are sent to the start origin and Credentials.Origins
	// only; nil means an anonymous crawl.
	Credentials *crawler.Credentials
	// Settings describe the credentials for the outputs ("credentials",
	// "credentials_scheme", "auth_origins", token claims…); never a secret.
	Settings map[string]string
	// Warnings are said before the crawl (a token that expires soon).
	Warnings []string
}

// Load reads the credentials s names, for a crawl starting at start. getenv
// reads an environment variable (nil reads none); now dates the token
// check. Errors name the variable, file and line, never a value.
func Load(s Sources, start string, now time.Time, getenv func(string) string) (Loaded, error) {
	o := &loader{Sources: s, out: Loaded{Settings: map[string]string{}}}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if err := o.load(start, now, getenv); err != nil {
		return Loaded{}, err
	}
	return o.out, nil
}

// loader is one Load.
type loader struct {
	Sources
	out Loaded
}

func (o *loader) load(start string, now time.Time, getenv func(string) string) error {
	if o.BasicAuthEnv == "" && !o.NamedOnly {
		o.BasicAuthEnv = EnvBasicAuth
	}
	if o.BearerTokenEnv == "" && !o.NamedOnly {
		o.BearerTokenEnv = EnvBearerToken
	}
	named := getenv
	getenv = func(name string) string {
		if name == "" {
			return ""
		}
		return named(name)
	}
	h := http.Header{}
	var sources []string
	scheme := ""
	if v := getenv(o.BasicAuthEnv); v != "" {
		if !strings.Contains(v, ":") {
			return fmt.Errorf("%s must be user:password", o.BasicAuthEnv)
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(v)))
		sources = append(sources, "Basic ("+o.BasicAuthEnv+")")
		scheme = "Basic"
	}
	token := ""
	if v := strings.TrimSpace(getenv(o.BearerTokenEnv)); v != "" {
		if h.Get("Authorization") != "" {
			return fmt.Errorf("set %s or %s, not both", o.BasicAuthEnv, o.BearerTokenEnv)
		}
		if strings.ContainsAny(v, " \r\n") {
			return fmt.Errorf("%s must be the token alone, without \"Bearer \" or spaces", o.BearerTokenEnv)
		}
		h.Set("Authorization", "Bearer "+v)
		sources = append(sources, "Bearer ("+o.BearerTokenEnv+")")
		scheme, token = "Bearer", v
	}
	if o.HeaderFile != "" {
		fh, err := readFile(o.HeaderFile, "--header-file", ReadHeaders)
		if err != nil {
			return err
		}
		names := make([]string, 0, len(fh))
		for k, vs := range fh {
			if k == "Authorization" && h.Get("Authorization") != "" {
				return fmt.Errorf("--header-file %s sets Authorization, and so does %s or %s: use one", o.HeaderFile, o.BasicAuthEnv, o.BearerTokenEnv)
			}
			h[k] = vs
			names = append(names, k)
		}
		sort.Strings(names)
		sources = append(sources, "headers "+strings.Join(names, ", ")+" (--header-file)")
		if a := fh.Get("Authorization"); a != "" {
			s, rest, _ := strings.Cut(a, " ")
			scheme = s
			if strings.EqualFold(s, "Bearer") {
				scheme, token = "Bearer", strings.TrimSpace(rest)
			}
		}
	}
	var cookies []crawler.Cookie
	if o.CookieFile != "" {
		var err error
		if cookies, err = readFile(o.CookieFile, "--cookie-file", ReadCookies); err != nil {
			return err
		}
		sources = append(sources, fmt.Sprintf("%s (--cookie-file)", count(len(cookies), "cookie")))
	}
	origins := make([]string, len(o.Origins))
	for i, raw := range o.Origins {
		u, err := urlx.Parse(raw)
		if err != nil || (u.Path != "/" && u.Path != "") || u.RawQuery != "" {
			return fmt.Errorf("--auth-origin %q: want scheme://host[:port], nothing more", urlx.Mask(raw))
		}
		origins[i] = urlx.Origin(u)
	}
	if len(sources) == 0 {
		if o.CompareAnonymous {
			return fmt.Errorf("--compare-anonymous needs credentials: set %s or %s, or use --header-file or --cookie-file", o.BasicAuthEnv, o.BearerTokenEnv)
		}
		if len(origins) > 0 {
			return fmt.Errorf("--auth-origin needs credentials: set %s or %s, or use --header-file or --cookie-file", o.BasicAuthEnv, o.BearerTokenEnv)
		}
		return nil
	}
	o.out.Credentials = &crawler.Credentials{Header: h, Cookies: cookies, Origins: origins}
	if su, err := urlx.Parse(start); err == nil {
		o.out.Settings["auth_origins"] = strings.Join(append([]string{urlx.Origin(su)}, origins...), " ")
	}
	o.out.Settings["credentials"] = strings.Join(sources, "; ")
	o.out.Settings["credentials_scheme"] = scheme
	o.out.Settings["compare_anonymous"] = strconv.FormatBool(o.CompareAnonymous)
	if token != "" {
		o.checkToken(token, now)
	}
	return nil
}

// checkToken decodes a Bearer token that is a JWT (without verifying it:
// crawlaudit has no key and needs none to read the claims) and records its
// expiry, audience and scope, warning when it is expired, not valid yet, or
// expiring within tokenSoon (RFC 7519: exp, nbf, iat are NumericDate
// seconds).
func (o *loader) checkToken(token string, now time.Time) {
	c, ok := decodeJWT(token)
	if !ok {
		return
	}
	if c.exp != nil {
		exp := c.exp.UTC()
		o.out.Settings["token_exp"] = exp.Format(time.RFC3339)
		switch left := exp.Sub(now); {
		case left <= 0:
			o.out.Warnings = append(o.out.Warnings, fmt.Sprintf("the Bearer token expired at %s, before the crawl: expect 401s (credentials-rejected); get a fresh token", exp.Format(time.RFC3339)))
		case left < tokenSoon:
			o.out.Warnings = append(o.out.Warnings, fmt.Sprintf("the Bearer token expires at %s, in %s: a crawl that runs longer will see 401s (credentials-rejected-mid-crawl)", exp.Format(time.RFC3339), left.Round(time.Second)))
		}
	}
	if c.nbf != nil && c.nbf.After(now) {
		o.out.Settings["token_nbf"] = c.nbf.UTC().Format(time.RFC3339)
		o.out.Warnings = append(o.out.Warnings, fmt.Sprintf("the Bearer token is not valid before %s", c.nbf.UTC().Format(time.RFC3339)))
	}
	if c.iat != nil {
		o.out.Settings["token_iat"] = c.iat.UTC().Format(time.RFC3339)
	}
	if c.aud != "" {
		o.out.Settings["token_aud"] = c.aud
	}
	if c.scope != "" {
		o.out.Settings["token_scope"] = c.scope
	}
}

// jwtClaims are the registered claims crawlaudit shows.
type jwtClaims struct {
	exp, nbf, iat *time.Time
	aud, scope    string
}

// decodeJWT reads the claims of a JWS compact serialisation
// (header.payload.signature, base64url). ok is false for anything else.
func decodeJWT(token string) (jwtClaims, bool) {
	var c jwtClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, false
	}
	dec := func(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")) }
	hb, err := dec(parts[0])
	if err != nil {
		return c, false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &hdr) != nil || hdr.Alg == "" {
		return c, false
	}
	pb, err := dec(parts[1])
	if err != nil {
		return c, false
	}
	var raw map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(pb))
	d.UseNumber()
	if d.Decode(&raw) != nil {
		return c, false
	}
	date := func(name string) *time.Time {
		var n json.Number
		if json.Unmarshal(raw[name], &n) != nil {
			return nil
		}
		f, err := n.Float64()
		if err != nil || f < 0 || f > 1e11 {
			return nil
		}
		t := time.Unix(int64(f), 0)
		return &t
	}
	c.exp, c.nbf, c.iat = date("exp"), date("nbf"), date("iat")
	c.aud = stringOrList(raw["aud"])
	c.scope = stringOrList(raw["scope"])
	if c.scope == "" {
		c.scope = stringOrList(raw["scp"])
	}
	return c, true
}

// stringOrList renders a JSON string or array of strings as text.
func stringOrList(m json.RawMessage) string {
	var s string
	if json.Unmarshal(m, &s) == nil {
		return s
	}
	var l []string
	if json.Unmarshal(m, &l) == nil {
		return strings.Join(l, " ")
	}
	return ""
}

// readFile opens path and parses it with parse; errors start with flag and
// the path.
func readFile[T any](path, flag string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return zero, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	defer f.Close()
	v, err := parse(io.LimitReader(f, maxFileBytes))
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return v, nil
}

// maxFileBytes bounds what is read of a header or cookie file.
const maxFileBytes = 16 << 20

// ReadHeaders reads a header file: `Name: value` lines; blank lines and
// lines starting with # are skipped. Errors name the line, never a value.
func ReadHeaders(r io.Reader) (http.Header, error) {
	h := http.Header{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") || !validHeaderName(name) {
			return nil, fmt.Errorf("line %d: want `Name: value`", n)
		}
		value = strings.TrimSpace(value)
		if hasControl(value) {
			// RFC 9110 section 5.5: a field value holds no control
			// characters but tab. Sent as it is, every request fails.
			return nil, fmt.Errorf("line %d: the value of %s holds a control character", n, name)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), value)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, errors.New("no header lines")
	}
	return h, nil
}

// hasControl reports whether s holds a control character other than tab
// (C0 or DEL).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// ReadCookies reads a Netscape cookies.txt file: seven tab-separated
// fields (domain, include-subdomains, path, secure, expiry in Unix seconds
// with 0 for a session cookie, name, value); # lines are comments except the
// #HttpOnly_ domain prefix. Errors name the line, never a value.
func ReadCookies(r io.Reader) ([]crawler.Cookie, error) {
	var out []crawler.Cookie
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#HttpOnly_") {
			line = strings.TrimPrefix(line, "#HttpOnly_")
		} else if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("line %d: want 7 tab-separated fields (Netscape cookies.txt), got %d", n, len(f))
		}
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil || exp < 0 {
			return nil, fmt.Errorf("line %d: expiry is not Unix seconds", n)
		}
		c := crawler.Cookie{
			Domain:     strings.TrimPrefix(strings.ToLower(f[0]), "."),
			Subdomains: strings.EqualFold(f[1], "TRUE"),
			Path:       f[2],
			Secure:     strings.EqualFold(f[3], "TRUE"),
			Name:       f[5],
			Value:      f[6],
		}
		if exp > 0 {
			c.Expires = time.Unix(exp, 0)
		}
		if hasControl(c.Domain) || hasControl(c.Path) || hasControl(c.Name) || hasControl(c.Value) || strings.ContainsAny(c.Name+c.Value, " ;\"") {
			// RFC 6265 section 4.1.1: no controls, spaces, quotes or
			// semicolons in a cookie; sent as they are, requests fail.
			return nil, fmt.Errorf("line %d: a control character, space, quote or semicolon in the cookie", n)
		}
		if c.Domain == "" || c.Name == "" {
			return nil, fmt.Errorf("line %d: empty domain or name", n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no cookies")
	}
	return out, nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
