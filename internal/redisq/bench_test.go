package redisq_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/crawlaudit/crawlaudit/internal/redisq"
)

// benchURL is a URL of a typical length (about 70 bytes).
func benchURL(host, i int) string {
	return fmt.Sprintf("https://www.shop-%03d.example.test/category/product-%07d?colour=red&size=m", host, i)
}

// fill enqueues n URLs spread over hosts hosts, in pipelined batches.
func fill(tb testing.TB, q *redisq.Queue, n, hosts, from int) {
	tb.Helper()
	const batch = 1000
	items := make([]redisq.Item, 0, batch)
	for i := from; i < from+n; i++ {
		items = append(items, redisq.Item{URL: benchURL(i%hosts, i), Priority: i % 4})
		if len(items) == batch || i == from+n-1 {
			queued, err := q.EnqueueAll(context.Background(), items)
			if err != nil {
				tb.Fatal(err)
			}
			for j, ok := range queued {
				if !ok {
					tb.Fatalf("%s not queued", items[j].URL)
				}
			}
			items = items[:0]
		}
	}
}

// BenchmarkTakeAck measures one worker's Take then Ack round trips on a
// frontier of 100 hosts (limit 8 each, no delay).
func BenchmarkTakeAck(b *testing.B) {
	rdb, _ := newClient(b)
	q := newQueue(b, rdb, redisq.Config{HostLimit: 8})
	fill(b, q, b.N, 100, 0)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		l, ok, _, err := q.Take(ctx, "w", t0)
		if err != nil || !ok {
			b.Fatalf("take: %v %v", ok, err)
		}
		if err := q.Ack(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTakeAckParallel is BenchmarkTakeAck with 8 concurrent takers
// (as several worker processes would be) sharing one connection pool.
func BenchmarkTakeAckParallel(b *testing.B) {
	rdb, _ := newClient(b)
	q := newQueue(b, rdb, redisq.Config{HostLimit: 8})
	fill(b, q, b.N, 100, 0)
	ctx := context.Background()
	var id atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := "w" + strconv.FormatInt(id.Add(1), 10)
		for pb.Next() {
			l, ok, _, err := q.Take(ctx, w, t0)
			if err != nil {
				b.Error(err)
				return
			}
			if !ok {
				continue // every host with work is at its limit this instant
			}
			if err := q.Ack(ctx, l); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkMemoryPerURL enqueues 100,000 URLs of about 70 bytes over 100
// hosts and reports Redis's memory per URL: the seen-set's (MEMORY USAGE
// of the SET), the host queues' (MEMORY USAGE of every ZSET) and in all
// (INFO memory's used_memory before and after).
func BenchmarkMemoryPerURL(b *testing.B) {
	rdb, _ := newClient(b)
	ctx := context.Background()
	const n, hosts = 100_000, 100
	for i := range b.N {
		q := newQueue(b, rdb, redisq.Config{Prefix: redisq.Prefix("mem" + strconv.Itoa(i))})
		before := usedMemory(b, rdb)
		fill(b, q, n, hosts, 0)
		after := usedMemory(b, rdb)
		prefix := redisq.Prefix("mem" + strconv.Itoa(i))
		seen := rdb.MemoryUsage(ctx, prefix+"seen", 0).Val() // SAMPLES 0: every element
		var queues int64
		for h := range hosts {
			host := strings.SplitN(benchURL(h, 0), "/", 4)[2]
			queues += rdb.MemoryUsage(ctx, prefix+"q:"+host, 0).Val()
		}
		b.ReportMetric(float64(seen)/n, "B/seen-url")
		b.ReportMetric(float64(queues)/n, "B/queued-url")
		b.ReportMetric(float64(after-before)/n, "B/url-total")
		if err := q.DeleteAll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func usedMemory(tb testing.TB, rdb *redis.Client) int64 {
	tb.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatal("INFO memory has no used_memory")
	return 0
}

// TestMemoryPerSeenURLIsBounded pins the order of magnitude the README and
// doc.go state: a seen URL of about 70 bytes costs Redis under 160 bytes in
// the SET (its string plus the hash table's entry), i.e. the seen-set is
// exact and grows linearly, about 15 MB per 100,000 URLs at most.
func TestMemoryPerSeenURLIsBounded(t *testing.T) {
	rdb, _ := newClient(t)
	q := newQueue(t, rdb, redisq.Config{})
	const n = 20_000
	fill(t, q, n, 50, 0)
	seen := rdb.MemoryUsage(context.Background(), redisq.Prefix("test")+"seen", 0).Val()
	per := float64(seen) / n
	t.Logf("seen-set: %d bytes for %d URLs of %d bytes: %.1f B/URL", seen, n, len(benchURL(0, 0)), per)
	if per < float64(len(benchURL(0, 0))) || per > 160 {
		t.Errorf("seen-set costs %.1f B per URL of %d bytes, want between the URL's length and 160", per, len(benchURL(0, 0)))
	}
}
