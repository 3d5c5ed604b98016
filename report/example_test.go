package report_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/crawlaudit/crawlaudit/internal/store"
	"github.com/crawlaudit/crawlaudit/report"
)

// Findings come out masked, sorted by severity, and safe to open in a
// spreadsheet: a message starting with "-" gets a leading quote.
func ExampleWriteFindingsCSV() {
	m := store.NewMemory()
	_ = m.PutFindings([]store.Finding{
		{Rule: "redirect-chain", Severity: store.SeverityNotice, URL: "https://example.test/old", Message: "redirects to https://example.test/new", Referrers: []string{"https://example.test/"}},
		{Rule: "broken-link", Severity: store.SeverityError, URL: "https://example.test/gone?token=abc", Message: "-answered 404", Referrers: []string{"https://example.test/", "https://example.test/about"}},
	})
	var buf bytes.Buffer
	if err := report.WriteFindingsCSV(&buf, report.New(m, report.Options{})); err != nil {
		fmt.Println(err)
		return
	}
	// The file has CRLF line ends (RFC 4180); print it with plain newlines.
	fmt.Print(strings.ReplaceAll(buf.String(), "\r\n", "\n"))
	// Output:
	// rule,severity,url,message,referrers,referrer_count
	// broken-link,error,https://example.test/gone?token=REDACTED,'-answered 404,https://example.test/ | https://example.test/about,2
	// redirect-chain,notice,https://example.test/old,redirects to https://example.test/new,https://example.test/,1
}
