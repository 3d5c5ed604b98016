package crawler

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// decoded is a fetched document as UTF-8 text, and the encoding it was
// written in.
type decoded struct {
	// text is the document decoded to UTF-8, without a byte-order mark.
	// A document in UTF-8 is the body itself, not a copy: bytes that are
	// not UTF-8 stay as they are (text shown to people is made valid with
	// validText; URLs percent-encode them as they are).
	text []byte
	// charset is the WHATWG name of the document's encoding ("utf-8",
	// "windows-1252", "shift_jis"…): links resolve their queries in it.
	charset string
}

// queryCharset is the encoding to resolve links' queries in, for
// urlx.ResolveIn: "" for UTF-8, the fast path (urlx maps UTF-16 and the
// replacement encoding to UTF-8 itself).
func (d decoded) queryCharset() string {
	if d.charset == "utf-8" {
		return ""
	}
	return d.charset
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// The HTML encoding sniff (https://html.spec.whatwg.org/multipage/parsing.html#encoding-sniffing-algorithm)
// is htmlCharset: charset.DetermineEncoding, with our default. The crawler
// runs it in two parts so that a UTF-8 page, nearly every page, is
// tokenized once and never copied:
//
//   - decodeHTML settles what the byte-order mark or the Content-Type
//     decides, and decodes the body if it must;
//   - otherwise the page is read as UTF-8, tentatively, and the walk over
//     its tokens hands each <meta> that ends in the first 1024 bytes to a
//     metaSniff, the prescan's job done on the walk's own tokens. When the
//     sniff settles on another encoding, the page is decoded and read again
//     from the start, as a browser does when a <meta> changes the encoding
//     (https://html.spec.whatwg.org/multipage/parsing.html#changing-the-encoding-while-parsing).
//
// charset.DetermineEncoding decides every case but one, which the walk
// reads itself, as the prescan would: a <meta charset=…> with a label
// charset.Lookup knows and no content attribute naming a charset, after
// only <meta> tags the prescan skips. Anything else (an http-equiv
// declaration, no declaration in the first 1024 bytes) is handed to
// htmlCharset. TestHTMLCharsetSniffOrder, TestSniffAgreesAroundThe1024thByte
// and FuzzSniffMatchesCharset check that the two parts agree with
// htmlCharset on its own. Running DetermineEncoding on every page instead
// would cost each page served without a charset in its Content-Type a
// second tokenizer (about 5 KB and 17 allocations, some 7% of the
// extraction).

// decodeHTML returns an HTML body as UTF-8 text, decoded as far as the
// byte-order mark and the Content-Type decide; tentative is true when
// neither does: the body is then returned as it is, to be read as UTF-8
// while a metaSniff looks for a <meta> that says otherwise. A body colly
// has already decoded (collyDecoded) is never decoded twice.
//
// The text is at most three times the body's length (each byte of a
// single-byte encoding may become three of UTF-8); decoding never fails:
// bytes the encoding cannot decode become U+FFFD, and an unknown charset
// label falls through to the next step of the sniff.
func decodeHTML(body []byte, contentType string) (doc decoded, tentative bool) {
	if collyDecoded(contentType, body) {
		// colly decoded it with the same sniff (a byte-order mark survives
		// its decoders as U+FEFF, so htmlCharset sees UTF-8 there, which
		// is also the output encoding of UTF-16 documents).
		_, name := htmlCharset(body, contentType)
		return decoded{text: bytes.TrimPrefix(body, utf8BOM), charset: name}, false
	}
	if len(body) > 0 && (body[0] == 0xEF || body[0] == 0xFE || body[0] == 0xFF) {
		// Perhaps a byte-order mark, which wins over everything: the
		// whole sniff.
		enc, name := htmlCharset(body, contentType)
		return decoded{text: toUTF8(body, enc, name), charset: name}, false
	}
	if enc, name, ok := headerCharset(contentType); ok {
		return decoded{text: toUTF8(body, enc, name), charset: name}, false
	}
	return decoded{text: body, charset: "utf-8"}, true
}

// utf8ContentTypes are the Content-Types most UTF-8 pages are served with
// (compared ignoring case): headerCharset knows their answer without
// parsing them.
var utf8ContentTypes = []string{"text/html; charset=utf-8", "text/html;charset=utf-8", `text/html; charset="utf-8"`}

// headerCharset returns the encoding a Content-Type's charset parameter
// names, and whether it names one charset.Lookup knows.
func headerCharset(contentType string) (encoding.Encoding, string, bool) {
	if strings.IndexByte(contentType, ';') < 0 {
		return nil, "", false // no parameters
	}
	for _, ct := range utf8ContentTypes {
		if strings.EqualFold(contentType, ct) {
			return encoding.Nop, "utf-8", true
		}
	}
	// Without content, DetermineEncoding looks at the header alone.
	enc, name, certain := charset.DetermineEncoding(nil, contentType)
	return enc, name, certain
}

// sniffLen is how far into a page a <meta> may declare its encoding: the
// HTML standard's prescan (and charset.DetermineEncoding) reads 1024 bytes.
const sniffLen = 1024

// metaSniff is the tentative part of the encoding sniff of one page, done
// by the walk (see decodeHTML).
type metaSniff struct {
	body   []byte // the page as served
	read   int    // bytes the walk has tokenized
	result string // the WHATWG name of the encoding settled on, or ""
}

// meta looks at a <meta> start tag that ends within the first sniffLen
// bytes, whose attributes attr returns (names lower-cased, values with
// character references decoded, the first of repeated names: as the
// prescan's tokenizer gives them). It settles the sniff, or leaves it
// open for the next <meta>, as the prescan would.
func (s *metaSniff) meta(attr func(string) (string, bool)) {
	label, hasCharset := attr("charset")
	if content, ok := attr("content"); ok && strings.Contains(strings.ToLower(content), "charset") {
		// <meta http-equiv="Content-Type" content="…; charset=…">, or a
		// content the prescan weighs against a charset attribute: it
		// decides, from the start of the page.
		s.settle()
		return
	}
	if !hasCharset {
		return // the prescan skips it
	}
	if _, name := charset.Lookup(label); name != "" {
		if strings.HasPrefix(name, "utf-16") {
			name = "utf-8" // a page that can say so in ASCII is not UTF-16
		}
		s.result = name
	}
	// An unknown label: the prescan goes on to the next <meta>.
}

// settle returns the encoding the sniff settled on, settling it with
// htmlCharset when the <meta> tags the walk saw did not.
func (s *metaSniff) settle() string {
	if s.result == "" {
		_, s.result = htmlCharset(s.body, "")
	}
	return s.result
}

// htmlCharset returns the encoding of an HTML document and its WHATWG name,
// by the HTML standard's sniff (charset.DetermineEncoding): a byte-order
// mark, then contentType's charset parameter, then a <meta charset> or
// <meta http-equiv="Content-Type" content="…; charset=…"> in the first
// 1024 bytes (an unknown label is skipped, UTF-16 is read as UTF-8), then
// the default.
//
// The default is where this differs from charset.DetermineEncoding, which
// says UTF-8 when the first 1024 bytes have non-ASCII and are valid UTF-8
// and windows-1252 (the HTML standard's default for an unknown locale)
// otherwise: a page whose head is ASCII and whose body is UTF-8 would be
// read as windows-1252, and its "/café" links requested as /caf%C3%83%C2%A9,
// 404s the site never linked. Browsers' detectors (Chromium's, Firefox's
// chardetng) read valid UTF-8 as UTF-8, so an undeclared body stays UTF-8
// when it looks like UTF-8 (looksUTF8: an ASCII page too, which costs no
// decoding), and is windows-1252 otherwise.
func htmlCharset(body []byte, contentType string) (encoding.Encoding, string) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	// DetermineEncoding returns its default windows-1252 as the bare
	// charmap; a label it looked up (header or <meta>) comes wrapped, so a
	// page that declares windows-1252 (or latin1, ascii…) keeps it.
	if !certain && enc == charmap.Windows1252 && looksUTF8(body) {
		return encoding.Nop, "utf-8"
	}
	return enc, name
}

