package storetest

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

func reminder(subject, kind string, threshold int, person string, sent time.Duration) store.Reminder {
	return store.Reminder{
		Subject: subject, Kind: kind, Threshold: threshold, PersonID: person,
		Lang: "es", Title: "Tu certificado caduca", Body: "Renuévalo: «llavero cert renew».",
		Deadline: at(90 * 24 * time.Hour), SentAt: at(sent),
	}
}

func normReminder(r store.Reminder) store.Reminder {
	r.Deadline, r.SentAt = want(r.Deadline), want(r.SentAt)
	return r
}

// testReminderOnce: the key (subject, kind, threshold) is taken once;
// another threshold or kind of the same subject is another reminder; a
// person's list is newest first and round-trips every field.
func testReminderOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := reminder("0a", store.ReminderCertExpiry, 60, "A", 0)
	if err := s.CreateReminder(ctx, first); err != nil {
		t.Fatal(err)
	}
	again := reminder("0a", store.ReminderCertExpiry, 60, "A", time.Hour)
	again.Title = "other"
	if err := s.CreateReminder(ctx, again); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same key again: err = %v, want ErrConflict", err)
	}
	later := reminder("0a", store.ReminderCertExpiry, 30, "A", 2*time.Hour)
	letter := reminder("0a", store.ReminderLetterCode, 60, "A", time.Hour)
	other := reminder("0b", store.ReminderCertExpiry, 60, "B", 3*time.Hour)
	for _, r := range []store.Reminder{later, letter, other} {
		if err := s.CreateReminder(ctx, r); err != nil {
			t.Fatalf("CreateReminder(%s %s %d): %v", r.Subject, r.Kind, r.Threshold, err)
		}
	}
	got, err := s.ListReminders(ctx, "A", 0)
	wantList := []store.Reminder{normReminder(later), normReminder(letter), normReminder(first)}
	if err != nil || !reflect.DeepEqual(got, wantList) {
		t.Fatalf("ListReminders(A):\n got %#v, %v\nwant %#v", got, err, wantList)
	}
	if got, err := s.ListReminders(ctx, "A", 1); err != nil || len(got) != 1 || got[0].Threshold != 30 {
		t.Errorf("limit 1: %+v, %v", got, err)
	}
	if got, err := s.ListReminders(ctx, "nobody", 0); err != nil || len(got) != 0 {
		t.Errorf("unknown person: %+v, %v", got, err)
	}
	for name, bad := range map[string]store.Reminder{
		"no subject":   reminder("", store.ReminderCertExpiry, 7, "A", 0),
		"no person":    reminder("0c", store.ReminderCertExpiry, 7, "", 0),
		"unknown kind": reminder("0c", "birthday", 7, "A", 0),
		"negative":     reminder("0c", store.ReminderCertExpiry, -1, "A", 0),
		"no time": func() store.Reminder {
			r := reminder("0c", store.ReminderCertExpiry, 7, "A", 0)
			r.SentAt = time.Time{}
			return r
		}(),
	} {
		if err := s.CreateReminder(ctx, bad); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: err = %v, want a plain error", name, err)
		}
	}
}

// testReminderConflictInTx: a taken key inside a transaction is
// ErrConflict and leaves the transaction usable (PostgreSQL aborts a
// transaction on a failed statement).
func testReminderConflictInTx(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateReminder(ctx, reminder("0a", store.ReminderCertExpiry, 7, "A", 0)); err != nil {
		t.Fatal(err)
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateReminder(ctx, reminder("0a", store.ReminderCertExpiry, 7, "A", time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("taken key in a transaction: err = %v, want ErrConflict", err)
		}
		return tx.CreateReminder(ctx, reminder("0a", store.ReminderCertExpiry, 1, "A", time.Hour))
	})
	if err != nil {
		t.Fatalf("the transaction after ErrConflict: %v", err)
	}
	if got, err := s.ListReminders(ctx, "A", 0); err != nil || len(got) != 2 {
		t.Fatalf("after the transaction: %d reminders, %v; want 2", len(got), err)
	}
}

// testReminderClaimRace is what makes a reminder go out once on several
// nodes: many transactions claim the same key and record a message; exactly
// one commits, and exactly one message is kept.
func testReminderClaimRace(t *testing.T, s store.Store) { ReminderClaimAcross(t, s) }

