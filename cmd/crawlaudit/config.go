package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/config"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// runCrawlCommand runs `crawlaudit crawl`: one URL from the command line,
// or the sites of a configuration file (--config FILE, or crawlaudit.yaml
// in the working folder). With a file and a URL, the URL's site entry (or
// the file's defaults) supplies the settings. Flags given on the command
// line override the file.
func runCrawlCommand(ctx context.Context, cmd *cobra.Command, o *crawlOptions, args []string, stdout, stderr io.Writer) error {
	path := o.job.config
	if o.resume != "" && path == "" {
		// --resume continues one crawl; its settings come from its crawl.db.
		if len(args) > 1 {
			return usagef("crawl --resume takes at most one start URL, got %d arguments", len(args))
		}
		if len(args) == 1 {
			o.start = args[0]
		}
		return runCrawl(ctx, o, stdout, stderr)
	}
	if path == "" {
		if _, err := os.Stat(config.DefaultFile); err == nil {
			path = config.DefaultFile
		}
	}
	if path == "" {
		if len(args) != 1 {
			return usagef("crawl takes exactly one start URL (or --config FILE), got %d arguments", len(args))
		}
		o.start = args[0]
		return runCrawl(ctx, o, stdout, stderr)
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	sites, err := configSites(cmd.Flags(), cfg, args)
	if err != nil {
		return err
	}
	if len(sites) == 1 {
		return runCrawl(ctx, sites[0], stdout, stderr)
	}
	parallel := 1
	if cmd.Flags().Changed("parallel-sites") {
		parallel = o.job.parallelSites
	} else if cfg.ParallelSites != nil {
		parallel = *cfg.ParallelSites
	}
	if parallel < 1 || parallel > 64 {
		return usagef("--parallel-sites must be between 1 and 64, got %d", parallel)
	}
	return runSites(ctx, sites, parallel, stdout, stderr)
}

// loadConfig reads and checks a configuration file.
func loadConfig(path string) (*config.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("config %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	cfg, err := config.Parse(f, path)
	if err != nil {
		return nil, usageError{err}
	}
	var ids []string
	for _, r := range audit.Catalogue() {
		ids = append(ids, r.ID)
	}
	if err := cfg.CheckRules(ids); err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// pathKeys are the flags naming folders. For a site of a file's sites:
// list, a folder given under defaults: is a parent folder: the site uses
// <folder>/<name>, so sites never share one; so is a folder given on the
// command line when the whole list is crawled. A folder on the site entry
// is used as it is, and so is one given on the command line for a single
// URL.
var pathKeys = []string{"out", "history", "baseline"}

// configSites returns the options of every site to crawl: flag defaults,
// then the file's settings (defaults merged with the site), then the flags
// given on the command line. Each is validated; errors name the site.
func configSites(flags *pflag.FlagSet, cfg *config.Config, args []string) ([]*crawlOptions, error) {
	type entry struct {
		raw, merged config.Site
		listed      bool // the site is an entry of sites:
	}
	var entries []entry
	if len(args) == 1 {
		// One URL: its site entry if the file has one, else the defaults.
		e := entry{merged: cfg.Defaults}
		for i, s := range cfg.Sites {
			if s.URL != nil && strings.TrimRight(*s.URL, "/") == strings.TrimRight(args[0], "/") {
				e = entry{raw: s, merged: cfg.Resolved()[i], listed: true}
			}
		}
		u := args[0]
		e.merged.URL = &u
		entries = append(entries, e)
	} else if len(cfg.Sites) == 0 {
		entries = append(entries, entry{merged: cfg.Defaults})
	} else {
		for i, s := range cfg.Sites {
			entries = append(entries, entry{raw: s, merged: cfg.Resolved()[i], listed: true})
		}
	}
	// whole: the command line's folder flags are parents too.
	whole := len(args) == 0 && len(cfg.Sites) > 0
	var out []*crawlOptions
	for _, e := range entries {
		site := e.merged
		name := config.SiteName(site)
		if e.listed {
			for _, key := range pathKeys {
				set(&site, key, siteFolder(flags, cfg, e.raw, key, name, whole))
			}
		}
		o, err := siteOptions(flags, site, whole)
		if err != nil {
			return nil, usagef("config %s: site %s: %v", cfg.Name(), name, firstLine(err))
		}
		if e.listed || site.Name != nil {
			o.job.site = name
		}
		if cfg.LogFormat != nil && !flags.Changed("log-format") {
			o.job.logFormat = *cfg.LogFormat
		}
		if err := o.validate(); err != nil {
			return nil, usagef("config %s: site %s: %v", cfg.Name(), name, firstLine(err))
		}
		out = append(out, o)
	}
	return out, nil
}

// siteFolder returns the folder for key (out, history or baseline) of a
// site of the sites: list; nil when the key is set nowhere or the command
// line's value applies as it is.
func siteFolder(flags *pflag.FlagSet, cfg *config.Config, raw config.Site, key, name string, whole bool) *string {
	own := map[string]*string{"out": raw.Out, "history": raw.History, "baseline": raw.Baseline}[key]
	def := map[string]*string{"out": cfg.Defaults.Out, "history": cfg.Defaults.History, "baseline": cfg.Defaults.Baseline}[key]
	var p string
	switch {
	case flags.Changed(key) && whole:
		p = filepath.Join(flags.Lookup(key).Value.String(), name)
	case flags.Changed(key):
		return nil
	case own != nil:
		p = *own
	case def != nil:
		p = filepath.Join(*def, name)
	case key == "out":
		p = filepath.Join(flags.Lookup("out").DefValue, name)
	default:
		return nil
	}
	return &p
}

// set stores v into the Site field of a path key.
func set(s *config.Site, key string, v *string) {
	switch key {
	case "out":
		s.Out = v
	case "history":
		s.History = v
	case "baseline":
		s.Baseline = v
	}
}

// siteOptions builds one site's options: the flags' defaults, then every
// key the file sets (through the same flag parsing, so values mean the same
// in both places), then the flags given on the command line (except the
// folder flags when the whole list is crawled, already folded into site).
func siteOptions(given *pflag.FlagSet, site config.Site, whole bool) (*crawlOptions, error) {
	o := &crawlOptions{}
	c := &cobra.Command{}
	o.register(c)
	fs := c.Flags()
	for flag, vals := range site.FlagValues() {
		if given.Changed(flag) && !(whole && isPathKey(flag)) {
			continue
		}
		f := fs.Lookup(flag)
		if f == nil {
			return nil, fmt.Errorf("config key for flag --%s: no such flag", flag)
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			if err := sv.Replace(vals); err != nil {
				return nil, fmt.Errorf("%s: %v", config.FlagKeys()[flag], err)
			}
			continue
		}
		if err := fs.Set(flag, vals[0]); err != nil {
			return nil, fmt.Errorf("%s: %v", config.FlagKeys()[flag], err)
		}
	}
	var err error
	given.Visit(func(g *pflag.Flag) {
		f := fs.Lookup(g.Name)
		if err != nil || f == nil || (whole && isPathKey(g.Name)) {
			return
		}
		if sv, ok := g.Value.(pflag.SliceValue); ok {
			err = f.Value.(pflag.SliceValue).Replace(sv.GetSlice())
			return
		}
		err = fs.Set(g.Name, g.Value.String())
	})
	if err != nil {
		return nil, err
	}
	if site.URL != nil {
		o.start = *site.URL
	}
	o.job.policy = sitePolicy(site)
	return o, nil
}

func isPathKey(flag string) bool {
	for _, k := range pathKeys {
		if k == flag {
			return true
		}
	}
	return false
}

// sitePolicy turns a site's rules: into an audit.Policy.
func sitePolicy(s config.Site) audit.Policy {
	p := audit.Policy{Severity: map[string]store.Severity{}, Disabled: map[string]bool{}}
	ids := make([]string, 0, len(s.Rules))
	for id := range s.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := s.Rules[id]
		if r.Severity != nil {
			p.Severity[id] = store.Severity(*r.Severity)
		}
		if r.Disabled != nil && *r.Disabled {
			p.Disabled[id] = true
		}
		for _, pat := range r.IgnoreURLs {
			re, err := compileAll("ignore_urls", []string{pat})
			if err != nil || len(re) == 0 {
				continue // config.Parse has compiled it already
			}
			p.Ignore = append(p.Ignore, audit.Ignore{Rule: id, URL: re[0], Reason: "ignore_urls of rule " + id + " in the configuration", Source: "rules." + id + ".ignore_urls"})
		}
	}
	return p
}

// lockedWriter serialises writes of parallel sites to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runSites crawls several sites, parallel at a time, each into its own
// folder. Each site's terminal output is printed whole when it finishes;
// logs carry a site attribute. It returns errFailLevel when a site failed
// its fail level, an error naming the sites that could not run otherwise.
func runSites(ctx context.Context, sites []*crawlOptions, parallel int, stdout, stderr io.Writer) error {
	errw := &lockedWriter{w: stderr}
	outw := &lockedWriter{w: stdout}
	results := make([]error, len(sites))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, o := range sites {
		if ctx.Err() != nil {
			results[i] = ctx.Err()
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "== %s (%s) ==\n", o.job.site, urlx.Mask(o.start))
			results[i] = runCrawl(ctx, o, &buf, errw)
			buf.WriteString("\n")
			_, _ = outw.Write(buf.Bytes())
		}()
	}
	wg.Wait()
	failed, broken := 0, []string{}
	for i, err := range results {
		state := "passed"
		switch {
		case err == nil:
		case errors.Is(err, errFailLevel):
			state = "failed: findings reached the fail level"
			failed++
		default:
			state = "error: " + firstLine(err)
			broken = append(broken, sites[i].job.site+": "+firstLine(err))
		}
		fmt.Fprintf(stdout, "site %s: %s (%s)\n", sites[i].job.site, state, sites[i].out)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(broken) > 0 {
		return fmt.Errorf("%d of %d sites could not be crawled: %s", len(broken), len(sites), strings.Join(broken, "; "))
	}
	if failed > 0 {
		return errFailLevel
	}
	return nil
}

// configCheckOptions are the arguments of `crawlaudit config check`.
type configCheckOptions struct {
	file string
}

func newConfigCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with crawlaudit.yaml",
	}
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a configuration file (default ./crawlaudit.yaml) without crawling",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("config check takes at most one file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o := &configCheckOptions{file: config.DefaultFile}
			if len(args) == 1 {
				o.file = args[0]
			}
			return runConfigCheck(o, stdout)
		},
	}
	cmd.AddCommand(check)
	return cmd
}

// runConfigCheck parses the file, checks rule IDs and builds and validates
// every site's options exactly as `crawl --config` would.
func runConfigCheck(o *configCheckOptions, stdout io.Writer) error {
	cfg, err := loadConfig(o.file)
	if err != nil {
		return err
	}
	c := &cobra.Command{}
	(&crawlOptions{}).register(c)
	sites, err := configSites(c.Flags(), cfg, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: OK, %d site(s)\n", o.file, len(sites))
	for _, s := range sites {
		name := s.job.site
		if name == "" {
			name = "(single site)"
		}
		fmt.Fprintf(stdout, "  %s: %s → %s\n", name, urlx.Mask(s.start), s.out)
	}
	return nil
}
