package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The account side (store.AccountTx).

const (
	mobileA = "+34600111222"
	mobileB = "+34611222333"
	mobileC = "+34622333444"
)

func fullAccount() store.Account {
	return store.Account{
		PersonID:         fullPerson().ID,
		Level:            store.LevelAdvanced,
		RegisteredVia:    store.ViaOffice,
		Mobile:           mobileA,
		Email:            "jose.munoz@example.es",
		Lang:             "es",
		CreatedAt:        at(0),
		UpdatedAt:        at(time.Hour),
		PasswordHash:     "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		PasswordFailures: 5,
		PasswordLockedAt: at(2 * time.Hour),
	}
}

// bareAccount has every optional field empty, and zero times throughout.
func bareAccount(personID, mobile string) store.Account {
	return store.Account{PersonID: personID, Level: store.LevelBasic, RegisteredVia: store.ViaLetter, Mobile: mobile}
}

func normAccount(a store.Account) store.Account {
	a.CreatedAt, a.UpdatedAt, a.PasswordLockedAt = want(a.CreatedAt), want(a.UpdatedAt), want(a.PasswordLockedAt)
	return a
}

func mustCreateAccount(t *testing.T, s store.Tx, a store.Account) {
	t.Helper()
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
}

func mustGetAccount(t *testing.T, s store.Tx, personID string) store.Account {
	t.Helper()
	a, err := s.GetAccount(context.Background(), personID)
	if err != nil {
		t.Fatalf("GetAccount(%s): %v", personID, err)
	}
	return a
}

// people registers n bare people, P0… , and returns their IDs.
func people(t *testing.T, s store.Tx, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "P" + strconv.Itoa(i)
		mustUpsert(t, s, bare(ids[i]))
	}
	return ids
}

func testAccountRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	ids := people(t, s, 1)
	for _, a := range []store.Account{fullAccount(), bareAccount(ids[0], "")} {
		mustCreateAccount(t, s, a)
		if got := mustGetAccount(t, s, a.PersonID); got != normAccount(a) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", a.PersonID, got, normAccount(a))
		}
	}
	dup := bareAccount(fullPerson().ID, "")
	if err := s.CreateAccount(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAccount for a person who has one: err = %v, want ErrConflict", err)
	}
	if got := mustGetAccount(t, s, fullPerson().ID); got != normAccount(fullAccount()) {
		t.Errorf("a conflicting create changed the account: %+v", got)
	}
	if err := s.CreateAccount(ctx, bareAccount("", "")); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAccount without a person: err = %v, want a refusal", err)
	}
	if _, err := s.GetAccount(ctx, "00000000T"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAccount of a person without one: err = %v, want ErrNotFound", err)
	}
}

func testAccountByMobile(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 3)
	accs := []store.Account{bareAccount(ids[0], mobileA), bareAccount(ids[1], mobileB), bareAccount(ids[2], "")}
	for _, a := range accs {
		mustCreateAccount(t, s, a)
	}
	for _, a := range accs[:2] {
		got, err := s.GetAccountByMobile(ctx, a.Mobile)
		if err != nil || got != normAccount(a) {
			t.Errorf("GetAccountByMobile(%s) = %+v, %v; want %+v", a.Mobile, got, err, normAccount(a))
		}
	}
	// "" is no number: the account without one is not found by it.
	for _, m := range []string{"", mobileC, "+3460011122"} {
		if _, err := s.GetAccountByMobile(ctx, m); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccountByMobile(%q): err = %v, want ErrNotFound", m, err)
		}
	}
}

func testAccountMobileUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 5)
	mustCreateAccount(t, s, bareAccount(ids[0], mobileA))
	if err := s.CreateAccount(ctx, bareAccount(ids[1], mobileA)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAccount with a used mobile: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetAccount(ctx, ids[1]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused account was stored (err = %v)", err)
	}
	// Any number of accounts may have no mobile.
	mustCreateAccount(t, s, bareAccount(ids[1], mobileB))
	mustCreateAccount(t, s, bareAccount(ids[2], ""))
	mustCreateAccount(t, s, bareAccount(ids[3], ""))

	setMobile := func(tx store.Tx, id, mobile string) (store.Account, error) {
		return tx.UpdateAccount(ctx, id, func(a *store.Account) error {
			a.Mobile = mobile
			return nil
		})
	}
	if _, err := setMobile(s, ids[1], mobileA); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateAccount to a used mobile: err = %v, want ErrConflict", err)
	}
	if got := mustGetAccount(t, s, ids[1]); got.Mobile != mobileB {
		t.Errorf("a refused update left mobile %s", got.Mobile)
	}

	// A conflict leaves an enclosing transaction usable.
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, err := setMobile(tx, ids[2], mobileA); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: UpdateAccount to a used mobile: err = %v, want ErrConflict", err)
		}
		if err := tx.CreateAccount(ctx, bareAccount(ids[4], mobileB)); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: CreateAccount with a used mobile: err = %v, want ErrConflict", err)
		}
		if _, err := setMobile(tx, ids[2], mobileC); err != nil {
			return fmt.Errorf("in tx, after conflicts: %w", err)
		}
		return tx.CreateAccount(ctx, bareAccount(ids[4], ""))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGetAccount(t, s, ids[2]); got.Mobile != mobileC {
		t.Errorf("after the transaction, mobile = %q, want %s", got.Mobile, mobileC)
	}
	mustGetAccount(t, s, ids[4])

	// Clearing a number frees it for another account.
	if _, err := setMobile(s, ids[0], ""); err != nil {
		t.Fatalf("UpdateAccount clearing the mobile: %v", err)
	}
	if _, err := setMobile(s, ids[3], mobileA); err != nil {
		t.Fatalf("UpdateAccount to a freed mobile: %v", err)
	}
	if got, err := s.GetAccountByMobile(ctx, mobileA); err != nil || got.PersonID != ids[3] {
		t.Errorf("GetAccountByMobile(freed number) = %s, %v; want %s", got.PersonID, err, ids[3])
	}
	// Keeping one's own number is no conflict.
	if _, err := s.UpdateAccount(ctx, ids[3], func(a *store.Account) error { a.Email = "x@example.es"; return nil }); err != nil {
		t.Errorf("UpdateAccount keeping the mobile: %v", err)
	}
}

