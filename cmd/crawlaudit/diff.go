package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// diffOptions are the flags of `crawlaudit diff`.
type diffOptions struct {
	old, new  string
	out       string
	failOnNew string
	quiet     bool
}

func newDiffCommand(stdout io.Writer) *cobra.Command {
	o := &diffOptions{}
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
			o.old, o.new = args[0], args[1]
			return runDiff(o, stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "folder to write diff.json and diff.csv to (default: NEW's folder)")
	f.StringVar(&o.failOnNew, "fail-on-new", "never", "exit 1 when a new finding reaches this severity: error, warning, notice or never")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing on stdout")
	return cmd
}

func runDiff(o *diffOptions, stdout io.Writer) error {
	var level store.Severity
	switch o.failOnNew {
	case "never":
	case "error", "warning", "notice":
		level = store.Severity(o.failOnNew)
	default:
		return usagef("--fail-on-new must be error, warning, notice or never, got %q", o.failOnNew)
	}
	old, closeOld, err := openCrawl(o.old)
	if err != nil {
		return err
	}
	defer closeOld()
	cur, closeNew, err := openCrawl(o.new)
	if err != nil {
		return err
	}
	defer closeNew()
	d, err := diff.Compute(old, cur, diff.Config{URLKey: urlx.Mask})
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = o.new
		if fi, err := os.Stat(out); err == nil && !fi.IsDir() {
			out = filepath.Dir(out)
		}
	}
	if err := checkWritable(out); err != nil {
		return usageError{err}
	}
	if err := writeAtomic(filepath.Join(out, "diff.json"), func(w io.Writer) error { return report.WriteDiffJSON(w, d) }); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(out, "diff.csv"), func(w io.Writer) error { return report.WriteDiffCSV(w, d) }); err != nil {
		return err
	}
	if !o.quiet {
		if err := report.WriteDiffTable(stdout, d, 0); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nDiff written to %s\n", out)
	}
	if level != "" {
		for _, f := range d.NewFindings {
			if f.Severity.Rank() >= level.Rank() {
				return errFailLevel
			}
		}
	}
	return nil
}
