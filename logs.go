package crawlaudit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
	"github.com/crawlaudit/crawlaudit/internal/audit"
	"github.com/crawlaudit/crawlaudit/internal/logs"
	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// LogsOptions are the settings of Logs.
type LogsOptions struct {
	// Files are the access logs to read, plain or gzip (told by their first
	// bytes); "-" is Stdin.
	Files []string
	// Stdin is read for the file "-".
	Stdin io.Reader
	// Crawl is a finished crawl (its output folder or crawl.db) to join
	// the logs with; its crawl.db receives the log tables and its outputs
	// are rewritten. "" reads the logs alone.
	Crawl string
	// Out is the output folder; "" means Crawl's folder. Required without
	// Crawl.
	Out string
	// Format forces the log format (see the README: common, combined,
	// vhost_combined, nginx_main, json, w3c, apache:<LogFormat>,
	// nginx:<log_format>); "" detects it per file from its first lines.
	Format string
	// JSONFields overrides the JSON field mapping (key → dotted path).
	JSONFields map[string]string
	// Site is the origin logged paths belong to; "" means the crawl's
	// start URL's origin.
	Site string
	// Ranges are IP-ranges files: "path" (the operator told by the file
	// name: googlebot.json, bingbot.json, …) or "operator=path".
	Ranges []string
	// RangesDir is a folder of ranges files fetched by UpdateRanges; the
	// published files found there are loaded. "" means none.
	RangesDir string
	// VerifyDNS verifies crawlers by reverse-then-forward DNS.
	VerifyDNS bool
	// Resolver answers DNS for VerifyDNS; nil means the system resolver.
	Resolver Resolver
	// DNSRate bounds DNS verifications per second; 0 means 10.
	DNSRate float64
	// Progress, when set, is called as the logs are read with the bytes
	// and lines read so far.
	Progress func(bytes, lines int64)
	// Terminal shapes Result.Summary.
	Terminal TerminalOptions
	// Now gives the time of a logs-only run's metadata; nil means
	// time.Now.
	Now func() time.Time
	// Version is the tool version a logs-only run records; "" means "dev".
	Version string
}

// Resolver is the DNS that verifies crawlers; *net.Resolver is one.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// logsOnly is the "source" setting of a crawl.db that `crawlaudit logs`
// made without a crawl.
const logsOnly = "logs"

