// Package demo holds the bundled demo: the Fernhill Bakery site (sites/demo,
// every rule planted, documented in sites/DEMO.md) and a second "external"
// origin it links to (sites/external), embedded in the binary, and serves
// them on loopback for `crawlaudit demo` and the end-to-end tests: Start on
// free ports, Listen on given ones (and the broken variant, for trying a
// baseline). Only the demo command links the test-site server into the
// binary.
package demo

import (
	"embed"
	"net/http/httptest"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// Sites holds the demo's sites: sites/<name>/ directories of static files,
// each with an optional sites/<name>.routes.json of programmable routes, and
// DEMO.md. Files whose names start with "." or "_" are not embedded. It is
// read-only and safe for concurrent use.
//
//go:embed sites
var Sites embed.FS

// Demo is the demo site running on loopback: Site serves sites/demo,
// External serves sites/external (the other origin the demo links to as
// {{EXTERNAL}}). Close stops both.
type Demo struct {
	Site     *httptest.Server
	External *httptest.Server
}

// Start serves the demo site and its external origin on free loopback
// ports, recording the demo site's requests in log when log is not nil. The
// caller must Close the returned Demo.
func Start(log *testsite.Log) (*Demo, error) {
	site, ext, err := load(false)
	if err != nil {
		return nil, err
	}
	d := &Demo{External: testsite.Start(ext.Handler(nil), nil)}
	d.Site = testsite.Start(site.Handler(map[string]string{"EXTERNAL": d.External.URL}), log)
	return d, nil
}

// Close stops both servers.
func (d *Demo) Close() {
	d.Site.Close()
	d.External.Close()
}
