package testsite

import (
	"fmt"
	"io/fs"
	"net/http/httptest"
)

// Demo is the bundled demo site running on loopback: Site serves
// testdata/sites/demo, External serves testdata/sites/external (the other
// origin the demo links to as {{EXTERNAL}}). Close stops both.
type Demo struct {
	Site     *httptest.Server
	External *httptest.Server
}

// StartDemo serves the demo site and its external origin from fsys (the
// module's embedded crawlaudit.Sites, or a folder holding testdata/sites),
// recording the demo site's requests in log when log is not nil. The caller
// must Close the returned Demo.
func StartDemo(fsys fs.FS, log *Log) (*Demo, error) {
	ext, err := Load(fsys, "testdata/sites/external")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	site, err := Load(fsys, "testdata/sites/demo")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &Demo{External: Start(ext.Handler(nil), nil)}
	d.Site = Start(site.Handler(map[string]string{"EXTERNAL": d.External.URL}), log)
	return d, nil
}

// Close stops both servers.
func (d *Demo) Close() {
	d.Site.Close()
	d.External.Close()
}
