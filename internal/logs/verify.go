package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Verdicts of a hit's claim to come from a crawler.
const (
	Verified   = "verified"   // the address is the operator's (published ranges or DNS)
	Unverified = "unverified" // nothing to check it against (no ranges loaded, no DNS)
	Fake       = "fake"       // claims a crawler; the address is not its operator's
)

// RangeSource is an IP ranges file an operator publishes, by the name it
// is published under.
type RangeSource struct {
	Operator string // "google", "bing", "openai", "perplexity"
	File     string // base name: googlebot.json, …
	URL      string // where it is published
}

// RangeSources are the published ranges files, all in the format
// {"creationTime": "…", "prefixes": [{"ipv4Prefix": "…"}, {"ipv6Prefix": "…"}]}.
// `crawlaudit logs --update-ranges` fetches them; OperatorOf maps a file
// name to its operator.
var RangeSources = []RangeSource{
	{"google", "googlebot.json", "https://developers.google.com/static/search/apis/ipranges/googlebot.json"},
	{"google", "special-crawlers.json", "https://developers.google.com/static/search/apis/ipranges/special-crawlers.json"},
	{"google", "user-triggered-fetchers.json", "https://developers.google.com/static/search/apis/ipranges/user-triggered-fetchers.json"},
	{"google", "user-triggered-fetchers-google.json", "https://developers.google.com/static/search/apis/ipranges/user-triggered-fetchers-google.json"},
	{"bing", "bingbot.json", "https://www.bing.com/toolbox/bingbot.json"},
	{"openai", "gptbot.json", "https://openai.com/gptbot.json"},
	{"openai", "searchbot.json", "https://openai.com/searchbot.json"},
	{"openai", "chatgpt-user.json", "https://openai.com/chatgpt-user.json"},
	{"perplexity", "perplexitybot.json", "https://www.perplexity.ai/perplexitybot.json"},
}

// OperatorOf returns the operator whose ranges a file holds, from its base
// name (googlebot.json → google), or "" when the name is not a published
// one.
func OperatorOf(path string) string {
	base := strings.ToLower(filepath.Base(path))
	for _, s := range RangeSources {
		if s.File == base {
			return s.Operator
		}
	}
	return ""
}

// DNSDomains are the host name suffixes a crawler's reverse DNS name must
// end with, per operator, as the operators document (Google: googlebot.com,
// google.com, googleusercontent.com for user-triggered fetchers; Bing:
// search.msn.com; …). An operator absent here cannot be checked by DNS.
var DNSDomains = map[string][]string{
	"google": {".googlebot.com", ".google.com", ".googleusercontent.com"},
	"bing":   {".search.msn.com"},
	"apple":  {".applebot.apple.com"},
	"yandex": {".yandex.ru", ".yandex.net", ".yandex.com"},
	"baidu":  {".baidu.com", ".baidu.jp"},
	"seznam": {".seznam.cz"},
	"naver":  {".naver.com"},
	"huawei": {".petalsearch.com"},
	"sogou":  {".sogou.com"},
}

// Ranges are the IP prefixes of crawler operators.
type Ranges struct {
	byOp map[string][]netip.Prefix
	// Created is the newest creationTime of the files read, per operator.
	Created map[string]time.Time
}

// NewRanges returns empty Ranges.
func NewRanges() *Ranges {
	return &Ranges{byOp: map[string][]netip.Prefix{}, Created: map[string]time.Time{}}
}

// rangesFile is the published JSON format.
type rangesFile struct {
	CreationTime string `json:"creationTime"`
	Prefixes     []struct {
		IPv4 string `json:"ipv4Prefix"`
		IPv6 string `json:"ipv6Prefix"`
	} `json:"prefixes"`
}

// Load reads one ranges file for operator. A prefix that does not parse
// fails the file (it is not the format we think it is).
func (r *Ranges) Load(operator string, src io.Reader, name string) error {
	var f rangesFile
	if err := json.NewDecoder(io.LimitReader(src, 16<<20)).Decode(&f); err != nil {
		return fmt.Errorf("logs: ranges %s: %w", name, err)
	}
	if len(f.Prefixes) == 0 {
		return fmt.Errorf("logs: ranges %s: no prefixes", name)
	}
	for _, p := range f.Prefixes {
		s := p.IPv4
		if s == "" {
			s = p.IPv6
		}
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("logs: ranges %s: %w", name, err)
		}
		r.byOp[operator] = append(r.byOp[operator], pf.Masked())
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999"} {
		if t, err := time.Parse(layout, f.CreationTime); err == nil {
			if t.After(r.Created[operator]) {
				r.Created[operator] = t
			}
			break
		}
	}
	return nil
}

