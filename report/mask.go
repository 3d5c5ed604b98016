package report

import (
	"regexp"
	"sort"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// urlInText finds http(s) URLs in free text: the scheme, then everything up to
// white space, a quote or an angle bracket. Compiled once; never mutated.
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>` + "`" + `]+`)

// maskURL hides secrets (userinfo, secret query values) in one URL. It is the
// only way URLs reach any output of this package.
func maskURL(u string) string { return urlx.Mask(u) }

// maskURLs masks each URL of us into a new slice; nil stays nil. The order is
// kept: sort the result if it must be sorted.
func maskURLs(us []string) []string {
	if us == nil {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = maskURL(u)
	}
	return out
}

// maskText masks every http(s) URL inside free text (finding messages, fetch
// errors such as `Get "https://user:pw@host/?token=x": EOF`). Punctuation that
// ends a sentence right after a URL is kept out of the URL so that masking a
// secret value does not swallow it. Masking is idempotent, which the crawl.json
// round trip relies on.
func maskText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, func(m string) string {
		u := strings.TrimRight(m, ".,;:!?)]}")
		return maskURL(u) + m[len(u):]
	})
}

// eachURL calls fn for every URL record of r in the order of the masked URL,
// which is the order a store loaded from crawl.json (holding masked URLs)
// iterates in; rendering in that order is what makes ReadJSON → WriteJSON
// reproduce the file. Masking can reorder URLs ("https://user:pw@h/" becomes
// "https://REDACTED@h/"), so the records that masking changes, usually few or
// none, are read in a first pass, held in memory, and merged into the second
// pass, which streams the rest (already in order: their masked URL is their
// URL). Errors from r and from fn are returned as they are.
func eachURL(r store.Reader, fn func(u store.URL) error) error {
	return eachMasked(r, r.EachURL, fn)
}

// eachURLInbound is eachURL with each record's Inbound counts
// (store.EachURLInbound): for outputs that show sources and inlinks but not
// the referrers themselves.
func eachURLInbound(r store.Reader, fn func(u store.URL, in store.Inbound) error) error {
	var in store.Inbound // of the record the scan is at
	scan := func(f func(store.URL) error) error {
		return r.EachURLInbound(func(u store.URL, i store.Inbound) error {
			in = i
			return f(u)
		})
	}
	return eachMasked(r, scan, func(u store.URL) error {
		if maskURL(u.URL) != u.URL { // from the first pass: in is not its own
			edges, err := r.LookupEdgesTo(u.URL)
			if err != nil {
				return err
			}
			return fn(u, store.InboundOf(u.URL, edges))
		}
		return fn(u, in)
	})
}

// eachMasked is eachURL over the scan each (r.EachURL or a variant of it).
func eachMasked(r store.Reader, each func(func(store.URL) error) error, fn func(u store.URL) error) error {
	var changed []maskedURL
	var err error
	if m, ok := r.(*Memo); ok {
		changed, err = m.renamedURLs()
	} else {
		changed, err = readRenamed(r)
	}
	if err != nil {
		return err
	}
	next := 0
	err = each(func(u store.URL) error {
		if maskURL(u.URL) != u.URL {
			return nil // emitted from changed
		}
		for ; next < len(changed) && changed[next].masked < u.URL; next++ {
			if err := fn(changed[next].u); err != nil {
				return err
			}
		}
		return fn(u)
	})
	if err != nil {
		return err
	}
	for ; next < len(changed); next++ {
		if err := fn(changed[next].u); err != nil {
			return err
		}
	}
	return nil
}

// maskedURL is a record whose masked URL differs from its URL.
type maskedURL struct {
	masked string
	u      store.URL
}

// readRenamed reads the records of r that masking renames, sorted by masked
// URL (the first pass of eachURL).
func readRenamed(r store.Reader) ([]maskedURL, error) {
	var changed []maskedURL
	err := r.EachURL(func(u store.URL) error {
		if m := maskURL(u.URL); m != u.URL {
			changed = append(changed, maskedURL{m, u})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(changed, func(i, j int) bool { return changed[i].masked < changed[j].masked })
	return changed, nil
}
