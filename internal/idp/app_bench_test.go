package idp

import (
	"context"
	"testing"

	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// BenchmarkAppScanConfirm is the phone's side of an app login, on SQLite:
// start the challenge, draw the code, scan it (MAC check, WebAuthn options,
// scan counted), sign with the software passkey and confirm (assertion
// verified, counter moved, challenge approved with its audit record).
func BenchmarkAppScanConfirm(b *testing.B) {
	e := newAppEnv(b)
	e.t = &testing.T{}
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	sess := browser("bench")
	b.ResetTimer()
	for b.Loop() {
		ch, err := e.idp.StartAppLogin(ctx, sess, "Sede de Tráfico")
		if err != nil {
			b.Fatal(err)
		}
		payload, err := e.idp.AppPayload(ctx, ch.ID, sess)
		if err != nil {
			b.Fatal(err)
		}
		sc, err := e.idp.Scan(ctx, payload)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := a.Get(sc.Options)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.idp.Confirm(ctx, sc.ChallengeID, resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppPoll is the login page's poll of a pending challenge, once a
// second per open page: one read and the session binding check.
func BenchmarkAppPoll(b *testing.B) {
	e := newAppEnv(b)
	ctx := context.Background()
	sess := browser("bench")
	ch, err := e.idp.StartAppLogin(ctx, sess, "Sede de Tráfico")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := e.idp.Poll(ctx, ch.ID, sess)
		if err != nil || st.State != store.QRPending {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkAppPollCollect is the poll that ends a login: the approved
// challenge collected and the login recorded, in one transaction.
func BenchmarkAppPollCollect(b *testing.B) {
	e := newAppEnv(b)
	e.t = &testing.T{}
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	sess := browser("bench")
	ids := make([]string, 0, 64)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		ch, err := e.scanAndConfirm(a, sess)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids[:0], ch.ID)
		b.StartTimer()
		st, err := e.idp.Poll(ctx, ids[0], sess)
		if err != nil || st.Who == nil {
			b.Fatal(st, err)
		}
	}
}
