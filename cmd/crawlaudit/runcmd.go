package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit"
)

// newRunCommand returns `crawlaudit run`, the scheduled job: every site of
// a configuration file, the one --config names or ./crawlaudit.yaml. It is
// `crawl --config FILE` without a URL, with the file found by default;
// crawl itself reads no file it was not given.
func newRunCommand(ctx context.Context, stdout, stderr io.Writer, sig *signals) *cobra.Command {
	o := newOptions()
	c := &cliOptions{}
	cmd := &cobra.Command{
		Use:   "run [--config FILE]",
		Short: "Run the scheduled job: crawl every site of crawlaudit.yaml (or --config FILE), compare, file, notify",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("run takes no arguments, got %d: it crawls every site of the configuration file (crawl URL --config FILE crawls one)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withSignal(runRunCommand(ctx, cmd.Flags(), c, stdout, stderr), sig)
		},
	}
	f := cmd.Flags()
	bindFlags(f, &o)
	c.bind(f)
	f.StringVar(&c.config, "config", crawlaudit.DefaultConfigFile, "crawlaudit.yaml to read the sites and settings from")
	c.bindJob(f)
	return cmd
}

// runRunCommand runs `crawlaudit run`: the sites of c.config, flags given
// on the command line over the file's settings.
func runRunCommand(ctx context.Context, given *pflag.FlagSet, c *cliOptions, stdout, stderr io.Writer) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := crawlaudit.CheckParallelSites(c.parallelSites); err != nil {
		return usageError{err}
	}
	if !given.Changed("config") {
		if _, err := os.Stat(c.config); errors.Is(err, os.ErrNotExist) {
			return usagef("run: no ./%s here: usage: crawlaudit run [--config FILE] [flags] (crawlaudit crawl URL crawls one site without a file)", c.config)
		}
	}
	return runConfig(ctx, given, c.config, nil, c, stdout, stderr)
}
