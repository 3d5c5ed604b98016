package render

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// session is what one page's tab reports while it renders. Its listener
// (on) runs on the tab's event goroutine and must return at once: it only
// records, and queues the paused requests, authentication challenges and
// dialogs for the session's workers, which answer them with DevTools
// commands.
//
// Where each fact comes from: the Fetch domain pauses every request twice,
// before it is sent (decide: robots, limiter, credentials) and when its
// answer's headers arrive (status, WWW-Authenticate and Location, one entry
// per header line, also for answers CORS hides from the page); the Network
// domain gives the type, the initiator, errors, and when a request ends.
// Requests a dedicated worker makes pass the page's Fetch domain but not its
// Network domain (the worker is a target of its own), and neither does the
// end of the worker's own script: those requests end at their answer.
type session struct {
	cfg *Config

	mu       sync.Mutex
	reqs     []*Request
	byKey    map[string]*netReq
	dropped  int
	inflight int
	// activity counts network events, so that the idle wait sees requests
	// that came and went between two looks.
	activity   uint64
	mainFrame  cdp.FrameID
	mainStatus int
	// lastDoc is the main frame's last document request: where the page
	// went.
	lastDoc    *Request
	console    []string
	navStarted bool
	fast, slow lane
	// done is set when the page has been read: later releases happen at
	// once, and later work is dropped.
	done bool

	changed  chan struct{} // network state changed (capacity 1)
	loaded   chan struct{} // closed at the first load event after the navigation
	crashed  chan struct{} // closed when the renderer crashed
	loadOnce sync.Once
	crashOne sync.Once
	workers  sync.WaitGroup
}

// netReq is one request, all its redirect hops included. Its key is the
// Network domain's request id, or "fetch:" and the Fetch domain's id for a
// request the Network domain does not report.
type netReq struct {
	hops []*hop
	open bool // in flight: started, not ended
	// fetchOnly marks a request whose end this tab's Network domain does
	// not report: it ends at its answer.
	fetchOnly bool
	releases  []func() // Limit slots held, oldest hop first
	dropped   bool     // past MaxRequests: not recorded
	// loader is the document loader the request belongs to ("" for a
	// worker's); when the main frame commits another document, the old
	// document's requests are over.
	loader cdp.LoaderID
}

// hop is one recorded Request and which events have described it.
type hop struct {
	r        *Request
	sawSent  bool // Network.requestWillBeSent
	sawPause bool // Fetch.requestPaused, request stage
	answered bool // the answer's status and headers were recorded
}

// work is a paused request to decide or continue, an authentication
// challenge to cancel, or a dialog to dismiss.
type work struct {
	paused *fetch.EventRequestPaused
	over   bool // paused past MaxRequests: fail it
	auth   *fetch.EventAuthRequired
	dialog *page.EventJavascriptDialogOpening
}

