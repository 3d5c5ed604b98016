package logs

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": "Googlebot Smartphone",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36":                                                       "Googlebot Desktop",
		"Googlebot-Image/1.0": "Googlebot Image",
		"Googlebot-Video/1.0": "Googlebot Video",
		"Googlebot-News":      "Googlebot News",
		"Mozilla/5.0 (X11; Linux x86_64; Storebot-Google/1.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.88 Safari/537.36": "Google StoreBot",
		"Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)":                                                                          "Google-InspectionTool",
		"GoogleOther": "GoogleOther",
		"AdsBot-Google (+http://www.google.com/adsbot.html)": "AdsBot-Google",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 14_7_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.2 Mobile/15E148 Safari/604.1 (compatible; AdsBot-Google-Mobile; +http://www.google.com/mobile/adsbot.html)": "AdsBot-Google-Mobile",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)":                                                                                                   "Bingbot",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)": "Applebot",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)":                                                                                                          "YandexBot",
		"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)":                                                                                       "Baiduspider",
		"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)":                                                                                                                "DuckDuckBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)":                                                                    "GPTBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)":                                                                   "ClaudeBot",
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)":                                                   "PerplexityBot",
		"CCBot/2.0 (https://commoncrawl.org/faq/)":                                                                                                                                  "CCBot",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0":                                                                                                 "",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148":                                                                                                      "",
		"": "",
	} {
		got := ""
		if b := Identify(ua); b != nil {
			got = b.Name
		}
		if got != want {
			t.Errorf("Identify(%q) = %q, want %q", ua, got, want)
		}
	}
}

// TestEveryTokenPassesThePrefilter: maybeBot never hides a table entry.
func TestEveryTokenPassesThePrefilter(t *testing.T) {
	t.Parallel()
	for _, b := range Bots {
		if !maybeBot([]byte("Mozilla/5.0 (compatible; " + b.Token + "/1.0)")) {
			t.Errorf("%s (%q) is filtered out before the table", b.Name, b.Token)
		}
	}
}

func TestRangesVerify(t *testing.T) {
	t.Parallel()
	v := NewVerifier(VerifierConfig{Ranges: loadRanges(t)})
	for _, c := range []struct {
		op, ip, want string
	}{
		{"google", "66.249.66.1", Verified},
		{"google", "2001:4860:4801:10::abcd", Verified},
		{"google", "203.0.113.9", Fake},
		{"google", "157.55.39.1", Fake}, // Bing's address claiming Googlebot
		{"bing", "157.55.39.200", Verified},
		{"openai", "20.15.240.64", Unverified}, // no ranges loaded for it
	} {
		if got := v.Verify(context.Background(), c.op, netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.op, c.ip, got, c.want)
		}
	}
	if err := NewRanges().Load("google", strings.NewReader(`{"prefixes":[{"ipv4Prefix":"not a prefix"}]}`), "x.json"); err == nil {
		t.Error("a bad prefix was accepted")
	}
	if err := NewRanges().Load("google", strings.NewReader(`<html>`), "x.json"); err == nil {
		t.Error("HTML was accepted as ranges")
	}
	if OperatorOf("/tmp/x/bingbot.json") != "bing" || OperatorOf("special-crawlers.json") != "google" || OperatorOf("other.json") != "" {
		t.Error("OperatorOf")
	}
}

// fakeResolver answers from maps and counts the questions.
type fakeResolver struct {
	ptr     map[string][]string
	a       map[string][]netip.Addr
	reverse int
}

func (f *fakeResolver) LookupAddr(_ context.Context, addr string) ([]string, error) {
	f.reverse++
	if n, ok := f.ptr[addr]; ok {
		return n, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f.a[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestDNSVerify(t *testing.T) {
	t.Parallel()
	r := &fakeResolver{
		ptr: map[string][]string{
			"66.249.66.1":  {"crawl-66-249-66-1.googlebot.com."},
			"192.0.2.66":   {"crawl-66-249-66-1.googlebot.com."}, // a PTR the attacker controls: forward does not match
			"198.51.100.1": {"host.evil-googlebot.com."},
			"157.55.39.1":  {"msnbot-157-55-39-1.search.msn.com."},
		},
		a: map[string][]netip.Addr{
			"crawl-66-249-66-1.googlebot.com":   {netip.MustParseAddr("66.249.66.1")},
			"host.evil-googlebot.com":           {netip.MustParseAddr("198.51.100.1")},
			"msnbot-157-55-39-1.search.msn.com": {netip.MustParseAddr("157.55.39.1")},
		},
	}
	v := NewVerifier(VerifierConfig{Resolver: r, DNSRate: 1e6})
	for _, c := range []struct{ op, ip, want string }{
		{"google", "66.249.66.1", Verified},
		{"google", "66.249.66.1", Verified}, // cached
		{"google", "192.0.2.66", Fake},
		{"google", "198.51.100.1", Fake},
		{"google", "203.0.113.1", Fake}, // no PTR
		{"bing", "157.55.39.1", Verified},
		{"openai", "20.15.240.64", Unverified}, // no DNS domain for it
	} {
		if got := v.Verify(context.Background(), c.op, netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.op, c.ip, got, c.want)
		}
	}
	if r.reverse != 5 || v.DNSLookups != 5 {
		t.Errorf("%d reverse lookups (%d counted), want 5: one per address", r.reverse, v.DNSLookups)
	}
	// past MaxDNS, addresses are unverified (no ranges to fall back on)
	capped := NewVerifier(VerifierConfig{Resolver: r, DNSRate: 1e6, MaxDNS: 1})
	capped.Verify(context.Background(), "google", netip.MustParseAddr("66.249.66.1"))
	if got := capped.Verify(context.Background(), "google", netip.MustParseAddr("192.0.2.66")); got != Unverified {
		t.Errorf("past MaxDNS: %s, want unverified", got)
	}
	// a cancelled context stops waiting for the rate limiter
	slow := NewVerifier(VerifierConfig{Resolver: r, DNSRate: 0.001})
	slow.Verify(context.Background(), "google", netip.MustParseAddr("66.249.66.1")) // takes the one token
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := slow.Verify(ctx, "google", netip.MustParseAddr("157.55.39.1")); got != Unverified {
		t.Errorf("cancelled: %s, want unverified", got)
	}
}

func TestAggregatorWithDNS(t *testing.T) {
	t.Parallel()
	r := &fakeResolver{ptr: map[string][]string{"66.249.66.1": {"crawl.googlebot.com"}}, a: map[string][]netip.Addr{"crawl.googlebot.com": {netip.MustParseAddr("66.249.66.1")}}}
	d := aggregate(t, Config{Verifier: NewVerifier(VerifierConfig{Resolver: r, DNSRate: 1e6})}, "vhost_combined.log")
	if len(d.Hits) != 2 || d.Hits[0].Verdict != Verified || d.Hits[0].URL != "https://example.com/" || !d.Run.DNS {
		t.Fatalf("%+v", d)
	}
	if r.reverse != 1 {
		t.Errorf("%d reverse lookups for one address", r.reverse)
	}
}

func TestGzipEqualsPlain(t *testing.T) {
	t.Parallel()
	a := aggregate(t, Config{}, "combined.log")
	b := aggregate(t, Config{}, "combined.log.gz")
	if len(a.Hits) != len(b.Hits) || a.Run.Lines != b.Run.Lines || !bytes.Equal([]byte(a.Hits[3].URL), []byte(b.Hits[3].URL)) {
		t.Fatal("gzip and plain differ")
	}
}
