package config

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// IgnoreFile is a findings-ignore file: known findings to leave out of the
// results, each with a reason and optionally an expiry date.
type IgnoreFile struct {
	Ignore []IgnoreEntry `yaml:"ignore"`
}

// IgnoreEntry is one ignore rule as written in the file.
type IgnoreEntry struct {
	// Rule is the rule ID whose findings it ignores; "*" means every rule.
	Rule string `yaml:"rule"`
	// URL is a regular expression matched against the finding's URL
	// (unanchored: use ^ and $ to pin it).
	URL string `yaml:"url"`
	// Reason says why the finding is accepted; required.
	Reason string `yaml:"reason"`
	// Expires is a date (YYYY-MM-DD, UTC): the entry ignores through the
	// end of that day and is reported as expired from the next day on.
	// Empty means it never expires.
	Expires string `yaml:"expires"`

	// Parsed by ParseIgnore.
	Pattern *regexp.Regexp `yaml:"-"`
	Until   time.Time      `yaml:"-"` // first instant the entry no longer applies; zero: never
	Source  string         `yaml:"-"` // "file:line" of the entry
}

// ParseIgnore reads a findings-ignore file from r; name is used in error
// messages and in each entry's Source. Unknown keys, a missing rule, url or
// reason, a bad regular expression and a bad date are errors with the line.
func ParseIgnore(r io.Reader, name string) ([]IgnoreEntry, error) {
	data, root, err := readYAML(r, name)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var f IgnoreFile
	doc := root
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	c := &File{name: name, doc: doc}
	if err := c.decodeMapping(doc, reflect.ValueOf(&f).Elem(), nil); err != nil {
		return nil, err
	}
	for i := range f.Ignore {
		e := &f.Ignore[i]
		e.Source = fmt.Sprintf("%s:%d", name, lineOf(doc, "ignore", i))
		switch {
		case strings.TrimSpace(e.Rule) == "":
			return nil, c.Err("missing rule (a rule ID, or * for every rule)", "ignore", i)
		case e.URL == "":
			return nil, c.Err("missing url (a regular expression)", "ignore", i)
		case strings.TrimSpace(e.Reason) == "":
			return nil, c.Err("missing reason: say why the finding is accepted", "ignore", i)
		}
		if e.Pattern, err = regexp.Compile(e.URL); err != nil {
			return nil, c.Err(fmt.Sprintf("bad regular expression %q: %v", e.URL, err), "ignore", i, "url")
		}
		if e.Expires != "" {
			d, err := time.Parse("2006-01-02", e.Expires)
			if err != nil {
				return nil, c.Err(fmt.Sprintf("%q is not a date (YYYY-MM-DD)", e.Expires), "ignore", i, "expires")
			}
			e.Until = d.AddDate(0, 0, 1)
		}
	}
	return f.Ignore, nil
}
