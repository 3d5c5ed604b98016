package main

import (
	"errors"
	"strings"
	"testing"
)

func TestSitemapOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    sitemapOptions
		wantErr string
		bytes   int64
	}{
		{"defaults", sitemapOptions{}, "", 50 << 20},
		{"sitemap URLs and a size", sitemapOptions{sitemaps: []string{"https://example.test/s.xml"}, sitemapMaxSize: "1MiB"}, "", 1 << 20},
		{"relative sitemap URL", sitemapOptions{sitemaps: []string{"/sitemap.xml"}}, `--sitemap "/sitemap.xml"`, 0},
		{"credentials are masked", sitemapOptions{sitemaps: []string{"ftp://user:secret@example.test/s.xml"}}, "REDACTED", 0},
		{"--sitemap with --no-sitemaps", sitemapOptions{sitemaps: []string{"https://example.test/s.xml"}, noSitemaps: true}, "contradict", 0},
		{"bad size", sitemapOptions{sitemapMaxSize: "lots"}, "--sitemap-max-size", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.opts
			err := o.validate()
			if tc.wantErr == "" {
				if err != nil || o.sitemapMaxBytes != tc.bytes {
					t.Fatalf("err %v, bytes %d; want nil and %d", err, o.sitemapMaxBytes, tc.bytes)
				}
				return
			}
			var ue usageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}
