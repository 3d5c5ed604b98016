package crawler

import (
	"bytes"
	"fmt"
	"math/bits"
)

// Fingerprints of a page's text, computed while its body is in memory (the
// body is never stored). They let the crawl tell a page that brings new
// content from one that repeats another (crawler traps, trap.go) and let
// the analysis find duplicate pages after the crawl (store.URL.TextHash and
// SimHash).
//
// The text is what a search engine reads of the page without rendering it:
// the HTML with its markup, comments, <script> and <style> elements taken
// out, navigation, header and footer kept (search engines see them too),
// cut into words at every byte that is not a letter or digit (any byte of a
// multi-byte UTF-8 character counts as a letter, so accented and non-Latin
// words stay whole; an entity such as &nbsp; separates words).
//
//   - TextHash is FNV-1a 64 (hash/fnv's algorithm) over the words joined by
//     one space, case kept: equal exactly when the text is equal once
//     whitespace is collapsed.
//   - SimHash is Charikar's 64-bit SimHash over the text's 3-word shingles
//     (every run of three consecutive words, lower-cased; a text of one or
//     two words is one shingle): each shingle's hash is FNV-1a 64 over the
//     FNV-1a 64 hashes of its three words (8 bytes each, least significant
//     first), and each bit of the SimHash is
//     the majority of that bit over the shingles. Near-duplicate texts have
//     SimHashes a few bits apart. An empty text has SimHash 0. At most
//     maxShingles shingles count (the first ones): a bounded cost on
//     hostile pages.
//   - shape (not stored) is FNV-1a 64 over the lower-cased words' hashes
//     (as in shingles), every word that holds a digit replaced by "#": the
//     text once its numbers are set aside. The pages of an infinite space (a calendar month, an
//     empty page 193714) differ from their neighbours by numbers only.
//
// The pass is a plain byte scan, separate from extractHTML's tokenizer pass
// (a second tokenizer pass would cost about as much as link extraction;
// this scan costs a fraction of it: BenchmarkFingerprint).

// maxShingles bounds the shingles a SimHash sums.
const maxShingles = 1 << 16

// FNV-1a 64 (hash/fnv), inlined: the standard package's hash.Hash64 would
// cost an allocation and an interface call per word.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// prints are a page's fingerprints.
type prints struct {
	text  uint64 // TextHash
	sim   uint64 // SimHash
	shape uint64 // the text with its numbers set aside
	words int
}

// hex16 writes a 64-bit fingerprint as store.URL keeps it: 16 lower-case
// hexadecimal digits.
func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

// fingerprint reads an HTML body and returns its fingerprints. body should
// be the decoded text (UTF-8); bytes of another encoding hash consistently
// too, since only ASCII letters, digits and punctuation are interpreted.
func fingerprint(body []byte) prints {
	f := fingerprinter{text: fnvOffset, shape: fnvOffset}
	n := len(body)
	for i := 0; i < n; {
		c := body[i]
		switch {
		case c == '<':
			i = f.markup(body, i)
		case c == '&':
			f.endWord()
			i = skipEntity(body, i)
		case isWordByte(c):
			f.wordByte(c)
			i++
		default:
			f.endWord()
			i++
		}
	}
	f.endWord()
	return f.result()
}

// fingerprinter holds the state of one fingerprint pass.
type fingerprinter struct {
	text, shape uint64 // running FNV-1a hashes
	words       int

	// the word being read
	inWord   bool
	lower    uint64 // FNV-1a of the word lower-cased
	hasDigit bool

	// the last words' lower-case hashes, for shingles
	w1, w2   uint64
	shingles int
	// ones[i] counts the shingles whose hash has bit i set; lanes count
	// the last ones (up to 255) eight bits at a time, one byte per bit
	// (spread), and are added to ones every 255 shingles: eight additions a
	// shingle instead of 64.
	ones    [64]int32
	lanes   [8]uint64
	inLanes int
}

// spread[b] holds bit i of b in its byte i: adding spread values adds eight
// counters at once. A table computed once, never changed.
var spread = func() (t [256]uint64) {
	for b := range t {
		for i := range 8 {
			if b>>i&1 != 0 {
				t[b] |= 1 << (8 * i)
			}
		}
	}
	return t
}()

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func (f *fingerprinter) wordByte(c byte) {
	if !f.inWord {
		f.inWord, f.lower, f.hasDigit = true, fnvOffset, false
		if f.words > 0 {
			f.text = (f.text ^ ' ') * fnvPrime
		}
	}
	f.text = (f.text ^ uint64(c)) * fnvPrime
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	f.lower = (f.lower ^ uint64(c)) * fnvPrime
	if c >= '0' && c <= '9' {
		f.hasDigit = true
	}
}

