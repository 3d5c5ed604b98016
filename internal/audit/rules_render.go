package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// Rendering rule IDs (--render). What a rendered page requested are render
// edges: the rules that judge links and assets read them by their Role (a
// subresource the page loaded is an asset use, so a rendered page's 401
// image is unauthorized-asset; a link only in the rendered DOM is a link).
// The rules below report what no other rule does: the API calls of the
// page's scripts (xhr, fetch, …) that were refused or blocked, and what
// rendering changed or broke on the page itself. Each problem is reported
// once.
const (
	RenderRequestUnauthorized     = "render-request-unauthorized"
	RenderRequestForbidden        = "render-request-forbidden"
	RenderResourceBlockedByRobots = "render-resource-blocked-by-robots"
	RenderOnlyLinks               = "render-only-links"
	RenderChangesIndexability     = "render-changes-indexability"
	RenderError                   = "render-error"
	RenderEmpty                   = "render-empty"
)

// renderRules are the rendering rules, in README order.
var renderRules = []Rule{
	{
		ID: RenderRequestUnauthorized, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Rendered public pages call APIs that answer 401 Unauthorized",
		Why:     "Google renders without a session: content the page loads from such an API is missing from what Google indexes",
		Explain: "an XHR/fetch (or other script call) a public page makes while it renders answers 401; the message names the script that made it",
		Fix:     "serve the content public pages show from a public endpoint (or render it on the server), and call session APIs only for signed-in visitors",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 401 && hasEdgeType(in, store.EdgeRender)
		},
		Check: refusedWhileRendering("401 Unauthorized"),
	},
	{
		ID: RenderRequestForbidden, Severity: store.SeverityWarning, ExternalNotice: true, PublicReferrers: true,
		Title:   "Rendered public pages call APIs that answer 403 Forbidden",
		Why:     "a refused API call leaves the rendered page without the content it loads, for Google's renderer and anonymous visitors",
		Explain: "an XHR/fetch (or other script call) a public page makes while it renders answers 403; the message names the script that made it",
		Fix:     "check the server, CDN or WAF rules that refuse the call to anonymous clients; public pages need public data",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return byPageRules(u) && u.Status == 403 && hasEdgeType(in, store.EdgeRender)
		},
		Check: refusedWhileRendering("403 Forbidden"),
	},
	{
		ID: RenderResourceBlockedByRobots, Severity: store.SeverityWarning,
		Title:   "robots.txt blocks API calls rendered pages make",
		Why:     "Google's renderer obeys robots.txt for every request: the page renders without what the blocked call loads",
		Explain: "robots.txt disallows an XHR/fetch (or other script call) a public page makes while it renders; the request was not sent (blocked assets are asset-disallowed's)",
		Fix:     "allow the endpoint in robots.txt if the page needs it to show its content, or render that content on the server",
		Applies: func(_ *Facts, u store.URL, in store.Inbound) bool {
			return u.BlockedByRobots && hasEdgeType(in, store.EdgeRender)
		},
		Check: func(c *Check) error {
			refs, by, err := c.renderCalls()
			if err != nil {
				return err
			}
			if n := len(refs); n > 0 {
				c.Report(fmt.Sprintf("robots.txt disallows this call, which %s %s while rendering%s: search engines render %s without it", count(n, "public page"), verb(n, "makes", "make"), by, them(n)), refs)
			}
			return nil
		},
	},
	{
		ID: RenderOnlyLinks, Severity: store.SeverityNotice,
		Title:   "Links that exist only after JavaScript runs",
		Why:     "search engines find these links only when rendering succeeds, later than links in the HTML, and other crawlers never",
		Explain: "a page whose rendered DOM has links its raw HTML lacks (they are followed with the source render)",
		Fix:     "put the links in the served HTML as <a href> elements (server-side rendering or pre-rendering)",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return u.Render != nil && u.Render.OnlyLinks > 0
		},
		Check: func(c *Check) error {
			n := c.URL.Render.OnlyLinks
			c.Report(fmt.Sprintf("%s only in the rendered DOM, not in the HTML as served: search engines see %s only after rendering", count(n, "link"), them(n)), nil)
			return nil
		},
	},
	{
		ID: RenderChangesIndexability, Severity: store.SeverityError,
		Title:   "JavaScript changes noindex or the canonical",
		Why:     "Google reads noindex in the served HTML before it renders and treats a canonical changed by script as unreliable: the page may be indexed, or dropped, against your intent",
		Explain: "the rendered DOM's meta robots noindex or canonical differs from the raw HTML's (a noindex added or removed by script, a canonical added, changed or removed)",
		Fix:     "serve the final meta robots and canonical in the HTML itself, and keep scripts from changing them",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return analysis.RenderChanges(u).Any()
		},
		Check: func(c *Check) error {
			u, r := c.URL, c.URL.Render
			ch := analysis.RenderChanges(u)
			var parts []string
			if ch.NoIndexAdded {
				parts = append(parts, "JavaScript adds noindex: Google may drop the page once it renders it")
			}
			if ch.NoIndexRemoved {
				parts = append(parts, "the HTML as served says noindex and the rendered DOM does not: Google does not render noindex pages, so the page stays out of the index")
			}
			if ch.CanonicalChanged {
				switch {
				case u.Canonical == "":
					parts = append(parts, "JavaScript adds a canonical to "+r.Canonical)
				case r.Canonical == "":
					parts = append(parts, "JavaScript removes the canonical to "+u.Canonical)
				default:
					parts = append(parts, "JavaScript changes the canonical from "+u.Canonical+" to "+r.Canonical)
				}
			}
			c.Report(strings.Join(parts, "; "), nil)
			return nil
		},
	},
	{
		ID: RenderError, Severity: store.SeverityWarning,
		Title:   "Pages that fail to render",
		Why:     "Google indexes the rendered page: a page that crashes, times out or throws while rendering may be indexed without its content",
		Explain: "rendering the page crashed, timed out, failed to load, or its scripts threw uncaught errors; the console errors are kept (at most 20, clipped)",
		Fix:     "open the page with the browser's console and fix the errors it shows; keep what the page needs to show its content loading within a few seconds",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			_, failed := analysis.RenderFailed(u)
			return failed
		},
		Check: func(c *Check) error {
			r := c.URL.Render
			var msg string
			if r.ErrorKind != "" {
				msg = fmt.Sprintf("rendering failed (%s): %s", r.ErrorKind, r.Error)
			} else {
				un := analysis.UncaughtErrors(r)
				msg = fmt.Sprintf("the page's scripts threw %s while it rendered", count(len(un), "uncaught error"))
			}
			if errs := r.ConsoleErrors; len(errs) > 0 {
				shown := errs[:min(len(errs), 3)]
				clipped := make([]string, len(shown))
				for i, e := range shown {
					clipped[i] = clipText(e, 120)
				}
				msg += "; console: " + strings.Join(clipped, " | ")
				if len(errs) > 3 {
					msg += fmt.Sprintf(" (and %d more)", len(errs)-3)
				}
			}
			c.Report(msg, nil)
			return nil
		},
	},
	{
		ID: RenderEmpty, Severity: store.SeverityWarning,
		Title:   "Pages still empty after rendering",
		Why:     "Google indexes the rendered DOM: a page with next to no text after rendering is an empty page to it, whatever visitors with a session see",
		Explain: fmt.Sprintf("a page rendered without error whose body has fewer than %d characters of visible text", analysis.RenderEmptyText),
		Fix:     "make the content load without a session, credentials or blocked resources (see the page's failing requests), or render it on the server",
		Applies: func(_ *Facts, u store.URL, _ store.Inbound) bool {
			return analysis.RenderedEmpty(u)
		},
		Check: func(c *Check) error {
			r := c.URL.Render
			msg := fmt.Sprintf("the rendered page has %s of visible text", count(r.TextLength, "character"))
			if r.Failed > 0 {
				msg += fmt.Sprintf("; %s of its %d failed (refused, blocked or unanswered)", count(r.Failed, "request"), r.Requests)
			}
			c.Report(msg, nil)
			return nil
		},
	},
}

