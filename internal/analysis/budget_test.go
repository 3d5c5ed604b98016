package analysis

import "testing"

func TestPercentilesNearestRank(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ms   []int64
		want Percentiles
	}{
		{"none measured gives zeros", nil, Percentiles{}},
		{"one answer is every percentile", []int64{7}, Percentiles{1, 7, 7, 7}},
		{"1..100 ms give 50, 90, 99", func() []int64 {
			var v []int64
			for i := int64(100); i >= 1; i-- {
				v = append(v, i)
			}
			return v
		}(), Percentiles{100, 50, 90, 99}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentiles(tc.ms); got != tc.want {
				t.Errorf("percentiles = %+v, want %+v", got, tc.want)
			}
		})
	}
}
