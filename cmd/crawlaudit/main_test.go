package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

func TestExitCodesAndOneLineErrors(t *testing.T) {
	site, _, _ := demoServers(t)
	healthy := testsite.Start(mustSite(t), nil)
	t.Cleanup(healthy.Close)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := func() string { return filepath.Join(t.TempDir(), "out") }
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // substring of the one-line error; "" means stderr must be empty
	}{
		{"demo exits 0 whatever it finds", []string{"demo", "--out", out(), "-q"}, 0, ""},
		{"healthy site exits 0", []string{"crawl", healthy.URL, "--out", out(), "-q"}, 0, ""},
		{"demo findings reach the default fail level", []string{"crawl", site + "/", "--out", out(), "-q"}, 1, ""},
		{"--fail-on never", []string{"crawl", site + "/", "--out", out(), "-q", "--fail-on", "never"}, 0, ""},
		{"malformed URL", []string{"crawl", "http://%zz", "--out", out()}, 2, "start URL"},
		{"URL without scheme", []string{"crawl", "www.example.com", "--out", out()}, 2, "missing scheme"},
		{"unreachable start URL", []string{"crawl", "http://127.0.0.1:1/", "--out", out(), "--timeout", "2s"}, 2, "start URL unreachable"},
		{"unwritable --out", []string{"crawl", healthy.URL, "--out", filepath.Join(file, "sub")}, 2, "--out"},
		{"bad --fail-on", []string{"crawl", healthy.URL, "--fail-on", "sometimes"}, 2, "--fail-on"},
		{"bad --include", []string{"crawl", healthy.URL, "--include", "("}, 2, "--include"},
		{"bad --max-body", []string{"crawl", healthy.URL, "--max-body", "lots"}, 2, "--max-body"},
		{"unknown flag", []string{"crawl", healthy.URL, "--frobnicate"}, 2, "unknown flag"},
		{"missing URL", []string{"crawl"}, 2, "exactly one start URL"},
		{"unknown command", []string{"crawlz"}, 2, "unknown command"},
		{"unknown command suggests the nearest", []string{"crawlz"}, 2, `crawlaudit: unknown command "crawlz": did you mean "crawl"?`},
		{"unknown command without a near one", []string{"frobnicate"}, 2, `unknown command "frobnicate" (crawlaudit --help lists the commands)`},
		{"-v is not the root's --version", []string{"-v"}, 2, "unknown shorthand flag: 'v'"},
		{"demo --serve takes no crawl flags", []string{"demo", "--serve", "--out", out()}, 2, "demo --serve only serves the site: --out is for a crawl of it"},
		{"demo --port out of range", []string{"demo", "--port", "65535"}, 2, "--port must be between 0 and 65534"},
		{"report of a missing folder", []string{"report", filepath.Join(t.TempDir(), "nope")}, 2, "report"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, c.code, stderr.String())
			}
			e := stderr.String()
			if c.stderr == "" {
				if e != "" {
					t.Fatalf("stderr not empty: %q", e)
				}
				return
			}
			if !strings.Contains(e, c.stderr) || strings.Count(strings.TrimRight(e, "\n"), "\n") != 0 || !strings.HasPrefix(e, "crawlaudit: ") {
				t.Fatalf("stderr = %q, want one line containing %q", e, c.stderr)
			}
			if strings.Contains(e, "goroutine") || strings.Contains(e, "panic") {
				t.Fatalf("stack trace on stderr: %q", e)
			}
		})
	}
}

func mustSite(t *testing.T) *httpHandler {
	t.Helper()
	s, err := testsite.New(nil, testsite.Route{Path: "/", Body: "<html><title>ok</title><a href=\"/b\">b</a></html>"}, testsite.Route{Path: "/b", Body: "<p>b</p>"}, testsite.Route{Path: "/robots.txt", Body: "User-agent: *\nAllow: /\n", Headers: [][2]string{{"Content-Type", "text/plain"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := httpHandler{s.Handler(nil)}
	return &h
}

func TestReportRegeneratesOutputs(t *testing.T) {
	site, _, _ := demoServers(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"crawl", site + "/", "--out", dir, "--fail-on", "never"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, stderr.String())
	}
	before := map[string][]byte{}
	for _, name := range []string{"crawl.json", "urls.csv", "findings.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		before[name] = data
		if err := os.Remove(filepath.Join(dir, name)); err != nil && name != "crawl.json" {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "crawl.json"), before["crawl.json"], 0o644); err != nil {
		t.Fatal(err)
	}
	var rstdout bytes.Buffer
	if code := run([]string{"report", dir}, &rstdout, &stderr); code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr.String())
	}
	for name, want := range before {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs after regeneration", name)
		}
	}
	if !strings.Contains(rstdout.String(), "What to fix first") || !strings.HasSuffix(rstdout.String(), "Full report: "+filepath.Join(dir, "report.html")+"\n") {
		t.Errorf("report printed no summary:\n%s", rstdout.String())
	}
}

type httpHandler struct{ http.Handler }

// TestTerminalOutputIsSanitised: crawled text that would act on a terminal
// (a realm with a bidi override and an 8-bit CSI; Go's client refuses C0
// controls in a header, TestTerminalSafe covers those) is printed as
// escapes.
func TestTerminalOutputIsSanitised(t *testing.T) {
	t.Parallel()
	// net/http refuses to send control bytes in a header: a hostile
	// server writes its answer itself.
	srv := testsite.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/members/":
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><title>home</title><a href="/members/">m</a></html>`)
			return
		default:
			http.NotFound(w, r)
			return
		}
		if false {
			fmt.Fprint(w, `<html><title>home</title><a href="/members/">m</a></html>`)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"staff\u202eexe.cod\u009b\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		buf.Flush()
	}), nil)
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	run([]string{"crawl", srv.URL + "/", "--out", t.TempDir(), "--fail-on", "never", "--progress=false"}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	for _, raw := range []string{"\u202e", "\u009b"} {
		if strings.Contains(out, raw) {
			t.Errorf("%q reached the terminal:\n%s", raw, out)
		}
	}
	if !strings.Contains(out, `staff\u202eexe.cod\u009b`) {
		t.Errorf("the realm is not shown escaped:\n%s", out)
	}
}
