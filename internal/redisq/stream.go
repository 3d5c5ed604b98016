package redisq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RecordVersion is the version of the Record envelope this package writes
// and reads.
const RecordVersion = 1

// Kind is what a Record carries.
type Kind string

// KindOutcome is the kind of Record a worker publishes: what requesting one
// URL gave (a crawler.Outcome, opaque here).
const KindOutcome Kind = "outcome"

// Record is one result a worker sends the coordinator through the results
// stream, as versioned JSON: {"v":1,"kind":"outcome","key":"…","payload":{…}}.
//
// Key is its idempotency key: two records with the same key carry the same
// fact (a URL's record, the n-th edge of a page), so the coordinator keeps
// one of them, whether the second comes from a re-delivered entry (a
// coordinator crash before XACK) or from a URL crawled again after its
// lease expired.
type Record struct {
	V       int             `json:"v"`
	Kind    Kind            `json:"kind"`
	Key     string          `json:"key"`
	Payload json.RawMessage `json:"payload"`
}

// OutcomeRecord wraps what requesting url gave (the crawler's Outcome); its
// key is the URL.
func OutcomeRecord(url string, outcome any) (Record, error) {
	return newRecord(KindOutcome, "outcome "+url, outcome)
}

// Outcome decodes a KindOutcome record's payload into v.
func (r Record) Outcome(v any) error { return r.decode(KindOutcome, v) }

func newRecord(k Kind, key string, payload any) (Record, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Record{}, fmt.Errorf("redisq: encode %s record: %w", k, err)
	}
	return Record{V: RecordVersion, Kind: k, Key: key, Payload: b}, nil
}

func (r Record) decode(k Kind, v any) error {
	if r.Kind != k {
		return fmt.Errorf("redisq: record %q is a %s record, not %s", r.Key, r.Kind, k)
	}
	if err := json.Unmarshal(r.Payload, v); err != nil {
		return fmt.Errorf("redisq: decode %s record %q: %w", k, r.Key, err)
	}
	return nil
}

// recordField is the stream entry's one field, holding the Record's JSON.
const recordField = "r"

// Publish appends rec to the crawl's results stream (XADD) and returns the
// entry's ID.
func (q *Queue) Publish(ctx context.Context, rec Record) (string, error) {
	if rec.V == 0 {
		rec.V = RecordVersion
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("redisq: encode record: %w", err)
	}
	id, err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.key(keyResults), Values: []any{recordField, b}}).Result()
	if err != nil {
		return "", fmt.Errorf("redisq: publish: %w", err)
	}
	return id, nil
}

// Delivery is one entry of the results stream handed to a reader. Err is
// set, and Record empty, when the entry could not be decoded (the entry is
// still to be acknowledged, or it stays pending for ever).
type Delivery struct {
	ID     string
	Record Record
	Err    error
}

// Reader reads the results stream as one consumer of a consumer group. Its
// methods are safe for concurrent use.
type Reader struct {
	q        *Queue
	group    string
	consumer string
}

// Reader returns the reader of the results stream for consumer in group
// (the coordinator: group "coordinator", its own consumer name, the same
// after a restart so it finds its pending entries).
func (q *Queue) Reader(group, consumer string) *Reader {
	return &Reader{q: q, group: group, consumer: consumer}
}

// CreateGroup creates the reader's consumer group, reading the stream from
// its first entry, and the stream if it does not exist. An existing group is
// left as it is.
func (r *Reader) CreateGroup(ctx context.Context) error {
	err := r.q.rdb.XGroupCreateMkStream(ctx, r.q.key(keyResults), r.group, "0").Err()
	// BUSYGROUP is the error code Redis answers for an existing group.
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("redisq: create group %s: %w", r.group, err)
	}
	return nil
}

// Read returns up to count entries never delivered to the group
// (XREADGROUP >), waiting up to block for the first one (block < 0: no
// wait). They stay pending for this consumer until Ack.
func (r *Reader) Read(ctx context.Context, count int, block time.Duration) ([]Delivery, error) {
	return r.read(ctx, ">", count, block)
}

// Pending returns up to count entries delivered to this consumer and not
// acknowledged (XREADGROUP 0): what a restarted coordinator has to commit
// again.
func (r *Reader) Pending(ctx context.Context, count int) ([]Delivery, error) {
	return r.read(ctx, "0", count, -1)
}

func (r *Reader) read(ctx context.Context, from string, count int, block time.Duration) ([]Delivery, error) {
	if block == 0 {
		block = -1 // BLOCK 0 would wait for ever
	}
	res, err := r.q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: r.group, Consumer: r.consumer, Streams: []string{r.q.key(keyResults), from},
		Count: int64(count), Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redisq: read results: %w", err)
	}
	var out []Delivery
	for _, s := range res {
		out = append(out, deliveries(s.Messages)...)
	}
	return out, nil
}

// Claim takes over up to count entries pending for another consumer of the
// group for at least minIdle (XAUTOCLAIM; Redis measures the idle time on
// its own clock): the entries of a consumer that crashed before acking.
func (r *Reader) Claim(ctx context.Context, minIdle time.Duration, count int) ([]Delivery, error) {
	var out []Delivery
	start := "0-0"
	for {
		msgs, next, err := r.q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: r.q.key(keyResults), Group: r.group, Consumer: r.consumer,
			MinIdle: minIdle, Start: start, Count: int64(count - len(out)),
		}).Result()
		if err != nil {
			return out, fmt.Errorf("redisq: claim results: %w", err)
		}
		out = append(out, deliveries(msgs)...)
		if next == "0-0" || len(out) >= count {
			return out, nil
		}
		start = next
	}
}

// Ack acknowledges entries whose records are committed (XACK) and deletes
// them from the stream (XDEL), in one transaction.
func (r *Reader) Ack(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.q.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, r.q.key(keyResults), r.group, ids...)
		p.XDel(ctx, r.q.key(keyResults), ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisq: ack results: %w", err)
	}
	return nil
}

func deliveries(msgs []redis.XMessage) []Delivery {
	out := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		d := Delivery{ID: m.ID}
		raw, ok := m.Values[recordField].(string)
		switch {
		case !ok:
			d.Err = fmt.Errorf("redisq: results entry %s has no record", m.ID)
		default:
			if err := json.Unmarshal([]byte(raw), &d.Record); err != nil {
				d.Err = fmt.Errorf("redisq: results entry %s: %w", m.ID, err)
			} else if d.Record.V != RecordVersion {
				d.Err = fmt.Errorf("redisq: results entry %s: record version %d, want %d", m.ID, d.Record.V, RecordVersion)
				d.Record = Record{}
			}
		}
		out = append(out, d)
	}
	return out
}
