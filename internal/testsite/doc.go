// Package testsite serves fixture sites over loopback HTTP for tests and for
// the `crawlaudit demo` command.
//
// A Site is a static file tree (a <name>/ directory of an fs.FS, such as the
// demo's embedded internal/demo.Sites) plus programmable routes: exact paths
// that answer a chosen status, headers, body or file, optionally after a delay
// or by hanging up without any answer. Routes come from a JSON file next to
// the site directory (<name>.routes.json) and from Site.With.
//
// Site.Handler turns a Site into an http.Handler; Start serves one on
// 127.0.0.1 (never another interface) behind a Log that records every
// request, so tests can assert what the crawler asked for, which credentials
// it sent where, and what it never requested.
//
// In the flow cmd → crawler → store → audit → report this package stands
// outside: it plays the web site. It must not import "testing" so that the
// demo command can use it.
package testsite
