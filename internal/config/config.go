// Package config reads crawlaudit.yaml: the crawl settings of one or many
// sites, the rule policy (severity overrides, disabled rules, URL patterns a
// rule ignores) and the job settings (baseline, history, fail thresholds,
// notification). It also reads findings-ignore files.
//
// It sits before the flow cmd → crawler → store → audit → report: cmd parses
// the file here, then turns each site into the same options the flags fill.
// Parsing takes an io.Reader; this package opens no files and reads no
// environment. Unknown keys and bad values are errors naming the file, line
// and key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultFile is the file name crawlaudit looks for in the working folder.
const DefaultFile = "crawlaudit.yaml"

// Config is one crawlaudit.yaml. Defaults apply to every site; a key set on
// a site replaces the default (rules merge per rule ID).
type Config struct {
	// Defaults holds settings shared by every site.
	Defaults Site `yaml:"defaults"`
	// Sites lists the sites to crawl, in order.
	Sites []Site `yaml:"sites"`
	// ParallelSites is how many sites crawl at once; nil means 1.
	ParallelSites *int `yaml:"parallel_sites"`
	// LogFormat is "text" or "json"; nil means text.
	LogFormat *string `yaml:"log_format"`

	name string     // file name for messages
	root *yaml.Node // document, for line numbers
}

// Site is the crawl and job settings of one site. Every field with a flag
// tag is the same setting as that `crawlaudit crawl` flag (nil or empty
// means "not set here": the flag's value, or its default, applies), so a new
// crawl flag becomes a config key by adding one field here with its yaml and
// flag tags. Durations are Go durations ("500ms", "15s"), sizes take KiB,
// MiB or GiB.
type Site struct {
	Name            *string  `yaml:"name"` // folder and metrics label; default host[:port] of url
	URL             *string  `yaml:"url"`  // start URL (the crawl command's argument)
	Out             *string  `yaml:"out" flag:"out"`
	Concurrency     *int     `yaml:"concurrency" flag:"concurrency"`
	Delay           *string  `yaml:"delay" flag:"delay"`
	Timeout         *string  `yaml:"timeout" flag:"timeout"`
	MaxBody         *string  `yaml:"max_body" flag:"max-body"`
	UserAgent       *string  `yaml:"user_agent" flag:"user-agent"`
	RobotsAgent     *string  `yaml:"robots_agent" flag:"robots-agent"`
	IgnoreRobots    *bool    `yaml:"ignore_robots" flag:"ignore-robots"`
	Include         []string `yaml:"include" flag:"include"`
	Exclude         []string `yaml:"exclude" flag:"exclude"`
	MaskParams      []string `yaml:"mask_params" flag:"mask-param"`
	AllowSubdomains *bool    `yaml:"allow_subdomains" flag:"allow-subdomains"`
	MaxDepth        *int     `yaml:"max_depth" flag:"max-depth"`
	MaxURLs         *int     `yaml:"max_urls" flag:"max-urls"`
	MaxTime         *string  `yaml:"max_time" flag:"max-time"`
	NoExternal      *bool    `yaml:"no_external" flag:"no-external"`
	FailOn          *string  `yaml:"fail_on" flag:"fail-on"`
	FailOnNew       *string  `yaml:"fail_on_new" flag:"fail-on-new"`
	Baseline        *string  `yaml:"baseline" flag:"baseline"`
	History         *string  `yaml:"history" flag:"history"`
	HistoryKeep     *int     `yaml:"history_keep" flag:"history-keep"`
	IgnoreFile      *string  `yaml:"ignore_file" flag:"ignore-file"`
	NotifyURL       *string  `yaml:"notify_url" flag:"notify-url"`
	Sitemaps        []string `yaml:"sitemaps" flag:"sitemap"`
	NoSitemaps      *bool    `yaml:"no_sitemaps" flag:"no-sitemaps"`
	SitemapMaxSize  *string  `yaml:"sitemap_max_size" flag:"sitemap-max-size"`
	// Credentials: the NAMES of environment variables and files, never values.
	BasicAuthEnv     *string         `yaml:"basic_auth_env" flag:"basic-auth-env"`
	BearerTokenEnv   *string         `yaml:"bearer_token_env" flag:"bearer-token-env"`
	HeaderFile       *string         `yaml:"header_file" flag:"header-file"`
	CookieFile       *string         `yaml:"cookie_file" flag:"cookie-file"`
	AuthOrigins      []string        `yaml:"auth_origins" flag:"auth-origin"`
	CompareAnonymous *bool           `yaml:"compare_anonymous" flag:"compare-anonymous"`
	Rules            map[string]Rule `yaml:"rules"`
}

