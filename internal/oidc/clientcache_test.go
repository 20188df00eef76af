package oidc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// TestClientCache: a relying party read from the store is reused until
// its time is up, then read again; an unknown one is never remembered; a
// sign-in request's client is found without the store once seen; with a
// negative TTL every call reads the store.
func TestClientCache(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/c.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	if err := st.CreateClient(ctx, store.Client{ID: "dgt", Name: "Tráfico", RedirectURIs: []string{"https://dgt.example/cb"}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	rename := func(name string) {
		t.Helper()
		if _, err := st.UpdateClient(ctx, "dgt", func(c *store.Client) error { c.Name = name; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	name := func(cc *clientCache) string {
		t.Helper()
		c, err := cc.client(ctx, "dgt")
		if err != nil {
			t.Fatal(err)
		}
		return c.Name
	}

	cc := newClientCache(st, 2*time.Second, clock)
	steps := []struct {
		what    string
		advance time.Duration
		rename  string
		want    string
	}{
		{"first read", 0, "", "Tráfico"},
		{"changed in the store, still cached", time.Second, "Sede de Tráfico", "Tráfico"},
		{"the TTL is up", 1500 * time.Millisecond, "", "Sede de Tráfico"},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.rename != "" {
			rename(s.rename)
		}
		if got := name(cc); got != s.want {
			t.Errorf("%s: name %q, want %q", s.what, got, s.want)
		}
	}

	if _, err := cc.client(ctx, "aeat"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown client: %v", err)
	}
	if err := st.CreateClient(ctx, store.Client{ID: "aeat", Name: "Tributos", RedirectURIs: []string{"https://aeat.example/cb"}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.client(ctx, "aeat"); err != nil {
		t.Errorf("a client added after a miss: %v", err)
	}

	// A request's client: from the store the first time, then remembered
	// even once the request is gone (it never changes).
	if err := st.CreateAuthRequest(ctx, store.OIDCAuthRequest{ID: "ar1", ClientID: "dgt", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if id, err := cc.clientOfRequest(ctx, "ar1"); err != nil || id != "dgt" {
		t.Fatalf("clientOfRequest = %q, %v", id, err)
	}
	if err := st.DeleteAuthRequest(ctx, "ar1"); err != nil {
		t.Fatal(err)
	}
	if id, err := cc.clientOfRequest(ctx, "ar1"); err != nil || id != "dgt" {
		t.Errorf("a remembered request: %q, %v", id, err)
	}
	if _, err := cc.clientOfRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown request: %v", err)
	}

	off := newClientCache(st, -1, clock)
	rename("Tráfico otra vez")
	if got := name(off); got != "Tráfico otra vez" {
		t.Errorf("without a cache: %q", got)
	}
	rename("Tráfico de nuevo")
	if got := name(off); got != "Tráfico de nuevo" {
		t.Errorf("without a cache, second read: %q", got)
	}
}
