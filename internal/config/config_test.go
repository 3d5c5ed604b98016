package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// size is a text-unmarshalled setting, as crawlaudit.ByteSize.
type size int

func (s *size) UnmarshalText(b []byte) error {
	if string(b) == "big" {
		*s = 1000
		return nil
	}
	return fmt.Errorf("%q is not big", b)
}

type rule struct {
	Severity string   `yaml:"severity"`
	Disabled bool     `yaml:"disabled"`
	Ignore   []string `yaml:"ignore_urls"`
}

type site struct {
	URL     string          `yaml:"url"`
	N       int             `yaml:"n"`
	Delay   time.Duration   `yaml:"delay"`
	Size    size            `yaml:"size"`
	List    []string        `yaml:"list"`
	Rules   map[string]rule `yaml:"rules"`
	Untaged string
	Skipped string `yaml:"-"`
}

type topLevel struct {
	Parallel *int `yaml:"parallel"`
}

const good = `# two sites
parallel: 2
defaults:
  n: 4
  delay: 250ms
  list: ['^/docs/']
  rules:
    broken-link: {severity: warning}
    redirect-chain: {disabled: true}
sites:
  - url: https://www.example.com/
    size: big
    rules:
      broken-link:
        ignore_urls: ['x']
  - url: http://127.0.0.1:8080/
    n: 2
    list: []
`

// TestDecodeMergesDefaultsIntoSites: defaults: first, then the site's
// keys; lists replaced, rule entries replaced whole, untouched keys keep
// the caller's defaults.
func TestDecodeMergesDefaultsIntoSites(t *testing.T) {
	var top topLevel
	f, err := Parse(strings.NewReader(good), "c.yaml", &top)
	if err != nil {
		t.Fatal(err)
	}
	if top.Parallel == nil || *top.Parallel != 2 || f.Sites() != 2 || f.Name() != "c.yaml" {
		t.Fatalf("top = %+v, %d sites", top, f.Sites())
	}
	a, b := site{Size: 7}, site{Size: 7}
	if err := f.Decode(0, &a); err != nil {
		t.Fatal(err)
	}
	if err := f.Decode(1, &b); err != nil {
		t.Fatal(err)
	}
	if a.N != 4 || b.N != 2 || a.Delay != 250*time.Millisecond || a.Size != 1000 || b.Size != 7 {
		t.Errorf("merge: a=%+v b=%+v", a, b)
	}
	if len(a.List) != 1 || len(b.List) != 0 {
		t.Errorf("lists: a=%q b=%q (an explicit empty list replaces the default)", a.List, b.List)
	}
	if len(a.Rules) != 2 || a.Rules["broken-link"].Severity != "" || len(a.Rules["broken-link"].Ignore) != 1 || !a.Rules["redirect-chain"].Disabled {
		t.Errorf("rules a: %+v (a site's entry replaces the default entry whole)", a.Rules)
	}
	if b.Rules["broken-link"].Severity != "warning" {
		t.Errorf("rules b: %+v", b.Rules)
	}
	if !f.Sets(0, "size") || f.Sets(1, "size") || !f.Sets(-1, "n") {
		t.Error("Sets")
	}
	if v, ok := f.Scalar(1, "n"); !ok || v != "2" {
		t.Errorf("Scalar = %q, %v", v, ok)
	}
	for _, tc := range []struct {
		site int
		keys []string
		want string
	}{
		{0, []string{"size"}, "[sites 0 size]"},
		{0, []string{"n"}, "[defaults n]"},
		{0, []string{"rules", "broken-link"}, "[sites 0 rules broken-link]"},
		{0, []string{"rules", "redirect-chain"}, "[defaults rules redirect-chain]"},
		{1, []string{"url", "x"}, "[sites 1]"},
	} {
		if got := fmt.Sprint(f.Locate(tc.site, tc.keys...)); got != tc.want {
			t.Errorf("Locate(%d, %q) = %s, want %s", tc.site, tc.keys, got, tc.want)
		}
	}
	if err := f.Err("bad", f.Locate(1, "n")...); err.Error() != "c.yaml:17: sites[1].n: bad" {
		t.Errorf("Err = %v", err)
	}
}

func TestParseErrorsNameKeyAndLine(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown top-level key", "defaults:\n  url: http://a/\nsite: []\n", "c.yaml:3: site: field site not found"},
		{"unknown site key", "sites:\n  - url: http://a/\n    nn: 3\n", "c.yaml:3: sites[0].nn: field nn not found"},
		{"untagged fields are no keys", "defaults:\n  untaged: x\n", "c.yaml:2: defaults.untaged: field untaged not found"},
		{"skipped fields are no keys", "defaults:\n  Skipped: x\n", "c.yaml:2: defaults.Skipped: field Skipped not found"},
		{"unknown rule key", "defaults:\n  url: http://a/\n  rules:\n    broken-link:\n      level: error\n", "c.yaml:5: defaults.rules.broken-link.level: field level not found"},
		{"wrong type", "sites:\n  - url: http://a/\n    n: lots\n", "c.yaml:3: sites[0].n: cannot unmarshal !!str `lots` into int"},
		{"bad duration", "defaults:\n  delay: 10\n", `c.yaml:2: defaults.delay: "10" is not a duration such as 500ms or 15s`},
		{"bad text value", "defaults:\n  size: small\n", `c.yaml:2: defaults.size: "small" is not big`},
		{"list where a value is", "defaults:\n  n: [1]\n", "c.yaml:2: defaults.n: cannot unmarshal !!seq into int"},
		{"sites not a list", "sites: {a: 1}\n", "c.yaml:1: sites: expected a list of sites"},
		{"site not a mapping", "sites:\n  - x\n", "c.yaml:2: sites[0]: expected a mapping"},
		{"empty", "\n", "c.yaml: empty file: expected defaults: or sites:"},
		{"bad yaml", "sites: [\n", "c.yaml:1: did not find expected node content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var top topLevel
			f, err := Parse(strings.NewReader(tc.in), "c.yaml", &top)
			if err == nil {
				for i := -1; i < f.Sites() && err == nil; i++ {
					var s site
					err = f.Decode(i, &s)
				}
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestParseIgnore(t *testing.T) {
	in := "ignore:\n  - rule: broken-link\n    url: '/old/'\n    reason: legacy\n    expires: 2026-01-31\n  - rule: '*'\n    url: '^https://cdn\\.'\n    reason: third party\n"
	es, err := ParseIgnore(strings.NewReader(in), "ig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Until.Format("2006-01-02") != "2026-02-01" || !es[1].Until.IsZero() || es[0].Source != "ig.yaml:2" || es[1].Source != "ig.yaml:6" {
		t.Fatalf("%+v", es)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"missing reason", "ignore:\n  - rule: x\n    url: y\n", "ig.yaml:2: ignore[0]: missing reason: say why the finding is accepted"},
		{"bad date", "ignore:\n  - rule: x\n    url: y\n    reason: z\n    expires: soon\n", `ig.yaml:5: ignore[0].expires: "soon" is not a date (YYYY-MM-DD)`},
		{"unknown key", "ignore:\n  - rule: x\n    path: y\n", "ig.yaml:3: ignore[0].path: field path not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseIgnore(strings.NewReader(tc.in), "ig.yaml")
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