// looksUTF8 reports whether an undeclared body is best read as UTF-8: it
// is valid UTF-8 (ASCII included), or its valid multi-byte sequences
// outnumber its invalid bytes (a UTF-8 page with a stray Latin-1 byte; a
// windows-1252 page has almost none, since a byte above 0x7F must be
// followed by the right number of bytes 0x80-0xBF). A sequence cut at the
// end (a body cut at MaxBody) does not count.
func looksUTF8(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r != utf8.RuneError || n > 1:
			valid++
		case !utf8.FullRune(b[i:]):
			n = len(b) - i // cut at the end
		default:
			invalid++
		}
		i += n
	}
	return valid > invalid
}

// toUTF8 decodes body from enc (named name) to UTF-8, dropping a leading
// byte-order mark. A UTF-8 body is returned as it is.
func toUTF8(body []byte, enc encoding.Encoding, name string) []byte {
	if name != "utf-8" && enc != nil && enc != encoding.Nop {
		// x/text's decoders replace what they cannot decode with U+FFFD
		// and return no error for bad input; an error would be a bug in
		// them, and the body is then read as UTF-8.
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			body = out
		}
	}
	return bytes.TrimPrefix(body, utf8BOM)
}

// collyDecoded reports whether colly has already decoded body to UTF-8
// before the crawler sees it. colly (v2.3.0, Response.fixCharset) decodes
// every non-empty body whose Content-Type names a charset other than UTF-8
// (substrings of the lower-cased header: "charset", and neither "utf-8"
// nor "utf8"), except image, video, audio and font types, with
// charset.DetermineEncoding: the same sniff, run on the original bytes.
// Decoding such a body again would garble it (TestCollyDecodesDeclared
// pins colly's behaviour). colly's DetectCharset (a statistical detector
// that would decode undeclared bodies too) must stay off: the crawler
// does not set it, but colly also reads COLLY_DETECT_CHARSET from the
// environment.
func collyDecoded(contentType string, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	ct := strings.ToLower(contentType)
	for _, media := range []string{"image/", "video/", "audio/", "font/"} {
		if strings.Contains(ct, media) {
			return false
		}
	}
	return strings.Contains(ct, "charset") && !strings.Contains(ct, "utf-8") && !strings.Contains(ct, "utf8")
}

