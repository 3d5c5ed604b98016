package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/diff"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// crawlDiff reads back the diff.json that a crawl with a baseline (or
// `crawlaudit diff`) left next to the crawl at source, so that `crawlaudit
// report` regenerates report.html with its "Since last crawl" section. It
// returns nil when there is none, and, with a warning on stderr, when the
// file cannot be read or belongs to another crawl of the folder (its "new"
// side started at another time): a stale comparison would mislead.
func crawlDiff(source string, r store.Reader, stderr io.Writer) *diff.Diff {
	dir := source
	if fi, err := os.Stat(source); err == nil && !fi.IsDir() {
		dir = filepath.Dir(source)
	}
	path := filepath.Join(dir, "diff.json")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "crawlaudit: warning: %s: %v; report.html has no \"Since last crawl\" section\n", path, unwrapPath(err))
		return nil
	}
	defer f.Close()
	d, err := report.ReadDiffJSON(bufio.NewReader(f))
	if err != nil {
		fmt.Fprintf(stderr, "crawlaudit: warning: %s: %s; report.html has no \"Since last crawl\" section\n", path, firstLine(err))
		return nil
	}
	meta, err := r.Meta()
	if err != nil || !d.New.StartedAt.Equal(meta.StartedAt.UTC().Truncate(time.Second)) {
		fmt.Fprintf(stderr, "crawlaudit: warning: %s compares another crawl than this one; report.html has no \"Since last crawl\" section\n", path)
		return nil
	}
	return &d
}
