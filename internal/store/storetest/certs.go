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

// at is t0 shifted by d, in Madrid and with nanoseconds a store cuts: what
// goes in is not what comes out, so a round trip that skipped the cut (or
// kept the zone) shows. want gives the form a read returns.
func at(d time.Duration) time.Time { return t0.Add(d + 789).In(madrid) }

func want(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// der stands in for a certificate or OCSP response: binary, with NUL and
// high bytes, the size of a real one.
func der(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed ^ byte(i*131)
	}
	return b
}

func fullApplication(id string) store.Application {
	return store.Application{
		ID:             id,
		CodeHash:       "c0de" + id,
		PersonID:       fullPerson().ID,
		Email:          "jose.munoz@example.es",
		Lang:           "es",
		PublicKey:      der(1, 91),
		KeyFingerprint: "f1f2" + id,
		State:          store.AppDownloaded,
		RenewalOf:      "1f00",
		CreatedAt:      at(0),
		ExpiresAt:      at(30 * 24 * time.Hour),
		Reminded7At:    at(23 * 24 * time.Hour),
		Reminded1At:    at(29 * 24 * time.Hour),
		DecidedAt:      at(29*24*time.Hour + time.Hour),
		OfficeID:       "of-1",
		OperatorID:     "op-1",
		RefusalCode:    "",
		DocumentType:   store.DocTIE,
		DocumentNumber: "X1234567L",
		DocumentExpiry: time.Date(2031, 12, 31, 23, 30, 0, 0, madrid),
		CertSerial:     "2a",
		DownloadedAt:   at(29*24*time.Hour + 2*time.Hour),
	}
}

// normApp is a as a read returns it.
func normApp(a store.Application) store.Application {
	for _, t := range []*time.Time{&a.CreatedAt, &a.ExpiresAt, &a.Reminded7At, &a.Reminded1At, &a.DecidedAt, &a.DownloadedAt} {
		*t = want(*t)
	}
	if !a.DocumentExpiry.IsZero() {
		y, m, d := a.DocumentExpiry.Date()
		a.DocumentExpiry = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if len(a.PublicKey) == 0 {
		a.PublicKey = nil
	}
	return a
}

// bareApplication has every optional field empty, and zero times even where
// the model expects one.
func bareApplication(id, personID string) store.Application {
	return store.Application{ID: id, CodeHash: "hash-" + id, PersonID: personID, State: store.AppPending}
}

func mustCreateApplication(t *testing.T, s store.Tx, a store.Application) {
	t.Helper()
	if err := s.CreateApplication(context.Background(), a); err != nil {
		t.Fatalf("CreateApplication(%s): %v", a.ID, err)
	}
}

func mustGetApplication(t *testing.T, s store.Tx, id string) store.Application {
	t.Helper()
	a, err := s.GetApplication(context.Background(), id)
	if err != nil {
		t.Fatalf("GetApplication(%s): %v", id, err)
	}
	return a
}

func appIDs(as []store.Application) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func testApplicationRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	full := fullApplication("a-full")
	// An application refused at the office: reminders sent, never
	// downloaded.
	refused := fullApplication("a-refused")
	refused.State, refused.RefusalCode = store.AppRefused, "document.expired"
	refused.CertSerial, refused.DownloadedAt, refused.DocumentExpiry = "", time.Time{}, time.Time{}
	bare := bareApplication("a-bare", fullPerson().ID)
	// An empty key that is not nil must come back as the nil a read gives.
	empty := bareApplication("a-empty", fullPerson().ID)
	empty.PublicKey = []byte{}

	for _, a := range []store.Application{full, refused, bare, empty} {
		mustCreateApplication(t, s, a)
		w := normApp(a)
		if got := mustGetApplication(t, s, a.ID); !reflect.DeepEqual(got, w) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", a.ID, got, w)
		}
	}
	got, err := s.ListApplications(ctx, store.ApplicationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !reflect.DeepEqual(got[0], normApp(refused)) {
		t.Errorf("ListApplications = %v, first want %+v", appIDs(got), normApp(refused))
	}
	if _, err := s.GetApplication(ctx, "a-none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetApplication of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testApplicationByCode(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	a, b := fullApplication("a1"), fullApplication("a2")
	mustCreateApplication(t, s, a)
	mustCreateApplication(t, s, b)
	for _, x := range []store.Application{a, b} {
		got, err := s.GetApplicationByCode(ctx, x.CodeHash)
		if err != nil {
			t.Fatalf("GetApplicationByCode(%s): %v", x.CodeHash, err)
		}
		if !reflect.DeepEqual(got, normApp(x)) {
			t.Errorf("by code %s:\n got %+v\nwant %+v", x.CodeHash, got, normApp(x))
		}
	}
	for _, code := range []string{"c0de", "c0dea3", ""} {
		if _, err := s.GetApplicationByCode(ctx, code); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetApplicationByCode(%q): err = %v, want ErrNotFound", code, err)
		}
	}
}

