package render

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchSite is a small synthetic single-page app: every /p/N is the same
// shell, whose script fetches /api/N and renders ten links from it.
func benchSite(b *testing.B) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Loading</title><link rel="stylesheet" href="/app.css"></head>
<body><div id="root"></div><script src="/app.js"></script></body></html>`)
	})
	mux.HandleFunc("/app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `body { font: 16px sans-serif }`)
	})
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `fetch("/api" + location.pathname.slice(2)).then(r => r.json()).then(d => {
  document.title = d.title;
  const root = document.getElementById("root");
  for (const l of d.links) { const a = document.createElement("a"); a.href = l; a.textContent = l; root.appendChild(a); }
});`)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		n := strings.TrimPrefix(r.URL.Path, "/api/")
		var links []string
		for i := range 10 {
			links = append(links, fmt.Sprintf(`"/p/%s%d"`, n, i))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"title":"Page %s","links":[%s]}`, n, strings.Join(links, ","))
	})
	s := httptest.NewServer(mux)
	b.Cleanup(s.Close)
	return s
}

// BenchmarkRender renders the synthetic app's pages at concurrency 1, 2
// and 4, with the default budgets (the 500 ms quiet period of the idle wait
// is most of a page's time), and reports pages per second and the
// browser's memory after the run.
func BenchmarkRender(b *testing.B) {
	requireBrowser(b)
	site := benchSite(b)
	for _, c := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			p, err := New(context.Background(), Config{Concurrency: c})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			ctx := context.Background()
			var next, failed atomic.Int64
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range c {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						res, err := p.Render(ctx, Page{URL: fmt.Sprintf("%s/p/%d", site.URL, i)})
						if err != nil || res.ErrorKind != KindNone || len(res.Links) != 10 {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Errorf("%d of %d pages did not render", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pages/s")
			b.ReportMetric(float64(p.Memory())/(1<<20), "MiB")
		})
	}
}
