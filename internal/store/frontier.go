package store

// Queued is one URL waiting in a crawl's frontier: queued for a request and
// not yet recorded. A store that keeps the frontier (SQLite) lets an
// interrupted crawl resume from it; a URL record for the same URL (PutURL)
// takes it off the frontier.
type Queued struct {
	URL   string
	Kind  Kind
	Depth int
	Hops  int    // redirects followed to reach the URL
	Parse string // what to parse in the body: "html", "css" or "" (nothing)
	Head  bool   // HEAD first, GET only to confirm a non-2xx answer
	Start bool   // the start URL or a hop of its redirect chain
}

// FrontierWriter is implemented by stores that persist the frontier.
type FrontierWriter interface {
	// Enqueue records that q was queued. Enqueueing a URL that is already
	// queued does nothing.
	Enqueue(q Queued) error
}

// FrontierReader gives what a resumed crawl starts from.
type FrontierReader interface {
	// EachQueued calls fn for every queued URL in the order it was queued.
	EachQueued(fn func(Queued) error) error
	// EachURL calls fn for every recorded URL (see Reader).
	EachURL(fn func(URL) error) error
}