func testApplicationDuplicateCode(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	orig := fullApplication("a1")
	mustCreateApplication(t, s, orig)

	sameCode := fullApplication("a2")
	sameCode.CodeHash = orig.CodeHash
	sameID := fullApplication("a1")
	sameID.CodeHash = "other"
	for _, a := range []store.Application{sameCode, sameID} {
		if err := s.CreateApplication(ctx, a); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateApplication(%s, code %s): err = %v, want ErrConflict", a.ID, a.CodeHash, err)
		}
	}
	for _, a := range []store.Application{fullApplication(""), {ID: "a3", PersonID: orig.PersonID}} {
		if err := s.CreateApplication(ctx, a); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateApplication without ID or code hash: err = %v, want a refusal", err)
		}
	}

	// A conflict is for the caller to handle: inside a transaction it
	// leaves the transaction usable, and so does an update that would take
	// another application's code.
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateApplication(ctx, sameCode); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: CreateApplication err = %v, want ErrConflict", err)
		}
		if err := tx.CreateApplication(ctx, fullApplication("a3")); err != nil {
			return fmt.Errorf("in tx, after a conflict: %w", err)
		}
		_, err := tx.UpdateApplication(ctx, "a3", func(a *store.Application) error {
			a.CodeHash = orig.CodeHash
			return nil
		})
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("in tx: UpdateApplication to a used code: err = %v, want ErrConflict", err)
		}
		_, err = tx.UpdateApplication(ctx, "a3", func(a *store.Application) error {
			a.CodeHash = "new-code"
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGetApplication(t, s, "a1"); !reflect.DeepEqual(got, normApp(orig)) {
		t.Errorf("conflicts changed the original:\n got %+v\nwant %+v", got, normApp(orig))
	}
	if got := mustGetApplication(t, s, "a3"); got.CodeHash != "new-code" {
		t.Errorf("a3 has code %q, want new-code", got.CodeHash)
	}
}

func testApplicationListFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1, p2 := fullPerson().ID, "Y7654321G"
	mustUpsert(t, s, fullPerson())
	mustUpsert(t, s, bare(p2))
	day := 24 * time.Hour
	app := func(id, person, state string, created, expires time.Duration) store.Application {
		a := bareApplication(id, person)
		a.State, a.CreatedAt, a.ExpiresAt = state, at(created), at(expires)
		a.KeyFingerprint = "key-" + id
		return a
	}
	// Inserted out of order; a3 and a4 share their creation time, so the ID
	// breaks the tie, descending.
	for _, a := range []store.Application{
		app("a3", p1, store.AppPending, 2*day, 32*day),
		app("a1", p1, store.AppDownloaded, 0, 30*day),
		app("a5", p2, store.AppPending, 3*day, 33*day),
		app("a4", p2, store.AppPending, 2*day, 32*day),
		app("a2", p1, store.AppPending, day, 31*day),
	} {
		mustCreateApplication(t, s, a)
	}
	for _, tc := range []struct {
		f    store.ApplicationFilter
		want []string
	}{
		{store.ApplicationFilter{}, []string{"a5", "a4", "a3", "a2", "a1"}},
		{store.ApplicationFilter{PersonID: p1}, []string{"a3", "a2", "a1"}},
		{store.ApplicationFilter{PersonID: p2}, []string{"a5", "a4"}},
		{store.ApplicationFilter{PersonID: "00000000T"}, []string{}},
		{store.ApplicationFilter{State: store.AppPending}, []string{"a5", "a4", "a3", "a2"}},
		{store.ApplicationFilter{State: store.AppDownloaded}, []string{"a1"}},
		// Strictly before: a4 and a3 expire exactly then.
		{store.ApplicationFilter{ExpiresBefore: at(32 * day)}, []string{"a2", "a1"}},
		{store.ApplicationFilter{ExpiresBefore: at(32*day + time.Microsecond)}, []string{"a4", "a3", "a2", "a1"}},
		{store.ApplicationFilter{State: store.AppPending, ExpiresBefore: at(33 * day)}, []string{"a4", "a3", "a2"}},
		{store.ApplicationFilter{PersonID: p1, State: store.AppPending, ExpiresBefore: at(40 * day)}, []string{"a3", "a2"}},
		{store.ApplicationFilter{Limit: 2}, []string{"a5", "a4"}},
		{store.ApplicationFilter{State: store.AppPending, Limit: 3}, []string{"a5", "a4", "a3"}},
		{store.ApplicationFilter{KeyFingerprint: "key-a4"}, []string{"a4"}},
		{store.ApplicationFilter{KeyFingerprint: "key-a9"}, []string{}},
	} {
		got, err := s.ListApplications(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListApplications(%+v): %v", tc.f, err)
		}
		if !slices.Equal(appIDs(got), tc.want) {
			t.Errorf("ListApplications(%+v) = %v, want %v", tc.f, appIDs(got), tc.want)
		}
	}
}