// Has reports whether ranges of operator were loaded.
func (r *Ranges) Has(operator string) bool { return r != nil && len(r.byOp[operator]) > 0 }

// Operators returns the operators with ranges, sorted.
func (r *Ranges) Operators() []string {
	if r == nil {
		return nil
	}
	var out []string
	for op := range r.byOp {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// Contains reports whether ip is in one of operator's prefixes.
func (r *Ranges) Contains(operator string, ip netip.Addr) bool {
	if r == nil {
		return false
	}
	for _, p := range r.byOp[operator] {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Resolver is the DNS a Verifier asks; *net.Resolver is one.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Ranges are the operators' published IP ranges; nil means none.
	Ranges *Ranges
	// Resolver, when set, verifies by reverse-then-forward DNS the
	// operators of DNSDomains (--verify-dns). nil means no DNS.
	Resolver Resolver
	// DNSRate bounds DNS verifications (each a reverse and a forward
	// lookup) per second; 0 means 10.
	DNSRate float64
	// MaxDNS bounds the distinct addresses verified by DNS; later ones are
	// unverified. 0 means 10,000.
	MaxDNS int
	// Timeout bounds one verification; 0 means 5 seconds.
	Timeout time.Duration
}

// Verifier decides whether a hit really comes from the crawler it claims.
// Results are cached per operator and address. Not safe for concurrent
// use.
type Verifier struct {
	cfg     VerifierConfig
	cache   map[verifyKey]string
	next    time.Time // when the next DNS verification may start
	dnsUsed int
	// DNSLookups counts the DNS verifications made.
	DNSLookups int
}

type verifyKey struct {
	op string
	ip netip.Addr
}

// NewVerifier returns a Verifier.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.DNSRate <= 0 {
		cfg.DNSRate = 10
	}
	if cfg.MaxDNS <= 0 {
		cfg.MaxDNS = 10000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &Verifier{cfg: cfg, cache: map[verifyKey]string{}}
}

// CanVerify reports whether claims to be operator's crawler can be checked.
func (v *Verifier) CanVerify(operator string) bool {
	return v.cfg.Ranges.Has(operator) || (v.cfg.Resolver != nil && len(DNSDomains[operator]) > 0)
}

// Verify returns Verified, Unverified or Fake for a hit from ip claiming
// to be operator's crawler. Published ranges decide first; an address
// outside them is checked by DNS when that is on, else it is fake.
func (v *Verifier) Verify(ctx context.Context, operator string, ip netip.Addr) string {
	if !v.CanVerify(operator) {
		return Unverified
	}
	if !ip.IsValid() {
		return Fake
	}
	k := verifyKey{operator, ip}
	if r, ok := v.cache[k]; ok {
		return r
	}
	r := v.verify(ctx, operator, ip)
	if len(v.cache) < 1<<20 {
		v.cache[k] = r
	}
	return r
}

func (v *Verifier) verify(ctx context.Context, operator string, ip netip.Addr) string {
	if v.cfg.Ranges.Contains(operator, ip) {
		return Verified
	}
	domains := DNSDomains[operator]
	if v.cfg.Resolver == nil || len(domains) == 0 {
		return Fake
	}
	if v.dnsUsed >= v.cfg.MaxDNS {
		if v.cfg.Ranges.Has(operator) {
			return Fake
		}
		return Unverified
	}
	v.dnsUsed++
	if err := v.wait(ctx); err != nil {
		return Unverified
	}
	v.DNSLookups++
	ctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	names, err := v.cfg.Resolver.LookupAddr(ctx, ip.String())
	if err != nil && len(names) == 0 {
		// No name at all is a failed claim; a DNS outage or timeout
		// proves nothing either way.
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return Fake
		}
		return Unverified
	}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		ok := false
		for _, d := range domains {
			if strings.HasSuffix(n, d) {
				ok = true
			}
		}
		if !ok {
			continue
		}
		addrs, err := v.cfg.Resolver.LookupNetIP(ctx, "ip", n)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if a.Unmap() == ip {
				return Verified
			}
		}
	}
	return Fake
}

// wait paces DNS verifications at cfg.DNSRate per second: the first goes
// at once, each next one 1/DNSRate seconds after the previous one started.
func (v *Verifier) wait(ctx context.Context) error {
	now := time.Now()
	if d := v.next.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		now = v.next
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	v.next = now.Add(time.Duration(float64(time.Second) / v.cfg.DNSRate))
	return nil
}
