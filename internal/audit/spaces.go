package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/store"
)

// The URL spaces the Facts prepass found, handed to the analysis layer's
// robots.txt what-if (analysis.RobotsWhatIf): the URL-space rules' messages
// say its verdict, and the root package gives the same spaces to the
// reports and to robots-test (FindSpaces), so all of them read one what-if.

// FindSpaces returns the URL spaces of the crawl in r: its crawler traps,
// session IDs, faceted navigation and parameters that change nothing, as
// the URL-space rules find them. It reads the records once (and the few
// URLs without a query that variants compare with).
func FindSpaces(r store.Reader) ([]analysis.Space, error) {
	s := newSpaces()
	if err := r.EachURL(func(u store.URL) error { s.add(u); return nil }); err != nil {
		return nil, fmt.Errorf("audit: spaces: %w", err)
	}
	if err := s.finish(r); err != nil {
		return nil, fmt.Errorf("audit: spaces: %w", err)
	}
	return s.list(), nil
}

// list returns the spaces of the findings, sorted by kind, pattern and
// parameter.
func (s *Spaces) list() []analysis.Space {
	var out []analysis.Space
	for _, fs := range s.At {
		for _, f := range fs {
			if sp, ok := spaceOf(f); ok {
				out = append(out, sp)
			}
		}
	}
	slices.SortFunc(out, func(a, b analysis.Space) int {
		return strings.Compare(a.Kind+" "+a.Origin+a.Pattern+" "+a.Param, b.Kind+" "+b.Origin+b.Pattern+" "+b.Param)
	})
	return out
}

// spaceOf maps a finding of the prepass to its space.
func spaceOf(f SpaceFinding) (analysis.Space, bool) {
	origin := analysis.OriginOf(f.Pattern)
	sp := analysis.Space{Origin: origin, Pattern: strings.TrimPrefix(f.Pattern, origin)}
	if len(f.Example) > 0 {
		sp.Example = f.Example[0]
	}
	switch f.Rule {
	case CrawlerTrap:
		sp.Kind = analysis.SpaceTrap
	case SessionIDInURL:
		sp.Kind, sp.Pattern, sp.InPath = analysis.SpaceSession, "", f.Kind == "path"
		sp.Param = f.Param
		for _, p := range analysis.Params(sp.Example) {
			if strings.EqualFold(p.Name, f.Param) && p.Path == sp.InPath {
				sp.Param = p.Name // as the URLs spell it: robots.txt rules are case-sensitive
				break
			}
		}
	case FacetedNavigation:
		sp.Kind, sp.Params = analysis.SpaceFacet, f.Names
	case IneffectiveParameter:
		sp.Kind, sp.Param = analysis.SpaceParameter, f.Param
	default:
		return analysis.Space{}, false
	}
	return sp, true
}

// whatIfSays is what a URL-space finding says of the robots.txt what-if:
// the rule to add when one is safe, and the rules that would lose
// important pages, never as a fix. "" when no rule was tried.
func whatIfSays(w analysis.WhatIf, f SpaceFinding) string {
	sp, ok := spaceOf(f)
	if !ok {
		return ""
	}
	v, ok := w.For(sp)
	if !ok || len(v.Proposed)+len(v.Dangerous) == 0 {
		return ""
	}
	var parts []string
	for _, ri := range v.Proposed {
		parts = append(parts, fmt.Sprintf("%s would block %s (%d requested) and no important page: add it to robots.txt",
			ri.Rule, count(ri.Blocked, "URL"), ri.Requests))
	}
	for _, ri := range v.Dangerous {
		parts = append(parts, fmt.Sprintf("%s is dangerous, do not add it: %s", ri.Rule, losses(ri.Impact)))
	}
	msg := "robots.txt what-if: " + strings.Join(parts, "; ")
	if len(v.Proposed) == 0 {
		msg += "; no robots.txt rule stops it safely: fix the links and answers instead"
	}
	return msg
}

// losses says which important pages a robots.txt would lose.
func losses(i analysis.Impact) string {
	var out []string
	if i.ImportantTotal > 0 {
		out = append(out, fmt.Sprintf("it would block %s (e.g. %s)", count(i.ImportantTotal, "important page"), examples(i.Important)))
	}
	if i.CutOffTotal > 0 {
		out = append(out, fmt.Sprintf("it would cut off %s that only the pages it blocks link to (e.g. %s)", count(i.CutOffTotal, "indexable page"), examples(i.CutOff)))
	}
	return strings.Join(out, ", and ")
}