func testUpdateApplication(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	orig := bareApplication("a1", fullPerson().ID)
	orig.CreatedAt, orig.ExpiresAt, orig.Reminded7At = at(0), at(30*24*time.Hour), at(time.Hour)
	mustCreateApplication(t, s, orig)

	approved := fullApplication("a1")
	// CreatedAt as given, not as stored: the same microsecond is no change.
	approved.CodeHash, approved.CreatedAt = orig.CodeHash, orig.CreatedAt
	approved.Reminded7At = time.Time{} // set, then cleared
	got, err := s.UpdateApplication(ctx, "a1", func(a *store.Application) error {
		if !reflect.DeepEqual(*a, normApp(orig)) {
			t.Errorf("fn was given %+v, want the stored %+v", *a, normApp(orig))
		}
		*a = approved
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateApplication: %v", err)
	}
	// What Update returns is what a read returns.
	if w := normApp(approved); !reflect.DeepEqual(got, w) {
		t.Errorf("UpdateApplication returned\n %+v\nwant %+v", got, w)
	}
	if stored := mustGetApplication(t, s, "a1"); !reflect.DeepEqual(stored, got) {
		t.Errorf("after update, stored\n %+v\nreturned %+v", stored, got)
	}
	if _, err := s.UpdateApplication(ctx, "a-none", func(*store.Application) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateApplication of a missing ID: err = %v, want ErrNotFound", err)
	}
}

// Eight writers each add 25 to a counter kept in the application: a lost
// update (two read-modify-writes reading the same value) leaves less than
// 200. RefusalCode carries the counter only because it is a free text
// field; what matters is that each writer's change depends on what it read.
func testUpdateApplicationAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	a := bareApplication("a1", fullPerson().ID)
	a.RefusalCode = "0"
	mustCreateApplication(t, s, a)

	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				inc := func(a *store.Application) error {
					n, err := strconv.Atoi(a.RefusalCode)
					a.RefusalCode = strconv.Itoa(n + 1)
					return err
				}
				// Half the writers go through the Store, half through
				// a transaction of their own that does more.
				var err error
				if w%2 == 0 {
					_, err = s.UpdateApplication(ctx, "a1", inc)
				} else {
					err = s.InTx(ctx, func(tx store.Tx) error {
						if _, err := tx.GetApplication(ctx, "a1"); err != nil {
							return err
						}
						_, err := tx.UpdateApplication(ctx, "a1", inc)
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
	if got := mustGetApplication(t, s, "a1").RefusalCode; got != strconv.Itoa(writers*each) {
		t.Errorf("counter = %s after %d increments: updates were lost", got, writers*each)
	}
}

func testUpdateApplicationFnErrorAborts(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	orig := fullApplication("a1")
	mustCreateApplication(t, s, orig)
	mustCreateApplication(t, s, fullApplication("a2"))

	for _, tc := range []struct {
		name string
		fn   func(*store.Application) error
		want error
	}{
		{"fn fails", func(a *store.Application) error { a.State = store.AppCancelled; return errBoom }, errBoom},
		{"ID changed", func(a *store.Application) error { a.ID, a.State = "a2", store.AppCancelled; return nil }, nil},
		{"CreatedAt changed", func(a *store.Application) error { a.CreatedAt = a.CreatedAt.Add(time.Second); return nil }, nil},
		{"code hash emptied", func(a *store.Application) error { a.CodeHash = ""; return nil }, nil},
	} {
		_, err := s.UpdateApplication(ctx, "a1", tc.fn)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: UpdateApplication err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// The same instant in another zone is no change.
	if _, err := s.UpdateApplication(ctx, "a1", func(a *store.Application) error {
		a.CreatedAt = a.CreatedAt.In(madrid)
		return nil
	}); err != nil {
		t.Errorf("UpdateApplication keeping CreatedAt in another zone: %v", err)
	}
	for _, id := range []string{"a1", "a2"} {
		if got, w := mustGetApplication(t, s, id), normApp(fullApplication(id)); !reflect.DeepEqual(got, w) {
			t.Errorf("refused updates changed %s:\n got %+v\nwant %+v", id, got, w)
		}
	}
}

func testApplicationNeedsPerson(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.CreateApplication(ctx, fullApplication("a1"))
	if err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateApplication for a person not in the registry: err = %v, want a foreign-key error", err)
	}
	if _, err := s.GetApplication(ctx, "a1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused application was stored (err = %v)", err)
	}
	mustUpsert(t, s, fullPerson())
	mustCreateApplication(t, s, fullApplication("a1"))
	if _, err := s.UpdateApplication(ctx, "a1", func(a *store.Application) error {
		a.PersonID = "00000000T"
		return nil
	}); err == nil {
		t.Error("UpdateApplication to a person not in the registry succeeded")
	}
}

// The registration authority approves: the application and the certificate
// change together or not at all.
func testApproveInOneTx(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	mustCreateApplication(t, s, bareApplication("a1", fullPerson().ID))
	approve := func(tx store.Tx, serial string) error {
		if _, err := tx.UpdateApplication(ctx, "a1", func(a *store.Application) error {
			a.State, a.CertSerial = store.AppApproved, serial
			return nil
		}); err != nil {
			return err
		}
		return tx.CreateCertificate(ctx, fullCertificate(serial, "a1"))
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := approve(tx, "2a"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want errBoom", err)
	}
	if a := mustGetApplication(t, s, "a1"); a.State != store.AppPending || a.CertSerial != "" {
		t.Errorf("rolled-back approval left the application %s with serial %q", a.State, a.CertSerial)
	}
	if _, err := s.GetCertificate(ctx, "2a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled-back approval left a certificate (err = %v)", err)
	}

	if err := s.InTx(ctx, func(tx store.Tx) error { return approve(tx, "2b") }); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if a := mustGetApplication(t, s, "a1"); a.State != store.AppApproved || a.CertSerial != "2b" {
		t.Errorf("approved application is %s with serial %q", a.State, a.CertSerial)
	}
	if c := mustGetCertificate(t, s, "2b"); c.ApplicationID != "a1" {
		t.Errorf("certificate's application = %q", c.ApplicationID)
	}
}

func fullCertificate(serial, appID string) store.Certificate {
	return store.Certificate{
		Serial:           serial,
		Kind:             store.CertPerson,
		PersonID:         fullPerson().ID,
		ApplicationID:    appID,
		DER:              der(2, 1200),
		NotBefore:        at(time.Hour),
		NotAfter:         at(time.Hour + 2*365*24*time.Hour),
		CreatedAt:        at(time.Hour + time.Second),
		RevokedAt:        at(400 * 24 * time.Hour),
		RevocationReason: 1, // keyCompromise
		RenewedBy:        "3c",

		BackupConfirmedAt: at(3 * 24 * time.Hour),
	}
}

func normCert(c store.Certificate) store.Certificate {
	for _, t := range []*time.Time{&c.NotBefore, &c.NotAfter, &c.CreatedAt, &c.RevokedAt, &c.BackupConfirmedAt} {
		*t = want(*t)
	}
	if len(c.DER) == 0 {
		c.DER = nil
	}
	return c
}

func mustCreateCertificate(t *testing.T, s store.Tx, c store.Certificate) {
	t.Helper()
	if err := s.CreateCertificate(context.Background(), c); err != nil {
		t.Fatalf("CreateCertificate(%s): %v", c.Serial, err)
	}
}

func mustGetCertificate(t *testing.T, s store.Tx, serial string) store.Certificate {
	t.Helper()
	c, err := s.GetCertificate(context.Background(), serial)
	if err != nil {
		t.Fatalf("GetCertificate(%s): %v", serial, err)
	}
	return c
}

func serials(cs []store.Certificate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Serial
	}
	return out
}

func testCertificateRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, fullPerson())
	mustCreateApplication(t, s, fullApplication("a1"))

	full := fullCertificate("2a", "a1")
	// An operator's certificate: no application, not revoked, and zero
	// times throughout.
	operator := store.Certificate{Serial: "1", Kind: store.CertOperator, PersonID: "op-1", DER: der(3, 700)}
	empty := store.Certificate{Serial: "ffffffffffffffffffffffffffffffffffffff", Kind: store.CertServer, DER: []byte{}}
	for _, c := range []store.Certificate{full, operator, empty} {
		mustCreateCertificate(t, s, c)
		if got, w := mustGetCertificate(t, s, c.Serial), normCert(c); !reflect.DeepEqual(got, w) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", c.Serial, got, w)
		}
	}

	dup := fullCertificate("2a", "")
	if err := s.CreateCertificate(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateCertificate of a used serial: err = %v, want ErrConflict", err)
	}
	if err := s.CreateCertificate(ctx, fullCertificate("", "")); err == nil {
		t.Error("CreateCertificate without a serial succeeded")
	}
	if err := s.CreateCertificate(ctx, fullCertificate("2c", "a-none")); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateCertificate for a missing application: err = %v, want a foreign-key error", err)
	}
	if _, err := s.GetCertificate(ctx, "2c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetCertificate of a missing serial: err = %v, want ErrNotFound", err)
	}
	if got := mustGetCertificate(t, s, "2a"); !reflect.DeepEqual(got, normCert(full)) {
		t.Errorf("conflicting create changed the certificate: %+v", got)
	}
}

