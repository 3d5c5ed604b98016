package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// PutLogs replaces the log tables' contents with d, in one transaction.
func (s *SQLite) PutLogs(d LogData) error {
	if err := s.Flush(); err != nil {
		return err
	}
	run, err := json.Marshal(d.Run)
	if err != nil {
		return fmt.Errorf("store: logs: %w", err)
	}
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM log_run; DELETE FROM bot_hits; DELETE FROM bot_days`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO log_run (id, data) VALUES (1, ?)`, text(string(run))); err != nil {
			return err
		}
		hit, err := tx.Prepare(`INSERT INTO bot_hits (url, bot, kind, verdict, hits, statuses, first_seen, last_seen, times) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer hit.Close()
		for _, h := range d.Hits {
			times := ""
			if h.Times != nil {
				times = jsonValue(h.Times)
			}
			if _, err := hit.Exec(text(h.URL), h.Bot, h.Kind, h.Verdict, h.Hits, jsonValue(h.Statuses),
				h.FirstSeen.Format(time.RFC3339Nano), h.LastSeen.Format(time.RFC3339Nano), times); err != nil {
				return err
			}
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
	})
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
		if err := json.Unmarshal([]byte(statuses), &h.Statuses); err != nil {
			return nil, fmt.Errorf("store: logs: %w", err)
		}
		if times != "" {
			if err := json.Unmarshal([]byte(times), &h.Times); err != nil {
				return nil, fmt.Errorf("store: logs: %w", err)
			}
		}
		h.FirstSeen, _ = time.Parse(time.RFC3339Nano, first)
		h.LastSeen, _ = time.Parse(time.RFC3339Nano, last)
		d.Hits = append(d.Hits, h)
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