// refusedWhileRendering reports a URL refused to the calls public pages
// made while rendering, naming the scripts that made them.
func refusedWhileRendering(what string) func(*Check) error {
	return func(c *Check) error {
		refs, by, err := c.renderCalls()
		if err != nil {
			return err
		}
		if n := len(refs); n > 0 {
			c.Report(fmt.Sprintf("%s to the call %s %s while rendering%s", what, count(n, "public page"), verb(n, "makes", "make"), by), refs)
		}
		return nil
	}
}

// renderCalls returns the public pages whose rendering called the URL (a
// render edge whose Role is a call) and, when known, the scripts that
// made the calls (" (made by …)").
func (c *Check) renderCalls() (refs []string, by string, err error) {
	refs, err = c.referrersWhere(func(e store.Edge) (bool, error) {
		if e.Role() != store.EdgeRenderCall {
			return false, nil
		}
		return c.look.isPublic(e.From)
	})
	if err != nil || len(refs) == 0 {
		return nil, "", err
	}
	inits := map[string]bool{}
	for _, e := range c.In {
		if e.Role() == store.EdgeRenderCall && e.Text != "" {
			inits[e.Text] = true
		}
	}
	if len(inits) > 0 {
		names := make([]string, 0, len(inits))
		for s := range inits {
			names = append(names, s)
		}
		sort.Strings(names)
		if len(names) > 3 {
			names = append(names[:3], "…")
		}
		by = " (made by " + strings.Join(names, ", ") + ")"
	}
	return refs, by, nil
}

// clipText cuts s to n runes, marking the cut with "…".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
