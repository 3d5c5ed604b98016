package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: no C toolchain needed
)

// SchemaVersion is crawl.db's PRAGMA user_version. Bump it when a table or
// column is renamed, removed or changes meaning, and document the change in
// the README's crawl database section.
const SchemaVersion = 6

// schema is crawl.db's schema, version SchemaVersion. The README documents
// it; TestSQLiteSchema pins it.
const schema = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE urls (
	url               TEXT PRIMARY KEY,
	status            INTEGER NOT NULL,
	kind              TEXT NOT NULL,
	start             INTEGER NOT NULL,
	depth             INTEGER NOT NULL,
	method            TEXT NOT NULL,
	content_type      TEXT NOT NULL,
	bytes             INTEGER NOT NULL,
	truncated         INTEGER NOT NULL,
	response_ms       INTEGER NOT NULL,
	redirect          TEXT NOT NULL,
	www_authenticate  TEXT NOT NULL,
	noindex           INTEGER NOT NULL,
	canonical         TEXT NOT NULL,
	title             TEXT NOT NULL,
	in_sitemap        INTEGER NOT NULL,
	blocked_by_robots INTEGER NOT NULL,
	error             TEXT NOT NULL,
	fetched_at        TEXT NOT NULL,
	robots_disallowed INTEGER NOT NULL,
	sitemap_urls      INTEGER NOT NULL,
	sitemap_problems  TEXT NOT NULL,
	credentials       TEXT NOT NULL,
	anonymous_status  INTEGER NOT NULL,
	bot_check         TEXT NOT NULL,
	login_form        INTEGER NOT NULL,
	challenges        TEXT NOT NULL,
	error_kind        TEXT NOT NULL DEFAULT '',
	not_requested     TEXT NOT NULL DEFAULT '',
	text_hash         TEXT NOT NULL DEFAULT '',
	simhash           TEXT NOT NULL DEFAULT '',
	cluster           TEXT NOT NULL DEFAULT '',
	cluster_kind      TEXT NOT NULL DEFAULT '',
	render            TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE edges (
	from_url TEXT NOT NULL,
	to_url   TEXT NOT NULL,
	type     TEXT NOT NULL,
	tag      TEXT NOT NULL,
	text     TEXT NOT NULL
);
CREATE TABLE findings (
	seq       INTEGER PRIMARY KEY,
	rule      TEXT NOT NULL,
	severity  TEXT NOT NULL,
	url       TEXT NOT NULL,
	message   TEXT NOT NULL,
	referrers TEXT NOT NULL,
	fix       TEXT NOT NULL DEFAULT ''
);
` + inboundTable + `
CREATE TABLE frontier (
	seq   INTEGER PRIMARY KEY,
	url   TEXT NOT NULL,
	kind  TEXT NOT NULL,
	depth INTEGER NOT NULL,
	hops  INTEGER NOT NULL,
	parse TEXT NOT NULL,
	head  INTEGER NOT NULL,
	start INTEGER NOT NULL
);
`

// logTables hold what `crawlaudit logs` kept from access logs (LogData):
// the run (one row of JSON), the hits per URL, crawler and verdict, and the
// hits per day. Version 6 added them; an older database gets them (empty)
// when opened.
const logTables = `CREATE TABLE IF NOT EXISTS log_run (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bot_hits (
	url        TEXT NOT NULL,
	bot        TEXT NOT NULL,
	kind       TEXT NOT NULL,
	verdict    TEXT NOT NULL,
	hits       INTEGER NOT NULL,
	statuses   TEXT NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	times      TEXT NOT NULL,
	PRIMARY KEY (url, bot, verdict)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bot_days (
	day     TEXT NOT NULL,
	bot     TEXT NOT NULL,
	verdict TEXT NOT NULL,
	class   TEXT NOT NULL,
	hits    INTEGER NOT NULL,
	PRIMARY KEY (day, bot, verdict, class)
) WITHOUT ROWID;`

// inboundTable holds, per URL that edges point at, the counts of
// EachURLInbound. It is derived from edges (inboundFill) once the crawl's
// edges are written, so that the outputs do not each count them again.
// Version 2 added it; a version 1 database gets it when opened.
const inboundTable = `CREATE TABLE IF NOT EXISTS inbound (
	url     TEXT PRIMARY KEY,
	types   TEXT NOT NULL,
	inlinks INTEGER NOT NULL,
	links   INTEGER NOT NULL,
	refs    INTEGER NOT NULL
) WITHOUT ROWID;`

// inboundFill recomputes the inbound table from the edges.
const inboundFill = `DELETE FROM inbound;
INSERT INTO inbound SELECT to_url, group_concat(DISTINCT type),
	count(DISTINCT CASE WHEN type IN ('link', 'asset', 'render') AND from_url <> to_url THEN from_url END),
	count(DISTINCT CASE WHEN (type = 'link' OR (type = 'render' AND tag = 'a')) AND from_url <> to_url THEN from_url END),
	count(DISTINCT from_url || char(9) || type || char(9) || tag)
	FROM edges GROUP BY to_url;`

// The edge index is built once the crawl's edges are written (on the first
// read of edges): appending to an unindexed table and sorting once is much
// cheaper than keeping an index ordered through the crawl. Every read of the
// edges goes in target order, through this one index.
const edgesToIndex = `CREATE INDEX IF NOT EXISTS edges_to ON edges (to_url, from_url, type, tag, text)`

// edgeRows is how many edges one INSERT statement carries.
const edgeRows = 32

const urlColumns = `url, status, kind, start, depth, method, content_type, bytes, truncated, response_ms, redirect,
	www_authenticate, noindex, canonical, title, in_sitemap, blocked_by_robots, error, fetched_at,
	robots_disallowed, sitemap_urls, sitemap_problems, credentials, anonymous_status, bot_check, login_form, challenges, error_kind,
	not_requested, text_hash, simhash, cluster, cluster_kind, render`

// Batching of the writer goroutine: a transaction is committed every
// batchSize writes or batchEvery, whichever comes first.
const (
	batchSize  = 8192
	batchEvery = 500 * time.Millisecond
	queueSize  = 4096
)

// writerCacheKiB is the writer connection's page cache. The URL records
// go into a table kept in URL order, so each batch touches pages all over
// it; with the 2 MiB of the other connections most of them were read from
// the file again for every batch.
const writerCacheKiB = 16 << 10

// writerCheckpointPages is how long the write-ahead log may grow (in
// pages, 128 MiB) before a commit of the writer copies it into the
// database: a page of the URL table changed by many batches is copied once
// per checkpoint, not once per 16 MiB of log as by default.
const writerCheckpointPages = 8192

// readerCacheKiB is the page cache of every other connection: the outputs
// read in index order, so a small cache serves them.
const readerCacheKiB = 2 << 10

// SQLite is a Store kept in an SQLite database file (crawl.db). Writes
// (PutURL, AddEdge, Enqueue) go through a bounded channel to one writer
// goroutine that commits them in batched transactions, so the crawl's
// fetch path never waits on the disk; a write error is returned by a later
// write, by a read and by Close. Readers see every write made before the
// read started. Reads iterate with ORDER BY, never loading a table into
// memory. An exact duplicate edge is read back once.
//
// The frontier table persists every queued URL, and a URL's record says it
// is done, so an interrupted (even killed) crawl can resume: each batch is one
// transaction, and the crawler writes a page's edges and queued links
// before its record, so any committed prefix is consistent.
type SQLite struct {
	db   *sql.DB
	path string
	wc   *sql.Conn // the writer goroutine's connection (a larger page cache)

	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
	ops    chan op
	done   chan struct{}

	sent      atomic.Int64 // writes sent to the writer goroutine
	committed atomic.Int64 // writes it has committed

	errMu sync.Mutex
	err   error

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	indexMu   sync.Mutex
	indexed   bool
	inboundAt int64 // s.committed when the inbound table was last filled

	curMu sync.Mutex
	curs  []*edgeCursor // see EdgesTo; at most maxCursors
	tick  uint64        // counts EdgesTo calls, for edgeCursor.used

	cacheMu     sync.Mutex // guards cache and cacheTooBig (cache.go)
	cache       *urlCache  // the records as of cache.at; nil when not built
	cacheTooBig int64      // 1 + s.committed when the records last did not fit the cache; 0 never
	cacheLimit  int        // the cache's bound in bytes; 0: maxCacheBytes (tests lower it)
}

var (
	_ Store          = (*SQLite)(nil)
	_ FrontierWriter = (*SQLite)(nil)
	_ FrontierReader = (*SQLite)(nil)
)

type opKind uint8

const (
	opURL opKind = iota
	opEdge
	opQueue
	opSync
)

type op struct {
	kind opKind
	u    *URL
	e    *Edge
	q    *Queued
	sync chan struct{}
}

// CreateSQLite creates a new, empty crawl database at path, replacing any
// database already there.
func CreateSQLite(path string) (*SQLite, error) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if err := newDatabaseFile(path); err != nil {
		return nil, err
	}
	return openSQLite(path, true)
}

// pageSize is crawl.db's page size. Larger pages than SQLite's 4 KiB mean
// fewer reads and writes (each one a system call) for the same rows; the
// rows are small, the tables large and mostly read in order.
const pageSize = 16384

// newDatabaseFile creates an empty database file with pageSize pages in WAL
// mode. The page size must be set before anything else touches the file
// (switching to WAL writes its first page), which the connection options of
// openSQLite cannot ensure: the driver applies them in alphabetical order.
func newDatabaseFile(path string) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA page_size = " + strconv.Itoa(pageSize) + "; PRAGMA journal_mode = WAL"); err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	return db.Close()
}

// OpenSQLite opens the existing crawl database at path, to read it or to
// resume the crawl it holds.
func OpenSQLite(path string) (*SQLite, error) {
	if err := checkCrawlDB(path); err != nil {
		return nil, err
	}
	return openSQLite(path, false)
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// checkCrawlDB refuses a file that is not a crawl database of a version this
// crawlaudit reads, without changing it: the header is read first, then the
// schema through a read-only connection (opening for writing would switch
// another program's database to WAL mode before it could be refused).
func checkCrawlDB(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	head := make([]byte, len(sqliteHeader))
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != sqliteHeader {
		return fmt.Errorf("store: %s is not an SQLite database", path)
	}
	dsn := "file:" + path + "?mode=ro"
	if _, err := os.Stat(path + "-wal"); err != nil {
		// No write-ahead log: all the database is in the file, and
		// "immutable" reads it without creating the -wal and -shm files
		// that even a read-only connection to a WAL database would. (With
		// a log, those files exist already: a crawl killed mid-way keeps
		// its last commits there.)
		dsn += "&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer db.Close()
	var v, tables int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: %s is not a readable SQLite database: %v", path, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'settings', 'urls', 'edges', 'findings')`).Scan(&tables); err != nil {
		return fmt.Errorf("store: %s is not a readable SQLite database: %v", path, err)
	}
	switch {
	case v == 0 || tables != 5:
		return fmt.Errorf("store: %s is not a crawlaudit crawl database", path)
	case v > SchemaVersion:
		return fmt.Errorf("store: %s has schema version %d; this crawlaudit reads version %d", path, v, SchemaVersion)
	}
	return nil
}

func openSQLite(path string, create bool) (*SQLite, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_pragma=cache_size(-" + strconv.Itoa(readerCacheKiB) + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8) // the writer, EdgesTo's cursors, and the scans of concurrent outputs
	s := &SQLite{db: db, path: path, ops: make(chan op, queueSize), done: make(chan struct{})}
	if err := s.init(create); err != nil {
		db.Close()
		return nil, err
	}
	if s.wc, err = db.Conn(context.Background()); err == nil {
		_, err = s.wc.ExecContext(context.Background(), "PRAGMA cache_size = "+strconv.Itoa(-writerCacheKiB)+"; PRAGMA wal_autocheckpoint = "+strconv.Itoa(writerCheckpointPages))
	}
	if err != nil {
		if s.wc != nil {
			s.wc.Close()
		}
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	go s.loop()
	return s, nil
}

func (s *SQLite) init(create bool) error {
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: %s is not an SQLite database: %w", s.path, err)
	}
	switch {
	case v == 0 && create:
		tx, err := s.db.Begin()
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(schema + logTables); err != nil {
			return fmt.Errorf("store: create schema: %w", err)
		}
		if _, err := tx.Exec("PRAGMA user_version = " + strconv.Itoa(SchemaVersion)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: create schema: %w", err)
		}
	case v == 0:
		return fmt.Errorf("store: %s is not a crawlaudit crawl database", s.path)
	case v >= 1 && v < SchemaVersion:
		// Version 2 added the derived table inbound. Version 3 keeps a
		// frontier row once its URL is recorded (the record, not a
		// deletion, says it is done); a version 2 frontier, which deleted
		// such rows and had url UNIQUE, reads the same. Version 4 added
		// urls.error_kind and findings.fix (older findings keep the fix in
		// their message: Finding.Text reads both the same). Version 5 added
		// urls.not_requested, text_hash, simhash, cluster and cluster_kind.
		// Version 6 added the log tables (log_run, bot_hits, bot_days) and
		// urls.render (JSON of Render, "" when not rendered).
		up := inboundTable + logTables
		if v < 4 {
			up += "ALTER TABLE urls ADD COLUMN error_kind TEXT NOT NULL DEFAULT '';" +
				"ALTER TABLE findings ADD COLUMN fix TEXT NOT NULL DEFAULT '';"
		}
		if v < 5 {
			for _, c := range []string{"not_requested", "text_hash", "simhash", "cluster", "cluster_kind"} {
				up += "ALTER TABLE urls ADD COLUMN " + c + " TEXT NOT NULL DEFAULT '';"
			}
		}
		if v < 6 {
			up += "ALTER TABLE urls ADD COLUMN render TEXT NOT NULL DEFAULT '';"
		}
		tx, err := s.db.Begin()
		if err != nil {
			return fmt.Errorf("store: upgrade %s to schema version %d: %w", s.path, SchemaVersion, err)
		}
		defer tx.Rollback()
		if _, err := tx.Exec(up + "PRAGMA user_version = " + strconv.Itoa(SchemaVersion)); err != nil {
			return fmt.Errorf("store: upgrade %s to schema version %d: %w", s.path, SchemaVersion, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: upgrade %s to schema version %d: %w", s.path, SchemaVersion, err)
		}
	case v != SchemaVersion:
		return fmt.Errorf("store: %s has schema version %d; this crawlaudit reads version %d", s.path, v, SchemaVersion)
	}
	return nil
}

// Mark returns a mark of the writes sent so far: once Committed(mark) is
// true, every write sent before Mark was called is in the database (a crawl
// with workers acknowledges a result in Redis only then).
func (s *SQLite) Mark() int64 { return s.sent.Load() }

// Committed reports whether the writes up to mark (Mark) are committed.
func (s *SQLite) Committed(mark int64) bool { return s.committed.Load() >= mark }

// send hands one write to the writer goroutine.
func (s *SQLite) send(o op) error {
	if err := s.failed(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errors.New("store: write after Close")
	}
	s.sent.Add(1)
	s.ops <- o
	return nil
}

func (s *SQLite) failed() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

func (s *SQLite) setErr(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = fmt.Errorf("store: %w", err)
	}
	s.errMu.Unlock()
}

// PutURL records u (replacing an earlier record), which takes u.URL off the
// frontier: EachQueued skips recorded URLs.
func (s *SQLite) PutURL(u URL) error { return s.send(op{kind: opURL, u: &u}) }

// AddEdge records e.
func (s *SQLite) AddEdge(e Edge) error { return s.send(op{kind: opEdge, e: &e}) }

// Enqueue puts q on the frontier.
func (s *SQLite) Enqueue(q Queued) error { return s.send(op{kind: opQueue, q: &q}) }

// Flush waits until every write sent so far is committed and returns the
// first write error.
func (s *SQLite) Flush() error {
	if s.sent.Load() != s.committed.Load() {
		s.mu.RLock()
		if !s.closed {
			c := make(chan struct{})
			s.ops <- op{kind: opSync, sync: c}
			s.mu.RUnlock()
			<-c
		} else {
			s.mu.RUnlock()
		}
	}
	return s.failed()
}

// loop is the writer goroutine: it applies writes in batched transactions.
func (s *SQLite) loop() {
	defer close(s.done)
	defer s.wc.Close()
	ctx := context.Background()
	var (
		tx                              *sql.Tx
		insURL, insEdge, insQ, insEdges *sql.Stmt
		n                               int64
		edges                           = make([]any, 0, 5*edgeRows)
	)
	commit := func() {
		if tx != nil {
			for i := 0; i < len(edges) && s.failed() == nil; i += 5 {
				if _, err := insEdge.Exec(edges[i : i+5]...); err != nil {
					s.setErr(err)
				}
			}
			edges = edges[:0]
			if err := tx.Commit(); err != nil {
				s.setErr(err)
			}
			tx = nil
		}
		s.committed.Add(n)
		n = 0
	}
	begin := func() bool {
		var err error
		if tx, err = s.wc.BeginTx(ctx, nil); err != nil {
			s.setErr(err)
			tx = nil
			return false
		}
		stmts := make([]*sql.Stmt, len(writeSQL))
		for i, q := range writeSQL {
			st := s.prepare(q)
			if st == nil {
				tx.Rollback()
				tx = nil
				return false
			}
			stmts[i] = tx.Stmt(st)
		}
		insURL, insEdge, insQ, insEdges = stmts[0], stmts[1], stmts[2], stmts[3]
		return true
	}
	tick := time.NewTicker(batchEvery)
	defer tick.Stop()
	for {
		select {
		case o, ok := <-s.ops:
			if !ok {
				commit()
				return
			}
			if o.kind == opSync {
				commit()
				close(o.sync)
				continue
			}
			n++
			if s.failed() != nil || (tx == nil && !begin()) {
				continue // the error is returned by the next write or read
			}
			var err error
			switch o.kind {
			case opURL:
				u := o.u
				_, err = insURL.Exec(text(u.URL), u.Status, string(u.Kind), u.Start, u.Depth, text(u.Method), text(u.ContentType), u.Bytes, u.Truncated,
					u.ResponseMS, text(u.Redirect), jsonList(u.WWWAuthenticate), u.NoIndex, text(u.Canonical), text(u.Title), u.InSitemap,
					u.BlockedByRobots, text(u.Error), timeText(u.FetchedAt),
					u.RobotsDisallowed, u.SitemapURLs, jsonValue(u.SitemapProblems), u.Credentials, u.AnonymousStatus, text(u.BotCheck), u.LoginForm, jsonValue(u.Challenges), u.ErrorKind,
					string(u.NotRequested), u.TextHash, u.SimHash, text(u.Cluster), string(u.ClusterKind), renderJSON(u.Render))
			case opEdge:
				e := o.e
				edges = append(edges, text(e.From), text(e.To), string(e.Type), text(e.Tag), text(e.Text))
				if len(edges) == 5*edgeRows {
					_, err = insEdges.Exec(edges...)
					edges = edges[:0]
				}
			case opQueue:
				q := o.q
				_, err = insQ.Exec(q.URL, string(q.Kind), q.Depth, q.Hops, q.Parse, q.Head, q.Start)
			}
			if err != nil {
				s.setErr(err)
			}
			if n >= batchSize {
				commit()
			}
		case <-tick.C:
			commit()
		}
	}
}

// writeSQL are the writer goroutine's statements: URL record, edge,
// frontier entry, edgeRows edges. Only the URL record goes into a table
// kept in key order; the others are appended.
var writeSQL = []string{
	`INSERT OR REPLACE INTO urls (` + urlColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
	`INSERT INTO edges (from_url, to_url, type, tag, text) VALUES (?,?,?,?,?)`,
	`INSERT OR IGNORE INTO frontier (url, kind, depth, hops, parse, head, start) VALUES (?,?,?,?,?,?,?)`,
	`INSERT INTO edges (from_url, to_url, type, tag, text) VALUES (?,?,?,?,?)` + strings.Repeat(`,(?,?,?,?,?)`, edgeRows-1),
}

// prepare returns a prepared statement, cached for the store's life.
func (s *SQLite) prepare(q string) *sql.Stmt {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	if st, ok := s.stmts[q]; ok {
		return st
	}
	st, err := s.db.Prepare(q)
	if err != nil {
		// The statements are constants checked by the tests; a failure
		// here is a broken database, reported through the error path.
		s.setErr(err)
		return nil
	}
	s.stmts[q] = st
	return st
}

// SetMeta stores the crawl metadata and settings.
func (s *SQLite) SetMeta(m Meta) error {
	if err := s.Flush(); err != nil {
		return err
	}
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM meta`); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM settings`); err != nil {
			return err
		}
		for k, v := range map[string]string{
			"tool_version": m.ToolVersion,
			"start_url":    m.StartURL,
			"started_at":   timeText(m.StartedAt),
			"finished_at":  timeText(m.FinishedAt),
			"partial":      strconv.FormatBool(m.Partial),
		} {
			if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?)`, k, text(v)); err != nil {
				return err
			}
		}
		for k, v := range m.Settings {
			if _, err := tx.Exec(`INSERT INTO settings (key, value) VALUES (?, ?)`, text(k), text(v)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Meta returns the crawl metadata.
func (s *SQLite) Meta() (Meta, error) {
	if err := s.Flush(); err != nil {
		return Meta{}, err
	}
	var m Meta
	rows, err := s.db.Query(`SELECT key, value FROM meta`)
	if err != nil {
		return m, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return m, fmt.Errorf("store: %w", err)
		}
		switch k {
		case "tool_version":
			m.ToolVersion = v
		case "start_url":
			m.StartURL = v
		case "started_at":
			m.StartedAt = parseTime(v)
		case "finished_at":
			m.FinishedAt = parseTime(v)
		case "partial":
			m.Partial = v == "true"
		}
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("store: %w", err)
	}
	srows, err := s.db.Query(`SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return m, fmt.Errorf("store: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var k, v string
		if err := srows.Scan(&k, &v); err != nil {
			return m, fmt.Errorf("store: %w", err)
		}
		if m.Settings == nil {
			m.Settings = map[string]string{}
		}
		m.Settings[k] = v
	}
	if err := srows.Err(); err != nil {
		return m, fmt.Errorf("store: %w", err)
	}
	return m, nil
}

type scanner interface{ Scan(dest ...any) error }

// urlRow scans rows of urlColumns, then any extra columns, into one set of
// destinations reused for every row: a pass over a million records then
// allocates the column values only, not 27 pointers and a slice per row.
type urlRow struct {
	u                                         URL
	kind, auth, fetched, problems, challenges string
	notRequested, clusterKind, render         string
	dest                                      []any
}

func newURLRow(extra ...any) *urlRow {
	r := &urlRow{}
	u := &r.u
	r.dest = append([]any{&u.URL, &u.Status, &r.kind, &u.Start, &u.Depth, &u.Method, &u.ContentType, &u.Bytes, &u.Truncated,
		&u.ResponseMS, &u.Redirect, &r.auth, &u.NoIndex, &u.Canonical, &u.Title, &u.InSitemap, &u.BlockedByRobots, &u.Error, &r.fetched,
		&u.RobotsDisallowed, &u.SitemapURLs, &r.problems, &u.Credentials, &u.AnonymousStatus, &u.BotCheck, &u.LoginForm, &r.challenges, &u.ErrorKind,
		&r.notRequested, &u.TextHash, &u.SimHash, &u.Cluster, &r.clusterKind, &r.render}, extra...)
	return r
}

// scan reads the next row of s (and its extra columns) and returns its record.
func (r *urlRow) scan(s scanner) (URL, error) {
	r.u = URL{}
	return r.decodeScanned(s.Scan(r.dest...))
}

// decodeScanned returns the record whose columns were just read into
// r.dest (by a Scan, or from the cache), with err, the read's error.
func (r *urlRow) decodeScanned(err error) (URL, error) {
	u := r.u
	u.Kind = Kind(r.kind)
	u.NotRequested = NotRequested(r.notRequested)
	u.ClusterKind = ClusterKind(r.clusterKind)
	// Decoded into variables of their own: taking the address of a field
	// of u would move every row's u to the heap.
	if r.problems != "" && r.problems != "null" {
		var ps []SitemapProblem
		_ = json.Unmarshal([]byte(r.problems), &ps)
		u.SitemapProblems = ps
	}
	if r.challenges != "" && r.challenges != "null" {
		var cs []Challenge
		_ = json.Unmarshal([]byte(r.challenges), &cs)
		u.Challenges = cs
	}
	if r.render != "" {
		var rd Render
		if json.Unmarshal([]byte(r.render), &rd) == nil {
			u.Render = &rd
		}
	}
	u.WWWAuthenticate = parseList(r.auth)
	u.FetchedAt = parseTime(r.fetched)
	return u, err
}

func scanURL(s scanner) (URL, error) { return newURLRow().scan(s) }

// Get returns the record of url.
func (s *SQLite) Get(url string) (URL, bool, error) {
	if err := s.Flush(); err != nil {
		return URL{}, false, err
	}
	if c := s.current(); c != nil {
		i := c.find(url)
		if i < 0 {
			return URL{}, false, nil
		}
		r, err := getInboundRow()
		if err != nil {
			return URL{}, false, err
		}
		defer inboundRows.Put(r)
		u, _, err := r.fromCache(c.recs[i])
		return u, err == nil, err
	}
	st := s.prepare(`SELECT ` + urlColumns + ` FROM urls WHERE url = ?`)
	if st == nil {
		return URL{}, false, s.failed()
	}
	u, err := scanURL(st.QueryRow(url))
	if errors.Is(err, sql.ErrNoRows) {
		return URL{}, false, nil
	}
	if err != nil {
		return URL{}, false, fmt.Errorf("store: %w", err)
	}
	return u, true, nil
}

// EachURL calls fn for every record in URL order.
func (s *SQLite) EachURL(fn func(URL) error) error {
	if err := s.Flush(); err != nil {
		return err
	}
	if c := s.current(); c != nil {
		return c.each(func(u URL, _ Inbound) error { return fn(u) })
	}
	rows, err := s.db.Query(`SELECT ` + urlColumns + ` FROM urls ORDER BY url`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	row := newURLRow()
	for rows.Next() {
		u, err := row.scan(rows)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachEdge calls fn for every edge ordered by To, From, Type, Tag, Text
// (the order of the edges_to index: no sort).
func (s *SQLite) EachEdge(fn func(Edge) error) error {
	if err := s.edgeReads(); err != nil {
		return err
	}
	return s.eachSortedEdge(fn)
}

// eachSortedEdge calls fn for every distinct edge in EachEdge's order. The
// rows come sorted, so duplicates are adjacent: skipping them here is
// cheaper than SQL's DISTINCT.
func (s *SQLite) eachSortedEdge(fn func(Edge) error) error {
	rows, err := s.db.Query(`SELECT from_url, to_url, type, tag, text FROM edges ORDER BY to_url, from_url, type, tag, text`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var prev Edge
	for rows.Next() {
		var e Edge
		var typ string
		if err := rows.Scan(&e.From, &e.To, &typ, &e.Tag, &e.Text); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		e.Type = EdgeType(typ)
		if e == prev {
			continue
		}
		prev = e
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// edgeReads flushes pending writes and, the first time, indexes the edges
// (edges_to) and counts them (the inbound table).
func (s *SQLite) edgeReads() error {
	if err := s.Flush(); err != nil {
		return err
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexed {
		return nil
	}
	if _, err := s.db.Exec(edgesToIndex); err != nil {
		return fmt.Errorf("store: index edges: %w", err)
	}
	if err := s.fillInbound(); err != nil {
		return err
	}
	s.indexed = true
	return nil
}

// EachEdgeStatus calls fn for every edge, in EachEdge order, with the
// status of its target's record (recorded false when there is none),
// joining in SQL rather than looking each target up. The edges come in
// target order, so the lookups in urls walk it in order too (page cache
// friendly).
func (s *SQLite) EachEdgeStatus(fn func(e Edge, status int, recorded bool) error) error {
	if err := s.edgeReads(); err != nil {
		return err
	}
	if c := s.current(); c != nil {
		return s.eachEdgeCachedStatus(c, fn)
	}
	rows, err := s.db.Query(`SELECT e.from_url, e.to_url, e.type, e.tag, e.text, u.status
		FROM edges e LEFT JOIN urls u ON u.url = e.to_url ORDER BY e.to_url, e.from_url, e.type, e.tag, e.text`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var prev Edge
	for rows.Next() {
		var e Edge
		var typ string
		var status sql.NullInt64
		if err := rows.Scan(&e.From, &e.To, &typ, &e.Tag, &e.Text, &status); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		e.Type = EdgeType(typ)
		if e == prev {
			continue // duplicates are adjacent
		}
		prev = e
		if err := fn(e, int(status.Int64), status.Valid); err != nil {
			return err
		}
	}
	return rows.Err()
}

// eachEdgeCachedStatus is EachEdgeStatus with the statuses taken from the
// cached records, walked in step with the edges (both in URL order)
// rather than joined in SQL.
func (s *SQLite) eachEdgeCachedStatus(c *urlCache, fn func(e Edge, status int, recorded bool) error) error {
	r, err := newInboundRow()
	if err != nil {
		return err
	}
	var (
		at       int    // c.urls[at] is the first URL not before the edge's target
		target   string // the target whose status is known
		have     bool   // target is set
		status   int
		recorded bool
	)
	return s.eachSortedEdge(func(e Edge) error {
		if !have || e.To != target {
			target, have = e.To, true
			for at < len(c.urls) && c.urls[at] < e.To {
				at++
			}
			status, recorded = 0, at < len(c.urls) && c.urls[at] == e.To
			if recorded {
				u, _, err := r.fromCache(c.recs[at])
				if err != nil {
					return err
				}
				status = u.Status
			}
		}
		return fn(e, status, recorded)
	})
}

// maxCursors bounds EdgesTo's open cursors (each holds a connection).
const maxCursors = 3

// EdgesTo returns the edges pointing at url, ordered by From, Type, Tag,
// Text; at most MaxEdgesTo of them (the first ones). Outputs call it for every URL in URL order, several times over and
// possibly from several goroutines at once; so it keeps a few cursors over
// the edges in target order and serves a call from the cursor furthest along
// that has not yet passed url, reading on: one scan per pass instead of a
// query per URL. Any such cursor will do (the edges it skips belong to URLs
// before url). A call no cursor can serve, or one after a write, opens a new
// cursor, replacing the one furthest behind.
func (s *SQLite) EdgesTo(url string) ([]Edge, error) {
	if err := s.edgeReads(); err != nil {
		return nil, err
	}
	s.curMu.Lock()
	defer s.curMu.Unlock()
	at := s.committed.Load()
	var c *edgeCursor
	for _, k := range s.curs {
		if k.at == at && k.last < url && (c == nil || k.last > c.last) {
			c = k
		}
	}
	if c == nil {
		var err error
		if c, err = s.openCursor(url, at); err != nil {
			return nil, err
		}
	}
	c.last = url
	s.tick++
	c.used = s.tick
	var out []Edge
	for {
		if c.peek == nil {
			if c.done {
				return out, nil
			}
			if !c.rows.Next() {
				err := c.rows.Err()
				c.rows.Close()
				c.rows, c.done = nil, true
				if err != nil {
					return nil, fmt.Errorf("store: %w", err)
				}
				return out, nil
			}
			var e Edge
			var typ string
			if err := c.rows.Scan(&e.To, &e.From, &typ, &e.Tag, &e.Text); err != nil {
				return nil, fmt.Errorf("store: %w", err)
			}
			e.Type = EdgeType(typ)
			c.peek = &e
		}
		switch {
		case c.peek.To < url:
			c.peek = nil
		case c.peek.To == url:
			if n := len(out); n < MaxEdgesTo && (n == 0 || out[n-1] != *c.peek) { // duplicates are adjacent
				out = append(out, *c.peek)
			}
			c.peek = nil
		default:
			return out, nil
		}
	}
}

// edgeCursor reads edges in (to, from, type, tag, text) order for EdgesTo.
type edgeCursor struct {
	rows *sql.Rows
	peek *Edge  // read, not yet returned
	last string // the URL last asked for: every edge to it or before is read
	done bool   // rows exhausted
	at   int64  // s.committed when opened
	used uint64 // s.tick when last used
}

func (c *edgeCursor) close() {
	if c.rows != nil {
		c.rows.Close()
		c.rows = nil
	}
}

// openCursor opens a cursor at the edges to from, in place of a stale or
// exhausted cursor or, when there are maxCursors, of the least recently used
// one (a pass that ended; live passes use theirs all the time). The caller
// holds curMu.
func (s *SQLite) openCursor(from string, at int64) (*edgeCursor, error) {
	slot := -1
	for i, k := range s.curs {
		if k.at != at || k.done {
			slot = i
			break
		}
		if len(s.curs) >= maxCursors && (slot < 0 || k.used < s.curs[slot].used) {
			slot = i
		}
	}
	if slot >= 0 {
		s.curs[slot].close() // before the query: it frees a connection
	}
	rows, err := s.db.Query(`SELECT to_url, from_url, type, tag, text FROM edges
		WHERE to_url >= ? ORDER BY to_url, from_url, type, tag, text`, from)
	if err != nil {
		if slot >= 0 {
			s.curs = append(s.curs[:slot], s.curs[slot+1:]...)
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	c := &edgeCursor{rows: rows, at: at}
	if slot >= 0 {
		s.curs[slot] = c
	} else {
		s.curs = append(s.curs, c)
	}
	return c, nil
}

func (s *SQLite) closeCursor() {
	s.curMu.Lock()
	for _, c := range s.curs {
		c.close()
	}
	s.curs = nil
	s.curMu.Unlock()
}

// PutFindings replaces the stored findings.
func (s *SQLite) PutFindings(fs []Finding) error {
	if err := s.Flush(); err != nil {
		return err
	}
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM findings`); err != nil {
			return err
		}
		st, err := tx.Prepare(`INSERT INTO findings (seq, rule, severity, url, message, referrers, fix) VALUES (?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, f := range fs {
			if _, err := st.Exec(i, f.Rule, string(f.Severity), text(f.URL), text(f.Message), jsonList(f.Referrers), f.Fix); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutClusters replaces every record's cluster and cluster_kind with ms, in
// one transaction.
func (s *SQLite) PutClusters(ms []ClusterMember) (err error) {
	if err := s.Flush(); err != nil {
		return err
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	var c *urlCache // the cache with the change, when it is current
	if s.cache != nil && s.cache.at == s.committed.Load() {
		var err error
		if c, err = s.cache.setClusters(ms); err != nil {
			return err
		}
	}
	s.cache = nil
	defer func() {
		if err == nil {
			s.cache = c
		}
	}()
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE urls SET cluster = '', cluster_kind = '' WHERE cluster <> '' OR cluster_kind <> ''`); err != nil {
			return err
		}
		st, err := tx.Prepare(`UPDATE urls SET cluster = ?, cluster_kind = ? WHERE url = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range ms {
			if _, err := st.Exec(text(c.Cluster), string(c.Kind), text(c.URL)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Findings returns the stored findings in the order they were stored.
func (s *SQLite) Findings() ([]Finding, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(`SELECT rule, severity, url, message, referrers, fix FROM findings ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var sev, refs string
		if err := rows.Scan(&f.Rule, &sev, &f.URL, &f.Message, &refs, &f.Fix); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		f.Severity = Severity(sev)
		f.Referrers = parseList(refs)
		out = append(out, f)
	}
	return out, rows.Err()
}

// EachQueued calls fn for every URL on the frontier in queue order (a URL
// recorded not requested because --max-time passed is still queued: the
// record says so in the outputs, the frontier row resumes it): each
// queued URL once, in its first place, unless it has been recorded since.
// (The writer only appends to the frontier table during the crawl; a
// deletion per recorded URL cost as much as the record.)
func (s *SQLite) EachQueued(fn func(Queued) error) error {
	if err := s.Flush(); err != nil {
		return err
	}
	rows, err := s.db.Query(`SELECT url, kind, depth, hops, parse, head, start FROM frontier
		WHERE seq IN (SELECT min(seq) FROM frontier GROUP BY url)
		AND url NOT IN (SELECT url FROM urls WHERE not_requested <> 'max-time')
		ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var q Queued
		var kind string
		if err := rows.Scan(&q.URL, &kind, &q.Depth, &q.Hops, &q.Parse, &q.Head, &q.Start); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		q.Kind = Kind(kind)
		if err := fn(q); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Close commits every pending write, waits for the writer goroutine and
// closes the database. It returns the first write error.
func (s *SQLite) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.failed()
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	<-s.done
	s.closeCursor()
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmtMu.Unlock()
	err := s.failed()
	if cerr := s.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("store: %w", cerr)
	}
	return err
}

func (s *SQLite) inTx(fn func(*sql.Tx) error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("store: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// text returns s as valid UTF-8, invalid bytes replaced by U+FFFD: text
// from sites (titles, anchor text, headers) is stored so that any SQLite
// client can decode it. (JSON columns are valid already: encoding/json
// replaces invalid bytes the same way.)
func text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// renderJSON encodes the render column: "" when the page was not
// rendered, else Render as JSON with its text made valid UTF-8.
func renderJSON(r *Render) string {
	if r == nil {
		return ""
	}
	c := *r
	c.Title, c.Canonical, c.FinalURL, c.Error = text(c.Title), text(c.Canonical), text(c.FinalURL), text(c.Error)
	if len(c.ConsoleErrors) > 0 {
		c.ConsoleErrors = append([]string(nil), c.ConsoleErrors...)
		for i, e := range c.ConsoleErrors {
			c.ConsoleErrors[i] = text(e)
		}
	}
	return jsonValue(c)
}

// jsonValue encodes a slice column (sitemap problems, challenges) as JSON;
// nil and empty slices are "null".
func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func parseList(s string) []string {
	var l []string
	if s == "" || s == "[]" {
		return nil
	}
	_ = json.Unmarshal([]byte(s), &l)
	return l
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// EachURLInbound calls fn for every record in URL order with its Inbound
// counts, read from the inbound table (refilled first if edges were written
// since it was filled).
func (s *SQLite) EachURLInbound(fn func(URL, Inbound) error) error {
	if err := s.edgeReads(); err != nil {
		return err
	}
	c, err := s.cachedRows()
	if err != nil {
		return err
	}
	if c != nil {
		return c.each(fn)
	}
	if err := s.freshInbound(); err != nil {
		return err
	}
	rows, err := s.db.Query(inboundQuery)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var in Inbound
	var types string
	row := newURLRow(&types, &in.Inlinks, &in.Links, &in.Refs)
	for rows.Next() {
		u, err := row.scan(rows)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		in.Types = splitTypes(types)
		if err := fn(u, in); err != nil {
			return err
		}
	}
	return rows.Err()
}

// freshInbound refills the inbound table if edges were written since it
// was filled (a test, or a store written after it was read).
func (s *SQLite) freshInbound() error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.inboundAt == s.committed.Load() {
		return nil
	}
	return s.fillInbound()
}

// fillInbound recomputes the inbound table. The caller holds indexMu.
func (s *SQLite) fillInbound() error {
	at := s.committed.Load()
	if _, err := s.db.Exec(inboundFill); err != nil {
		return fmt.Errorf("store: count edges: %w", err)
	}
	s.inboundAt = at
	return nil
}

// inboundQuery reads every record in URL order with its inbound counts.
const inboundQuery = `SELECT ` + urlColumns + `, coalesce(i.types, ''), coalesce(i.inlinks, 0), coalesce(i.links, 0), coalesce(i.refs, 0)
	FROM urls LEFT JOIN inbound i USING (url) ORDER BY url`

// splitTypes parses group_concat's comma-separated edge types, sorted.
func splitTypes(s string) []EdgeType {
	if s == "" {
		return nil
	}
	var out []EdgeType
	for _, t := range strings.Split(s, ",") {
		out = append(out, EdgeType(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// LookupEdgesTo returns the edges pointing at url as EdgesTo does, with one
// indexed query that leaves EdgesTo's cursors where they are.
func (s *SQLite) LookupEdgesTo(url string) ([]Edge, error) {
	if err := s.edgeReads(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(`SELECT from_url, type, tag, text FROM edges WHERE to_url = ?
		ORDER BY from_url, type, tag, text LIMIT ?`, url, MaxEdgesTo)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Edge
	for rows.Next() {
		e := Edge{To: url}
		var typ string
		if err := rows.Scan(&e.From, &typ, &e.Tag, &e.Text); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		e.Type = EdgeType(typ)
		if n := len(out); n == 0 || out[n-1] != e { // duplicates are adjacent
			out = append(out, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return out, nil
}