// endWord adds the word being read, if any, to the hashes.
func (f *fingerprinter) endWord() {
	if !f.inWord {
		return
	}
	f.inWord = false
	if f.words > 0 {
		f.shape = (f.shape ^ ' ') * fnvPrime
	}
	if f.hasDigit {
		f.shape = (f.shape ^ '#') * fnvPrime
	} else {
		f.shape = mix(f.shape, f.lower)
	}
	f.words++
	if f.words >= 3 {
		f.shingle(f.w1, f.w2, f.lower)
	}
	f.w1, f.w2 = f.w2, f.lower
}

// mix continues the FNV-1a hash h over the eight bytes of v, least
// significant first (a word's own FNV-1a hash standing for the word).
func mix(h, v uint64) uint64 {
	for range 8 {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	return h
}

// shingle adds one 3-word shingle to the SimHash sums.
func (f *fingerprinter) shingle(a, b, c uint64) {
	if f.shingles >= maxShingles {
		return
	}
	f.shingles++
	h := mix(mix(mix(fnvOffset, a), b), c)
	for k := range f.lanes {
		f.lanes[k] += spread[h>>(8*k)&0xff]
	}
	if f.inLanes++; f.inLanes == 255 {
		f.flush()
	}
}

// flush adds the lanes' counts to ones.
func (f *fingerprinter) flush() {
	for k, l := range f.lanes {
		for i := range 8 {
			f.ones[8*k+i] += int32(l >> (8 * i) & 0xff)
		}
		f.lanes[k] = 0
	}
	f.inLanes = 0
}

func (f *fingerprinter) result() prints {
	p := prints{text: f.text, shape: f.shape, words: f.words}
	switch f.words {
	case 0:
		return p
	case 1:
		f.shingle(0, 0, f.w2)
	case 2:
		f.shingle(0, f.w1, f.w2)
	}
	f.flush()
	for i, n := range f.ones {
		if 2*int(n) > f.shingles { // the bit is set in most shingles
			p.sim |= 1 << uint(i)
		}
	}
	return p
}

// markup skips the tag, comment or declaration at body[i] ('<') and
// returns where the text goes on; <script> and <style> are skipped with
// their content. A '<' that starts no tag is a separator.
func (f *fingerprinter) markup(body []byte, i int) int {
	f.endWord()
	n := len(body)
	j := i + 1
	if j >= n {
		return n
	}
	switch c := body[j]; {
	case c == '!':
		if bytes.HasPrefix(body[j:], []byte("!--")) {
			if k := bytes.Index(body[j+3:], []byte("-->")); k >= 0 {
				return j + 3 + k + 3
			}
			return n
		}
		return skipTag(body, j)
	case c == '/' || c == '?':
		return skipTag(body, j)
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
	default:
		return j // "a < b": text
	}
	k := j
	for k < n && isAlnum(body[k]) {
		k++
	}
	name := body[j:k]
	end := skipTag(body, k)
	var close []byte
	switch {
	case bytes.EqualFold(name, []byte("script")):
		close = []byte("</script")
	case bytes.EqualFold(name, []byte("style")):
		close = []byte("</style")
	default:
		return end
	}
	if end > 1 && end <= n && body[end-2] == '/' { // <script ... />
		return end
	}
	if m := indexFold(body[end:], close); m >= 0 {
		return skipTag(body, end+m+len(close))
	}
	return n
}

// skipTag returns the position after the '>' that ends the tag body[i:] is
// in, stepping over quoted attribute values.
func skipTag(body []byte, i int) int {
	var quote byte
	for ; i < len(body); i++ {
		c := body[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return len(body)
}

// skipEntity returns the position after an entity (&amp; &#39; &#x27;) at
// body[i], or after the '&' alone.
func skipEntity(body []byte, i int) int {
	for j := i + 1; j < len(body) && j < i+12; j++ {
		c := body[j]
		if c == ';' {
			return j + 1
		}
		if !isAlnum(c) && c != '#' {
			break
		}
	}
	return i + 1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// indexFold is bytes.Index ignoring ASCII case; sep is lower-case.
func indexFold(s, sep []byte) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		j := bytes.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if i+len(sep) <= len(s) && bytes.EqualFold(s[i:i+len(sep)], sep) {
			return i
		}
	}
	return -1
}

// simDistance is the number of bits two SimHashes differ in.
func simDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
