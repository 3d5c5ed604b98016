package redisq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config is one crawl's frontier settings. Every process of a crawl must
// use the same Config (the coordinator will hand it to the workers).
type Config struct {
	// Prefix starts the name of every key of the crawl, e.g.
	// Prefix("2026-12-05-a") = "crawlaudit:{2026-12-05-a}:". Required.
	Prefix string
	// HostLimit is the most URLs of one host leased at once, across every
	// worker. Zero means 1.
	HostLimit int
	// HostDelay is the least time between two request starts on one host,
	// across every worker. Zero means none.
	HostDelay time.Duration
	// LeaseTimeout is how long a worker holds a URL before RequeueExpired
	// hands it to another (the visibility timeout). Zero means one minute.
	LeaseTimeout time.Duration
}

// MaxPriority bounds Item.Priority: the score priority·2^32 + sequence must
// stay exact in a double.
const MaxPriority = 1<<20 - 1

// ErrLeaseLost is returned by Ack and Extend for a lease that is no longer
// held: it expired and was requeued (or was acked already).
var ErrLeaseLost = errors.New("redisq: lease lost")

// Prefix returns the key prefix of a crawl: "crawlaudit:{crawlID}:". The
// braces are a Redis Cluster hash tag, so every key of the crawl is on one
// node and the scripts may touch any of them.
func Prefix(crawlID string) string { return PrefixUnder(DefaultRoot, crawlID) }

// PrefixUnder returns the key prefix of a crawl under root: root +
// ":{crawlID}:".
func PrefixUnder(root, crawlID string) string { return root + ":{" + crawlID + "}:" }

// Item is one URL waiting in the frontier.
type Item struct {
	// URL is the normalised absolute URL; the seen-set is keyed by it.
	URL string `json:"u"`
	// Priority orders a host's queue: lower first (e.g. sitemap-listed and
	// shallow pages first), then first in, first out. 0..MaxPriority.
	Priority int `json:"p"`
	// Data is what the worker needs besides the URL (an encoded
	// store.Queued, say); opaque here.
	Data json.RawMessage `json:"d,omitempty"`
}

// Lease is a URL handed to one worker until Deadline.
type Lease struct {
	ID       string
	Worker   string
	Host     string
	Item     Item
	Deadline time.Time
}

// Stats counts a crawl's frontier.
type Stats struct {
	Queued int64 // URLs waiting in the host queues
	Leased int64 // URLs leased to workers
	Seen   int64 // URLs ever enqueued (the seen-set)
}

// Queue is a crawl's frontier, seen-set, leases, per-host politeness and
// results stream in Redis. It is safe for concurrent use; it holds no state
// of its own besides the client, so any number of processes may share one
// crawl.
type Queue struct {
	rdb redis.UniversalClient
	cfg Config
}

// New returns the Queue of cfg's crawl on rdb. rdb stays the caller's to
// close.
func New(rdb redis.UniversalClient, cfg Config) (*Queue, error) {
	if cfg.Prefix == "" {
		return nil, errors.New("redisq: empty key prefix")
	}
	if cfg.HostLimit < 0 || cfg.HostDelay < 0 || cfg.LeaseTimeout < 0 {
		return nil, errors.New("redisq: negative host limit, host delay or lease timeout")
	}
	if cfg.HostLimit == 0 {
		cfg.HostLimit = 1
	}
	if cfg.LeaseTimeout == 0 {
		cfg.LeaseTimeout = time.Minute
	}
	return &Queue{rdb: rdb, cfg: cfg}, nil
}

// The keys, each cfg.Prefix + one of these (doc.go describes them).
const (
	keySeen      = "seen"      // SET of normalised URLs
	keyQueue     = "q:"        // + host: ZSET of encoded Items by score
	keyHosts     = "hosts"     // ZSET of hosts with work and a free slot, by next start
	keyInflight  = "inflight"  // HASH host → leases held
	keyNext      = "next"      // HASH host → next start allowed (Unix ms)
	keySeq       = "seq"       // STRING: enqueue counter (FIFO tie-break)
	keyQueued    = "queued"    // STRING: URLs in the queues
	keyLeases    = "leases"    // ZSET lease id → deadline (Unix ms)
	keyLeaseData = "leasedata" // HASH lease id → JSON [host, score, member, worker]
	keyLeaseSeq  = "leaseseq"  // STRING: lease id counter
	keyResults   = "results"   // STREAM of Records
)

func (q *Queue) key(name string) string { return q.cfg.Prefix + name }

// HostOf returns the politeness key of a URL: its lowercased host[:port].
func HostOf(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("redisq: %w", err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("redisq: url without a host: %q", rawURL)
	}
	return strings.ToLower(u.Host), nil
}

