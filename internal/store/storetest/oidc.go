package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

func fullAuthRequest(id string) store.OIDCAuthRequest {
	return store.OIDCAuthRequest{
		ID: id, ClientID: "sede-dgt", RedirectURI: "https://sede.example.es/cb",
		Scopes: []string{"openid", "profile"}, State: "st", Nonce: "n", ResponseType: "code", ResponseMode: "query",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", CodeChallengeMethod: "S256",
		ACRValues: []string{"http://eidas.europa.eu/LoA/substantial"},
		Claims:    `{"id_token":{"acr":{"essential":true,"values":["http://eidas.europa.eu/LoA/high"]}}}`,
		CreatedAt: time.Date(2025, 6, 1, 10, 0, 0, 123456789, madrid),
		ExpiresAt: time.Date(2025, 6, 1, 10, 10, 0, 0, madrid),
	}
}

func testOIDCAuthRequestRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := fullAuthRequest("ar1")
	if err := s.CreateAuthRequest(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.CreatedAt = want.CreatedAt.Truncate(time.Microsecond).UTC()
	want.ExpiresAt = want.ExpiresAt.UTC()
	want.AMR = []string{}
	got, err := s.GetAuthRequest(ctx, "ar1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v, %v\nwant %#v", got, err, want)
	}
	if err := s.CreateAuthRequest(ctx, fullAuthRequest("ar1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetAuthRequestByCode(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAuthRequestByCode(\"\") err = %v, want ErrNotFound", err)
	}
	auth := time.Date(2025, 6, 1, 10, 1, 0, 0, time.UTC)
	got, err = s.UpdateAuthRequest(ctx, "ar1", func(r *store.OIDCAuthRequest) error {
		r.PersonID, r.Subject, r.ACR, r.AMR, r.AuthTime, r.Done = "X1234567L", "pairwise", "substantial", []string{"sms", "otp"}, auth, true
		r.CodeHash = "h1"
		return nil
	})
	if err != nil || !got.Done || got.CodeHash != "h1" {
		t.Fatalf("UpdateAuthRequest = %+v, %v", got, err)
	}
	byCode, err := s.GetAuthRequestByCode(ctx, "h1")
	if err != nil || !reflect.DeepEqual(byCode, got) {
		t.Errorf("GetAuthRequestByCode = %#v, %v; want %#v", byCode, err, got)
	}
	if err := s.CreateAuthRequest(ctx, fullAuthRequest("ar2")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAuthRequest(ctx, "ar2", func(r *store.OIDCAuthRequest) error { r.CodeHash = "h1"; return nil }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a code hash already used: err = %v, want ErrConflict", err)
	}
	for _, c := range []struct{ id, hash string }{{"ar1", "h2"}, {"ar1", ""}, {"ar2", ""}, {"nope", "h1"}} {
		if err := s.ConsumeAuthRequest(ctx, c.id, c.hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ConsumeAuthRequest(%q, %q) = %v, want ErrNotFound", c.id, c.hash, err)
		}
	}
	if _, err := s.GetAuthRequest(ctx, "ar1"); err != nil {
		t.Fatalf("a refused consume removed the request: %v", err)
	}
	// Of concurrent exchanges of one code, exactly one consumes it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 4 {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error { return tx.ConsumeAuthRequest(ctx, "ar1", "h1") })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("concurrent consume: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent consumes of one code succeeded, want 1", won)
	}
	if _, err := s.GetAuthRequestByCode(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after consume: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteAuthRequest(ctx, "ar1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAuthRequest(ctx, "ar1"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := s.GetAuthRequest(ctx, "ar1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: err = %v, want ErrNotFound", err)
	}
}

func fullToken(id, refresh string) store.OIDCToken {
	return store.OIDCToken{
		ID: id, ClientID: "sede-dgt", PersonID: "X1234567L", Subject: "pairwise",
		Scopes: []string{"openid", "offline_access"}, Audience: []string{"sede-dgt"},
		ACR: "substantial", AMR: []string{"pwd", "otp"},
		AuthTime:    time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC),
		CreatedAt:   time.Date(2025, 6, 1, 10, 0, 1, 0, time.UTC),
		ExpiresAt:   time.Date(2025, 6, 1, 10, 5, 1, 0, time.UTC),
		RefreshHash: refresh,
	}
}

func testOIDCTokenRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	full := fullToken("t1", "r1")
	full.RefreshExpiresAt = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	// A client_credentials grant: no person, no refresh token, no lists.
	bare := store.OIDCToken{ID: "t2", ClientID: "svc", Subject: "svc",
		CreatedAt: full.CreatedAt, ExpiresAt: full.ExpiresAt}
	for _, tk := range []store.OIDCToken{full, bare} {
		if err := s.CreateToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	bare.Scopes, bare.Audience, bare.AMR = []string{}, []string{}, []string{}
	for _, want := range []store.OIDCToken{full, bare} {
		got, err := s.GetToken(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of %s:\n got %#v, %v\nwant %#v", want.ID, got, err, want)
		}
	}
	if got, err := s.GetTokenByRefresh(ctx, "r1"); err != nil || got.ID != "t1" {
		t.Errorf("GetTokenByRefresh = %+v, %v", got, err)
	}
	if _, err := s.GetTokenByRefresh(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetTokenByRefresh(\"\"): err = %v, want ErrNotFound", err)
	}
	if err := s.CreateToken(ctx, fullToken("t3", "r1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a refresh hash already used: err = %v, want ErrConflict", err)
	}
	if err := s.CreateToken(ctx, fullToken("t3", "r3")); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RevokeTokens(ctx, "sede-dgt", "pairwise"); err != nil || n != 2 {
		t.Errorf("RevokeTokens = %d, %v; want 2", n, err)
	}
	if n, err := s.RevokeTokens(ctx, "sede-dgt", "pairwise"); err != nil || n != 0 {
		t.Errorf("RevokeTokens again = %d, %v; want 0", n, err)
	}
	if got, _ := s.GetToken(ctx, "t2"); got.Revoked {
		t.Error("RevokeTokens revoked another client's token")
	}
}

// testOIDCRefreshRotationOnce has many requests rotate one refresh token
// at once: exactly one must win, as the provider relies on the row lock.
func testOIDCRefreshRotationOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateToken(ctx, fullToken("t1", "r1")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			_, err := s.UpdateToken(ctx, "t1", func(tk *store.OIDCToken) error {
				if tk.Revoked {
					return errBoom
				}
				tk.Revoked = true
				return nil
			})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, errBoom) {
				t.Errorf("UpdateToken: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d rotations won, want 1", wins)
	}
}

func testOIDCDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	old := fullAuthRequest("old")
	old.ExpiresAt = now.Add(-time.Minute)
	fresh := fullAuthRequest("fresh")
	fresh.ExpiresAt = now.Add(time.Minute)
	gone := fullToken("gone", "")
	gone.ExpiresAt = now.Add(-time.Minute)
	renewable := fullToken("renewable", "r")
	renewable.ExpiresAt = now.Add(-time.Minute)
	renewable.RefreshExpiresAt = now.Add(time.Hour)
	for _, r := range []store.OIDCAuthRequest{old, fresh} {
		if err := s.CreateAuthRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tk := range []store.OIDCToken{gone, renewable} {
		if err := s.CreateToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteExpiredOIDC(ctx, now); err != nil || n != 2 {
		t.Errorf("DeleteExpiredOIDC = %d, %v; want 2", n, err)
	}
	if _, err := s.GetAuthRequest(ctx, "fresh"); err != nil {
		t.Errorf("fresh request: %v", err)
	}
	if _, err := s.GetToken(ctx, "renewable"); err != nil {
		t.Errorf("a grant whose refresh token lives on: %v", err)
	}
	if _, err := s.GetToken(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired grant: err = %v, want ErrNotFound", err)
	}
}

func testOIDCKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	if ks, err := s.ListKeys(ctx); err != nil || ks == nil || len(ks) != 0 {
		t.Fatalf("ListKeys of none = %#v, %v; want empty, non-nil", ks, err)
	}
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	k1 := store.OIDCKey{ID: "k1", Alg: "ES256", PrivateKey: []byte{1, 2, 3}, PublicJWK: `{"kty":"EC"}`, State: store.KeyActive, CreatedAt: base}
	k2 := k1
	k2.ID, k2.CreatedAt = "k2", base.AddDate(0, 0, 30)
	for _, k := range []store.OIDCKey{k1, k2} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateKey(ctx, k1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate key: err = %v, want ErrConflict", err)
	}
	retired := base.AddDate(0, 0, 30)
	got, err := s.UpdateKey(ctx, "k1", func(k *store.OIDCKey) error {
		k.State, k.RetiredAt = store.KeyRetiring, retired
		return nil
	})
	if err != nil || got.State != store.KeyRetiring {
		t.Fatalf("UpdateKey = %+v, %v", got, err)
	}
	k1.State, k1.RetiredAt = store.KeyRetiring, retired
	ks, err := s.ListKeys(ctx)
	if err != nil || !reflect.DeepEqual(ks, []store.OIDCKey{k2, k1}) {
		t.Errorf("ListKeys = %#v, %v; want k2, k1", ks, err)
	}
	if _, err := s.UpdateKey(ctx, "k1", func(k *store.OIDCKey) error { k.CreatedAt = base.Add(time.Second); return nil }); err == nil {
		t.Error("UpdateKey changed CreatedAt")
	}
	if err := s.DeleteKey(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.ListKeys(ctx); len(ks) != 1 || ks[0].ID != "k2" {
		t.Errorf("after delete: %+v", ks)
	}
}
