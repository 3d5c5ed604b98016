package credentials

import (
	"strings"
	"testing"
	"time"
)

func TestCredentialsFromNamedEnvironmentVariables(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SHOP_AUTH": "baker:secret-pw", EnvBasicAuth: "other:ignored"}
	got, err := Load(Sources{BasicAuthEnv: "SHOP_AUTH", BearerTokenEnv: "SHOP_TOKEN"}, "https://shop.test/", time.Now(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.Credentials == nil || got.Credentials.Header.Get("Authorization") != "Basic YmFrZXI6c2VjcmV0LXB3" {
		t.Fatalf("credentials = %+v, want Basic from SHOP_AUTH", got.Credentials)
	}
	for k, v := range got.Settings {
		if strings.Contains(v, "secret-pw") {
			t.Fatalf("setting %s leaks the password: %q", k, v)
		}
	}
	_, err = Load(Sources{BasicAuthEnv: "SHOP_AUTH"}, "https://shop.test/", time.Now(), func(k string) string { return map[string]string{"SHOP_AUTH": "nocolon"}[k] })
	if err == nil || !strings.Contains(err.Error(), "SHOP_AUTH must be user:password") || strings.Contains(err.Error(), "nocolon") {
		t.Fatalf("error = %v", err)
	}
}
