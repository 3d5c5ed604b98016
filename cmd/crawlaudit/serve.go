package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/internal/demo"
)

// demoOptions are the flags of demo about the demo site itself: serve it
// only (--serve), on which port (--port), and which variant (--break).
type demoOptions struct {
	serve     bool
	port      int
	broken    bool
	portGiven bool // --port was given (without --serve, free ports unless it is)
}

func (d *demoOptions) bind(f *pflag.FlagSet) {
	f.BoolVar(&d.serve, "serve", false, "only serve the demo site and its external site on 127.0.0.1 until Ctrl-C, and print how to crawl them yourself")
	f.IntVar(&d.port, "port", d.port, "the demo site's port on 127.0.0.1 (the external site takes the next one; 0 picks free ports); without --serve, free ports unless given")
	f.BoolVar(&d.broken, "break", false, "serve the broken variant, where "+demo.BrokenPath+" answers 404: crawl it with --baseline to see a regression")
}

// serveFlags are the flags demo --serve takes: it crawls nothing, so the
// crawl's settings and output flags do not apply.
var serveFlags = map[string]bool{"serve": true, "port": true, "break": true}

// check checks the demo flags given in f.
func (d *demoOptions) check(f *pflag.FlagSet) error {
	d.portGiven = f.Changed("port")
	if d.port < 0 || d.port > 65534 {
		return usagef("--port must be between 0 and 65534 (the external site takes the next port), got %d", d.port)
	}
	if !d.serve {
		return nil
	}
	var other []string
	f.Visit(func(fl *pflag.Flag) {
		if !serveFlags[fl.Name] {
			other = append(other, "--"+fl.Name)
		}
	})
	if len(other) > 0 {
		sort.Strings(other)
		verb := "is"
		if len(other) > 1 {
			verb = "are"
		}
		return usagef("demo --serve only serves the site: %s %s for a crawl of it (crawlaudit crawl URL %s …)", strings.Join(other, ", "), verb, other[0])
	}
	return nil
}

// start serves the demo: on --port (and the next port) with --serve or
// when --port is given, else on free ports.
func (d *demoOptions) start() (*demo.Demo, error) {
	port := 0
	if d.serve || d.portGiven {
		port = d.port
	}
	dm, err := demo.Listen(demo.Config{Port: port, Broken: d.broken})
	if err != nil {
		return nil, usagef("%v: give another --port, or --port 0 for free ones", err)
	}
	return dm, nil
}

// serveDemo runs `crawlaudit demo --serve`: it serves the demo until ctx
// ends (Ctrl-C), printing the URLs and a walk-through of a crawl, a crawl
// against that baseline, and a crawl of the broken variant that shows a
// regression. Stopping it is its normal end: it returns nil.
func serveDemo(ctx context.Context, d *demoOptions, stdout io.Writer, sig *signals) error {
	dm, err := d.start()
	if err != nil {
		return err
	}
	defer dm.Close()
	sig.onSignal("stopping the demo servers")
	u, err := url.Parse(dm.Site.URL)
	if err != nil {
		return err
	}
	printWalkthrough(stdout, dm.Site.URL+"/", dm.External.URL+"/", u.Port(), d.broken)
	<-ctx.Done()
	return nil
}

// printWalkthrough prints the served URLs and what to try with them.
func printWalkthrough(w io.Writer, site, external, port string, broken bool) {
	variant := "the demo site"
	if broken {
		variant = "the broken variant (" + demo.BrokenPath + " answers 404 instead of 200)"
	}
	fmt.Fprintf(w, "Serving %s on 127.0.0.1 until Ctrl-C:\n", variant)
	fmt.Fprintf(w, "  demo site      %s\n  external site  %s (the other origin it links to)\n\n", site, external)
	if broken {
		fmt.Fprintf(w, `Compare it with a crawl of the demo site on the same port (see crawlaudit demo --serve --port %[2]s):

  crawlaudit crawl %[1]s --out after --baseline before --fail-on-new error

It prints the regression (%[3]s 200 → 404) and the new findings, writes
after/diff.csv and after/diff.json, and exits 1: a new error-level finding.
`, site, port, demo.BrokenPath)
		return
	}
	fmt.Fprintf(w, `Try this from another terminal:

  crawlaudit crawl %[1]s --out before --fail-on never
  crawlaudit crawl %[1]s --out again --baseline before --fail-on-new error

The second crawl finds nothing new and exits 0. Then stop this server
(Ctrl-C), serve the broken variant on the same port, and crawl once more:

  crawlaudit demo --serve --break --port %[2]s
  crawlaudit crawl %[1]s --out after --baseline before --fail-on-new error

It prints the regression (%[3]s 200 → 404) and the new findings, writes
after/diff.csv and after/diff.json, and exits 1: a new error-level finding.
`, site, port, demo.BrokenPath)
}

// demoInterrupted drops the resume hint from an interrupted demo: its site
// is gone with the process (run the demo again instead).
func demoInterrupted(err error) error {
	var ie interruptedError
	if errors.As(err, &ie) {
		ie.noResume = true
		return ie
	}
	return err
}
