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
	sitemaps   []string
	noSitemaps bool
}

func (o *sitemapOptions) register(f *pflag.FlagSet) {
	f.StringArrayVar(&o.sitemaps, "sitemap", nil, "also read this sitemap URL, besides those robots.txt names (repeatable)")
	f.BoolVar(&o.noSitemaps, "no-sitemaps", false, "do not discover or read sitemaps")
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
	return nil
}

func (o *sitemapOptions) apply(cfg *crawler.Config) {
	cfg.Sitemaps = o.sitemaps
	cfg.NoSitemaps = o.noSitemaps
}

func (o *sitemapOptions) addSettings(m map[string]string) {
	masked := make([]string, len(o.sitemaps))
	for i, s := range o.sitemaps {
		masked[i] = urlx.Mask(s)
	}
	m["sitemaps"] = strings.Join(masked, " ")
	m["no_sitemaps"] = strconv.FormatBool(o.noSitemaps)
}
