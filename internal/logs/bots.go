package logs

import (
	"strings"
)

// Bot is a crawler a user agent can claim to be.
type Bot struct {
	// Name is the crawler's name in reports ("Googlebot Smartphone").
	Name string
	// Token is the product token matched in the user agent (case
	// sensitive, as the operator documents it).
	Token string
	// Operator is who runs it ("google", "bing", …): the key of its IP
	// ranges and DNS domains.
	Operator string
	// Kind is "search", "ai" (AI training or answers), "seo" (SEO tools)
	// or "social" (link previews).
	Kind string
	// Not, when set, is a token that must be absent (to tell Googlebot
	// Desktop from Googlebot Smartphone).
	Not string
	// Also, when set, is a token that must be present as well.
	Also string
}

// Bots is the table of crawlers identified by user agent, most specific
// first (the first match wins). No maintained Go module carries such a
// list, so this table is kept here from the operators' own documentation
// (Google Search Central "Google crawlers and fetchers", Bing Webmaster
// "Which crawlers does Bing use", Apple, Yandex, Baidu, DuckDuckGo, OpenAI,
// Anthropic, Perplexity and Common Crawl bot pages). The README lists it.
var Bots = []Bot{
	{Name: "Googlebot Image", Token: "Googlebot-Image", Operator: "google", Kind: "search"},
	{Name: "Googlebot Video", Token: "Googlebot-Video", Operator: "google", Kind: "search"},
	{Name: "Googlebot News", Token: "Googlebot-News", Operator: "google", Kind: "search"},
	{Name: "Google StoreBot", Token: "Storebot-Google", Operator: "google", Kind: "search"},
	{Name: "Google-InspectionTool", Token: "Google-InspectionTool", Operator: "google", Kind: "search"},
	{Name: "GoogleOther", Token: "GoogleOther", Operator: "google", Kind: "search"},
	{Name: "Google-CloudVertexBot", Token: "Google-CloudVertexBot", Operator: "google", Kind: "ai"},
	{Name: "AdsBot-Google-Mobile", Token: "AdsBot-Google-Mobile", Operator: "google", Kind: "search"},
	{Name: "AdsBot-Google", Token: "AdsBot-Google", Operator: "google", Kind: "search"},
	{Name: "Mediapartners-Google", Token: "Mediapartners-Google", Operator: "google", Kind: "search"},
	{Name: "APIs-Google", Token: "APIs-Google", Operator: "google", Kind: "search"},
	{Name: "FeedFetcher-Google", Token: "FeedFetcher-Google", Operator: "google", Kind: "search"},
	{Name: "Googlebot Smartphone", Token: "Googlebot/", Also: "Mobile", Operator: "google", Kind: "search"},
	{Name: "Googlebot Desktop", Token: "Googlebot/", Not: "Mobile", Operator: "google", Kind: "search"},
	{Name: "Googlebot Desktop", Token: "Googlebot", Operator: "google", Kind: "search"},
	{Name: "Bingbot", Token: "bingbot", Operator: "bing", Kind: "search"},
	{Name: "BingPreview", Token: "BingPreview", Operator: "bing", Kind: "search"},
	{Name: "AdIdxBot", Token: "adidxbot", Operator: "bing", Kind: "search"},
	{Name: "MicrosoftPreview", Token: "MicrosoftPreview", Operator: "bing", Kind: "search"},
	{Name: "Applebot", Token: "Applebot", Operator: "apple", Kind: "search"},
	{Name: "YandexBot", Token: "YandexBot", Operator: "yandex", Kind: "search"},
	{Name: "YandexImages", Token: "YandexImages", Operator: "yandex", Kind: "search"},
	{Name: "Yandex (other)", Token: "Yandex", Operator: "yandex", Kind: "search"},
	{Name: "Baiduspider", Token: "Baiduspider", Operator: "baidu", Kind: "search"},
	{Name: "DuckDuckBot", Token: "DuckDuckBot", Operator: "duckduckgo", Kind: "search"},
	{Name: "DuckAssistBot", Token: "DuckAssistBot", Operator: "duckduckgo", Kind: "ai"},
	{Name: "Yahoo Slurp", Token: "Slurp", Operator: "yahoo", Kind: "search"},
	{Name: "SeznamBot", Token: "SeznamBot", Operator: "seznam", Kind: "search"},
	{Name: "Qwantbot", Token: "Qwantbot", Operator: "qwant", Kind: "search"},
	{Name: "PetalBot", Token: "PetalBot", Operator: "huawei", Kind: "search"},
	{Name: "Sogou", Token: "Sogou web spider", Operator: "sogou", Kind: "search"},
	{Name: "NaverBot", Token: "Yeti/", Operator: "naver", Kind: "search"},
	{Name: "GPTBot", Token: "GPTBot", Operator: "openai", Kind: "ai"},
	{Name: "OAI-SearchBot", Token: "OAI-SearchBot", Operator: "openai", Kind: "ai"},
	{Name: "ChatGPT-User", Token: "ChatGPT-User", Operator: "openai", Kind: "ai"},
	{Name: "ClaudeBot", Token: "ClaudeBot", Operator: "anthropic", Kind: "ai"},
	{Name: "Claude-SearchBot", Token: "Claude-SearchBot", Operator: "anthropic", Kind: "ai"},
	{Name: "Claude-User", Token: "Claude-User", Operator: "anthropic", Kind: "ai"},
	{Name: "anthropic-ai", Token: "anthropic-ai", Operator: "anthropic", Kind: "ai"},
	{Name: "PerplexityBot", Token: "PerplexityBot", Operator: "perplexity", Kind: "ai"},
	{Name: "Perplexity-User", Token: "Perplexity-User", Operator: "perplexity", Kind: "ai"},
	{Name: "CCBot", Token: "CCBot", Operator: "commoncrawl", Kind: "ai"},
	{Name: "Bytespider", Token: "Bytespider", Operator: "bytedance", Kind: "ai"},
	{Name: "Amazonbot", Token: "Amazonbot", Operator: "amazon", Kind: "ai"},
	{Name: "Meta-ExternalAgent", Token: "meta-externalagent", Operator: "meta", Kind: "ai"},
	{Name: "cohere-ai", Token: "cohere-ai", Operator: "cohere", Kind: "ai"},
	{Name: "Diffbot", Token: "Diffbot", Operator: "diffbot", Kind: "ai"},
	{Name: "facebookexternalhit", Token: "facebookexternalhit", Operator: "meta", Kind: "social"},
	{Name: "Twitterbot", Token: "Twitterbot", Operator: "x", Kind: "social"},
	{Name: "LinkedInBot", Token: "LinkedInBot", Operator: "linkedin", Kind: "social"},
	{Name: "AhrefsBot", Token: "AhrefsBot", Operator: "ahrefs", Kind: "seo"},
	{Name: "SemrushBot", Token: "SemrushBot", Operator: "semrush", Kind: "seo"},
	{Name: "MJ12bot", Token: "MJ12bot", Operator: "majestic", Kind: "seo"},
	{Name: "DotBot", Token: "DotBot", Operator: "moz", Kind: "seo"},
	{Name: "Screaming Frog", Token: "Screaming Frog SEO Spider", Operator: "screamingfrog", Kind: "seo"},
}

