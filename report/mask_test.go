package report

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestMaskText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"text without URLs is unchanged", "answered 404", "answered 404"},
		{"URL without secrets is unchanged", "see https://example.test/a?page=2.", "see https://example.test/a?page=2."},
		{"secret query value is masked", "see https://example.test/?token=abc", "see https://example.test/?token=REDACTED"},
		{"userinfo is masked", "from http://bob:pw@example.test/x", "from http://REDACTED@example.test/x"},
		{"quoted URL in a Go error stops at the quote", `Get "https://h.test/?sig=s3": EOF`, `Get "https://h.test/?sig=REDACTED": EOF`},
		{"sentence punctuation after a URL is kept", "go to https://h.test/?key=k1.", "go to https://h.test/?key=REDACTED."},
		{"every URL in the text is masked", "https://a:b@x.test/ and HTTPS://y.test/?password=p", "https://REDACTED@x.test/ and HTTPS://y.test/?password=REDACTED"},
		{"URL in angle brackets", "<https://h.test/?token=t>", "<https://h.test/?token=REDACTED>"},
		{"masking is idempotent", "https://REDACTED@x.test/?token=REDACTED", "https://REDACTED@x.test/?token=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := maskText(tt.in); got != tt.want {
				t.Errorf("maskText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskURLsKeepsNil(t *testing.T) {
	t.Parallel()
	if got := maskURLs(nil); got != nil {
		t.Errorf("maskURLs(nil) = %#v, want nil", got)
	}
}

func TestEachURLOrdersByMaskedURL(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	for _, u := range []string{
		"https://a.test/",
		"https://a.test/x?token=zzz", // masked: ...?token=REDACTED, sorts before ?u
		"https://a.test/x?u=1",
		"https://user:pw@a.test/", // masked: https://REDACTED@a.test/, sorts first
		"https://b.test/",
		"https://z.test/?sig=1", // masked: stays last
	} {
		if err := m.PutURL(store.URL{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := eachURL(m, func(u store.URL) error {
		got = append(got, maskURL(u.URL))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://REDACTED@a.test/",
		"https://a.test/",
		"https://a.test/x?token=REDACTED",
		"https://a.test/x?u=1",
		"https://b.test/",
		"https://z.test/?sig=REDACTED",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	if !sort.StringsAreSorted(got) {
		t.Error("not sorted")
	}

	t.Run("fn error stops the walk", func(t *testing.T) {
		t.Parallel()
		n := 0
		stop := errors.New("stop")
		err := eachURL(m, func(store.URL) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("err = %v after %d calls, want stop after 2", err, n)
		}
	})
	t.Run("store error is returned", func(t *testing.T) {
		t.Parallel()
		err := eachURL(failingReader{Reader: m, fail: "urls"}, func(store.URL) error { return nil })
		if !errors.Is(err, errRead) {
			t.Errorf("err = %v, want %v", err, errRead)
		}
	})
}
