package redisq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crawlaudit/crawlaudit/internal/redisq"
)

// TestRequeueQueuesASeenURLOnce: Requeue puts back a URL the seen-set holds
// but no queue does (Redis lost it, or its result was dropped), and never
// queues it twice.
func TestRequeueQueuesASeenURLOnce(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{HostLimit: 4})
	it := redisq.Item{URL: "http://a.test/x", Priority: 2}
	if !enqueue(t, q, it.URL, it.Priority) {
		t.Fatal("not queued")
	}
	if ok, err := q.Requeue(ctx, it); err != nil || ok {
		t.Fatalf("Requeue of a URL still queued = %v, %v; want false (not twice)", ok, err)
	}
	if s := stats(t, q); s.Queued != 1 {
		t.Fatalf("queued %d, want 1", s.Queued)
	}
	l, ok := take(t, q, "w", t0)
	if !ok {
		t.Fatal("nothing to take")
	}
	if err := q.Ack(ctx, l); err != nil {
		t.Fatal(err)
	}
	if enqueue(t, q, it.URL, it.Priority) {
		t.Fatal("Enqueue of a seen URL queued it")
	}
	if ok, err := q.Requeue(ctx, it); err != nil || !ok {
		t.Fatalf("Requeue of a seen URL nowhere queued = %v, %v; want true", ok, err)
	}
	if s := stats(t, q); s.Queued != 1 || s.Seen != 1 {
		t.Fatalf("stats %+v, want 1 queued, 1 seen", s)
	}
	if l, ok := take(t, q, "w", t0); !ok || l.Item.URL != it.URL {
		t.Fatalf("take after Requeue = %+v, %v", l, ok)
	}
}

// TestReleaseGivesTheURLBackAtOnce: a released lease's URL is queued again
// in its place, its slot freed, and a later Ack of it finds nothing.
func TestReleaseGivesTheURLBackAtOnce(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{HostLimit: 1, LeaseTimeout: time.Hour})
	enqueue(t, q, "http://a.test/x", 0)
	l, ok := take(t, q, "w", t0)
	if !ok {
		t.Fatal("nothing to take")
	}
	if err := q.Release(ctx, l); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, q); s.Queued != 1 || s.Leased != 0 {
		t.Fatalf("after Release: %+v, want 1 queued, 0 leased", s)
	}
	if err := q.Ack(ctx, l); !errors.Is(err, redisq.ErrLeaseLost) {
		t.Fatalf("Ack after Release = %v, want ErrLeaseLost", err)
	}
	// The host's only slot is free again: the URL can be taken at once.
	if l2, ok := take(t, q, "w2", t0); !ok || l2.Item.URL != l.Item.URL {
		t.Fatalf("take after Release = %+v, %v", l2, ok)
	}
	if err := q.Release(ctx, l); err != nil {
		t.Fatalf("Release of a lease gone = %v, want nil", err)
	}
}

// TestWorkerWritesNothingToAGoneCrawl: heartbeats, refusals and results of
// a crawl whose marker is gone (finished and deleted, or lost by Redis)
// write no key; while it is alive they do.
func TestWorkerWritesNothingToAGoneCrawl(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{})
	rec, err := redisq.OutcomeRecord("http://a.test/x", map[string]int{"status": 200})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Heartbeat(ctx, "w", t0); !errors.Is(err, redisq.ErrCrawlGone) {
		t.Errorf("Heartbeat = %v, want ErrCrawlGone", err)
	}
	if err := q.Refuse(ctx, "w", "no credentials"); !errors.Is(err, redisq.ErrCrawlGone) {
		t.Errorf("Refuse = %v, want ErrCrawlGone", err)
	}
	if _, err := q.PublishLive(ctx, rec); !errors.Is(err, redisq.ErrCrawlGone) {
		t.Errorf("PublishLive = %v, want ErrCrawlGone", err)
	}
	if keys, _ := rdb.Keys(ctx, "*").Result(); len(keys) != 0 {
		t.Fatalf("keys written for a gone crawl: %v", keys)
	}
	if err := q.MarkAlive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.Heartbeat(ctx, "w", t0); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Workers(ctx, t0); err != nil || n != 1 {
		t.Errorf("Workers = %d, %v; want 1", n, err)
	}
	if n, err := q.Workers(ctx, t0.Add(time.Millisecond)); err != nil || n != 0 {
		t.Errorf("Workers since after the heartbeat = %d, %v; want 0", n, err)
	}
	if err := q.Refuse(ctx, "w", "no credentials"); err != nil {
		t.Fatal(err)
	}
	if m, err := q.Refusals(ctx); err != nil || m["w"] != "no credentials" {
		t.Errorf("Refusals = %v, %v", m, err)
	}
	if _, err := q.PublishLive(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Backlog(ctx); err != nil || n != 1 {
		t.Errorf("Backlog = %d, %v; want 1", n, err)
	}
}

// TestAnnouncedCrawls: Announce lists a crawl with its settings, Crawls
// reads them back (oversized entries left out), Withdraw removes it.
func TestAnnouncedCrawls(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	if err := redisq.Announce(ctx, rdb, "root", "a", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := redisq.Announce(ctx, rdb, "root", "big", make([]byte, redisq.MaxAnnouncementBytes+1)); err == nil {
		t.Error("an oversized announcement was accepted")
	}
	rdb.HSet(ctx, "root:crawls", "hostile", make([]byte, redisq.MaxAnnouncementBytes+1))
	m, err := redisq.Crawls(ctx, rdb, "root")
	if err != nil || len(m) != 1 || string(m["a"]) != `{"v":1}` {
		t.Fatalf("Crawls = %q, %v", m, err)
	}
	if err := redisq.Withdraw(ctx, rdb, "root", "a"); err != nil {
		t.Fatal(err)
	}
	if m, _ := redisq.Crawls(ctx, rdb, "root"); len(m) != 0 {
		t.Errorf("after Withdraw: %q", m)
	}
}
