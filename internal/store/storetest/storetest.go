// Package storetest is the conformance suite every storage backend passes:
// one table of named cases, each run against a fresh, empty store, so the
// backends behave the same down to ordering, error values and time
// precision.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Run runs every case as a parallel sub-test of t. open must return a new,
// empty store that nothing else uses, and close it in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"PersonRoundTrip", testPersonRoundTrip},
	{"PersonNotFound", testPersonNotFound},
	{"UpsertPersonReplaces", testUpsertPersonReplaces},
	{"UpsertPersonRequiresID", testUpsertPersonRequiresID},
	{"CountPeople", testCountPeople},
	{"ImportCreatesAndUpdates", testImportCreatesAndUpdates},
	{"ImportRollsBackOnError", testImportRollsBackOnError},
	{"ImportLarge", testImportLarge},
	{"OutboxNewestFirst", testOutboxNewestFirst},
	{"OutboxFilters", testOutboxFilters},
	{"OutboxDuplicateID", testOutboxDuplicateID},
	{"AuditChain", testAuditChain},
	{"AuditRejectsBadLink", testAuditRejectsBadLink},
	{"AuditConcurrentAppends", testAuditConcurrentAppends},
	{"InTxRollsBack", testInTxRollsBack},
	{"InTxRollsBackOnPanic", testInTxRollsBackOnPanic},
	{"InTxCommits", testInTxCommits},
	{"TimeRoundTripMicroseconds", testTimeRoundTripMicroseconds},
	{"PingAndDialect", testPingAndDialect},

	// The certificate side (certs.go).
	{"ApplicationRoundTrip", testApplicationRoundTrip},
	{"ApplicationByCode", testApplicationByCode},
	{"ApplicationDuplicateCode", testApplicationDuplicateCode},
	{"ApplicationListFilters", testApplicationListFilters},
	{"UpdateApplication", testUpdateApplication},
	{"UpdateApplicationAtomic", testUpdateApplicationAtomic},
	{"UpdateApplicationFnErrorAborts", testUpdateApplicationFnErrorAborts},
	{"ApplicationNeedsPerson", testApplicationNeedsPerson},
	{"ApproveInOneTx", testApproveInOneTx},
	{"CertificateRoundTrip", testCertificateRoundTrip},
	{"CertificateListRevoked", testCertificateListRevoked},
	{"UpdateCertificate", testUpdateCertificate},
	{"OfficeRoundTrip", testOfficeRoundTrip},
	{"OperatorByCert", testOperatorByCert},
	{"OperatorNeedsOffice", testOperatorNeedsOffice},
	{"CountAttemptWindows", testCountAttemptWindows},
	{"SweepAttempts", testSweepAttempts},
	{"AuditHeadFollowsAppends", testAuditHeadFollowsAppends},
	{"CountAttemptConcurrent", testCountAttemptConcurrent},
	{"ResetAttempts", testResetAttempts},
	{"OCSPPutGetDue", testOCSPPutGetDue},
	{"CRLNumberIncreases", testCRLNumberIncreases},

	// The account side (accounts.go).
	{"AccountRoundTrip", testAccountRoundTrip},
	{"AccountByMobile", testAccountByMobile},
	{"AccountMobileUnique", testAccountMobileUnique},
	{"AccountNeedsPerson", testAccountNeedsPerson},
	{"UpdateAccountConcurrent", testUpdateAccountConcurrent},
	{"AccountUpdatesRefuse", testAccountUpdatesRefuse},
	{"CodeRoundTrip", testCodeRoundTrip},
	{"CodeListFilters", testCodeListFilters},
	{"UpdateCodeFailures", testUpdateCodeFailures},
	{"SessionRoundTrip", testSessionRoundTrip},
	{"SessionDelete", testSessionDelete},
	{"DeletePersonSessions", testDeletePersonSessions},
	{"LoginEventsNewestFirst", testLoginEventsNewestFirst},
	{"DeviceRoundTrip", testDeviceRoundTrip},
	{"DeviceCredentialUnique", testDeviceCredentialUnique},
	{"GetDeviceByCredential", testGetDeviceByCredential},
	{"UpdateDeviceSignCount", testUpdateDeviceSignCount},
	{"VideoReviewQueueOldestFirst", testVideoReviewQueueOldestFirst},
	{"ClientRoundTrip", testClientRoundTrip},
	{"UpdateClient", testUpdateClient},
	{"PINLoginInTx", testPINLoginInTx},

	// The OpenID provider (oidc.go).
	{"OIDCAuthRequestRoundTrip", testOIDCAuthRequestRoundTrip},
	{"OIDCTokenRoundTrip", testOIDCTokenRoundTrip},
	{"OIDCRefreshRotationOnce", testOIDCRefreshRotationOnce},
	{"OIDCDeleteExpired", testOIDCDeleteExpired},
	{"OIDCKeys", testOIDCKeys},

	// The app login (applogin.go).
	{"QRChallengeRoundTrip", testQRChallengeRoundTrip},
	{"QRChallengeDecidedOnce", testQRChallengeDecidedOnce},
	{"PasskeyCeremonyDeleteOnce", testPasskeyCeremonyDeleteOnce},
	{"AppLoginDeleteExpired", testAppLoginDeleteExpired},

	// Reminders (reminders.go).
	{"ReminderOnce", testReminderOnce},
	{"ReminderConflictInTx", testReminderConflictInTx},
	{"ReminderClaimRace", testReminderClaimRace},
	{"CertificatesToRemind", testCertificatesToRemind},
	{"LetterCodesToRemind", testLetterCodesToRemind},
	{"CertificatesWithoutBackup", testCertificatesWithoutBackup},
	{"VideoRefusalsToRemind", testVideoRefusalsToRemind},
	{"NewReminderKinds", testNewReminderKinds},
	{"ProcedureNames", testProcedureNames},
}

