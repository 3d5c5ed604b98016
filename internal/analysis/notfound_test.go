package analysis

import "testing"

func TestSaysNotFound(t *testing.T) {
	t.Parallel()
	for title, want := range map[string]bool{
		"404":                              true,
		"404 Not Found":                    true,
		"Error 404":                        true,
		"404 error":                        true,
		"HTTP 404":                         true,
		"404 - Page Not Found":             true,
		"404: Not found":                   true,
		"Page not found | Fernhill Bakery": true,
		"Fernhill Bakery – Page Not Found": true,
		"Oops! Page not found.":            true,
		"Sorry, this page doesn't exist":   true,
		"The page you were looking for does not exist": true,
		"Product not found - Shop":                     true,
		"Not Found":                                    true,
		"  page   NOT\tfound ":                         true,
		"Nothing found for “bread”":                    false,
		"How to fix 404 errors":                        false,
		"404 reasons to love sourdough":                false,
		"Top 10 pages":                                 false,
		"Found: the best rye in town":                  false,
		"Lost and found | Fernhill Bakery":             false,
		"Not found: a story about lost bread":          false,
		"":                                             false,
	} {
		if got := SaysNotFound(title); got != want {
			t.Errorf("SaysNotFound(%q) = %v, want %v", title, got, want)
		}
	}
}