func testAccountNeedsPerson(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.CreateAccount(ctx, fullAccount())
	if err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateAccount for a person not in the registry: err = %v, want a foreign-key error", err)
	}
	if _, err := s.GetAccount(ctx, fullAccount().PersonID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused account was stored (err = %v)", err)
	}
	mustUpsert(t, s, fullPerson())
	mustCreateAccount(t, s, fullAccount())
}

// Eight writers each count ten wrong passwords, as concurrent logins do: a
// lost update would let a guesser past the lockout.
func testUpdateAccountConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateAccount(t, s, bareAccount(ids[0], mobileA))

	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				inc := func(a *store.Account) error {
					a.PasswordFailures++
					return nil
				}
				// Half through the Store, half in a transaction that
				// reads the account first, as a login does.
				var err error
				if w%2 == 0 {
					_, err = s.UpdateAccount(ctx, ids[0], inc)
				} else {
					err = s.InTx(ctx, func(tx store.Tx) error {
						if _, err := tx.GetAccount(ctx, ids[0]); err != nil {
							return err
						}
						_, err := tx.UpdateAccount(ctx, ids[0], inc)
						return err
					})
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, update %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := mustGetAccount(t, s, ids[0]).PasswordFailures; got != writers*each {
		t.Errorf("PasswordFailures = %d after %d increments: updates were lost", got, writers*each)
	}
}

// updater is what testAccountUpdatesRefuse needs of one Update method.
type updater[T any] struct {
	name    string
	key     string // of a stored row
	update  func(ctx context.Context, key string, fn func(*T) error) (T, error)
	get     func(ctx context.Context, key string) (T, error)
	setKey  func(*T)
	created func(*T) *time.Time
	touch   func(*T) // any change the method accepts
}

// checkUpdate holds one Update method to what CertTx says of them all:
// ErrNotFound for a missing row; fn's error returned as is; the key and
// CreatedAt refused; nothing written when refused.
func checkUpdate[T any](t *testing.T, u updater[T]) {
	t.Helper()
	ctx := context.Background()
	before, err := u.get(ctx, u.key)
	if err != nil {
		t.Fatalf("%s: get: %v", u.name, err)
	}
	if _, err := u.update(ctx, "missing", func(*T) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s of a missing row: err = %v, want ErrNotFound", u.name, err)
	}
	for _, tc := range []struct {
		what string
		fn   func(*T) error
		want error
	}{
		{"fn fails", func(v *T) error { u.touch(v); return errBoom }, errBoom},
		{"key changed", func(v *T) error { u.touch(v); u.setKey(v); return nil }, nil},
		{"CreatedAt changed", func(v *T) error { u.touch(v); *u.created(v) = u.created(v).Add(time.Second); return nil }, nil},
	} {
		if _, err := u.update(ctx, u.key, tc.fn); err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s, %s: err = %v, want %v", u.name, tc.what, err, tc.want)
		}
	}
	if after, err := u.get(ctx, u.key); err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("%s: refused updates changed the row:\n got %+v, %v\nwant %+v", u.name, after, err, before)
	}
	// The same instant in another zone, and digits below the microsecond,
	// are no change.
	if _, err := u.update(ctx, u.key, func(v *T) error {
		*u.created(v) = u.created(v).In(madrid).Add(999)
		return nil
	}); err != nil {
		t.Errorf("%s keeping CreatedAt: %v", u.name, err)
	}
}

func testAccountUpdatesRefuse(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 2)
	mustCreateAccount(t, s, bareAccount(ids[0], mobileA))
	mustCreateAccount(t, s, bareAccount(ids[1], mobileB))
	mustCreateCode(t, s, fullCode("c1", ids[0], store.CodePIN, at(0)))
	mustCreateSession(t, s, fullSession("s1"))
	mustCreateDevice(t, s, fullDevice("d1", ids[0], "cred-1"))
	mustCreateVideoReview(t, s, review("v1", ids[0], store.ReviewPending, at(0)))
	mustCreateClient(t, s, fullClient("cl1"))

	checkUpdate(t, updater[store.Account]{"UpdateAccount", ids[0], s.UpdateAccount, s.GetAccount,
		func(a *store.Account) { a.PersonID = ids[1] },
		func(a *store.Account) *time.Time { return &a.CreatedAt },
		func(a *store.Account) { a.Level = store.LevelAdvanced }})
	checkUpdate(t, updater[store.OneTimeCode]{"UpdateCode", "c1", s.UpdateCode, s.GetCode,
		func(c *store.OneTimeCode) { c.ID = "c2" },
		func(c *store.OneTimeCode) *time.Time { return &c.CreatedAt },
		func(c *store.OneTimeCode) { c.Failures++ }})
	checkUpdate(t, updater[store.Session]{"UpdateSession", "s1", s.UpdateSession, s.GetSession,
		func(x *store.Session) { x.ID = "s2" },
		func(x *store.Session) *time.Time { return &x.CreatedAt },
		func(x *store.Session) { x.AMR = append(x.AMR, "otp") }})
	getDevice := func(ctx context.Context, id string) (store.Device, error) {
		ds, err := s.ListDevices(ctx, ids[0])
		for _, d := range ds {
			if d.ID == id {
				return d, err
			}
		}
		return store.Device{}, fmt.Errorf("device %s not listed (%v)", id, err)
	}
	checkUpdate(t, updater[store.Device]{"UpdateDevice", "d1", s.UpdateDevice, getDevice,
		func(d *store.Device) { d.ID = "d2" },
		func(d *store.Device) *time.Time { return &d.CreatedAt },
		func(d *store.Device) { d.SignCount++ }})
	checkUpdate(t, updater[store.VideoReview]{"UpdateVideoReview", "v1", s.UpdateVideoReview, s.GetVideoReview,
		func(v *store.VideoReview) { v.ID = "v2" },
		func(v *store.VideoReview) *time.Time { return &v.CreatedAt },
		func(v *store.VideoReview) { v.State = store.ReviewApproved }})
	checkUpdate(t, updater[store.Client]{"UpdateClient", "cl1", s.UpdateClient, s.GetClient,
		func(c *store.Client) { c.ID = "cl2" },
		func(c *store.Client) *time.Time { return &c.CreatedAt },
		func(c *store.Client) { c.Name = "Otra sede" }})

	// A refused key change did not create the row under the new key.
	if _, err := s.GetCode(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused ID change created code c2 (err = %v)", err)
	}
}

// One-time codes.

func fullCode(id, personID, purpose string, created time.Time) store.OneTimeCode {
	return store.OneTimeCode{
		ID: id, PersonID: personID, Purpose: purpose, CodeHash: "hash-" + id, Channel: "sms", Destination: mobileA,
		CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute), Failures: 2, UsedAt: created.Add(time.Minute),
	}
}

