package report

import (
	"strconv"
	"unicode/utf8"
)

// appendJSONURL appends u as encoding/json writes it through an Encoder
// with SetIndent("    ", "  ") (an element of crawl.json's "urls", without
// the trailing newline), without reflection: crawl.json holds one such
// record per URL and one referrer entry per distinct incoming edge, the
// bulk of the after-crawl work at scale. ok is false, and b unchanged, for
// a record with a nested optional part (challenges, sitemap problems, a
// render), which the caller encodes with encoding/json. The output is
// byte-identical to encoding/json's (TestAppendJSONURLMatchesEncodingJSON);
// a field added to jsonURL must be added here too.
func appendJSONURL(b []byte, u *jsonURL) (_ []byte, ok bool) {
	if len(u.Challenges) > 0 || len(u.SitemapProblems) > 0 || u.Render != nil {
		return b, false
	}
	const f = ",\n      " // between fields: prefix and one indent
	b = append(b, "{\n      \"url\": "...)
	b = appendJSONString(b, u.URL)
	b = append(b, f+`"status": `...)
	b = strconv.AppendInt(b, int64(u.Status), 10)
	b = append(b, f+`"kind": `...)
	b = appendJSONString(b, string(u.Kind))
	b = append(b, f+`"sources": `...)
	switch {
	case u.Sources == nil:
		b = append(b, "null"...)
	case len(u.Sources) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i, s := range u.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n        "...)
			b = appendJSONString(b, s)
		}
		b = append(b, "\n      ]"...)
	}
	b = append(b, f+`"depth": `...)
	b = strconv.AppendInt(b, int64(u.Depth), 10)
	b = append(b, f+`"inlinks": `...)
	b = strconv.AppendInt(b, int64(u.Inlinks), 10)
	b = append(b, f+`"referrers": `...)
	switch {
	case u.Referrers == nil:
		b = append(b, "null"...)
	case len(u.Referrers) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i, r := range u.Referrers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n        {\n          \"from\": "...)
			b = appendJSONString(b, r.From)
			b = append(b, ",\n          \"type\": "...)
			b = appendJSONString(b, string(r.Type))
			b = append(b, ",\n          \"tag\": "...)
			b = appendJSONString(b, r.Tag)
			b = append(b, "\n        }"...)
		}
		b = append(b, "\n      ]"...)
	}
	b = append(b, f+`"content_type": `...)
	b = appendJSONString(b, u.ContentType)
	b = append(b, f+`"bytes": `...)
	b = strconv.AppendInt(b, u.Bytes, 10)
	b = append(b, f+`"response_ms": `...)
	b = strconv.AppendInt(b, u.ResponseMS, 10)
	b = append(b, f+`"redirect": `...)
	b = appendJSONString(b, u.Redirect)
	b = append(b, f+`"www_authenticate": `...)
	b = appendJSONString(b, u.WWWAuthenticate)
	b = append(b, f+`"noindex": `...)
	b = strconv.AppendBool(b, u.NoIndex)
	b = append(b, f+`"canonical": `...)
	b = appendJSONString(b, u.Canonical)
	b = append(b, f+`"title": `...)
	b = appendJSONString(b, u.Title)
	b = append(b, f+`"in_sitemap": `...)
	b = strconv.AppendBool(b, u.InSitemap)
	b = append(b, f+`"blocked_by_robots": `...)
	b = strconv.AppendBool(b, u.BlockedByRobots)
	b = append(b, f+`"truncated": `...)
	b = strconv.AppendBool(b, u.Truncated)
	b = append(b, f+`"method": `...)
	b = appendJSONString(b, u.Method)
	b = append(b, f+`"error": `...)
	b = appendJSONString(b, u.Error)
	// The omitempty fields.
	b = appendOptString(b, "error_kind", u.ErrorKind)
	b = appendOptString(b, "credentials", u.Credentials)
	if u.AnonymousStatus != 0 {
		b = append(b, f+`"anonymous_status": `...)
		b = strconv.AppendInt(b, int64(u.AnonymousStatus), 10)
	}
	b = appendOptString(b, "access", u.Access)
	b = appendOptString(b, "bot_check", u.BotCheck)
	if u.LoginForm {
		b = append(b, f+`"login_form": true`...)
	}
	if u.RobotsDisallowed {
		b = append(b, f+`"robots_disallowed": true`...)
	}
	if u.SitemapURLs != 0 {
		b = append(b, f+`"sitemap_urls": `...)
		b = strconv.AppendInt(b, int64(u.SitemapURLs), 10)
	}
	b = appendOptString(b, "not_requested", u.NotRequested)
	b = appendOptString(b, "text_hash", u.TextHash)
	b = appendOptString(b, "simhash", u.SimHash)
	b = appendOptString(b, "cluster", u.Cluster)
	b = appendOptString(b, "cluster_kind", u.ClusterKind)
	b = append(b, "\n    }"...)
	return b, true
}

// appendOptString appends an omitempty string field of appendJSONURL.
func appendOptString(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ",\n      \""...)
	b = append(b, name...)
	b = append(b, "\": "...)
	return appendJSONString(b, v)
}

// appendJSONString appends s quoted as encoding/json quotes a string with
// HTML escaping on (its default): <, > and & as \u003c etc., control
// characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
