package demo

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

// DefaultPort is the demo site's port when `crawlaudit demo --serve` is
// given none; the external site takes the next one.
const DefaultPort = 8089

// BrokenPath is the page the broken variant breaks: "Visit us", linked from
// the footer of every layout page, answers 404 Not Found there instead of
// 200. A crawl of the demo and a crawl of the broken variant on the same
// ports, compared with --baseline, show one regression (200 → 404) and new
// findings on it (a broken link, a sitemap URL that is not indexable).
const BrokenPath = "/visit.html"

// brokenBody is the body of BrokenPath in the broken variant.
const brokenBody = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\n" +
	"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n"

// Config says how Listen serves the demo.
type Config struct {
	// Port is the demo site's port on 127.0.0.1; the external site gets
	// Port+1. The demo's URLs depend on nothing else, so two runs on one
	// Port serve the same URLs (a crawl of one is a baseline for a crawl of
	// the other). 0 picks two free adjacent ports, which a later Listen can
	// be given again. Valid values are 0–65534.
	Port int
	// Broken serves the broken variant (see BrokenPath).
	Broken bool
}

// Listen serves the demo site on 127.0.0.1:cfg.Port and its external origin
// on the next port, never on any other interface. It fails when a port is
// taken. The caller must Close the returned Demo; Close waits for requests
// in progress.
func Listen(cfg Config) (*Demo, error) {
	if cfg.Port < 0 || cfg.Port > 65534 {
		return nil, fmt.Errorf("demo: port %d: want 0 (free ports) or 1–65534 (the external site takes the next port)", cfg.Port)
	}
	site, ext, err := load(cfg.Broken)
	if err != nil {
		return nil, err
	}
	siteLn, extLn, err := listenPair(cfg.Port)
	if err != nil {
		return nil, err
	}
	d := &Demo{External: serveOn(extLn, ext.Handler(nil))}
	d.Site = serveOn(siteLn, site.Handler(map[string]string{"EXTERNAL": d.External.URL}))
	return d, nil
}

// load reads the demo site (its broken variant when broken) and the
// external site.
func load(broken bool) (site, ext *testsite.Site, err error) {
	if ext, err = testsite.Load(Sites, "sites/external"); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	if site, err = testsite.Load(Sites, "sites/demo"); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	if broken {
		if site, err = site.With(testsite.Route{Path: BrokenPath, Status: http.StatusNotFound, Body: brokenBody}); err != nil {
			return nil, nil, fmt.Errorf("demo: %w", err)
		}
	}
	return site, ext, nil
}

// pairTries is how many free ports listenPair tries for one whose next
// port is free too.
const pairTries = 50

// listenPair listens on 127.0.0.1:port and 127.0.0.1:port+1, or with port
// 0 on a free port whose next port is free too.
func listenPair(port int) (net.Listener, net.Listener, error) {
	if port != 0 {
		return listenAt(port)
	}
	for range pairTries {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("demo: listen on 127.0.0.1: %w", err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		if p >= 65535 {
			ln.Close()
			continue
		}
		next, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p+1))
		if err == nil {
			return ln, next, nil
		}
		ln.Close()
	}
	return nil, nil, errors.New("demo: found no two free adjacent ports on 127.0.0.1")
}

// listenAt listens on 127.0.0.1:port and the next port.
func listenAt(port int) (net.Listener, net.Listener, error) {
	var lns []net.Listener
	for _, p := range []int{port, port + 1} {
		ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, nil, fmt.Errorf("demo: listen on 127.0.0.1:%d: %w", p, err)
		}
		lns = append(lns, ln)
	}
	return lns[0], lns[1], nil
}

// serveOn serves h on ln, as testsite.Start does on its own listener.
func serveOn(ln net.Listener, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close() // unused: replaced by ln, which is surely loopback
	srv.Listener = ln
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	return srv
}