func testCertificateListRevoked(t *testing.T, s store.Store) {
	ctx := context.Background()
	cert := func(serial, kind, person string, notBefore time.Duration, revoked bool) store.Certificate {
		c := store.Certificate{Serial: serial, Kind: kind, PersonID: person, DER: der(byte(len(serial)), 64),
			NotBefore: at(notBefore), NotAfter: at(notBefore + time.Hour), CreatedAt: at(notBefore)}
		if revoked {
			c.RevokedAt, c.RevocationReason = at(notBefore+time.Minute), 4 // superseded
		}
		return c
	}
	h := time.Hour
	// Inserted out of order; 0c and 0d share NotBefore, so the serial
	// breaks the tie, descending.
	all := []store.Certificate{
		cert("0c", store.CertPerson, "A", 3*h, true),
		cert("0a", store.CertPerson, "A", h, true),
		cert("0e", store.CertOperator, "op", 5*h, true),
		cert("0b", store.CertPerson, "B", 2*h, false),
		cert("0d", store.CertPerson, "B", 3*h, false),
		cert("0f", store.CertPerson, "A", 6*h, false),
		cert("10", store.CertServer, "srv", -h, true),
	}
	for _, c := range all {
		mustCreateCertificate(t, s, c)
	}
	for _, tc := range []struct {
		f    store.CertificateFilter
		want []string
	}{
		{store.CertificateFilter{}, []string{"0f", "0e", "0d", "0c", "0b", "0a", "10"}},
		{store.CertificateFilter{Revoked: true}, []string{"0e", "0c", "0a", "10"}},
		{store.CertificateFilter{Revoked: true, Limit: 2}, []string{"0e", "0c"}},
		{store.CertificateFilter{Revoked: true, Kind: store.CertPerson}, []string{"0c", "0a"}},
		{store.CertificateFilter{Revoked: true, PersonID: "B"}, []string{}},
		{store.CertificateFilter{PersonID: "A"}, []string{"0f", "0c", "0a"}},
		{store.CertificateFilter{PersonID: "A", Revoked: true}, []string{"0c", "0a"}},
		{store.CertificateFilter{Kind: store.CertPerson, Limit: 3}, []string{"0f", "0d", "0c"}},
	} {
		got, err := s.ListCertificates(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListCertificates(%+v): %v", tc.f, err)
		}
		if !slices.Equal(serials(got), tc.want) {
			t.Errorf("ListCertificates(%+v) = %v, want %v", tc.f, serials(got), tc.want)
		}
	}
	got, err := s.ListCertificates(ctx, store.CertificateFilter{Revoked: true})
	if err != nil {
		t.Fatal(err)
	}
	if w := normCert(all[0]); len(got) < 2 || !reflect.DeepEqual(got[1], w) {
		t.Errorf("listed certificate:\n got %+v\nwant %+v", got, w)
	}
	// Without the DER, the same certificates with everything else.
	for _, f := range []store.CertificateFilter{{Revoked: true, OmitDER: true}, {PersonID: "A", OmitDER: true}} {
		short, err := s.ListCertificates(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		f.OmitDER = false
		full, err := s.ListCertificates(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for i := range full {
			full[i].DER, full[i].BackupConfirmedAt = nil, time.Time{}
		}
		if !reflect.DeepEqual(short, full) {
			t.Errorf("ListCertificates(%+v, OmitDER):\n got %+v\nwant %+v", f, short, full)
		}
	}
}

func testUpdateCertificate(t *testing.T, s store.Store) {
	ctx := context.Background()
	orig := fullCertificate("2a", "")
	orig.RevokedAt, orig.RevocationReason, orig.RenewedBy = time.Time{}, 0, ""
	mustCreateCertificate(t, s, orig)
	if got, err := s.ListCertificates(ctx, store.CertificateFilter{Revoked: true}); err != nil || len(got) != 0 {
		t.Fatalf("before revocation, revoked = %v, %v", serials(got), err)
	}

	revokedAt := at(48 * time.Hour)
	got, err := s.UpdateCertificate(ctx, "2a", func(c *store.Certificate) error {
		if !reflect.DeepEqual(*c, normCert(orig)) {
			t.Errorf("fn was given %+v, want the stored %+v", *c, normCert(orig))
		}
		c.RevokedAt, c.RevocationReason, c.BackupConfirmedAt = revokedAt, 4, at(50*time.Hour)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCertificate: %v", err)
	}
	w := normCert(orig)
	w.RevokedAt, w.RevocationReason, w.BackupConfirmedAt = want(revokedAt), 4, want(at(50*time.Hour))
	if !reflect.DeepEqual(got, w) {
		t.Errorf("UpdateCertificate returned\n %+v\nwant %+v", got, w)
	}
	if stored := mustGetCertificate(t, s, "2a"); !reflect.DeepEqual(stored, w) {
		t.Errorf("after update, stored\n %+v\nwant %+v", stored, w)
	}
	if got, err := s.ListCertificates(ctx, store.CertificateFilter{Revoked: true}); err != nil || !slices.Equal(serials(got), []string{"2a"}) {
		t.Errorf("after revocation, revoked = %v, %v", serials(got), err)
	}

	for _, tc := range []struct {
		name string
		fn   func(*store.Certificate) error
		want error
	}{
		{"fn fails", func(c *store.Certificate) error { c.RenewedBy = "3c"; return errBoom }, errBoom},
		{"serial changed", func(c *store.Certificate) error { c.Serial = "2b"; return nil }, nil},
		{"CreatedAt changed", func(c *store.Certificate) error { c.CreatedAt = time.Time{}; return nil }, nil},
	} {
		if _, err := s.UpdateCertificate(ctx, "2a", tc.fn); err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: UpdateCertificate err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if stored := mustGetCertificate(t, s, "2a"); !reflect.DeepEqual(stored, w) {
		t.Errorf("refused updates changed the certificate: %+v", stored)
	}
	if _, err := s.GetCertificate(ctx, "2b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused serial change created 2b (err = %v)", err)
	}
	if _, err := s.UpdateCertificate(ctx, "2b", func(*store.Certificate) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateCertificate of a missing serial: err = %v, want ErrNotFound", err)
	}
}

func office(id string, handles ...string) store.Office {
	return store.Office{
		ID: id, Name: "Oficina de Registro " + id, Address: "Calle Alcalá, 45, bajo", City: "Madrid",
		PostalCode: "28014", Province: "Madrid", Hours: "L-V 9:00-14:00; J 16:00-18:30",
		Handles: handles, CreatedAt: at(0),
	}
}

func testOfficeRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	// Order is kept, not sorted.
	two := office("of-b", "video-review", "certificate", "señal \"rara\"")
	nilList := office("of-c")
	emptyList := office("of-a")
	emptyList.Handles = []string{}
	for _, o := range []store.Office{two, nilList, emptyList} {
		if err := s.CreateOffice(ctx, o); err != nil {
			t.Fatalf("CreateOffice(%s): %v", o.ID, err)
		}
	}
	norm := func(o store.Office) store.Office {
		o.CreatedAt = want(o.CreatedAt)
		if o.Handles == nil {
			o.Handles = []string{}
		}
		return o
	}
	for _, o := range []store.Office{two, nilList, emptyList} {
		got, err := s.GetOffice(ctx, o.ID)
		if err != nil {
			t.Fatalf("GetOffice(%s): %v", o.ID, err)
		}
		// An empty list comes back empty and not nil, however it went in.
		if got.Handles == nil || !reflect.DeepEqual(got, norm(o)) {
			t.Errorf("round trip of %s:\n got %#v\nwant %#v", o.ID, got, norm(o))
		}
	}
	all, err := s.ListOffices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, []store.Office{norm(emptyList), norm(two), norm(nilList)}) {
		t.Errorf("ListOffices = %+v, want of-a, of-b, of-c", all)
	}
	if err := s.CreateOffice(ctx, office("of-a", "x")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateOffice of a used ID: err = %v, want ErrConflict", err)
	}
	if _, err := s.GetOffice(ctx, "of-z"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOffice of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func operator(id, officeID, serial string) store.Operator {
	return store.Operator{ID: id, OfficeID: officeID, Name: "Operadora " + id, CertSerial: serial, CreatedAt: at(time.Minute)}
}

func normOp(p store.Operator) store.Operator {
	p.CreatedAt = want(p.CreatedAt)
	return p
}

func opIDs(ps []store.Operator) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func testOperatorByCert(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, id := range []string{"of-1", "of-2"} {
		if err := s.CreateOffice(ctx, office(id)); err != nil {
			t.Fatal(err)
		}
	}
	op1 := operator("op-1", "of-1", "a1")
	op1.Disabled = true
	// Operators without a certificate yet: any number may have none.
	op2, op3, op4 := operator("op-2", "of-1", ""), operator("op-3", "of-2", ""), operator("op-4", "of-2", "b2")
	for _, p := range []store.Operator{op3, op1, op4, op2} {
		if err := s.CreateOperator(ctx, p); err != nil {
			t.Fatalf("CreateOperator(%s): %v", p.ID, err)
		}
	}
	for _, p := range []store.Operator{operator("op-5", "of-1", "a1"), operator("op-1", "of-2", "c3")} {
		if err := s.CreateOperator(ctx, p); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateOperator(%s, cert %s): err = %v, want ErrConflict", p.ID, p.CertSerial, err)
		}
	}

	for serial, w := range map[string]store.Operator{"a1": op1, "b2": op4} {
		got, err := s.GetOperatorByCert(ctx, serial)
		if err != nil || !reflect.DeepEqual(got, normOp(w)) {
			t.Errorf("GetOperatorByCert(%s) = %+v, %v; want %+v", serial, got, err, normOp(w))
		}
	}
	for _, serial := range []string{"", "c3"} {
		if _, err := s.GetOperatorByCert(ctx, serial); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOperatorByCert(%q): err = %v, want ErrNotFound", serial, err)
		}
	}
	if got, err := s.GetOperator(ctx, "op-2"); err != nil || !reflect.DeepEqual(got, normOp(op2)) {
		t.Errorf("GetOperator(op-2) = %+v, %v", got, err)
	}
	if _, err := s.GetOperator(ctx, "op-9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOperator of a missing ID: err = %v, want ErrNotFound", err)
	}
	for officeID, w := range map[string][]string{"of-1": {"op-1", "op-2"}, "of-2": {"op-3", "op-4"}, "": {"op-1", "op-2", "op-3", "op-4"}, "of-9": {}} {
		got, err := s.ListOperators(ctx, officeID)
		if err != nil || !slices.Equal(opIDs(got), w) {
			t.Errorf("ListOperators(%q) = %v, %v; want %v", officeID, opIDs(got), err, w)
		}
	}

	// A certificate moves to another operator only once its holder lets it go.
	setCert := func(id, serial string) (store.Operator, error) {
		return s.UpdateOperator(ctx, id, func(p *store.Operator) error {
			p.CertSerial = serial
			return nil
		})
	}
	if _, err := setCert("op-2", "a1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateOperator to a used certificate: err = %v, want ErrConflict", err)
	}
	if _, err := setCert("op-1", ""); err != nil {
		t.Fatalf("UpdateOperator clearing the certificate: %v", err)
	}
	got, err := setCert("op-2", "a1")
	if err != nil {
		t.Fatalf("UpdateOperator to a freed certificate: %v", err)
	}
	w := normOp(op2)
	w.CertSerial = "a1"
	if !reflect.DeepEqual(got, w) {
		t.Errorf("UpdateOperator returned %+v, want %+v", got, w)
	}
	if got, err := s.GetOperatorByCert(ctx, "a1"); err != nil || got.ID != "op-2" {
		t.Errorf("GetOperatorByCert(a1) = %s, %v; want op-2", got.ID, err)
	}
	for _, fn := range []func(*store.Operator) error{
		func(p *store.Operator) error { p.ID = "op-9"; return nil },
		func(p *store.Operator) error { p.CreatedAt = p.CreatedAt.Add(time.Hour); return nil },
		func(p *store.Operator) error { p.Disabled = true; return errBoom },
	} {
		if _, err := s.UpdateOperator(ctx, "op-2", fn); err == nil {
			t.Error("UpdateOperator accepted a refused change")
		}
	}
	if got, err := s.GetOperator(ctx, "op-2"); err != nil || !reflect.DeepEqual(got, w) {
		t.Errorf("refused updates changed op-2: %+v, %v", got, err)
	}
}