var errBoom = errors.New("boom")

// madrid has daylight saving, so a round trip that kept the zone, or lost
// it the wrong way, shows.
var madrid = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

func fullPerson() store.Person {
	return store.Person{
		ID:             "X1234567L",
		GivenName:      "José Ángel",
		FirstSurname:   "Muñoz",
		SecondSurname:  "Peña",
		BirthDate:      time.Date(1979, 2, 28, 0, 0, 0, 0, time.UTC),
		Nationality:    "ES",
		DocumentType:   store.DocTIE,
		DocumentNumber: "X1234567L",
		DocumentExpiry: time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC),
		SupportNumber:  "E01234567",
		Address:        "Rúa do Franco, 7, 2º Izq.",
		PostalCode:     "15705",
		City:           "Santiago de Compostela",
		Province:       "A Coruña",
		Email:          "jose.munoz@example.es",
		Mobile:         "+34600111222",
		UpdatedAt:      time.Date(2025, 6, 1, 10, 11, 12, 123456000, time.UTC),
	}
}

// bare has every optional field empty.
func bare(id string) store.Person {
	return store.Person{
		ID:             id,
		GivenName:      "Ana",
		FirstSurname:   "Smith",
		Nationality:    "GB",
		DocumentType:   store.DocPassport,
		DocumentNumber: "P" + id,
		Address:        "Calle Mayor 1",
		PostalCode:     "28013",
		City:           "Madrid",
		Province:       "Madrid",
		UpdatedAt:      time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC),
	}
}

func mustGet(t *testing.T, s store.Tx, id string) store.Person {
	t.Helper()
	p, err := s.GetPerson(context.Background(), id)
	if err != nil {
		t.Fatalf("GetPerson(%s): %v", id, err)
	}
	return p
}

func mustCount(t *testing.T, s store.Tx) int {
	t.Helper()
	n, err := s.CountPeople(context.Background())
	if err != nil {
		t.Fatalf("CountPeople: %v", err)
	}
	return n
}

func mustUpsert(t *testing.T, s store.Tx, p store.Person) {
	t.Helper()
	if err := s.UpsertPerson(context.Background(), p); err != nil {
		t.Fatalf("UpsertPerson(%s): %v", p.ID, err)
	}
}

