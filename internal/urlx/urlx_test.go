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
		{"non-ASCII path and query are percent-encoded", "/caf\u00e9?q=caf\u00e9&r=\xe9", "http://example.com/caf%C3%A9?q=caf%C3%A9&r=%E9", nil},
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

// TestResolveInEncodesTheQueryInTheDocumentsEncoding: the path is UTF-8
// in every document; the query is encoded in the document's encoding
// (WHATWG URL standard), then percent-encoded.
func TestResolveInEncodesTheQueryInTheDocumentsEncoding(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://example.com/dir/page.html?x=1")
	cases := []struct {
		name, charset, ref, want string
	}{
		{"UTF-8: path and query as UTF-8", "", "/stra\u00dfe?q=\u00df", "http://example.com/stra%C3%9Fe?q=%C3%9F"},
		{"utf-8 by name is the same", "utf-8", "/stra\u00dfe?q=\u00df", "http://example.com/stra%C3%9Fe?q=%C3%9F"},
		{"windows-1252: path as UTF-8, query as windows-1252", "windows-1252", "/stra\u00dfe?q=\u00df", "http://example.com/stra%C3%9Fe?q=%DF"},
		{"a label of windows-1252", "Latin1", "s?q=\u00e9&r=\u20ac", "http://example.com/dir/s?q=%E9&r=%80"},
		{"ISO-8859-2", "iso-8859-2", "/\u0141\u00f3d\u017a?m=\u0141\u00f3d\u017a", "http://example.com/%C5%81%C3%B3d%C5%BA?m=%A3%F3d%BC"},
		{"Shift_JIS: bytes that are ASCII stay as they are", "shift_jis", "/\u65e5\u672c?q=\u65e5\u672c", "http://example.com/%E6%97%A5%E6%9C%AC?q=%93%FA%96{"},
		{"ISO-2022-JP: its escapes are percent-encoded", "iso-2022-jp", "/?q=\u65e5", "http://example.com/?q=%1B$BF|%1B(B"},
		{"a character the encoding lacks is its reference, percent-encoded", "windows-1252", "/?q=\u65e5&e=\U0001F600", "http://example.com/?q=%26%2326085%3B&e=%26%23128512%3B"},
		{"UTF-16 documents send UTF-8", "utf-16le", "/?q=\u00df", "http://example.com/?q=%C3%9F"},
		{"the replacement encoding sends UTF-8", "iso-2022-kr", "/?q=\u00df", "http://example.com/?q=%C3%9F"},
		{"an unknown name sends UTF-8", "klingon", "/?q=\u00df", "http://example.com/?q=%C3%9F"},
		{"bytes that are not UTF-8 are kept, percent-encoded", "windows-1252", "/a\xdf?q=\xdf\u00df", "http://example.com/a%DF?q=%DF%DF"},
		{"ASCII and percent-escapes are kept", "windows-1252", "/?q=%C3%9F&a=b+c", "http://example.com/?q=%C3%9F&a=b+c"},
		{"the fragment is dropped", "windows-1252", "/a?q=\u00df#\u00df", "http://example.com/a?q=%DF"},
		{"a fragment-only reference keeps the page's query", "windows-1252", "#\u00df", "http://example.com/dir/page.html?x=1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ResolveIn(base, c.ref, c.charset)
			if err != nil || got != c.want {
				t.Fatalf("ResolveIn(%q, %q) = %q, %v; want %q", c.ref, c.charset, got, err, c.want)
			}
			if again, err := Resolve(base, got); err != nil || again != got {
				t.Fatalf("Resolve(%q) = %q, %v: not stable", got, again, err)
			}
		})
	}
}

