package analysis

import (
	"strings"
	"testing"
)

func TestPattern(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, in, want string }{
		{"calendar months share one pattern", "https://x.test/cal/2015/03", "/cal/{year}/{month}"},
		{"a day after a month", "https://x.test/cal/2015/3/31/", "/cal/{year}/{month}/{day}/"},
		{"a number that is no month stays an id", "https://x.test/cal/2015/42", "/cal/{year}/{id}"},
		{"a product ID", "https://x.test/p/17", "/p/{id}"},
		{"a year-like number at the end is an id", "https://x.test/img/1950.png", "/img/{id}.png"},
		{"a year folder", "https://x.test/archive/2015/", "/archive/{year}/"},
		{"an extension is kept", "https://x.test/blog/page/2.html", "/blog/page/{id}.html"},
		{"a date in one segment", "https://x.test/news/2024-05-17/story", "/news/{date}/story"},
		{"a year-month", "https://x.test/archive/2024-05", "/archive/{date}"},
		{"a compact date", "https://x.test/d/20240517", "/d/{date}"},
		{"a UUID", "https://x.test/o/123e4567-e89b-12d3-a456-426614174000", "/o/{uuid}"},
		{"a hex hash", "https://x.test/a/3f2a9c1d7e/x.png", "/a/{hash}/x.png"},
		{"a random token", "https://x.test/s/Ab3dE9fGh2JkLm4NpQ7rSt", "/s/{token}"},
		{"a word of hex letters is a word", "https://x.test/deadbeef/", "/deadbeef/"},
		{"a slug stays", "https://x.test/blog/my-first-post-2024", "/blog/my-first-post-2024"},
		{"query keys sorted, once each", "https://x.test/shoes?sort=price&color=red&size=9&color=blue", "/shoes?color&size&sort"},
		{"a parameter order does not matter", "https://x.test/shoes?size=9&color=red", "/shoes?color&size"},
		{"pagination", "https://x.test/list?page=193714", "/list?page"},
		{"path parameters become names", "https://x.test/cart;jsessionid=A1B2C3?x=1", "/cart;jsessionid?x"},
		{"a repeating segment collapses", "https://x.test/a/a/a/a/a/", "/a/{repeat}/"},
		{"two repeats stay", "https://x.test/a/a/", "/a/a/"},
		{"a repeating group collapses", "https://x.test/x/y/x/y/x/y/z", "/x/y/{repeat}/z"},
		{"repeating placeholders collapse", "https://x.test/p/1/2/3/4", "/p/{id}/{repeat}"},
		{"the root", "https://x.test", "/"},
		{"a bare path", "/cal/2015/03?x=1#top", "/cal/{year}/{month}?x"},
		{"an empty query", "https://x.test/a?", "/a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Pattern(c.in); got != c.want {
				t.Errorf("Pattern(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestPathPatternAndHelpers(t *testing.T) {
	t.Parallel()
	if got := PathPattern("https://x.test/shoes/12?sort=a"); got != "/shoes/{id}" {
		t.Errorf("PathPattern = %q", got)
	}
	if !Templated("/p/{id}") || !Templated("/a?b") || !Templated("/c;jsessionid") || Templated("/about/team") {
		t.Error("Templated misjudges")
	}
	if !Dated("/cal/{year}/{month}") || Dated("/p/{id}") {
		t.Error("Dated misjudges")
	}
	if got := OriginOf("https://x.test:8080/a?b"); got != "https://x.test:8080" {
		t.Errorf("OriginOf = %q", got)
	}
}

func TestRepeatsSegments(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"https://x.test/a/a/a/", false},
		{"https://x.test/a/a/a/a/", true},
		{"https://x.test/x/y/x/y/x/y/", false},
		{"https://x.test/x/y/x/y/x/y/x/y", true},
		{"https://x.test/a/b/c/a/b/c/a/b/c/a/b/c", true},
		{"https://x.test/p/1/2/3/4/5", false},
		{"https://x.test//////", false},
	} {
		if got := RepeatsSegments(c.in); got != c.want {
			t.Errorf("RepeatsSegments(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSessionIDs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"https://x.test/cart;jsessionid=A1B2C3D4", "https://x.test/cart"},
		{"https://x.test/cart;jsessionid=A1B2;x=1?sid=9f8e7d6c5b4a39281706&q=shoes", "https://x.test/cart;x=1?q=shoes"},
		{"https://x.test/a?PHPSESSID=abc#top", "https://x.test/a#top"},
		{"https://x.test/a?q=1", "https://x.test/a?q=1"},
	} {
		got, _ := StripSession(c.in, nil)
		if got != c.want {
			t.Errorf("StripSession(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	learnt := func(name string) bool { return name == "token" }
	if got, ok := StripSession("https://x.test/a?token=x1y2z3&b=1", learnt); !ok || got != "https://x.test/a?b=1" {
		t.Errorf("StripSession with a learnt name = %q, %v", got, ok)
	}
	if !HasSessionID("https://x.test/a;jsessionid=1") || !HasSessionID("https://x.test/a?ASPSESSIONIDQAQB=1") || HasSessionID("https://x.test/a?q=1") {
		t.Error("HasSessionID misjudges")
	}
	for v, want := range map[string]bool{
		"8f14e45fceea167a5a36dedd4bea2543": true,
		"A1B2C3D4E5F6G7H8":                 true,
		"red-shoes-size-42":                false,
		"1234567890123456":                 false,
		"short1a2b":                        false,
		strings.Repeat("ab12", 200):        false, // too long to be a key
	} {
		if got := RandomValue(v); got != want {
			t.Errorf("RandomValue(%q) = %v, want %v", v, got, want)
		}
	}
}

func BenchmarkPattern(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Pattern("http://127.0.0.1:8080/cal/2015/03?view=list&sort=date")
	}
}
