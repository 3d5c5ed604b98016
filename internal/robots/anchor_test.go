package robots

import (
	"net/url"
	"testing"
)

// TestRulesMatchFromThePathsStart: the path matching examples of Google's
// robots.txt specification (RFC 9309 section 2.2.2 reads alike): a rule
// matches from the first character of the path, with * and $ in it too.
// temoto/robotstxt alone matched its wildcard rules anywhere in the path
// (anchor.go); the crawl (Rules) and the what-if (Matcher) agree.
func TestRulesMatchFromThePathsStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rules   string
		allowed map[string]bool
	}{
		{"Disallow: /fish*.php", map[string]bool{
			"/fish.php": false, "/fishheads/catfish.php?parameters": false,
			"/Fish.PHP": true, "/x/fish.php": true, "/catfish.php": true,
		}},
		{"Disallow: /*.php$", map[string]bool{
			"/filename.php": false, "/folder/filename.php": false,
			"/filename.php?parameters": true, "/filename.php/": true, "/filename.php5": true, "/windows.PHP": true,
		}},
		{"Disallow: /fish*", map[string]bool{"/fish": false, "/fish.html": false, "/fishheads/yummy.html": false, "/Fish.asp": true, "/catfish": true, "/?id=fish": true}},
		{"Allow: /$\nDisallow: /", map[string]bool{"/": true, "/page": false, "/dir/": false, "/cal/": false}},
		{"Disallow: /$", map[string]bool{"/": false, "/cal/": true, "/a/b/": true}},
		{"Disallow: *.gif$", map[string]bool{"/a.gif": false, "/img/b.gif": false, "/a.gif?x": true}},
		{"Disallow: /*?*sort=", map[string]bool{"/shoes?sort=price": false, "/shoes?color=red&sort=price": false, "/shoes": true, "/sort=x": true}},
		{"Disallow: private # a comment\nAllow: /private/ok", map[string]bool{"/private/x": false, "/private/ok": true, "/a/private": true}},
		{"disallow:   /p*q  \r\nALLOW:/p/q/x", map[string]bool{"/pxq": false, "/p/q/x": true, "/xpq": true}},
		{"Disallow : /q", map[string]bool{"/q": true}}, // not a rule to temoto
		{"Disallow: /r# no comment without a space", map[string]bool{"/r/x": true}},
	} {
		body := "User-agent: *\n" + tc.rules + "\n"
		m, err := Compile([]byte(body), "googlebot")
		if err != nil {
			t.Fatalf("%q: %v", tc.rules, err)
		}
		r := Parse(200, []byte(body), "googlebot")
		for path, want := range tc.allowed {
			if got := m.Allowed(path); got != want {
				t.Errorf("%q: Matcher.Allowed(%s) = %v, want %v", tc.rules, path, got, want)
			}
			u, err := url.Parse("https://example.com" + path)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Allowed(u); got != want {
				t.Errorf("%q: Rules.Allowed(%s) = %v, want %v", tc.rules, path, got, want)
			}
		}
	}
}

// TestAnchorRulesKeepsOtherLines: only Allow and Disallow values change;
// sitemaps, agents, delays, comments and empty rules are kept.
func TestAnchorRulesKeepsOtherLines(t *testing.T) {
	t.Parallel()
	in := "User-agent: *\r\nCrawl-delay: 2\nSitemap: https://example.com/s.xml\n# Disallow: /x\nDisallow:\nAllow: /a # c\nDisallow: b"
	want := "User-agent: *\r\nCrawl-delay: 2\nSitemap: https://example.com/s.xml\n# Disallow: /x\nDisallow:\nAllow: " + anchorPrefix + "/a # c\nDisallow: " + anchorPrefix + "/b"
	if got := string(anchorRules([]byte(in))); got != want {
		t.Errorf("anchorRules:\n%q\nwant\n%q", got, want)
	}
	r := Parse(200, []byte(in), "crawlaudit")
	if len(r.Sitemaps) != 1 || r.Sitemaps[0] != "https://example.com/s.xml" || r.CrawlDelay.Seconds() != 2 {
		t.Errorf("sitemaps %v, crawl delay %v", r.Sitemaps, r.CrawlDelay)
	}
}
