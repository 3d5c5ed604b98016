package config

import (
	"strings"
	"testing"
)

// FuzzParse: any input gives settings or an error naming the file, never
// a panic.
func FuzzParse(f *testing.F) {
	f.Add(good)
	f.Add("sites: [\n")
	f.Add("defaults: {url: 'http://a/', rules: {x: {ignore_urls: ['(']}}}\n")
	f.Add("&a [*a]\n")
	f.Add("defaults:\n  url: http://a/\n  <<: {concurrency: 2}\n")
	f.Fuzz(func(t *testing.T, in string) {
		var top topLevel
		f, err := Parse(strings.NewReader(in), "f.yaml", &top)
		for i := -1; err == nil && i < f.Sites(); i++ {
			var s site
			err = f.Decode(i, &s)
			_ = f.Locate(i, "rules", "x")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Errorf("error without the file name: %v", err)
		}
	})
}

// FuzzParseIgnore: any input gives entries or an error, never a panic.
func FuzzParseIgnore(f *testing.F) {
	f.Add("ignore:\n  - rule: x\n    url: y\n    reason: z\n    expires: 2026-01-01\n")
	f.Add("ignore: [{rule: '*', url: '(', reason: r}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseIgnore(strings.NewReader(in), "i.yaml")
		if err == nil {
			for _, e := range es {
				if e.Pattern == nil || e.Reason == "" {
					t.Errorf("entry accepted without pattern or reason: %+v", e)
				}
			}
		}
	})
}