// maybeBot reports whether ua could name a crawler of Bots: a single pass
// that lets the many browser lines of a log through without the table's
// substring searches. Every Token contains one of its markers (markerAt).
// Only where two bytes start a marker (markerPairs) is the marker itself
// checked.
func maybeBot(ua []byte) bool {
	for i := 0; i+1 < len(ua); i++ {
		k := uint16(ua[i])<<8 | uint16(ua[i+1])
		if markerPairs[k>>6]&(1<<(k&63)) != 0 && markerAt(ua[i:]) {
			return true
		}
	}
	return false
}

// markers are what markerAt looks for; "bot" in any case.
var markers = []string{"bot", "Bing", "Baidu", "Byte", "Google", "Yandex", "Yeti/", "spider", "Slurp", "Spider",
	"Preview", "Perplexity", "ChatGPT", "Claude", "anthropic", "adidx", "externalhit", "externalagent", "cohere"}

// markerPairs is the set of the first two bytes of markers (of "bot" in
// each case), as bits.
var markerPairs = func() (set [1 << 10]uint64) {
	add := func(a, b byte) {
		k := uint16(a)<<8 | uint16(b)
		set[k>>6] |= 1 << (k & 63)
	}
	for _, m := range markers {
		add(m[0], m[1])
	}
	for _, a := range []byte("bB") {
		for _, b := range []byte("oO") {
			add(a, b)
		}
	}
	return set
}()

// markerAt reports whether a marker starts r.
func markerAt(r []byte) bool {
	switch r[0] {
	case 'b', 'B':
		return hasPrefixFold3(r, "bot") || hasPrefix(r, "Bing") || hasPrefix(r, "Baidu") || hasPrefix(r, "Byte")
	case 'G':
		return hasPrefix(r, "Google")
	case 'Y':
		return hasPrefix(r, "Yandex") || hasPrefix(r, "Yeti/")
	case 's', 'S':
		return hasPrefix(r, "spider") || hasPrefix(r, "Slurp") || hasPrefix(r, "Spider")
	case 'P':
		return hasPrefix(r, "Preview") || hasPrefix(r, "Perplexity")
	case 'C':
		return hasPrefix(r, "ChatGPT") || hasPrefix(r, "Claude")
	case 'a':
		return hasPrefix(r, "anthropic") || hasPrefix(r, "adidx")
	case 'e':
		return hasPrefix(r, "externalhit") || hasPrefix(r, "externalagent")
	case 'c':
		return hasPrefix(r, "cohere")
	}
	return false
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

// hasPrefixFold3 matches a three-letter lower-case prefix in any case.
func hasPrefixFold3(b []byte, p string) bool {
	return len(b) >= 3 && b[0]|0x20 == p[0] && b[1]|0x20 == p[1] && b[2]|0x20 == p[2]
}

// Identify returns the crawler ua claims to be, or nil.
func Identify(ua string) *Bot {
	if i := identify(ua); i >= 0 {
		return &Bots[i]
	}
	return nil
}

// identify is Identify's index in Bots, -1 for none.
func identify(ua string) int {
	if !maybeBot([]byte(ua)) {
		return -1
	}
	for i := range Bots {
		b := &Bots[i]
		if !strings.Contains(ua, b.Token) {
			continue
		}
		if b.Not != "" && strings.Contains(ua, b.Not) {
			continue
		}
		if b.Also != "" && !strings.Contains(ua, b.Also) {
			continue
		}
		return i
	}
	return -1
}
