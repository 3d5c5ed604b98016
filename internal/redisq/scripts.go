package redisq

import "github.com/redis/go-redis/v9"

// The Lua scripts of the frontier. Each runs atomically in Redis, so every
// worker sees one consistent frontier. Times are Unix milliseconds passed in
// ARGV by the caller (never Redis TIME), so tests inject a clock.
//
// Invariants the scripts keep together (doc.go explains the keys):
//   - a host is a member of HOSTS exactly when its queue Q:host is
//     non-empty and INFLIGHT[host] < limit; its score there is
//     NEXT[host], the earliest time its next request may start (0 when
//     it never started one);
//   - every leased URL is in LEASES (score = deadline) and in LEASEDATA
//     (the lease's host, score, member and worker), and counted once in
//     INFLIGHT[host];
//   - QUEUED counts the members of every Q:host.
//
// Cluster note: the scripts build the Q:host key names from ARGV[prefix]
// instead of declaring them in KEYS. On one Redis server (or a cluster whose
// prefix carries a hash tag, as Prefix's "{crawlID}" does) every key is on
// the same node.

// luaRelease is shared by ackScript and requeueScript: one lease of host is
// over, so free its slot and put the host back in the ring when it has
// queued work and a free slot.
const luaRelease = `
local function release(inflight, hosts, nextk, qprefix, limit, host)
  local n = redis.call('HINCRBY', inflight, host, -1)
  if n <= 0 then redis.call('HDEL', inflight, host); n = 0 end
  if n < limit and redis.call('ZCARD', qprefix .. host) > 0 then
    local nx = tonumber(redis.call('HGET', nextk, host) or '0')
    redis.call('ZADD', hosts, 'NX', nx, host)
  end
end
`

// enqueueScript adds one URL to its host's queue unless the seen-set
// already holds it (SADD decides, so enqueueing is idempotent).
//
// KEYS: 1 SEEN, 2 Q:host, 3 HOSTS, 4 INFLIGHT, 5 NEXT, 6 SEQ, 7 QUEUED
// ARGV: 1 normalised URL, 2 queue member (the encoded Item), 3 priority
// (integer, 0 ≤ p < 2^20), 4 host, 5 per-host limit, 6 "1" to queue it
// even when seen (Requeue: a URL whose lease and result Redis lost)
// Returns 1 when queued, 0 when already seen (or already queued).
//
// The score is priority·2^32 + sequence: lower priority first, then first
// in, first out. Both parts stay below 2^52, so the double score is exact;
// it is formatted with %.17g because Lua would otherwise print 14 digits.
var enqueueScript = redis.NewScript(`
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 and ARGV[6] ~= '1' then return 0 end
local seq = redis.call('INCR', KEYS[6]) % 4294967296
local score = tonumber(ARGV[3]) * 4294967296 + seq
if redis.call('ZADD', KEYS[2], 'NX', string.format('%.17g', score), ARGV[2]) == 0 then return 0 end
redis.call('INCR', KEYS[7])
local host = ARGV[4]
if tonumber(redis.call('HGET', KEYS[4], host) or '0') < tonumber(ARGV[5]) then
  local nx = tonumber(redis.call('HGET', KEYS[5], host) or '0')
  redis.call('ZADD', KEYS[3], 'NX', nx, host)
end
return 1
`)

// takeScript leases the best URL of the host that has waited longest among
// those whose next start time has come and that have a free slot.
//
// KEYS: 1 HOSTS, 2 LEASES, 3 LEASEDATA, 4 INFLIGHT, 5 NEXT, 6 LEASESEQ,
// 7 QUEUED
// ARGV: 1 now, 2 lease deadline, 3 worker, 4 per-host limit, 5 per-host
// delay between starts (ms), 6 queue key prefix (Q:)
// Returns {1, lease id, member, score, host} when a URL was leased;
// {0, earliest next start} when hosts have work but none may start now;
// {0} when no host has work with a free slot.
//
// Taking a URL starts a request: NEXT[host] becomes now + delay, and the
// host goes to the back of the ring (its score is that time), so hosts are
// served in turn.
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[4])
local h = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
if #h == 0 then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then return {0} end
  return {0, first[2]}
