package redisq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRoot is the default first part of every key: crawls live under
// DefaultRoot + ":{crawlID}:", the list of crawls at DefaultRoot + ":crawls".
const DefaultRoot = "crawlaudit"

// MaxAnnouncementBytes bounds one crawl's announced settings: a worker
// reads no more (a Redis shared with others holds hostile data too).
const MaxAnnouncementBytes = 64 << 10

// Crawls are announced to workers in root + ":crawls", a HASH of crawl id →
// the crawl's settings (JSON, opaque here). A worker lists it to find work;
// the coordinator announces its crawl once its settings are known and
// withdraws it when the crawl is over.
func crawlsKey(root string) string { return root + ":crawls" }

// Announce lists the crawl id with its settings under root.
func Announce(ctx context.Context, rdb redis.UniversalClient, root, id string, settings []byte) error {
	if len(settings) > MaxAnnouncementBytes {
		return fmt.Errorf("redisq: announce: settings of %d bytes (at most %d)", len(settings), MaxAnnouncementBytes)
	}
	if err := rdb.HSet(ctx, crawlsKey(root), id, settings).Err(); err != nil {
		return fmt.Errorf("redisq: announce: %w", err)
	}
	return nil
}

// Withdraw removes the crawl id from the crawls under root.
func Withdraw(ctx context.Context, rdb redis.UniversalClient, root, id string) error {
	if err := rdb.HDel(ctx, crawlsKey(root), id).Err(); err != nil {
		return fmt.Errorf("redisq: withdraw: %w", err)
	}
	return nil
}

// Crawls returns the crawls announced under root: id → settings. Entries
// larger than MaxAnnouncementBytes are left out.
func Crawls(ctx context.Context, rdb redis.UniversalClient, root string) (map[string][]byte, error) {
	m, err := rdb.HGetAll(ctx, crawlsKey(root)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisq: list crawls: %w", err)
	}
	out := make(map[string][]byte, len(m))
	for id, v := range m {
		if len(v) <= MaxAnnouncementBytes {
			out[id] = []byte(v)
		}
	}
	return out, nil
}

// Per-crawl keys of the workers (beside those of doc.go).
const (
	keyWorkers = "workers" // ZSET worker → last heartbeat (Unix ms)
	keyRefused = "refused" // HASH worker → why it refuses the crawl's work
	keyAlive   = "alive"   // STRING set by the coordinator: Redis still holds the crawl
)

// ErrCrawlGone is returned by the calls of a worker (Heartbeat, Refuse,
// PublishLive) on a crawl whose keys are gone: finished and deleted, or
// lost by Redis. They then write nothing, so a late worker never leaves
// keys behind a finished crawl.
var ErrCrawlGone = errors.New("redisq: the crawl is gone from Redis")

