package crawlaudit

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/config"
)

// DefaultConfigFile is the configuration file's usual name.
const DefaultConfigFile = "crawlaudit.yaml"

// Config is a crawlaudit.yaml: the settings of one or many sites, and how a
// scheduled run crawls them.
type Config struct {
	// Name is the file name given to ReadConfig.
	Name string
	// Sites are the options of every site, in file order: DefaultOptions,
	// then the keys of defaults:, then the site's own keys (a file without
	// sites: is one site made of defaults:). Each is valid.
	//
	// Sites of a sites: list never share a folder: an out, history or
	// baseline folder given under defaults: (or the default output folder)
	// is a parent folder, holding <folder>/<site name>; one given on the
	// site's own entry is used as it is.
	Sites []Options
	// ParallelSites is how many sites crawl at once, 1–64. Default 1.
	ParallelSites int
	// LogFormat is the log format on stderr, "text" or "json"; empty when
	// the file does not say.
	LogFormat string

	listed  bool // the file has a sites: list
	file    *config.File
	dir     string          // the file's folder, absolute, symbolic links resolved
	vouched map[string]bool // credential-source keys the user named on their own
}

// top holds the file's top-level settings.
type top struct {
	ParallelSites *int    `yaml:"parallel_sites"`
	LogFormat     *string `yaml:"log_format"`
}

// ReadConfig reads a crawlaudit.yaml from r; name is the file's path, used
// in errors (which name the file, line and key) and as the folder credential
// files must be in.
//
// A configuration file is data, not the user's word: it may come with a
// repository. The credential sources it names are checked unless their key
// is in vouched: an environment variable must start with
// CredentialEnvPrefix, a header or cookie file must be in the file's folder
// tree (symbolic links followed). vouched are the yaml keys
// (e.g. "bearer_token_env") the user gave on their own, such as on the
// command line, whose values replace the file's. A header_file or
// cookie_file the file names is read relative to the file's folder.
func ReadConfig(r io.Reader, name string, vouched ...string) (*Config, error) {
	var t top
	f, err := config.Parse(r, name, &t)
	if err != nil {
		return nil, err
	}
	c := &Config{Name: name, ParallelSites: 1, file: f, listed: f.Sites() > 0, vouched: map[string]bool{}}
	for _, k := range vouched {
		c.vouched[k] = true
	}
	if c.dir, err = filepath.Abs(filepath.Dir(name)); err != nil {
		return nil, f.Err(err.Error())
	}
	if d, err := filepath.EvalSymlinks(c.dir); err == nil {
		c.dir = d
	}
	if t.ParallelSites != nil {
		if err := CheckParallelSites(*t.ParallelSites); err != nil {
			return nil, f.Err(strings.TrimPrefix(err.Error(), "--parallel-sites "), "parallel_sites")
		}
		c.ParallelSites = *t.ParallelSites
	}
	if t.LogFormat != nil {
		if err := CheckLogFormat(*t.LogFormat); err != nil {
			return nil, f.Err(strings.TrimPrefix(err.Error(), "--log-format "), "log_format")
		}
		c.LogFormat = *t.LogFormat
	}
	n := f.Sites()
	if n == 0 {
		o, err := c.decode(-1)
		if err != nil {
			return nil, err
		}
		if o.Start == "" {
			return nil, f.Err("no site: add sites: with a url per site, or a url under defaults:")
		}
		c.Sites = []Options{o}
		return c, nil
	}
	names := map[string]int{}
	for i := 0; i < n; i++ {
		if !f.Sets(i, "url") {
			return nil, f.Err("missing url", "sites", i)
		}
		o, err := c.decode(i)
		if err != nil {
			return nil, err
		}
		if j, dup := names[o.Name]; dup {
			return nil, f.Err(fmt.Sprintf("site name %q is also the name of sites[%d]: give one a distinct name", o.Name, j), "sites", i)
		}
		names[o.Name] = i
		c.Sites = append(c.Sites, o)
	}
	return c, nil
}

