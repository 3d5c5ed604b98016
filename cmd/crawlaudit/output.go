package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// checkWritable makes sure dir exists (creating it) and accepts files, so an
// unwritable --out fails before any request is sent.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".crawlaudit-check-*")
	if err != nil {
		return fmt.Errorf("--out %s: not writable: %w", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// writeOutputs writes every registered report file into dir, each
// atomically: a temp file in dir, synced, then renamed over the old one.
func writeOutputs(dir string, r store.Reader) error {
	writers := report.Writers(htmlOptions())
	for _, name := range report.FileNames() {
		if err := writeAtomic(filepath.Join(dir, name), func(w io.Writer) error { return writers[name](w, r) }); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeSummary(w io.Writer, r store.Reader) error {
	return report.WriteTable(w, r, report.TableOptions{})
}

// reportOptions are the flags of `crawlaudit report`.
type reportOptions struct {
	source string
	out    string
	quiet  bool
}

func newReportCommand(ctx context.Context, stdout, stderr io.Writer) *cobra.Command {
	o := &reportOptions{}
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
			o.source = args[0]
			return runReport(ctx, o, stdout, stderr)
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "folder to write the outputs to (default: the crawl's own folder)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print no summary table")
	return cmd
}

func runReport(_ context.Context, o *reportOptions, stdout, _ io.Writer) error {
	src, closeCrawl, err := openCrawl(o.source)
	if err != nil {
		return usagef("report: %v", err)
	}
	defer closeCrawl()
	r := report.NewMemo(src) // the outputs share one summary and budget
	out := o.out
	if out == "" {
		out = o.source
		if fi, err := os.Stat(o.source); err == nil && !fi.IsDir() {
			out = filepath.Dir(o.source)
		}
	}
	if err := checkWritable(out); err != nil {
		return usageError{err}
	}
	if err := writeOutputs(out, r); err != nil {
		return err
	}
	if !o.quiet {
		if err := writeSummary(stdout, r); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nReport written to %s\n", out)
	}
	return nil
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
