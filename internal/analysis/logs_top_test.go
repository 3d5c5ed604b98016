package analysis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// TestTopPatternsIsTheSortedPrefix: the heap's top n are the first n of
// all patterns sorted by hits (most first), then pattern.
func TestTopPatternsIsTheSortedPrefix(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 7, 100, 101, 2500} {
		pats := map[string]*LogPattern{}
		var all []LogPattern
		for i := range size {
			p := &LogPattern{Pattern: fmt.Sprintf("/p/%d", i), Hits: int64(r.IntN(20)), Wasted: int64(r.IntN(3)), URLs: 1 + r.IntN(4)}
			pats[p.Pattern] = p
			all = append(all, *p)
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].Hits != all[j].Hits {
				return all[i].Hits > all[j].Hits
			}
			return all[i].Pattern < all[j].Pattern
		})
		for _, n := range []int{1, 10, maxLogList} {
			want := all[:min(n, len(all))]
			if len(want) == 0 {
				want = nil
			}
			if got := topPatterns(pats, n); !reflect.DeepEqual(got, want) {
				t.Fatalf("%d patterns, top %d: %v, want %v", size, n, got, want)
			}
		}
	}
}