end
local host = h[1]
local q = ARGV[6] .. host
local popped = redis.call('ZPOPMIN', q)
if #popped == 0 then
  redis.call('ZREM', KEYS[1], host)
  return {0, ARGV[1]}
end
redis.call('DECR', KEYS[7])
local id = tostring(redis.call('INCR', KEYS[6]))
local n = redis.call('HINCRBY', KEYS[4], host, 1)
local nx = string.format('%.17g', now + tonumber(ARGV[5]))
redis.call('HSET', KEYS[5], host, nx)
redis.call('ZADD', KEYS[2], ARGV[2], id)
redis.call('HSET', KEYS[3], id, cjson.encode({host, popped[2], popped[1], ARGV[3]}))
if n >= limit or redis.call('ZCARD', q) == 0 then
  redis.call('ZREM', KEYS[1], host)
else
  redis.call('ZADD', KEYS[1], nx, host)
end
return {1, id, popped[1], popped[2], host}
`)

// ackScript ends a lease whose URL was done: the lease goes, the host's slot
// is freed. A lease already requeued by requeueScript (or acked) is gone,
// so a late Ack changes nothing and returns 0.
//
// KEYS: 1 LEASES, 2 LEASEDATA, 3 INFLIGHT, 4 HOSTS, 5 NEXT
// ARGV: 1 lease id, 2 per-host limit, 3 queue key prefix (Q:)
// Returns 1 when the lease was held, 0 when it was gone.
var ackScript = redis.NewScript(luaRelease + `
local d = redis.call('HGET', KEYS[2], ARGV[1])
if not d then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
local l = cjson.decode(d)
release(KEYS[3], KEYS[4], KEYS[5], ARGV[3], tonumber(ARGV[2]), l[1])
return 1
`)

// extendScript moves a held lease's deadline (a worker still busy with a
// slow URL says so before the deadline).
//
// KEYS: 1 LEASES, 2 LEASEDATA
// ARGV: 1 lease id, 2 new deadline
// Returns 1 when the lease was held, 0 when it was gone.
var extendScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
return 1
`)

// requeueScript returns the URL of every lease whose deadline is at or
// before now to its host's queue, with its original score (so it keeps its
// place), and frees the lease's slot. The lease is deleted in the same
// step, so each expired URL is requeued exactly once and a late Ack of it
// finds nothing.
//
// KEYS: 1 LEASES, 2 LEASEDATA, 3 INFLIGHT, 4 HOSTS, 5 NEXT, 6 QUEUED
// ARGV: 1 now, 2 per-host limit, 3 queue key prefix (Q:), 4 most leases
// handled in one call
// Returns the number of leases requeued.
var requeueScript = redis.NewScript(luaRelease + `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  local d = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  if d then
    redis.call('HDEL', KEYS[2], id)
    local l = cjson.decode(d)
    redis.call('ZADD', ARGV[3] .. l[1], l[2], l[3])
    redis.call('INCR', KEYS[6])
    release(KEYS[3], KEYS[4], KEYS[5], ARGV[3], tonumber(ARGV[2]), l[1])
  end
end
return #ids
`)

// reserveScript claims a request start on host outside the frontier
// (robots.txt, sitemaps): allowed when NEXT[host] ≤ now, and then
// NEXT[host] becomes now + delay and the host's place in the ring (when it
// is there) moves to that time.
//
// KEYS: 1 NEXT, 2 HOSTS
// ARGV: 1 host, 2 now, 3 delay (ms)
// Returns {1, next start} when allowed, {0, next start} when not yet.
var reserveScript = redis.NewScript(`
local now = tonumber(ARGV[2])
local nx = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if nx > now then return {0, string.format('%.17g', nx)} end
nx = string.format('%.17g', now + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], ARGV[1], nx)
redis.call('ZADD', KEYS[2], 'XX', nx, ARGV[1])
return {1, nx}
`)
