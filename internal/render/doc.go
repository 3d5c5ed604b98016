// Package render loads pages in headless Chromium the way a search engine's
// renderer does, and reports what the rendered page holds and every request
// the page made on the way. It is the engine behind --render: the crawler
// fetches a page, decides (by flag, or with NeedsRendering for --render=auto)
// that it must be rendered, and hands its URL to a Pool; the rules read the
// Result. The package imports nothing of the module: everything it needs from
// the crawl (robots.txt, credentials, the per-host limiter) comes in as funcs
// in Config.
//
// # What Google's renderer does, and what Render does
//
// Googlebot renders with an evergreen Chromium, obeys robots.txt for every
// resource it fetches while rendering, carries no cookies or credentials
// between pages, and indexes the rendered DOM (Search Central, "JavaScript SEO
// basics"; DOMAIN.md, Rendering). Render does the same:
//
//   - Each page gets a fresh browser context (an incognito profile: no
//     cookies, storage or cache shared with any other page), disposed after
//     the page.
//   - Every request the page makes is paused in the DevTools Fetch domain.
//     Config.Allowed decides (robots.txt): a disallowed request is failed with
//     BlockedByClient, never sent, and recorded with Blocked set. Config.Limit
//     is acquired before the request goes on and released when its answer
//     has arrived, so rendering shares the crawl's per-host politeness.
//     Config.Credentials gives the headers for that one request, attached in
//     Fetch.continueRequest; there are no browser-wide headers or cookies, and
//     Chromium does not carry such overrides to redirect hops, which are
//     paused and decided again.
//   - The Network domain reports what happened to each request: status,
//     WWW-Authenticate, the initiating script, errors. A redirect hop is a
//     Request of its own.
//
// # Budget of one page
//
// The load (navigation until the load event) gets Config.LoadTimeout. Then
// Render waits for the network to be idle, at most Config.IdleWait: idle means
// no request in flight and no network activity (a request starting or
// ending, a chunk of a body arriving) for 500 ms, as puppeteer's networkidle0.
// In flight counts every request of the page, its frames and its workers,
// including one waiting for Config.Limit. A page that never settles (a
// long-poll, a fetch that hangs) is read when the cap ends, with
// Result.NotIdle set and its open requests marked Pending. A page that
// navigates itself (location.href = …) within the quiet period is followed
// within the same budget; Result.FinalURL says where it ended, and a page
// that moved somewhere that did not load (a URL robots.txt disallows) is
// ErrorKind "load". The rendered DOM is then read in an isolated JavaScript
// world (the page's scripts cannot tamper with the functions that read it)
// within a few seconds.
//
// A page that does not load in time is ErrorKind "timeout" (what could be
// read is still returned); a renderer that crashes is "crash"; a page whose
// scripts keep the tab from answering after the load (an endless loop), or
// that the reading script cannot read, is "script"; a navigation that fails
// (connection refused, the document disallowed or not a page) is "load". The
// tab is closed in every case and the pool goes on; a browser that died is
// started again for the next page.
//
// # Hostile pages
//
// Everything a page sends is hostile. Sizes are bounded (Config.MaxBytes for
// the HTML, Config.MaxRequests for the requests recorded and let through,
// 10,000 links, 4 KiB per recorded URL, 20 console errors of 300 characters).
// Only http(s) requests go out and only http(s) links are reported, so no
// file:, data: or javascript: URL becomes a link. Dialogs are dismissed,
// downloads denied, popups blocked, service workers bypassed. Cross-site
// iframes are kept in the page's renderer process (site isolation off) so
// that their requests pass the same interception; the browser holds nothing
// worth isolating (no profile, no cookies, a fresh context per page). Chromium
// keeps its own sandbox, except when this process runs as root (a container):
// Chromium refuses to start sandboxed as root, so it then runs with
// --no-sandbox.
//
// # Memory
//
// Pool.Memory sums the resident memory of the browser's processes (their
// proportional set sizes, from /proc on Linux; 0 elsewhere). Above Config.MaxMemory the pool restarts the
// browser between pages.
package render
