// Package redisq is the Redis side of a crawl spread over several worker
// processes: the crawls announced to workers, the frontier, the seen-set,
// leases with a visibility timeout, per-host politeness shared by every
// worker, and the stream that carries results back to the coordinator. It
// is the only package that imports github.com/redis/go-redis/v9. The
// coordinator (distributed.go at the module root) and the worker loop
// (worker.go there) use it; README "Several workers on Redis" has the
// operator's view.
//
// # Keys
//
// Every key of a crawl starts with Config.Prefix; Prefix(id) gives
// "crawlaudit:{id}:", whose braces are a Redis Cluster hash tag (every key
// of a crawl on one node). With P the prefix:
//
//	P seen        SET     every normalised URL ever enqueued (exact: no
//	                      false positives, so no URL is silently skipped)
//	P q:HOST      ZSET    HOST's queued URLs; member = the Item as JSON
//	                      {"u":URL,"p":priority,"d":data}, score =
//	                      priority·2^32 + sequence (lower first, then FIFO)
//	P hosts       ZSET    the hosts that have queued work and a free slot;
//	                      score = the host's next allowed start (Unix ms)
//	P inflight    HASH    HOST → leases held now
//	P next        HASH    HOST → next allowed request start (Unix ms)
//	P seq         STRING  enqueue counter (the FIFO tie-break)
//	P queued      STRING  URLs in the host queues (Stats)
//	P leases      ZSET    lease id → deadline (Unix ms)
//	P leasedata   HASH    lease id → JSON [host, score, member, worker]
//	P leaseseq    STRING  lease id counter
//	P results     STREAM  Records from the workers; consumer groups on it
//
// HOST is the URL's lowercased host[:port] (HostOf). DeleteAll removes them
// all: SCAN MATCH P* (the prefix glob-escaped), UNLINK in batches.
//
// # Scripts
//
// Each step that reads and writes several keys is one small Lua script
// (scripts.go, each with a comment giving its keys and arguments), so it is
// atomic across every worker. Times are Unix milliseconds passed in by the
// caller, never Redis TIME or time.Now inside the logic, so tests inject a
// clock (the coordinator's and workers' clocks must agree to within a small
// part of the lease timeout and the host delay).
//
//   - enqueue: SADD to the seen-set decides; a new URL goes into its host's
//     queue with score priority·2^32 + sequence, and the host into the ring
//     when it has a free slot. Enqueue is idempotent.
//   - take: the first host of the ring whose next start has come (the ring
//     is ordered by next start, so hosts are served in turn); ZPOPMIN of its
//     queue; a lease (id, deadline = now + LeaseTimeout) in leases and
//     leasedata; inflight+1; next = now + HostDelay; the host leaves the
//     ring when it reaches HostLimit or its queue empties, else moves to
//     the back. Take is O(log n): hosts at their limit or without work are
//     not in the ring, so it never scans them.
//   - ack: removes the lease and frees its slot (the host returns to the
//     ring if it has work). A lease that is gone (requeued after expiry, or
//     acked) returns 0: Ack reports ErrLeaseLost and changes nothing.
//   - extend: moves a held lease's deadline.
//   - requeue: every lease with deadline ≤ now is deleted and its member
//     put back in its queue with its old score (so it keeps its place), its
//     slot freed, in one step: each expired URL returns exactly once, and a
//     late Ack finds nothing. At most 1000 leases per call; RequeueExpired
//     loops.
//   - reserve: a request start outside the frontier (robots.txt, sitemaps)
//     checks and advances the same next-start time.
//
// # Politeness
//
// The per-host concurrency limit is a leased semaphore: inflight counts the
// leases of a host, take refuses a host at HostLimit (it is not even in the
// ring), ack and lease expiry release. The minimum delay between request
// starts on a host is next, checked and advanced atomically by take and
// reserve with the injected now. github.com/go-redis/redis_rate was the
// issue's example; it is not on the module proxy this project uses, and it
// would not fit anyway: it is a GCRA rate (N per period, with bursts) on its
// own key, checked by its own round trip on Redis's clock, while a crawler's
// politeness is a minimum gap between starts that has to be decided in the
// same atomic step that picks the host and pops its URL, on the injected
// clock. So it is the Lua above.
//
// # Results stream
//
// Workers publish one Record per URL requested (PublishLive: XADD to P
// results, one field "r" holding the JSON envelope {"v":1,"kind":"outcome",
// "key":"outcome URL","payload":…}; the payload is the crawler's Outcome:
// the URL's record, its references, its fingerprints). The coordinator
// reads with a consumer group (Reader: CreateGroup, Read = XREADGROUP >,
// Pending = its own unacked entries after a restart, Claim = XAUTOCLAIM of
// a crashed consumer's entries) and calls Ack (XACK and XDEL in one
// transaction) only after the outcome is recorded. The key makes a
// re-delivered entry, or a URL requested twice after its lease expired,
// recognisable: the coordinator records the first and drops the other.
//
// # Memory
//
// Measured with BenchmarkMemoryPerURL (MEMORY USAGE per key, INFO memory's
// used_memory) on redis-server 7.0.15, 100,000 URLs of 76 bytes over 100
// hosts: about 120 bytes per seen URL (the SET: the string plus its hash
// table entry), about 200 per queued URL (the host ZSETs: member JSON,
// skiplist node and dict entry), about 340 in all per queued URL. A seen
// URL that has been crawled costs only its 120 bytes: 10 million seen URLs
// take about 1.2 GB. TestMemoryPerSeenURLIsBounded keeps the seen-set under
// 160 bytes per such URL. A bounded structure (a Bloom filter, 10 bits per
// URL at 1 % false positives) would need a module or a hand-written filter
// and would skip URLs; hashing each URL to 16 bytes before SADD would halve
// the set at a collision risk of about 2^-64 per pair; neither is done yet.
//
// Throughput (BenchmarkTakeAck, BenchmarkTakeAckParallel; 2-core machine
// shared, load average 5): Take plus Ack 0.13–0.22 ms with one taker,
// 0.11–0.15 ms with 8 concurrent takers.
//
// Redis 6.2 or later is needed (ZADD NX/XX with ZPOPMIN, XAUTOCLAIM);
// no module.
//
// # Crawls and workers
//
// root:crawls (HASH, root = DefaultRoot or the --redis-prefix) lists the
// announced crawls: id → settings, at most MaxAnnouncementBytes each. P
// workers (ZSET worker → last heartbeat), P refused (HASH worker → why)
// and P alive (the coordinator's marker) complete a crawl's keys.
// Heartbeat, Refuse and PublishLive write only while P alive exists (one
// small script), so a worker that is late never recreates keys of a crawl
// that finished and was deleted. Requeue queues a URL the seen-set already
// holds: for a URL the coordinator still waits for that Redis holds nowhere
// (lost in a restart without persistence). Release gives a lease back at
// once.
package redisq
