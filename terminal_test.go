package crawlaudit

import "testing"

func TestTerminalSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain text and lines stay", "Crawl budget\n\tok – “fine” ✓", "Crawl budget\n\tok – “fine” ✓"},
		{"escape sequences are shown, not run", "title\x1b[2J\x1b]0;pwned\x07", `title\x1b[2J\x1b]0;pwned\x07`},
		{"carriage return and backspace", "a\rb\bc", `a\x0db\x08c`},
		{"C1 controls, the 8-bit CSI among them", "x\u009b2Jy\u0085z", `x\u009b2Jy\u0085z`},
		{"bidi override and isolates", "realm=\u202egnp.exe\u2066x\u2069", `realm=\u202egnp.exe\u2066x\u2069`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"bytes that are not UTF-8", "a\x9b2Jb\xff", "a\ufffd2Jb\ufffd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := TerminalSafe(tc.in); got != tc.want {
				t.Errorf("TerminalSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
