package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
	"github.com/crawlaudit/crawlaudit/internal/testsite"
)

func newDemoCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	o := &crawlOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Serve the bundled demo site on loopback, audit it and write the report",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("demo takes no arguments")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, _ []string) error {
			return withSignal(runDemo(ctx, o, stdout, stderr), sig)
		},
	}
	o.register(cmd)
	// The demo site has every problem planted on purpose: by default the
	// demo succeeds when it ran, whatever it found.
	ff := cmd.Flags().Lookup("fail-on")
	ff.DefValue = "never"
	_ = ff.Value.Set("never")
	return cmd
}

// runDemo serves the bundled demo site and a second "external" site on
// loopback ports, crawls the demo site with o's settings and writes the
// report.
func runDemo(ctx context.Context, o *crawlOptions, stdout, stderr io.Writer) error {
	d, err := testsite.StartDemo(crawlaudit.Sites, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	srv, extSrv := d.Site, d.External
	o.start = srv.URL + "/"
	if !o.quiet {
		fmt.Fprintf(stdout, "Demo site served at %s (external links at %s)\n\n", srv.URL, extSrv.URL)
	}
	return runCrawl(ctx, o, stdout, stderr)
}
