package main

import (
	"reflect"
	"testing"

	"github.com/spf13/pflag"
)

// TestRestoreSettingsKeepsRepeatedValuesWhole: a resumed crawl gets back
// each --include regular expression whole, spaces and all (stored as a JSON
// array); a crawl stored before that (space-separated) still restores; a
// flag given on the command line wins.
func TestRestoreSettingsKeepsRepeatedValuesWhole(t *testing.T) {
	t.Parallel()
	o := &crawlOptions{include: []string{`^/a b/`, `^/c/`}, exclude: []string{`^/x/`}}
	stored := o.settings()
	if stored["include"] != `["^/a b/","^/c/"]` {
		t.Fatalf("stored include = %q", stored["include"])
	}

	fs := pflag.NewFlagSet("crawl", pflag.ContinueOnError)
	var include, exclude []string
	var depth int
	fs.StringArrayVar(&include, "include", nil, "")
	fs.StringArrayVar(&exclude, "exclude", nil, "")
	fs.IntVar(&depth, "max-depth", 0, "")
	if err := fs.Parse([]string{"--exclude", `^/given/`}); err != nil {
		t.Fatal(err)
	}
	err := restoreSettings(fs, map[string]string{"include": stored["include"], "exclude": `^/old/`, "max_depth": "3"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`^/a b/`, `^/c/`}; !reflect.DeepEqual(include, want) {
		t.Errorf("include = %q, want %q", include, want)
	}
	if want := []string{`^/given/`}; !reflect.DeepEqual(exclude, want) {
		t.Errorf("exclude = %q, want the command line's %q", exclude, want)
	}
	if depth != 3 {
		t.Errorf("max-depth = %d, want 3", depth)
	}

	fs = pflag.NewFlagSet("crawl", pflag.ContinueOnError) // a crawl.db written before JSON arrays
	include = nil
	fs.StringArrayVar(&include, "include", nil, "")
	if err := restoreSettings(fs, map[string]string{"include": `^/p/ ^/q/`}); err != nil {
		t.Fatal(err)
	}
	if want := []string{`^/p/`, `^/q/`}; !reflect.DeepEqual(include, want) {
		t.Errorf("old-format include = %q, want %q", include, want)
	}
}
