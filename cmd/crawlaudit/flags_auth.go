package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// Environment variables that hold credentials. Credentials never come from
// flag values, which land in shell history and process lists.
const (
	envBasicAuth   = "CRAWLAUDIT_BASIC_AUTH"   // user:pass
	envBearerToken = "CRAWLAUDIT_BEARER_TOKEN" // the token alone
)

// tokenSoon is how close to its expiry a Bearer JWT is flagged before the
// crawl: crawls of real sites take minutes to hours, and a token that dies
// half-way turns the second half of the report into 401s.
const tokenSoon = 15 * time.Minute

// authOptions are the authentication flags of crawl (and demo) plus what
// validate derives from them and the environment.
type authOptions struct {
	headerFile       string
	cookieFile       string
	origins          []string
	compareAnonymous bool
	basicAuthEnv     string // name of the environment variable holding user:pass
	bearerTokenEnv   string // name of the environment variable holding the token

	// injected by tests; nil reads the process environment
	getenv func(string) string

	// derived by validate
	creds    *crawler.Credentials // nil: anonymous crawl
	settings map[string]string    // recorded in the outputs; never a secret
	warnings []string             // printed on stderr before the crawl
}

func (o *authOptions) register(f *pflag.FlagSet) {
	f.StringVar(&o.headerFile, "header-file", "", "file of `Name: value` header lines sent with every request to the site's origin (e.g. Authorization, X-Api-Key)")
	f.StringVar(&o.cookieFile, "cookie-file", "", "Netscape cookies.txt file (as browsers and curl export) whose cookies are sent to the site's origin")
	f.StringArrayVar(&o.origins, "auth-origin", nil, "another origin (scheme://host[:port]) that gets the credentials (repeatable)")
	f.StringVar(&o.basicAuthEnv, "basic-auth-env", envBasicAuth, "name of the environment variable holding user:pass for Basic auth (a name, never the value)")
	f.StringVar(&o.bearerTokenEnv, "bearer-token-env", envBearerToken, "name of the environment variable holding a Bearer token (a name, never the value)")
	f.BoolVar(&o.compareAnonymous, "compare-anonymous", false, "request every same-site URL with and without credentials and classify it (public, protected, …)")
}