func normCode(c store.OneTimeCode) store.OneTimeCode {
	c.CreatedAt, c.ExpiresAt, c.UsedAt = want(c.CreatedAt), want(c.ExpiresAt), want(c.UsedAt)
	return c
}

func mustCreateCode(t *testing.T, s store.Tx, c store.OneTimeCode) {
	t.Helper()
	if err := s.CreateCode(context.Background(), c); err != nil {
		t.Fatalf("CreateCode(%s): %v", c.ID, err)
	}
}

func mustGetCode(t *testing.T, s store.Tx, id string) store.OneTimeCode {
	t.Helper()
	c, err := s.GetCode(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCode(%s): %v", id, err)
	}
	return c
}

func codeIDs(cs []store.OneTimeCode) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testCodeRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	used := fullCode("c-used", "X1234567L", store.CodePIN, at(0))
	letter := store.OneTimeCode{ID: "c-letter", PersonID: "X1234567L", Purpose: store.CodeLetter, CodeHash: "h",
		Channel: "letter", Destination: "Rúa do Franco, 7, 2º Izq., 15705 Santiago de Compostela", CreatedAt: at(0),
		ExpiresAt: at(90 * 24 * time.Hour)}
	bareCode := store.OneTimeCode{ID: "c-bare"}
	for _, c := range []store.OneTimeCode{used, letter, bareCode} {
		mustCreateCode(t, s, c)
		if got := mustGetCode(t, s, c.ID); got != normCode(c) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", c.ID, got, normCode(c))
		}
	}
	if err := s.CreateCode(ctx, fullCode("c-used", "Y7654321G", store.CodeOTP, at(time.Hour))); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateCode with a used ID: err = %v, want ErrConflict", err)
	}
	if got := mustGetCode(t, s, "c-used"); got != normCode(used) {
		t.Errorf("a conflicting create changed the code: %+v", got)
	}
	if err := s.CreateCode(ctx, store.OneTimeCode{}); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateCode without an ID: err = %v, want a refusal", err)
	}
	if _, err := s.GetCode(ctx, "c-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetCode of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testCodeListFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1, p2 := "X1234567L", "Y7654321G"
	m := time.Minute
	// Inserted out of order; c3 and c4 share their creation time, so the
	// ID breaks the tie, descending.
	for _, c := range []store.OneTimeCode{
		fullCode("c3", p1, store.CodePIN, at(2*m)),
		fullCode("c1", p1, store.CodePIN, at(0)),
		fullCode("c6", p2, store.CodePIN, at(4*m)),
		fullCode("c4", p1, store.CodeOTP, at(2*m)),
		fullCode("c5", p1, store.CodePIN, at(3*m)),
		fullCode("c2", p2, store.CodeLetter, at(m)),
	} {
		mustCreateCode(t, s, c)
	}
	for _, tc := range []struct {
		f    store.CodeFilter
		want []string
	}{
		{store.CodeFilter{}, []string{"c6", "c5", "c4", "c3", "c2", "c1"}},
		{store.CodeFilter{PersonID: p1}, []string{"c5", "c4", "c3", "c1"}},
		{store.CodeFilter{PersonID: p2}, []string{"c6", "c2"}},
		{store.CodeFilter{PersonID: "00000000T"}, []string{}},
		{store.CodeFilter{Purpose: store.CodePIN}, []string{"c6", "c5", "c3", "c1"}},
		{store.CodeFilter{PersonID: p1, Purpose: store.CodePIN}, []string{"c5", "c3", "c1"}},
		{store.CodeFilter{PersonID: p1, Purpose: store.CodePhoneChange}, []string{}},
		// At or after: c3 and c4 were created exactly then.
		{store.CodeFilter{Since: at(2 * m)}, []string{"c6", "c5", "c4", "c3"}},
		{store.CodeFilter{Since: at(2*m + time.Microsecond)}, []string{"c6", "c5"}},
		{store.CodeFilter{PersonID: p1, Since: at(m)}, []string{"c5", "c4", "c3"}},
		{store.CodeFilter{Purpose: store.CodePIN, Since: at(3 * m)}, []string{"c6", "c5"}},
		{store.CodeFilter{PersonID: p1, Purpose: store.CodePIN, Since: at(2 * m)}, []string{"c5", "c3"}},
		{store.CodeFilter{Limit: 2}, []string{"c6", "c5"}},
		{store.CodeFilter{PersonID: p1, Purpose: store.CodePIN, Limit: 1}, []string{"c5"}},
	} {
		got, err := s.ListCodes(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListCodes(%+v): %v", tc.f, err)
		}
		if !slices.Equal(codeIDs(got), tc.want) {
			t.Errorf("ListCodes(%+v) = %v, want %v", tc.f, codeIDs(got), tc.want)
		}
	}
	got, err := s.ListCodes(ctx, store.CodeFilter{PersonID: p2, Limit: 1})
	if err != nil || len(got) != 1 || got[0] != normCode(fullCode("c6", p2, store.CodePIN, at(4*m))) {
		t.Errorf("listed code: %+v, %v", got, err)
	}

	// Limit 0 means 100.
	err = s.InTx(ctx, func(tx store.Tx) error {
		for i := range 101 {
			if err := tx.CreateCode(ctx, fullCode("bulk"+strconv.Itoa(i), p1, store.CodeOTP, at(time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ListCodes(ctx, store.CodeFilter{}); err != nil || len(got) != 100 {
		t.Errorf("ListCodes with no limit returned %d codes, %v; want 100", len(got), err)
	}
}

// Wrong tries against a code are counted exactly, however many arrive at
// once, and a code is used once however many logins race for it.
func testUpdateCodeFailures(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := fullCode("c1", "X1234567L", store.CodePIN, at(0))
	c.Failures, c.UsedAt = 0, time.Time{}
	mustCreateCode(t, s, c)

	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+writers)
	for w := range writers {
		wg.Go(func() {
			for range each {
				inc := func(c *store.OneTimeCode) error {
					c.Failures++
					return nil
				}
				var err error
				if w%2 == 0 {
					_, err = s.UpdateCode(ctx, "c1", inc)
				} else {
					err = s.InTx(ctx, func(tx store.Tx) error {
						_, err := tx.UpdateCode(ctx, "c1", inc)
						return err
					})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	if got := mustGetCode(t, s, "c1").Failures; got != writers*each {
		t.Errorf("Failures = %d after %d increments: updates were lost", got, writers*each)
	}

	errUsed := errors.New("code already used")
	var used sync.Map
	for w := range writers {
		wg.Go(func() {
			_, err := s.UpdateCode(ctx, "c1", func(c *store.OneTimeCode) error {
				if !c.UsedAt.IsZero() {
					return errUsed
				}
				c.UsedAt = at(time.Duration(w) * time.Second)
				return nil
			})
			switch {
			case err == nil:
				used.Store(w, true)
			case !errors.Is(err, errUsed):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	used.Range(func(w, _ any) bool {
		n++
		if got, use := mustGetCode(t, s, "c1").UsedAt, want(at(time.Duration(w.(int))*time.Second)); got != use {
			t.Errorf("code used at %v, but writer %d's use said %v", got, w, use)
		}
		return true
	})
	if n != 1 {
		t.Errorf("the code was used %d times, want once", n)
	}
}

// Sessions.

func fullSession(id string) store.Session {
	return store.Session{
		ID: id, PersonID: fullPerson().ID, ACR: "substantial", AMR: []string{"pwd", "otp"},
		CreatedAt: at(0), AuthTime: at(time.Second), ExpiresAt: at(8 * time.Hour), LastSeenAt: at(time.Minute),
		IP: "2001:db8::1", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) «prueba»",
	}
}

func normSession(x store.Session) store.Session {
	for _, t := range []*time.Time{&x.CreatedAt, &x.AuthTime, &x.ExpiresAt, &x.LastSeenAt} {
		*t = want(*t)
	}
	if x.AMR == nil {
		x.AMR = []string{}
	}
	return x
}

func mustCreateSession(t *testing.T, s store.Tx, x store.Session) {
	t.Helper()
	if err := s.CreateSession(context.Background(), x); err != nil {
		t.Fatalf("CreateSession(%s): %v", x.ID, err)
	}
}

func mustGetSession(t *testing.T, s store.Tx, id string) store.Session {
	t.Helper()
	x, err := s.GetSession(context.Background(), id)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", id, err)
	}
	return x
}

func testSessionRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	full := fullSession("s-full")
	// Before anyone logs in: no person, no methods, zero times but expiry.
	anon := store.Session{ID: "s-anon", ExpiresAt: at(time.Hour), IP: "192.0.2.7"}
	empty := fullSession("s-empty")
	empty.AMR = []string{}
	for _, x := range []store.Session{full, anon, empty} {
		mustCreateSession(t, s, x)
		got := mustGetSession(t, s, x.ID)
		if got.AMR == nil || !reflect.DeepEqual(got, normSession(x)) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", x.ID, got, normSession(x))
		}
	}

	// The login: the anonymous session gets a person and methods, in order.
	login := at(2 * time.Minute)
	got, err := s.UpdateSession(ctx, "s-anon", func(x *store.Session) error {
		x.PersonID, x.ACR, x.AMR = fullPerson().ID, "high", []string{"pin", "cert", "app"}
		x.AuthTime, x.LastSeenAt, x.ExpiresAt = login, login, login.Add(8*time.Hour)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateSession: %v", err)
	}
	if stored := mustGetSession(t, s, "s-anon"); !reflect.DeepEqual(got, stored) || !slices.Equal(got.AMR, []string{"pin", "cert", "app"}) ||
		got.AuthTime != want(login) {
		t.Errorf("UpdateSession returned %+v, stored %+v", got, stored)
	}
	// Methods cleared come back empty, as a read gives them.
	got, err = s.UpdateSession(ctx, "s-full", func(x *store.Session) error { x.AMR = nil; return nil })
	if err != nil || got.AMR == nil || len(got.AMR) != 0 {
		t.Errorf("UpdateSession clearing AMR returned %#v, %v", got.AMR, err)
	}
	if stored := mustGetSession(t, s, "s-full"); !reflect.DeepEqual(stored, got) {
		t.Errorf("after clearing AMR, stored %#v, returned %#v", stored, got)
	}

	if err := s.CreateSession(ctx, fullSession("s-full")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateSession with a used ID: err = %v, want ErrConflict", err)
	}
	if err := s.CreateSession(ctx, fullSession("")); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateSession without an ID: err = %v, want a refusal", err)
	}
	if _, err := s.GetSession(ctx, "s-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetSession of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testSessionDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	h := time.Hour
	for i, exp := range []time.Duration{3 * h, h, 2 * h, 2 * h, 5 * h} {
		x := fullSession("s" + strconv.Itoa(i))
		x.ExpiresAt = at(exp)
		mustCreateSession(t, s, x)
	}
	if err := s.DeleteSession(ctx, "s4"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := s.GetSession(ctx, "s4"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session: err = %v, want ErrNotFound", err)
	}
	// Logging out twice is no error.
	if err := s.DeleteSession(ctx, "s4"); err != nil {
		t.Errorf("DeleteSession of a deleted session: %v", err)
	}

	purge := func(before time.Time, wantN int) {
		t.Helper()
		n, err := s.DeleteExpiredSessions(ctx, before)
		if err != nil || n != wantN {
			t.Errorf("DeleteExpiredSessions(%v) = %d, %v; want %d", before, n, err, wantN)
		}
	}
	purge(at(h), 0) // strictly before: s1 expires exactly then
	purge(at(2*h+time.Microsecond), 3)
	purge(at(2*h+time.Microsecond), 0)
	for id, alive := range map[string]bool{"s0": true, "s1": false, "s2": false, "s3": false} {
		_, err := s.GetSession(ctx, id)
		if alive && err != nil || !alive && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after the purge, GetSession(%s): err = %v, want alive %v", id, err, alive)
		}
	}
	// Inside a transaction, the count is what this transaction deleted.
	err := s.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredSessions(ctx, at(10*h))
		if err == nil && n != 1 {
			err = fmt.Errorf("in tx: deleted %d sessions, want 1", n)
		}
		if err == nil {
			err = errBoom
		}
		return err
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	mustGetSession(t, s, "s0")
}

func testDeletePersonSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	other := "Y7654321G"
	mine := []string{"mine-1", "mine-2", "mine-3"}
	for _, id := range mine {
		mustCreateSession(t, s, fullSession(id))
	}
	theirs := fullSession("theirs")
	theirs.PersonID = other
	mustCreateSession(t, s, theirs)
	// A browser that has not logged in yet belongs to nobody.
	mustCreateSession(t, s, store.Session{ID: "anon", ExpiresAt: at(time.Hour), IP: "192.0.2.7"})

	if _, err := s.DeletePersonSessions(ctx, ""); err == nil {
		t.Error("DeletePersonSessions(\"\") accepted: it would end the sessions of browsers nobody has logged in to")
	}
	// Inside a rolled-back transaction the count is what it deleted, and
	// nothing is gone afterwards.
	err := s.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.DeletePersonSessions(ctx, fullPerson().ID)
		if err == nil && n != len(mine) {
			err = fmt.Errorf("in tx: deleted %d sessions, want %d", n, len(mine))
		}
		if err == nil {
			err = errBoom
		}
		return err
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	mustGetSession(t, s, "mine-1")

	n, err := s.DeletePersonSessions(ctx, fullPerson().ID)
	if err != nil || n != len(mine) {
		t.Fatalf("DeletePersonSessions = %d, %v; want %d", n, err, len(mine))
	}
	for _, id := range mine {
		if _, err := s.GetSession(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSession(%s) after DeletePersonSessions: err = %v, want ErrNotFound", id, err)
		}
	}
	mustGetSession(t, s, "theirs")
	mustGetSession(t, s, "anon")
	if n, err := s.DeletePersonSessions(ctx, fullPerson().ID); err != nil || n != 0 {
		t.Errorf("DeletePersonSessions again = %d, %v; want 0", n, err)
	}
}

// Login events.

func loginEvent(id, personID string, when time.Time) store.LoginEvent {
	return store.LoginEvent{
		ID: id, PersonID: personID, Method: "pin", ACR: "low", ClientID: "sede-dgt", Outcome: "refused",
		Reason: "code.expired", IP: "192.0.2.1", UserAgent: "curl/8.5.0", At: when,
	}
}

func eventIDs(es []store.LoginEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testLoginEventsNewestFirst(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1, p2 := "X1234567L", "Y7654321G"
	// Inserted out of order; e2 and e3 share a time, so the ID breaks the
	// tie, descending.
	evs := []store.LoginEvent{
		loginEvent("e2", p1, at(time.Minute)),
		loginEvent("e1", p1, at(0)),
		loginEvent("e4", p1, at(time.Minute+time.Microsecond)),
		loginEvent("e3", p1, at(time.Minute)),
		loginEvent("e5", p2, at(time.Hour)),
	}
	for _, e := range evs {
		if err := s.AddLoginEvent(ctx, e); err != nil {
			t.Fatalf("AddLoginEvent(%s): %v", e.ID, err)
		}
	}
	for _, tc := range []struct {
		person string
		limit  int
		want   []string
	}{
		{p1, 0, []string{"e4", "e3", "e2", "e1"}},
		{p1, 2, []string{"e4", "e3"}},
		{p2, 0, []string{"e5"}},
		{"00000000T", 0, []string{}},
	} {
		got, err := s.ListLoginEvents(ctx, tc.person, tc.limit)
		if err != nil || !slices.Equal(eventIDs(got), tc.want) {
			t.Errorf("ListLoginEvents(%s, %d) = %v, %v; want %v", tc.person, tc.limit, eventIDs(got), err, tc.want)
		}
	}
	w := evs[4]
	w.At = want(w.At)
	if got, err := s.ListLoginEvents(ctx, p2, 1); err != nil || len(got) != 1 || got[0] != w {
		t.Errorf("listed event = %+v, %v; want %+v", got, err, w)
	}
	if err := s.AddLoginEvent(ctx, loginEvent("e1", p2, at(0))); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AddLoginEvent with a used ID: err = %v, want ErrConflict", err)
	}
	if err := s.AddLoginEvent(ctx, loginEvent("", p2, at(0))); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("AddLoginEvent without an ID: err = %v, want a refusal", err)
	}
}

// Devices.

func fullDevice(id, personID, credential string) store.Device {
	return store.Device{
		ID: id, PersonID: personID, Name: "Móvil de José", CredentialID: []byte(credential),
		PublicKey: der(4, 77), SignCount: 4294967295, AAGUID: der(5, 16),
		CreatedAt: at(0), LastUsedAt: at(time.Hour), Disabled: true,
	}
}

func normDevice(d store.Device) store.Device {
	d.CreatedAt, d.LastUsedAt = want(d.CreatedAt), want(d.LastUsedAt)
	for _, b := range []*[]byte{&d.CredentialID, &d.PublicKey, &d.AAGUID} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	return d
}

func mustCreateDevice(t *testing.T, s store.Tx, d store.Device) {
	t.Helper()
	if err := s.CreateDevice(context.Background(), d); err != nil {
		t.Fatalf("CreateDevice(%s): %v", d.ID, err)
	}
}

func deviceIDs(ds []store.Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func testDeviceRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 3)
	full := fullDevice("d-full", ids[0], "\x00cred\xff")
	// Never used, no AAGUID (an authenticator may not say), key empty.
	bareDevice := store.Device{ID: "d-bare", PersonID: ids[0], CredentialID: []byte{1}, PublicKey: []byte{}, CreatedAt: at(-time.Hour)}
	if err := s.CreateDevice(ctx, full); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateDevice for a person without an account: err = %v, want a foreign-key error", err)
	}
	mustCreateAccount(t, s, bareAccount(ids[0], ""))
	mustCreateAccount(t, s, bareAccount(ids[1], ""))
	for _, d := range []store.Device{full, bareDevice} {
		mustCreateDevice(t, s, d)
		got, err := s.GetDeviceByCredential(ctx, d.CredentialID)
		if err != nil || !reflect.DeepEqual(got, normDevice(d)) {
			t.Errorf("round trip of %s:\n got %+v, %v\nwant %+v", d.ID, got, err, normDevice(d))
		}
	}
	other := fullDevice("d-other", ids[1], "other")
	other.CreatedAt = at(-2 * time.Hour)
	mustCreateDevice(t, s, other)

	for person, w := range map[string][]store.Device{
		ids[0]: {normDevice(bareDevice), normDevice(full)}, // oldest first
		ids[1]: {normDevice(other)},
		ids[2]: {},
	} {
		got, err := s.ListDevices(ctx, person)
		if err != nil || len(got) != len(w) || len(w) > 0 && !reflect.DeepEqual(got, w) {
			t.Errorf("ListDevices(%s) = %v, %v; want %v", person, deviceIDs(got), err, deviceIDs(w))
		}
	}
	if err := s.CreateDevice(ctx, fullDevice("d-full", ids[1], "new")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateDevice with a used ID: err = %v, want ErrConflict", err)
	}
}

func testDeviceCredentialUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 2)
	mustCreateAccount(t, s, bareAccount(ids[0], ""))
	mustCreateAccount(t, s, bareAccount(ids[1], ""))
	mustCreateDevice(t, s, fullDevice("d1", ids[0], "cred-1"))
	mustCreateDevice(t, s, fullDevice("d2", ids[1], "cred-2"))

	// Another person registering the same credential is a conflict too.
	if err := s.CreateDevice(ctx, fullDevice("d3", ids[1], "cred-1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateDevice with a used credential: err = %v, want ErrConflict", err)
	}
	for _, cred := range [][]byte{nil, {}} {
		d := fullDevice("d4", ids[1], "")
		d.CredentialID = cred
		if err := s.CreateDevice(ctx, d); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateDevice with credential %#v: err = %v, want a refusal", cred, err)
		}
	}
	setCred := func(tx store.Tx, id string, cred []byte) (store.Device, error) {
		return tx.UpdateDevice(ctx, id, func(d *store.Device) error {
			d.CredentialID = cred
			return nil
		})
	}
	if _, err := setCred(s, "d2", []byte("cred-1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateDevice to a used credential: err = %v, want ErrConflict", err)
	}
	if _, err := setCred(s, "d2", nil); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateDevice emptying the credential: err = %v, want a refusal", err)
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		if _, err := setCred(tx, "d2", []byte("cred-1")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: UpdateDevice to a used credential: err = %v, want ErrConflict", err)
		}
		if err := tx.CreateDevice(ctx, fullDevice("d3", ids[1], "cred-2")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: CreateDevice with a used credential: err = %v, want ErrConflict", err)
		}
		_, err := setCred(tx, "d2", []byte("cred-3"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetDeviceByCredential(ctx, []byte("cred-3")); err != nil || got.ID != "d2" {
		t.Errorf("GetDeviceByCredential(cred-3) = %s, %v; want d2", got.ID, err)
	}
}

func testGetDeviceByCredential(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateAccount(t, s, bareAccount(ids[0], ""))
	// Binary IDs, one the prefix of another, one differing only in case.
	creds := map[string]string{"d1": "\x00\x01\x02", "d2": "\x00\x01\x02\x03", "d3": "abc", "d4": "ABC"}
	for id, cred := range creds {
		mustCreateDevice(t, s, fullDevice(id, ids[0], cred))
	}
	for id, cred := range creds {
		got, err := s.GetDeviceByCredential(ctx, []byte(cred))
		if err != nil || got.ID != id {
			t.Errorf("GetDeviceByCredential(%x) = %s, %v; want %s", cred, got.ID, err, id)
		}
	}
	for _, cred := range [][]byte{nil, {}, {0}, {0, 1}, []byte("ab"), []byte("abcd")} {
		if _, err := s.GetDeviceByCredential(ctx, cred); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetDeviceByCredential(%x): err = %v, want ErrNotFound", cred, err)
		}
	}
}

// A WebAuthn assertion carries the authenticator's counter, which must
// have grown since the last one (else the credential may be cloned): the
// check is made in fn, against the stored count, under the lock.
func testUpdateDeviceSignCount(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateAccount(t, s, bareAccount(ids[0], ""))
	d := fullDevice("d1", ids[0], "cred")
	d.SignCount, d.LastUsedAt, d.Disabled = 10, time.Time{}, false
	mustCreateDevice(t, s, d)

	errCloned := errors.New("sign count did not grow")
	assert := func(count uint32, when time.Time) (store.Device, error) {
		return s.UpdateDevice(ctx, "d1", func(d *store.Device) error {
			if count <= d.SignCount {
				return errCloned
			}
			d.SignCount, d.LastUsedAt = count, when
			return nil
		})
	}
	got, err := assert(11, at(time.Hour))
	if err != nil {
		t.Fatalf("UpdateDevice: %v", err)
	}
	w := normDevice(d)
	w.SignCount, w.LastUsedAt = 11, want(at(time.Hour))
	if !reflect.DeepEqual(got, w) {
		t.Errorf("UpdateDevice returned\n %+v\nwant %+v", got, w)
	}
	if _, err := assert(11, at(2*time.Hour)); !errors.Is(err, errCloned) {
		t.Errorf("a repeated count: err = %v, want fn's error", err)
	}
	if got, err := s.GetDeviceByCredential(ctx, []byte("cred")); err != nil || !reflect.DeepEqual(got, w) {
		t.Errorf("after a refused count, stored %+v, %v; want %+v", got, err, w)
	}
	// The counter is 32 bits, unsigned: its top value round-trips.
	if got, err := assert(4294967295, at(3*time.Hour)); err != nil || got.SignCount != 4294967295 {
		t.Errorf("UpdateDevice to the top count = %d, %v", got.SignCount, err)
	}
	if got, err := s.GetDeviceByCredential(ctx, []byte("cred")); err != nil || got.SignCount != 4294967295 {
		t.Errorf("top count stored as %d, %v", got.SignCount, err)
	}
}

// Video reviews.

func review(id, personID, state string, created time.Time) store.VideoReview {
	return store.VideoReview{
		ID: id, PersonID: personID, State: state, CreatedAt: created,
		Evidence: []string{"/var/lib/llavero/video/" + id + "/selfie.jpg", "/var/lib/llavero/video/" + id + "/dni-anverso.jpg",
			"/var/lib/llavero/video/" + id + "/prueba de vida.webm"},
	}
}

func normReview(v store.VideoReview) store.VideoReview {
	v.CreatedAt, v.DecidedAt, v.SubmittedAt = want(v.CreatedAt), want(v.DecidedAt), want(v.SubmittedAt)
	if v.Evidence == nil {
		v.Evidence = []string{}
	}
	return v
}

func mustCreateVideoReview(t *testing.T, s store.Tx, v store.VideoReview) {
	t.Helper()
	if err := s.CreateVideoReview(context.Background(), v); err != nil {
		t.Fatalf("CreateVideoReview(%s): %v", v.ID, err)
	}
}

func reviewIDs(vs []store.VideoReview) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

func testVideoReviewQueueOldestFirst(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 2)
	if err := s.CreateVideoReview(ctx, review("v0", "00000000T", store.ReviewPending, at(0))); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateVideoReview for a person not in the registry: err = %v, want a foreign-key error", err)
	}
	m := time.Minute
	refused := review("v5", ids[1], store.ReviewRefused, at(-m))
	refused.DecidedAt, refused.OperatorID, refused.RefusalReason = at(m), "op-1", "face.mismatch"
	noEvidence := review("v6", ids[1], store.ReviewPending, at(5*m))
	noEvidence.Evidence = nil
	// A draft opened first but sent last queues behind everyone sent
	// before it: the queue counts from submission.
	late := review("v7", ids[0], store.ReviewPending, at(-2*m))
	late.SubmittedAt = at(6 * m)
	// One opened later but sent at the very start is served first.
	early := review("v8", ids[1], store.ReviewPending, at(4*m))
	early.SubmittedAt = at(-3 * m)
	// Inserted out of order; v2 and v3 share their creation time, so the ID
	// breaks the tie, ascending.
	all := []store.VideoReview{
		review("v3", ids[0], store.ReviewPending, at(2*m)),
		review("v1", ids[0], store.ReviewPending, at(0)),
		refused,
		review("v4", ids[1], store.ReviewApproved, at(3*m)),
		review("v2", ids[1], store.ReviewPending, at(2*m)),
		noEvidence,
		late,
		early,
	}
	for _, v := range all {
		mustCreateVideoReview(t, s, v)
		got, err := s.GetVideoReview(ctx, v.ID)
		if err != nil || got.Evidence == nil || !reflect.DeepEqual(got, normReview(v)) {
			t.Errorf("round trip of %s:\n got %#v, %v\nwant %#v", v.ID, got, err, normReview(v))
		}
	}
	queue := func(state string, limit int, w ...string) {
		t.Helper()
		got, err := s.ListVideoReviews(ctx, state, limit)
		if err != nil || !slices.Equal(reviewIDs(got), w) {
			t.Errorf("ListVideoReviews(%q, %d) = %v, %v; want %v", state, limit, reviewIDs(got), err, w)
		}
	}
	queue(store.ReviewPending, 0, "v8", "v1", "v2", "v3", "v6", "v7")
	queue(store.ReviewPending, 2, "v8", "v1")
	queue(store.ReviewRefused, 0, "v5")
	queue("", 0, "v8", "v5", "v1", "v2", "v3", "v4", "v6", "v7")
	queue("", 3, "v8", "v5", "v1")
	queue("unknown", 0)

	// The operator's decision takes the review out of the queue.
	got, err := s.UpdateVideoReview(ctx, "v1", func(v *store.VideoReview) error {
		v.State, v.DecidedAt, v.OperatorID = store.ReviewApproved, at(10*m), "op-2"
		v.Evidence = append(v.Evidence[:1], "/var/lib/llavero/video/v1/extra.jpg")
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateVideoReview: %v", err)
	}
	if stored, err := s.GetVideoReview(ctx, "v1"); err != nil || !reflect.DeepEqual(stored, got) || got.DecidedAt != want(at(10*m)) ||
		len(got.Evidence) != 2 || got.Evidence[1] != "/var/lib/llavero/video/v1/extra.jpg" {
		t.Errorf("UpdateVideoReview returned %+v; stored %+v, %v", got, stored, err)
	}
	queue(store.ReviewPending, 0, "v8", "v2", "v3", "v6", "v7")
	queue(store.ReviewApproved, 0, "v1", "v4")

	if err := s.CreateVideoReview(ctx, review("v1", ids[0], store.ReviewPending, at(0))); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateVideoReview with a used ID: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetVideoReview(ctx, "v9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetVideoReview of a missing ID: err = %v, want ErrNotFound", err)
	}
}

// Relying-party clients.

func fullClient(id string) store.Client {
	return store.Client{
		ID: id, SecretHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$c2VjcmV0", Name: "Sede electrónica de Tráfico",
		RedirectURIs: []string{"https://sede.dgt.example.es/oidc/callback", "https://sede.dgt.example.es/cb?lang=es&x=<ñ>"},
		MinACR:       "substantial",
		Methods:      []string{"pin", "cert", "app"},
		Procedures: []store.Procedure{
			{ID: "points-balance", Name: "Consulta de puntos", NameEN: "Points balance", ACR: "low"},
			// As a client stored before signature kinds: a certificate signature.
			{ID: "vehicle-transfer", Name: "Cambio de titularidad \"urgente\"", NameEN: "Change of owner «urgent» ñ", ACR: "high", Signature: true},
			{ID: "licence-exchange", Name: "Canje de permiso", NameEN: "Licence exchange", ACR: "substantial", SignatureKind: store.SignatureRemote},
			{ID: "vat-return", Name: "IVA trimestral", ACR: "substantial", Signature: true, SignatureKind: store.SignatureCertificate},
		},
		CreatedAt: at(0),
	}
}

func normClient(c store.Client) store.Client {
	c.CreatedAt = want(c.CreatedAt)
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{}
	}
	if c.Methods == nil {
		c.Methods = []string{}
	}
	// What the store gives back: every procedure with its signature kind
	// (a bare Signature is a certificate signature).
	ps := make([]store.Procedure, len(c.Procedures))
	for i, p := range c.Procedures {
		ps[i] = p.Normalized()
	}
	c.Procedures = ps
	return c
}

func mustCreateClient(t *testing.T, s store.Tx, c store.Client) {
	t.Helper()
	if err := s.CreateClient(context.Background(), c); err != nil {
		t.Fatalf("CreateClient(%s): %v", c.ID, err)
	}
}

func testClientRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	full := fullClient("c-b")
	// A public client with no lists at all, and one with empty lists.
	public := store.Client{ID: "c-c", Name: "App"}
	empty := fullClient("c-a")
	empty.SecretHash, empty.RedirectURIs, empty.Methods, empty.Procedures = "", []string{}, []string{}, []store.Procedure{}
	for _, c := range []store.Client{full, public, empty} {
		mustCreateClient(t, s, c)
		got, err := s.GetClient(ctx, c.ID)
		if err != nil || got.RedirectURIs == nil || got.Methods == nil || got.Procedures == nil || !reflect.DeepEqual(got, normClient(c)) {
			t.Errorf("round trip of %s:\n got %#v, %v\nwant %#v", c.ID, got, err, normClient(c))
		}
	}
	all, err := s.ListClients(ctx)
	if err != nil || !reflect.DeepEqual(all, []store.Client{normClient(empty), normClient(full), normClient(public)}) {
		t.Errorf("ListClients = %+v, %v; want c-a, c-b, c-c", all, err)
	}
	if err := s.CreateClient(ctx, fullClient("c-a")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateClient with a used ID: err = %v, want ErrConflict", err)
	}
	if err := s.CreateClient(ctx, fullClient("")); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateClient without an ID: err = %v, want a refusal", err)
	}
	if _, err := s.GetClient(ctx, "c-z"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClient of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testUpdateClient(t *testing.T, s store.Store) {
	ctx := context.Background()
	orig := fullClient("c1")
	mustCreateClient(t, s, orig)
	got, err := s.UpdateClient(ctx, "c1", func(c *store.Client) error {
		if !reflect.DeepEqual(*c, normClient(orig)) {
			t.Errorf("fn was given %+v, want the stored %+v", *c, normClient(orig))
		}
		// Reordered, one added, one removed.
		c.RedirectURIs = []string{c.RedirectURIs[1], "https://nueva.example.es/cb", c.RedirectURIs[0]}
		c.Procedures = []store.Procedure{c.Procedures[1], {ID: "appointment", Name: "Cita previa", ACR: "substantial"}}
		c.Procedures[0].NameEN = "" // an English name removed
		c.Methods, c.MinACR, c.SecretHash = nil, "high", "rotated"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	w := normClient(orig)
	w.RedirectURIs = []string{orig.RedirectURIs[1], "https://nueva.example.es/cb", orig.RedirectURIs[0]}
	w.Procedures = []store.Procedure{orig.Procedures[1].Normalized(), {ID: "appointment", Name: "Cita previa", ACR: "substantial"}}
	w.Procedures[0].NameEN = ""
	w.Methods, w.MinACR, w.SecretHash = []string{}, "high", "rotated"
	if !reflect.DeepEqual(got, w) {
		t.Errorf("UpdateClient returned\n %#v\nwant %#v", got, w)
	}
	if stored, err := s.GetClient(ctx, "c1"); err != nil || !reflect.DeepEqual(stored, w) {
		t.Errorf("after update, stored\n %#v, %v\nwant %#v", stored, err, w)
	}
}

// A PIN login in two transactions, as the identity provider does it: the
// code is sent, then checked and used while the session starts. A failure
// after the code was marked used must leave it usable.
func testPINLoginInTx(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateAccount(t, s, bareAccount(ids[0], mobileA))
	now := at(0)
	if err := pinRequest(ctx, s, ids[0], "code-1", now); err != nil {
		t.Fatalf("pinRequest: %v", err)
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := pinVerify(ctx, tx, "code-1", "sess-1", "ev-1", now); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want errBoom", err)
	}
	if c := mustGetCode(t, s, "code-1"); !c.UsedAt.IsZero() {
		t.Errorf("rolled-back login left the code used at %v", c.UsedAt)
	}
	if _, err := s.GetSession(ctx, "sess-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled-back login left a session (err = %v)", err)
	}
	if evs, err := s.ListLoginEvents(ctx, ids[0], 0); err != nil || len(evs) != 0 {
		t.Errorf("rolled-back login left events %v, %v", eventIDs(evs), err)
	}

	if err := pinLogin(ctx, s, "code-1", "sess-1", "ev-1", now); err != nil {
		t.Fatalf("pinLogin: %v", err)
	}
	if x := mustGetSession(t, s, "sess-1"); x.PersonID != ids[0] || !slices.Equal(x.AMR, []string{"pin"}) {
		t.Errorf("session after login: %+v", x)
	}
	// The code is spent: a second use fails and changes nothing.
	if err := pinLogin(ctx, s, "code-1", "sess-2", "ev-2", now); !errors.Is(err, errCodeSpent) {
		t.Errorf("second use of a code: err = %v, want errCodeSpent", err)
	}
	if evs, err := s.ListLoginEvents(ctx, ids[0], 0); err != nil || !slices.Equal(eventIDs(evs), []string{"ev-1"}) {
		t.Errorf("login events = %v, %v; want [ev-1]", eventIDs(evs), err)
	}
}

var errCodeSpent = errors.New("code used or expired")

// pinRequest does in the store what asking for a Cl@ve PIN does: in one
// transaction, read the account and record the code sent to its mobile.
func pinRequest(ctx context.Context, s store.Store, personID, codeID string, now time.Time) error {
	return s.InTx(ctx, func(tx store.Tx) error {
		a, err := tx.GetAccount(ctx, personID)
		if err != nil {
			return err
		}
		return tx.CreateCode(ctx, store.OneTimeCode{
			ID: codeID, PersonID: a.PersonID, Purpose: store.CodePIN, CodeHash: "hash-" + codeID,
			Channel: "sms", Destination: a.Mobile, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
		})
	})
}

// pinLogin does in the store what entering the PIN does: in one
// transaction, read the code, mark it used (refusing one used or expired,
// under the lock), start the session and record the login.
func pinLogin(ctx context.Context, s store.Store, codeID, sessionID, eventID string, now time.Time) error {
	return s.InTx(ctx, func(tx store.Tx) error { return pinVerify(ctx, tx, codeID, sessionID, eventID, now) })
}

func pinVerify(ctx context.Context, tx store.Tx, codeID, sessionID, eventID string, now time.Time) error {
	c, err := tx.GetCode(ctx, codeID)
	if err != nil {
		return err
	}
	if c.CodeHash != "hash-"+codeID {
		return errors.New("wrong code")
	}
	if _, err := tx.UpdateCode(ctx, codeID, func(c *store.OneTimeCode) error {
		if !c.UsedAt.IsZero() || !now.Before(c.ExpiresAt) {
			return errCodeSpent
		}
		c.UsedAt = now
		return nil
	}); err != nil {
		return err
	}
	if err := tx.CreateSession(ctx, store.Session{
		ID: sessionID, PersonID: c.PersonID, ACR: "low", AMR: []string{"pin"}, CreatedAt: now, AuthTime: now,
		ExpiresAt: now.Add(8 * time.Hour), LastSeenAt: now, IP: "192.0.2.10", UserAgent: "Mozilla/5.0",
	}); err != nil {
		return err
	}
	return tx.AddLoginEvent(ctx, store.LoginEvent{
		ID: eventID, PersonID: c.PersonID, Method: "pin", ACR: "low", Outcome: "ok",
		IP: "192.0.2.10", UserAgent: "Mozilla/5.0", At: now,
	})
}
