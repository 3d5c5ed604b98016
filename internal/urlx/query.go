package urlx

import (
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeQuery returns the raw query q (UTF-8 text, as written in a document
// whose encoding is charset) with its non-ASCII characters encoded in that
// encoding and percent-encoded, as the WHATWG URL parser's query state does
// with a non-UTF-8 encoding. ASCII is kept as written (Normalize treats it
// the same in every encoding). It returns q unchanged when the output
// encoding is UTF-8 (UTF-8, UTF-16BE/LE, replacement, or a name that is no
// WHATWG encoding): Normalize then percent-encodes its bytes.
func encodeQuery(q, charset string) string {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return q
	}
	switch name, _ := htmlindex.Name(enc); name {
	case "utf-8", "utf-16be", "utf-16le", "replacement":
		return q
	}
	// htmlindex's encoders report a rune they cannot encode as an error
	// (charset.Lookup's would write it as an HTML reference, which the
	// URL standard percent-encodes, so the error is handled here).
	e := enc.NewEncoder()
	b := make([]byte, 0, len(q)+16)
	for i := 0; i < len(q); {
		c := q[i]
		if c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if r, n := utf8.DecodeRuneInString(q[i:]); r == utf8.RuneError && n == 1 {
			b = appendPercent(b, c) // not UTF-8: the byte as it is
			i++
			continue
		}
		// A run of non-ASCII characters goes to the encoder in one piece:
		// a stateful encoding (ISO-2022-JP) switches modes once per run.
		j := i
		for j < len(q) && q[j] >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(q[j:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			j += n
		}
		b = appendEncoded(b, e, q[i:j])
		i = j
	}
	return string(b)
}

// appendEncoded appends run (valid UTF-8, no ASCII) encoded by e and
// percent-encoded. A rune e cannot encode becomes %26%23NNN%3B. Every turn
// of the loop consumes input, so a misbehaving encoder cannot make it spin.
func appendEncoded(b []byte, e transform.Transformer, run string) []byte {
	e.Reset()
	src := []byte(run)
	var buf [64]byte
	for len(src) > 0 {
		nDst, nSrc, err := e.Transform(buf[:], src, true)
		for _, c := range buf[:nDst] {
			b = appendQueryByte(b, c)
		}
		src = src[nSrc:]
		if len(src) == 0 || nSrc > 0 && (err == nil || err == transform.ErrShortDst) {
			continue
		}
		// An unencodable rune (or no progress at all): write it as the
		// URL standard's encoder does, "&#NNN;" percent-encoded.
		r, n := utf8.DecodeRune(src)
		b = append(b, "%26%23"...)
		b = strconv.AppendInt(b, int64(r), 10)
		b = append(b, "%3B"...)
		src = src[n:]
		e.Reset()
	}
	return b
}

// appendQueryByte appends c, percent-encoded when it is in the URL
// standard's special-query percent-encode set (C0 controls, space, ", #,
// ', <, > and bytes above 0x7E): an encoding's bytes for a character may
// include ASCII (ISO-2022-JP's escapes).
func appendQueryByte(b []byte, c byte) []byte {
	if c <= ' ' || c > '~' || c == '"' || c == '#' || c == '\'' || c == '<' || c == '>' {
		return appendPercent(b, c)
	}
	return append(b, c)
}

func appendPercent(b []byte, c byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(b, '%', hex[c>>4], hex[c&15])
}
