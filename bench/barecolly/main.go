// Command barecolly is the benchmark's baseline: the plainest reasonable
// colly v2 crawler of one site. It follows a[href], requests img[src],
// script[src] and link[href] with GET, keeps its own visited set (so it
// never hands colly a URL twice) and bounds its frontier with colly's
// queue (a fixed number of worker threads). It records nothing but a count
// of statuses, which it prints at the end.
//
// Usage: barecolly -concurrency 16 http://127.0.0.1:PORT/
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"

	"github.com/gocolly/colly/v2"
	"github.com/gocolly/colly/v2/queue"
)

func main() {
	conc := flag.Int("concurrency", 16, "requests in flight")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: barecolly [-concurrency N] URL")
		os.Exit(2)
	}
	start, err := url.Parse(flag.Arg(0))
	if err != nil || start.Host == "" {
		fmt.Fprintln(os.Stderr, "barecolly: bad start URL")
		os.Exit(2)
	}
	c := colly.NewCollector(colly.AllowedDomains(start.Hostname()), colly.ParseHTTPErrorResponse(), colly.AllowURLRevisit())
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 2 * *conc
	c.WithTransport(t)
	q, err := queue.New(*conc, &queue.InMemoryQueueStorage{MaxSize: 1 << 30})
	if err != nil {
		fmt.Fprintln(os.Stderr, "barecolly:", err)
		os.Exit(1)
	}
	var (
		mu       sync.Mutex
		seen     = map[string]bool{}
		statuses = map[int]int{}
		errors   int
	)
	add := func(e *colly.HTMLElement, attr string) {
		u, err := e.Request.URL.Parse(e.Attr(attr))
		if err != nil || u.Host != start.Host {
			return
		}
		u.Fragment = ""
		s := u.String()
		mu.Lock()
		isNew := !seen[s]
		seen[s] = true
		mu.Unlock()
		if isNew {
			q.AddURL(s)
		}
	}
	c.OnHTML("a[href]", func(e *colly.HTMLElement) { add(e, "href") })
	c.OnHTML("link[href]", func(e *colly.HTMLElement) { add(e, "href") })
	c.OnHTML("img[src], script[src]", func(e *colly.HTMLElement) { add(e, "src") })
	c.OnResponse(func(r *colly.Response) {
		mu.Lock()
		statuses[r.StatusCode]++
		mu.Unlock()
	})
	c.OnError(func(r *colly.Response, err error) {
		mu.Lock()
		if r.StatusCode == 0 {
			errors++
		}
		mu.Unlock()
	})
	seen[start.String()] = true
	q.AddURL(start.String())
	if err := q.Run(c); err != nil {
		fmt.Fprintln(os.Stderr, "barecolly:", err)
		os.Exit(1)
	}
	total := errors
	codes := make([]int, 0, len(statuses))
	for s, n := range statuses {
		codes = append(codes, s)
		total += n
	}
	sort.Ints(codes)
	fmt.Printf("urls %d", total)
	for _, s := range codes {
		fmt.Printf(" %d:%d", s, statuses[s])
	}
	fmt.Printf(" errors:%d\n", errors)
}