// Logs reads access logs, keeps what search-engine and AI crawlers
// requested (visitors' lines are counted, never stored), joins it with
// o.Crawl when given, stores it in the crawl.db of the output folder and
// rewrites every output: crawl.json's "logs" object, bot_hits.csv,
// report.html's "Search-engine logs" section, the log rules' findings.
func Logs(ctx context.Context, o LogsOptions) (*Result, error) {
	if len(o.Files) == 0 {
		return nil, errors.New("logs: no log file given")
	}
	if o.Crawl == "" && o.Out == "" {
		return nil, errors.New("logs: give --crawl DIR, or --out DIR for the results of the logs alone")
	}
	fmtOpt, err := logFormat(o.Format, o.JSONFields)
	if err != nil {
		return nil, err
	}
	ranges, err := loadRanges(o.Ranges, o.RangesDir)
	if err != nil {
		return nil, err
	}
	var db *store.SQLite
	var dir string
	if o.Crawl != "" {
		path := o.Crawl
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			path = filepath.Join(path, DBName)
		}
		if filepath.Base(path) != DBName {
			return nil, fmt.Errorf("logs: --crawl %s: give a crawl's output folder or its crawl.db", o.Crawl)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("logs: --crawl %s: %w", o.Crawl, unwrapPath(err))
		}
		if db, err = store.OpenSQLite(path); err != nil {
			return nil, fmt.Errorf("logs: crawl %s: %v", path, firstLine(err))
		}
		dir = filepath.Dir(path)
	} else {
		if err := checkWritable(o.Out); err != nil {
			return nil, err
		}
		if db, err = logsOnlyDB(o); err != nil {
			return nil, err
		}
		dir = o.Out
	}
	defer db.Close()
	meta, err := db.Meta()
	if err != nil {
		return nil, err
	}
	site := o.Site
	if site == "" && meta.StartURL != "" {
		if u, err := urlx.Parse(meta.StartURL); err == nil {
			site = urlx.Origin(u)
		}
	}
	vc := logs.VerifierConfig{Ranges: ranges, DNSRate: o.DNSRate}
	if o.VerifyDNS {
		vc.Resolver = o.Resolver
		if vc.Resolver == nil {
			vc.Resolver = net.DefaultResolver
		}
	}
	agg, err := logs.NewAggregator(logs.Config{Format: fmtOpt, JSONFields: o.JSONFields, Site: site, Verifier: logs.NewVerifier(vc), Progress: o.Progress})
	if err != nil {
		return nil, err
	}
	for _, name := range o.Files {
		if err := readLog(ctx, agg, name, o.Stdin); err != nil {
			return nil, err
		}
	}
	data := agg.Data()
	// A large log's hits are written into a database of their own while
	// the findings and the outputs are made from data (they read the
	// crawl, never the log tables), then copied into crawl.db as they are.
	type staged struct {
		st  *store.StagedLogs
		err error
	}
	stage := make(chan staged, 1)
	go func() {
		st, err := db.StageLogs(data)
		stage <- staged{st, err}
	}()
	var s *staged // once received
	receive := func() staged {
		if s == nil {
			r := <-stage
			s = &r
		}
		return *s
	}
	defer func() {
		if r := receive(); r.st != nil {
			r.st.Close()
		}
	}()
	// The log tables go into crawl.db once every output file is written
	// and before the files replace the folder's: a failure leaves the
	// previous outputs and log tables, never a mix.
	commit := func() error {
		r := receive()
		if r.err != nil {
			return r.err
		}
		return db.PutStagedLogs(r.st)
	}
	res, err := logOutputs(ctx, o, db, data, meta, dir, commit)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return res, nil
}

// logOutputs stores the log rules' findings and writes every output of
// the crawl in dir with data.
func logOutputs(ctx context.Context, o LogsOptions, db *store.SQLite, data store.LogData, meta store.Meta, dir string, commit func() error) (*Result, error) {
	if err := storeLogFindings(db, data, meta); err != nil {
		return nil, err
	}
	out := o.Out
	if out == "" {
		out = dir
	}
	return reportWith(ctx, ReportOptions{Source: filepath.Join(dir, DBName), Out: out, Terminal: o.Terminal}, &data, commit)
}

