// Command loggen writes a synthetic access log in the combined format, like
// a large site's: many distinct paths with query variants, search-engine
// and AI crawlers (real and fake), mobile and desktop visitors, and a
// realistic status mix. It is deterministic for a given seed.
//
//	loggen -lines 2000000 -paths 200000 > access.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

var (
	desktop = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
	}
	mobile = []string{
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	}
	bots = []struct{ ua, ipPrefix string }{
		{"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66."},
		{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36", "66.249.64."},
		{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", "157.55.39."},
		{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "20.15.240."},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "203.0.113."}, // fake
	}
	queries  = []string{"?page=2", "?sort=price", "?utm_source=newsletter", "?page=3&sort=price"}
	sections = []string{"blog", "shop", "products", "news", "members", "account", "search", "tag", "docs", "help"}
)

func main() {
	lines := flag.Int("lines", 2_000_000, "lines to write")
	paths := flag.Int("paths", 200_000, "distinct paths")
	botShare := flag.Float64("bots", 0.25, "share of crawler lines")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 2))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	t := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("", 3600))
	step := 30 * 24 * time.Hour / time.Duration(*lines)
	for i := 0; i < *lines; i++ {
		t = t.Add(step)
		p := r.IntN(*paths)
		sec := sections[p%len(sections)]
		path := fmt.Sprintf("/%s/%d/item-%d.html", sec, p%97, p)
		if q := r.IntN(10); q < 3 {
			// a few query variants per path, as listings and campaigns make
			path += queries[r.IntN(len(queries))]
		}
		status, size := 200, 2000+r.IntN(50000)
		switch x := r.IntN(100); {
		case x < 90:
		case x < 93:
			status, size = 301, 0
		case x < 94:
			status, size = 401, 312
		case x < 95:
			status, size = 403, 199
		case x < 99:
			status, size = 404, 153
		default:
			status, size = 503, 0
		}
		var ip, ua string
		if r.Float64() < *botShare {
			b := bots[r.IntN(len(bots))]
			ip, ua = fmt.Sprintf("%s%d", b.ipPrefix, r.IntN(30)), b.ua
		} else if r.IntN(2) == 0 {
			ip, ua = fmt.Sprintf("198.51.%d.%d", r.IntN(256), r.IntN(256)), mobile[r.IntN(len(mobile))]
		} else {
			ip, ua = fmt.Sprintf("2001:db8:%x::%x", r.IntN(65536), r.IntN(65536)), desktop[r.IntN(len(desktop))]
		}
		ref := "-"
		if r.IntN(3) == 0 {
			ref = "https://www.example.com/" + sec + "/"
		}
		fmt.Fprintf(w, "%s - - [%s] \"GET %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", ip, t.Format("02/Jan/2006:15:04:05 -0700"), path, status, size, ref, ua)
	}
}
