package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/crawlaudit/crawlaudit"
)

// screen is how a summary is shown: --details and --color, and the width
// of the terminal it goes to.
type screen struct {
	details bool
	color   string
	getenv  func(string) string // nil is os.Getenv; tests inject NO_COLOR, COLUMNS
}

func (s *screen) bind(f *pflag.FlagSet) {
	f.BoolVar(&s.details, "details", false, "print every table after the issue list: URLs by kind and status, crawl budget, findings by rule, top problem URLs, authentication")
	f.StringVar(&s.color, "color", "auto", "colour severities: auto (on a terminal, unless NO_COLOR is set), always or never")
}

// check checks --color.
func (s *screen) check() error {
	switch s.color {
	case "auto", "always", "never":
		return nil
	}
	return usagef("--color must be auto, always or never, got %q", s.color)
}

func (s *screen) env(name string) string {
	if s.getenv != nil {
		return s.getenv(name)
	}
	return os.Getenv(name)
}

// terminal returns the summary's shape for w: its width (the terminal's;
// else $COLUMNS; else 80), colours (--color; auto: a terminal, NO_COLOR
// unset, TERM not "dumb") and --details.
func (s *screen) terminal(w io.Writer) crawlaudit.TerminalOptions {
	t := crawlaudit.TerminalOptions{Details: s.details, Width: 80}
	tty := false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			t.Width = width
		}
	} else if n, err := strconv.Atoi(s.env("COLUMNS")); err == nil && n > 0 {
		t.Width = n
	}
	switch s.color {
	case "always":
		t.Color = true
	case "auto":
		t.Color = tty && s.env("NO_COLOR") == "" && s.env("TERM") != "dumb"
	}
	return t
}

// reportLine is the summary's last line: report.html's full path, the file
// to open next.
func reportLine(w io.Writer, out string) {
	path := filepath.Join(out, "report.html")
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fmt.Fprintf(w, "\nFull report: %s\n", path)
}
