package audit

import (
	"fmt"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Status rule IDs: what a URL's answer means for the pages that link to or
// use it.
const (
	UnauthorizedLinkedPage = "unauthorized-linked-page"
	ForbiddenLinkedPage    = "forbidden-linked-page"
	UnauthorizedAsset      = "unauthorized-asset"
	ForbiddenAsset         = "forbidden-asset"
	MissingWWWAuthenticate = "missing-www-authenticate"
	BrokenLink             = "broken-link"
	ServerError            = "server-error"
	RedirectChain          = "redirect-chain"
	RedirectLoop           = "redirect-loop"
	FetchError             = "fetch-error"
	SoftNotFound           = "soft-404"
)

// statusRules are the status rules, in README order.
var statusRules = []Rule{
	{
		ID: UnauthorizedLinkedPage, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public pages link to pages that answer 401 Unauthorized",
		Why:     "search engines follow the links without credentials: every visit is a wasted request and the page never ranks",
		Explain: "a page answering 401 that a publicly reachable 200 page links to",
		Fix:     "crawlers have no credentials: remove or change the public links, or make the page public if it should be",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 401 && (in.Links > 0 || hasEdgeType(in, store.EdgeRender))
		},
		Check: refusedByPublic(store.EdgeLink, unauthorized, linkedText),
	},
	{
		ID: ForbiddenLinkedPage, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Public pages link to pages that answer 403 Forbidden",
		Why:     "crawlers and visitors hit a refusal: the link wastes crawl budget and the target never ranks",
		Explain: "a page answering 403 that a publicly reachable 200 page links to",
		Fix:     "remove the public links to it, or grant anonymous access if the page is meant to be public",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 403 && (in.Links > 0 || hasEdgeType(in, store.EdgeRender))
		},
		Check: refusedByPublic(store.EdgeLink, forbidden, linkedText),
	},
	{
		ID: UnauthorizedAsset, Severity: store.SeverityError, ExternalNotice: true, PublicReferrers: true,
		Title:   "Assets public pages use answer 401 Unauthorized",
		Why:     "pages render broken for visitors and for Google's renderer, which judges the page as it renders",
		Explain: "an image, script, stylesheet or other asset used by a public page answers 401",
		Fix:     "visitors without credentials and rendering search engines cannot load it: serve the asset publicly or stop using it on public pages",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 401 && hasEdgeType(in, store.EdgeAsset)
		},
		Check: refusedByPublic(store.EdgeAsset, unauthorized, usedText),
	},
	{
		ID: ForbiddenAsset, Severity: store.SeverityError, ExternalNotice: true, PublicReferrers: true,
		Title:   "Assets public pages use answer 403 Forbidden",
		Why:     "a stylesheet, script or image refused to anonymous clients breaks how every page using it renders, for visitors and for Google's renderer",
		Explain: "an asset used by a public page answers 403",
		Fix:     "check the server or CDN rules that put the asset behind access control; public pages need public assets",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 403 && hasEdgeType(in, store.EdgeAsset)
		},
		Check: refusedByPublic(store.EdgeAsset, forbidden, usedText),
	},
	{
		ID: MissingWWWAuthenticate, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "401 answers without a WWW-Authenticate challenge",
		Why:     "a 401 must say how to authenticate (RFC 9110); without it clients and crawlers cannot tell a login wall from a broken server",
		Explain: "a 401 answer without a WWW-Authenticate header (RFC 9110 section 15.5.2 requires one)",
		Fix:     "send a challenge (e.g. WWW-Authenticate: Basic realm=\"…\" or Bearer), or answer 403 if authenticating cannot help",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && u.Status == 401 && len(u.WWWAuthenticate) == 0
		},
		Check: func(c *Check) error {
			c.Report("401 without a WWW-Authenticate header: clients cannot tell how to authenticate (RFC 9110 requires at least one challenge)", c.Referrers())
			return nil
		},
	},
	{
		ID: BrokenLink, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "Links and assets point at 404/410 URLs",
		Why:     "each broken link wastes a crawl request and a visitor's click, and passes no value to any page",
		Explain: "a linked or used URL answers 404 or 410 (a URL only a sitemap lists is sitemap-url-not-indexable's)",
		Fix:     "fix or remove the links; redirect the URL if the content moved",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && (u.Status == 404 || u.Status == 410) && (hasEdgeType(in, store.EdgeLink) || hasEdgeType(in, store.EdgeAsset) || hasEdgeType(in, store.EdgeRedirect))
		},
		Check: func(c *Check) error {
			if all := c.linkedOrUsedBy(); len(all) > 0 {
				s := c.URL.Status
				c.Report(fmt.Sprintf("%d %s, linked or used by %s", s, analysis.StatusName(s), count(len(all), "URL")), all)
			}
			return nil
		},
	},
	{
		ID: ServerError, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "URLs answer 5xx server errors",
		Why:     "persistent 5xx answers make search engines slow their crawl of the whole site and drop the URLs from the index",
		Explain: "a URL answers 5xx",
		Fix:     "fix the server error; persistent 5xx answers make search engines slow their crawl and drop URLs",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && u.Status >= 500 && u.Status < 600
		},
		Check: func(c *Check) error {
			s := c.URL.Status
			c.Report(fmt.Sprintf("%d %s: the server failed", s, analysis.StatusName(s)), c.Referrers())
			return nil
		},
	},
	{
		ID: RedirectChain, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "Links go through redirect chains",
		Why:     "each hop costs a request; Google follows at most 10 and signals weaken along the way",
		Explain: "a linked URL takes more than one redirect hop before the final answer (or more than 10, where crawlers give up)",
		Fix:     "link straight to the final URL and make the first redirect point at it",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && redirect(u) && entry(u, in)
		},
		Check: func(c *Check) error {
			if !c.entry() {
				return nil
			}
			ch, err := c.chain()
			if err != nil || ch.Loop {
				return err
			}
			urls := chainURLs(ch)
			if hops := len(urls) - 1; hops >= 2 {
				final := "no answer recorded"
				if ch.Next == "" {
					last := ch.Hops[len(ch.Hops)-1]
					final = fmt.Sprintf("final answer %d", last.Status)
					if redirect(last) {
						final = "chain not followed further (" + last.Error + ")"
					}
				}
				c.Report(fmt.Sprintf("%d redirect hops before the final answer: %s (%s)", hops, strings.Join(urls, " → "), final), c.Referrers())
			}
			return nil
		},
	},
	{
		ID: RedirectLoop, Severity: store.SeverityError, ExternalNotice: true,
		Title:   "Redirect loops",
		Why:     "a loop never reaches content: crawlers give up and visitors see an error",
		Explain: "redirects come back to a URL already in the chain",
		Fix:     "fix the redirect rules so the chain ends in a 200 page",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && redirect(u) && entry(u, in)
		},
		Check: func(c *Check) error {
			if !c.entry() {
				return nil
			}
			ch, err := c.chain()
			if err == nil && ch.Loop {
				c.Report("redirect loop: "+strings.Join(chainURLs(ch), " → "), c.Referrers())
			}
			return err
		},
	},
	{
		ID: FetchError, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "URLs give no answer at all",
		Why:     "no answer (DNS, refused, TLS, timeout) is a dead end for visitors and crawlers alike",
		Explain: "no HTTP answer at all (DNS, refused, reset, TLS, timeout)",
		Fix:     "check that the host resolves and answers in time; for external links, check the link target",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return byPageRules(u) && u.Status == 0 && u.Error != ""
		},
		Check: func(c *Check) error {
			c.Report("no HTTP answer: "+c.URL.Error, c.Referrers())
			return nil
		},
	},
	{
		ID: SoftNotFound, Severity: store.SeverityWarning, ExternalNotice: true,
		Title:   "Pages answer 200 but say \"not found\" (soft 404s)",
		Why:     "search engines keep requesting soft 404s as if they were content, and index none of them",
		Explain: "a page of the site answers 200 while its title says it was not found (\"Page not found\", \"404\"): a soft 404, which search engines keep requesting and do not index",
		Fix:     "answer 404 (or 410 for content gone for good) when a page does not exist; if the content moved, redirect to its new URL",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool { return byPageRules(u) && analysis.SoftNotFound(u) },
		Check: func(c *Check) error {
			c.Report(fmt.Sprintf("answers 200, but its title %q says the page was not found: search engines treat it as a soft 404, keep requesting it and do not index it", c.URL.Title), c.Referrers())
			return nil
		},
	},
}