func newSession(cfg *Config) *session {
	return &session{
		cfg:     cfg,
		byKey:   map[string]*netReq{},
		fast:    lane{wake: make(chan struct{}, 1)},
		slow:    lane{wake: make(chan struct{}, 1)},
		changed: make(chan struct{}, 1),
		loaded:  make(chan struct{}),
		crashed: make(chan struct{}),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// on is the tab's listener.
func (s *session) on(ev any) {
	switch ev := ev.(type) {
	case *fetch.EventRequestPaused:
		s.push(work{paused: ev})
	case *fetch.EventAuthRequired:
		s.push(work{auth: ev})
	case *page.EventJavascriptDialogOpening:
		s.push(work{dialog: ev})
	case *network.EventRequestWillBeSent:
		s.sent(ev)
	case *network.EventResponseReceived:
		s.response(ev)
	case *network.EventDataReceived:
		s.touch()
	case *page.EventFrameNavigated:
		if ev.Frame != nil && ev.Frame.ParentID == "" {
			s.committed(ev.Frame.ID, ev.Frame.LoaderID)
		}
	case *network.EventLoadingFinished:
		s.ended(string(ev.RequestID), "")
	case *network.EventLoadingFailed:
		s.ended(string(ev.RequestID), ev.ErrorText)
	case *page.EventLoadEventFired:
		s.mu.Lock()
		started := s.navStarted
		s.mu.Unlock()
		if started {
			s.loadOnce.Do(func() { close(s.loaded) })
		}
	case *runtime.EventExceptionThrown:
		s.consoleError(exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			s.consoleError(consoleText(ev))
		}
	case *inspector.EventTargetCrashed:
		s.crashOne.Do(func() { close(s.crashed) })
	}
}

// lane is a queue of work and the goroutines that take from it.
type lane struct {
	items []work
	wake  chan struct{} // an item was queued (capacity 1)
}

// push queues work: requests to decide on the slow lane (deciding may
// wait for robots.txt and the limiter), everything else on the fast lane,
// whose workers never wait on a hook. The fast lane is what lets a request
// holding a limiter slot finish (its answer is continued there), so
// requests waiting for slots can never hold it up. A request past
// MaxRequests is failed on the fast lane. After the page is read, work is
// dropped (the tab is closing).
func (s *session) push(w work) {
	s.mu.Lock()
	l := &s.fast
	if w.paused != nil && !isResponseStage(w.paused) {
		if len(s.reqs) >= s.cfg.MaxRequests {
			w.over = true
		} else {
			l = &s.slow
		}
	}
	if !s.done {
		l.items = append(l.items, w)
	}
	s.mu.Unlock()
	signal(l.wake)
}

// startWorkers starts the goroutines that answer the queued work, until
// tab is done; finish waits for them.
func (s *session) startWorkers(tab context.Context) {
	for range fastWorkers {
		s.workers.Go(func() {
			for {
				w, ok := s.next(tab, &s.fast)
				if !ok {
					return
				}
				switch {
				case w.over:
					s.drop(tab, w.paused)
				case w.paused != nil:
					s.answered(tab, w.paused)
				case w.auth != nil:
					// A renderer has no credentials to give (Googlebot
					// never logs in): cancelling the challenge lets the
					// 401 through to the page, instead of a login
					// prompt that headless Chromium waits on for ever.
					_, _ = chromedp.Call(tab, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{
						RequestID:             w.auth.RequestID,
						AuthChallengeResponse: &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseCancelAuth},
					})
				default:
					// Dismiss alert, confirm and prompt; let a
					// beforeunload go (the page navigates away).
					accept := w.dialog.Type == page.DialogTypeBeforeunload
					_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
				}
			}
		})
	}
	for range decideWorkers {
		s.workers.Go(func() {
			for {
				w, ok := s.next(tab, &s.slow)
				if !ok {
					return
				}
				s.decide(tab, w.paused)
			}
		})
	}
}

// next takes the oldest item of l, waiting until there is one or tab is
// done.
func (s *session) next(tab context.Context, l *lane) (work, bool) {
	for {
		s.mu.Lock()
		if len(l.items) > 0 {
			w := l.items[0]
			l.items[0] = work{}
			l.items = l.items[1:]
			more := len(l.items) > 0
			s.mu.Unlock()
			if more {
				signal(l.wake) // another worker may take the next one
			}
			return w, true
		}
		s.mu.Unlock()
		select {
		case <-l.wake:
		case <-tab.Done():
			return work{}, false
		}
	}
}

// drop fails a request past MaxRequests and counts it.
func (s *session) drop(tab context.Context, ev *fetch.EventRequestPaused) {
	key, _ := pauseKey(ev)
	s.mu.Lock()
	if nr := s.netReq(key); !nr.dropped && len(nr.hops) == 0 {
		nr.dropped = true
		s.dropped++
	}
	s.mu.Unlock()
	_, _ = chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

// isResponseStage reports whether a pause is at the response stage.
func isResponseStage(ev *fetch.EventRequestPaused) bool {
	return ev.ResponseStatusCode != 0 || ev.ResponseErrorReason != ""
}

// pauseKey returns the netReq key of a paused request.
func pauseKey(ev *fetch.EventRequestPaused) (key string, fetchOnly bool) {
	if ev.NetworkID != "" {
		return string(ev.NetworkID), false
	}
	return "fetch:" + string(ev.RequestID), true
}

// decide answers a request paused before it is sent: fail it (not
// http(s), the browser's favicon, over the cap, disallowed) or wait for
// the limiter and let it go on, with the credentials for its origin.
func (s *session) decide(tab context.Context, ev *fetch.EventRequestPaused) {
	key, fetchOnly := pauseKey(ev)
	fail := func() {
		_, _ = chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		if fetchOnly {
			s.ended(key, "")
		}
	}
	u, err := url.Parse(ev.Request.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || isFavicon(ev.ResourceType, ev.Request.URL) {
		fail()
		return
	}
	r := s.paused(key, fetchOnly, ev)
	if r == nil { // over MaxRequests
		fail()
		return
	}
	if s.cfg.Allowed != nil && !s.cfg.Allowed(tab, u) {
		s.mu.Lock()
		r.Blocked = true
		r.Error = errBlocked
		s.mu.Unlock()
		fail()
		return
	}
	if s.cfg.Limit != nil {
		release, err := s.cfg.Limit(tab, u)
		if err != nil {
			fail()
			return
		}
		s.hold(key, release)
	}
	params := fetch.ContinueRequestParams{RequestID: ev.RequestID}
	if s.cfg.Credentials != nil {
		if h := s.cfg.Credentials(u); len(h) > 0 {
			params.Headers = withHeaders(ev.Request.Headers, h)
		}
	}
	_, _ = chromedp.Call(tab, fetch.ContinueRequest, params)
}

// errBlocked is the error of a request Config.Allowed disallowed, as
// Chromium names it.
const errBlocked = "net::ERR_BLOCKED_BY_CLIENT"

// answered records a request paused at its answer, and lets the answer
// through. A network error at this stage is left to Chromium, which may
// try the request again (it does for fonts); the Network domain reports it
// if it stays an error, except for a request only the Fetch domain sees.
func (s *session) answered(tab context.Context, ev *fetch.EventRequestPaused) {
	key, _ := pauseKey(ev)
	s.mu.Lock()
	var ended bool
	if nr := s.byKey[key]; nr != nil {
		if h := lastHopFor(nr, ev.Request.URL); h != nil {
			switch {
			case ev.ResponseStatusCode != 0:
				h.answered = true
				h.r.Status = int(ev.ResponseStatusCode)
				h.r.Error = ""
				h.r.WWWAuthenticate = entryValues(ev.ResponseHeaders, "WWW-Authenticate")
				if loc := entryValues(ev.ResponseHeaders, "Location"); len(loc) > 0 {
					h.r.Location = clip(loc[0], maxURLBytes)
				}
			case nr.fetchOnly && h.r.Status == 0:
				h.r.Error = netError(ev.ResponseErrorReason)
			}
		}
		ended = nr.fetchOnly
	}
	if ev.ResourceType == network.ResourceTypeDocument && ev.FrameID == s.mainFrame && ev.ResponseStatusCode != 0 {
		s.mainStatus = int(ev.ResponseStatusCode)
	}
	s.mu.Unlock()
	if ended {
		s.ended(key, "")
	}
	if ev.ResponseErrorReason != "" {
		_, _ = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	_, _ = chromedp.Call(tab, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: ev.RequestID})
}

// netError names a DevTools error reason as Chromium's network errors are
// named: "ConnectionRefused" is "net::ERR_CONNECTION_REFUSED".
func netError(reason network.ErrorReason) string {
	var b strings.Builder
	b.WriteString("net::ERR_")
	for i, r := range string(reason) {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// withHeaders returns the request's headers with h added (replacing the
// fields of the same names), sorted by name.
func withHeaders(orig network.Headers, h http.Header) []*fetch.HeaderEntry {
	var out []*fetch.HeaderEntry
	for name, v := range orig {
		if len(h.Values(name)) > 0 {
			continue
		}
		if s, ok := v.(string); ok {
			out = append(out, &fetch.HeaderEntry{Name: name, Value: s})
		}
	}
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, &fetch.HeaderEntry{Name: name, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// hold keeps a limiter slot until the request's answer; a request that
// already ended gives it back at once.
func (s *session) hold(key string, release func()) {
	s.mu.Lock()
	nr := s.byKey[key]
	if nr != nil && nr.open && !s.done {
		nr.releases = append(nr.releases, release)
		release = nil
	}
	s.mu.Unlock()
	if release != nil {
		release()
	}
}

// netReq returns the netReq for key, creating it.
func (s *session) netReq(key string) *netReq {
	nr := s.byKey[key]
	if nr == nil {
		nr = &netReq{}
		s.byKey[key] = nr
	}
	return nr
}

// start marks nr in flight.
func (s *session) start(nr *netReq) {
	if !nr.open {
		nr.open = true
		s.inflight++
	}
}

// addHop records a new hop of nr, or returns nil past MaxRequests.
func (s *session) addHop(nr *netReq, rawURL, method string, typ network.ResourceType) *hop {
	if len(s.reqs) >= s.cfg.MaxRequests {
		if !nr.dropped {
			nr.dropped = true
			s.dropped++
		}
		return nil
	}
	r := &Request{URL: clip(rawURL, maxURLBytes), Method: method, Type: strings.ToLower(string(typ))}
	s.reqs = append(s.reqs, r)
	h := &hop{r: r}
	nr.hops = append(nr.hops, h)
	return h
}

// findHop returns the last hop of nr for rawURL that the given event has not
// described yet.
func findHop(nr *netReq, rawURL string, pause bool) *hop {
	u := clip(rawURL, maxURLBytes)
	for i := len(nr.hops) - 1; i >= 0; i-- {
		h := nr.hops[i]
		if h.r.URL == u && ((pause && !h.sawPause) || (!pause && !h.sawSent)) {
			return h
		}
	}
	return nil
}

// lastHopFor returns the hop of nr an answer for rawURL belongs to: the
// last one for that URL not answered yet, else the last one for that URL,
// else the last hop.
func lastHopFor(nr *netReq, rawURL string) *hop {
	u := clip(rawURL, maxURLBytes)
	var same *hop
	for i := len(nr.hops) - 1; i >= 0; i-- {
		if h := nr.hops[i]; h.r.URL == u {
			if !h.answered {
				return h
			}
			if same == nil {
				same = h
			}
		}
	}
	if same != nil {
		return same
	}
	if len(nr.hops) > 0 {
		return nr.hops[len(nr.hops)-1]
	}
	return nil
}

// paused records a request paused before it is sent, and returns its
// Request (nil past MaxRequests).
func (s *session) paused(key string, fetchOnly bool, ev *fetch.EventRequestPaused) *Request {
	var restarted []func()
	defer func() {
		for _, release := range restarted {
			release()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	defer signal(s.changed)
	s.activity++
	nr := s.netReq(key)
	nr.fetchOnly = nr.fetchOnly || fetchOnly
	h := findHop(nr, ev.Request.URL, true)
	if h == nil && ev.RedirectedRequestID == "" && len(nr.hops) > 0 && nr.hops[len(nr.hops)-1].r.URL == clip(ev.Request.URL, maxURLBytes) {
		// Paused again without a redirect: Chromium restarted the
		// request (a font, for one); it is the same hop, and gives
		// back the slot of its first try before it asks again.
		h = nr.hops[len(nr.hops)-1]
		restarted, nr.releases = nr.releases, nil
	}
	if h == nil {
		if h = s.addHop(nr, ev.Request.URL, ev.Request.Method, ev.ResourceType); h == nil {
			return nil
		}
	}
	s.start(nr)
	h.sawPause = true
	if h.r.Type == "" {
		h.r.Type = strings.ToLower(string(ev.ResourceType))
	}
	return h.r
}

// sent records Network.requestWillBeSent: a new request, or the next hop
// of a redirected one.
func (s *session) sent(ev *network.EventRequestWillBeSent) {
	defer signal(s.changed)
	s.mu.Lock()
	s.activity++
	if !isHTTP(ev.Request.URL) {
		s.mu.Unlock()
		return // data:, blob:… are neither fetched through the network nor reported
	}
	var release func()
	key := string(ev.RequestID)
	nr := s.netReq(key)
	if rr := ev.RedirectResponse; rr != nil {
		// The previous hop got its answer: give its limiter slot back
		// before the next hop asks for one.
		if h := lastHopFor(nr, rr.URL); h != nil && !h.answered {
			s.answer(h, rr)
		}
		if len(nr.releases) > 0 {
			release = nr.releases[0]
			nr.releases = nr.releases[1:]
		}
	}
	if isFavicon(ev.Type, ev.Request.URL) && ev.Initiator != nil && ev.Initiator.Type == network.InitiatorTypeOther {
		s.mu.Unlock()
		return // the browser's own, failed in decide
	}
	if nr.loader == "" {
		nr.loader = ev.LoaderID
	}
	if ev.Type == network.ResourceTypeScript && ev.Initiator != nil && ev.Initiator.Type == network.InitiatorTypeOther {
		// A worker's script: the worker target reports its end.
		nr.fetchOnly = true
	}
	h := findHop(nr, ev.Request.URL, false)
	if h == nil {
		h = s.addHop(nr, ev.Request.URL, ev.Request.Method, ev.Type)
	}
	if h != nil {
		s.start(nr)
		h.sawSent = true
		if ev.Type != "" {
			h.r.Type = strings.ToLower(string(ev.Type))
		}
		h.r.Method = ev.Request.Method
		h.r.Initiator = clip(initiatorURL(ev.Initiator), maxURLBytes)
		if ev.Type == network.ResourceTypeDocument && ev.FrameID == s.mainFrame {
			s.lastDoc = h.r
		}
		if h.r.Initiator == "" && ev.RedirectResponse != nil && len(nr.hops) > 1 {
			h.r.Initiator = nr.hops[len(nr.hops)-2].r.Initiator // the same script's request
		}
	}
	s.mu.Unlock()
	if release != nil {
		release()
	}
}

// answer copies what a parsed answer says into h, for an answer the Fetch
// domain did not pause (served from the memory cache, for one).
func (s *session) answer(h *hop, resp *network.Response) {
	h.answered = true
	h.r.Status = int(resp.Status)
	h.r.WWWAuthenticate = headerValues(resp.Headers, "WWW-Authenticate")
	if loc := headerValues(resp.Headers, "Location"); len(loc) > 0 {
		h.r.Location = clip(loc[0], maxURLBytes)
	}
}

// response records Network.responseReceived.
func (s *session) response(ev *network.EventResponseReceived) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer signal(s.changed)
	s.activity++
	if nr := s.byKey[string(ev.RequestID)]; nr != nil {
		if h := lastHopFor(nr, ev.Response.URL); h != nil && !h.answered {
			s.answer(h, ev.Response)
		}
	}
	if ev.Type == network.ResourceTypeDocument && ev.FrameID != "" && ev.FrameID == s.mainFrame {
		s.mainStatus = int(ev.Response.Status)
	}
}

// touch records network activity that changes nothing else (a chunk of a
// body arrived).
func (s *session) touch() {
	s.mu.Lock()
	s.activity++
	s.mu.Unlock()
	signal(s.changed)
}

// ended records the end of a request: its answer was read, or it failed
// (errText, from Chromium).
func (s *session) ended(key, errText string) {
	s.mu.Lock()
	s.activity++
	var releases []func()
	if nr := s.byKey[key]; nr != nil {
		if errText != "" && len(nr.hops) > 0 {
			if r := nr.hops[len(nr.hops)-1].r; r.Status == 0 && r.Error == "" {
				r.Error = clip(strings.TrimSuffix(errText, ".Inspector"), 200) // DevTools marks its own failures
			}
		}
		if nr.open {
			nr.open = false
			s.inflight--
		}
		releases, nr.releases = nr.releases, nil
	}
	s.mu.Unlock()
	for _, release := range releases {
		release()
	}
	signal(s.changed)
}

// committed ends the requests of the main frame's previous document when
// it commits another one (loader): Chromium does not always report the end
// of a document it navigated away from.
func (s *session) committed(frame cdp.FrameID, loader cdp.LoaderID) {
	s.mu.Lock()
	var keys []string
	if frame == s.mainFrame && loader != "" {
		for key, nr := range s.byKey {
			if nr.open && !nr.fetchOnly && nr.loader != "" && nr.loader != loader {
				keys = append(keys, key)
			}
		}
	}
	s.mu.Unlock()
	for _, key := range keys {
		s.ended(key, "net::ERR_ABORTED")
	}
}

// consoleError records one message, within the caps.
func (s *session) consoleError(msg string) {
	msg = strings.TrimSpace(msg)
	if utf8.RuneCountInString(msg) > maxConsoleChars {
		msg = string([]rune(msg)[:maxConsoleChars])
	}
	s.mu.Lock()
	if len(s.console) < maxConsoleErrors {
		s.console = append(s.console, msg)
	}
	s.mu.Unlock()
}

// state reports whether the network is busy and how much has happened.
func (s *session) state() (busy bool, activity uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight > 0, s.activity
}

// finish ends the session: the workers stop (tab must be done), and every
// limiter slot still held is given back. It returns the requests recorded.
func (s *session) finish() {
	s.mu.Lock()
	s.done = true
	s.fast.items, s.slow.items = nil, nil
	var releases []func()
	for _, nr := range s.byKey {
		releases = append(releases, nr.releases...)
		nr.releases = nil
	}
	s.mu.Unlock()
	for _, release := range releases {
		release()
	}
	s.workers.Wait()
	// A worker that was waiting for the limiter when the tab closed may
	// have added a slot after the loop above; hold gives it back at once
	// now that done is set, and none is left behind.
}

// requests returns a copy of the recorded requests, with those still open
// marked Pending.
func (s *session) requests() ([]Request, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	open := map[*Request]bool{}
	for _, nr := range s.byKey {
		if nr.open && len(nr.hops) > 0 {
			open[nr.hops[len(nr.hops)-1].r] = true
		}
	}
	out := make([]Request, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = *r
		out[i].WWWAuthenticate = append([]string(nil), r.WWWAuthenticate...)
		if open[r] && r.Status == 0 && r.Error == "" && !r.Blocked {
			out[i].Pending = true
		}
	}
	return out, s.dropped
}

// initiatorURL returns the script (top of the stack, async parents
// included) or document that made a request.
func initiatorURL(in *network.Initiator) string {
	if in == nil {
		return ""
	}
	for st := in.Stack; st != nil; st = st.Parent {
		for _, f := range st.CallFrames {
			if f.URL != "" {
				return f.URL
			}
		}
	}
	return in.URL
}

// entryValues returns the values of a header field in the Fetch domain's
// header entries (one per header line).
func entryValues(entries []*fetch.HeaderEntry, name string) []string {
	var out []string
	for _, e := range entries {
		if e != nil && strings.EqualFold(e.Name, name) {
			if v := strings.TrimSpace(e.Value); v != "" && len(out) < 20 {
				out = append(out, clip(v, maxTextBytes))
			}
		}
	}
	return out
}

// headerValues returns the values of a header field in a DevTools header
// map, where repeated fields are joined with newlines.
func headerValues(h network.Headers, name string) []string {
	var out []string
	for k, v := range h {
		if !strings.EqualFold(k, name) {
			continue
		}
		s, ok := v.(string)
		if !ok {
			continue
		}
		for line := range strings.SplitSeq(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, clip(line, maxTextBytes))
			}
		}
	}
	return out
}

// exceptionText formats an uncaught exception as the console shows it:
// "Uncaught Error: boom".
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	msg := d.Text
	if ex := d.Exception; ex != nil {
		desc := ex.Description
		if desc == "" && len(ex.Value) > 0 {
			desc = string(ex.Value)
		}
		if i := strings.IndexByte(desc, '\n'); i >= 0 {
			desc = desc[:i] // the message, without the stack
		}
		if desc != "" {
			msg += " " + desc
		}
	}
	return msg
}

// consoleText formats a console.error call's arguments, as the console
// joins them.
func consoleText(ev *runtime.EventConsoleAPICalled) string {
	var parts []string
	for _, a := range ev.Args {
		if a == nil {
			continue
		}
		var s string
		if len(a.Value) > 0 && json.Unmarshal(a.Value, &s) == nil {
			parts = append(parts, s)
		} else if len(a.Value) > 0 {
			parts = append(parts, string(a.Value))
		} else if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Type))
		}
		if len(strings.Join(parts, " ")) > 4*maxConsoleChars {
			break
		}
	}
	return strings.Join(parts, " ")
}

// isFavicon reports whether a request is the browser's own favicon fetch
// (type Other, /favicon.ico): not the page's, so neither sent nor recorded.
// Google fetches favicons with a crawler of its own, not while rendering.
func isFavicon(typ network.ResourceType, raw string) bool {
	if typ != network.ResourceTypeOther || !isHTTP(raw) {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && u.Path == "/favicon.ico" && u.RawQuery == ""
}

// isHTTP reports whether raw is an http(s) URL.
func isHTTP(raw string) bool {
	scheme, _, ok := strings.Cut(raw, ":")
	return ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https"))
}
