// Command sitegen serves the benchmark's deterministic synthetic site
// (package bench/synth) on loopback for bench/run.sh.
//
// Usage: sitegen -pages 100000 [-addr 127.0.0.1:0] [-latency 50ms]. It
// prints its base URL on stdout once listening and serves until killed.
// With -latency every response waits that long (on a timer, no CPU) before
// it is written, as a server far away would (bench/workers.sh).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/crawlaudit/crawlaudit/bench/synth"
)

func main() {
	pages := flag.Int("pages", 10000, "number of pages")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	latency := flag.Duration("latency", 0, "delay every response by this long before writing it (a far-away server)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || (host != "127.0.0.1" && host != "::1" && host != "localhost") {
		fmt.Fprintln(os.Stderr, "sitegen: -addr must be a loopback address")
		os.Exit(2)
	}
	if *pages < 10 {
		fmt.Fprintln(os.Stderr, "sitegen: -pages must be at least 10")
		os.Exit(2)
	}
	if *latency < 0 {
		fmt.Fprintln(os.Stderr, "sitegen: -latency must not be negative")
		os.Exit(2)
	}
	s := synth.New(*pages)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: delayed(s, *latency), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
}

// delayed returns h behind a wait of d per request: a timer, so a waiting
// request costs no CPU; a request whose client gave up is dropped.
func delayed(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}
