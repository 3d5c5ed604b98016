package store

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkSQLiteWritePage writes what the crawler writes per page of the
// benchmark site: 15 edges, one queued URL and one URL record. ns/op is
// the caller's cost plus the writer goroutine's (Flush at the end).
func BenchmarkSQLiteWritePage(b *testing.B) {
	s, err := CreateSQLite(filepath.Join(b.TempDir(), "crawl.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		from := "http://127.0.0.1:8080/p/" + strconv.Itoa(i)
		for k := range 15 {
			to := "http://127.0.0.1:8080/p/" + strconv.Itoa(i*15+k)
			if err := s.AddEdge(Edge{From: from, To: to, Type: EdgeLink, Tag: "a", Text: "Link to page"}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Enqueue(Queued{URL: from + "/next", Kind: KindPage, Depth: 3, Parse: "html"}); err != nil {
			b.Fatal(err)
		}
		if err := s.PutURL(URL{URL: from, Status: 200, Kind: KindPage, Method: "GET", ContentType: "text/html", Bytes: 1500, Title: "Page"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
}
