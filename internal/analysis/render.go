package analysis

import (
	"strconv"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// RenderEmptyText is the fewest characters of visible text a rendered page
// needs not to count as empty (RenderedEmpty): below it, what Google indexes
// of the page is next to nothing.
const RenderEmptyText = 20

// RenderedEmpty reports whether u was rendered, without a render error, and
// its rendered body holds fewer than RenderEmptyText characters of visible
// text: what Google indexes is an empty page.
func RenderedEmpty(u store.URL) bool {
	r := u.Render
	return r != nil && r.ErrorKind == "" && r.TextLength < RenderEmptyText
}

// RenderFailed reports whether rendering u failed (crash, timeout, load,
// script) or its scripts threw uncaught errors, and says how in a few
// words ("timeout", "2 uncaught errors").
func RenderFailed(u store.URL) (string, bool) {
	r := u.Render
	if r == nil {
		return "", false
	}
	if r.ErrorKind != "" {
		return r.ErrorKind, true
	}
	if n := len(UncaughtErrors(r)); n > 0 {
		if n == 1 {
			return "1 uncaught error", true
		}
		return strconv.Itoa(n) + " uncaught errors", true
	}
	return "", false
}

// UncaughtErrors returns the console errors of r that are uncaught
// exceptions ("Uncaught …", as Chromium's console prints them).
func UncaughtErrors(r *store.Render) []string {
	var out []string
	for _, e := range r.ConsoleErrors {
		if strings.HasPrefix(e, "Uncaught") {
			out = append(out, e)
		}
	}
	return out
}

// RenderIndexability says how rendering changed what decides u's
// indexing: NoIndexAdded (raw indexable, rendered noindex), NoIndexRemoved
// (the raw page says noindex, the rendered DOM does not: Google does not
// render a noindex page, so it stays out), CanonicalChanged (the rendered
// canonical differs from the raw one, or is added and points elsewhere).
// Pages that did not render (an error other than a timeout) change
// nothing.
type RenderIndexability struct {
	NoIndexAdded, NoIndexRemoved, CanonicalChanged bool
}

// Any reports whether anything changed.
func (r RenderIndexability) Any() bool {
	return r.NoIndexAdded || r.NoIndexRemoved || r.CanonicalChanged
}

// RenderChanges compares u's raw and rendered indexing signals.
func RenderChanges(u store.URL) RenderIndexability {
	r := u.Render
	var out RenderIndexability
	if r == nil || (r.ErrorKind != "" && r.ErrorKind != "timeout") || u.Status != 200 {
		return out
	}
	out.NoIndexAdded = !u.NoIndex && r.NoIndex
	out.NoIndexRemoved = u.NoIndex && !r.NoIndex
	switch {
	case u.Canonical != "" && r.Canonical != "":
		out.CanonicalChanged = u.Canonical != r.Canonical
	case u.Canonical != "":
		out.CanonicalChanged = true // removed by script
	case r.Canonical != "":
		out.CanonicalChanged = r.Canonical != u.URL
	}
	return out
}