// validate reads the credentials from the environment and the files named
// and checks the auth flags. now dates the token check. Errors name the file
// and line, never a value.
func (o *authOptions) validate(start string, now time.Time) error {
	if o.basicAuthEnv == "" {
		o.basicAuthEnv = envBasicAuth
	}
	if o.bearerTokenEnv == "" {
		o.bearerTokenEnv = envBearerToken
	}
	getenv := o.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	o.settings = map[string]string{}
	o.warnings = nil
	h := http.Header{}
	var sources []string
	scheme := ""
	if v := getenv(o.basicAuthEnv); v != "" {
		if !strings.Contains(v, ":") {
			return usagef("%s must be user:password", o.basicAuthEnv)
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(v)))
		sources = append(sources, "Basic ("+o.basicAuthEnv+")")
		scheme = "Basic"
	}
	token := ""
	if v := strings.TrimSpace(getenv(o.bearerTokenEnv)); v != "" {
		if h.Get("Authorization") != "" {
			return usagef("set %s or %s, not both", o.basicAuthEnv, o.bearerTokenEnv)
		}
		if strings.ContainsAny(v, " \r\n") {
			return usagef("%s must be the token alone, without \"Bearer \" or spaces", o.bearerTokenEnv)
		}
		h.Set("Authorization", "Bearer "+v)
		sources = append(sources, "Bearer ("+o.bearerTokenEnv+")")
		scheme, token = "Bearer", v
	}
	if o.headerFile != "" {
		fh, err := readHeaderFile(o.headerFile)
		if err != nil {
			return usageError{err}
		}
		names := make([]string, 0, len(fh))
		for k, vs := range fh {
			if k == "Authorization" && h.Get("Authorization") != "" {
				return usagef("--header-file %s sets Authorization, and so does %s or %s: use one", o.headerFile, o.basicAuthEnv, o.bearerTokenEnv)
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
	if o.cookieFile != "" {
		var err error
		if cookies, err = readCookieFile(o.cookieFile); err != nil {
			return usageError{err}
		}
		sources = append(sources, fmt.Sprintf("%s (--cookie-file)", count(len(cookies), "cookie")))
	}
	for i, raw := range o.origins {
		u, err := urlx.Parse(raw)
		if err != nil || (u.Path != "/" && u.Path != "") || u.RawQuery != "" {
			return usagef("--auth-origin %q: want scheme://host[:port], nothing more", urlx.Mask(raw))
		}
		o.origins[i] = urlx.Origin(u)
	}
	if len(sources) == 0 {
		if o.compareAnonymous {
			return usagef("--compare-anonymous needs credentials: set %s or %s, or use --header-file or --cookie-file", o.basicAuthEnv, o.bearerTokenEnv)
		}
		if len(o.origins) > 0 {
			return usagef("--auth-origin needs credentials: set %s or %s, or use --header-file or --cookie-file", o.basicAuthEnv, o.bearerTokenEnv)
		}
		o.creds = nil
		return nil
	}
	o.creds = &crawler.Credentials{Header: h, Cookies: cookies, Origins: o.origins}
	if su, err := urlx.Parse(start); err == nil {
		o.settings["auth_origins"] = strings.Join(append([]string{urlx.Origin(su)}, o.origins...), " ")
	}
	o.settings["credentials"] = strings.Join(sources, "; ")
	o.settings["credentials_scheme"] = scheme
	o.settings["compare_anonymous"] = strconv.FormatBool(o.compareAnonymous)
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
func (o *authOptions) checkToken(token string, now time.Time) {
	c, ok := decodeJWT(token)
	if !ok {
		return
	}
	if c.exp != nil {
		exp := c.exp.UTC()
		o.settings["token_exp"] = exp.Format(time.RFC3339)
		switch left := exp.Sub(now); {
		case left <= 0:
			o.warnings = append(o.warnings, fmt.Sprintf("the Bearer token expired at %s, before the crawl: expect 401s (credentials-rejected); get a fresh token", exp.Format(time.RFC3339)))
		case left < tokenSoon:
			o.warnings = append(o.warnings, fmt.Sprintf("the Bearer token expires at %s, in %s: a crawl that runs longer will see 401s (credentials-rejected-mid-crawl)", exp.Format(time.RFC3339), left.Round(time.Second)))
		}
	}
	if c.nbf != nil && c.nbf.After(now) {
		o.settings["token_nbf"] = c.nbf.UTC().Format(time.RFC3339)
		o.warnings = append(o.warnings, fmt.Sprintf("the Bearer token is not valid before %s", c.nbf.UTC().Format(time.RFC3339)))
	}
	if c.iat != nil {
		o.settings["token_iat"] = c.iat.UTC().Format(time.RFC3339)
	}
	if c.aud != "" {
		o.settings["token_aud"] = c.aud
	}
	if c.scope != "" {
		o.settings["token_scope"] = c.scope
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

// readHeaderFile reads `Name: value` lines; blank lines and lines starting
// with # are skipped.
func readHeaderFile(path string) (http.Header, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--header-file %s: %w", path, unwrapPath(err))
	}
	h := http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") || !validHeaderName(name) {
			return nil, fmt.Errorf("--header-file %s: line %d: want `Name: value`", path, n)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--header-file %s: %w", path, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("--header-file %s: no header lines", path)
	}
	return h, nil
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

// readCookieFile reads a Netscape cookies.txt file: seven tab-separated
// fields (domain, include-subdomains, path, secure, expiry in Unix seconds
// with 0 for a session cookie, name, value); # lines are comments except the
// #HttpOnly_ domain prefix.
func readCookieFile(path string) ([]crawler.Cookie, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--cookie-file %s: %w", path, unwrapPath(err))
	}
	var out []crawler.Cookie
	sc := bufio.NewScanner(bytes.NewReader(data))
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
			return nil, fmt.Errorf("--cookie-file %s: line %d: want 7 tab-separated fields (Netscape cookies.txt), got %d", path, n, len(f))
		}
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil || exp < 0 {
			return nil, fmt.Errorf("--cookie-file %s: line %d: expiry is not Unix seconds", path, n)
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
		if c.Domain == "" || c.Name == "" {
			return nil, fmt.Errorf("--cookie-file %s: line %d: empty domain or name", path, n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--cookie-file %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--cookie-file %s: no cookies", path)
	}
	return out, nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
