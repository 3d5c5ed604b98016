// Package sitemap parses sitemap files the way search engines read them:
// XML <urlset> and <sitemapindex> (sitemaps.org protocol 0.9), plain text
// (one absolute URL a line), RSS 2.0 and Atom 1.0 feeds, each optionally
// gzip-compressed (recognised by its magic bytes, 1f 8b, not by name or
// Content-Type).
//
// It sits between fetching and crawling: the crawler fetches a sitemap and
// hands its body to Parse as an io.Reader together with the sitemap's URL;
// Parse streams it token by token, calls back once per listed URL, and
// returns what is wrong with the file as Problem values, never as an abort.
// Sitemaps are hostile input, so parsing is bounded: the decompressed size
// stops at Config.MaxBytes (a gzip bomb costs at most that much reading and
// almost no memory), the URL count at Config.MaxURLs, and XML entity
// declarations are never expanded (encoding/xml does not process a DOCTYPE's
// internal subset and rejects undefined entities, so "billion laughs" is a
// syntax problem, not a memory explosion).
//
// The package does no network I/O and is synchronous.
package sitemap
