package render

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// extractJS is the function that reads the rendered page; see extract.js.
//
//go:embed extract.js
var extractJS string

// extracted is what extract.js returns.
type extracted struct {
	URL        string   `json:"url"`
	HTML       string   `json:"html"`
	Cut        bool     `json:"cut"`
	Title      string   `json:"title"`
	Canonical  string   `json:"canonical"`
	Robots     string   `json:"robots"`
	Links      []string `json:"links"`
	TextLength int      `json:"textLength"`
}

// errUnreadable is a page the reading script could not read.
type errUnreadable struct{ msg string }

func (e *errUnreadable) Error() string { return "the rendered page could not be read: " + e.msg }

// extract reads the rendered DOM of the tab's main frame, in an isolated
// world created for it.
func (p *Pool) extract(ctx context.Context) (extracted, error) {
	var out extracted
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return out, err
	}
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{
		FrameID:   tree.FrameTree.Frame.ID,
		WorldName: "crawlaudit-render",
	})
	if err != nil {
		return out, err
	}
	agent, _ := json.Marshal(p.cfg.RobotsAgent)
	expr := fmt.Sprintf("(%s)(%d, %d, %d, %d, %s)", extractJS, p.cfg.MaxBytes, maxLinks, maxURLBytes, maxTextBytes, agent)
	res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{
		Expression:    expr,
		ContextID:     world.ExecutionContextID,
		ReturnByValue: new(true),
		Silent:        new(true),
	})
	if err != nil {
		return out, err
	}
	if res.ExceptionDetails != nil {
		return out, &errUnreadable{clip(exceptionText(res.ExceptionDetails), maxConsoleChars)}
	}
	if res.Result == nil || len(res.Result.Value) == 0 {
		return out, &errUnreadable{"no value"}
	}
	if err := json.Unmarshal(res.Result.Value, &out); err != nil {
		return out, &errUnreadable{err.Error()}
	}
	// MaxBytes counts bytes; the script cut characters (UTF-16 units).
	if len(out.HTML) > p.cfg.MaxBytes {
		out.HTML = clip(out.HTML, p.cfg.MaxBytes)
		out.Cut = true
	}
	if !utf8.ValidString(out.HTML) {
		out.HTML = string([]rune(out.HTML)) // replaces invalid bytes
	}
	if len(out.Links) > maxLinks {
		out.Links = out.Links[:maxLinks]
	}
	return out, nil
}

// itoa is strconv.Itoa, for error messages.
func itoa(n int) string { return strconv.Itoa(n) }
