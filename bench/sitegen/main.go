// Command sitegen serves the benchmark's deterministic synthetic site
// (package bench/synth) on loopback for bench/run.sh.
//
// Usage: sitegen -pages 100000 [-addr 127.0.0.1:0]. It prints its base URL
// on stdout once listening and serves until killed.
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
	s := synth.New(*pages)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "sitegen:", err)
		os.Exit(1)
	}
}
