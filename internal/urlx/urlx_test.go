package urlx

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://Example.COM:80/dir/page.html?x=1")
	cases := []struct {
		name, ref, want string
		err             error
	}{
		{"relative path resolves against the page", "other.html", "http://example.com/dir/other.html", nil},
		{"fragment is dropped", "other.html#part", "http://example.com/dir/other.html", nil},
		{"fragment-only is the page itself", "#top", "http://example.com/dir/page.html?x=1", nil},
		{"default https port dropped, host lower-cased", "HTTPS://WWW.Example.com:443/A", "https://www.example.com/A", nil},
		{"non-default port kept", "http://example.com:8080", "http://example.com:8080/", nil},
		{"userinfo dropped", "http://user:pass@example.com/x", "http://example.com/x", nil},
		{"dot segments removed", "../up/./x", "http://example.com/up/x", nil},
		{"protocol-relative", "//cdn.example.net/a.js", "http://cdn.example.net/a.js", nil},
		{"spaces trimmed", "  /a  ", "http://example.com/a", nil},
		{"mailto skipped", "mailto:a@example.com", "", ErrNotHTTP},
		{"javascript skipped", "javascript:void(0)", "", ErrNotHTTP},
		{"data skipped", "data:image/png;base64,AAAA", "", ErrNotHTTP},
		{"empty skipped", "", "", ErrNotHTTP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Resolve(base, c.ref)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("Resolve(%q) error = %v, want %v", c.ref, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", c.ref, got, err, c.want)
			}
		})
	}
}

func TestParseRejectsBadStartURLs(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"example.com", "ftp://example.com/", "http://", "http://%zz", ""} {
		if _, err := Parse(raw); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", raw)
		}
	}
	u, err := Parse("https://Example.com")
	if err != nil || u.String() != "https://example.com/" {
		t.Fatalf("Parse = %v, %v", u, err)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain URL unchanged", "https://example.com/a?page=2", "https://example.com/a?page=2"},
		{"token masked", "https://example.com/a?token=abc123&page=2", "https://example.com/a?token=REDACTED&page=2"},
		{"case-insensitive names", "https://example.com/?API_KEY=k&Sig=s", "https://example.com/?API_KEY=REDACTED&Sig=REDACTED"},
		{"userinfo masked", "https://bob:hunter2@example.com/x", "https://REDACTED@example.com/x"},
		{"fragment kept", "https://example.com/?password=p#frag", "https://example.com/?password=REDACTED#frag"},
		{"@ in path is not userinfo", "https://example.com/@user", "https://example.com/@user"},
		{"encoded name", "https://example.com/?access%5Ftoken=t", "https://example.com/?access%5Ftoken=REDACTED"},
		{"names containing a secret part", "https://example.com/?auth_token=a&X-Goog-Signature=b&clientSecret=c&PHPSESSID=d&session_id=e&user_password=f&X-Goog-Credential=g",
			"https://example.com/?auth_token=REDACTED&X-Goog-Signature=REDACTED&clientSecret=REDACTED&PHPSESSID=REDACTED&session_id=REDACTED&user_password=REDACTED&X-Goog-Credential=REDACTED"},
		{"names that only look alike are kept", "https://example.com/?keyword=bread&author=ann&codename=x&passage=2",
			"https://example.com/?keyword=bread&author=ann&codename=x&passage=2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Mask(c.in); got != c.want {
				t.Fatalf("Mask(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	m := NewMasker("session_key")
	if got := m.Mask("http://x/?session_key=abc"); got != "http://x/?session_key=REDACTED" {
		t.Fatalf("extra parameter not masked: %q", got)
	}
}

// AddSecretParams extends what Mask hides, for the whole process; the name
// is unique to this test, so other tests are not affected.
func TestAddSecretParams(t *testing.T) {
	const u = "http://x/?urlx_test_ref=abc&page=2"
	if got := Mask(u); got != u {
		t.Fatalf("masked before the name was added: %q", got)
	}
	AddSecretParams("URLX_TEST_REF")
	if got := Mask(u); got != "http://x/?urlx_test_ref=REDACTED&page=2" {
		t.Fatalf("added name not masked: %q", got)
	}
}

func ExampleMask() {
	fmt.Println(Mask("https://bob:pw@example.com/feed?token=s3cret&page=2"))
	// Output: https://REDACTED@example.com/feed?token=REDACTED&page=2
}

func FuzzNormalizeAndMask(f *testing.F) {
	for _, s := range []string{"http://a/b?token=x", "HTTP://A:80/../c#d", "https://u:p@h/?key=1&key=2", "http://[::1]:80/x", "//x", "?a=b"} {
		f.Add(s)
	}
	base, _ := url.Parse("http://example.com/dir/")
	f.Fuzz(func(t *testing.T, s string) {
		masked := Mask(s)
		if strings.Contains(s, "token=secretvalue") && strings.Contains(masked, "token=secretvalue") {
			t.Fatalf("secret survived masking: %q", masked)
		}
		got, err := Resolve(base, s)
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("Resolve(%q) = %q, which does not parse: %v", s, got, err)
		}
		if u.Fragment != "" || u.User != nil {
			t.Fatalf("Resolve(%q) = %q kept fragment or userinfo", s, got)
		}
		if again := Normalize(u); again != got {
			t.Fatalf("Normalize not idempotent: %q → %q", got, again)
		}
	})
}
