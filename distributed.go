package crawlaudit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/crawlaudit/crawlaudit/crawler"
	"github.com/crawlaudit/crawlaudit/internal/redisq"
	"github.com/crawlaudit/crawlaudit/internal/urlx"
)

// A crawl over several processes (Options.Redis). The coordinator is Run:
// it keeps the crawl's order and every decision (crawler.Config.Remote) and
// is the only writer of crawl.db. Each URL it wants requested goes into the
// crawl's frontier in Redis (internal/redisq: per-host queues, seen-set,
// leases, per-host limits); workers (Work) take it, request it and publish
// the outcome on the crawl's results stream; the coordinator reads the
// stream with a consumer group, records the outcome, and acknowledges the
// entry only then.
//
// Faults:
//   - a worker that dies (or hangs) holds leases that expire after
//     LeaseTimeout; the coordinator requeues them (RequeueExpired on its
//     clock) and another worker takes them;
//   - a coordinator that dies leaves its entries pending in the group; the
//     coordinator resumed with --resume has the same crawl id (derived from
//     crawl.db), reads them again, and queues crawl.db's frontier again
//     (idempotent: the seen-set keeps what Redis still has from being
//     queued twice);
//   - Redis restarting: every call retries with backoff. With AOF nothing
//     is lost. Without it the crawl's keys are gone: the coordinator
//     notices (its marker key), says so, announces the crawl again and
//     queues again every URL it was waiting for. In every case a URL the
//     coordinator waits for that Redis holds nowhere (not queued, not
//     leased, no result) is queued again once the frontier is otherwise
//     idle, so no URL is ever lost.

// announcement is what a coordinator tells workers about its crawl, as
// JSON in Redis: the request settings and limits. It is data, not
// authority: it never names credentials or where they go (Credentials
// says only that the crawl needs some for Start's origin).
type announcement struct {
	V                int      `json:"v"`
	Start            string   `json:"start"`
	UserAgent        string   `json:"user_agent"`
	RobotsAgent      string   `json:"robots_agent"`
	TimeoutMS        int64    `json:"timeout_ms"`
	MaxBody          int64    `json:"max_body"`
	Retries          int      `json:"retries"`
	HostLimit        int      `json:"host_limit"`
	HostDelayMS      int64    `json:"host_delay_ms"`
	LeaseMS          int64    `json:"lease_ms"`
	Credentials      bool     `json:"credentials"`
	CompareAnonymous bool     `json:"compare_anonymous"`
	MaskParams       []string `json:"mask_params,omitempty"`
}

const announcementVersion = 1

// decode reads an announcement and checks its bounds: a shared Redis holds
// hostile data too.
func (a *announcement) decode(raw []byte) error {
	if err := json.Unmarshal(raw, a); err != nil {
		return err
	}
	switch {
	case a.V != announcementVersion:
		return fmt.Errorf("version %d, this worker reads %d", a.V, announcementVersion)
	case a.TimeoutMS <= 0 || a.TimeoutMS > int64(time.Hour/time.Millisecond):
		return fmt.Errorf("timeout %d ms out of range", a.TimeoutMS)
	case a.MaxBody <= 0 || a.MaxBody > 1<<30:
		return fmt.Errorf("max body %d out of range", a.MaxBody)
	case a.HostLimit < 1 || a.HostLimit > 4096:
		return fmt.Errorf("host limit %d out of range", a.HostLimit)
	case a.HostDelayMS < 0 || a.HostDelayMS > int64(time.Hour/time.Millisecond):
		return fmt.Errorf("host delay %d ms out of range", a.HostDelayMS)
	case a.LeaseMS < 1 || a.LeaseMS > int64(24*time.Hour/time.Millisecond):
		return fmt.Errorf("lease %d ms out of range", a.LeaseMS)
	case a.Retries < -1 || a.Retries > 10:
		return fmt.Errorf("retries %d out of range", a.Retries)
	case len(a.UserAgent) > 1024 || len(a.RobotsAgent) > 256 || len(a.MaskParams) > 256:
		return errors.New("agent or mask parameters too long")
	}
	if _, err := urlx.Parse(a.Start); err != nil {
		return fmt.Errorf("start URL: %v", err)
	}
	return nil
}

