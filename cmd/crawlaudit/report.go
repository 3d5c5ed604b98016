package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit"
)

func newReportCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	o := crawlaudit.ReportOptions{}
	var quiet bool
	var sc screen
	cmd := &cobra.Command{
		Use:   "report DIR|crawl.json",
		Short: "Regenerate every output from a finished crawl without crawling again",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("report takes one crawl output folder or crawl.json path")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if err := sc.check(); err != nil {
				return err
			}
			o.Source = args[0]
			o.Terminal = sc.terminal(stdout)
			o.Warn = func(msg string) { fmt.Fprintln(stderr, "crawlaudit: warning:", crawlaudit.TerminalSafe(msg)) }
			res, err := crawlaudit.Report(ctx, o)
			if err != nil {
				return usagef("report: %v", err)
			}
			if !quiet {
				fmt.Fprint(stdout, res.Summary())
				reportLine(stdout, res.Out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "folder to write the outputs to (default: the crawl's own folder)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print no summary table")
	sc.bind(f)
	f.StringArrayVar(&o.MaskParams, "mask-param", nil, "also hide the value of this query parameter (repeatable; the names the crawl was made with are always hidden)")
	return cmd
}

func newDiffCommand(ctx context.Context, stdout io.Writer) *cobra.Command {
	o := crawlaudit.CompareOptions{}
	var quiet bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two finished crawls: new and resolved findings, status changes with regressions first",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("diff takes two crawls (output folders or crawl.json paths), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.Old, o.New = args[0], args[1]
			var sc screen
			o.Terminal = sc.terminal(stdout)
			c, err := crawlaudit.Compare(ctx, o)
			if err != nil {
				return usageError{err}
			}
			if !quiet {
				fmt.Fprint(stdout, c.Summary())
				fmt.Fprintf(stdout, "\nDiff written to %s\n", c.Out)
			}
			if c.Failed {
				return errFailLevel
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "folder to write diff.json and diff.csv to (default: NEW's folder)")
	f.StringVar(&o.FailOnNew, "fail-on-new", crawlaudit.LevelNever, "exit 1 when a new finding reaches this severity: error, warning, notice or never")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing on stdout")
	return cmd
}

func newConfigCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with crawlaudit.yaml",
	}
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a configuration file (default ./crawlaudit.yaml) without crawling",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("config check takes at most one file")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			file := crawlaudit.DefaultConfigFile
			if len(args) == 1 {
				file = args[0]
			}
			return runConfigCheck(file, stdout)
		},
	}
	cmd.AddCommand(check)
	return cmd
}

// runConfigCheck reads and checks the file exactly as `crawl --config`
// would, and lists its sites.
func runConfigCheck(file string, stdout io.Writer) error {
	cfg, err := readConfig(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: OK, %d site(s)\n", file, len(cfg.Sites))
	for _, s := range cfg.Sites {
		name := s.Name
		if name == "" {
			name = "(single site)"
		}
		fmt.Fprintf(stdout, "  %s: %s → %s\n", name, s.Masked(s.Start), s.Out)
	}
	return nil
}
