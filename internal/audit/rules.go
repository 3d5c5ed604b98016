// Package audit runs the rules over a finished (or interrupted) crawl in a
// store and produces findings. It does no network I/O: everything it knows
// comes from the records and edges the crawler wrote.
package audit

import "github.com/crawlaudit/crawlaudit/internal/store"

// Rule describes one check: its ID, default severity, when it fires and how
// to fix what it finds. The catalogue is documented in the README.
type Rule struct {
	ID       string
	Severity store.Severity
	When     string
	Fix      string
}

// Rule IDs.
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

// catalogue lists every rule in the order the README gives them.
var catalogue = append([]Rule{
	{UnauthorizedLinkedPage, store.SeverityWarning,
		"a page answering 401 that a publicly reachable 200 page links to",
		"crawlers have no credentials: remove or change the public links, or make the page public if it should be"},
	{ForbiddenLinkedPage, store.SeverityWarning,
		"a page answering 403 that a publicly reachable 200 page links to",
		"remove the public links to it, or grant anonymous access if the page is meant to be public"},
	{UnauthorizedAsset, store.SeverityError,
		"an image, script, stylesheet or other asset used by a public page answers 401",
		"visitors without credentials and rendering search engines cannot load it: serve the asset publicly or stop using it on public pages"},
	{ForbiddenAsset, store.SeverityError,
		"an asset used by a public page answers 403",
		"check the server or CDN rules that put the asset behind access control; public pages need public assets"},
	{MissingWWWAuthenticate, store.SeverityError,
		"a 401 answer without a WWW-Authenticate header (RFC 9110 section 15.5.2 requires one)",
		"send a challenge (e.g. WWW-Authenticate: Basic realm=\"…\" or Bearer), or answer 403 if authenticating cannot help"},
	{BrokenLink, store.SeverityError,
		"a linked or used URL answers 404 or 410",
		"fix or remove the links; redirect the URL if the content moved"},
	{ServerError, store.SeverityError,
		"a URL answers 5xx",
		"fix the server error; persistent 5xx answers make search engines slow their crawl and drop URLs"},
	{RedirectChain, store.SeverityWarning,
		"a linked URL takes more than one redirect hop before the final answer (or more than 10, where crawlers give up)",
		"link straight to the final URL and make the first redirect point at it"},
	{RedirectLoop, store.SeverityError,
		"redirects come back to a URL already in the chain",
		"fix the redirect rules so the chain ends in a 200 page"},
	{FetchError, store.SeverityWarning,
		"no HTTP answer at all (DNS, refused, reset, TLS, timeout)",
		"check that the host resolves and answers in time; for external links, check the link target"},
	{SoftNotFound, store.SeverityWarning,
		"a page of the site answers 200 while its title says it was not found (\"Page not found\", \"404\"): a soft 404, which search engines keep requesting and do not index",
		"answer 404 (or 410 for content gone for good) when a page does not exist; if the content moved, redirect to its new URL"},
}, append(sitemapCatalogue, authRules...)...)

// Catalogue returns a copy of the rule catalogue.
func Catalogue() []Rule { return append([]Rule(nil), catalogue...) }

// severity returns the default severity of rule id.
func severity(id string) store.Severity {
	for _, r := range catalogue {
		if r.ID == id {
			return r.Severity
		}
	}
	return store.SeverityWarning
}

// fix returns the fix text of rule id.
func fix(id string) string {
	for _, r := range catalogue {
		if r.ID == id {
			return r.Fix
		}
	}
	return ""
}
