package crawlaudit

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
	"github.com/crawlaudit/crawlaudit/report"
)

// DBName is the crawl database every run writes in its output folder.
const DBName = "crawl.db"

// Crawl is a finished (or interrupted) crawl opened for reading: its
// records, edges and findings, as Open found them. URLs are as recorded:
// they may hold secret query values; Mask hides them before they are shown.
// Close it when done. A Crawl is safe for concurrent use.
type Crawl struct {
	r     store.Reader
	close func() error
	mask  *urlx.Masker
	meta  store.Meta
	logs  *store.LogData // what `crawlaudit logs` stored; nil when none
	// logsLost: the crawl is a crawl.json with a "logs" object, which
	// cannot be restored
	logsLost bool
}

// CrawlInfo describes a crawl.
type CrawlInfo struct {
	ToolVersion string
	StartURL    string
	StartedAt   time.Time
	FinishedAt  time.Time
	Partial     bool              // interrupted before its frontier emptied
	Settings    map[string]string // the crawl's settings as text; never a credential
}

// Open opens the crawl at path: an output folder (its crawl.db, or its
// crawl.json when there is no database), a crawl.db or a crawl.json. A
// crawl stopped before its audit ran gets its findings computed now, in
// memory: the database is not written. The query parameters the crawl
// masked stay masked (Crawl.Mask), plus maskParams.
func Open(path string, maskParams ...string) (*Crawl, error) {
	return openCrawl(path, nil, maskParams...)
}

// openCrawl is Open with the log data given (Logs has it in memory: no
// need to read it back); nil reads it from the crawl.
func openCrawl(path string, logs *store.LogData, maskParams ...string) (*Crawl, error) {
	r, closeFn, err := openStored(path)
	if err != nil {
		return nil, err
	}
	meta, err := r.Meta()
	if err != nil {
		closeFn()
		return nil, fmt.Errorf("crawl %s: %v", path, firstLine(err))
	}
	mask := urlx.NewMasker(append(settingList(meta.Settings["mask_param"]), maskParams...)...)
	c := &Crawl{r: r, close: closeFn, mask: mask, meta: meta, logs: logs}
	if _, ok := r.(jsonWithLogs); ok && logs == nil {
		c.logsLost = true
	}
	if logs != nil {
		return c, nil
	}
	if c.logs, err = storedLogs(r); err != nil {
		closeFn()
		return nil, fmt.Errorf("crawl %s: %v", path, firstLine(err))
	}
	return c, nil
}

// Info describes the crawl.
func (c *Crawl) Info() CrawlInfo {
	m := c.meta
	return CrawlInfo{ToolVersion: m.ToolVersion, StartURL: m.StartURL, StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, Partial: m.Partial, Settings: m.Settings}
}

// EachURL calls fn for every URL record in URL order; fn's error stops it.
func (c *Crawl) EachURL(fn func(URL) error) error {
	return c.r.EachURL(func(u store.URL) error { return fn(newURL(u)) })
}

// EdgesTo returns the edges pointing at url (at most 10,000).
func (c *Crawl) EdgesTo(url string) ([]Edge, error) {
	es, err := c.r.LookupEdgesTo(url)
	if err != nil {
		return nil, err
	}
	out := make([]Edge, len(es))
	for i, e := range es {
		out[i] = newEdge(e)
	}
	return out, nil
}

// Findings returns the crawl's findings, most severe first.
func (c *Crawl) Findings() ([]Finding, error) {
	fs, err := c.r.Findings()
	if err != nil {
		return nil, err
	}
	out := make([]Finding, len(fs))
	for i, f := range fs {
		out[i] = newFinding(f)
	}
	return out, nil
}

// Mask hides secrets in a URL (userinfo, secret query values), as every
// output of the crawl does.
func (c *Crawl) Mask(url string) string { return c.mask.Mask(url) }

// Close releases the crawl's files.
func (c *Crawl) Close() error { return c.close() }

