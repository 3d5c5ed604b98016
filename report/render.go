package report

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// RenderSummary is what rendering pages (--render) found, for the
// Rendering section of report.html and the terminal: how many pages were
// rendered (and, with --render=auto, how many of the HTML pages checked the
// heuristic selected), the failures by kind, and the API endpoints whose
// calls failed most, with the pages that call them.
type RenderSummary struct {
	// Mode is the crawl's render setting: "all" or "auto"; "" when the
	// crawl did not render.
	Mode string
	// Rendered counts the pages rendered; HTMLPages the 200 HTML pages of
	// the site (those --render=auto looked at).
	Rendered, HTMLPages int
	// Requests, Failed and Blocked add up the rendered pages' requests.
	Requests, Failed, Blocked int
	// Failures counts the pages by failure: "crash", "timeout", "load",
	// "script" (render errors), "uncaught" (scripts threw), "empty"
	// (render-empty), "indexability" (render-changes-indexability),
	// "only-links" (links only after rendering).
	Failures map[string]int
	// Endpoints are the URLs rendered pages called (XHR/fetch…) that
	// answered 4xx/5xx, were blocked by robots.txt or got no answer, most
	// calling pages first; at most 10.
	Endpoints []RenderEndpoint
	// MoreEndpoints counts the failing endpoints beyond Endpoints.
	MoreEndpoints int
}

// RenderEndpoint is one failing endpoint rendered pages call.
type RenderEndpoint struct {
	URL    string   // masked
	Status int      // 0: blocked or no answer
	Why    string   // "401 Unauthorized", "blocked by robots.txt", "no answer"
	Pages  []string // the pages that call it, masked, sorted; at most 5
	Count  int      // all the pages that call it
}

// maxRenderEndpoints and maxEndpointPages bound the endpoints listed and
// the pages named for each.
const (
	maxRenderEndpoints = 10
	maxEndpointPages   = 5
)

// SummarizeRender builds the RenderSummary of the crawl.
func SummarizeRender(r *Crawl) (RenderSummary, error) {
	meta, err := r.Meta()
	if err != nil {
		return RenderSummary{}, fmt.Errorf("report: render: read meta: %w", err)
	}
	s := RenderSummary{Failures: map[string]int{}}
	if v := meta.Settings["render"]; v == "all" || v == "auto" {
		s.Mode = v
	}
	var failing []store.URL
	err = r.eachURLInbound(func(u store.URL, in store.Inbound) error {
		if u.Kind == store.KindPage && u.Status == 200 && strings.Contains(strings.ToLower(u.ContentType), "html") {
			s.HTMLPages++
		}
		if rd := u.Render; rd != nil {
			s.Rendered++
			s.Requests += rd.Requests
			s.Failed += rd.Failed
			s.Blocked += rd.Blocked
			if rd.ErrorKind != "" {
				s.Failures[rd.ErrorKind]++
			} else if len(analysis.UncaughtErrors(rd)) > 0 {
				s.Failures["uncaught"]++
			}
			if analysis.RenderedEmpty(u) {
				s.Failures["empty"]++
			}
			if analysis.RenderChanges(u).Any() {
				s.Failures["indexability"]++
			}
			if rd.OnlyLinks > 0 {
				s.Failures["only-links"]++
			}
		}
		if hasType(in, store.EdgeRender) && (u.Status >= 400 || u.BlockedByRobots || (u.Status == 0 && u.Error != "")) {
			failing = append(failing, u)
		}
		return nil
	})
	if err != nil {
		return RenderSummary{}, fmt.Errorf("report: render: %w", err)
	}
	for _, u := range failing {
		edges, err := r.LookupEdgesTo(u.URL)
		if err != nil {
			return RenderSummary{}, fmt.Errorf("report: render: %w", err)
		}
		pages := map[string]bool{}
		for _, e := range edges {
			if e.Role() == store.EdgeRenderCall {
				pages[e.From] = true
			}
		}
		if len(pages) == 0 {
			continue // not an API call: the asset rules report it
		}
		ep := RenderEndpoint{URL: r.maskURL(u.URL), Status: u.Status, Count: len(pages)}
		switch {
		case u.BlockedByRobots:
			ep.Why = "blocked by robots.txt"
		case u.Status == 0:
			ep.Why = "no answer"
		default:
			ep.Why = strings.TrimSpace(fmt.Sprintf("%d %s", u.Status, http.StatusText(u.Status)))
		}
		for p := range pages {
			ep.Pages = append(ep.Pages, r.maskURL(p))
		}
		sort.Strings(ep.Pages)
		if len(ep.Pages) > maxEndpointPages {
			ep.Pages = ep.Pages[:maxEndpointPages]
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	sort.SliceStable(s.Endpoints, func(i, j int) bool {
		a, b := s.Endpoints[i], s.Endpoints[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.URL < b.URL
	})
	if len(s.Endpoints) > maxRenderEndpoints {
		s.MoreEndpoints = len(s.Endpoints) - maxRenderEndpoints
		s.Endpoints = s.Endpoints[:maxRenderEndpoints]
	}
	return s, nil
}

// failureKinds are RenderSummary.Failures' keys, in the order they are
// shown, with their words.
var failureKinds = []struct{ key, words string }{
	{"crash", "crashed"}, {"timeout", "timed out"}, {"load", "did not load"}, {"script", "hung in a script"},
	{"uncaught", "threw uncaught errors"}, {"empty", "rendered empty"}, {"indexability", "changed noindex or canonical"},
	{"only-links", "had links only after rendering"},
}

// failureText lists the failures in words: "1 timed out, 2 rendered
// empty"; "" when none.
func (s RenderSummary) failureText() string {
	var parts []string
	for _, k := range failureKinds {
		if n := s.Failures[k.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.words))
		}
	}
	return strings.Join(parts, ", ")
}

// renderLine is the terminal's line about rendering; "" when the crawl
// did not render.
func renderLine(s RenderSummary) string {
	if s.Mode == "" {
		return ""
	}
	l := fmt.Sprintf("Rendering: %s", plural(s.Rendered, "page"))
	if s.Mode == "auto" {
		l += fmt.Sprintf(" (--render=auto selected %d of %d HTML pages)", s.Rendered, s.HTMLPages)
	}
	l += fmt.Sprintf(" rendered, %s, %d failed", plural(s.Requests, "request"), s.Failed)
	if f := s.failureText(); f != "" {
		l += "; pages: " + f
	}
	return l
}

// renderAPILine is the terminal's line naming the failing API called by
// the most rendered pages; "" when none.
func renderAPILine(s RenderSummary) string {
	if len(s.Endpoints) == 0 {
		return ""
	}
	e := s.Endpoints[0]
	l := fmt.Sprintf("Top failing API while rendering: %s (%s, called by %s)", e.URL, e.Why, plural(e.Count, "page"))
	if n := len(s.Endpoints) + s.MoreEndpoints - 1; n > 0 {
		l += fmt.Sprintf("; %d more in report.html", n)
	}
	return l
}

// hasType reports whether an edge of type t points at the URL.
func hasType(in store.Inbound, t store.EdgeType) bool {
	for _, x := range in.Types {
		if x == t {
			return true
		}
	}
	return false
}
