package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/demo"
)

// servedDemo is one `crawlaudit demo --serve` running in process until its
// context is cancelled.
type servedDemo struct {
	site   string // the demo site's URL, as printed
	stdout bytes.Buffer
	stop   func() error // cancels the context, waits, returns the command's error
}

// serveDemoCommand runs `crawlaudit args…` (a demo --serve) with a context
// the test cancels, and returns once it printed the demo site's URL and
// the walk-through.
func serveDemoCommand(t *testing.T, args ...string) *servedDemo {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	root := newRootCommand(ctx, pw, &stderr, nil)
	root.SetArgs(args)
	done := make(chan error, 1)
	go func() {
		err := root.Execute()
		pw.Close()
		done <- err
	}()
	s := &servedDemo{}
	url := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(pr)
		var site string
		for sc.Scan() {
			line := sc.Text()
			s.stdout.WriteString(line + "\n")
			if f := strings.Fields(line); len(f) == 3 && f[0] == "demo" && f[1] == "site" {
				site = f[2]
			}
			if strings.HasSuffix(line, "a new error-level finding.") { // the walk-through's last line
				url <- site
			}
		}
		close(url)
	}()
	var stopped bool
	var result error
	s.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
			<-drained
		}
		return result
	}
	t.Cleanup(func() { _ = s.stop() })
	site, ok := <-url
	if !ok {
		t.Fatalf("demo %v printed no URL (%v): %s", args, s.stop(), stderr.String())
	}
	s.site = site
	return s
}

// TestDemoServeWalkthrough follows the README's walk-through in process:
// serve the demo on a port (0: the command picks two free ones and prints
// them), crawl it, crawl it again against that baseline (nothing new: exit
// 0), stop it, serve the broken variant on the same port (same URLs), and
// crawl against the baseline: the regression and the new broken link
// appear, and --fail-on-new error exits 1.
func TestDemoServeWalkthrough(t *testing.T) {
	dir := t.TempDir()
	before, again, after := filepath.Join(dir, "before"), filepath.Join(dir, "again"), filepath.Join(dir, "after")
	crawl := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"crawl", "--progress=false"}, args...), &stdout, &stderr); code != want {
			t.Fatalf("crawl %v exited %d, want %d: %s", args, code, want, stderr.String())
		}
		return stdout.String()
	}

	s := serveDemoCommand(t, "demo", "--serve", "--port", "0")
	site := s.site
	if !strings.HasPrefix(site, "http://127.0.0.1:") || !strings.HasSuffix(site, "/") {
		t.Fatalf("served at %q", site)
	}
	port := strings.TrimSuffix(site[strings.LastIndexByte(site, ':')+1:], "/")
	for _, want := range []string{
		"crawlaudit crawl " + site + " --out before --fail-on never",
		"crawlaudit demo --serve --break --port " + port,
		"crawlaudit crawl " + site + " --out after --baseline before --fail-on-new error",
	} {
		if !strings.Contains(s.stdout.String(), want) {
			t.Errorf("the walk-through lacks %q:\n%s", want, s.stdout.String())
		}
	}
	crawl(0, site, "--out", before, "--fail-on", "never", "-q")
	// The summary wraps at 80 columns: compare words, not lines.
	if out := strings.Join(strings.Fields(crawl(0, site, "--out", again, "--baseline", before, "--fail-on-new", "error")), " "); !strings.Contains(out, "0 regressions") || !strings.Contains(out, "0 new findings") {
		t.Errorf("a second crawl of the same site changed:\n%s", out)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("demo --serve stopped with %v, want nil (stopping it is its normal end)", err)
	}

	b := serveDemoCommand(t, "demo", "--serve", "--break", "--port", port)
	if b.site != site {
		t.Fatalf("the broken variant on port %s is at %s, want %s", port, b.site, site)
	}
	crawl(1, site, "--out", after, "--baseline", before, "--fail-on-new", "error", "-q")
	data, err := os.ReadFile(filepath.Join(after, "diff.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.TrimSuffix(site, "/") + demo.BrokenPath
	var got []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join(r[:8], " "))
	}
	want := []string{
		"regression " + broken + " page 200 404 not-found  ",
		"new-finding " + broken + "     broken-link error",
		"new-finding " + broken + "     sitemap-url-not-indexable warning",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff.csv:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
}

// TestDemoOnAGivenPortWithBreak: without --serve, --port and --break
// apply to the demo's own crawl: its report names the port's URLs and the
// broken page.
func TestDemoOnAGivenPortWithBreak(t *testing.T) {
	s := serveDemoCommand(t, "demo", "--serve", "--port", "0") // finds a free pair, then frees it
	port := strings.TrimSuffix(s.site[strings.LastIndexByte(s.site, ':')+1:], "/")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"demo", "--port", port, "--break", "--out", out, "-q", "--progress=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("demo exited %d: %s", code, stderr.String())
	}
	c := readCrawlJSON(t, out)
	if c.StartURL != s.site {
		t.Errorf("start URL %s, want %s", c.StartURL, s.site)
	}
	for _, u := range c.URLs {
		if u.URL == strings.TrimSuffix(s.site, "/")+demo.BrokenPath && u.Status != 404 {
			t.Errorf("%s answered %d, want 404", u.URL, u.Status)
		}
	}
}

func TestInterruptedErrorSaysWhereAndHowToGoOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  interruptedError
		want string
	}{
		{"one folder", interruptedError{sig: os.Interrupt, outs: []string{"report"}},
			"interrupted by SIGINT: partial report written to report; continue with: crawlaudit crawl --resume report"},
		{"a folder with a space is quoted in the command", interruptedError{sig: os.Interrupt, outs: []string{"my report"}},
			"interrupted by SIGINT: partial report written to my report; continue with: crawlaudit crawl --resume 'my report'"},
		{"several sites", interruptedError{sig: os.Interrupt, outs: []string{"reports/a", "reports/b"}},
			"interrupted by SIGINT: partial reports written to reports/a, reports/b; continue with: crawlaudit crawl --resume reports/a; crawlaudit crawl --resume reports/b"},
		{"the demo cannot be resumed", interruptedError{sig: os.Interrupt, outs: []string{"crawlaudit-report"}, noResume: true},
			"interrupted by SIGINT: partial report written to crawlaudit-report"},
		{"nothing written", interruptedError{sig: os.Interrupt}, "interrupted by SIGINT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote(it's) = %s", got)
	}
}

// TestVerboseAndVersionFlags: -v is --verbose wherever it exists, and the
// root's --version has no shorthand.
func TestVerboseAndVersionFlags(t *testing.T) {
	t.Parallel()
	root := newRootCommand(t.Context(), nil, nil, nil)
	if f := root.Flags().Lookup("version"); f == nil || f.Shorthand != "" {
		t.Errorf("root --version: %+v, want it without a shorthand", f)
	}
	for _, cmd := range root.Commands() {
		if f := cmd.Flags().ShorthandLookup("v"); f != nil && f.Name != "verbose" {
			t.Errorf("%s -v is --%s, want --verbose", cmd.Name(), f.Name)
		}
	}
	for _, name := range []string{"crawl", "demo"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd.Flags().ShorthandLookup("v") == nil {
			t.Errorf("%s has no -v (%v)", name, err)
		}
	}
	var stdout bytes.Buffer
	if code := run([]string{"--version"}, &stdout, io.Discard); code != 0 || !strings.Contains(stdout.String(), version) {
		t.Errorf("--version exited %d: %q", code, stdout.String())
	}
}
