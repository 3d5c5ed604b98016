package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/crawlaudit/crawlaudit/internal/diff"
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
// Files are written two at a time (each output is one sequential pass over
// the store, and a crawl's machine has at least two cores to spare once the
// crawl is over), the largest first; r must be safe for concurrent reads
// (the stores are; a report.Memo shares their summary and budget). The
// error returned is that of the first failing file in name order.
//
// since, the comparison with a baseline crawl, adds report.html's "Since
// last crawl" section; nil leaves it out.
func writeOutputs(dir string, r store.Reader, since *diff.Diff) error {
	return writeOutputsCounted(dir, r, since, nil)
}

// writeOutputsCounted is writeOutputs, adding one to written (when not nil)
// as each file is done.
func writeOutputsCounted(dir string, r store.Reader, since *diff.Diff, written *atomic.Int64) error {
	opt := htmlOptions()
	opt.Since = since
	writers := report.Writers(opt)
	names := report.FileNames()
	// crawl.json takes longest: start it first so the other files fill the
	// second slot meanwhile.
	sort.SliceStable(names, func(i, j int) bool { return names[i] == "crawl.json" && names[j] != "crawl.json" })
	errs := make(map[string]error, len(names))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(outputWorkers)
	for _, name := range names {
		g.Go(func() error {
			err := writeAtomic(filepath.Join(dir, name), func(w io.Writer) error { return writers[name](w, r) })
			if written != nil {
				written.Add(1)
			}
			mu.Lock()
			errs[name] = err
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // the goroutines return nil; their errors are in errs
	heapProfile("outputs")
	for _, name := range report.FileNames() {
		if errs[name] != nil {
			return errs[name]
		}
	}
	return nil
}

// outputWorkers is how many output files writeOutputs writes at once.
const outputWorkers = 2

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
	source     string
	out        string
	quiet      bool
	maskParams []string
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
	cmd.Flags().StringArrayVar(&o.maskParams, "mask-param", nil, "also hide the value of this query parameter (repeatable; the names the crawl was made with are always hidden)")
	return cmd
}

func runReport(_ context.Context, o *reportOptions, stdout, stderr io.Writer) error {
	if err := addMaskParams(o.maskParams); err != nil {
		return err
	}
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
	if err := writeOutputs(out, r, crawlDiff(o.source, r, stderr)); err != nil {
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