func testOperatorNeedsOffice(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateOperator(ctx, operator("op-1", "of-1", "")); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateOperator at a missing office: err = %v, want a foreign-key error", err)
	}
	if err := s.CreateOffice(ctx, office("of-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOperator(ctx, operator("op-1", "of-1", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOperator(ctx, "op-1", func(p *store.Operator) error {
		p.OfficeID = "of-2"
		return nil
	}); err == nil {
		t.Error("UpdateOperator to a missing office succeeded")
	}
	if got, err := s.GetOperator(ctx, "op-1"); err != nil || got.OfficeID != "of-1" {
		t.Errorf("after a refused move, operator = %+v, %v", got, err)
	}
}

func mustCountAttempt(t *testing.T, s store.Tx, key string, now time.Time, window time.Duration) int {
	t.Helper()
	n, err := s.CountAttempt(context.Background(), key, now, window)
	if err != nil {
		t.Fatalf("CountAttempt(%s, %v, %v): %v", key, now, window, err)
	}
	return n
}

func testCountAttemptWindows(t *testing.T, s store.Store) {
	ctx := context.Background()
	base := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC) // on the minute
	step := func(key string, d time.Duration, want int) {
		t.Helper()
		if got := mustCountAttempt(t, s, key, base.Add(d).In(madrid), time.Minute); got != want {
			t.Errorf("CountAttempt(%s, +%v) = %d, want %d", key, d, got, want)
		}
	}
	step("code:1", 0, 1)
	step("code:1", 10*time.Second, 2)
	step("ip:10.0.0.1", 10*time.Second, 1) // keys count apart
	step("code:1", time.Minute-time.Microsecond, 3)
	step("code:1", time.Minute, 1) // the next window starts afresh
	step("code:1", 70*time.Second, 2)
	// A node whose clock lags counts into the current window rather than
	// moving the counter back to a window of its own.
	step("code:1", 30*time.Second, 3)
	step("code:1", 90*time.Second, 4)
	step("code:1", 5*time.Minute, 1) // windows skipped: still afresh
	step("ip:10.0.0.1", 5*time.Minute, 1)

	// Windows count from the Unix epoch, a Thursday: a week's window turns
	// at Thursday 00:00 UTC, not at the week of year 1 (a Monday).
	week := 7 * 24 * time.Hour
	wed := time.Date(2025, 6, 4, 23, 59, 59, 0, time.UTC)
	thu := time.Date(2025, 6, 5, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now  time.Time
		want int
	}{{wed, 1}, {wed.Add(-6 * 24 * time.Hour), 2}, {thu, 1}, {thu.Add(week - time.Second), 2}} {
		if got := mustCountAttempt(t, s, "weekly", c.now, week); got != c.want {
			t.Errorf("CountAttempt(weekly, %v) = %d, want %d", c.now, got, c.want)
		}
	}

	for _, bad := range []struct {
		key    string
		window time.Duration
	}{{"", time.Minute}, {"k", 0}, {"k", -time.Minute}, {"k", time.Nanosecond}} {
		if _, err := s.CountAttempt(ctx, bad.key, base, bad.window); err == nil {
			t.Errorf("CountAttempt(%q, window %v) succeeded", bad.key, bad.window)
		}
	}
}

