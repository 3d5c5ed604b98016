package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/credentials"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// The pipeline tests of authenticated crawls (what is found, recorded and
// never leaked) run crawlaudit.Run in the root package (auth_test.go there).
// Here: that crawl reads the credential variables from the process
// environment, and how bad credential inputs fail the command.

// Secrets of the tests here; no output or message may show them.
const (
	testPassword = "s3cret-Flour"
	testCookie   = "sess-7f3a9c"
	testAPIKey   = "key-9d2e11"
)

// TestCrawlReadsCredentialsFromTheEnvironment crawls a page that answers 401
// without credentials, with the credentials in the environment variable
// crawl reads by default or in the one --basic-auth-env names.
func TestCrawlReadsCredentialsFromTheEnvironment(t *testing.T) {
	const token, userPass = "tok-31f0c2", "baker:" + testPassword
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<html><title>home</title><a href="/private">private</a></html>`))
		case "/private":
			if a := r.Header.Get("Authorization"); a != "Bearer "+token && a != "Basic "+base64Of(userPass) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="app"`)
				w.WriteHeader(http.StatusUnauthorized)
			}
			w.Write([]byte(`<html><title>private</title></html>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name, credentials string
		env               map[string]string
		args              []string
	}{
		{"bearer token in CRAWLAUDIT_BEARER_TOKEN", "Bearer (" + credentials.EnvBearerToken + ")", map[string]string{credentials.EnvBearerToken: token}, nil},
		{"user:password in the variable --basic-auth-env names", "Basic (SITE_LOGIN)", map[string]string{"SITE_LOGIN": userPass}, []string{"--basic-auth-env", "SITE_LOGIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{credentials.EnvBasicAuth, credentials.EnvBearerToken, "SITE_LOGIN"} {
				t.Setenv(k, tc.env[k])
			}
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, append([]string{"crawl", srv.URL + "/", "--out", out, "--progress=false"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc struct {
				Auth struct {
					Credentials string `json:"credentials"`
				} `json:"auth"`
				URLs []struct {
					URL         string `json:"url"`
					Status      int    `json:"status"`
					Credentials string `json:"credentials"`
				} `json:"urls"`
			}
			readJSONFile(t, filepath.Join(out, "crawl.json"), &doc)
			if doc.Auth.Credentials != tc.credentials {
				t.Errorf("auth.credentials = %q, want %q", doc.Auth.Credentials, tc.credentials)
			}
			var private []string
			for _, u := range doc.URLs {
				if u.URL == srv.URL+"/private" {
					private = append(private, fmt.Sprint(u.Status, " ", u.Credentials))
				}
			}
			if len(private) != 1 || private[0] != "200 sent" {
				t.Errorf("/private: %q, want 200 with the credentials sent", private)
			}
			if s := stdout + stderr; strings.Contains(s, token) || strings.Contains(s, testPassword) || strings.Contains(s, base64Of(userPass)) {
				t.Errorf("a secret is printed:\n%s", s)
			}
		})
	}
}

func base64Of(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestAuthUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("X-Api-Key "+testAPIKey+"\n"), 0o600)
	badCookies := filepath.Join(dir, "cookies.txt")
	os.WriteFile(badCookies, []byte("127.0.0.1\tFALSE\t/\tsession\t"+testCookie+"\n"), 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"compare without credentials", nil, []string{"--compare-anonymous"}, "--compare-anonymous needs credentials"},
		{"basic without colon", map[string]string{credentials.EnvBasicAuth: testPassword}, nil, "must be user:password"},
		{"basic and bearer", map[string]string{credentials.EnvBasicAuth: "a:b", credentials.EnvBearerToken: "t"}, nil, "not both"},
		{"header line without colon", nil, []string{"--header-file", bad}, "line 1: want `Name: value`"},
		{"cookie line with 5 fields", nil, []string{"--cookie-file", badCookies}, "line 1: want 7 tab-separated fields"},
		{"auth origin with a path", map[string]string{credentials.EnvBasicAuth: "a:b"}, []string{"--auth-origin", "https://x.example/path"}, "want scheme://host[:port]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{credentials.EnvBasicAuth, credentials.EnvBearerToken} {
				t.Setenv(k, tc.env[k])
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"crawl", "http://127.0.0.1:1/", "--out", t.TempDir()}, tc.args...), &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
			for _, s := range []string{testPassword, testAPIKey, testCookie} {
				if strings.Contains(stderr.String(), s) {
					t.Errorf("error message shows a secret: %q", stderr.String())
				}
			}
		})
	}
}
