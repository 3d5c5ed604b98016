package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// maskSite links to URLs whose query carries secrets: one in a parameter
// every crawl masks (auth_token), one in a parameter only --mask-param
// names (ref), which also answers 404 so that it is in the findings.
func maskSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<title>Home</title><a href="/offer?ref=REFSECRET4711&page=2">offer</a> <a href="/feed?auth_token=TOKSECRET0815">feed</a> <a href="/feed?campaign=CAMPSECRET99">campaign</a>`)
		case "/feed":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<title>Feed</title><a href="/">home</a>`)
		default:
			http.NotFound(w, r)
		}
	})
}

// allOutputs returns the text of every file in dir but crawl.db (which
// holds the URLs as crawled).
func allOutputs(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), "crawl.db") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// --mask-param hides a parameter's value in every output of the crawl, and
// the crawl database remembers the name: `crawlaudit report`, without that
// flag, still hides it (and its own --mask-param adds another): masking is
// per run, so the crawl run's names cannot leak into the report's through
// the process. Parameters whose names contain "token" are hidden without
// being named.
func TestMaskParamHidesValuesInEveryOutputAndReport(t *testing.T) {
	t.Parallel()
	runBinary := func(t *testing.T, _ string, args ...string) int {
		code, _, _ := runCLI(t, args...)
		return code
	}
	bin := ""
	srv := testsite.Start(maskSite(), nil)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	if code := runBinary(t, bin, "crawl", srv.URL+"/", "--out", dir, "--mask-param", "ref", "--fail-on", "never", "--progress=false", "-q"); code != 0 {
		t.Fatalf("crawl exited %d", code)
	}
	check := func(when string) {
		out := allOutputs(t, dir)
		if !strings.Contains(out, "/offer?ref=REDACTED&page=2") || !strings.Contains(out, "/feed?auth_token=REDACTED") {
			t.Fatalf("%s: the masked URLs are not in the outputs: the check proves nothing", when)
		}
		for _, secret := range []string{"REFSECRET4711", "TOKSECRET0815"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: %s appears in the outputs", when, secret)
			}
		}
	}
	check("after the crawl")
	if !strings.Contains(allOutputs(t, dir), "campaign=CAMPSECRET99") {
		t.Fatal("campaign is masked without being named: the report check below proves nothing")
	}
	// report in a new process: the crawl's names still apply, and
	// --mask-param adds one.
	if code := runBinary(t, bin, "report", dir, "-q", "--mask-param", "campaign"); code != 0 {
		t.Fatalf("report exited %d", code)
	}
	check("after crawlaudit report")
	if out := allOutputs(t, dir); strings.Contains(out, "CAMPSECRET99") || !strings.Contains(out, "campaign=REDACTED") {
		t.Error("report --mask-param campaign did not hide it")
	}
	if code := runBinary(t, bin, "crawl", srv.URL+"/", "--out", t.TempDir(), "--mask-param", "a=b", "--progress=false", "-q"); code != 2 {
		t.Errorf("--mask-param a=b exited %d, want 2", code)
	}
}
