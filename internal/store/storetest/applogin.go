package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

func fullQRChallenge(id string) store.QRChallenge {
	return store.QRChallenge{
		ID: id, Secret: []byte("0123456789abcdef0123456789abcdef"), SessionHash: "5e55",
		ClientName: "Sede de Tráfico", CreatedAt: time.Date(2025, 6, 1, 10, 0, 0, 123456789, madrid),
		ExpiresAt: time.Date(2025, 6, 1, 10, 5, 0, 0, madrid), State: store.QRPending,
	}
}

func testQRChallengeRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := fullQRChallenge("qr1")
	if err := s.CreateQRChallenge(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.CreatedAt = want.CreatedAt.Truncate(time.Microsecond).UTC()
	want.ExpiresAt = want.ExpiresAt.UTC()
	got, err := s.GetQRChallenge(ctx, "qr1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v, %v\nwant %#v", got, err, want)
	}
	if err := s.CreateQRChallenge(ctx, fullQRChallenge("qr1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetQRChallenge(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
	}
	decided := time.Date(2025, 6, 1, 10, 1, 0, 999, time.UTC)
	got, err = s.UpdateQRChallenge(ctx, "qr1", func(c *store.QRChallenge) error {
		c.Scans++
		c.Ceremony = []byte(`{"challenge":"x"}`)
		return nil
	})
	if err != nil || got.Scans != 1 || string(got.Ceremony) != `{"challenge":"x"}` {
		t.Fatalf("scan update = %+v, %v", got, err)
	}
	got, err = s.UpdateQRChallenge(ctx, "qr1", func(c *store.QRChallenge) error {
		c.State, c.PersonID, c.DeviceID, c.DecidedAt, c.Ceremony = store.QRApproved, "X1234567L", "dev1", decided, nil
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.GetQRChallenge(ctx, "qr1")
	if err != nil || !reflect.DeepEqual(read, got) {
		t.Errorf("after approval:\n read %#v, %v\n want %#v", read, err, got)
	}
	if !read.DecidedAt.Equal(decided.Truncate(time.Microsecond)) || read.Ceremony != nil {
		t.Errorf("DecidedAt = %v, Ceremony = %q", read.DecidedAt, read.Ceremony)
	}
	if _, err := s.UpdateQRChallenge(ctx, "qr1", func(c *store.QRChallenge) error { c.ID = "qr2"; return nil }); err == nil {
		t.Error("changing the ID was accepted")
	}
	if _, err := s.UpdateQRChallenge(ctx, "qr1", func(c *store.QRChallenge) error { c.State = "bogus"; return nil }); err == nil {
		t.Error("an unknown state was accepted")
	}
	if _, err := s.UpdateQRChallenge(ctx, "nope", func(*store.QRChallenge) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("updating an unknown ID: err = %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateQRChallenge(ctx, "qr1", func(*store.QRChallenge) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("fn error: err = %v, want it returned", err)
	}
}

// testQRChallengeDecidedOnce is the single use of a code: of many
// concurrent approvals of one pending challenge, exactly one sees it
// pending.
func testQRChallengeDecidedOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateQRChallenge(ctx, fullQRChallenge("qr1")); err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.UpdateQRChallenge(ctx, "qr1", func(c *store.QRChallenge) error {
					if c.State == store.QRPending {
						c.State = store.QRApproved
						won.Add(1)
					}
					return nil
				})
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d approvals saw the challenge pending, want 1", n)
	}
}

func testPasskeyCeremonyDeleteOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	want := store.PasskeyCeremony{ID: "pc1", PersonID: "X1234567L", Session: []byte(`{"challenge":"c"}`),
		CreatedAt: time.Date(2025, 6, 1, 10, 0, 0, 5000, madrid), ExpiresAt: time.Date(2025, 6, 1, 10, 5, 0, 0, time.UTC)}
	if err := s.CreatePasskeyCeremony(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePasskeyCeremony(ctx, want); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: err = %v, want ErrConflict", err)
	}
	want.CreatedAt = want.CreatedAt.UTC()
	got, err := s.GetPasskeyCeremony(ctx, "pc1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v, %v\nwant %#v", got, err, want)
	}
	var deleted atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			err := s.InTx(ctx, func(tx store.Tx) error {
				ok, err := tx.DeletePasskeyCeremony(ctx, "pc1")
				if ok {
					deleted.Add(1)
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := deleted.Load(); n != 1 {
		t.Errorf("%d deletes found the ceremony, want 1", n)
	}
	if _, err := s.GetPasskeyCeremony(ctx, "pc1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: err = %v, want ErrNotFound", err)
	}
}

func testAppLoginDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	base := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"old", "new"} {
		c := fullQRChallenge(id)
		c.CreatedAt, c.ExpiresAt = base, base.Add(time.Duration(i+1)*time.Minute)
		if err := s.CreateQRChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		pc := store.PasskeyCeremony{ID: id, PersonID: "X1234567L", CreatedAt: base, ExpiresAt: c.ExpiresAt}
		if err := s.CreatePasskeyCeremony(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpiredAppLogins(ctx, base.Add(90*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredAppLogins = %d, %v; want 2 (one challenge, one ceremony)", n, err)
	}
	if _, err := s.GetQRChallenge(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired challenge kept: %v", err)
	}
	if _, err := s.GetQRChallenge(ctx, "new"); err != nil {
		t.Errorf("live challenge purged: %v", err)
	}
	if _, err := s.GetPasskeyCeremony(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired ceremony kept: %v", err)
	}
	if _, err := s.GetPasskeyCeremony(ctx, "new"); err != nil {
		t.Errorf("live ceremony purged: %v", err)
	}
}
