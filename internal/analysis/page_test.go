package analysis

import "testing"

func TestLoginURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url         string
		login, back bool
	}{
		{"https://x.test/login?return=%2Fa", true, true},
		{"https://x.test/users/sign_in?redirect_to=/b", true, true},
		{"https://x.test/sso/start?RelayState=1", true, false},
		{"https://x.test/wp-login.php?redirect_to=x", true, true},
		{"https://x.test/auth?next=/", true, true},
		{"https://x.test/author/jane?next=/", false, true},
		{"https://x.test/blog/login-tips", false, false},
	}
	for _, tc := range tests {
		if got := LoginPath(tc.url); got != tc.login {
			t.Errorf("LoginPath(%s) = %v", tc.url, got)
		}
		if got := HasReturnParam(tc.url); got != tc.back {
			t.Errorf("HasReturnParam(%s) = %v", tc.url, got)
		}
	}
}