func testPersonRoundTrip(t *testing.T, s store.Store) {
	for _, want := range []store.Person{fullPerson(), bare("Y7654321G")} {
		mustUpsert(t, s, want)
		// == compares time.Time zones too: everything must come back UTC.
		if got := mustGet(t, s, want.ID); got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

func testPersonNotFound(t *testing.T, s store.Store) {
	_, err := s.GetPerson(context.Background(), "00000000T")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetPerson of a missing ID: err = %v, want ErrNotFound", err)
	}
}

func testUpsertPersonReplaces(t *testing.T, s store.Store) {
	p := fullPerson()
	mustUpsert(t, s, p)

	q := bare(p.ID)
	q.GivenName = "Íñigo"
	q.UpdatedAt = p.UpdatedAt.Add(time.Hour)
	mustUpsert(t, s, q)
	if got := mustGet(t, s, p.ID); got != q {
		t.Errorf("after replace:\n got %+v\nwant %+v", got, q)
	}
	if n := mustCount(t, s); n != 1 {
		t.Errorf("CountPeople = %d, want 1", n)
	}
}

func testUpsertPersonRequiresID(t *testing.T, s store.Store) {
	if err := s.UpsertPerson(context.Background(), bare("")); err == nil {
		t.Fatal("UpsertPerson with an empty ID succeeded")
	}
	if n := mustCount(t, s); n != 0 {
		t.Errorf("CountPeople = %d, want 0", n)
	}
}

func testCountPeople(t *testing.T, s store.Store) {
	if n := mustCount(t, s); n != 0 {
		t.Fatalf("empty store: CountPeople = %d", n)
	}
	mustUpsert(t, s, bare("A1"))
	mustUpsert(t, s, bare("A2"))
	mustUpsert(t, s, bare("A1"))
	if n := mustCount(t, s); n != 2 {
		t.Errorf("CountPeople = %d, want 2", n)
	}
}

func testImportCreatesAndUpdates(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustUpsert(t, s, bare("A"))
	mustUpsert(t, s, bare("B"))

	a := fullPerson()
	a.ID = "A"
	c1, c2 := bare("C"), bare("C")
	c2.City = "Cádiz"
	res, err := s.ImportPeople(ctx, func(put func(store.Person) error) error {
		for _, p := range []store.Person{a, bare("B"), c1, bare("D"), c2} {
			if err := put(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ImportPeople: %v", err)
	}
	// C is put twice: one create, then one update.
	if want := (store.ImportResult{Created: 2, Updated: 3}); res != want {
		t.Errorf("ImportPeople = %+v, want %+v", res, want)
	}
	if n := mustCount(t, s); n != 4 {
		t.Errorf("CountPeople = %d, want 4", n)
	}
	if got := mustGet(t, s, "A"); got != a {
		t.Errorf("updated person:\n got %+v\nwant %+v", got, a)
	}
	if got := mustGet(t, s, "C"); got != c2 {
		t.Errorf("person put twice: got city %q, want the last put's %q", got.City, c2.City)
	}
}

func testImportRollsBackOnError(t *testing.T, s store.Store) {
	ctx := context.Background()
	orig := bare("A")
	mustUpsert(t, s, orig)

	// Enough puts that the backends have written some batches before the
	// failure: those must go too.
	const puts = 2500
	changed := orig
	changed.GivenName = "Changed"

	for _, tc := range []struct {
		name string
		fill func(put func(store.Person) error) error
		want error
	}{
		{"fill fails", func(put func(store.Person) error) error {
			if err := put(changed); err != nil {
				return err
			}
			for i := range puts {
				if err := put(SyntheticPerson(i)); err != nil {
					return err
				}
			}
			return errBoom
		}, errBoom},
		{"put refuses", func(put func(store.Person) error) error {
			for i := range puts {
				if err := put(SyntheticPerson(i)); err != nil {
					return err
				}
			}
			return put(bare(""))
		}, nil},
		{"fill ignores put's error", func(put func(store.Person) error) error {
			_ = put(changed)
			_ = put(bare(""))
			for i := range puts {
				_ = put(SyntheticPerson(i))
			}
			return nil
		}, nil},
	} {
		res, err := s.ImportPeople(ctx, tc.fill)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: ImportPeople err = %v, want %v", tc.name, err, tc.want)
		}
		if res != (store.ImportResult{}) {
			t.Errorf("%s: failed ImportPeople reported %+v", tc.name, res)
		}
		if n := mustCount(t, s); n != 1 {
			t.Errorf("%s: CountPeople = %d after a failed import, want 1", tc.name, n)
		}
		if got := mustGet(t, s, "A"); got != orig {
			t.Errorf("%s: failed import changed a person: %+v", tc.name, got)
		}
	}
}

func testImportLarge(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 5000
	fill := func(put func(store.Person) error) error {
		for i := range n {
			if err := put(SyntheticPerson(i)); err != nil {
				return err
			}
		}
		return nil
	}
	res, err := s.ImportPeople(ctx, fill)
	if err != nil {
		t.Fatalf("ImportPeople: %v", err)
	}
	if want := (store.ImportResult{Created: n}); res != want {
		t.Errorf("first import = %+v, want %+v", res, want)
	}
	if c := mustCount(t, s); c != n {
		t.Errorf("CountPeople = %d, want %d", c, n)
	}
	for _, i := range []int{0, 1, 499, 500, 501, 2048, 4999} {
		want := SyntheticPerson(i)
		if got := mustGet(t, s, want.ID); got != want {
			t.Errorf("person %d:\n got %+v\nwant %+v", i, got, want)
		}
	}

	res, err = s.ImportPeople(ctx, fill)
	if err != nil {
		t.Fatalf("second ImportPeople: %v", err)
	}
	if want := (store.ImportResult{Updated: n}); res != want {
		t.Errorf("second import = %+v, want %+v", res, want)
	}
}

var t0 = time.Date(2025, 3, 30, 0, 59, 59, 999999000, time.UTC) // an hour before Madrid springs forward

func msg(id string, at time.Time) store.Message {
	return store.Message{
		ID: id, Kind: store.KindEmail, To: "ana@example.es", PersonID: "X1234567L", Lang: "es",
		Subject: "Su certificado", Body: "Hola, Ana.\n\nAdiós.", CreatedAt: at,
	}
}

func ids(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func sameIDs(got []store.Message, want ...string) bool {
	g := ids(got)
	if len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}

func mustAddOutbox(t *testing.T, s store.Tx, m store.Message) {
	t.Helper()
	if err := s.AddOutbox(context.Background(), m); err != nil {
		t.Fatalf("AddOutbox(%s): %v", m.ID, err)
	}
}

func mustListOutbox(t *testing.T, s store.Tx, f store.OutboxFilter) []store.Message {
	t.Helper()
	ms, err := s.ListOutbox(context.Background(), f)
	if err != nil {
		t.Fatalf("ListOutbox(%+v): %v", f, err)
	}
	return ms
}

func testOutboxNewestFirst(t *testing.T, s store.Store) {
	// Inserted out of order; m2 and m3 share a time, so id breaks the tie
	// (descending), and m4 is one microsecond newer than them.
	mustAddOutbox(t, s, msg("m2", t0.Add(time.Second)))
	mustAddOutbox(t, s, msg("m1", t0))
	mustAddOutbox(t, s, msg("m4", t0.Add(time.Second+time.Microsecond)))
	mustAddOutbox(t, s, msg("m3", t0.Add(time.Second)))
	mustAddOutbox(t, s, msg("m0", t0.Add(-time.Hour)))

	got := mustListOutbox(t, s, store.OutboxFilter{})
	if !sameIDs(got, "m4", "m3", "m2", "m1", "m0") {
		t.Errorf("ListOutbox order = %v, want [m4 m3 m2 m1 m0]", ids(got))
	}
	if want := msg("m4", t0.Add(time.Second+time.Microsecond)); len(got) > 0 && got[0] != want {
		t.Errorf("message round trip:\n got %+v\nwant %+v", got[0], want)
	}
}

func testOutboxFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	email := msg("e1", t0)
	sms := store.Message{ID: "s1", Kind: store.KindSMS, To: "+34600111222", PersonID: "X1234567L", Lang: "en", Body: "Code 123456", CreatedAt: t0.Add(time.Minute)}
	letter := store.Message{ID: "l1", Kind: store.KindLetter, To: "Calle Mayor 1, 28013 Madrid", PersonID: "Y7654321G", Lang: "es",
		Subject: "Carta", Body: "…", Path: "/var/lib/llavero/letters/l1.pdf", CreatedAt: t0.Add(2 * time.Minute)}
	anon := store.Message{ID: "a1", Kind: store.KindEmail, To: "nobody@example.es", Lang: "es", CreatedAt: t0.Add(3 * time.Minute)}
	for _, m := range []store.Message{email, sms, letter, anon} {
		mustAddOutbox(t, s, m)
	}

	for _, tc := range []struct {
		f    store.OutboxFilter
		want []string
	}{
		{store.OutboxFilter{}, []string{"a1", "l1", "s1", "e1"}},
		{store.OutboxFilter{To: "ana@example.es"}, []string{"e1"}},
		{store.OutboxFilter{To: "+34600111222"}, []string{"s1"}},
		{store.OutboxFilter{To: "X1234567L"}, []string{"s1", "e1"}},
		{store.OutboxFilter{To: "Y7654321G"}, []string{"l1"}},
		{store.OutboxFilter{To: "nobody"}, nil},
		{store.OutboxFilter{Kind: store.KindEmail}, []string{"a1", "e1"}},
		{store.OutboxFilter{Kind: store.KindSMS, To: "X1234567L"}, []string{"s1"}},
		{store.OutboxFilter{Kind: store.KindLetter, To: "X1234567L"}, nil},
		{store.OutboxFilter{Limit: 2}, []string{"a1", "l1"}},
		{store.OutboxFilter{To: "X1234567L", Limit: 1}, []string{"s1"}},
		{store.OutboxFilter{ID: "l1"}, []string{"l1"}},
		{store.OutboxFilter{ID: "l1", Kind: store.KindSMS}, nil},
		{store.OutboxFilter{ID: "missing"}, nil},
	} {
		if got := mustListOutbox(t, s, tc.f); !sameIDs(got, tc.want...) {
			t.Errorf("ListOutbox(%+v) = %v, want %v", tc.f, ids(got), tc.want)
		}
	}
	if got := mustListOutbox(t, s, store.OutboxFilter{To: "Y7654321G"}); len(got) == 1 && got[0] != letter {
		t.Errorf("letter round trip:\n got %+v\nwant %+v", got[0], letter)
	}

	// Limit 0 means the default of 100.
	err := s.InTx(ctx, func(tx store.Tx) error {
		for i := range 105 {
			if err := tx.AddOutbox(ctx, msg("bulk"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if got := mustListOutbox(t, s, store.OutboxFilter{}); len(got) != 100 {
		t.Errorf("ListOutbox with no limit returned %d messages, want 100", len(got))
	}
	if got := mustListOutbox(t, s, store.OutboxFilter{Limit: 200}); len(got) != 109 {
		t.Errorf("ListOutbox with limit 200 returned %d messages, want 109", len(got))
	}
}

func testOutboxDuplicateID(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := msg("dup", t0)
	mustAddOutbox(t, s, first)
	second := msg("dup", t0.Add(time.Hour))
	second.Body = "other"
	if err := s.AddOutbox(ctx, second); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AddOutbox with a used ID: err = %v, want ErrConflict", err)
	}

	// ErrConflict is for handling: inside a transaction it must leave the
	// transaction usable (PostgreSQL aborts one on a failed statement).
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AddOutbox(ctx, second); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("AddOutbox in a tx: err = %v, want ErrConflict", err)
		}
		return tx.AddOutbox(ctx, msg("after", t0.Add(2*time.Hour)))
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if got := mustListOutbox(t, s, store.OutboxFilter{}); !sameIDs(got, "after", "dup") || got[1] != first {
		t.Errorf("outbox = %+v, want [after, the first dup]", got)
	}
}

// link returns a build function that chains an event correctly, hashing its
// content with its predecessor's hash as a real caller would.
func link(id string, at time.Time) func(store.AuditHead) (store.AuditEvent, error) {
	return func(h store.AuditHead) (store.AuditEvent, error) {
		ev := store.AuditEvent{
			Seq: h.Seq + 1, ID: id, Time: at, Actor: "operator:op1", Action: "registry.import",
			Subject: "X1234567L", Outcome: "ok", Detail: `{"rows":3,"nota":"señal"}`, PrevHash: h.Hash,
		}
		ev.Hash = eventHash(ev)
		return ev, nil
	}
}

func eventHash(ev store.AuditEvent) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%s|%s", ev.Seq, ev.PrevHash, ev.ID, ev.Time.UTC().Format(time.RFC3339Nano))))
	return hex.EncodeToString(sum[:])
}

func mustAppend(t *testing.T, s store.Tx, build func(store.AuditHead) (store.AuditEvent, error)) store.AuditEvent {
	t.Helper()
	ev, err := s.AppendAudit(context.Background(), build)
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	return ev
}

func mustListAudit(t *testing.T, s store.Tx, after int64, limit int) []store.AuditEvent {
	t.Helper()
	evs, err := s.ListAudit(context.Background(), after, limit)
	if err != nil {
		t.Fatalf("ListAudit(%d, %d): %v", after, limit, err)
	}
	return evs
}

// checkChain verifies evs is the whole chain 1..n, each event linked to the
// one before and hashed over its own content.
func checkChain(t *testing.T, evs []store.AuditEvent, n int) {
	t.Helper()
	if len(evs) != n {
		t.Fatalf("chain holds %d events, want %d", len(evs), n)
	}
	prev := ""
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, ev.Seq)
		}
		if ev.PrevHash != prev {
			t.Fatalf("event %d does not link to event %d", ev.Seq, ev.Seq-1)
		}
		if ev.Hash != eventHash(ev) {
			t.Fatalf("event %d: stored hash does not match its content", ev.Seq)
		}
		prev = ev.Hash
	}
}

func testAuditChain(t *testing.T, s store.Store) {
	if evs := mustListAudit(t, s, 0, 10); len(evs) != 0 {
		t.Fatalf("new store has %d audit events", len(evs))
	}
	var appended []store.AuditEvent
	for i := range 3 {
		appended = append(appended, mustAppend(t, s, link("ev"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Microsecond))))
	}
	evs := mustListAudit(t, s, 0, 10)
	checkChain(t, evs, 3)
	for i := range evs {
		if evs[i] != appended[i] {
			t.Errorf("event %d:\n listed   %+v\nappended %+v", i+1, evs[i], appended[i])
		}
	}
	if got := mustListAudit(t, s, 1, 1); len(got) != 1 || got[0] != evs[1] {
		t.Errorf("ListAudit(after 1, limit 1) = %+v, want event 2", got)
	}
	if got := mustListAudit(t, s, 3, 10); len(got) != 0 {
		t.Errorf("ListAudit past the head = %+v", got)
	}
}

func testAuditRejectsBadLink(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := mustAppend(t, s, link("first", t0))
	for _, tc := range []struct {
		name  string
		spoil func(*store.AuditEvent)
	}{
		{"seq skips one", func(ev *store.AuditEvent) { ev.Seq++ }},
		{"seq repeats the head", func(ev *store.AuditEvent) { ev.Seq-- }},
		{"wrong previous hash", func(ev *store.AuditEvent) { ev.PrevHash = "deadbeef" }},
		{"empty previous hash", func(ev *store.AuditEvent) { ev.PrevHash = "" }},
		{"no hash", func(ev *store.AuditEvent) { ev.Hash = "" }},
	} {
		_, err := s.AppendAudit(ctx, func(h store.AuditHead) (store.AuditEvent, error) {
			ev, err := link("bad", t0)(h)
			tc.spoil(&ev)
			return ev, err
		})
		if err == nil {
			t.Errorf("%s: AppendAudit accepted the event", tc.name)
		}
	}
	_, err := s.AppendAudit(ctx, func(store.AuditHead) (store.AuditEvent, error) { return store.AuditEvent{}, errBoom })
	if !errors.Is(err, errBoom) {
		t.Errorf("AppendAudit with a failing build: err = %v, want build's error", err)
	}

	// The head did not move: the next good event is number 2.
	second := mustAppend(t, s, link("second", t0))
	if second.Seq != 2 || second.PrevHash != first.Hash {
		t.Errorf("after rejected appends, next event is %d linking %q", second.Seq, second.PrevHash)
	}
	checkChain(t, mustListAudit(t, s, 0, 10), 2)
}

func testAuditConcurrentAppends(t *testing.T, s store.Store) {
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				at := time.Now().Truncate(time.Microsecond)
				if _, err := s.AppendAudit(context.Background(), link(id, at)); err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkChain(t, mustListAudit(t, s, 0, 1000), writers*each)
}

func testInTxRollsBack(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.InTx(ctx, func(tx store.Tx) error {
		mustUpsert(t, tx, fullPerson())
		mustAddOutbox(t, tx, msg("m1", t0))
		mustAppend(t, tx, link("ev1", t0))
		// The transaction sees its own writes.
		if n := mustCount(t, tx); n != 1 {
			t.Errorf("inside the tx: CountPeople = %d, want 1", n)
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want fn's error", err)
	}
	checkEmpty(t, s)
}

func testInTxRollsBackOnPanic(t *testing.T, s store.Store) {
	ctx := context.Background()
	func() {
		defer func() {
			if r := recover(); r != errBoom {
				t.Fatalf("recovered %v, want the panic to reach the caller", r)
			}
		}()
		_ = s.InTx(ctx, func(tx store.Tx) error {
			mustUpsert(t, tx, fullPerson())
			mustAppend(t, tx, link("ev1", t0))
			panic(errBoom)
		})
	}()
	checkEmpty(t, s)
	// The connection the panic interrupted is usable again: a leaked
	// transaction would block the next writer.
	mustAppend(t, s, link("ev1", t0))
	checkChain(t, mustListAudit(t, s, 0, 10), 1)
}

func checkEmpty(t *testing.T, s store.Store) {
	t.Helper()
	if n := mustCount(t, s); n != 0 {
		t.Errorf("after rollback: CountPeople = %d", n)
	}
	if ms := mustListOutbox(t, s, store.OutboxFilter{}); len(ms) != 0 {
		t.Errorf("after rollback: outbox holds %v", ids(ms))
	}
	if evs := mustListAudit(t, s, 0, 10); len(evs) != 0 {
		t.Errorf("after rollback: %d audit events", len(evs))
	}
}

func testInTxCommits(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := fullPerson()
	var ev store.AuditEvent
	err := s.InTx(ctx, func(tx store.Tx) error {
		mustUpsert(t, tx, p)
		if got := mustGet(t, tx, p.ID); got != p {
			t.Errorf("inside the tx: GetPerson = %+v", got)
		}
		mustAddOutbox(t, tx, msg("m1", t0))
		if got := mustListOutbox(t, tx, store.OutboxFilter{}); !sameIDs(got, "m1") {
			t.Errorf("inside the tx: outbox = %v", ids(got))
		}
		mustAppend(t, tx, link("ev1", t0))
		ev = mustAppend(t, tx, link("ev2", t0))
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if got := mustGet(t, s, p.ID); got != p {
		t.Errorf("after commit: GetPerson = %+v", got)
	}
	if got := mustListOutbox(t, s, store.OutboxFilter{}); !sameIDs(got, "m1") {
		t.Errorf("after commit: outbox = %v", ids(got))
	}
	evs := mustListAudit(t, s, 0, 10)
	checkChain(t, evs, 2)
	if evs[1] != ev {
		t.Errorf("after commit: event 2 = %+v, want %+v", evs[1], ev)
	}
}

func testTimeRoundTripMicroseconds(t *testing.T, s store.Store) {
	now := time.Now()
	for i, tc := range []struct {
		in, want time.Time
	}{
		{time.Date(2025, 3, 30, 1, 59, 59, 999999000, madrid), time.Date(2025, 3, 30, 0, 59, 59, 999999000, time.UTC)},
		{time.Date(2024, 10, 27, 12, 30, 0, 1000, madrid), time.Date(2024, 10, 27, 11, 30, 0, 1000, time.UTC)},
		// Below the microsecond is cut, not rounded, by every backend.
		{time.Date(2030, 1, 1, 0, 0, 0, 999999999, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 999999000, time.UTC)},
		// Before 1970: negative unix time.
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{time.Time{}, time.Time{}},
		// Monotonic clock reading and local zone: both must go.
		{now, now.Truncate(time.Microsecond).UTC()},
	} {
		id := "T" + strconv.Itoa(i)

		p := bare(id)
		p.UpdatedAt = tc.in
		mustUpsert(t, s, p)
		if got := mustGet(t, s, id).UpdatedAt; got != tc.want {
			t.Errorf("Person.UpdatedAt %v came back %v, want %v", tc.in, got, tc.want)
		}

		mustAddOutbox(t, s, msg(id, tc.in))
		if got := mustListOutbox(t, s, store.OutboxFilter{Limit: 1000}); len(got) == 0 || !hasTime(got, id, tc.want) {
			t.Errorf("Message.CreatedAt %v did not come back as %v", tc.in, tc.want)
		}

		// An audit event is hashed as built: a time the store could not
		// keep exactly is refused, not cut.
		if !tc.in.Equal(tc.want) {
			if _, err := s.AppendAudit(context.Background(), link(id, tc.in)); err == nil {
				t.Errorf("AppendAudit accepted time %v, finer than a microsecond", tc.in)
			}
			continue
		}
		ev := mustAppend(t, s, link(id, tc.in))
		if ev.Time != tc.want {
			t.Errorf("AppendAudit returned time %v, want %v", ev.Time, tc.want)
		}
		if got := mustListAudit(t, s, ev.Seq-1, 1); len(got) != 1 || got[0].Time != tc.want {
			t.Errorf("AuditEvent.Time %v did not come back as %v: %+v", tc.in, tc.want, got)
		}
		if got := mustListAudit(t, s, ev.Seq-1, 1); len(got) == 1 && got[0].Hash != eventHash(got[0]) {
			t.Errorf("AuditEvent at %v: hash no longer matches the stored content", tc.in)
		}
	}

	// Dates are calendar days: the day the time names in its own zone, at
	// UTC midnight.
	p := bare("D1")
	p.BirthDate = time.Date(1980, 1, 2, 0, 0, 0, 0, madrid) // 1980-01-01T23:00Z
	p.DocumentExpiry = time.Date(2030, 6, 30, 23, 59, 59, 0, time.UTC)
	mustUpsert(t, s, p)
	got := mustGet(t, s, "D1")
	if want := time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC); got.BirthDate != want {
		t.Errorf("BirthDate came back %v, want %v", got.BirthDate, want)
	}
	if want := time.Date(2030, 6, 30, 0, 0, 0, 0, time.UTC); got.DocumentExpiry != want {
		t.Errorf("DocumentExpiry came back %v, want %v", got.DocumentExpiry, want)
	}
}

func hasTime(ms []store.Message, id string, want time.Time) bool {
	for _, m := range ms {
		if m.ID == id {
			return m.CreatedAt == want
		}
	}
	return false
}

func testPingAndDialect(t *testing.T, s store.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q", d)
	}
}
