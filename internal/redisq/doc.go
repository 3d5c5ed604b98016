// Package redisq is the Redis side of a crawl spread over several worker
// processes (issue 19, first slice): the frontier, the seen-set, leases with
// a visibility timeout, per-host politeness shared by every worker, and the
// stream that carries results back to the coordinator. It is not wired into
// crawlaudit.Run, the crawler or the command yet.
package redisq
