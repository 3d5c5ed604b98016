package analysis

import (
	"testing"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

func TestAccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		creds       string
		anon, authd int
		want        string
	}{
		{"200 both ways is public", store.CredentialsSent, 200, 200, AccessPublic},
		{"401 anonymously, 200 with credentials is protected", store.CredentialsSent, 401, 200, AccessProtected},
		{"403 anonymously, 200 with credentials is protected", store.CredentialsSent, 403, 204, AccessProtected},
		{"403 with credentials", store.CredentialsSent, 401, 403, AccessForbidden},
		{"401 both ways", store.CredentialsSent, 401, 401, AccessRejected},
		{"200 anonymously only", store.CredentialsSent, 200, 500, AccessPublicOnly},
		{"redirects are other", store.CredentialsSent, 301, 301, AccessOther},
		{"not compared", store.CredentialsSent, 0, 200, AccessNotCompared},
		{"no credentials", "", 200, 200, AccessNotCompared},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Access(store.URL{Credentials: tc.creds, AnonymousStatus: tc.anon, Status: tc.authd}); got != tc.want {
				t.Errorf("Access = %q, want %q", got, tc.want)
			}
		})
	}
}
