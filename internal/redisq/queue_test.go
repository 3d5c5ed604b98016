package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crawlaudit/crawlaudit/internal/redisq"
	"github.com/crawlaudit/crawlaudit/internal/redisq/redistest"
)

// t0 is the injected clock's start; tests move it by hand.
var t0 = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)

// newClient starts a redis-server for t and returns a client of it, closed
// by Cleanup.
func newClient(t testing.TB) (*redis.Client, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb, srv
}

func newQueue(t testing.TB, rdb redis.UniversalClient, cfg redisq.Config) *redisq.Queue {
	t.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = redisq.Prefix("test")
	}
	q, err := redisq.New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func enqueue(t testing.TB, q *redisq.Queue, url string, prio int) bool {
	t.Helper()
	ok, err := q.Enqueue(context.Background(), redisq.Item{URL: url, Priority: prio})
	if err != nil {
		t.Fatalf("enqueue %s: %v", url, err)
	}
	return ok
}

func take(t testing.TB, q *redisq.Queue, worker string, now time.Time) (redisq.Lease, bool) {
	t.Helper()
	l, ok, _, err := q.Take(context.Background(), worker, now)
	if err != nil {
		t.Fatalf("take: %v", err)
	}
	return l, ok
}

func stats(t testing.TB, q *redisq.Queue) redisq.Stats {
	t.Helper()
	s, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnqueueDedupesBySeenSet(t *testing.T) {
	rdb, _ := newClient(t)
	q := newQueue(t, rdb, redisq.Config{})
	if !enqueue(t, q, "http://a.test/x", 1) {
		t.Fatal("first enqueue of /x not queued")
	}
	if enqueue(t, q, "http://a.test/x", 0) {
		t.Error("second enqueue of /x queued again (even with a better priority)")
	}
	if !enqueue(t, q, "http://a.test/y", 1) {
		t.Error("/y not queued")
	}
	if got := stats(t, q); got != (redisq.Stats{Queued: 2, Seen: 2}) {
		t.Errorf("stats = %+v, want 2 queued, 2 seen", got)
	}
	// A URL taken, acked, and enqueued again stays seen.
	l, ok := take(t, q, "w", t0)
	if !ok {
		t.Fatal("nothing to take")
	}
	if err := q.Ack(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if enqueue(t, q, l.Item.URL, 1) {
		t.Errorf("%s queued again after it was crawled", l.Item.URL)
	}
	// In one pipelined batch: a new URL, one seen before, the new one again.
	queued, err := q.EnqueueAll(context.Background(), []redisq.Item{
		{URL: "http://b.test/1"}, {URL: "http://a.test/y"}, {URL: "http://b.test/1"}})
	if err != nil || fmt.Sprint(queued) != "[true false false]" {
		t.Errorf("EnqueueAll = %v, %v; want [true false false]", queued, err)
	}
	if _, err := q.EnqueueAll(context.Background(), []redisq.Item{{URL: "http://b.test/2"}, {URL: "no-host"}}); err == nil {
		t.Error("EnqueueAll accepted a URL without a host")
	}
	if got := stats(t, q); got != (redisq.Stats{Queued: 2, Seen: 3}) {
		t.Errorf("stats after EnqueueAll = %+v, want 2 queued (/y, b/1), 3 seen (nothing of the refused batch)", got)
	}
	if _, err := q.Enqueue(context.Background(), redisq.Item{URL: "no-host"}); err == nil {
		t.Error("a URL without a host was accepted")
	}
	if _, err := q.Enqueue(context.Background(), redisq.Item{URL: "http://a.test/z", Priority: redisq.MaxPriority + 1}); err == nil {
		t.Error("a priority over MaxPriority was accepted")
	}
}

func TestTakeOrdersByPriorityThenFIFO(t *testing.T) {
	rdb, _ := newClient(t)
	q := newQueue(t, rdb, redisq.Config{HostLimit: 100})
	in := []struct {
		url  string
		prio int
	}{
		{"http://a.test/deep1", 3}, {"http://a.test/sitemap1", 0}, {"http://a.test/d1-a", 1},
		{"http://a.test/deep2", 3}, {"http://a.test/d1-b", 1}, {"http://a.test/sitemap2", 0},
		{"http://a.test/max", redisq.MaxPriority}, {"http://a.test/d1-c", 1},
	}
	for _, e := range in {
		enqueue(t, q, e.url, e.prio)
	}
	want := []string{"http://a.test/sitemap1", "http://a.test/sitemap2", "http://a.test/d1-a", "http://a.test/d1-b",
		"http://a.test/d1-c", "http://a.test/deep1", "http://a.test/deep2", "http://a.test/max"}
	for i, w := range want {
		l, ok := take(t, q, "w", t0)
		if !ok {
			t.Fatalf("take %d: nothing", i)
		}
		if l.Item.URL != w || l.Host != "a.test" {
			t.Errorf("take %d = %s (host %s), want %s (host a.test)", i, l.Item.URL, l.Host, w)
		}
	}
	if _, ok := take(t, q, "w", t0); ok {
		t.Error("took a URL from an empty frontier")
	}
}

func TestTakeServesHostsInTurn(t *testing.T) {
	rdb, _ := newClient(t)
	q := newQueue(t, rdb, redisq.Config{HostLimit: 10})
	for i := range 3 {
		enqueue(t, q, fmt.Sprintf("http://a.test/%d", i), 0)
		enqueue(t, q, fmt.Sprintf("http://b.test/%d", i), 0)
	}
	var hosts []string
	for i := range 6 {
		l, ok := take(t, q, "w", t0.Add(time.Duration(i)*time.Millisecond))
		if !ok {
			t.Fatalf("take %d: nothing", i)
		}
		hosts = append(hosts, l.Host)
	}
	if got := fmt.Sprint(hosts); got != "[a.test b.test a.test b.test a.test b.test]" {
		t.Errorf("hosts in take order = %s, want a and b in turn", got)
	}
}

// TestHostLimitHoldsUnderConcurrentTakers: many goroutines take at once
// from one Redis; the count of leases held per host (counted by the
// takers, not by Redis) never passes the limit.
func TestHostLimitHoldsUnderConcurrentTakers(t *testing.T) {
	rdb, _ := newClient(t)
	const limit, hosts, perHost, workers = 2, 4, 30, 16
	q := newQueue(t, rdb, redisq.Config{HostLimit: limit})
	for h := range hosts {
		for i := range perHost {
			enqueue(t, q, fmt.Sprintf("http://h%d.test/%d", h, i), 0)
		}
	}
	ctx := context.Background()

	// One round: every worker takes once, at the same moment. Exactly
	// limit leases per host are granted, whatever the interleaving.
	var wg sync.WaitGroup
	start := make(chan struct{})
	leases := make([]redisq.Lease, workers)
	got := make([]bool, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			<-start
			leases[w], got[w], _, errs[w] = q.Take(ctx, fmt.Sprint("w", w), t0)
		})
	}
	close(start)
	wg.Wait()
	perHostHeld := map[string]int{}
	for w := range workers {
		if errs[w] != nil {
			t.Fatal(errs[w])
		}
		if got[w] {
			perHostHeld[leases[w].Host]++
		}
	}
	if len(perHostHeld) != hosts {
		t.Errorf("leases by host = %v, want %d hosts", perHostHeld, hosts)
	}
	for h, n := range perHostHeld {
		if n != limit {
			t.Errorf("host %s: %d leases granted to simultaneous takers, want the limit %d", h, n, limit)
		}
	}
	for w := range workers {
		if got[w] {
			if err := q.Ack(ctx, leases[w]); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Churn: every worker takes and acks until the frontier is empty; the
	// takers count what they hold per host.
	var mu sync.Mutex
	held, most := map[string]int{}, map[string]int{}
	done := 0
	for w := range workers {
		wg.Go(func() {
			for {
				l, ok, _, err := q.Take(ctx, fmt.Sprint("w", w), t0)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					s, err := q.Stats(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if s.Queued == 0 {
						return
					}
					continue // every host with work is at its limit: try again
				}
				mu.Lock()
				held[l.Host]++
				most[l.Host] = max(most[l.Host], held[l.Host])
				mu.Unlock()
				runtime.Gosched() // hold the lease while others take
				mu.Lock()
				held[l.Host]--
				done++
				mu.Unlock()
				if err := q.Ack(ctx, l); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if want := hosts*perHost - hosts*limit; done != want {
		t.Errorf("%d URLs taken in the churn, want %d", done, want)
	}
	for h, n := range most {
		if n > limit {
			t.Errorf("host %s: %d leases held at once, limit %d", h, n, limit)
		}
	}
	if s := stats(t, q); s.Queued != 0 || s.Leased != 0 {
		t.Errorf("after the churn: %+v, want nothing queued or leased", s)
	}
}

func TestExpiredLeaseReturnsOnceAndLateAckDoesNotDuplicate(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{HostLimit: 1, LeaseTimeout: 30 * time.Second})
	enqueue(t, q, "http://a.test/1", 0)
	enqueue(t, q, "http://a.test/2", 0)

	l1, ok := take(t, q, "slow", t0)
	if !ok || l1.Item.URL != "http://a.test/1" {
		t.Fatalf("take = %+v %v, want /1", l1, ok)
	}
	if !l1.Deadline.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("deadline = %v, want t0+30s", l1.Deadline)
	}
	// The host is at its limit: /2 waits.
	if _, ok := take(t, q, "other", t0.Add(time.Second)); ok {
		t.Fatal("took a second URL of a host at its limit 1")
	}
	// Before the deadline nothing expires.
	if n, err := q.RequeueExpired(ctx, t0.Add(30*time.Second-time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("requeue before the deadline = %d, %v; want 0", n, err)
	}
	// At the deadline the lease expires, once.
	if n, err := q.RequeueExpired(ctx, t0.Add(30*time.Second)); err != nil || n != 1 {
		t.Fatalf("requeue at the deadline = %d, %v; want 1", n, err)
	}
	if n, err := q.RequeueExpired(ctx, t0.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second requeue = %d, %v; want 0", n, err)
	}
	if s := stats(t, q); s != (redisq.Stats{Queued: 2, Leased: 0, Seen: 2}) {
		t.Errorf("after requeue: %+v, want 2 queued, none leased", s)
	}
	// The late Ack of the slow worker changes nothing.
	if err := q.Ack(ctx, l1); !errors.Is(err, redisq.ErrLeaseLost) {
		t.Errorf("late ack = %v, want ErrLeaseLost", err)
	}
	if err := q.Extend(ctx, &l1, t0.Add(31*time.Second)); !errors.Is(err, redisq.ErrLeaseLost) {
		t.Errorf("late extend = %v, want ErrLeaseLost", err)
	}
	// /1 kept its place before /2, and each comes out once.
	var order []string
	for {
		l, ok := take(t, q, "other", t0.Add(time.Minute))
		if !ok {
			break
		}
		order = append(order, l.Item.URL)
		if err := q.Ack(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(order); got != "[http://a.test/1 http://a.test/2]" {
		t.Errorf("taken after the expiry: %s, want /1 then /2, once each", got)
	}
	if s := stats(t, q); s != (redisq.Stats{Queued: 0, Leased: 0, Seen: 2}) {
		t.Errorf("at the end: %+v, want 2 seen, nothing else", s)
	}
}

func TestExtendKeepsALease(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{LeaseTimeout: 10 * time.Second})
	enqueue(t, q, "http://a.test/1", 0)
	l, _ := take(t, q, "w", t0)
	if err := q.Extend(ctx, &l, t0.Add(9*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := q.RequeueExpired(ctx, t0.Add(10*time.Second)); err != nil || n != 0 {
		t.Errorf("requeue at the old deadline = %d, %v; want 0 (extended to t0+19s)", n, err)
	}
	if n, err := q.RequeueExpired(ctx, t0.Add(19*time.Second)); err != nil || n != 1 {
		t.Errorf("requeue at the new deadline = %d, %v; want 1", n, err)
	}
}

func TestHostDelayBetweenStarts(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{HostLimit: 5, HostDelay: 2 * time.Second})
	for i := range 3 {
		enqueue(t, q, fmt.Sprintf("http://a.test/%d", i), 0)
	}
	if _, ok := take(t, q, "w1", t0); !ok {
		t.Fatal("first take refused")
	}
	// Another worker, a slot free, but the delay has not passed.
	l, ok, next, err := q.Take(ctx, "w2", t0.Add(2*time.Second-time.Millisecond))
	if err != nil || ok {
		t.Fatalf("take 1 ms before the delay = %+v %v %v, want refused", l, ok, err)
	}
	if !next.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("next start = %v, want t0+2s", next)
	}
	if _, ok := take(t, q, "w2", t0.Add(2*time.Second)); !ok {
		t.Fatal("take at t0+2s refused")
	}
	// A start outside the frontier (robots.txt) counts too and pushes the
	// next take.
	if ok, next, err := q.Reserve(ctx, "A.test", t0.Add(3*time.Second)); err != nil || ok || !next.Equal(t0.Add(4*time.Second)) {
		t.Errorf("reserve at t0+3s = %v %v %v, want refused until t0+4s", ok, next, err)
	}
	if ok, next, err := q.Reserve(ctx, "a.test", t0.Add(4*time.Second)); err != nil || !ok || !next.Equal(t0.Add(6*time.Second)) {
		t.Errorf("reserve at t0+4s = %v %v %v, want allowed, next t0+6s", ok, next, err)
	}
	if _, ok := take(t, q, "w3", t0.Add(5*time.Second)); ok {
		t.Error("take at t0+5s allowed, 1 s after the reserved start")
	}
	if _, ok := take(t, q, "w3", t0.Add(6*time.Second)); !ok {
		t.Error("take at t0+6s refused")
	}
	// Another host is not held back by a.test's delay.
	enqueue(t, q, "http://b.test/", 0)
	if l, ok := take(t, q, "w4", t0.Add(6*time.Second)); !ok || l.Host != "b.test" {
		t.Errorf("take of b.test = %+v %v", l, ok)
	}
}

func TestDeleteAllRemovesEveryKeyOfTheCrawl(t *testing.T) {
	rdb, _ := newClient(t)
	ctx := context.Background()
	q := newQueue(t, rdb, redisq.Config{Prefix: redisq.Prefix("gone"), HostLimit: 1, HostDelay: time.Second})
	other := newQueue(t, rdb, redisq.Config{Prefix: redisq.Prefix("kept")})
	for i := range 50 {
		enqueue(t, q, fmt.Sprintf("http://h%d.test/%d", i%7, i), i%3)
	}
	enqueue(t, other, "http://a.test/", 0)
	l, _ := take(t, q, "w", t0)
	if _, _, err := q.Reserve(ctx, "h9.test", t0); err != nil {
		t.Fatal(err)
	}
	rec, err := redisq.OutcomeRecord(l.Item.URL, outcome{URL: l.Item.URL, Status: 200})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Publish(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := q.Reader("coordinator", "c1").CreateGroup(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(prefix string) int {
		keys, err := scanAll(ctx, rdb, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	if n := count(redisq.Prefix("gone")); n < 10 {
		t.Fatalf("%d keys before DeleteAll: the test does not exercise the layout", n)
	}
	if err := q.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(redisq.Prefix("gone")); n != 0 {
		t.Errorf("%d keys of the crawl left after DeleteAll", n)
	}
	if n := count(redisq.Prefix("kept")); n == 0 {
		t.Error("DeleteAll removed another crawl's keys")
	}
}

// scanAll lists every key starting with prefix (which holds no glob
// characters besides the braces, which SCAN takes literally).
func scanAll(ctx context.Context, rdb *redis.Client, prefix string) ([]string, error) {
	var all []string
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 100).Result()
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if cursor = next; cursor == 0 {
			return all, nil
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []redisq.Config{{}, {Prefix: "p:", HostLimit: -1}, {Prefix: "p:", LeaseTimeout: -time.Second}} {
		if _, err := redisq.New(nil, cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