// FuzzResolveIn: whatever the reference and the encoding, the URL is ASCII
// and resolving it again gives it back.
func FuzzResolveIn(f *testing.F) {
	for _, s := range [][2]string{
		{"/stra\u00dfe?q=\u00df", "windows-1252"}, {"/?q=\u65e5\U0001F600\xff", "iso-2022-jp"}, {"?\x80\u00df", "shift_jis"},
		{"/?q=\u20ac", "gb18030"}, {"?q=\uf780", "x-user-defined"},
	} {
		f.Add(s[0], s[1])
	}
	base, _ := url.Parse("http://example.com/dir/page.html?x=1")
	f.Fuzz(func(t *testing.T, ref, charset string) {
		got, err := ResolveIn(base, ref, charset)
		if err != nil {
			return
		}
		for i := 0; i < len(got); i++ {
			if got[i] >= 0x80 {
				t.Fatalf("ResolveIn(%q, %q) = %q: not ASCII", ref, charset, got)
			}
		}
		if again, err := Resolve(base, got); err != nil || again != got {
			t.Fatalf("ResolveIn(%q, %q) = %q; resolved again: %q, %v", ref, charset, got, again, err)
		}
	})
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
		{"; separates parameters too", "https://example.com/semi?a=1;token=SECRET", "https://example.com/semi?a=1;token=REDACTED"},
		{"a URL inside a parameter value", "https://example.com/two?a=1&b=http://x/?token=SECRET", "https://example.com/two?a=1&b=http://x/?token=REDACTED"},
		{"an encoded URL inside a parameter value", "https://example.com/go?next=https%3A%2F%2Fx%2F%3Ftoken%3DSECRET%26p%3D1",
			"https://example.com/go?next=https%3A%2F%2Fx%2F%3Ftoken%3DREDACTED%26p%3D1"},
		{"nested twice", "https://a.test/?u=https://b.test/?v=https://c.test/?sig=SECRET", "https://a.test/?u=https://b.test/?v=https://c.test/?sig=REDACTED"},
		{"path parameter", "https://example.com/cart;jsessionid=SECRET?x=1", "https://example.com/cart;jsessionid=REDACTED?x=1"},
		{"path parameter in a middle segment", "https://example.com/a;sid=SECRET/b", "https://example.com/a;sid=REDACTED/b"},
		{"other path parameters kept", "https://example.com/a;v=2/b", "https://example.com/a;v=2/b"},
		{"fragment carrying a token", "https://example.com/cb#access_token=SECRET&token_type=bearer&state=s", "https://example.com/cb#access_token=REDACTED&token_type=REDACTED&state=s"},
		{"fragment anchor kept", "https://example.com/?token=t#top", "https://example.com/?token=REDACTED#top"},
		{"more names", "https://example.com/?authorization=A&access_key=B&SAMLResponse=C&ticket=D&assertion=E&oauth_verifier=F&pw=G",
			"https://example.com/?authorization=REDACTED&access_key=REDACTED&SAMLResponse=REDACTED&ticket=REDACTED&assertion=REDACTED&oauth_verifier=REDACTED&pw=REDACTED"},
		{"userinfo and a path parameter", "https://u:p@example.com/x;jsessionid=S", "https://REDACTED@example.com/x;jsessionid=REDACTED"},
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

// Maskers are per run: one built with extra names hides them, the
// defaults and another run's Masker do not, and With never changes the
// Masker it extends.
func TestMaskersAreIndependent(t *testing.T) {
	t.Parallel()
	const u = "http://x/?urlx_test_ref=abc&page=2"
	a := NewMasker("URLX_TEST_REF")
	b := NewMasker("other")
	if got := a.Mask(u); got != "http://x/?urlx_test_ref=REDACTED&page=2" {
		t.Fatalf("extra name not masked: %q", got)
	}
	if got := b.Mask(u); got != u {
		t.Fatalf("another run's name masked: %q", got)
	}
	if got := Mask(u); got != u {
		t.Fatalf("the defaults mask a run's name: %q", got)
	}
	c := b.With("page")
	if got := c.Mask(u); got != "http://x/?urlx_test_ref=abc&page=REDACTED" {
		t.Fatalf("With: %q", got)
	}
	if got := b.Mask(u); got != u {
		t.Fatalf("With changed the Masker it extends: %q", got)
	}
	if got := c.Extra(); len(got) != 2 || got[0] != "other" || got[1] != "page" {
		t.Fatalf("Extra = %q", got)
	}
	var none *Masker
	if got := none.Mask("http://x/?token=t"); got != "http://x/?token=REDACTED" {
		t.Fatalf("nil Masker: %q", got)
	}
}

func TestMaskText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"text without URLs is unchanged", "answered 404", "answered 404"},
		{"URL without secrets is unchanged", "see https://example.test/a?page=2.", "see https://example.test/a?page=2."},
		{"secret query value is masked", "see https://example.test/?token=abc", "see https://example.test/?token=REDACTED"},
		{"userinfo is masked", "from http://bob:pw@example.test/x", "from http://REDACTED@example.test/x"},
		{"quoted URL in a Go error stops at the quote", `Get "https://h.test/?sig=s3": EOF`, `Get "https://h.test/?sig=REDACTED": EOF`},
		{"sentence punctuation after a URL is kept", "go to https://h.test/?key=k1.", "go to https://h.test/?key=REDACTED."},
		{"every URL in the text is masked", "https://a:b@x.test/ and HTTPS://y.test/?password=p", "https://REDACTED@x.test/ and HTTPS://y.test/?password=REDACTED"},
		{"URL in angle brackets", "<https://h.test/?token=t>", "<https://h.test/?token=REDACTED>"},
		{"masking is idempotent", "https://REDACTED@x.test/?token=REDACTED", "https://REDACTED@x.test/?token=REDACTED"},
		{"a run's own name", "see https://h.test/?ref=r1", "see https://h.test/?ref=REDACTED"},
	}
	m := NewMasker("ref")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := m.MaskText(tt.in); got != tt.want {
				t.Errorf("MaskText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func ExampleMask() {
	fmt.Println(Mask("https://bob:pw@example.com/feed?token=s3cret&page=2"))
	// Output: https://REDACTED@example.com/feed?token=REDACTED&page=2
}

func FuzzNormalizeAndMask(f *testing.F) {
	for _, s := range []string{"http://a/b?token=x", "HTTP://A:80/../c#d", "https://u:p@h/?key=1&key=2", "http://[::1]:80/x", "//x", "?a=b",
		"http://a/s?a=1;token=x", "http://a/p;jsessionid=x/q", "http://a/#access_token=x", "http://a/?n=http://b/?sig=x"} {
		f.Add(s)
	}
	base, _ := url.Parse("http://example.com/dir/")
	f.Fuzz(func(t *testing.T, s string) {
		masked := Mask(s)
		if strings.Contains(s, "token=secretvalue") && strings.Contains(masked, "token=secretvalue") {
			t.Fatalf("secret survived masking: %q", masked)
		}
		if again := Mask(masked); again != masked {
			t.Fatalf("Mask not idempotent: %q → %q → %q", s, masked, again)
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

// secretValue is what FuzzMaskHidesPlantedSecrets plants.
const secretValue = "S3CRETv4lue"

// FuzzMaskHidesPlantedSecrets builds URLs around a planted secret in every
// place a URL can carry one (userinfo, query parameters split on & or ;,
// path parameters, fragments, URLs nested as written or percent-encoded)
// with fuzzed surroundings, and fails if the secret survives masking, in a
// URL alone or in free text.
func FuzzMaskHidesPlantedSecrets(f *testing.F) {
	f.Add("shop.test", "cart", "page=2", uint8(0), uint8(0))
	f.Add("a.test", "x/y", "", uint8(3), uint8(1))
	f.Add("b.test", "", "q=bread", uint8(5), uint8(2))
	f.Fuzz(func(t *testing.T, host, path, other string, place, sep uint8) {
		// The surroundings are plain URL text (no spaces, quotes or angle
		// brackets, which end a URL in free text); the planting adds the
		// syntax around the secret.
		for i, s := range []string{host, path, other} {
			for _, r := range s {
				ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r) || i == 1 && r == '/' || i == 2 && r == '='
				if !ok {
					return
				}
			}
		}
		if host == "" {
			host = "h.test"
		}
		names := []string{"token", "access_token", "api_key", "sig", "password", "jsessionid", "auth_token", "X-Goog-Signature", "ticket", "SAMLResponse"}
		name := names[int(place)%len(names)]
		s := string("&;"[sep%2])
		base := "https://" + host + "/" + path
		var u string
		switch place % 8 {
		case 0:
			u = base + "?" + other + s + name + "=" + secretValue
		case 1:
			u = base + "?" + name + "=" + secretValue + s + other
		case 2:
			u = "https://user:" + secretValue + "@" + host + "/" + path
		case 3:
			u = base + ";" + name + "=" + secretValue + "?" + other
		case 4:
			u = base + "#" + name + "=" + secretValue + s + other
		case 5:
			u = base + "?next=https://n.test/?" + name + "=" + secretValue
		case 6:
			u = base + "?next=" + url.QueryEscape("https://n.test/?"+other+"&"+name+"="+secretValue)
		case 7:
			u = base + "?a=https://n.test/?b=" + url.QueryEscape("https://m.test/?"+name+"="+secretValue)
		}
		if got := Mask(u); strings.Contains(got, secretValue) {
			t.Fatalf("Mask(%q) = %q keeps the secret", u, got)
		}
		if got := NewMasker("other").MaskText("see " + u + ", then"); strings.Contains(got, secretValue) {
			t.Fatalf("MaskText keeps the secret: %q", got)
		}
	})
}
