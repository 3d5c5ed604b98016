package testenv

import "testing"

// TestRequired: a missing component fails the run in CI or with its
// variable set, and only then.
func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		ci, env string
		want    bool
	}{
		{"", "", false},
		{"true", "", true},
		{"", "1", true},
		{"false", "0", false},
	} {
		t.Setenv("CI", tc.ci)
		t.Setenv(Redis.Env, tc.env)
		if got := Required(Redis); got != tc.want {
			t.Errorf("CI=%q %s=%q: Required = %v, want %v", tc.ci, Redis.Env, tc.env, got, tc.want)
		}
	}
}
