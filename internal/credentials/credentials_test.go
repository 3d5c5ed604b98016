package credentials

import (
	"strings"
	"testing"
	"time"
)

func TestCredentialsFromNamedEnvironmentVariables(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SHOP_AUTH": "baker:secret-pw", EnvBasicAuth: "other:ignored"}
	got, err := Load(Sources{BasicAuthEnv: "SHOP_AUTH", BearerTokenEnv: "SHOP_TOKEN"}, "https://shop.test/", time.Now(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.Credentials == nil || got.Credentials.Header.Get("Authorization") != "Basic YmFrZXI6c2VjcmV0LXB3" {
		t.Fatalf("credentials = %+v, want Basic from SHOP_AUTH", got.Credentials)
	}
	for k, v := range got.Settings {
		if strings.Contains(v, "secret-pw") {
			t.Fatalf("setting %s leaks the password: %q", k, v)
		}
	}
	_, err = Load(Sources{BasicAuthEnv: "SHOP_AUTH"}, "https://shop.test/", time.Now(), func(k string) string { return map[string]string{"SHOP_AUTH": "nocolon"}[k] })
	if err == nil || !strings.Contains(err.Error(), "SHOP_AUTH must be user:password") || strings.Contains(err.Error(), "nocolon") {
		t.Fatalf("error = %v", err)
	}
}

// TestReadersRejectWhatNoRequestCanCarry: a header or cookie line that no
// HTTP request can carry (a control character) is the user's mistake,
// named with its line, never a value; it must not reach the crawl, where
// every request would fail and the site would be blamed.
func TestReadersRejectWhatNoRequestCanCarry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"header without a colon", "X-Api-Key k1\n", "line 1: want `Name: value`"},
		{"header name with a space", "X Api: k1\n", "line 1: want `Name: value`"},
		{"control character in a header value", "# keys\nX-Api-Key: k1\x01secret\n", "line 2: the value of X-Api-Key holds a control character"},
		{"escape in a header value", "Authorization: Bearer \x1b[2Jsecret\n", "line 1: the value of Authorization holds a control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadHeaders(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want || strings.Contains(err.Error(), "secret") {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if h, err := ReadHeaders(strings.NewReader("X-Api-Key:\tk1\twith tab\n")); err != nil || h.Get("X-Api-Key") != "k1\twith tab" {
		t.Errorf("a tab is allowed in a value: %v %v", h, err)
	}
	for _, tc := range []struct{ name, in string }{
		{"control character in a cookie value", "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tab\x7fsecret\n"},
		{"semicolon in a cookie value", "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\ta;secret\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadCookies(strings.NewReader(tc.in))
			if err == nil || !strings.HasPrefix(err.Error(), "line 1: ") || strings.Contains(err.Error(), "secret") {
				t.Errorf("err = %v", err)
			}
		})
	}
}
