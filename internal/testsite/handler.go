package testsite

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// contentTypes maps a file extension to its Content-Type and whether the
// body is text (and so gets placeholders replaced). It is fixed here rather
// than taken from package mime, whose answers depend on the machine's
// /etc/mime.types: fixture answers must be the same everywhere.
var contentTypes = map[string]struct {
	typ  string
	text bool
}{
	".html":        {"text/html; charset=utf-8", true},
	".htm":         {"text/html; charset=utf-8", true},
	".css":         {"text/css; charset=utf-8", true},
	".js":          {"text/javascript; charset=utf-8", true},
	".mjs":         {"text/javascript; charset=utf-8", true},
	".json":        {"application/json", true},
	".webmanifest": {"application/manifest+json", true},
	".xml":         {"application/xml", true},
	".txt":         {"text/plain; charset=utf-8", true},
	".vtt":         {"text/vtt; charset=utf-8", true},
	".svg":         {"image/svg+xml", true},
	".png":         {"image/png", false},
	".gif":         {"image/gif", false},
	".jpg":         {"image/jpeg", false},
	".jpeg":        {"image/jpeg", false},
	".webp":        {"image/webp", false},
	".ico":         {"image/x-icon", false},
	".woff2":       {"font/woff2", false},
	".pdf":         {"application/pdf", false},
	".gz":          {"application/gzip", false},
	".mp4":         {"video/mp4", false},
	".mp3":         {"audio/mpeg", false},
}

// defaultType is the Content-Type of files with an unknown extension.
const defaultType = "application/octet-stream"

// notFoundBody is the body of 404 answers for missing files.
const notFoundBody = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\n" +
	"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n"

// Handler returns an http.Handler for the site, safe for concurrent use.
//
// A request whose RequestURI, or else whose path, is a route's Path gets that
// route's answer, whatever its method. Otherwise GET and HEAD serve static
// files: a path ending in "/" serves its index.html, a directory path without
// the slash is redirected (301) to it, a missing file is a 404 with a small
// HTML page, and other methods get 405. Content-Type follows the file
// extension (a fixed table: html, css, js, json, xml, txt, svg, png, gif,
// jpg, ico, gz, …; unknown ones are application/octet-stream; a .gz file is
// sent as application/gzip without Content-Encoding), and every answer but
// 204 and 304 carries an explicit Content-Length. HEAD gets the same status
// and headers as GET, without the body.
//
// In text bodies (html, css, js, json, xml, txt, svg, webmanifest, vtt, and
// route Body), Location and route header values, each "{{NAME}}" is replaced
// by vars[NAME] (e.g. {{EXTERNAL}} → "http://127.0.0.1:PORT" of a second
// server); unknown names stay as they are. "{{ORIGIN}}", unless vars sets
// it, is the origin the request was sent to ("http://" + Host), which lets a
// robots.txt or sitemap name absolute URLs of its own server. vars is copied.
func (s *Site) Handler(vars map[string]string) http.Handler {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic replacement order
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, "{{"+k+"}}", vars[k])
	}
	_, hasOrigin := vars["ORIGIN"]
	return &handler{site: s, repl: strings.NewReplacer(pairs...), origin: !hasOrigin}
}

// handler serves one Site with one set of placeholder values.
type handler struct {
	site   *Site
	repl   *strings.Replacer
	origin bool // replace {{ORIGIN}} with the request's origin
}

// expand replaces the placeholders in text for request r.
func (h *handler) expand(r *http.Request, text string) string {
	text = h.repl.Replace(text)
	if h.origin && strings.Contains(text, "{{ORIGIN}}") {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		text = strings.ReplaceAll(text, "{{ORIGIN}}", scheme+"://"+r.Host)
	}
	return text
}

// ServeHTTP answers r from a route or a file.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt, ok := h.route(r); ok {
		h.serveRoute(w, r, rt)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.write(w, r, http.StatusMethodNotAllowed, "text/plain; charset=utf-8", []byte("405 method not allowed\n"))
		return
	}
	h.serveFile(w, r, http.StatusOK, r.URL.Path)
}

// route returns the route answering r, if any.
func (h *handler) route(r *http.Request) (Route, bool) {
	if rt, ok := h.site.routes[r.URL.RequestURI()]; ok {
		return rt, true
	}
	rt, ok := h.site.routes[r.URL.Path]
	return rt, ok
}

// serveRoute answers r with rt.
func (h *handler) serveRoute(w http.ResponseWriter, r *http.Request, rt Route) {
	if rt.DelayMS > 0 {
		t := time.NewTimer(time.Duration(rt.DelayMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client is gone: nobody to answer
		}
	}
	if rt.Hangup {
		hangup(w)
		return
	}
	hdr := w.Header()
	for _, kv := range rt.Headers { // write keeps a Content-Type set here
		hdr.Add(kv[0], h.expand(r, kv[1]))
	}
	if rt.Location != "" {
		hdr.Set("Location", h.expand(r, rt.Location))
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rt.File != "" {
		h.serveFile(w, r, status, "/"+rt.File)
		return
	}
	var body []byte
	typ := ""
	if rt.Body != "" {
		body = []byte(h.expand(r, rt.Body))
		typ = "text/html; charset=utf-8"
	}
	h.write(w, r, status, typ, body)
}

// hangup closes the connection under w without answering. HTTP/1 connections
// are hijacked and closed; where hijacking is impossible (HTTP/2) the
// handler aborts with http.ErrAbortHandler, which net/http turns into a
// closed connection or reset stream, again with no answer.
func hangup(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // documented net/http way to abort a response
	}
	_ = conn.Close() // nothing to report: the point is that the client sees an error
}

// serveFile answers r with the site file at urlPath and the given status;
// a missing file is a 404 regardless of status.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, status int, urlPath string) {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		name = "."
	}
	dirWanted := strings.HasSuffix(urlPath, "/")
	if h.site.files == nil {
		h.notFound(w, r)
		return
	}
	fi, err := fs.Stat(h.site.files, name)
	if err == nil && fi.IsDir() && !dirWanted {
		// Like most servers (and http.FileServer), send directory paths
		// to their canonical form with the trailing slash.
		target := path.Base(name) + "/"
		if name == "." {
			target = "./"
		}
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", target)
		h.write(w, r, http.StatusMovedPermanently, "", nil)
		return
	}
	if err == nil && fi.IsDir() {
		name = path.Join(name, "index.html")
	} else if dirWanted {
		h.notFound(w, r) // "/file.html/" is not a directory
		return
	}
	data, err := fs.ReadFile(h.site.files, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			h.notFound(w, r)
			return
		}
		h.write(w, r, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("500 cannot read file\n"))
		return
	}
	ct, ok := contentTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ct.typ = defaultType
	}
	if ct.text {
		data = []byte(h.expand(r, string(data)))
	}
	h.write(w, r, status, ct.typ, data)
}

// notFound answers r with a 404 page.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, http.StatusNotFound, "text/html; charset=utf-8", []byte(notFoundBody))
}

// write sends status, a default Content-Type (unless one is set already or
// typ is empty), Content-Length and, except for HEAD, body.
func (h *handler) write(w http.ResponseWriter, r *http.Request, status int, typ string, body []byte) {
	hdr := w.Header()
	if typ != "" && hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", typ)
	}
	if hdr.Get("Content-Type") == "" {
		// Stop net/http from sniffing one: the answer must be what the
		// route says.
		hdr["Content-Type"] = nil
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead && len(body) > 0 {
		_, _ = w.Write(body) // a write error means the client went away
	}
}
