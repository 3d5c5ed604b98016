package main

import (
	"bufio"

	"os"
	"path/filepath"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// openCrawl opens a finished crawl for reading: a crawl output folder or a
// crawl.json path. It is the one place that knows how a finished crawl is
// stored, so diff, --baseline and --history read crawls only through it.
// Errors are one-line usage errors naming the path. The caller must call
// close when done.
//
// Today it loads crawl.json, which keeps every URL record with its status,
// kind and referrers, the findings, the crawl metadata and the summary
// (link edges come back as the referrers of each URL).
func openCrawl(path string) (r store.Reader, close func() error, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, usagef("crawl %s: %v", path, unwrapPath(err))
	}
	if fi.IsDir() {
		path = filepath.Join(path, "crawl.json")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, usagef("crawl %s: %v", path, unwrapPath(err))
	}
	defer f.Close()
	st, err := report.ReadJSON(bufio.NewReader(f))
	if err != nil {
		return nil, nil, usagef("crawl %s is not a crawlaudit crawl.json: %v", path, firstLine(err))
	}
	return st, st.Close, nil
}

// crawlExists says whether path holds a finished crawl openCrawl can read.
func crawlExists(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		_, err = os.Stat(filepath.Join(path, "crawl.json"))
		return err == nil
	}
	return true
}
