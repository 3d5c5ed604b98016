package sitemap

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// FuzzParse feeds arbitrary bytes (XML, text, gzip, junk) to Parse. Its
// seeds live in testdata/fuzz/FuzzParse and run with the normal tests;
// every crasher found becomes a seed there.
func FuzzParse(f *testing.F) {
	f.Add([]byte(urlset))
	base, _ := url.Parse("https://example.test/dir/sitemap.xml")
	f.Fuzz(func(t *testing.T, body []byte) {
		cfg := Config{MaxBytes: 1 << 20, MaxURLs: 100, MaxProblems: 10, CrossOrigins: []string{"https://cross.test"},
			Now: func() time.Time { return now }}
		n := 0
		res, err := Parse(bytes.NewReader(body), base, cfg, func(e Entry) error {
			n++
			u, err := urlx.Parse(e.URL)
			if err != nil {
				t.Fatalf("entry %q is not an absolute URL: %v", e.URL, err)
			}
			if u.String() != e.URL {
				t.Fatalf("entry %q is not normalised (%q)", e.URL, u.String())
			}
			if urlx.Origin(u) != "https://cross.test" && !(urlx.Origin(u) == "https://example.test" && strings.HasPrefix(u.Path, "/dir/")) {
				t.Fatalf("entry %q is out of scope", e.URL)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Parse of an in-memory body returned an error: %v", err)
		}
		if n != res.URLs || n > cfg.MaxURLs {
			t.Fatalf("%d entries, URLs %d, limit %d", n, res.URLs, cfg.MaxURLs)
		}
		if res.Bytes > cfg.MaxBytes || len(res.Problems) > cfg.MaxProblems {
			t.Fatalf("bytes %d problems %d over their limits", res.Bytes, len(res.Problems))
		}
	})
}
