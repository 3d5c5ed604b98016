package report

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/urlx"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestMaskURLsKeepsNil(t *testing.T) {
	t.Parallel()
	if got := newCrawl(store.NewMemory(), Options{}).maskURLs(nil); got != nil {
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
	if err := newCrawl(m, Options{}).eachURL(func(u store.URL) error {
		got = append(got, urlx.Mask(u.URL))
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
		err := newCrawl(m, Options{}).eachURL(func(store.URL) error {
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
		err := newCrawl(failingReader{Reader: m, fail: "urls"}, Options{}).eachURL(func(store.URL) error { return nil })
		if !errors.Is(err, errRead) {
			t.Errorf("err = %v, want %v", err, errRead)
		}
	})
}
