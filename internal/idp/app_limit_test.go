package idp

import (
	"context"
	"testing"
)

func TestLimitAppLogins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range appLoginsPerWindow {
		if err := e.idp.LimitAppLogins(ctx, "198.51.100.7"); err != nil {
			t.Fatalf("page %d refused: %v", i+1, err)
		}
	}
	wantCode(t, e.idp.LimitAppLogins(ctx, "198.51.100.7"), "app.too_many_pages")
	if err := e.idp.LimitAppLogins(ctx, "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if err := e.idp.LimitAppLogins(ctx, ""); err != nil {
		t.Fatalf("no address: %v", err)
	}
	// The window passes: the address may open pages again.
	e.clock.Advance(appLoginWindow + 1)
	if err := e.idp.LimitAppLogins(ctx, "198.51.100.7"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
