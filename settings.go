package crawlaudit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// settings returns the crawl settings recorded in crawl.db and crawl.json,
// as text, by setting name. Nothing here may be a credential, a credential
// source or a place credentials or reports are sent to.
func (o Options) settings() map[string]string {
	sitemaps := make([]string, len(o.Sitemaps))
	for i, s := range o.Sitemaps {
		sitemaps[i] = o.mask().Mask(s)
	}
	return map[string]string{
		"concurrency":      strconv.Itoa(o.Concurrency),
		"delay":            o.Delay.String(),
		"timeout":          o.Timeout.String(),
		"max_body":         strconv.FormatInt(int64(o.MaxBody), 10),
		"user_agent":       o.userAgent(),
		"robots_agent":     o.RobotsAgent,
		"ignore_robots":    strconv.FormatBool(o.IgnoreRobots),
		"include":          repeated(o.Include),
		"exclude":          repeated(o.Exclude),
		"mask_param":       repeated(o.MaskParams),
		"allow_subdomains": strconv.FormatBool(o.AllowSubdomains),
		"max_depth":        strconv.Itoa(o.MaxDepth),
		"max_urls":         strconv.Itoa(o.MaxURLs),
		"max_time":         o.MaxTime.String(),
		"trap_limit":       strconv.Itoa(o.TrapLimit),
		"no_external":      strconv.FormatBool(o.NoExternal),
		"fail_on":          o.FailOn,
		"sitemaps":         strings.Join(sitemaps, " "),
		"no_sitemaps":      strconv.FormatBool(o.NoSitemaps),
		"sitemap_max_size": strconv.FormatInt(int64(o.SitemapMaxSize), 10),
		// Chrome is never stored: a crawl database names no program to run.
		"render":             o.Render,
		"render_concurrency": strconv.Itoa(o.RenderConcurrency),
	}
}

// restorable are the stored settings a resumed crawl takes back: the
// crawl's shape (scope, limits, pace, agent, verdict). A crawl.db is data,
// not authority: nothing that chooses credentials, where they go, or where
// results are sent is ever read back from one.
var restorable = map[string]func(o *Options, v string) error{
	"concurrency":      func(o *Options, v string) (err error) { o.Concurrency, err = strconv.Atoi(v); return },
	"delay":            func(o *Options, v string) (err error) { o.Delay, err = time.ParseDuration(v); return },
	"timeout":          func(o *Options, v string) (err error) { o.Timeout, err = time.ParseDuration(v); return },
	"max_body":         func(o *Options, v string) error { return setSize(&o.MaxBody, v) },
	"user_agent":       func(o *Options, v string) error { o.UserAgent = v; return nil },
	"robots_agent":     func(o *Options, v string) error { o.RobotsAgent = v; return nil },
	"ignore_robots":    func(o *Options, v string) (err error) { o.IgnoreRobots, err = strconv.ParseBool(v); return },
	"include":          func(o *Options, v string) error { o.Include = settingList(v); return nil },
	"exclude":          func(o *Options, v string) error { o.Exclude = settingList(v); return nil },
	"mask_param":       func(o *Options, v string) error { o.MaskParams = settingList(v); return nil },
	"allow_subdomains": func(o *Options, v string) (err error) { o.AllowSubdomains, err = strconv.ParseBool(v); return },
	"max_depth":        func(o *Options, v string) (err error) { o.MaxDepth, err = strconv.Atoi(v); return },
	"max_urls":         func(o *Options, v string) (err error) { o.MaxURLs, err = strconv.Atoi(v); return },
	"max_time":         func(o *Options, v string) (err error) { o.MaxTime, err = time.ParseDuration(v); return },
	"trap_limit":       func(o *Options, v string) (err error) { o.TrapLimit, err = strconv.Atoi(v); return },
	"no_external":      func(o *Options, v string) (err error) { o.NoExternal, err = strconv.ParseBool(v); return },
	"fail_on":          func(o *Options, v string) error { o.FailOn = v; return nil },
	"no_sitemaps":      func(o *Options, v string) (err error) { o.NoSitemaps, err = strconv.ParseBool(v); return },
	"sitemap_max_size": func(o *Options, v string) error { return setSize(&o.SitemapMaxSize, v) },
	"render":           func(o *Options, v string) error { o.Render = v; return nil },
	"render_concurrency": func(o *Options, v string) (err error) {
		o.RenderConcurrency, err = strconv.Atoi(v)
		return
	},
	"compare_anonymous": func(o *Options, v string) (err error) {
		o.CompareAnonymous, err = strconv.ParseBool(v)
		return
	},
}

// described are the stored keys that describe a crawl without being
// settings to restore: how it authenticated (never a secret), evidence the
// audit reads, the extra sitemaps it read (given again when wanted), and
// how its run's verdict was reached (verdictSettings, for Report).
var described = map[string]bool{
	"credentials": true, "credentials_scheme": true, "auth_origins": true, "credentials_rejection_proof": true,
	"token_exp": true, "token_nbf": true, "token_iat": true, "token_aud": true, "token_scope": true, "sitemaps": true,
	"verdict_fail_level": true, "verdict_only_new": true, "verdict_accepted": true, "verdict_baseline_from": true,
	"verdict_failing_since": true, "verdict_rules": true, "site_name": true,
}

// restore sets o's settings from a crawl's stored ones: the restorable
// ones; the described ones are left. Any other key is an error: this
// crawlaudit never wrote it, and a database someone else edited is not
// resumed. A value that does not parse is an error naming the setting.
func (o *Options) restore(stored map[string]string) error {
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		set, ok := restorable[k]
		if !ok {
			if !described[k] {
				return fmt.Errorf("holds a setting this crawlaudit never writes (%q): a crawl database is data, not instructions; not resumed", k)
			}
			continue
		}
		if err := set(o, stored[k]); err != nil {
			return fmt.Errorf("stored setting %s=%q: %v", k, stored[k], err)
		}
	}
	return nil
}

func setSize(s *ByteSize, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return err
	}
	*s = ByteSize(n)
	return nil
}

// repeated is how a list setting is stored: a JSON array of strings (a
// regular expression may contain spaces), or "" for none.
func repeated(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	b, _ := json.Marshal(vals) // []string always marshals
	return string(b)
}

// settingList parses a stored list setting (see repeated): a JSON array,
// or the space-separated values of older crawls.
func settingList(v string) []string {
	var parts []string
	if err := json.Unmarshal([]byte(v), &parts); err != nil {
		parts = strings.Fields(v)
	}
	return parts
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
