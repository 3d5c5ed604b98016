package crawler

import (
	"fmt"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/analysis"
)

func TestFingerprintText(t *testing.T) {
	t.Parallel()
	fnvOf := func(s string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		return h.Sum64()
	}
	for _, c := range []struct {
		name, html, text string
	}{
		{"markup and whitespace go", "<!doctype html><html><head><title>Hi</title></head><body><p>Hello  \n <b>world</b></p></body></html>", "Hi Hello world"},
		{"scripts, styles and comments go", "<p>A<script>var s = '</p> no';</script> B<style>p{}</style><!-- C --> D</p>", "A B D"},
		{"script end tag in any case", "<SCRIPT type=x>1 2 3</ScRiPt>after", "after"},
		{"navigation stays", "<nav><a href=/>Home</a> <a href='/a>b'>About</a></nav><main>Text</main>", "Home About Text"},
		{"entities and punctuation separate words", "fish&amp;chips, 3.5&nbsp;kg", "fish chips 3 5 kg"},
		{"case is kept, UTF-8 words are whole", "Grüße aus Köln", "Grüße aus Köln"},
		{"a lone angle bracket is text", "a < b > c", "a b c"},
		{"an empty page", "<html><body></body></html>", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := fingerprint([]byte(c.html))
			if want := fnvOf(c.text); got.text != want {
				t.Errorf("TextHash = %016x, want FNV-1a 64 of %q = %016x", got.text, c.text, want)
			}
			if words := len(strings.Fields(c.text)); got.words != words {
				t.Errorf("words = %d, want %d", got.words, words)
			}
		})
	}
}

// words returns n words of running text, the i-th word being word(i).
func words(n int, word func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(word(i))
		b.WriteByte(' ')
	}
	return b.String()
}

func TestSimHashNearDuplicates(t *testing.T) {
	t.Parallel()
	vocab := strings.Fields("the bakery sells bread cakes and pastries every morning from six until noon with coffee tea fresh juice fruit tarts")
	base := words(300, func(i int) string { return vocab[(i*7+i/3)%len(vocab)] })
	edited := strings.Replace(base, "coffee", "cocoa", 1)
	other := words(300, func(i int) string { return fmt.Sprintf("w%d", i*13%97) })
	a, b, c := fingerprint([]byte("<p>"+base)), fingerprint([]byte("<p>"+edited)), fingerprint([]byte("<p>"+other))
	if a.text == b.text {
		t.Fatal("one word changed, same TextHash")
	}
	if d := simDistance(a.sim, b.sim); d > 6 {
		t.Errorf("one word of 300 changed: SimHashes %d bits apart, want a few", d)
	}
	if d := simDistance(a.sim, c.sim); d < 16 {
		t.Errorf("unrelated texts: SimHashes %d bits apart, want many", d)
	}
	if s := fingerprint([]byte("<p>two words")).sim; s == 0 {
		t.Error("a two-word text has a SimHash of 0")
	}
	if s := fingerprint(nil).sim; s != 0 {
		t.Errorf("an empty text has SimHash %016x, want 0", s)
	}
}

func TestShapeSetsNumbersAside(t *testing.T) {
	t.Parallel()
	p57 := fingerprint([]byte("<h1>Shoes, page 57</h1><p>No products.</p><a href=?page=58>Next</a>"))
	p58 := fingerprint([]byte("<h1>Shoes, page 58</h1><p>No products.</p><a href=?page=59>Next</a>"))
	hats := fingerprint([]byte("<h1>Hats, page 58</h1><p>No products.</p><a href=?page=59>Next</a>"))
	if p57.text == p58.text || p57.shape != p58.shape {
		t.Errorf("pages differing by a number: text %x/%x (want different), shape %x/%x (want equal)", p57.text, p58.text, p57.shape, p58.shape)
	}
	if hats.shape == p58.shape {
		t.Error("pages differing by a word have the same shape")
	}
	if hex16(0xab) != "00000000000000ab" {
		t.Errorf("hex16 = %q", hex16(0xab))
	}
}

// BenchmarkFingerprint fingerprints one page of the benchmark's synthetic
// site; compare with BenchmarkExtractHTML, the link extraction pass.
func BenchmarkFingerprint(b *testing.B) {
	body, _ := synthPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if p := fingerprint(body); p.words < 50 {
			b.Fatalf("words = %d", p.words)
		}
	}
}

// TestEmptyTextHashIsTheAnalysis: a page without words has the TextHash
// the duplicate clustering leaves out (analysis.EmptyTextHash), and
// SimHash 0.
func TestEmptyTextHashIsTheAnalysis(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "<html><head><script>var x = 1</script></head><body><div></div></body></html>"} {
		p := fingerprint([]byte(body))
		if hex16(p.text) != analysis.EmptyTextHash || p.sim != 0 {
			t.Errorf("%q: text_hash %s simhash %016x, want %s and 0", body, hex16(p.text), p.sim, analysis.EmptyTextHash)
		}
	}
}
