package store

import "time"

// LogData is what `crawlaudit logs` kept from access logs: the run's
// counts, one BotHit per URL, crawler and verdict, and the hits per day.
// Human visitors' lines are counted in Run and nothing else of them is kept.
type LogData struct {
	Run  LogRun
	Hits []*BotHit // ordered by URL, Bot, Verdict
	Days []BotDay  // ordered by Day, Bot, Verdict, Class
	// Table, when not nil, holds the hits instead of Hits: compactly, for
	// a large log's hundreds of thousands of them. Read the hits with
	// EachHit, which takes either.
	Table HitTable
}

// HitTable is a read-only sequence of BotHits ordered by URL, Bot and
// Verdict, kept in a form of its own (logs.Aggregator.Data). It is safe
// for concurrent use.
type HitTable interface {
	// Len is the number of hits.
	Len() int
	// Each calls fn with every hit in order; fn's error stops it. The
	// BotHit and its slices are valid until fn returns (its strings stay
	// valid): copy what must outlive the call.
	Each(fn func(*BotHit) error) error
}

// NumHits is the number of hits of d.
func (d *LogData) NumHits() int {
	if d.Table != nil {
		return d.Table.Len()
	}
	return len(d.Hits)
}

// EachHit calls fn with every hit of d (Table's or Hits) in URL, Bot,
// Verdict order; fn's error stops it. The BotHit is valid until fn
// returns, as HitTable.Each says.
func (d *LogData) EachHit(fn func(*BotHit) error) error {
	if d.Table != nil {
		return d.Table.Each(fn)
	}
	for _, h := range d.Hits {
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// LogRun describes the logs read.
type LogRun struct {
	Files      []string  // the files read, as given ("-" is standard input)
	Formats    []string  // the format of each file, in Files order
	Site       string    // the origin the logged paths were joined to; "" when none
	Lines      int64     // lines read, directives and blank lines included
	Requests   int64     // lines parsed as requests
	BotLines   int64     // requests from a known crawler (Bots table)
	HumanLines int64     // the other requests: counted, never stored
	BadLines   int64     // lines that did not parse
	Bad        []BadLine // the first few bad lines (file, line number, why)
	First      time.Time // earliest request time, with the log's offset
	Last       time.Time // latest request time, with the log's offset
	Ranges     []string  // operators whose IP ranges were loaded
	DNS        bool      // reverse-then-forward DNS verification was on
	Durations  bool      // the logs carried response times
	Overflow   int64     // crawler hits on URLs past the distinct-URL cap, counted without their URL
}

// BadLine is one unparsable line, located (never its text: it may be a
// visitor's).
type BadLine struct {
	File   string
	Line   int64
	Reason string
}

// BotHit is the hits of one crawler, with one verdict, on one URL.
type BotHit struct {
	URL       string        // normalised absolute URL (or the path when no site is known)
	Bot       string        // crawler name (logs.Bots)
	Kind      string        // search, ai, seo, social
	Verdict   string        // verified, unverified or fake
	Hits      int64         // requests
	Statuses  []StatusCount // by status, ascending
	FirstSeen time.Time     // with the log's offset
	LastSeen  time.Time
	// Times is a histogram of response times over TimeBuckets; nil when
	// the log has none.
	Times []uint32
}

// StatusCount is how many hits got one status.
type StatusCount struct {
	Status int
	Hits   int64
}

// BotDay is the hits of one crawler with one verdict, on one day (the
// log's own calendar day), in one status class.
type BotDay struct {
	Day     string // YYYY-MM-DD
	Bot     string
	Verdict string
	Class   string // "2xx", "3xx", "4xx", "5xx", "1xx"
	Hits    int64
}

// TimeBuckets are the upper bounds, in milliseconds, of BotHit.Times'
// buckets; the last bucket holds everything slower.
var TimeBuckets = []int64{5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000}

// LogStore keeps LogData next to a crawl. SQLite and Memory implement it.
type LogStore interface {
	// PutLogs replaces the stored log data.
	PutLogs(d LogData) error
	// Logs returns the stored log data, or nil when there is none.
	Logs() (*LogData, error)
}

var (
	_ LogStore = (*SQLite)(nil)
	_ LogStore = (*Memory)(nil)
)
