package analysis

// Chain is a redirect chain walked from its first URL: every record of it
// in order, and how it ends.
type Chain[R any] struct {
	// Hops are the records of the chain, the first URL first. The last
	// one is the final answer unless Next is set.
	Hops []R
	// Next is where the last hop redirects when the chain ends without a
	// final answer: a target that has no record (the crawl did not request
	// it), or, with Loop, the URL the chain came back to. Empty otherwise.
	Next string
	// Loop says the chain came back to a URL already in it (Next).
	Loop bool
}

// Redirects counts the hops that redirect (every hop but a final answer).
func (c Chain[R]) Redirects() int {
	if c.Next != "" {
		return len(c.Hops)
	}
	return len(c.Hops) - 1
}

// WalkChain follows the redirects from first: target returns where a
// record redirects ("" when it is not a 3xx with a usable Location, so the
// chain ends there), lookup finds the record of a URL. It is the one chain
// walker: the audit's redirect rules, the crawl budget and redirects.csv all
// read chains through it. The walk stops at a repeat, so it always ends.
func WalkChain[R any](first R, key, target func(R) string, lookup func(string) (R, bool, error)) (Chain[R], error) {
	c := Chain[R]{Hops: []R{first}}
	seen := map[string]bool{key(first): true}
	cur := first
	for {
		next := target(cur)
		if next == "" {
			return c, nil
		}
		if seen[next] {
			c.Next, c.Loop = next, true
			return c, nil
		}
		seen[next] = true
		rec, ok, err := lookup(next)
		if err != nil {
			return c, err
		}
		if !ok {
			c.Next = next
			return c, nil
		}
		c.Hops = append(c.Hops, rec)
		cur = rec
	}
}