// liveScript runs one write only while the crawl's marker key exists.
//
// KEYS: 1 ALIVE, 2 the key written
// ARGV: 1 "zadd" (score, member), "hset" (field, value) or "xadd" (field,
// value), 2 and 3 their arguments
// Returns the command's answer, or false when the crawl is gone.
var liveScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] == 'zadd' then return redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) end
if ARGV[1] == 'hset' then return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
return redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[3])
`)

func (q *Queue) live(ctx context.Context, op, key string, a, b any) (any, error) {
	v, err := liveScript.Run(ctx, q.rdb, []string{q.key(keyAlive), key}, op, a, b).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrCrawlGone
	}
	return v, err
}

// Heartbeat says worker is serving the crawl at now.
func (q *Queue) Heartbeat(ctx context.Context, worker string, now time.Time) error {
	if _, err := q.live(ctx, "zadd", q.key(keyWorkers), now.UnixMilli(), worker); err != nil {
		return fmt.Errorf("redisq: heartbeat: %w", err)
	}
	return nil
}

// PublishLive is Publish while the crawl is alive (MarkAlive): a worker's
// result for a crawl that is gone is dropped (ErrCrawlGone).
func (q *Queue) PublishLive(ctx context.Context, rec Record) (string, error) {
	if rec.V == 0 {
		rec.V = RecordVersion
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("redisq: encode record: %w", err)
	}
	v, err := q.live(ctx, "xadd", q.key(keyResults), recordField, b)
	if err != nil {
		return "", fmt.Errorf("redisq: publish: %w", err)
	}
	return fmt.Sprint(v), nil
}

// Workers counts the workers whose last heartbeat is at or after since.
func (q *Queue) Workers(ctx context.Context, since time.Time) (int, error) {
	n, err := q.rdb.ZCount(ctx, q.key(keyWorkers), strconv.FormatInt(since.UnixMilli(), 10), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("redisq: workers: %w", err)
	}
	return int(n), nil
}

// Refuse records that worker refuses the crawl's work, and why (one line,
// never a secret).
func (q *Queue) Refuse(ctx context.Context, worker, why string) error {
	if _, err := q.live(ctx, "hset", q.key(keyRefused), worker, why); err != nil {
		return fmt.Errorf("redisq: refuse: %w", err)
	}
	return nil
}

// Refusals returns worker → why, for the workers that refused the crawl.
func (q *Queue) Refusals(ctx context.Context) (map[string]string, error) {
	m, err := q.rdb.HGetAll(ctx, q.key(keyRefused)).Result()
	if err != nil {
		return nil, fmt.Errorf("redisq: refusals: %w", err)
	}
	return m, nil
}

// MarkAlive sets the crawl's marker key; Alive reports whether it is still
// there. A marker gone means Redis lost the crawl's keys (restarted without
// persistence, flushed).
func (q *Queue) MarkAlive(ctx context.Context) error {
	if err := q.rdb.Set(ctx, q.key(keyAlive), "1", 0).Err(); err != nil {
		return fmt.Errorf("redisq: mark: %w", err)
	}
	return nil
}

// Alive reports whether the crawl's marker key (MarkAlive) is there.
func (q *Queue) Alive(ctx context.Context) (bool, error) {
	n, err := q.rdb.Exists(ctx, q.key(keyAlive)).Result()
	if err != nil {
		return false, fmt.Errorf("redisq: alive: %w", err)
	}
	return n == 1, nil
}

// Release gives a held lease back at once (a worker stopping before its
// URL's answer): its URL returns to its queue in its old place, as an
// expired lease's does. A lease already gone is no error.
func (q *Queue) Release(ctx context.Context, l Lease) error {
	n, err := extendScript.Run(ctx, q.rdb, []string{q.key(keyLeases), q.key(keyLeaseData)}, l.ID, 0).Int()
	if err != nil {
		return fmt.Errorf("redisq: release: %w", err)
	}
	if n == 0 {
		return nil
	}
	keys := []string{q.key(keyLeases), q.key(keyLeaseData), q.key(keyInflight), q.key(keyHosts),
		q.key(keyNext), q.key(keyQueued)}
	// Deadline 0 sorts first: one lease per call is enough to reach it.
	if err := requeueScript.Run(ctx, q.rdb, keys, 0, q.cfg.HostLimit, q.key(keyQueue), 1).Err(); err != nil {
		return fmt.Errorf("redisq: release: %w", err)
	}
	return nil
}

// Backlog counts the results stream's entries: published and not yet
// acknowledged by the coordinator (Reader.Ack deletes them).
func (q *Queue) Backlog(ctx context.Context) (int64, error) {
	n, err := q.rdb.XLen(ctx, q.key(keyResults)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("redisq: backlog: %w", err)
	}
	return n, nil
}

// Conn is a connection (pool) to one Redis server, for the packages that
// do not import go-redis themselves.
type Conn struct {
	rdb redis.UniversalClient
}

// Dial returns a Conn for a redis:// or rediss:// URL
// ("redis://[user:password@]host:port/db"). It does not connect yet: Ping
// does. The error never holds the URL (it may carry a password).
func Dial(rawURL string) (*Conn, error) {
	// go-redis prints connection failures on stderr with the standard
	// logger; every error reaches the callers, which say what they do
	// about it (retrying, in their own log), so it prints nothing.
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("not a redis:// or rediss:// URL (redis://[user:password@]host:port/db)")
	}
	// Reconnects with backoff are go-redis's: every command retries on a
	// broken connection; the callers retry what still fails.
	opt.MaxRetries = 3
	opt.MinRetryBackoff = 50 * time.Millisecond
	opt.MaxRetryBackoff = time.Second
	return &Conn{rdb: redis.NewClient(opt)}, nil
}

var quietOnce sync.Once

// quiet is a go-redis logger that drops its lines.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// NewConn wraps a client the caller made (tests).
func NewConn(rdb redis.UniversalClient) *Conn { return &Conn{rdb: rdb} }

// Ping checks that the server answers and is 6.2 or later.
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	info, err := c.rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if v := serverVersion(info); v != "" && !atLeast(v, 6, 2) {
		return fmt.Errorf("redis %s: 6.2 or later is needed (XAUTOCLAIM, ZADD NX with ZPOPMIN)", v)
	}
	return nil
}

// Queue returns the Queue of cfg's crawl on c.
func (c *Conn) Queue(cfg Config) (*Queue, error) { return New(c.rdb, cfg) }

// Announce, Withdraw and Crawls are those of the package, on c.
func (c *Conn) Announce(ctx context.Context, root, id string, settings []byte) error {
	return Announce(ctx, c.rdb, root, id, settings)
}

// Withdraw removes the crawl id from the crawls under root.
func (c *Conn) Withdraw(ctx context.Context, root, id string) error {
	return Withdraw(ctx, c.rdb, root, id)
}

// Crawls returns the crawls announced under root.
func (c *Conn) Crawls(ctx context.Context, root string) (map[string][]byte, error) {
	return Crawls(ctx, c.rdb, root)
}

// Close closes the connections.
func (c *Conn) Close() error { return c.rdb.Close() }

// IsNoGroup reports whether err says the results stream's consumer group is
// gone (Redis lost the crawl's keys).
func IsNoGroup(err error) bool {
	return err != nil && strings.Contains(err.Error(), "NOGROUP")
}

func serverVersion(info string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return ""
}

func atLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return true
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return true
	}
	return ma > major || ma == major && mi >= minor
}

// Prefix is the crawl's key prefix.
func (q *Queue) Prefix() string { return q.cfg.Prefix }

// HostDelay is the crawl's least time between two request starts on a host.
func (q *Queue) HostDelay() time.Duration { return q.cfg.HostDelay }
