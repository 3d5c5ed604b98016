package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShortURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"https://example.com/a/b/c.jpg", 40, "https://example.com/a/b/c.jpg"},
		{"https://example.com/cdn/photos/2024/wedding-cake.jpg", 40, "https://example.com/…/wedding-cake.jpg"},
		{"https://example.com/cdn/photos/2024/wedding-cake.jpg", 30, "https://example.com/…-cake.jpg"},
		{"https://example.com/cdn/photos/2024/wedding-cake.jpg", 15, "https://exampl…"},
		{"/a/very/long/path/to/table.html", 16, "/…/table.html"},
		{"/a/very/long/path/to/folder/", 16, "/…/folder/"},
	} {
		got := shortURL(c.in, c.n)
		if got != c.want || utf8.RuneCountInString(got) > c.n {
			t.Errorf("shortURL(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTerminalGolden: the summary at 80 and 120 columns, issue list first,
// the key numbers, the report's path last; no line longer than the width.
func TestTerminalGolden(t *testing.T) {
	t.Parallel()
	for _, width := range []int{80, 120} {
		var b bytes.Buffer
		if err := WriteTerminal(&b, newCrawl(newFixture(t), Options{}), TerminalOptions{Width: width, ReportPath: "/home/owner/audit/report.html"}); err != nil {
			t.Fatal(err)
		}
		golden(t, "terminal_"+itoa(width)+".txt", b.Bytes())
		var d bytes.Buffer
		if err := WriteTerminal(&d, newCrawl(newFixture(t), Options{}), TerminalOptions{Width: width, Details: true}); err != nil {
			t.Fatal(err)
		}
		golden(t, "terminal_details_"+itoa(width)+".txt", d.Bytes())
		if n := longestLine(d.Bytes()); n > width {
			t.Errorf("width %d, details: a line of %d columns", width, n)
		}
		if n := longestLine(b.Bytes()); n > width {
			t.Errorf("width %d: a line of %d columns", width, n)
		}
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		if !strings.HasPrefix(lines[2], "What to fix first") || lines[len(lines)-1] != "Full report: /home/owner/audit/report.html" {
			t.Errorf("width %d: want the issue list first and the report's path last:\n%s", width, b.String())
		}
		if len(lines) > 45 {
			t.Errorf("width %d: %d lines, want at most ~40", width, len(lines))
		}
	}
}

// TestTerminalFitsEveryWidth: whatever the width, with or without the
// detail tables and colours, no line is longer.
func TestTerminalFitsEveryWidth(t *testing.T) {
	t.Parallel()
	c := newCrawl(newFixture(t), Options{})
	for _, width := range []int{40, 64, 80, 100, 120, 200} {
		for _, details := range []bool{false, true} {
			if details && width < 64 {
				continue // the kind table needs 61 columns
			}
			var b bytes.Buffer
			if err := WriteTerminal(&b, c, TerminalOptions{Width: width, Details: details, Color: true}); err != nil {
				t.Fatal(err)
			}
			plain := ansi.ReplaceAll(b.Bytes(), nil)
			if n := longestLine(plain); n > width {
				t.Errorf("width %d details %v: a line of %d columns:\n%s", width, details, n, plain)
			}
			if !bytes.Contains(b.Bytes(), []byte("\x1b[1;31mERROR")) {
				t.Errorf("width %d: errors are not red", width)
			}
		}
	}
}
