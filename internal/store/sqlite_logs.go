package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PutLogs replaces the log tables' contents with d, in one transaction.
func (s *SQLite) PutLogs(d LogData) error {
	if err := s.Flush(); err != nil {
		return err
	}
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM log_run; DELETE FROM bot_hits; DELETE FROM bot_days`); err != nil {
			return err
		}
		return insertLogs(tx, d)
	})
}

// insertLogs inserts d into the (empty) log tables of tx's database.
func insertLogs(tx *sql.Tx, d LogData) error {
	run, err := json.Marshal(d.Run)
	if err != nil {
		return fmt.Errorf("store: logs: %w", err)
	}
	if _, err := tx.Exec(`INSERT INTO log_run (id, data) VALUES (1, ?)`, text(string(run))); err != nil {
		return err
	}
	// logRows rows per INSERT: one statement per row costs more than
	// the row itself. OR FAIL: a statement that fails leaves its rows
	// to the transaction's rollback, so SQLite keeps no statement
	// journal (a copy of every page each INSERT touches, written to a
	// temporary file: a fifth of the time of a large log's rows).
	const logRows = 64
	const cols = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
	full, err := tx.Prepare(`INSERT OR FAIL INTO bot_hits (url, bot, kind, verdict, hits, statuses, first_seen, last_seen, times) VALUES ` +
		strings.Repeat(cols+", ", logRows-1) + cols)
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, 9*logRows)
	n := 0
	flush := func() error {
		if n == logRows {
			_, err := full.Exec(args...)
			args, n = args[:0], 0
			return err
		}
		if n == 0 {
			return nil
		}
		q := `INSERT OR FAIL INTO bot_hits (url, bot, kind, verdict, hits, statuses, first_seen, last_seen, times) VALUES ` +
			strings.Repeat(cols+", ", n-1) + cols
		_, err := tx.Exec(q, args...)
		args, n = args[:0], 0
		return err
	}
	err = d.EachHit(func(h *BotHit) error {
		args = append(args, text(h.URL), h.Bot, h.Kind, h.Verdict, h.Hits, statusesText(h.Statuses),
			h.FirstSeen.Format(time.RFC3339Nano), h.LastSeen.Format(time.RFC3339Nano), timesText(h.Times))
		if n++; n == logRows {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	day, err := tx.Prepare(`INSERT INTO bot_days (day, bot, verdict, class, hits) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer day.Close()
	for _, x := range d.Days {
		if _, err := day.Exec(x.Day, x.Bot, x.Verdict, x.Class, x.Hits); err != nil {
			return err
		}
	}
	return nil
}

// StagedLogs is log data written into a database of its own beside a
// crawl.db (SQLite.StageLogs), for SQLite.PutStagedLogs to move in.
type StagedLogs struct {
	path string
}

// StageLogs writes d into a new temporary database in the folder of s's
// database: the log tables alone, without a journal or syncs. It touches
// nothing of s's database, so it may run while others read and write it:
// a large log's hits (hundreds of thousands of rows, the slow part of
// storing them) are written beside the outputs, and PutStagedLogs then
// copies them in as they are. Close the result.
func (s *SQLite) StageLogs(d LogData) (*StagedLogs, error) {
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+"-logs-*")
	if err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	st := &StagedLogs{path: f.Name()}
	if err := f.Close(); err != nil {
		st.Close()
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	if err := st.write(d); err != nil {
		st.Close()
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	return st, nil
}

func (st *StagedLogs) write(d LogData) error {
	db, err := sql.Open("sqlite", "file:"+st.path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("PRAGMA page_size = " + strconv.Itoa(pageSize) + "; " + logTables); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if err := insertLogs(tx, d); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return db.Close()
}

// Close removes the staged database.
func (st *StagedLogs) Close() error {
	if err := os.Remove(st.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: logs: %w", err)
	}
	return nil
}

// PutStagedLogs replaces the log tables' contents with st's, in one
// transaction. The tables having the same definitions, SQLite copies
// their rows as they are (its transfer optimisation), without decoding
// them.
func (s *SQLite) PutStagedLogs(st *StagedLogs) error {
	if err := s.Flush(); err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: logs: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS staged`, st.path); err != nil {
		return fmt.Errorf("store: logs: %w", err)
	}
	err = func() error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM main.log_run; DELETE FROM main.bot_hits; DELETE FROM main.bot_days;
			INSERT INTO main.log_run SELECT * FROM staged.log_run;
			INSERT INTO main.bot_hits SELECT * FROM staged.bot_hits;
			INSERT INTO main.bot_days SELECT * FROM staged.bot_days`); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}()
	if _, derr := conn.ExecContext(ctx, `DETACH DATABASE staged`); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("store: logs: %w", err)
	}
	return nil
}

