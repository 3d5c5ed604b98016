package report

import (
	"errors"
	"reflect"
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestMaskedFindings(t *testing.T) {
	t.Parallel()
	t.Run("order is severity, rule, masked URL, then message", func(t *testing.T) {
		t.Parallel()
		m := store.NewMemory()
		if err := m.PutFindings([]store.Finding{
			{Rule: "b", Severity: store.SeverityNotice, URL: "https://h.test/1"},
			{Rule: "a", Severity: store.SeverityError, URL: "https://h.test/2", Message: "second"},
			{Rule: "a", Severity: store.SeverityError, URL: "https://h.test/2", Message: "first"},
			{Rule: "a", Severity: store.SeverityError, URL: "https://h.test/1"},
			{Rule: "z", Severity: store.SeverityWarning, URL: "https://h.test/0"},
		}); err != nil {
			t.Fatal(err)
		}
		fs, err := newCrawl(m, Options{}).maskedFindings()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Rule+" "+f.URL+" "+f.Message)
		}
		want := []string{
			"a https://h.test/1 ",
			"a https://h.test/2 first",
			"a https://h.test/2 second",
			"z https://h.test/0 ",
			"b https://h.test/1 ",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("order:\n got %q\nwant %q", got, want)
		}
	})

	t.Run("URL, referrers and message are masked; the store is untouched", func(t *testing.T) {
		t.Parallel()
		m := store.NewMemory()
		orig := store.Finding{Rule: "r", URL: "https://h.test/?token=t", Message: "see https://u:p@h.test/", Referrers: []string{"https://h.test/?sig=s"}}
		if err := m.PutFindings([]store.Finding{orig}); err != nil {
			t.Fatal(err)
		}
		fs, err := newCrawl(m, Options{}).maskedFindings()
		if err != nil {
			t.Fatal(err)
		}
		want := store.Finding{Rule: "r", URL: "https://h.test/?token=REDACTED", Message: "see https://REDACTED@h.test/", Referrers: []string{"https://h.test/?sig=REDACTED"}}
		if !reflect.DeepEqual(fs, []store.Finding{want}) {
			t.Errorf("got %+v, want %+v", fs, want)
		}
		stored, _ := m.Findings()
		if !reflect.DeepEqual(stored, []store.Finding{orig}) {
			t.Errorf("store changed: %+v", stored)
		}
	})

	t.Run("store error is returned", func(t *testing.T) {
		t.Parallel()
		_, err := newCrawl(failingReader{Reader: store.NewMemory(), fail: "findings"}, Options{}).maskedFindings()
		if !errors.Is(err, errRead) {
			t.Errorf("err = %v, want %v", err, errRead)
		}
	})
}