// report returns the report input of the crawl, with the rule texts, the
// URL spaces the audit finds in it and the access-log data it holds.
func (c *Crawl) report(job report.Job) (*report.Crawl, error) {
	spaces, err := audit.FindSpaces(c.r)
	if err != nil {
		return nil, err
	}
	return report.New(c.r, report.Options{Mask: c.mask, Rules: ruleInfos(), Job: job, Spaces: spaces,
		LogData: c.logs, LogsCrawl: c.meta.Settings["source"] != logsOnly}), nil
}

// openStored opens the crawl at path for reading (see Open).
func openStored(path string) (store.Reader, func() error, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("crawl %s: %w", path, unwrapPath(err))
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, DBName)); err == nil {
			path = filepath.Join(path, DBName)
		} else {
			path = filepath.Join(path, "crawl.json")
		}
	}
	if filepath.Base(path) == DBName {
		db, err := store.OpenSQLite(path)
		if err != nil {
			return nil, nil, fmt.Errorf("crawl %s: %v", path, firstLine(err))
		}
		r, err := withAuditIfMissing(db)
		if err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("crawl %s: %v", path, firstLine(err))
		}
		return r, db.Close, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("crawl %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	st, logs, err := report.ReadJSONLogs(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("crawl %s is not a crawlaudit crawl.json: %v", path, firstLine(err))
	}
	if logs {
		return jsonWithLogs{st}, st.Close, nil
	}
	return st, st.Close, nil
}

// jsonWithLogs is a crawl read from a crawl.json whose "logs" object could
// not be restored (the hits it summarises are in crawl.db only).
type jsonWithLogs struct{ *store.Memory }

// storedLogs returns the log data stored with the crawl r reads, nil when
// there is none (or the crawl is a crawl.json).
func storedLogs(r store.Reader) (*store.LogData, error) {
	if a, ok := r.(auditedReader); ok {
		r = a.Reader
	}
	if ls, ok := r.(store.LogStore); ok {
		return ls.Logs()
	}
	return nil, nil
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

// crawlExists says whether path holds a crawl Open can read.
func crawlExists(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		for _, name := range []string{DBName, "crawl.json"} {
			if _, err := os.Stat(filepath.Join(path, name)); err == nil {
				return true
			}
		}
		return false
	}
	return true
}

// ResumeOptions returns the options of the interrupted crawl whose crawl.db
// is in dir, to continue it: the start URL and the crawl-shape settings it
// stored (scope, limits, pace, agent, fail level), over DefaultOptions, with
// Out set to dir and Resume set. Credentials and their sources, the places
// results are sent to, and extra sitemap URLs are never taken from a
// crawl.db: give them again (a file others can hand you is data, not
// authority). Settings given again on the command line should be applied
// over the result.
func ResumeOptions(dir string) (Options, error) {
	path := filepath.Join(dir, DBName)
	if _, err := os.Stat(path); err != nil {
		return Options{}, fmt.Errorf("--resume %s: no %s there: %v", dir, DBName, unwrapPath(err))
	}
	st, err := store.OpenSQLite(path)
	if err != nil {
		return Options{}, fmt.Errorf("--resume %s: %v", dir, firstLine(err))
	}
	defer st.Close()
	meta, err := st.Meta()
	if err != nil || meta.StartURL == "" {
		return Options{}, fmt.Errorf("--resume %s: %s holds no crawl to resume", dir, DBName)
	}
	o := DefaultOptions()
	if err := o.restore(meta.Settings); err != nil {
		return Options{}, fmt.Errorf("--resume %s: %v", dir, err)
	}
	o.Start, o.Out, o.Resume = meta.StartURL, dir, true
	return o, nil
}

// ruleInfos maps the rule catalogue to what the outputs show of it.
func ruleInfos() []report.RuleInfo {
	var out []report.RuleInfo
	for _, r := range audit.Catalogue() {
		out = append(out, report.RuleInfo{ID: r.ID, Severity: r.Severity, Title: r.Title, Why: r.Why, When: r.Explain, Fix: r.Fix, PublicReferrers: r.PublicReferrers})
	}
	return out
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
