package robots

import (
	"errors"
	"testing"
)

func TestMatcher(t *testing.T) {
	t.Parallel()
	const file = "User-agent: *\nDisallow: /private/\nAllow: /private/open.html\nDisallow: /*?*sort=\nDisallow: /*;jsessionid=\n\nUser-agent: Googlebot\nDisallow: /no-google/\n"
	for _, tc := range []struct {
		agent      string
		allowed    []string
		disallowed []string
	}{
		{"crawlaudit", []string{"/", "/private/open.html", "/no-google/x", "/shoes?color=red", "/robots.txt"},
			[]string{"/private/", "/private/x", "/shoes?sort=price", "/shoes?color=red&sort=name", "/cart;jsessionid=A1"}},
		{"Googlebot", []string{"/private/x", "/shoes?sort=price"}, []string{"/no-google/x"}},
	} {
		m, err := Compile([]byte(file), tc.agent)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tc.allowed {
			if !m.Allowed(p) {
				t.Errorf("%s: %s disallowed, want allowed", tc.agent, p)
			}
		}
		for _, p := range tc.disallowed {
			if m.Allowed(p) {
				t.Errorf("%s: %s allowed, want disallowed", tc.agent, p)
			}
		}
	}
	if _, err := Compile([]byte("Disallow: /x\nUser-agent: *\n"), "crawlaudit"); !errors.Is(err, ErrUnparsable) {
		t.Errorf("a Disallow before any User-agent: %v, want ErrUnparsable", err)
	}
	if _, err := Compile([]byte("User-agent: *\nCrawl-delay: soon\n"), "crawlaudit"); !errors.Is(err, ErrUnparsable) {
		t.Errorf("a Crawl-delay that is no number: %v, want ErrUnparsable", err)
	}
	m, err := Disallow("Disallow: /cal/")
	if err != nil || m.Allowed("/cal/2015/03") || !m.Allowed("/calendar") {
		t.Errorf("Disallow(/cal/): %v", err)
	}
	if m, err := Compile(nil, "crawlaudit"); err != nil || !m.Allowed("/anything") {
		t.Errorf("an empty file allows everything: %v", err)
	}
}

func TestRequestURI(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://a.test":                "/",
		"https://a.test/":               "/",
		"https://a.test?x=1":            "/?x=1",
		"https://a.test/p;s=1?q=2#frag": "/p;s=1?q=2",
		"/already/a/path?x":             "/already/a/path?x",
	} {
		if got := RequestURI(raw); got != want {
			t.Errorf("RequestURI(%q) = %q, want %q", raw, got, want)
		}
	}
}