// Logs returns the stored log data, or nil when `crawlaudit logs` never
// wrote any.
func (s *SQLite) Logs() (*LogData, error) {
	if err := s.Flush(); err != nil {
		return nil, err
	}
	var run string
	err := s.db.QueryRow(`SELECT data FROM log_run WHERE id = 1`).Scan(&run)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	d := &LogData{}
	if err := json.Unmarshal([]byte(run), &d.Run); err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	rows, err := s.db.Query(`SELECT url, bot, kind, verdict, hits, statuses, first_seen, last_seen, times FROM bot_hits ORDER BY url, bot, verdict`)
	if err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h BotHit
		var statuses, first, last, times string
		if err := rows.Scan(&h.URL, &h.Bot, &h.Kind, &h.Verdict, &h.Hits, &statuses, &first, &last, &times); err != nil {
			return nil, fmt.Errorf("store: logs: %w", err)
		}
		if h.Statuses, err = parseStatuses(statuses); err != nil {
			return nil, fmt.Errorf("store: logs: %s: %w", h.URL, err)
		}
		if h.Times, err = parseTimes(times); err != nil {
			return nil, fmt.Errorf("store: logs: %s: %w", h.URL, err)
		}
		h.FirstSeen, _ = time.Parse(time.RFC3339Nano, first)
		h.LastSeen, _ = time.Parse(time.RFC3339Nano, last)
		d.Hits = append(d.Hits, &h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	days, err := s.db.Query(`SELECT day, bot, verdict, class, hits FROM bot_days ORDER BY day, bot, verdict, class`)
	if err != nil {
		return nil, fmt.Errorf("store: logs: %w", err)
	}
	defer days.Close()
	for days.Next() {
		var x BotDay
		if err := days.Scan(&x.Day, &x.Bot, &x.Verdict, &x.Class, &x.Hits); err != nil {
			return nil, fmt.Errorf("store: logs: %w", err)
		}
		d.Days = append(d.Days, x)
	}
	return d, days.Err()
}

// statusesText writes statuses as "200:3 401:1".
func statusesText(ss []StatusCount) string {
	b := make([]byte, 0, 8*len(ss))
	for i, s := range ss {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(s.Status), 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, s.Hits, 10)
	}
	return string(b)
}

func parseStatuses(s string) ([]StatusCount, error) {
	var out []StatusCount
	for _, f := range strings.Fields(s) {
		st, n, ok := strings.Cut(f, ":")
		a, err1 := strconv.Atoi(st)
		b, err2 := strconv.ParseInt(n, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad statuses %q", s)
		}
		out = append(out, StatusCount{a, b})
	}
	return out, nil
}

// timesText writes a histogram as its counts separated by spaces; "" for
// none.
func timesText(t []uint32) string {
	if t == nil {
		return ""
	}
	b := make([]byte, 0, 3*len(t))
	for i, n := range t {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	return string(b)
}

func parseTimes(s string) ([]uint32, error) {
	if s == "" {
		return nil, nil
	}
	fs := strings.Fields(s)
	out := make([]uint32, len(fs))
	for i, f := range fs {
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad times %q", s)
		}
		out[i] = uint32(n)
	}
	return out, nil
}
