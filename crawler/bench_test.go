package crawler

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/crawlaudit/crawlaudit/bench/synth"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// synthPage returns the HTML of one page of the benchmark's synthetic site.
func synthPage(b *testing.B) ([]byte, *url.URL) {
	srv := testsite.Start(synth.New(1000), nil)
	b.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/p/500")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	u, _ := url.Parse(srv.URL + "/p/500")
	return body, u
}

func BenchmarkExtractHTML(b *testing.B) {
	body, u := synthPage(b)
	b.ReportAllocs()
	for b.Loop() {
		if info := extractHTML(body, u, "crawlaudit"); len(info.refs) < 15 {
			b.Fatalf("refs = %d", len(info.refs))
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	base, _ := url.Parse("http://127.0.0.1:8080/p/500")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := urlx.Resolve(base, "/p/1234#x"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCrawl crawls the synthetic site (1,000 pages, ~1,090 URLs) into
// the SQLite store; ns/op is per crawl. Profile it with
// go test -run - -bench Crawl -cpuprofile cpu.out ./crawler.
func BenchmarkCrawl(b *testing.B) {
	for _, name := range []string{"memory", "sqlite"} {
		b.Run(name, func(b *testing.B) {
			srv := testsite.Start(synth.New(1000), nil)
			b.Cleanup(srv.Close)
			b.ReportAllocs()
			for b.Loop() {
				var w store.Store = store.NewMemory()
				if name == "sqlite" {
					s, err := store.CreateSQLite(filepath.Join(b.TempDir(), "crawl.db"))
					if err != nil {
						b.Fatal(err)
					}
					w = s
				}
				res, err := Run(context.Background(), Config{Start: srv.URL + "/", Concurrency: 16, MaxDepth: -1}, w)
				if err != nil || res.URLs < 1000 {
					b.Fatalf("crawl: %v, %d URLs", err, res.URLs)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