func testCountAttemptConcurrent(t *testing.T, s store.Store) { CountAttemptAcross(t, s) }

// CountAttemptAcross has 8 workers count 25 attempts each on one key, the
// workers spread over nodes (Stores on one database), and checks that the
// counts returned are 1 to 200, each once: no attempt lost, none counted
// twice, whatever the interleaving.
func CountAttemptAcross(t *testing.T, nodes ...store.Store) {
	const workers, each = 8, 25
	ctx := context.Background()
	now := time.Now()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = make(map[int]int)
	)
	errs := make(chan error, workers*each)
	for w := range workers {
		s := nodes[w%len(nodes)]
		wg.Go(func() {
			for range each {
				// Half the workers count inside a transaction, as a
				// caller that also records an audit event would.
				var n int
				var err error
				if w%2 == 0 {
					n, err = s.CountAttempt(ctx, "login:X1234567L", now, time.Hour)
				} else {
					err = s.InTx(ctx, func(tx store.Tx) error {
						var err error
						n, err = tx.CountAttempt(ctx, "login:X1234567L", now, time.Hour)
						return err
					})
				}
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				seen[n]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for n := 1; n <= workers*each; n++ {
		if seen[n] != 1 {
			t.Errorf("count %d was returned %d times, want once", n, seen[n])
		}
	}
	if got := mustCountAttempt(t, nodes[0], "login:X1234567L", now, time.Hour); got != workers*each+1 {
		t.Errorf("after %d attempts, the next counts %d", workers*each, got)
	}
}

func testResetAttempts(t *testing.T, s store.Store) {
	ctx := context.Background()
	for range 3 {
		mustCountAttempt(t, s, "a", t0, time.Hour)
	}
	mustCountAttempt(t, s, "b", t0, time.Hour)
	if err := s.ResetAttempts(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetAttempts(ctx, "never-counted"); err != nil {
		t.Errorf("ResetAttempts of an unknown key: %v", err)
	}
	if got := mustCountAttempt(t, s, "a", t0, time.Hour); got != 1 {
		t.Errorf("after reset, count = %d, want 1", got)
	}
	if got := mustCountAttempt(t, s, "b", t0, time.Hour); got != 2 {
		t.Errorf("another key's count = %d after a reset, want 2", got)
	}
}

func testOCSPPutGetDue(t *testing.T, s store.Store) {
	ctx := context.Background()
	entry := func(serial string, next time.Duration) store.OCSPEntry {
		return store.OCSPEntry{Serial: serial, DER: der(byte(next), 300), ThisUpdate: at(0), NextUpdate: at(next)}
	}
	norm := func(e store.OCSPEntry) store.OCSPEntry {
		e.ThisUpdate, e.NextUpdate = want(e.ThisUpdate), want(e.NextUpdate)
		return e
	}
	h := time.Hour
	es := []store.OCSPEntry{entry("0d", 4*h), entry("0a", 2*h), entry("0c", 3*h), entry("0b", 3*h), entry("0e", 9*h)}
	for _, e := range es {
		if err := s.PutOCSP(ctx, e); err != nil {
			t.Fatalf("PutOCSP(%s): %v", e.Serial, err)
		}
	}
	for _, e := range es {
		got, err := s.GetOCSP(ctx, e.Serial)
		if err != nil || !reflect.DeepEqual(got, norm(e)) {
			t.Errorf("GetOCSP(%s) = %+v, %v; want %+v", e.Serial, got, err, norm(e))
		}
	}
	if _, err := s.GetOCSP(ctx, "ff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOCSP of a missing serial: err = %v, want ErrNotFound", err)
	}

	// A refresh replaces the response.
	fresh := store.OCSPEntry{Serial: "0a", DER: der(99, 310), ThisUpdate: at(2 * h), NextUpdate: at(5 * h)}
	if err := s.PutOCSP(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetOCSP(ctx, "0a"); err != nil || !reflect.DeepEqual(got, norm(fresh)) {
		t.Errorf("after refresh, GetOCSP = %+v, %v; want %+v", got, err, norm(fresh))
	}

	due := func(before time.Time, limit int) []string {
		t.Helper()
		got, err := s.ListOCSPDue(ctx, before, limit)
		if err != nil {
			t.Fatalf("ListOCSPDue: %v", err)
		}
		out := []string{}
		for _, e := range got {
			out = append(out, e.Serial)
		}
		return out
	}
	for _, tc := range []struct {
		before time.Time
		limit  int
		want   []string
	}{
		{at(3 * h), 0, []string{}}, // strictly before: 0b and 0c are due at 3h
		{at(3*h + time.Microsecond), 0, []string{"0b", "0c"}},
		{at(10 * h), 0, []string{"0b", "0c", "0d", "0a", "0e"}},
		{at(10 * h), 3, []string{"0b", "0c", "0d"}},
	} {
		if got := due(tc.before, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("ListOCSPDue(%v, %d) = %v, want %v", tc.before, tc.limit, got, tc.want)
		}
	}
}

func testCRLNumberIncreases(t *testing.T, s store.Store) {
	ctx := context.Background()
	crl := func(name string, n int64) store.CRL {
		return store.CRL{Name: name, Number: n, DER: der(byte(n), 500), ThisUpdate: at(time.Duration(n) * time.Hour), NextUpdate: at(time.Duration(n+24) * time.Hour)}
	}
	norm := func(c store.CRL) store.CRL {
		c.ThisUpdate, c.NextUpdate = want(c.ThisUpdate), want(c.NextUpdate)
		return c
	}
	check := func(name string, w store.CRL) {
		t.Helper()
		got, err := s.GetCRL(ctx, name)
		if err != nil || !reflect.DeepEqual(got, norm(w)) {
			t.Errorf("GetCRL(%s) = number %d (%d bytes, %v to %v), %v; want number %d", name,
				got.Number, len(got.DER), got.ThisUpdate, got.NextUpdate, err, w.Number)
		}
	}
	if _, err := s.GetCRL(ctx, "citizens"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetCRL before any: err = %v, want ErrNotFound", err)
	}
	if err := s.PutCRL(ctx, crl("citizens", 1)); err != nil {
		t.Fatal(err)
	}
	check("citizens", crl("citizens", 1))
	for _, n := range []int64{1, 0, -5} {
		if err := s.PutCRL(ctx, crl("citizens", n)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("PutCRL number %d over 1: err = %v, want ErrConflict", n, err)
		}
	}
	check("citizens", crl("citizens", 1))
	if err := s.PutCRL(ctx, crl("citizens", 7)); err != nil {
		t.Fatal(err)
	}
	check("citizens", crl("citizens", 7))
	// Each CA's numbers are its own.
	if err := s.PutCRL(ctx, crl("operators", 1)); err != nil {
		t.Fatal(err)
	}
	check("operators", crl("operators", 1))
	check("citizens", crl("citizens", 7))

	// Nodes publishing at once, numbers out of order: whatever the
	// interleaving, the highest stays, and each put either lands or is
	// told it came too late.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for n := range int64(40) {
		wg.Go(func() {
			c := crl("race", (n*17)%40+1) // 1…40, shuffled
			if err := s.PutCRL(ctx, c); err != nil && !errors.Is(err, store.ErrConflict) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	check("race", crl("race", 40))

	if err := s.PutCRL(ctx, store.CRL{Number: 1}); err == nil {
		t.Error("PutCRL without a name succeeded")
	}
}

func testSweepAttempts(t *testing.T, s store.Store) {
	ctx := context.Background()
	base := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	mustCountAttempt(t, s, "old", base, time.Hour)
	mustCountAttempt(t, s, "old", base, time.Hour)
	mustCountAttempt(t, s, "new", base.Add(3*time.Hour), time.Hour)
	n, err := s.SweepAttempts(ctx, base.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("SweepAttempts = %d, %v; want 1 counter removed", n, err)
	}
	if got := mustCountAttempt(t, s, "old", base, time.Hour); got != 1 {
		t.Errorf("a swept counter counts %d, want a fresh 1", got)
	}
	if got := mustCountAttempt(t, s, "new", base.Add(3*time.Hour), time.Hour); got != 2 {
		t.Errorf("a kept counter counts %d, want 2", got)
	}
}

func testAuditHeadFollowsAppends(t *testing.T, s store.Store) {
	ctx := context.Background()
	head, err := s.AuditHead(ctx)
	if err != nil || head != (store.AuditHead{}) {
		t.Fatalf("empty chain head = %+v, %v", head, err)
	}
	ev, err := s.AppendAudit(ctx, func(h store.AuditHead) (store.AuditEvent, error) {
		return store.AuditEvent{Seq: h.Seq + 1, ID: "e1", Time: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), Actor: "system",
			Action: "test", Outcome: "ok", Detail: "{}", PrevHash: h.Hash, Hash: "h1"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	head, err = s.AuditHead(ctx)
	if err != nil || head.Seq != ev.Seq || head.Hash != ev.Hash {
		t.Fatalf("head after one append = %+v, %v; want seq %d hash %s", head, err, ev.Seq, ev.Hash)
	}
}
