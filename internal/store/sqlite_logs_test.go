package store

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// dumpLogTables is every row of the log tables, as text.
func dumpLogTables(t *testing.T, s *SQLite) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT id, data FROM log_run`,
		`SELECT url, bot, kind, verdict, hits, typeof(hits), statuses, first_seen, last_seen, times FROM bot_hits ORDER BY url, bot, verdict`,
		`SELECT day, bot, verdict, class, hits FROM bot_days ORDER BY day, bot, verdict, class`} {
		rows, err := s.db.Query(q)
		must(t, err)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			fmt.Fprintln(&b, vals...)
		}
		must(t, rows.Err())
		rows.Close()
	}
	return b.String()
}

// TestStagedLogsEqualPutLogs: log data staged beside crawl.db and moved in
// gives the tables PutLogs gives, replacing what was there, and the staged
// file is gone once closed.
func TestStagedLogsEqualPutLogs(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("", -4*3600)
	d := LogData{Run: LogRun{Files: []string{"a.log"}, Formats: []string{"combined"}, Lines: 5000, BotLines: 3000}}
	for i := range 3000 {
		h := &BotHit{URL: fmt.Sprintf("https://a.test/p/%05d?q=\"x\"\\é", i), Bot: "Googlebot Smartphone", Kind: "search", Verdict: "verified", Hits: int64(i + 1),
			Statuses: []StatusCount{{200, int64(i)}, {404, 1}}, FirstSeen: time.Date(2026, 3, 29, 1, 2, 3, i, zone), LastSeen: time.Date(2026, 3, 30, 1, 2, 3, 0, time.UTC)}
		if i%3 == 0 {
			h.Times = []uint32{1, 0, 2}
		}
		d.Hits = append(d.Hits, h)
	}
	d.Days = []BotDay{{Day: "2026-03-29", Bot: "Googlebot Smartphone", Verdict: "verified", Class: "2xx", Hits: 2999}}
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a"), 0o755))
	a, err := CreateSQLite(filepath.Join(dir, "a", "crawl.db"))
	must(t, err)
	defer a.Close()
	must(t, os.MkdirAll(filepath.Join(dir, "b"), 0o755))
	b, err := CreateSQLite(filepath.Join(dir, "b", "crawl.db"))
	must(t, err)
	defer b.Close()
	must(t, a.PutLogs(d))
	old := d
	old.Hits = old.Hits[:10]
	must(t, b.PutLogs(old)) // replaced by the staged data
	st, err := b.StageLogs(d)
	must(t, err)
	must(t, b.PutStagedLogs(st))
	must(t, st.Close())
	want, got := dumpLogTables(t, a), dumpLogTables(t, b)
	if want != got || strings.Count(got, "\n") != 3002 {
		t.Fatalf("staged tables differ from PutLogs' (%d and %d rows)", strings.Count(got, "\n"), strings.Count(want, "\n"))
	}
	ra, err := a.Logs()
	must(t, err)
	rb, err := b.Logs()
	must(t, err)
	if !reflect.DeepEqual(ra, rb) {
		t.Fatal("staged log data reads back otherwise")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "b", ".crawl.db-logs-*"))
	if len(left) != 0 {
		t.Fatalf("staged files left: %v", left)
	}
}