const (
	unauthorized = "401 Unauthorized (not logged in)"
	forbidden    = "403 Forbidden (not allowed in)"
)

// linkedText and usedText say what a 401/403 costs the public pages that
// link to or use the URL.
func linkedText(what string, n int) string {
	return fmt.Sprintf("%s on a URL that %s %s to: search engines crawl without credentials, so each visit is a wasted request and the URL cannot be indexed", what, count(n, "public page"), verb(n, "links", "link"))
}

func usedText(what string, n int) string {
	return fmt.Sprintf("%s on an asset that %s %s: visitors without credentials and search engines cannot render %s fully", what, count(n, "public page"), verb(n, "uses", "use"), them(n))
}

// refusedByPublic reports a 401/403 on a URL that public pages reach
// through edges of type t.
func refusedByPublic(t store.EdgeType, what string, text func(string, int) string) func(*Check) error {
	return func(c *Check) error {
		refs, err := c.PublicReferrers(t)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			c.Report(text(what, len(refs)), refs)
		}
		return nil
	}
}

// entry reports whether the URL judged starts redirect chains: the start
// URL, or a URL something other than a redirect points at. A chain is
// reported once, on its entry, not again on each of its hops.
func (c *Check) entry() bool {
	if c.URL.Start {
		return true
	}
	for _, e := range c.In {
		if e.Type != store.EdgeRedirect {
			return true
		}
	}
	return false
}

