package report

import (
	"sort"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// eachURL calls fn for every URL record in the order of the masked URL,
// which is the order a store loaded from crawl.json (holding masked URLs)
// iterates in; rendering in that order is what makes ReadJSON → WriteJSON
// reproduce the file. Masking can reorder URLs ("https://user:pw@h/" becomes
// "https://REDACTED@h/"), so the records that masking changes, usually few
// or none, are read in a first pass, held in memory, and merged into the
// second pass, which streams the rest (already in order: their masked URL is
// their URL). Errors from the store and from fn are returned as they are.
func (c *Crawl) eachURL(fn func(u store.URL) error) error {
	return c.eachMasked(c.EachURL, fn)
}

// eachURLInbound is eachURL with each record's Inbound counts
// (store.Reader.EachURLInbound): for outputs that show sources and inlinks
// but not the referrers themselves.
func (c *Crawl) eachURLInbound(fn func(u store.URL, in store.Inbound) error) error {
	var in store.Inbound // of the record the scan is at
	scan := func(f func(store.URL) error) error {
		return c.EachURLInbound(func(u store.URL, i store.Inbound) error {
			in = i
			return f(u)
		})
	}
	return c.eachMasked(scan, func(u store.URL) error {
		if c.maskURL(u.URL) != u.URL { // from the first pass: in is not its own
			edges, err := c.LookupEdgesTo(u.URL)
			if err != nil {
				return err
			}
			return fn(u, store.InboundOf(u.URL, edges))
		}
		return fn(u, in)
	})
}

// eachMasked is eachURL over the scan each (EachURL or a variant of it).
func (c *Crawl) eachMasked(each func(func(store.URL) error) error, fn func(u store.URL) error) error {
	changed, err := c.renamedURLs()
	if err != nil {
		return err
	}
	next := 0
	err = each(func(u store.URL) error {
		if c.maskURL(u.URL) != u.URL {
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

// readRenamed reads the records that masking renames, sorted by masked URL
// (the first pass of eachURL).
func (c *Crawl) readRenamed() ([]maskedURL, error) {
	var changed []maskedURL
	err := c.EachURL(func(u store.URL) error {
		if m := c.maskURL(u.URL); m != u.URL {
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