// Rule is the policy for one rule ID.
type Rule struct {
	// Severity replaces the rule's default severity: error, warning or notice.
	Severity *string `yaml:"severity"`
	// Disabled drops every finding of the rule.
	Disabled *bool `yaml:"disabled"`
	// IgnoreURLs are regular expressions: findings of the rule whose URL
	// matches one are left out (and reported as ignored).
	IgnoreURLs []string `yaml:"ignore_urls"`
}

// Error is a problem at one place of a file.
type Error struct {
	File string // file name as given to Parse
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key path, e.g. "sites[1].concurrency"; may be empty
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxConfigBytes bounds what Parse reads: a config is hand written.
const maxConfigBytes = 4 << 20

// Parse reads a crawlaudit.yaml from r; name is used in error messages.
// Unknown keys, wrong types and bad values are reported as *Error with the
// line and key. A file may hold a single site's settings without "sites:",
// using only "defaults:" plus a url there.
func Parse(r io.Reader, name string) (*Config, error) {
	data, root, err := readYAML(r, name)
	if err != nil {
		return nil, err
	}
	c := &Config{name: name, root: root}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Msg: "empty file: expected defaults: or sites:"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, yamlError(name, err, root)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Name returns the file name given to Parse.
func (c *Config) Name() string { return c.name }

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml error into *Error, naming the key at the line when
// root is known.
func yamlError(name string, err error, root *yaml.Node) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var first *Error
	for _, m := range msgs {
		e := &Error{File: name, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			e.Line, _ = strconv.Atoi(sm[1])
			e.Msg = sm[2]
			if root != nil {
				e.Key = keyAtLine(root, e.Line)
			}
		}
		e.Msg = strings.Replace(e.Msg, " in type config.Site", "", 1)
		e.Msg = strings.Replace(e.Msg, " in type config.Rule", "", 1)
		e.Msg = strings.Replace(e.Msg, " in type config.Config", "", 1)
		e.Msg = strings.Replace(e.Msg, " in type config.IgnoreFile", "", 1)
		e.Msg = strings.Replace(e.Msg, " in type config.IgnoreEntry", "", 1)
		if first == nil {
			first = e
		}
	}
	return first
}

// keyAtLine returns the path of the key whose key or value starts at line.
func keyAtLine(root *yaml.Node, line int) string {
	var found string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinKey(path, k.Value)
				if found == "" && (k.Line == line || (v.Line == line && v.Kind == yaml.ScalarNode)) {
					found = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if found == "" && c.Line == line && c.Kind == yaml.ScalarNode {
					found = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return found
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// lineOf returns the line of the key at path (mapping keys and sequence
// indexes), or the closest ancestor's line when a step is missing.
func lineOf(root *yaml.Node, path ...any) int {
	n := root
	if n == nil {
		return 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			next := (*yaml.Node)(nil)
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					line = n.Content[i].Line
					next = n.Content[i+1]
				}
			}
			if next == nil {
				return line
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || s >= len(n.Content) {
				return line
			}
			n = n.Content[s]
			line = n.Line
		}
	}
	return line
}

// errAt builds an *Error for the key at path.
func (c *Config) errAt(msg string, path ...any) *Error {
	var key strings.Builder
	for _, p := range path {
		switch s := p.(type) {
		case string:
			if key.Len() > 0 {
				key.WriteByte('.')
			}
			key.WriteString(s)
		case int:
			fmt.Fprintf(&key, "[%d]", s)
		}
	}
	return &Error{File: c.name, Line: lineOf(c.root, path...), Key: key.String(), Msg: msg}
}

func (c *Config) validate() error {
	if c.ParallelSites != nil && (*c.ParallelSites < 1 || *c.ParallelSites > 64) {
		return c.errAt(fmt.Sprintf("must be between 1 and 64, got %d", *c.ParallelSites), "parallel_sites")
	}
	if c.LogFormat != nil && *c.LogFormat != "text" && *c.LogFormat != "json" {
		return c.errAt(fmt.Sprintf("must be text or json, got %q", *c.LogFormat), "log_format")
	}
	if err := c.validateSite(c.Defaults, "defaults"); err != nil {
		return err
	}
	names := map[string]int{}
	for i, s := range c.Sites {
		if err := c.validateSite(s, "sites", i); err != nil {
			return err
		}
		if s.URL == nil {
			return c.errAt("missing url", "sites", i)
		}
		n := SiteName(c.Sites[i])
		if j, dup := names[n]; dup {
			return c.errAt(fmt.Sprintf("site name %q is also the name of sites[%d]: give one a distinct name", n, j), "sites", i)
		}
		names[n] = i
	}
	if len(c.Sites) == 0 && c.Defaults.URL == nil {
		return c.errAt("no site: add sites: with a url per site, or a url under defaults:")
	}
	return nil
}

func (c *Config) validateSite(s Site, path ...any) error {
	at := func(key, format string, a ...any) error {
		return c.errAt(fmt.Sprintf(format, a...), append(append([]any(nil), path...), key)...)
	}
	if s.URL != nil {
		u, err := url.Parse(*s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return at("url", "must be an absolute http(s) URL")
		}
	}
	if s.Name != nil && !validName.MatchString(*s.Name) {
		return at("name", "must be letters, digits, dots, dashes or underscores, got %q", *s.Name)
	}
	if s.Out != nil && *s.Out == "" {
		return at("out", "must not be empty")
	}
	if s.Concurrency != nil && (*s.Concurrency < 1 || *s.Concurrency > 256) {
		return at("concurrency", "must be between 1 and 256, got %d", *s.Concurrency)
	}
	for _, d := range []struct {
		key      string
		v        *string
		positive bool
	}{{"delay", s.Delay, false}, {"timeout", s.Timeout, true}, {"max_time", s.MaxTime, false}} {
		if d.v == nil {
			continue
		}
		v, err := time.ParseDuration(*d.v)
		if err != nil || v < 0 || (d.positive && v == 0) {
			return at(d.key, "%q is not a %sduration such as 500ms or 15s", *d.v, map[bool]string{true: "positive ", false: ""}[d.positive])
		}
	}
	if s.MaxBody != nil && !validSize.MatchString(strings.ToUpper(strings.TrimSpace(*s.MaxBody))) {
		return at("max_body", "%q is not a size such as 10MiB", *s.MaxBody)
	}
	if s.RobotsAgent != nil && strings.TrimSpace(*s.RobotsAgent) == "" {
		return at("robots_agent", "must not be empty")
	}
	for _, list := range []struct {
		key string
		v   []string
	}{{"include", s.Include}, {"exclude", s.Exclude}} {
		for i, e := range list.v {
			if _, err := regexp.Compile(e); err != nil {
				return c.errAt(fmt.Sprintf("bad regular expression %q: %v", e, err), append(append([]any(nil), path...), list.key, i)...)
			}
		}
	}
	for _, n := range []struct {
		key string
		v   *int
	}{{"max_depth", s.MaxDepth}, {"max_urls", s.MaxURLs}} {
		if n.v != nil && *n.v < 0 {
			return at(n.key, "must not be negative, got %d", *n.v)
		}
	}
	if s.FailOn != nil && !oneOf(*s.FailOn, "error", "warning", "notice", "never") {
		return at("fail_on", "must be error, warning, notice or never, got %q", *s.FailOn)
	}
	if s.FailOnNew != nil && !oneOf(*s.FailOnNew, "error", "warning", "notice", "never") {
		return at("fail_on_new", "must be error, warning, notice or never, got %q", *s.FailOnNew)
	}
	if s.HistoryKeep != nil && (*s.HistoryKeep < 1 || *s.HistoryKeep > 1000) {
		return at("history_keep", "must be between 1 and 1000, got %d", *s.HistoryKeep)
	}
	for _, p := range []struct {
		key string
		v   *string
	}{{"baseline", s.Baseline}, {"history", s.History}, {"ignore_file", s.IgnoreFile}} {
		if p.v != nil && *p.v == "" {
			return at(p.key, "must not be empty")
		}
	}
	if s.NotifyURL != nil {
		u, err := url.Parse(*s.NotifyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return at("notify_url", "must be an absolute http(s) URL")
		}
	}
	for id, r := range s.Rules {
		rp := append(append([]any(nil), path...), "rules", id)
		if r.Severity != nil && !oneOf(*r.Severity, "error", "warning", "notice") {
			return c.errAt(fmt.Sprintf("severity must be error, warning or notice, got %q", *r.Severity), append(rp, "severity")...)
		}
		for i, e := range r.IgnoreURLs {
			if _, err := regexp.Compile(e); err != nil {
				return c.errAt(fmt.Sprintf("bad regular expression %q: %v", e, err), append(rp, "ignore_urls", i)...)
			}
		}
	}
	return nil
}

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	validSize = regexp.MustCompile(`^[0-9]+\s*(KIB|MIB|GIB|KB|MB|GB|K|M|G|B)?$`)
)

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// CheckRules reports the first rule ID under a rules: key (in defaults or
// any site) that is not in known, with its line.
func (c *Config) CheckRules(known []string) error {
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	check := func(s Site, path ...any) error {
		for _, id := range sortedKeys(s.Rules) {
			if !ok[id] {
				return c.errAt(fmt.Sprintf("unknown rule %q (rules: %s)", id, strings.Join(known, ", ")), append(append([]any(nil), path...), "rules", id)...)
			}
		}
		return nil
	}
	if err := check(c.Defaults, "defaults"); err != nil {
		return err
	}
	for i, s := range c.Sites {
		if err := check(s, "sites", i); err != nil {
			return err
		}
	}
	return nil
}

// Resolved returns the settings of every site with the defaults merged in:
// a key set on the site wins, rules merge per rule ID (a site's entry for a
// rule replaces the default entry for it). A file without sites: yields one
// site made of the defaults.
func (c *Config) Resolved() []Site {
	if len(c.Sites) == 0 {
		return []Site{c.Defaults}
	}
	out := make([]Site, len(c.Sites))
	for i, s := range c.Sites {
		out[i] = Merge(c.Defaults, s)
	}
	return out
}

// Merge returns base with every key that over sets replaced by over's value.
func Merge(base, over Site) Site {
	out := base
	bv := reflect.ValueOf(&out).Elem()
	ov := reflect.ValueOf(over)
	for i := 0; i < ov.NumField(); i++ {
		f := ov.Field(i)
		if f.IsNil() {
			continue
		}
		if ov.Type().Field(i).Name == "Rules" {
			rules := map[string]Rule{}
			for k, v := range base.Rules {
				rules[k] = v
			}
			for k, v := range over.Rules {
				rules[k] = v
			}
			out.Rules = rules
			continue
		}
		bv.Field(i).Set(f)
	}
	return out
}

// FlagValues returns the keys of s that map to crawl flags, as flag name →
// values in the form the flag parses (one value per element for lists).
// Keys that are not set are absent.
func (s Site) FlagValues() map[string][]string {
	out := map[string][]string{}
	v := reflect.ValueOf(s)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		flag := t.Field(i).Tag.Get("flag")
		f := v.Field(i)
		if flag == "" || f.IsNil() {
			continue
		}
		switch f.Kind() {
		case reflect.Slice:
			out[flag] = append([]string{}, f.Interface().([]string)...)
		case reflect.Pointer:
			out[flag] = []string{fmt.Sprint(f.Elem().Interface())}
		}
	}
	return out
}

// FlagKeys returns every crawl flag name that a Site key sets, mapped to
// its yaml key.
func FlagKeys() map[string]string {
	out := map[string]string{}
	t := reflect.TypeOf(Site{})
	for i := 0; i < t.NumField(); i++ {
		if flag := t.Field(i).Tag.Get("flag"); flag != "" {
			out[flag] = strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		}
	}
	return out
}

// SiteName returns s's name: its name key, or host[:port] of its url.
func SiteName(s Site) string {
	if s.Name != nil {
		return *s.Name
	}
	if s.URL != nil {
		if u, err := url.Parse(*s.URL); err == nil && u.Host != "" {
			return strings.NewReplacer(":", "_", "[", "", "]", "").Replace(u.Host)
		}
	}
	return "site"
}

// readYAML reads at most 4 MiB of YAML from r and parses it into a node tree
// (kept for the line numbers of later errors).
func readYAML(r io.Reader, name string) ([]byte, *yaml.Node, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read: %w", name, err)
	}
	if len(data) > maxConfigBytes {
		return nil, nil, &Error{File: name, Msg: "file larger than 4 MiB"}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, yamlError(name, err, nil)
	}
	return data, &root, nil
}