// chain walks the redirect chain that starts at the URL judged.
func (c *Check) chain() (analysis.Chain[store.URL], error) {
	return analysis.WalkChain(c.URL, func(u store.URL) string { return u.URL }, func(u store.URL) string {
		if !redirect(u) {
			return ""
		}
		return u.Redirect
	}, func(url string) (store.URL, bool, error) {
		u, err := c.Get(url)
		if err != nil || u == nil {
			return store.URL{}, false, err
		}
		return *u, true, nil
	})
}

// chainURLs lists a chain's URLs: every hop, then where it goes on.
func chainURLs(ch analysis.Chain[store.URL]) []string {
	urls := make([]string, 0, len(ch.Hops)+1)
	for _, h := range ch.Hops {
		urls = append(urls, h.URL)
	}
	if ch.Next != "" {
		urls = append(urls, ch.Next)
	}
	return urls
}

// hasEdgeType reports whether an edge of type t points at the URL.
// linkedOrUsedBy returns the referrers that link to, use or redirect to
// the URL: a sitemap or robots.txt listing it is not a link.
func (c *Check) linkedOrUsedBy() []string {
	refs, _ := c.referrersWhere(func(e store.Edge) (bool, error) {
		return e.Type != store.EdgeSitemap && e.Type != store.EdgeRobots, nil
	})
	return refs
}

// A render edge may be a link or an asset use (store.Edge.Role): asking
// for either also matches render edges, and Check reads the roles.
func hasEdgeType(in store.Inbound, t store.EdgeType) bool {
	for _, x := range in.Types {
		if x == t || (x == store.EdgeRender && (t == store.EdgeLink || t == store.EdgeAsset)) {
			return true
		}
	}
	return false
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
