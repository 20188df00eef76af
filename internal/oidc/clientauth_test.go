package oidc_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

func TestAuthenticateClient(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secret, hash := oidc.NewSecret()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, c := range []store.Client{
		{ID: "office:1", SecretHash: hash, Name: "Sede", RedirectURIs: []string{"https://rp.example/cb"}, MinACR: "low", CreatedAt: now},
		{ID: "public", Name: "App", RedirectURIs: []string{"https://app.example/cb"}, MinACR: "low", CreatedAt: now},
	} {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name       string
		id, secret string
		basic      bool
		ok         bool
	}{
		{"right, form-encoded", url.QueryEscape("office:1"), url.QueryEscape(secret), true, true},
		{"wrong secret", "office%3A1", "x" + secret, true, false},
		{"unknown client", "nobody", secret, true, false},
		{"public client", "public", "", true, false},
		{"no credentials", "", "", false, false},
		{"bad escape", "office%3", secret, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/signatures/requests", nil)
			if tc.basic {
				r.SetBasicAuth(tc.id, tc.secret)
			}
			c, err := oidc.AuthenticateClient(ctx, st, r)
			if tc.ok {
				if err != nil || c.ID != "office:1" {
					t.Errorf("got %q, %v", c.ID, err)
				}
			} else if !errors.Is(err, oidc.ErrClientAuth) {
				t.Errorf("err = %v, want ErrClientAuth", err)
			}
		})
	}
}
