package redisq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/crawlaudit/crawlaudit/internal/redisq"
	"github.com/crawlaudit/crawlaudit/internal/redisq/redistest"
)

// committer is a coordinator's store in miniature: it commits each record
// once by its idempotency key and counts what it saw.
type committer struct {
	byKey     map[string]redisq.Record
	delivered int
}

func (c *committer) commit(t *testing.T, ds []redisq.Delivery) []string {
	t.Helper()
	var ids []string
	for _, d := range ds {
		if d.Err != nil {
			t.Fatalf("delivery %s: %v", d.ID, d.Err)
		}
		c.delivered++
		if _, dup := c.byKey[d.Record.Key]; !dup {
			c.byKey[d.Record.Key] = d.Record
		}
		ids = append(ids, d.ID)
	}
	return ids
}

// outcome stands for the crawler's Outcome (opaque to redisq).
type outcome struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
}

func publishCrawl(t *testing.T, q *redisq.Queue, pages int) {
	t.Helper()
	ctx := context.Background()
	for i := range pages {
		page := fmt.Sprintf("http://a.test/%d", i)
		recs := []func() (redisq.Record, error){
			func() (redisq.Record, error) { return redisq.OutcomeRecord(page, outcome{URL: page, Status: 200}) },
			func() (redisq.Record, error) {
				return redisq.OutcomeRecord(page+"/x", outcome{URL: page + "/x", Status: 404})
			},
			func() (redisq.Record, error) {
				return redisq.OutcomeRecord(page+"/y", outcome{URL: page + "/y", Status: 401})
			},
			func() (redisq.Record, error) {
				return redisq.OutcomeRecord(page+"/z", outcome{URL: page + "/z", Status: 403})
			},
		}
		for _, mk := range recs {
			rec, err := mk()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := q.Publish(ctx, rec); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestResultsStreamDeliversAcksAndDeletes(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{})
	r := q.Reader("coordinator", "c1")
	if err := r.CreateGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateGroup(ctx); err != nil {
		t.Errorf("CreateGroup on an existing group: %v", err)
	}
	publishCrawl(t, q, 3)
	c := &committer{byKey: map[string]redisq.Record{}}
	ds, err := r.Read(ctx, 100, -1)
	if err != nil {
		t.Fatal(err)
	}
	ids := c.commit(t, ds)
	if len(ids) != 12 || len(c.byKey) != 12 {
		t.Fatalf("read %d entries, %d keys; want 12 and 12", len(ids), len(c.byKey))
	}
	var o outcome
	if err := c.byKey["outcome http://a.test/1/y"].Outcome(&o); err != nil || o.URL != "http://a.test/1/y" || o.Status != 401 {
		t.Errorf("outcome record = %+v, %v", o, err)
	}
	bad := c.byKey["outcome http://a.test/2"]
	bad.Kind = "other"
	if err := bad.Outcome(&o); err == nil {
		t.Error("a record of another kind decoded as an outcome")
	}
	// Unacked, they are pending; acked, they are gone from the stream.
	if p, err := r.Pending(ctx, 100); err != nil || len(p) != 12 {
		t.Fatalf("pending before ack = %d, %v; want 12", len(p), err)
	}
	if err := r.Ack(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	if p, err := r.Pending(ctx, 100); err != nil || len(p) != 0 {
		t.Errorf("pending after ack = %d, %v; want 0", len(p), err)
	}
	if n := rdb.XLen(ctx, redisq.Prefix("test")+"results").Val(); n != 0 {
		t.Errorf("stream length after ack = %d, want 0", n)
	}
	if ds, err := r.Read(ctx, 100, -1); err != nil || len(ds) != 0 {
		t.Errorf("second read = %d entries, %v; want none", len(ds), err)
	}
}

// TestResultsRedeliveredAfterConsumerCrash: a coordinator reads entries and
// dies before acking; a second one claims them (XAUTOCLAIM) and commits;
// records published twice (a URL crawled again after its lease expired)
// are recognised by key: the store ends with each record once.
func TestResultsRedeliveredAfterConsumerCrash(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{})
	crashed := q.Reader("coordinator", "c1")
	if err := crashed.CreateGroup(ctx); err != nil {
		t.Fatal(err)
	}
	publishCrawl(t, q, 5) // 20 records
	c := &committer{byKey: map[string]redisq.Record{}}

	// c1 reads 8 entries, commits them, and crashes before acking.
	ds, err := crashed.Read(ctx, 8, -1)
	if err != nil || len(ds) != 8 {
		t.Fatalf("c1 read %d, %v; want 8", len(ds), err)
	}
	c.commit(t, ds)

	// Page 0 is crawled again by another worker (its lease had expired).
	publishCrawl(t, q, 1)

	c2 := q.Reader("coordinator", "c2")
	claimed, err := c2.Claim(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 8 {
		t.Fatalf("c2 claimed %d entries, want c1's 8", len(claimed))
	}
	for i := range claimed {
		if claimed[i].ID != ds[i].ID {
			t.Errorf("claimed entry %d = %s, want %s", i, claimed[i].ID, ds[i].ID)
		}
	}
	ids := c.commit(t, claimed)
	fresh, err := c2.Read(ctx, 100, -1)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, c.commit(t, fresh)...)
	if err := c2.Ack(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	if c.delivered != 8+8+12+4 {
		t.Errorf("%d deliveries, want 32 (8 before the crash, 8 claimed, 12 unread, 4 republished)", c.delivered)
	}
	if len(c.byKey) != 20 {
		t.Errorf("%d records committed, want 20 (each once)", len(c.byKey))
	}
	// Nothing pending for anyone.
	p, err := rdb.XPending(ctx, redisq.Prefix("test")+"results", "coordinator").Result()
	if err != nil || p.Count != 0 {
		t.Errorf("pending after the claim and acks = %+v, %v; want 0", p, err)
	}
}

func TestResultsRejectsUnknownVersionAndGarbage(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{})
	r := q.Reader("coordinator", "c1")
	if err := r.CreateGroup(ctx); err != nil {
		t.Fatal(err)
	}
	future, _ := json.Marshal(redisq.Record{V: 2, Kind: "url", Key: "k", Payload: json.RawMessage(`{}`)})
	stream := redisq.Prefix("test") + "results"
	for _, v := range []any{[]any{"r", future}, []any{"r", "{not json"}, []any{"x", "1"}} {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: v}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := r.Read(ctx, 10, -1)
	if err != nil || len(ds) != 3 {
		t.Fatalf("read %d, %v; want 3", len(ds), err)
	}
	for _, d := range ds {
		if d.Err == nil {
			t.Errorf("entry %s decoded as %+v, want an error", d.ID, d.Record)
		}
	}
}

// TestServerRestartKeepsAOF: the harness restarts a server on the same
// port and directory; with the append-only file on, the frontier survives
// a clean stop.
func TestServerRestartKeepsAOF(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	q := newQueue(t, rdb, redisq.Config{})
	enqueue(t, q, "http://a.test/1", 0)
	enqueue(t, q, "http://a.test/2", 0)
	addr := srv.Addr
	srv.Stop()
	if err := rdb.Ping(context.Background()).Err(); err == nil {
		t.Fatal("a stopped server answered PING")
	}
	srv.Start()
	if srv.Addr != addr {
		t.Errorf("restarted on %s, want %s", srv.Addr, addr)
	}
	if s := stats(t, q); s.Queued != 2 || s.Seen != 2 {
		t.Errorf("after the restart: %+v, want 2 queued, 2 seen", s)
	}
	if enqueue(t, q, "http://a.test/1", 0) {
		t.Error("the seen-set forgot /1 across the restart")
	}
}

// TestServerKilledWithoutAOFLosesTheFrontier: without the append-only file
// (and with --save ""), a killed server comes back empty on the same
// address: what the crawl will have to detect and report.
func TestServerKilledWithoutAOFLosesTheFrontier(t *testing.T) {
	rdb, srv := newClient(t)
	q := newQueue(t, rdb, redisq.Config{})
	enqueue(t, q, "http://a.test/1", 0)
	srv.Kill()
	srv.Kill() // killing a stopped server does nothing
	srv.Start()
	if s := stats(t, q); s != (redisq.Stats{}) {
		t.Errorf("after a kill without AOF: %+v, want an empty frontier", s)
	}
}
