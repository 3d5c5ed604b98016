package config

import (
	"strings"
	"testing"
)

const good = `# two sites
parallel_sites: 2
log_format: json
defaults:
  concurrency: 4
  delay: 250ms
  fail_on: warning
  include: ['^/docs/']
  rules:
    broken-link: {severity: warning}
    redirect-chain: {disabled: true}
sites:
  - url: https://www.example.com/
    out: reports/www
    max_urls: 500
    rules:
      forbidden-asset:
        ignore_urls: ['^https://www\.example\.com/private/']
  - url: http://127.0.0.1:8080/
    name: local
    concurrency: 2
    include: []
`

func TestParseMergesDefaultsIntoSites(t *testing.T) {
	c, err := Parse(strings.NewReader(good), "crawlaudit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if *c.ParallelSites != 2 || *c.LogFormat != "json" {
		t.Errorf("top level: %v %v", *c.ParallelSites, *c.LogFormat)
	}
	sites := c.Resolved()
	if len(sites) != 2 {
		t.Fatalf("sites: %d", len(sites))
	}
	a, b := sites[0], sites[1]
	if *a.Concurrency != 4 || *b.Concurrency != 2 || *a.Delay != "250ms" || *a.MaxURLs != 500 || b.MaxURLs != nil {
		t.Errorf("merge: a=%+v b=%+v", a, b)
	}
	if len(a.Rules) != 3 || len(b.Rules) != 2 || !*b.Rules["redirect-chain"].Disabled {
		t.Errorf("rules merge: %v %v", a.Rules, b.Rules)
	}
	if got := SiteName(a); got != "www.example.com" {
		t.Errorf("name a %q", got)
	}
	if got := SiteName(b); got != "local" {
		t.Errorf("name b %q", got)
	}
	fv := a.FlagValues()
	if fv["concurrency"][0] != "4" || fv["include"][0] != "^/docs/" || fv["fail-on"][0] != "warning" || fv["out"][0] != "reports/www" {
		t.Errorf("flag values: %v", fv)
	}
	if _, ok := b.FlagValues()["include"]; !ok || len(b.Include) != 0 {
		t.Errorf("explicit empty include should override: %v", b.FlagValues())
	}
	if err := c.CheckRules([]string{"broken-link", "redirect-chain", "forbidden-asset"}); err != nil {
		t.Error(err)
	}
	err = c.CheckRules([]string{"broken-link", "redirect-chain"})
	if err == nil || err.Error() != `crawlaudit.yaml:17: sites[0].rules.forbidden-asset: unknown rule "forbidden-asset" (rules: broken-link, redirect-chain)` {
		t.Errorf("unknown rule: %v", err)
	}
}

func TestParseErrorsNameKeyAndLine(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown top-level key", "defaults:\n  url: http://a/\nsite: []\n", "c.yaml:3: site: field site not found"},
		{"unknown site key", "sites:\n  - url: http://a/\n    concurrencyy: 3\n", "c.yaml:3: sites[0].concurrencyy: field concurrencyy not found"},
		{"unknown rule key", "defaults:\n  url: http://a/\n  rules:\n    broken-link:\n      level: error\n", "c.yaml:5: defaults.rules.broken-link.level: field level not found"},
		{"wrong type", "sites:\n  - url: http://a/\n    concurrency: lots\n", "c.yaml:3: sites[0].concurrency: cannot unmarshal !!str `lots` into int"},
		{"out of range", "sites:\n  - url: http://a/\n  - url: http://b/\n    concurrency: 0\n", "c.yaml:4: sites[1].concurrency: must be between 1 and 256, got 0"},
		{"bad duration", "defaults:\n  url: http://a/\n  timeout: 10\n", `c.yaml:3: defaults.timeout: "10" is not a positive duration such as 500ms or 15s`},
		{"bad regexp", "defaults:\n  url: http://a/\n  exclude:\n    - ok\n    - '('\n", "c.yaml:5: defaults.exclude[1]: bad regular expression \"(\": error parsing regexp: missing closing ): `(`"},
		{"bad fail_on", "defaults:\n  url: http://a/\n  fail_on: fatal\n", `c.yaml:3: defaults.fail_on: must be error, warning, notice or never, got "fatal"`},
		{"bad severity", "defaults:\n  url: http://a/\n  rules:\n    broken-link:\n      severity: high\n", `c.yaml:5: defaults.rules.broken-link.severity: severity must be error, warning or notice, got "high"`},
		{"missing url", "sites:\n  - out: x\n", "c.yaml:2: sites[0]: missing url"},
		{"not http", "sites:\n  - url: ftp://a/\n", "c.yaml:2: sites[0].url: must be an absolute http(s) URL"},
		{"no site", "defaults:\n  concurrency: 2\n", "c.yaml:1: no site: add sites: with a url per site, or a url under defaults:"},
		{"empty", "\n", "c.yaml: empty file: expected defaults: or sites:"},
		{"bad yaml", "sites: [\n", "c.yaml:1: did not find expected node content"},
		{"duplicate names", "sites:\n  - url: http://a/\n  - url: http://a/x\n", `c.yaml:3: sites[1]: site name "a" is also the name of sites[0]: give one a distinct name`},
		{"bad parallel", "parallel_sites: 0\ndefaults: {url: 'http://a/'}\n", "c.yaml:1: parallel_sites: must be between 1 and 64, got 0"},
		{"bad history_keep", "defaults: {url: 'http://a/', history_keep: 0}\n", "c.yaml:1: defaults.history_keep: must be between 1 and 1000, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), "c.yaml")
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
