package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// newSyntheticStore builds a crawl of n URLs: pages in 50 sections (with
// 404s, 401s, redirects, noindex, parameter variants), assets, and about five
// edges per URL (a 20-link navigation on every page plus in-section links).
func newSyntheticStore(b *testing.B, n int) *store.Memory {
	b.Helper()
	m := store.NewMemory()
	t0 := time.Unix(fxStartSec, 0).UTC()
	if err := m.SetMeta(store.Meta{ToolVersion: "bench", StartURL: "https://big.test/", StartedAt: t0, FinishedAt: t0.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	url := func(i int) string {
		switch {
		case i == 0:
			return "https://big.test/"
		case i%10 == 9:
			return fmt.Sprintf("https://big.test/s%d/img/%d.jpg", i%50, i)
		case i%97 == 1:
			return fmt.Sprintf("https://big.test/s%d/list?sort=%d", i%50, i)
		}
		return fmt.Sprintf("https://big.test/s%d/p%d.html", i%50, i)
	}
	for i := 0; i < n; i++ {
		u := store.URL{URL: url(i), Status: 200, Kind: store.KindPage, Depth: i % 7, Method: "GET", ContentType: "text/html", Bytes: 5000, ResponseMS: int64(i % 400), Title: fmt.Sprintf("Page %d <b>", i), Start: i == 0, InSitemap: i%3 == 0}
		switch {
		case i%10 == 9:
			u.Kind, u.ContentType = store.KindAsset, "image/jpeg"
		case i%53 == 7:
			u.Status = 404
		case i%61 == 5:
			u.Status, u.WWWAuthenticate = 401, []string{`Basic realm="x"`}
		case i%67 == 3:
			u.Status, u.Redirect = 301, url(i+1)
		case i%71 == 2:
			u.NoIndex = true
		}
		if err := m.PutURL(u); err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			for _, from := range []int{(i * 7) % n, (i * 13) % n, i - 1} {
				if err := m.AddEdge(store.Edge{From: url(from), To: u.URL, Type: store.EdgeLink, Tag: "a", Text: "link"}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if i < 20 { // navigation on every 50th page
			for from := 0; from < n; from += 50 {
				if err := m.AddEdge(store.Edge{From: url(from), To: u.URL, Type: store.EdgeLink, Tag: "a", Text: "nav"}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := m.PutFindings([]store.Finding{{Rule: "broken-link", Severity: store.SeverityError, URL: url(7), Message: "answered 404", Referrers: []string{url(0)}}}); err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkReport100k renders every output of a synthetic 100,000-URL crawl
// (one op = all files), and each format on its own.
func BenchmarkReport100k(b *testing.B) {
	m := newSyntheticStore(b, 100000)
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, name := range FileNames() {
				if err := files()[name](io.Discard, newCrawl(m, Options{})); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	for _, name := range FileNames() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := files()[name](io.Discard, newCrawl(m, Options{})); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReport100kSQLite renders every output of the same synthetic
// crawl from a crawl.db, as `crawlaudit crawl` and `report` do (one op = all
// files through one Memo, one at a time). The edge index and inbound counts
// are built before the timer starts: BenchmarkReport100kSQLiteFirstRead
// times them.
func BenchmarkReport100kSQLite(b *testing.B) {
	db, _ := syntheticSQLite(b, 100000)
	if err := db.EachURLInbound(func(store.URL, store.Inbound) error { return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := newCrawl(db, Options{})
		for _, name := range FileNames() {
			if err := files()[name](io.Discard, newCrawl(m, Options{})); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReport100kSQLiteFirstRead times what the first read of a
// finished crawl.db does once: sort the edges into their index and count
// them into the inbound table (one op = a fresh copy of the database).
func BenchmarkReport100kSQLiteFirstRead(b *testing.B) {
	src, srcPath := syntheticSQLite(b, 100000)
	if err := src.Close(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(srcPath)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "crawl.db")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			b.Fatal(err)
		}
		db, err := store.OpenSQLite(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := db.EachURLInbound(func(store.URL, store.Inbound) error { return nil }); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// syntheticSQLite copies newSyntheticStore's crawl of n URLs into a new
// crawl.db (closed when the benchmark ends) and returns it with its path.
func syntheticSQLite(b *testing.B, n int) (*store.SQLite, string) {
	b.Helper()
	m := newSyntheticStore(b, n)
	path := filepath.Join(b.TempDir(), "crawl.db")
	db, err := store.CreateSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	meta, err := m.Meta()
	if err == nil {
		err = db.SetMeta(meta)
	}
	if err == nil {
		err = m.EachURL(db.PutURL)
	}
	if err == nil {
		err = m.EachEdge(db.AddEdge)
	}
	var fs []store.Finding
	if err == nil {
		fs, err = m.Findings()
	}
	if err == nil {
		err = db.PutFindings(fs)
	}
	if err == nil {
		err = db.Flush()
	}
	if err != nil {
		b.Fatal(err)
	}
	return db, path
}