// Enqueue queues it unless its URL was ever enqueued in this crawl (the
// seen-set decides, atomically with the queueing). It reports whether it
// was queued.
func (q *Queue) Enqueue(ctx context.Context, it Item) (bool, error) {
	keys, args, err := q.enqueueArgs(it)
	if err != nil {
		return false, err
	}
	n, err := enqueueScript.Run(ctx, q.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("redisq: enqueue: %w", err)
	}
	return n == 1, nil
}

// Requeue queues it even though the seen-set holds its URL: for a URL the
// coordinator is still waiting for while Redis holds it nowhere (not
// queued, not leased, no result in the stream), because Redis lost it (a
// restart without persistence) or a result was acknowledged and not
// committed. A URL already in its queue is left there.
func (q *Queue) Requeue(ctx context.Context, it Item) (bool, error) {
	keys, args, err := q.enqueueArgs(it)
	if err != nil {
		return false, err
	}
	args[len(args)-1] = "1"
	n, err := enqueueScript.Run(ctx, q.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("redisq: requeue: %w", err)
	}
	return n == 1, nil
}

// enqueueArgs checks it and returns enqueueScript's keys and arguments.
func (q *Queue) enqueueArgs(it Item) (keys []string, args []any, err error) {
	if it.Priority < 0 || it.Priority > MaxPriority {
		return nil, nil, fmt.Errorf("redisq: priority %d out of 0..%d", it.Priority, MaxPriority)
	}
	host, err := HostOf(it.URL)
	if err != nil {
		return nil, nil, err
	}
	member, err := json.Marshal(it)
	if err != nil {
		return nil, nil, fmt.Errorf("redisq: encode item: %w", err)
	}
	keys = []string{q.key(keySeen), q.key(keyQueue) + host, q.key(keyHosts), q.key(keyInflight),
		q.key(keyNext), q.key(keySeq), q.key(keyQueued)}
	return keys, []any{it.URL, member, it.Priority, host, q.cfg.HostLimit, "0"}, nil
}

