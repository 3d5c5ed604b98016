package report

import (
	_ "embed"
)

// The Rendering section of report.html (--render): html_render.tmpl
// defines the "rendering" template, which html.tmpl includes when the
// crawl rendered pages.

//go:embed html_render.tmpl
var htmlRenderTemplateText string

// renderView is the Rendering section: RenderSummary with its failures in
// words, in order.
type renderView struct {
	RenderSummary
	Failures []renderFailure
}

type renderFailure struct {
	Count int
	Words string
}

// newRenderView prepares the section; nil when the crawl did not render.
func newRenderView(r *Crawl) (*renderView, error) {
	s, err := SummarizeRender(r)
	if err != nil || s.Mode == "" {
		return nil, err
	}
	v := &renderView{RenderSummary: s}
	for _, k := range failureKinds {
		if n := s.Failures[k.key]; n > 0 {
			v.Failures = append(v.Failures, renderFailure{Count: n, Words: k.words})
		}
	}
	return v, nil
}