// ReminderClaimAcross runs the claim race over nodes, stores sharing one
// database (the PostgreSQL suite passes several pools).
func ReminderClaimAcross(t *testing.T, nodes ...store.Store) {
	ctx := context.Background()
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := nodes[i%len(nodes)].InTx(ctx, func(tx store.Tx) error {
				if err := tx.CreateReminder(ctx, reminder("race", store.ReminderCertExpiry, 7, "A", 0)); err != nil {
					return err
				}
				return tx.AddOutbox(ctx, msg("race-"+strconv.Itoa(i), at(0)))
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrConflict):
				lost++
			default:
				t.Errorf("claim %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != n-1 {
		t.Fatalf("%d claims won and %d lost, want 1 and %d", won, lost, n-1)
	}
	ms, err := nodes[0].ListOutbox(ctx, store.OutboxFilter{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("outbox holds %d messages (%v), want 1", len(ms), err)
	}
}

// testCertificatesToRemind: only live citizens' certificates in the
// window, without a reminder of that kind and threshold, soonest first,
// without their DER.
func testCertificatesToRemind(t *testing.T, s store.Store) {
	ctx := context.Background()
	day := 24 * time.Hour
	cert := func(serial, kind string, expiresIn time.Duration) store.Certificate {
		return store.Certificate{Serial: serial, Kind: kind, PersonID: "A", DER: der(1, 64),
			NotBefore: at(-day), NotAfter: at(expiresIn), CreatedAt: at(-day)}
	}
	revoked := cert("05", store.CertPerson, 20*day)
	revoked.RevokedAt, revoked.RevocationReason = at(0), 1
	renewed := cert("06", store.CertPerson, 20*day)
	renewed.RenewedBy = "99"
	for _, c := range []store.Certificate{
		cert("01", store.CertPerson, 25*day),
		cert("02", store.CertPerson, 10*day),
		cert("03", store.CertPerson, 40*day), // outside the window
		cert("04", store.CertPerson, -day),   // expired
		revoked, renewed,
		cert("07", store.CertOperator, 20*day),
		cert("08", store.CertPerson, 30*day), // the window's closed end
		cert("09", store.CertPerson, 15*day), // already reminded
		cert("0a", store.CertPerson, 7*day),  // reminded, but for another threshold
	} {
		mustCreateCertificate(t, s, c)
	}
	for _, r := range []store.Reminder{
		reminder("09", store.ReminderCertExpiry, 30, "A", 0),
		reminder("0a", store.ReminderCertExpiry, 60, "A", 0),
	} {
		if err := s.CreateReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(789) // at(0), in another zone
	got, err := s.CertificatesToRemind(ctx, store.ReminderCertExpiry, 30, now, now.Add(30*day), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0a", "02", "01", "08"}; !reflect.DeepEqual(serials(got), want) {
		t.Fatalf("due = %v, want %v", serials(got), want)
	}
	if got[0].DER != nil || got[0].PersonID != "A" || !got[0].NotAfter.Equal(want(at(7*day))) {
		t.Errorf("first due = %+v", got[0])
	}
	if got, err := s.CertificatesToRemind(ctx, store.ReminderCertExpiry, 30, now, now.Add(30*day), 2); err != nil || len(got) != 2 {
		t.Errorf("limit 2: %v, %v", serials(got), err)
	}
}

// testLetterCodesToRemind: only unused letter codes in the window, of
// people without an account, without that reminder yet, soonest first.
func testLetterCodesToRemind(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 3) // P0 and P1 without an account, P2 with one
	mustCreateAccount(t, s, bareAccount(ids[2], ""))
	day := 24 * time.Hour
	code := func(id, person, purpose string, expiresIn time.Duration, used bool) store.OneTimeCode {
		c := fullCode(id, person, purpose, at(-20*day))
		c.Channel, c.ExpiresAt, c.UsedAt = "letter", at(expiresIn), time.Time{}
		if used {
			c.UsedAt = at(-day)
		}
		return c
	}
	for _, c := range []store.OneTimeCode{
		code("c1", ids[0], store.CodeLetter, 6*day, false),
		code("c2", ids[1], store.CodeLetter, 2*day, false),
		code("c3", ids[0], store.CodeLetter, 3*day, true),  // used
		code("c4", ids[2], store.CodeLetter, 3*day, false), // has an account
		code("c5", ids[0], store.CodePIN, 3*day, false),    // not a letter
		code("c6", ids[1], store.CodeLetter, 9*day, false), // outside the window
		code("c7", ids[1], store.CodeLetter, -day, false),  // lapsed
		code("c8", ids[1], store.CodeLetter, 4*day, false), // already reminded
	} {
		mustCreateCode(t, s, c)
	}
	if err := s.CreateReminder(ctx, reminder("c8", store.ReminderLetterCode, 7, ids[1], 0)); err != nil {
		t.Fatal(err)
	}
	now := at(0)
	got, err := s.LetterCodesToRemind(ctx, store.ReminderLetterCode, 7, now, now.Add(7*day), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c2", "c1"}; !reflect.DeepEqual(codeIDs(got), want) {
		t.Fatalf("due = %v, want %v", codeIDs(got), want)
	}
	if want := normCode(code("c2", ids[1], store.CodeLetter, 2*day, false)); !reflect.DeepEqual(got[0], want) {
		t.Errorf("due code:\n got %#v\nwant %#v", got[0], want)
	}
}

// testCertificatesWithoutBackup: only live citizens' certificates whose
// application was downloaded in the window, with no confirmed backup and
// no backup reminder yet (at any threshold), earliest download first.
func testCertificatesWithoutBackup(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	day := 24 * time.Hour
	// each certificate comes from its own application, downloaded at
	// downloaded (zero: never).
	n := 0
	mk := func(serial, kind string, downloaded time.Duration, never bool, edit func(*store.Certificate)) {
		n++
		app := bareApplication("a"+serial, ids[0])
		app.State, app.CertSerial = store.AppDownloaded, serial
		if never {
			app.State = store.AppApproved
		} else {
			app.DownloadedAt = at(downloaded)
		}
		mustCreateApplication(t, s, app)
		c := store.Certificate{Serial: serial, Kind: kind, PersonID: ids[0], ApplicationID: app.ID, DER: der(1, 64),
			NotBefore: at(-10 * day), NotAfter: at(700 * day), CreatedAt: at(-10 * day)}
		if edit != nil {
			edit(&c)
		}
		mustCreateCertificate(t, s, c)
	}
	mk("01", store.CertPerson, -4*day, false, nil)
	mk("02", store.CertPerson, -5*day, false, nil)
	mk("03", store.CertPerson, -3*day, false, nil)  // the window's closed end
	mk("04", store.CertPerson, -day, false, nil)    // too recent
	mk("05", store.CertPerson, -40*day, false, nil) // too old
	mk("06", store.CertPerson, 0, true, nil)        // never downloaded
	mk("07", store.CertPerson, -4*day, false, func(c *store.Certificate) { c.BackupConfirmedAt = at(-2 * day) })
	mk("08", store.CertPerson, -4*day, false, func(c *store.Certificate) { c.RevokedAt, c.RevocationReason = at(-day), 1 })
	mk("09", store.CertPerson, -4*day, false, func(c *store.Certificate) { c.RenewedBy = "99" })
	mk("0a", store.CertPerson, -4*day, false, func(c *store.Certificate) { c.NotAfter = at(-time.Hour) }) // expired
	mk("0b", store.CertOperator, -4*day, false, nil)
	mk("0c", store.CertPerson, -4*day, false, nil) // reminded, at another threshold
	mk("0d", store.CertPerson, -6*day, false, nil) // reminded of something else
	for _, r := range []store.Reminder{
		reminder("0c", store.ReminderCertBackup, 5, ids[0], 0),
		reminder("0d", store.ReminderCertExpiry, 3, ids[0], 0),
	} {
		if err := s.CreateReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(789) // at(0), in another zone
	got, err := s.CertificatesWithoutBackup(ctx, store.ReminderCertBackup, now.Add(-33*day), now.Add(-3*day), now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0d", "02", "01", "03"}; !reflect.DeepEqual(serials(got), want) {
		t.Fatalf("due = %v, want %v", serials(got), want)
	}
	if got[1].DER != nil || got[1].PersonID != ids[0] || got[1].ApplicationID != "a02" || !got[1].NotAfter.Equal(want(at(700*day))) {
		t.Errorf("due certificate = %+v", got[1])
	}
	if got, err := s.CertificatesWithoutBackup(ctx, store.ReminderCertBackup, now.Add(-33*day), now.Add(-3*day), now, 2); err != nil || len(got) != 2 {
		t.Errorf("limit 2: %v, %v", serials(got), err)
	}
}

// testVideoRefusalsToRemind: refused reviews decided in the window, of
// people still basic who have neither tried again nor applied for a
// certificate since, and not yet reminded, earliest decision first.
func testVideoRefusalsToRemind(t *testing.T, s store.Store) {
	ctx := context.Background()
	day := 24 * time.Hour
	ids := people(t, s, 9)
	for i, id := range ids {
		a := bareAccount(id, "")
		a.Level = store.LevelBasic
		if i == 3 {
			a.Level = store.LevelAdvanced
		}
		if i != 4 {
			mustCreateAccount(t, s, a)
		}
	}
	refused := func(id, person string, decided time.Duration) store.VideoReview {
		v := review(id, person, store.ReviewRefused, at(decided-day))
		v.SubmittedAt, v.DecidedAt, v.OperatorID, v.RefusalReason = at(decided-day+time.Hour), at(decided), "op-1", "face.mismatch"
		return v
	}
	for _, v := range []store.VideoReview{
		refused("v0", ids[0], -8*day),
		refused("v1", ids[1], -10*day),
		refused("v2", ids[2], -2*day), // too recent
		refused("v3", ids[3], -8*day), // advanced since
		refused("v4", ids[4], -8*day), // no account
		refused("v5", ids[5], -8*day), // tried again since
		review("v5b", ids[5], store.ReviewDraft, at(-6*day)),
		refused("v6", ids[6], -9*day),  // applied for a certificate since
		refused("v7", ids[7], -9*day),  // reminded
		refused("v8", ids[8], -40*day), // too old
		func() store.VideoReview { v := refused("v9", ids[8], -9*day); v.State = store.ReviewApproved; return v }(),
	} {
		mustCreateVideoReview(t, s, v)
	}
	app := bareApplication("a6", ids[6])
	app.CreatedAt, app.ExpiresAt = at(-5*day), at(25*day)
	mustCreateApplication(t, s, app)
	cancelled := bareApplication("a1", ids[1]) // a cancelled one is no way forward
	cancelled.State, cancelled.CreatedAt = store.AppCancelled, at(-5*day)
	mustCreateApplication(t, s, cancelled)
	if err := s.CreateReminder(ctx, reminder("v7", store.ReminderVideoRefused, 3, ids[7], 0)); err != nil {
		t.Fatal(err)
	}
	now := at(0)
	got, err := s.VideoRefusalsToRemind(ctx, store.ReminderVideoRefused, now.Add(-37*day), now.Add(-7*day), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"v1", "v0"}; !reflect.DeepEqual(reviewIDs(got), want) {
		t.Fatalf("due = %v, want %v", reviewIDs(got), want)
	}
	if w := normReview(refused("v0", ids[0], -8*day)); !reflect.DeepEqual(got[1], w) {
		t.Errorf("due review:\n got %#v\nwant %#v", got[1], w)
	}
}

// testNewReminderKinds: every kind is accepted, an unknown one refused.
func testNewReminderKinds(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, k := range store.ReminderKinds {
		if err := s.CreateReminder(ctx, reminder("k-"+k, k, 0, "A", 0)); err != nil {
			t.Errorf("kind %s: %v", k, err)
		}
	}
	if err := s.CreateReminder(ctx, reminder("k", "cert-lost", 0, "A", 0)); err == nil {
		t.Error("an unknown kind was accepted")
	}
	got, err := s.ListReminders(ctx, "A", 0)
	if err != nil || len(got) != len(store.ReminderKinds) {
		t.Errorf("listed %d (%v), want %d", len(got), err, len(store.ReminderKinds))
	}
}

// testProcedureNames: a procedure's English name round-trips, an empty one
// stays empty, and NameFor falls back to the Spanish name.
func testProcedureNames(t *testing.T, s store.Store) {
	c := fullClient("names")
	c.Procedures = append(c.Procedures, store.Procedure{ID: "tax-return", Name: "Declaración de la renta", ACR: "substantial"})
	last := len(c.Procedures) - 1 // the one without an English name
	mustCreateClient(t, s, c)
	got, err := s.GetClient(context.Background(), "names")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		i        int
		lang     string
		wantName string
	}{
		{0, "en", "Points balance"},
		{0, "es", "Consulta de puntos"},
		{1, "en", "Change of owner «urgent» ñ"},
		{last, "en", "Declaración de la renta"},
		{last, "es", "Declaración de la renta"},
	} {
		if n := got.Procedures[tc.i].NameFor(tc.lang); n != tc.wantName {
			t.Errorf("procedure %d in %s = %q, want %q", tc.i, tc.lang, n, tc.wantName)
		}
	}
	if got.Procedures[last].NameEN != "" {
		t.Errorf("an empty English name came back as %q", got.Procedures[last].NameEN)
	}
}