// fetcherConfig is the crawler's request settings of a.
func (a announcement) fetcherConfig() crawler.Config {
	return crawler.Config{
		UserAgent:   a.UserAgent,
		RobotsAgent: a.RobotsAgent,
		Timeout:     time.Duration(a.TimeoutMS) * time.Millisecond,
		MaxBody:     int(a.MaxBody),
		Retries:     a.Retries,
		Mask:        urlx.NewMasker(a.MaskParams...),
	}
}

// crawlID names a crawl's keys in Redis: derived from what crawl.db keeps
// (start URL, start time), so a resumed coordinator finds its crawl again.
func crawlID(start string, started time.Time) string {
	h := sha256.Sum256([]byte(start + "\n" + started.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(h[:8])
}

// Coordinator timings (wall clock: loops, not verdicts).
const (
	coordinatorTick = 500 * time.Millisecond // lease expiry, liveness, worker count
	ackEvery        = 100 * time.Millisecond // results whose records crawl.db committed are acknowledged
	workerFresh     = 10 * time.Second       // a heartbeat this recent counts a worker as live
)

// coordinator is the Remote of a crawl with workers.
type coordinator struct {
	o     Options
	conn  *redisq.Conn
	root  string
	id    string
	q     *redisq.Queue
	rd    *redisq.Reader
	log   *slog.Logger
	creds *workerCredentials // the run's own, for its own worker

	mu       sync.Mutex
	waiting  map[string]*waiter  // URL → the Fetch waiting for it
	early    map[string]delivery // outcomes read before their Fetch (a resumed crawl)
	refusals map[string]bool
	warnings []string
	unacked  []string            // stream entries whose acknowledgement failed; retried
	toAck    []pendingAck        // entries recorded, in order, waiting for crawl.db's commit
	routed   map[string]struct{} // entries handed to their Fetch and not acknowledged yet
	st       committer

	stop       context.CancelFunc
	stopWorker context.CancelFunc
	wg         sync.WaitGroup
}

// committer is the store's commit mark (store.SQLite).
type committer interface {
	Mark() int64
	Committed(mark int64) bool
	Flush() error
}

type waiter struct {
	job crawler.Job
	ch  chan delivery
}

type delivery struct {
	o  crawler.Outcome
	id string // stream entry; "" when acknowledged already
}

// newCoordinator connects to o.Redis for the crawl that started at started.
func newCoordinator(ctx context.Context, o Options, st committer, start string, started time.Time, creds *workerCredentials) (*coordinator, error) {
	conn, err := redisq.Dial(o.Redis)
	if err != nil {
		return nil, &OptionError{Key: "redis", Flag: "redis", Msg: err.Error()}
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("--redis: %v", err)
	}
	return &coordinator{o: o, conn: conn, st: st, root: rootOf(o.RedisPrefix), id: crawlID(start, started), log: o.Logger,
		creds: creds, waiting: map[string]*waiter{}, early: map[string]delivery{}, routed: map[string]struct{}{}, refusals: map[string]bool{}}, nil
}

// Begin sets up the crawl in Redis, announces it to workers, and starts
// reading results (and, unless WorkersOnly, this process's own worker).
func (c *coordinator) Begin(ctx context.Context, delay time.Duration) error {
	cfg := redisq.Config{Prefix: redisq.PrefixUnder(c.root, c.id), HostLimit: c.o.Concurrency, HostDelay: delay, LeaseTimeout: c.o.LeaseTimeout}
	q, err := c.conn.Queue(cfg)
	if err != nil {
		return err
	}
	c.q, c.rd = q, q.Reader("coordinator", "coordinator")
	if err := c.setUp(ctx); err != nil {
		return fmt.Errorf("--redis: %v", err)
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stop = stop
	c.wg.Go(func() { c.read(lctx) })
	c.wg.Go(func() { every(lctx, coordinatorTick, c.maintain) })
	c.wg.Go(func() { every(lctx, ackEvery, c.ackCommitted) })
	if !c.o.WorkersOnly {
		w := &worker{o: WorkerOptions{Concurrency: c.o.Concurrency, Name: workerName(), Logger: c.log, Now: c.o.Now,
			Metrics: &WorkerMetrics{}}, conn: c.conn, creds: c.creds, root: c.root, crawls: map[string]*servedCrawl{}}
		// The run's own worker stops with the crawl (ctx: its requests get
		// the grace), or when it is over (finish).
		wctx, stopWorker := context.WithCancel(ctx)
		c.stopWorker = stopWorker
		c.wg.Go(func() { w.run(wctx, map[string]bool{c.id: true}) })
	}
	c.log.Info("crawl announced to workers", "crawl", c.id, "prefix", c.q.Prefix())
	return nil
}

// setUp creates the results group, marks the crawl alive and announces it.
func (c *coordinator) setUp(ctx context.Context) error {
	if err := c.rd.CreateGroup(ctx); err != nil {
		return err
	}
	if err := c.q.MarkAlive(ctx); err != nil {
		return err
	}
	return c.announce(ctx)
}

func (c *coordinator) announce(ctx context.Context) error {
	a := announcement{V: announcementVersion, Start: c.o.Start, UserAgent: c.o.userAgent(), RobotsAgent: c.o.RobotsAgent,
		TimeoutMS: c.o.Timeout.Milliseconds(), MaxBody: int64(c.o.MaxBody), Retries: 0, HostLimit: c.o.Concurrency,
		HostDelayMS: c.q.HostDelay().Milliseconds(), LeaseMS: c.o.LeaseTimeout.Milliseconds(),
		Credentials: c.creds != nil, CompareAnonymous: c.o.CompareAnonymous && c.creds != nil, MaskParams: c.o.MaskParams}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return c.conn.Announce(ctx, c.root, c.id, b)
}

// Fetch queues j in Redis and waits for a worker's outcome.
func (c *coordinator) Fetch(ctx context.Context, j crawler.Job) (crawler.Outcome, func(), error) {
	w := &waiter{job: j, ch: make(chan delivery, 1)}
	c.mu.Lock()
	if d, ok := c.early[j.URL]; ok {
		delete(c.early, j.URL)
		c.mu.Unlock()
		return d.o, c.acker(d.id), nil
	}
	c.waiting[j.URL] = w
	c.mu.Unlock()
	err := retry(ctx, func() error {
		_, err := c.q.Enqueue(ctx, item(j))
		if err != nil {
			c.log.Warn("cannot queue a URL in Redis; retrying", "error", err)
		}
		return err
	})
	if err == nil {
		select {
		case d := <-w.ch:
			return d.o, c.acker(d.id), nil
		case <-ctx.Done():
		}
	}
	c.mu.Lock()
	if c.waiting[j.URL] == w {
		delete(c.waiting, j.URL)
	}
	c.mu.Unlock()
	select {
	case d := <-w.ch: // delivered while stopping: keep it
		return d.o, c.acker(d.id), nil
	default:
	}
	return crawler.Outcome{}, nil, ctx.Err()
}

func item(j crawler.Job) redisq.Item {
	data, _ := json.Marshal(j) // a Job always marshals
	return redisq.Item{URL: j.URL, Priority: min(max(j.Depth, 0), redisq.MaxPriority), Data: data}
}

// acker returns the function the crawler calls once the outcome of stream
// entry id is recorded: the entry is acknowledged once crawl.db has
// committed the record (ackCommitted), so a coordinator killed before the
// commit finds it again on --resume.
func (c *coordinator) acker(id string) func() {
	return func() {
		if id == "" {
			return
		}
		c.mu.Lock()
		c.toAck = append(c.toAck, pendingAck{id: id, mark: c.st.Mark()})
		c.mu.Unlock()
	}
}

// pendingAck is a stream entry to acknowledge once the store has
// committed its writes up to mark.
type pendingAck struct {
	id   string
	mark int64
}

// ackCommitted acknowledges, in one call, the entries whose records crawl.db
// has committed.
func (c *coordinator) ackCommitted(ctx context.Context) {
	c.mu.Lock()
	n := 0
	for n < len(c.toAck) && c.st.Committed(c.toAck[n].mark) {
		n++
	}
	ids := make([]string, n)
	for i, a := range c.toAck[:n] {
		ids[i] = a.id
	}
	c.toAck = c.toAck[n:]
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	c.ack(ctx, ids)
}

// ack acknowledges ids, or keeps them to try again.
func (c *coordinator) ack(ctx context.Context, ids []string) {
	err := c.rd.Ack(ctx, ids...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.unacked = append(c.unacked, ids...)
		return
	}
	for _, id := range ids {
		delete(c.routed, id)
	}
}

// read routes the results stream's entries to the Fetches waiting for
// them: first this consumer's pending entries (a restarted coordinator's),
// then new ones.
func (c *coordinator) read(ctx context.Context) {
	pending, after := true, "0"
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		var ds []redisq.Delivery
		var err error
		if pending {
			ds, err = c.rd.PendingAfter(ctx, after, 256)
			if err == nil && len(ds) == 0 {
				pending = false
				continue
			}
			if n := len(ds); n > 0 {
				after = ds[n-1].ID
			}
		} else {
			ds, err = c.rd.Read(ctx, 256, time.Second)
			if err == nil && len(ds) == 0 {
				// Idle: look at the pending entries again. One delivered by a
				// read whose answer a broken connection lost (go-redis then
				// retries, and the retry finds nothing new) is only there.
				pending, after = true, "0"
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// An entry whose delivery the error cut is pending for this
			// consumer: read the pending entries again first.
			pending, after = true, "0"
			if redisq.IsNoGroup(err) {
				c.lost(ctx)
			} else {
				c.log.Warn("cannot read results from Redis; retrying", "error", err, "in", backoff)
			}
			wait(ctx, backoff)
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		for _, d := range ds {
			c.route(ctx, d)
		}
	}
}

// route hands one stream entry to the Fetch waiting for its URL; an entry
// nobody waits for yet is kept (and acknowledged) for the Fetch to come,
// and a bad entry is dropped.
func (c *coordinator) route(ctx context.Context, d redisq.Delivery) {
	var o crawler.Outcome
	err := d.Err
	if err == nil {
		err = d.Record.Outcome(&o)
	}
	if err == nil && o.Record.URL == "" {
		err = errors.New("outcome without a URL")
	}
	if err != nil {
		c.log.Warn("dropped an unreadable result", "entry", d.ID, "error", err)
		c.rd.Ack(ctx, d.ID)
		return
	}
	c.mu.Lock()
	if _, again := c.routed[d.ID]; again {
		// Read again from the pending entries: its first delivery is
		// being recorded.
		c.mu.Unlock()
		return
	}
	w, ok := c.waiting[o.Record.URL]
	if ok {
		delete(c.waiting, o.Record.URL)
		c.routed[d.ID] = struct{}{}
		c.mu.Unlock()
		w.ch <- delivery{o: o, id: d.ID}
		return
	}
	c.early[o.Record.URL] = delivery{o: o}
	c.mu.Unlock()
	// Kept in memory: were this process to die, the URL would be queued
	// again (it is still in crawl.db's frontier).
	c.rd.Ack(ctx, d.ID)
}

// maintain requeues expired leases, counts live workers, reports refusals,
// notices a Redis that lost the crawl, and queues again URLs that Redis
// holds nowhere.
func (c *coordinator) maintain(ctx context.Context) {
	now := c.o.Now()
	if alive, err := c.q.Alive(ctx); err == nil && !alive {
		c.lost(ctx)
	}
	if n, err := c.q.RequeueExpired(ctx, now); err == nil && n > 0 {
		c.log.Warn("leases expired (a worker died or hung): their URLs are queued again", "urls", n)
	}
	if n, err := c.q.Workers(ctx, now.Add(-workerFresh)); err == nil && c.o.Progress != nil {
		c.o.Progress.workers.Store(int64(n))
	}
	c.sayRefusals(ctx)
	c.retryAcks(ctx)
	c.unstall(ctx)
}

// every calls fn every d until ctx is done.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// lost handles a Redis that no longer holds the crawl (restarted without
// persistence, flushed): set it up again and queue again every URL out.
func (c *coordinator) lost(ctx context.Context) {
	if err := c.setUp(ctx); err != nil {
		return // Redis still down: next tick
	}
	n := c.requeueWaiting(ctx)
	msg := fmt.Sprintf("Redis lost this crawl's frontier and results (restarted without persistence, or flushed): %d URLs out with workers were queued again; nothing recorded was lost", n)
	c.mu.Lock()
	c.warnings = append(c.warnings, msg)
	c.mu.Unlock()
	c.say(msg)
}

// say tells the user msg once: on the run's warning line when it has one
// (the command's stderr), else in its log.
func (c *coordinator) say(msg string) {
	if c.o.Warn != nil {
		c.o.Warn(msg)
		return
	}
	c.log.Warn(msg)
}

// unstall queues again the URLs the coordinator waits for when Redis holds
// none of them: nothing queued, nothing leased, no result unacknowledged.
func (c *coordinator) unstall(ctx context.Context) {
	c.mu.Lock()
	n := len(c.waiting)
	c.mu.Unlock()
	if n == 0 {
		return
	}
	st, err := c.q.Stats(ctx)
	if err != nil || st.Queued > 0 || st.Leased > 0 {
		return
	}
	if b, err := c.q.Backlog(ctx); err != nil || b > 0 {
		return
	}
	if k := c.requeueWaiting(ctx); k > 0 {
		c.log.Warn("URLs out with workers were nowhere in Redis: queued again", "urls", k)
	}
}

// requeueWaiting queues every URL waited for again, seen or not.
func (c *coordinator) requeueWaiting(ctx context.Context) int {
	c.mu.Lock()
	jobs := make([]crawler.Job, 0, len(c.waiting))
	for _, w := range c.waiting {
		jobs = append(jobs, w.job)
	}
	c.mu.Unlock()
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].Depth < jobs[k].Depth })
	n := 0
	for _, j := range jobs {
		ok, err := c.q.Requeue(ctx, item(j))
		if err != nil {
			c.log.Warn("cannot queue a URL again; retrying", "error", err)
			break
		}
		if ok {
			n++
		}
	}
	return n
}

func (c *coordinator) sayRefusals(ctx context.Context) {
	m, err := c.q.Refusals(ctx)
	if err != nil {
		return
	}
	for worker, why := range m {
		c.mu.Lock()
		said := c.refusals[worker]
		c.refusals[worker] = true
		c.mu.Unlock()
		if said {
			continue
		}
		line := TerminalSafe(why)
		if len(line) > 300 {
			line = line[:300] + "…"
		}
		c.say(line)
		if c.o.Progress != nil {
			c.o.Progress.refused.Add(1)
		}
	}
}

func (c *coordinator) retryAcks(ctx context.Context) {
	c.mu.Lock()
	ids := c.unacked
	c.unacked = nil
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	c.ack(ctx, ids)
}

// finish stops the coordinator. A finished crawl (not partial) is
// withdrawn and its keys deleted; an interrupted one is withdrawn (no
// worker takes its URLs while no coordinator reads their results) and its
// keys kept for --resume.
func (c *coordinator) finish(partial bool) []string {
	if c.stopWorker != nil {
		c.stopWorker()
	}
	if c.stop != nil {
		c.stop()
	}
	c.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if partial && c.rd != nil && c.st.Flush() == nil {
		// What was recorded is committed now: acknowledge it, so that a
		// resumed crawl is not handed it again.
		c.ackCommitted(ctx)
		c.retryAcks(ctx)
	}
	if err := c.conn.Withdraw(ctx, c.root, c.id); err != nil {
		c.log.Warn("cannot withdraw the crawl from Redis", "error", err)
	}
	if !partial && c.q != nil {
		if err := c.q.DeleteAll(ctx); err != nil {
			c.log.Warn("cannot delete the crawl's keys from Redis", "error", err, "prefix", c.q.Prefix())
		}
	}
	c.conn.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.warnings
}
