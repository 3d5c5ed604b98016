package main

import (
	"bufio"
	"os"
	"path/filepath"

	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// openCrawl opens a finished (or interrupted) crawl for reading: a crawl
// output folder, its crawl.db, or a crawl.json path. It is the one place
// that knows how a finished crawl is stored, so report, diff, --baseline
// and --history read crawls only through it. A folder is read from its
// crawl.db when it has one (every record and edge), else from crawl.json
// (records, findings, metadata; link edges come back as each URL's
// referrers). A crawl killed before its audit ran gets its findings
// computed here, in memory: the database is not written. Errors are
// one-line usage errors naming the path. The caller must call close. The
// --mask-param names the crawl was made with are masked from then on
// (maskStored), so no output regenerated from it shows their values.
func openCrawl(path string) (r store.Reader, close func() error, err error) {
	r, close, err = openStored(path)
	if err != nil {
		return nil, nil, err
	}
	if err := maskStored(r); err != nil {
		close()
		return nil, nil, usagef("crawl %s: %v", path, firstLine(err))
	}
	return r, close, nil
}

// maskStored adds the --mask-param names stored in r's settings to what
// the process masks.
func maskStored(r store.Reader) error {
	meta, err := r.Meta()
	if err != nil {
		return err
	}
	urlx.AddSecretParams(settingList(meta.Settings["mask_param"])...)
	return nil
}

func openStored(path string) (store.Reader, func() error, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, usagef("crawl %s: %v", path, unwrapPath(err))
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, dbName)); err == nil {
			path = filepath.Join(path, dbName)
		} else {
			path = filepath.Join(path, "crawl.json")
		}
	}
	if filepath.Base(path) == dbName {
		db, err := store.OpenSQLite(path)
		if err != nil {
			return nil, nil, usagef("crawl %s: %v", path, firstLine(err))
		}
		r, err := withAuditIfMissing(db)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return r, db.Close, nil
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

// auditedReader is a crawl whose findings were computed after it stopped.
type auditedReader struct {
	store.Reader
	findings []store.Finding
}

func (a auditedReader) Findings() ([]store.Finding, error) { return a.findings, nil }

// withAuditIfMissing runs the audit over an interrupted crawl that has no
// findings stored (killed before its audit ran); a finished crawl keeps the
// findings it stored, with the policy (severities, ignores) it applied.
func withAuditIfMissing(r store.Reader) (store.Reader, error) {
	meta, err := r.Meta()
	if err != nil {
		return nil, err
	}
	fs, err := r.Findings()
	if err != nil {
		return nil, err
	}
	if len(fs) > 0 || !meta.Partial {
		return r, nil
	}
	if fs, err = audit.Run(r); err != nil {
		return nil, err
	}
	return auditedReader{Reader: r, findings: fs}, nil
}

// crawlExists says whether path holds a crawl openCrawl can read.
func crawlExists(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		for _, name := range []string{dbName, "crawl.json"} {
			if _, err := os.Stat(filepath.Join(path, name)); err == nil {
				return true
			}
		}
		return false
	}
	return true
}
