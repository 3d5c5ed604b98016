// Package crawlaudit is the root of the crawlaudit module, a command-line
// SEO crawler and HTTP status auditor (see cmd/crawlaudit). The root package
// only carries the fixture sites that ship inside the binary.
package crawlaudit

import "embed"

// Sites holds the bundled fixture sites: testdata/sites/<name>/ directories
// of static files, each with an optional testdata/sites/<name>.routes.json of
// programmable routes, ready for testsite.Load(Sites, "testdata/sites/<name>").
// "demo" is the Fernhill Bakery site that `crawlaudit demo` crawls, with
// "external" served as its second origin; testdata/sites/DEMO.md lists what
// the demo plants. Files whose names start with "." or "_" are not embedded.
//
// Sites is read-only and safe for concurrent use.
//
//go:embed testdata/sites
var Sites embed.FS
