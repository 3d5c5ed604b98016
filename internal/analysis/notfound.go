package analysis

import (
	"github.com/crawlaudit/crawlaudit/internal/store"

	"regexp"
	"strings"
)

// notFoundPart matches one part of a page title that says the page was not
// found: "404", "Error 404", "404 Not Found", "Page not found", "The page
// you were looking for does not exist"… (English only).
var notFoundPart = regexp.MustCompile(`(?i)^(?:` +
	`(?:http\s+)?(?:error\s+)?404(?:\s+error)?(?:\s+page)?` +
	`|(?:error\s+)?404\s*[:!.]?\s*(?:the\s+)?(?:page\s+|file\s+)?not\s+found[.!]?` +
	`|(?:oops[!,.]?\s*)?(?:sorry[!,.]?\s*)?(?:the\s+|this\s+)?(?:page|file|document|url|resource|content|post|article|product)` +
	`(?:\s+you\s+(?:are|were)\s+looking\s+for|\s+you\s+requested)?` +
	`\s+(?:was\s+not|could\s+not\s+be|couldn't\s+be|cannot\s+be|can't\s+be|not)\s+found[.!]?` +
	`|(?:oops[!,.]?\s*)?(?:sorry[!,.]?\s*)?(?:the\s+|this\s+)?page` +
	`(?:\s+you\s+(?:are|were)\s+looking\s+for|\s+you\s+requested)?` +
	`\s+(?:does\s+not|doesn't|no\s+longer)\s+exists?[.!]?` +
	`|not\s+found[.!]?` +
	`)$`)

// titleSeparators split a title into the parts a site joins with its name
// ("Page not found | Example Shop", "404 – Example").
const titleSeparators = "|–—·•"

// SaysNotFound reports whether a page title says the page was not found:
// one of its parts (split at | – — · • and " - ") is a not-found message
// ("404", "Page not found", "Error 404 - Not Found"…). A 200 answer with
// such a page is what search engines call a soft 404. Titles that only
// mention 404 ("How to fix 404 errors") do not count.
func SaysNotFound(title string) bool {
	if title == "" || len(title) > 300 {
		return false
	}
	// Every message notFoundPart matches holds one of these; most titles
	// hold none, and are not split and matched.
	if low := strings.ToLower(title); !strings.Contains(low, "404") && !strings.Contains(low, "found") && !strings.Contains(low, "exist") {
		return false
	}
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(title, " - ", "|"), func(r rune) bool {
		return strings.ContainsRune(titleSeparators, r)
	}) {
		if notFoundPart.MatchString(strings.Join(strings.Fields(part), " ")) {
			return true
		}
	}
	return false
}

// SoftNotFound reports whether u is a soft 404: an HTML page of the site
// (or one without a Content-Type) answering 200 whose title says it was not
// found (SaysNotFound). The audit
// (rule soft-404) and the crawl budget (soft_404) share this definition.
func SoftNotFound(u store.URL) bool {
	ct := strings.ToLower(strings.TrimSpace(u.ContentType))
	// An answer without a Content-Type is sniffed as HTML (IndexableType;
	// the crawler reads its title then too).
	return u.Status == 200 && u.Kind == store.KindPage && (ct == "" || strings.Contains(ct, "html")) &&
		SaysNotFound(u.Title)
}
