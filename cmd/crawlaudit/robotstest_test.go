package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// TestRobotsTestExitCodes: robots-test exits 0 when the proposed robots.txt
// loses no important page, 1 when it would (so that CI can gate a
// robots.txt change), and 2 with one line on stderr for bad input.
func TestRobotsTestExitCodes(t *testing.T) {
	t.Parallel()
	srv := testsite.Start(mustSite(t), nil)
	t.Cleanup(srv.Close)
	crawl := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"crawl", srv.URL + "/", "--out", crawl, "-q", "--fail-on", "never", "--progress=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl exit %d: %s", code, stderr.String())
	}
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	safe := file("safe.txt", "User-agent: *\nDisallow: /private/\n")
	losing := file("losing.txt", "User-agent: *\nDisallow: /b\n")
	otherAgent := file("other-agent.txt", "User-agent: Bingbot\nDisallow: /b\n")
	unparsable := file("unparsable.txt", "Disallow: /b\nUser-agent: *\n")
	empty := t.TempDir()
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring of stdout
		stderr string // substring of the one-line error; "" means stderr must be empty
	}{
		{"a file that blocks nothing that matters exits 0", []string{"robots-test", "--robots", safe, crawl}, 0, "Safe: it loses no important page.", ""},
		{"a file that blocks a linked page exits 1", []string{"robots-test", "--robots", losing, crawl}, 1, "DANGEROUS: it would lose 1 important page.", ""},
		{"the group of --agent applies", []string{"robots-test", "--robots", otherAgent, "--agent", "bingbot", crawl}, 1, "(User-agent: bingbot)", ""},
		{"another agent's group does not apply to Googlebot", []string{"robots-test", "--robots", otherAgent, crawl}, 0, "Safe", ""},
		{"-q prints nothing and still exits 1", []string{"robots-test", "-q", "--robots", losing, crawl}, 1, "", ""},
		{"--robots is required", []string{"robots-test", crawl}, 2, "", "--robots FILE is required"},
		{"a missing robots file", []string{"robots-test", "--robots", filepath.Join(dir, "nope.txt"), crawl}, 2, "", "no such file"},
		{"an unparsable robots file", []string{"robots-test", "--robots", unparsable, crawl}, 2, "", "unparsable robots.txt"},
		{"a folder without a crawl", []string{"robots-test", "--robots", safe, empty}, 2, "", "holds no crawl.db"},
		{"a missing folder", []string{"robots-test", "--robots", safe, filepath.Join(dir, "gone")}, 2, "", "no such file"},
		{"two folders", []string{"robots-test", "--robots", safe, crawl, crawl}, 2, "", "one crawl output folder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %q; stdout:\n%s", code, c.code, stderr.String(), stdout.String())
			}
			if c.stdout == "" && c.code != 2 && stdout.Len() > 0 {
				t.Errorf("stdout not empty: %q", stdout.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, stdout.String())
			}
			e := stderr.String()
			if c.stderr == "" {
				if e != "" {
					t.Errorf("stderr not empty: %q", e)
				}
				return
			}
			if !strings.Contains(e, c.stderr) || strings.Count(strings.TrimRight(e, "\n"), "\n") != 0 || !strings.HasPrefix(e, "crawlaudit: ") {
				t.Errorf("stderr = %q, want one line containing %q", e, c.stderr)
			}
		})
	}
}
