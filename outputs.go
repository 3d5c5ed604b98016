package crawlaudit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/crawlaudit/crawlaudit/report"
)

// checkWritable makes sure dir exists (creating it) and accepts files, so an
// unwritable output folder fails before any request is sent.
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

// outputWorkers is how many output files writeOutputs writes at once.
const outputWorkers = 2

// writeOutputs writes every output file of report's registry that the run
// writes into dir, each atomically (a temp file in dir, synced, then
// renamed over the old one), and removes those it does not write (a diff
// left by an earlier run would describe another crawl). Files are written
// two at a time (each output is one sequential pass over the store, and a
// crawl's machine has at least two cores to spare once the crawl is over),
// the largest first. The error returned is that of the first failing file
// in name order. p, when not nil, counts the files written.
func writeOutputs(dir string, rc *report.Crawl, p *Progress) error {
	var formats []report.Format
	for _, f := range report.Formats() {
		if f.Writes(rc) {
			formats = append(formats, f)
			continue
		}
		if err := os.Remove(filepath.Join(dir, f.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", f.Name, unwrapPath(err))
		}
	}
	if p != nil {
		p.files.Store(int64(len(formats)))
	}
	// crawl.json takes longest: start it first so the other files fill the
	// second slot meanwhile.
	order := append([]report.Format(nil), formats...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Name == "crawl.json" && order[j].Name != "crawl.json" })
	errs := make(map[string]error, len(order))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(outputWorkers)
	for _, f := range order {
		g.Go(func() error {
			err := writeAtomic(filepath.Join(dir, f.Name), func(w io.Writer) error { return f.Write(w, rc) })
			if p != nil {
				p.written.Add(1)
			}
			mu.Lock()
			errs[f.Name] = err
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // the goroutines return nil; their errors are in errs
	for _, f := range formats {
		if errs[f.Name] != nil {
			return errs[f.Name]
		}
	}
	return nil
}

// writeAtomic writes path through write: into a temp file beside it,
// synced, then renamed over it, so a reader never sees half a file.
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