// readLog streams one file (or stdin for "-") into agg.
func readLog(ctx context.Context, agg *logs.Aggregator, name string, stdin io.Reader) error {
	if name == "-" {
		if stdin == nil {
			return errors.New("logs: -: no standard input")
		}
		return agg.Read(ctx, stdin, "-")
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer f.Close()
	if err := agg.Read(ctx, f, name); err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	return nil
}

// logsOnlyDB opens (or creates) the crawl.db of a logs-only run in o.Out:
// a crawl database with no records whose "source" setting says so. A real
// crawl's database there is refused: join with it through --crawl.
func logsOnlyDB(o LogsOptions) (*store.SQLite, error) {
	path := filepath.Join(o.Out, DBName)
	if _, err := os.Stat(path); err == nil {
		db, err := store.OpenSQLite(path)
		if err != nil {
			return nil, fmt.Errorf("logs: %s: %v", path, firstLine(err))
		}
		m, err := db.Meta()
		if err != nil || m.Settings["source"] != logsOnly {
			db.Close()
			return nil, fmt.Errorf("logs: %s holds a crawl: join the logs with it with --crawl %s", path, o.Out)
		}
		return db, nil
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	db, err := store.CreateSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("logs: %s: %v", path, firstLine(err))
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	t := now().UTC().Truncate(time.Second)
	start := ""
	if o.Site != "" {
		u, err := urlx.Parse(o.Site)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("logs: --site %q: %v", o.Site, err)
		}
		start = urlx.Origin(u) + "/"
	}
	if err := db.SetMeta(store.Meta{ToolVersion: Options{Version: o.Version}.version(), StartURL: start, StartedAt: t, FinishedAt: t, Settings: map[string]string{"source": logsOnly}}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// storeLogFindings replaces the log rules' findings among the crawl's.
func storeLogFindings(db *store.SQLite, d store.LogData, meta store.Meta) error {
	fs, err := db.Findings()
	if err != nil {
		return err
	}
	if len(fs) == 0 && meta.Partial && meta.Settings["source"] != logsOnly {
		// a crawl stopped before its audit: audit it now, or storing the
		// log findings would hide that it has none stored
		if fs, err = audit.Run(db); err != nil {
			return err
		}
	}
	var crawl store.Reader = db
	if meta.Settings["source"] == logsOnly {
		crawl = nil
	}
	l, err := analysis.JoinLogsForFindings(d, crawl)
	if err != nil {
		return err
	}
	kept := fs[:0]
	for _, f := range fs {
		if !audit.IsLogRule(f.Rule) {
			kept = append(kept, f)
		}
	}
	kept = append(kept, audit.LogFindings(l)...)
	store.SortFindings(kept)
	return db.PutFindings(kept)
}

// logFormat compiles the forced format, or nil to detect it.
func logFormat(spec string, jsonFields map[string]string) (*logs.Format, error) {
	if spec == "" {
		if len(jsonFields) > 0 {
			if _, err := logs.ParseFormat("json", jsonFields); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return logs.ParseFormat(spec, jsonFields)
}

// loadRanges reads the ranges files given and the published ones found in
// dir.
func loadRanges(files []string, dir string) (*logs.Ranges, error) {
	r := logs.NewRanges()
	load := func(op, path string) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("logs: ranges: %w", err)
		}
		defer f.Close()
		return r.Load(op, f, path)
	}
	for _, spec := range files {
		op, path, ok := strings.Cut(spec, "=")
		if !ok {
			path, op = spec, logs.OperatorOf(spec)
			if op == "" {
				return nil, fmt.Errorf("logs: ranges %s: cannot tell whose ranges these are from the name; give OPERATOR=%s (google, bing, openai, perplexity)", spec, spec)
			}
		}
		if err := load(op, path); err != nil {
			return nil, err
		}
	}
	if dir != "" {
		for _, s := range logs.RangeSources {
			path := filepath.Join(dir, s.File)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			if err := load(s.Operator, path); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// UpdateRanges fetches the IP ranges search engines and AI crawlers
// publish (logs.RangeSources) into dir, each file replaced only once its
// new copy parsed. It is the only network access of the log analysis, and
// runs only when asked (`crawlaudit logs --update-ranges`). client nil
// means http.DefaultClient. It returns the files written.
func UpdateRanges(ctx context.Context, dir string, client *http.Client) ([]string, error) {
	if client == nil {
		client = http.DefaultClient
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ranges: %w", err)
	}
	var written []string
	var errs []string
	for _, s := range logs.RangeSources {
		b, err := fetchRanges(ctx, client, s)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		path := filepath.Join(dir, s.File)
		if err := writeAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	sort.Strings(written)
	if len(errs) > 0 {
		return written, fmt.Errorf("ranges: %s", strings.Join(errs, "; "))
	}
	return written, nil
}

func fetchRanges(ctx context.Context, client *http.Client, s logs.RangeSource) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", s.File, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", s.File, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", s.File, err)
	}
	if err := logs.NewRanges().Load(s.Operator, bytes.NewReader(b), s.File); err != nil {
		return nil, err
	}
	return b, nil
}
