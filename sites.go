package crawlaudit

import (
	"context"
	"sync"
)

// SiteResult is the outcome of one site of RunSites: its Result, or the
// error that stopped it.
type SiteResult struct {
	Options Options
	Result  *Result // nil when Err is set
	Err     error
}

// RunSites runs several sites, parallel at a time (at least 1), each as Run
// does, and returns their outcomes in the order given. A site that fails to
// run does not stop the others; once ctx is cancelled no more sites start
// (those have ctx's error). done, when not nil, is called as each site
// ends, from the goroutine that ran it (calls may overlap).
func RunSites(ctx context.Context, sites []Options, parallel int, done func(SiteResult)) []SiteResult {
	if parallel < 1 {
		parallel = 1
	}
	out := make([]SiteResult, len(sites))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, o := range sites {
		out[i].Options = o
		if ctx.Err() != nil {
			out[i].Err = ctx.Err()
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i].Result, out[i].Err = Run(ctx, o)
			if done != nil {
				done(out[i])
			}
		})
	}
	wg.Wait()
	return out
}
