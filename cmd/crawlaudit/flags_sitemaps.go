package main

import (
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// sitemapOptions are the sitemap flags of `crawlaudit crawl`.
type sitemapOptions struct {
	sitemaps       []string
	noSitemaps     bool
	sitemapMaxSize string

	sitemapMaxBytes int64 // derived by validate
}

func (o *sitemapOptions) register(f *pflag.FlagSet) {
	f.StringArrayVar(&o.sitemaps, "sitemap", nil, "also read this sitemap URL, besides those robots.txt names (repeatable)")
	f.BoolVar(&o.noSitemaps, "no-sitemaps", false, "do not discover or read sitemaps")
	f.StringVar(&o.sitemapMaxSize, "sitemap-max-size", "50MiB", "most uncompressed bytes read of one sitemap (the protocol limit is 50MiB); accepts KiB, MiB, GiB")
}

func (o *sitemapOptions) validate() error {
	for _, s := range o.sitemaps {
		if _, err := urlx.Parse(s); err != nil {
			return usagef("--sitemap %q: %v", urlx.Mask(s), err)
		}
	}
	if o.noSitemaps && len(o.sitemaps) > 0 {
		return usagef("--sitemap and --no-sitemaps contradict each other")
	}
	if o.sitemapMaxSize == "" {
		o.sitemapMaxSize = "50MiB"
	}
	n, err := parseSize(o.sitemapMaxSize)
	if err != nil {
		return usagef("--sitemap-max-size: %v", err)
	}
	o.sitemapMaxBytes = int64(n)
	return nil
}

func (o *sitemapOptions) apply(cfg *crawler.Config) {
	cfg.Sitemaps = o.sitemaps
	cfg.NoSitemaps = o.noSitemaps
	cfg.MaxSitemapBytes = o.sitemapMaxBytes
}

func (o *sitemapOptions) addSettings(m map[string]string) {
	masked := make([]string, len(o.sitemaps))
	for i, s := range o.sitemaps {
		masked[i] = urlx.Mask(s)
	}
	m["sitemaps"] = strings.Join(masked, " ")
	m["no_sitemaps"] = strconv.FormatBool(o.noSitemaps)
	m["sitemap_max_size"] = strconv.FormatInt(o.sitemapMaxBytes, 10)
}