// decodeCSS returns a stylesheet as UTF-8 text, loosely by the CSS Syntax
// standard's "determine the fallback encoding"
// (https://www.w3.org/TR/css-syntax-3/#input-byte-stream): a byte-order
// mark, then contentType's charset, then an @charset "…"; rule at the very
// start (UTF-16 read as UTF-8), then UTF-8. The standard's next step, the
// encoding of the page that linked the stylesheet, is skipped: a
// stylesheet is fetched as its own job, which does not carry the
// referring page's encoding, and one stylesheet may serve pages in several.
// References in CSS resolve their queries in UTF-8 whatever the
// stylesheet's encoding (CSS Values: url() is parsed with the plain URL
// parser), so only the text matters here. A stylesheet whose Content-Type
// names a charset comes decoded by colly, with the HTML sniff: the same
// but for an unknown label, where colly goes on with the HTML steps (a
// <meta>, then UTF-8 or windows-1252 by the first 1024 bytes).
func decodeCSS(body []byte, contentType string) []byte {
	if collyDecoded(contentType, body) {
		return bytes.TrimPrefix(body, utf8BOM)
	}
	enc, name := cssCharset(body, contentType)
	return toUTF8(body, enc, name)
}

// cssCharset returns a stylesheet's encoding and its WHATWG name, as
// decodeCSS describes.
func cssCharset(body []byte, contentType string) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		return encoding.Nop, "utf-8"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return charset.Lookup("utf-16be")
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return charset.Lookup("utf-16le")
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		if enc, name := charset.Lookup(params["charset"]); enc != nil {
			return enc, name
		}
	}
	// "@charset" followed by exactly one space and a double-quoted label,
	// within the first 1024 bytes.
	const prefix = `@charset "`
	if head := body[:min(len(body), 1024)]; bytes.HasPrefix(head, []byte(prefix)) {
		if end := bytes.Index(head[len(prefix):], []byte(`";`)); end >= 0 {
			if enc, name := charset.Lookup(string(head[len(prefix) : len(prefix)+end])); enc != nil {
				if strings.HasPrefix(name, "utf-16") {
					return encoding.Nop, "utf-8"
				}
				return enc, name
			}
		}
	}
	return encoding.Nop, "utf-8"
}
