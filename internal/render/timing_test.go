package render

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

func TestTimingPhases(t *testing.T) {
	requireBrowser(t)
	p := newPool(t, Config{})
	for i := range 5 {
		t0 := time.Now()
		s := newSession(&p.cfg)
		tab, closeTab := chromedp.NewContext(p.b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(s.on))
		if err := chromedp.Do(tab); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		if err := p.open(tab, s); err != nil {
			t.Fatal(err)
		}
		t2 := time.Now()
		closeTab()
		t3 := time.Now()
		s.finish()
		fmt.Printf("%d: attach %v setup %v close %v\n", i, t1.Sub(t0), t2.Sub(t1), t3.Sub(t2))
	}
	// raw: create context + target without chromedp attach
	for i := range 3 {
		t0 := time.Now()
		bc, err := chromedp.CallBrowser(p.b.ctx, target.CreateBrowserContext, target.CreateBrowserContextParams{})
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		nw := false
		tg, err := chromedp.CallBrowser(p.b.ctx, target.CreateTarget, target.CreateTargetParams{URL: "about:blank", BrowserContextID: bc.BrowserContextID, NewWindow: &nw})
		t2 := time.Now()
		_, _ = chromedp.CallBrowser(p.b.ctx, target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: bc.BrowserContextID})
		t3 := time.Now()
		fmt.Printf("raw %d: ctx %v target %v (%v) dispose %v\n", i, t1.Sub(t0), t2.Sub(t1), err, t3.Sub(t2))
		_ = tg
	}
	_ = context.Background
}
