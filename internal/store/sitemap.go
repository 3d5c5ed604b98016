package store

// SitemapProblem is one thing wrong with a sitemap file, as the sitemap
// parser or the crawler (loops, nesting) found it. The audit turns these
// into sitemap-invalid, sitemap-url-off-host and sitemap-invalid-lastmod
// findings.
type SitemapProblem struct {
	Kind    string // a sitemap.ProblemKind ("unparsable", "too-large", "off-host", …), or "loop", "too-deep", "more"
	URL     string // the listed URL concerned, as written; empty for the file itself
	Message string // what is wrong, without the URL
}

// Sitemap problem kinds the crawler adds to those of package sitemap.
const (
	SitemapLoop    = "loop"     // an index lists itself or one of the indexes that led to it
	SitemapTooDeep = "too-deep" // indexes nested deeper than the crawler follows
	SitemapMore    = "more"     // more problems were found than kept; Message says how many
)
