package crawlaudit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TerminalSafe returns s ready to print to a terminal: control characters
// that a terminal would act on (C0 controls but tab and newline, DEL, the C1
// controls U+0080–U+009F with the 8-bit CSI, and the bidirectional
// overrides and isolates that reorder what is shown) are written as escapes
// ("\x1b", "\u202e"), and bytes that are not UTF-8 as U+FFFD. Crawled text
// (titles, realms, error messages that quote a server) reaches the terminal
// only through it: Result.Summary and Comparison.Summary apply it, and the
// command applies it to every message it prints.
func TerminalSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether a terminal would act on r rather than show
// it.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides and isolates
	}
	return false
}
