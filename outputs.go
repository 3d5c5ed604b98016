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

// missingDirs returns dir and those of its parents that do not exist,
// dir first: the folders checkWritable is about to create.
func missingDirs(dir string) []string {
	var out []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, os.ErrNotExist) {
			return out
		}
		out = append(out, d)
		if filepath.Dir(d) == d {
			return out
		}
	}
}

// discardCrawl removes the crawl database of a crawl that never started
// from dir (crawl.db and its -wal and -shm files), then the folders of
// created, dir first, as long as they are empty: what the run created,
// never anything that was there before it.
func discardCrawl(dir string, created []string) {
	db := filepath.Join(dir, DBName)
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		_ = os.Remove(p)
	}
	for _, d := range created {
		if os.Remove(d) != nil { // not empty (or gone): so are its parents
			return
		}
	}
}

// previousDB is the crawl database of an earlier crawl in the output
// folder, set aside (renamed, with its -wal and -shm files) while a new
// crawl starts: a crawl whose start URL cannot be reached puts it back, so
// the folder still holds the earlier crawl whole; any other outcome drops
// it. A run killed in between leaves it as crawl.db.previous, which the
// next crawl replaces.
type previousDB struct{ dir string }

const previousSuffix = ".previous"

// setAsidePrevious renames dir's crawl.db (if any) to crawl.db.previous;
// nil when there is none.
func setAsidePrevious(dir string) (*previousDB, error) {
	db := filepath.Join(dir, DBName)
	if _, err := os.Lstat(db); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	for _, sfx := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(db + previousSuffix + sfx)
	}
	for _, sfx := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(db+sfx, db+previousSuffix+sfx); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--out %s: set the previous %s aside: %w", dir, DBName, unwrapPath(err))
		}
	}
	return &previousDB{dir: dir}, nil
}

// restore puts the previous crawl database back in place.
func (p *previousDB) restore() {
	if p == nil {
		return
	}
	db := filepath.Join(p.dir, DBName)
	for _, sfx := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(db + sfx)
		_ = os.Rename(db+previousSuffix+sfx, db+sfx)
	}
}

// drop deletes the previous crawl database: the new crawl replaced it.
func (p *previousDB) drop() {
	if p == nil {
		return
	}
	db := filepath.Join(p.dir, DBName)
	for _, sfx := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(db + previousSuffix + sfx)
	}
}

// outputWorkers is how many output files writeOutputs writes at once.
const outputWorkers = 2

// writeOutputs writes every output file of report's registry that the run
// writes into dir, as one set: the files are written into a temporary
// folder inside dir first (the same file system, so moving is a rename),
// and only when every one of them is written do they replace the previous
// set, files the run does not write (a diff left by an earlier run would
// describe another crawl) going with it. When a file cannot be written
// (a full disk), the previous set stays as it was, whole, and the error
// says where the new files that were written are: dir never holds a mix of
// two runs' outputs.
//
// Files are written two at a time (each output is one sequential pass over
// the store, and a crawl's machine has at least two cores to spare once
// the crawl is over), the largest first. The error is that of the first
// failing file in name order. p, when not nil, counts the files written.
// csvBOM starts every CSV file with a UTF-8 byte order mark
// (Options.CSVBOM).
func writeOutputs(dir string, rc *report.Crawl, p *Progress, csvBOM bool) error {
	return writeOutputsThen(dir, rc, p, csvBOM, nil)
}

// writeOutputsThen is writeOutputs that calls commit, when not nil, once
// every file is written and before they replace the folder's: what must
// change with the outputs (the log tables of crawl.db) changes before
// they do, and when commit fails the previous outputs stay.
func writeOutputsThen(dir string, rc *report.Crawl, p *Progress, csvBOM bool, commit func() error) error {
	var formats []report.Format
	for _, f := range report.Formats() {
		if f.Writes(rc) {
			formats = append(formats, f)
		}
	}
	if p != nil {
		p.files.Store(int64(len(formats)))
	}
	tmp, err := os.MkdirTemp(dir, ".crawlaudit-new-")
	if err != nil {
		return fmt.Errorf("write outputs: %w", unwrapPath(err))
	}
	if err := writeSet(tmp, rc, formats, p, csvBOM); err != nil {
		return fmt.Errorf("%w (the previous outputs in %s are untouched; the files of this run written so far are in %s)", err, dir, tmp)
	}
	if commit != nil {
		if err := commit(); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("%w (the previous outputs in %s are untouched)", err, dir)
		}
	}
	if err := replaceSet(dir, tmp); err != nil {
		return err
	}
	return os.Remove(tmp)
}

// writeSet writes formats into dir, outputWorkers at a time, the largest
// first; each file is synced. csvBOM puts report.BOM before each CSV file.
func writeSet(dir string, rc *report.Crawl, formats []report.Format, p *Progress, csvBOM bool) error {
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
			err := writeFile(filepath.Join(dir, f.Name), func(w io.Writer) error {
				if csvBOM && f.CSV {
					if _, err := io.WriteString(w, report.BOM); err != nil {
						return err
					}
				}
				return f.Write(w, rc)
			})
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

// csvBOMIn reports whether the outputs in dir start their CSV files with a
// byte order mark (urls.csv, which every run writes, does): Report rewrites
// a crawl's files the way they were written.
func csvBOMIn(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "urls.csv"))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(report.BOM))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == report.BOM
}

// replaceSet moves the files of tmp into dir in place of the output files
// of the previous run (every name of the registry): the previous ones are
// moved aside first and restored if a move fails, so dir holds one run's
// outputs or the other's.
func replaceSet(dir, tmp string) error {
	old, err := os.MkdirTemp(dir, ".crawlaudit-old-")
	if err != nil {
		return fmt.Errorf("write outputs: %w", unwrapPath(err))
	}
	var aside, moved []string
	undo := func(cause error) error {
		for _, name := range moved {
			_ = os.Rename(filepath.Join(dir, name), filepath.Join(tmp, name))
		}
		for _, name := range aside {
			_ = os.Rename(filepath.Join(old, name), filepath.Join(dir, name))
		}
		_ = os.Remove(old)
		return fmt.Errorf("write outputs: %w (the previous outputs are back in %s; this run's are in %s)", cause, dir, tmp)
	}
	for _, name := range report.FileNames() {
		err := os.Rename(filepath.Join(dir, name), filepath.Join(old, name))
		switch {
		case err == nil:
			aside = append(aside, name)
		case !errors.Is(err, os.ErrNotExist):
			return undo(unwrapPath(err))
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return undo(unwrapPath(err))
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return undo(unwrapPath(err))
		}
		moved = append(moved, e.Name())
	}
	return os.RemoveAll(old)
}

// writeFile writes path through write, buffered, and syncs it.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), unwrapPath(err))
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", filepath.Base(path), cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
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
