package logs

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// benchLog is n combined lines, a quarter from crawlers, over paths
// distinct URLs.
func benchLog(n, paths int) []byte {
	var b bytes.Buffer
	uas := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
	for i := range n {
		fmt.Fprintf(&b, "66.249.66.%d - - [29/Mar/2026:09:15:%02d +0200] \"GET /blog/post-%d?page=%d HTTP/1.1\" 200 %d \"-\" \"%s\"\n",
			i%200, i%60, (i*7919)%paths, i%3, 1000+i%5000, uas[i%4])
	}
	return b.Bytes()
}

// BenchmarkAggregate measures streaming a combined log: b.N lines.
func BenchmarkAggregate(b *testing.B) {
	log := benchLog(200_000, 50_000)
	f, _ := ParseFormat("combined", nil)
	b.SetBytes(int64(len(log)))
	b.ResetTimer()
	for range b.N {
		a, _ := NewAggregator(Config{Format: f, Site: "https://example.com"})
		if err := a.Read(context.Background(), bytes.NewReader(log), "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(200_000*b.N)/b.Elapsed().Seconds(), "lines/s")
}
