package report

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// jsonRender is crawl.json's "render" object of a rendered page (README,
// Rendering pages with headless Chromium): what rendering it found, beside
// the raw HTML's fields of the URL.
type jsonRender struct {
	Reason        string   `json:"reason"`
	Status        int      `json:"status,omitempty"`
	FinalURL      string   `json:"final_url,omitempty"`
	Title         string   `json:"title"`
	Canonical     string   `json:"canonical,omitempty"`
	NoIndex       bool     `json:"noindex,omitempty"`
	Links         int      `json:"links"`
	OnlyLinks     int      `json:"only_links"`
	TextLength    int      `json:"text_length"`
	Requests      int      `json:"requests"`
	Failed        int      `json:"failed,omitempty"`
	Blocked       int      `json:"blocked,omitempty"`
	Dropped       int      `json:"dropped,omitempty"`
	NotIdle       bool     `json:"not_idle,omitempty"`
	ErrorKind     string   `json:"error_kind,omitempty"`
	Error         string   `json:"error,omitempty"`
	ConsoleErrors []string `json:"console_errors,omitempty"`
}

// newJSONRender maps a record's Render, masked; nil when not rendered.
func newJSONRender(rd *store.Render, r *Crawl) *jsonRender {
	if rd == nil {
		return nil
	}
	out := &jsonRender{
		Reason: rd.Reason, Status: rd.Status, FinalURL: r.maskURL(rd.FinalURL), Title: rd.Title, Canonical: r.maskURL(rd.Canonical),
		NoIndex: rd.NoIndex, Links: rd.Links, OnlyLinks: rd.OnlyLinks, TextLength: rd.TextLength, Requests: rd.Requests,
		Failed: rd.Failed, Blocked: rd.Blocked, Dropped: rd.Dropped, NotIdle: rd.NotIdle, ErrorKind: rd.ErrorKind, Error: r.maskText(rd.Error),
	}
	for _, e := range rd.ConsoleErrors {
		out.ConsoleErrors = append(out.ConsoleErrors, r.maskText(e))
	}
	return out
}

// storeRender is newJSONRender's inverse, for ReadJSON.
func (j *jsonRender) storeRender() *store.Render {
	if j == nil {
		return nil
	}
	return &store.Render{
		Reason: j.Reason, Status: j.Status, FinalURL: j.FinalURL, Title: j.Title, Canonical: j.Canonical, NoIndex: j.NoIndex,
		Links: j.Links, OnlyLinks: j.OnlyLinks, TextLength: j.TextLength, Requests: j.Requests, Failed: j.Failed, Blocked: j.Blocked,
		Dropped: j.Dropped, NotIdle: j.NotIdle, ErrorKind: j.ErrorKind, Error: j.Error, ConsoleErrors: j.ConsoleErrors,
	}
}

// renderCells are urls.csv's rendering columns (urlsRenderHeader) of u:
// empty for a page not rendered.
func renderCells(u store.URL, r *Crawl) []string {
	rd := u.Render
	if rd == nil {
		return make([]string, len(urlsRenderHeader))
	}
	return []string{"true", cell(rd.Title), cell(r.maskURL(rd.Canonical)), btoa(rd.NoIndex), itoa(rd.OnlyLinks), itoa(rd.TextLength), itoa(rd.Failed), cell(rd.ErrorKind)}
}

// urlsRenderHeader are urls.csv's rendering columns, after the others,
// written only by a crawl that rendered pages (so that the file of a crawl
// without --render keeps its columns).
var urlsRenderHeader = []string{"rendered", "render_title", "render_canonical", "render_noindex", "render_only_links", "render_text_length", "render_failed", "render_error_kind"}

// rendered reports whether the crawl rendered pages (its stored setting
// render is all or auto): urls.csv then has the rendering columns.
func (r *Crawl) rendered() (bool, error) {
	meta, err := r.Meta()
	if err != nil {
		return false, fmt.Errorf("report: read meta: %w", err)
	}
	v := meta.Settings["render"]
	return v == "all" || v == "auto", nil
}
