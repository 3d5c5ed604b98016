package testsite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Route is one programmable answer for an exact request path. Its JSON form
// is what <name>.routes.json files hold (an array of routes).
type Route struct {
	// Path is the path the route answers, query included if given. It is
	// matched against the request's escaped RequestURI first, then against
	// its decoded path, so "/a" also answers "/a?x=1" unless "/a?x=1" has
	// a route of its own. It must start with "/".
	Path string `json:"path"`
	// Status is the HTTP status to send, 200–599; 0 means 200.
	Status int `json:"status,omitempty"`
	// Headers are sent in order with Header.Add, so a name may repeat
	// (two WWW-Authenticate lines). Values get placeholders replaced.
	// A Content-Type here replaces the default one.
	Headers [][2]string `json:"headers,omitempty"`
	// Body is sent literally, after placeholder replacement. Without a
	// Content-Type in Headers a non-empty Body is sent as
	// "text/html; charset=utf-8".
	Body string `json:"body,omitempty"`
	// File names a file of the site (slash-separated, relative to the
	// site root) to send as the body with this route's status; it gets the
	// file's Content-Type and placeholder replacement like a static file.
	// Body and File are exclusive.
	File string `json:"file,omitempty"`
	// Location sets the Location header, after placeholder replacement.
	// It is sent as given, so it may be relative ("next", "../x").
	Location string `json:"location,omitempty"`
	// DelayMS is how long to wait, in milliseconds, before answering (or
	// hanging up); 0 means no wait. A request whose context ends during
	// the wait gets no answer.
	DelayMS int `json:"delay_ms,omitempty"`
	// Hangup closes the connection without sending anything, which the
	// client sees as a network error (EOF or reset). Status, Headers and
	// body are then ignored.
	Hangup bool `json:"hangup,omitempty"`
}

// Site is a fixture site: static files plus routes. A Site is immutable, so
// it and the handlers it makes are safe for concurrent use. The zero Site
// has no files and no routes and answers every request with 404.
type Site struct {
	files  fs.FS            // site root; nil means no files
	routes map[string]Route // by Path
}

// New returns a site serving the files of fsys (its root is the site's "/";
// nil means no files) and routes. Routes are checked: a bad path, a status
// outside 200–599, Body with File, a body for 204 or 304, a File that fsys
// lacks, a bad header, a negative delay or two routes for one path is an
// error.
func New(fsys fs.FS, routes ...Route) (*Site, error) {
	s := &Site{files: fsys, routes: make(map[string]Route, len(routes))}
	for _, r := range routes {
		if _, dup := s.routes[r.Path]; dup {
			return nil, fmt.Errorf("testsite: route %q: defined twice", r.Path)
		}
		if err := s.check(r); err != nil {
			return nil, err
		}
		s.routes[r.Path] = r
	}
	return s, nil
}

// Load reads the site in directory dir of fsys: static files from dir and,
// if the file dir+".routes.json" exists (sites/demo →
// sites/demo.routes.json), routes from it, a JSON array of Route
// whose unknown fields are an error. dir must be a directory other than ".".
func Load(fsys fs.FS, dir string) (*Site, error) {
	if dir == "." || !fs.ValidPath(dir) {
		return nil, fmt.Errorf("testsite: load %q: not a site directory", dir)
	}
	fi, err := fs.Stat(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("testsite: load %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("testsite: load %s: not a directory", dir)
	}
	files, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("testsite: load %s: %w", dir, err)
	}
	var routes []Route
	name := dir + ".routes.json"
	data, err := fs.ReadFile(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("testsite: read %s: %w", name, err)
	default:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&routes); err != nil {
			return nil, fmt.Errorf("testsite: parse %s: %w", name, err)
		}
	}
	s, err := New(files, routes...)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, name)
	}
	return s, nil
}

// With returns a copy of s with routes added; a route replaces any route of
// s with the same Path. Routes are checked as by New. s is unchanged.
func (s *Site) With(routes ...Route) (*Site, error) {
	n := &Site{files: s.files, routes: make(map[string]Route, len(s.routes)+len(routes))}
	for p, r := range s.routes {
		n.routes[p] = r
	}
	for _, r := range routes {
		if err := n.check(r); err != nil {
			return nil, err
		}
		n.routes[r.Path] = r
	}
	return n, nil
}

// check reports what is wrong with r, if anything.
func (s *Site) check(r Route) error {
	bad := func(why string) error { return fmt.Errorf("testsite: route %q: %s", r.Path, why) }
	switch {
	case !strings.HasPrefix(r.Path, "/"):
		return bad(`path must start with "/"`)
	case r.Status != 0 && (r.Status < 200 || r.Status > 599):
		// 1xx answers are interim: net/http would follow them with a 200.
		return bad(fmt.Sprintf("status %d outside 200–599", r.Status))
	case r.Body != "" && r.File != "":
		return bad("body and file are exclusive")
	case (r.Status == 204 || r.Status == 304) && (r.Body != "" || r.File != ""):
		return bad(fmt.Sprintf("status %d has no body", r.Status))
	case r.DelayMS < 0:
		return bad("negative delay_ms")
	}
	for _, h := range r.Headers {
		if h[0] == "" || strings.ContainsAny(h[0], " :\r\n") || strings.ContainsAny(h[1], "\r\n") {
			return bad(fmt.Sprintf("bad header %q", h[0]))
		}
	}
	if r.File != "" {
		if s.files == nil || !fs.ValidPath(r.File) {
			return bad(fmt.Sprintf("file %q not in site", r.File))
		}
		fi, err := fs.Stat(s.files, path.Clean(r.File))
		if err != nil || fi.IsDir() {
			return bad(fmt.Sprintf("file %q not in site", r.File))
		}
	}
	return nil
}
