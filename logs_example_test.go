package crawlaudit_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/crawlaudit/crawlaudit"
)

// ExampleLogs reads an access log without a crawl: the crawler hits,
// verified against Google's published ranges, go to a folder of outputs.
func ExampleLogs() {
	out, err := os.MkdirTemp("", "crawlaudit-logs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	res, err := crawlaudit.Logs(context.Background(), crawlaudit.LogsOptions{
		Files:  []string{"testdata/logs/combined.log"},
		Out:    out,
		Site:   "https://example.com",
		Ranges: []string{"testdata/logs/ranges/googlebot.json"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range strings.Split(res.Summary(), "\n") {
		if strings.HasPrefix(l, "Logs:") || strings.HasPrefix(l, "Googlebot:") {
			fmt.Println(l)
		}
	}
	// Output:
	// Logs: 16 lines, 9 crawler hits, 3 visitors (counted only), 3 bad lines
	// Googlebot: 6 verified hits, 33.3% on indexable 200 pages
}