// EnqueueAll enqueues every item as Enqueue does, in one pipeline (one
// round trip per batch instead of one per URL: a sitemap's URLs, a page's
// links). queued[i] reports whether items[i] was queued. On an error some
// items may have been queued; enqueueing them again is harmless.
func (q *Queue) EnqueueAll(ctx context.Context, items []Item) (queued []bool, err error) {
	if err := enqueueScript.Load(ctx, q.rdb).Err(); err != nil {
		return nil, fmt.Errorf("redisq: enqueue: load script: %w", err)
	}
	cmds := make([]*redis.Cmd, len(items))
	_, err = q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, it := range items {
			keys, args, err := q.enqueueArgs(it)
			if err != nil {
				return err
			}
			cmds[i] = enqueueScript.EvalSha(ctx, p, keys, args...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redisq: enqueue: %w", err)
	}
	queued = make([]bool, len(items))
	for i, c := range cmds {
		n, err := c.Int()
		if err != nil {
			return nil, fmt.Errorf("redisq: enqueue %d: %w", i, err)
		}
		queued[i] = n == 1
	}
	return queued, nil
}

// Take leases to worker the best URL of the host that has waited longest
// among those that may start a request at now (HostDelay) and hold fewer
// than HostLimit leases. The lease's deadline is now + LeaseTimeout. When
// nothing may start, ok is false and next is the earliest time a host with
// work may start (zero when no host has work with a free slot: the
// frontier is empty or every host is at its limit).
func (q *Queue) Take(ctx context.Context, worker string, now time.Time) (l Lease, ok bool, next time.Time, err error) {
	deadline := now.Add(q.cfg.LeaseTimeout)
	keys := []string{q.key(keyHosts), q.key(keyLeases), q.key(keyLeaseData), q.key(keyInflight),
		q.key(keyNext), q.key(keyLeaseSeq), q.key(keyQueued)}
	res, err := takeScript.Run(ctx, q.rdb, keys, now.UnixMilli(), deadline.UnixMilli(), worker,
		q.cfg.HostLimit, q.cfg.HostDelay.Milliseconds(), q.key(keyQueue)).Slice()
	if err != nil {
		return Lease{}, false, time.Time{}, fmt.Errorf("redisq: take: %w", err)
	}
	if len(res) == 0 {
		return Lease{}, false, time.Time{}, errors.New("redisq: take: empty answer")
	}
	if res[0] != int64(1) {
		if len(res) > 1 {
			ms, err := strconv.ParseFloat(fmt.Sprint(res[1]), 64)
			if err != nil {
				return Lease{}, false, time.Time{}, fmt.Errorf("redisq: take: next start %v: %w", res[1], err)
			}
			next = time.UnixMilli(int64(ms))
		}
		return Lease{}, false, next, nil
	}
	if len(res) != 5 {
		return Lease{}, false, time.Time{}, fmt.Errorf("redisq: take: answer of %d values", len(res))
	}
	l = Lease{ID: fmt.Sprint(res[1]), Worker: worker, Host: fmt.Sprint(res[4]), Deadline: deadline}
	if err := json.Unmarshal([]byte(fmt.Sprint(res[2])), &l.Item); err != nil {
		return Lease{}, false, time.Time{}, fmt.Errorf("redisq: take: decode item: %w", err)
	}
	return l, true, time.Time{}, nil
}

// Ack ends a lease whose URL is done and frees its host's slot. It returns
// ErrLeaseLost when the lease had expired and was requeued (so another
// worker may have the URL): the results of both are idempotent, nothing is
// duplicated. A lease past its deadline that RequeueExpired has not reached
// yet is still held, and Ack ends it.
func (q *Queue) Ack(ctx context.Context, l Lease) error {
	keys := []string{q.key(keyLeases), q.key(keyLeaseData), q.key(keyInflight), q.key(keyHosts), q.key(keyNext)}
	n, err := ackScript.Run(ctx, q.rdb, keys, l.ID, q.cfg.HostLimit, q.key(keyQueue)).Int()
	if err != nil {
		return fmt.Errorf("redisq: ack: %w", err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Extend moves a held lease's deadline to now + LeaseTimeout, for a worker
// still busy with its URL. It returns ErrLeaseLost when the lease is gone.
func (q *Queue) Extend(ctx context.Context, l *Lease, now time.Time) error {
	deadline := now.Add(q.cfg.LeaseTimeout)
	n, err := extendScript.Run(ctx, q.rdb, []string{q.key(keyLeases), q.key(keyLeaseData)}, l.ID, deadline.UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("redisq: extend: %w", err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	l.Deadline = deadline
	return nil
}

// requeueBatch bounds the leases one requeue script handles, so one call
// never blocks Redis long.
const requeueBatch = 1000

// RequeueExpired returns the URL of every lease whose deadline is at or
// before now to its queue, in its old place, exactly once, and frees the
// leases' slots. It returns how many it requeued. Any process may call it
// (the coordinator does, on its clock).
func (q *Queue) RequeueExpired(ctx context.Context, now time.Time) (int, error) {
	keys := []string{q.key(keyLeases), q.key(keyLeaseData), q.key(keyInflight), q.key(keyHosts),
		q.key(keyNext), q.key(keyQueued)}
	total := 0
	for {
		n, err := requeueScript.Run(ctx, q.rdb, keys, now.UnixMilli(), q.cfg.HostLimit, q.key(keyQueue), requeueBatch).Int()
		if err != nil {
			return total, fmt.Errorf("redisq: requeue expired: %w", err)
		}
		total += n
		if n < requeueBatch {
			return total, nil
		}
	}
}

// Reserve claims a request start on host at now outside the frontier
// (robots.txt, a sitemap): allowed when the host's last start was at least
// HostDelay ago, and then it counts as a start. When not allowed, next is
// the earliest time it will be.
func (q *Queue) Reserve(ctx context.Context, host string, now time.Time) (ok bool, next time.Time, err error) {
	res, err := reserveScript.Run(ctx, q.rdb, []string{q.key(keyNext), q.key(keyHosts)},
		strings.ToLower(host), now.UnixMilli(), q.cfg.HostDelay.Milliseconds()).Slice()
	if err != nil {
		return false, time.Time{}, fmt.Errorf("redisq: reserve: %w", err)
	}
	if len(res) != 2 {
		return false, time.Time{}, fmt.Errorf("redisq: reserve: answer of %d values", len(res))
	}
	ms, err := strconv.ParseFloat(fmt.Sprint(res[1]), 64)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("redisq: reserve: next start %v: %w", res[1], err)
	}
	return res[0] == int64(1), time.UnixMilli(int64(ms)), nil
}

// Stats counts the frontier.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	var queued *redis.StringCmd
	var leased, seen *redis.IntCmd
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		queued = p.Get(ctx, q.key(keyQueued))
		leased = p.ZCard(ctx, q.key(keyLeases))
		seen = p.SCard(ctx, q.key(keySeen))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return Stats{}, fmt.Errorf("redisq: stats: %w", err)
	}
	s := Stats{Leased: leased.Val(), Seen: seen.Val()}
	if v := queued.Val(); v != "" {
		if s.Queued, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Stats{}, fmt.Errorf("redisq: stats: queued %q: %w", v, err)
		}
	}
	return s, nil
}

// DeleteAll removes every key of the crawl (SCAN over the prefix, UNLINK in
// batches). Run it once the crawl is finished and no worker uses it.
func (q *Queue) DeleteAll(ctx context.Context) error {
	match := globEscape(q.cfg.Prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := q.rdb.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			return fmt.Errorf("redisq: delete: scan: %w", err)
		}
		if len(keys) > 0 {
			if err := q.rdb.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("redisq: delete: unlink: %w", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape escapes the glob characters of SCAN's MATCH pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
