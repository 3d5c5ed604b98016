package render_test

import (
	"fmt"

	"github.com/crawlaudit/crawlaudit/internal/render"
)

// The --render=auto decision on a page as served: an empty React root needs
// a browser, a page with its content in the HTML does not.
func ExampleNeedsRendering() {
	shell := []byte(`<!doctype html><html><body><div id="root"></div><script src="/static/js/main.js"></script></body></html>`)
	fmt.Println(render.NeedsRendering(shell))

	static := []byte(`<!doctype html><html><body><h1>Blue mug</h1><p>A mug, blue, 300 ml, dishwasher safe. Ships in two days from our shop in Leeds; returns are free within thirty days.</p></body></html>`)
	fmt.Println(render.NeedsRendering(static))
	// Output:
	// true empty app root <div id="root">
	// false
}
