package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
)

// errImportantLost is returned when a proposed robots.txt would lose an
// important page: exit 1, so the check can gate a robots.txt change.
var errImportantLost = errors.New("the robots.txt would lose important pages")

func newRobotsTestCommand(ctx context.Context, stdout io.Writer) *cobra.Command {
	o := crawlaudit.RobotsTestOptions{}
	var quiet bool
	cmd := &cobra.Command{
		Use:   "robots-test --robots FILE DIR",
		Short: "Replay a finished crawl against a proposed robots.txt: what it blocks, important pages lost, dead ends",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("robots-test takes one crawl output folder (holding crawl.db), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.Dir = args[0]
			var sc screen
			o.Terminal = sc.terminal(stdout)
			res, err := crawlaudit.RobotsTest(ctx, o)
			if err != nil {
				return usagef("robots-test: %v", err)
			}
			if !quiet {
				fmt.Fprint(stdout, res.Summary())
			}
			if res.Dangerous() {
				return errImportantLost
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Robots, "robots", "", "the proposed robots.txt file (required)")
	f.StringVar(&o.Agent, "agent", crawlaudit.DefaultRobotsTestAgent, "the crawler whose User-agent group of the file applies")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing on stdout; the exit code says it all")
	return cmd
}