// decode returns the checked options of site i (-1: defaults: alone).
func (c *Config) decode(i int) (Options, error) {
	f := c.file
	o := DefaultOptions()
	if err := f.Decode(i, &o); err != nil {
		return Options{}, err
	}
	if err := c.checkSources(i, &o); err != nil {
		return Options{}, err
	}
	if i >= 0 {
		// A site of the list: named, and in folders of its own.
		o.Name = o.siteName()
		for _, k := range []struct {
			key string
			v   *string
		}{{"out", &o.Out}, {"history", &o.History}, {"baseline", &o.Baseline}} {
			switch {
			case f.Sets(i, k.key):
			case f.Sets(-1, k.key):
				*k.v = filepath.Join(*k.v, o.Name)
			case k.key == "out":
				*k.v = filepath.Join(DefaultOut, o.Name)
			}
		}
	}
	if o.Start == "" && i < 0 {
		return o, nil // ReadConfig says what is missing
	}
	if err := o.Validate(); err != nil {
		var oe *OptionError
		if errors.As(err, &oe) {
			keys := []string{oe.Key}
			var tail []any
			for _, p := range oe.Path {
				if s, ok := p.(string); ok && len(tail) == 0 {
					keys = append(keys, s)
				} else {
					tail = append(tail, p)
				}
			}
			path := append(f.Locate(i, keys...), tail...)
			return Options{}, f.Err(oe.Msg, path...)
		}
		return Options{}, err
	}
	return o, nil
}

// Listed reports whether the file has a sites: list (each site in folders
// of its own) rather than one site under defaults:.
func (c *Config) Listed() bool { return c.listed }

// Site returns the options for crawling url with this file: the options of
// the sites: entry whose url is url (trailing slashes aside), else the
// defaults with url as the start URL. ok is false when no entry matched.
func (c *Config) Site(url string) (o Options, ok bool, err error) {
	for _, s := range c.Sites {
		if c.listed && strings.TrimRight(s.Start, "/") == strings.TrimRight(url, "/") {
			s.Start = url
			return s, true, nil
		}
	}
	o = DefaultOptions()
	if err := c.file.Decode(-1, &o); err != nil {
		return Options{}, false, err
	}
	if err := c.checkSources(-1, &o); err != nil {
		return Options{}, false, err
	}
	o.Start = url
	return o, false, nil
}

// CheckParallelSites checks a number of sites crawled at once.
func CheckParallelSites(n int) error {
	if n < 1 || n > 64 {
		return fmt.Errorf("--parallel-sites must be between 1 and 64, got %d", n)
	}
	return nil
}

// CheckLogFormat checks a log format: text or json.
func CheckLogFormat(s string) error {
	if s != "text" && s != "json" {
		return fmt.Errorf("--log-format must be text or json, got %q", s)
	}
	return nil
}

// CredentialEnvPrefix starts every environment variable a configuration
// file may name as a credential source on its own.
const CredentialEnvPrefix = "CRAWLAUDIT_"

// checkSources checks the credential sources site i takes from the file
// (its entry or defaults:) and the user did not vouch for, and makes the
// credential files it names absolute.
func (c *Config) checkSources(i int, o *Options) error {
	f := c.file
	for _, s := range []struct {
		key, flag string
		v         *string
		file      bool
	}{
		{"basic_auth_env", "--basic-auth-env", &o.BasicAuthEnv, false},
		{"bearer_token_env", "--bearer-token-env", &o.BearerTokenEnv, false},
		{"header_file", "--header-file", &o.HeaderFile, true},
		{"cookie_file", "--cookie-file", &o.CookieFile, true},
	} {
		if c.vouched[s.key] || *s.v == "" || !(f.Sets(i, s.key) || f.Sets(-1, s.key)) {
			continue
		}
		if !s.file {
			if !strings.HasPrefix(*s.v, CredentialEnvPrefix) {
				return f.Err(fmt.Sprintf("%s is not a %s* variable: a configuration file may name only those as credential sources (another program's secret would go to the site); rename the variable, or give %s %s on the command line", *s.v, CredentialEnvPrefix, s.flag, *s.v), f.Locate(i, s.key)...)
			}
			continue
		}
		p := *s.v
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.dir, p)
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if rel, err := filepath.Rel(c.dir, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return f.Err(fmt.Sprintf("%s is outside %s: a configuration file may name credential files only in its own folder tree (any readable file's lines would go to the site as headers); move it there, or give %s %s on the command line", *s.v, c.dir, s.flag, *s.v), f.Locate(i, s.key)...)
		}
		*s.v = p
	}
	return nil
}
