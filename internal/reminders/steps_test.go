package reminders

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/store"
)

// downloaded issues person a certificate from an application made with
// email and lang and downloaded at when.
func (e *env) downloaded(t testing.TB, serial, person, email, lang string, when time.Time) {
	t.Helper()
	ctx := context.Background()
	app := store.Application{ID: "app-" + serial, CodeHash: "hash-" + serial, PersonID: person, Email: email, Lang: lang,
		PublicKey: []byte{1}, KeyFingerprint: "fp-" + serial, State: store.AppDownloaded, CreatedAt: when.Add(-10 * day),
		ExpiresAt: when.Add(20 * day), CertSerial: serial, DownloadedAt: when}
	if err := e.st.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	c := store.Certificate{Serial: serial, Kind: store.CertPerson, PersonID: person, ApplicationID: app.ID, DER: []byte{0x30},
		NotBefore: when.Add(-time.Hour), NotAfter: when.Add(4 * 365 * day), CreatedAt: when.Add(-time.Hour)}
	if err := e.st.CreateCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
}

// TestBackupReminder: a certificate downloaded 3 days ago with no
// confirmed backup gets one reminder, in the application's language,
// saying why and how; a confirmed backup, a revoked certificate and a
// download long past get none; a restart sends nothing again.
func TestBackupReminder(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	for _, id := range []string{"12345678Z", "X1234567L", "Y1234567X", "Z1234567R"} {
		e.person(t, id, "")
	}
	e.downloaded(t, "0b01", "12345678Z", "ana@example.org", "en", t0)
	e.downloaded(t, "0b02", "X1234567L", "olena@example.org", "es", t0) // backed up
	e.downloaded(t, "0b03", "Y1234567X", "yves@example.org", "es", t0)  // revoked
	e.downloaded(t, "0b04", "Z1234567R", "zoe@example.org", "es", t0.Add(-60*day))
	if _, err := e.st.UpdateCertificate(ctx, "0b02", func(c *store.Certificate) error { c.BackupConfirmedAt = t0.Add(day); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateCertificate(ctx, "0b03", func(c *store.Certificate) error { c.RevokedAt, c.RevocationReason = t0.Add(day), 1; return nil }); err != nil {
		t.Fatal(err)
	}

	e.clk.set(t0.Add(3*day - time.Minute))
	e.mustSweep(t, 0)
	e.clk.set(t0.Add(3*day + time.Hour))
	e.mustSweep(t, 1)
	e.mustSweep(t, 0)
	if n, err := e.sweeper(e.st).Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("after a restart: %d sent, %v", n, err)
	}
	e.clk.set(t0.Add(20 * day))
	e.mustSweep(t, 0) // once per certificate

	rs := e.reminders(t, "12345678Z")
	if len(rs) != 1 {
		t.Fatalf("notices = %+v", rs)
	}
	r := rs[0]
	if r.Kind != store.ReminderCertBackup || r.Subject != "0b01" || r.Threshold != 3 || r.Lang != "en" {
		t.Errorf("reminder = %+v", r)
	}
	for _, s := range []string{"0b01", t0.Format("2006-01-02"), "llavero cert backup --server https://llavero.example --p12", "--copy-to", "USB stick", "visit a registration office",
		"passphrase apart", "https://llavero.example/account"} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, r.Body)
		}
	}
	sent := e.mail.all()
	if len(sent) != 1 || sent[0].To != "ana@example.org" || sent[0].Subject != r.Title || sent[0].Lang != i18n.EN {
		t.Errorf("sent = %+v", sent)
	}
	for _, id := range []string{"X1234567L", "Y1234567X", "Z1234567R"} {
		if rs := e.reminders(t, id); len(rs) != 0 {
			t.Errorf("%s was reminded: %+v", id, rs)
		}
	}
}

// TestBackupReminderDelay: the delay is a setting.
func TestBackupReminderDelay(t *testing.T) {
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	e.sweep = New(e.st, e.n, Config{BackupAfter: 10 * day}, e.clk.now, nil)
	e.person(t, "12345678Z", "")
	e.downloaded(t, "0b01", "12345678Z", "ana@example.org", "es", t0)
	e.clk.set(t0.Add(9 * day))
	e.mustSweep(t, 0)
	e.clk.set(t0.Add(10*day + time.Hour))
	e.mustSweep(t, 1)
	if rs := e.reminders(t, "12345678Z"); len(rs) != 1 || rs[0].Threshold != 10 || !strings.Contains(rs[0].Body, "llavero cert backup") {
		t.Errorf("notices = %+v", rs)
	}
}

// TestVideoRefusedReminder: a person whose video identification was
// refused and who took no way forward in 7 days is reminded once, in the
// account's language, with the reason, the note and the three ways
// forward; one who tried again, or is advanced now, is not.
func TestVideoRefusedReminder(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	account := func(id, level, email, lang string) {
		e.person(t, id, "")
		if err := e.st.CreateAccount(ctx, store.Account{PersonID: id, Level: level, RegisteredVia: store.ViaVideo, Mobile: "+3460000" + id[:4],
			Email: email, Lang: lang, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(id, person, reason string) {
		if err := e.st.CreateVideoReview(ctx, store.VideoReview{ID: id, PersonID: person, State: store.ReviewRefused, CreatedAt: t0.Add(-day),
			SubmittedAt: t0.Add(-day), DecidedAt: t0, OperatorID: "op", RefusalReason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	account("12345678Z", store.LevelBasic, "ana@example.org", "en")
	account("X1234567L", store.LevelBasic, "olena@example.org", "es")
	account("Y1234567X", store.LevelAdvanced, "yves@example.org", "es")
	refused("v1", "12345678Z", idp.VideoOther+": the photo of the back was cut off")
	refused("v2", "X1234567L", idp.VideoFaceMismatch)
	refused("v3", "Y1234567X", idp.VideoFaceMismatch)
	// Olena tried again.
	if err := e.st.CreateVideoReview(ctx, store.VideoReview{ID: "v2b", PersonID: "X1234567L", State: store.ReviewDraft, CreatedAt: t0.Add(2 * day)}); err != nil {
		t.Fatal(err)
	}

	e.clk.set(t0.Add(7*day - time.Minute))
	e.mustSweep(t, 0)
	e.clk.set(t0.Add(7*day + time.Hour))
	e.mustSweep(t, 1)
	e.mustSweep(t, 0)
	e.clk.set(t0.Add(15 * day))
	e.mustSweep(t, 0)

	rs := e.reminders(t, "12345678Z")
	if len(rs) != 1 {
		t.Fatalf("notices = %+v", rs)
	}
	r := rs[0]
	if r.Kind != store.ReminderVideoRefused || r.Subject != "v1" || r.Threshold != 7 || r.Lang != "en" {
		t.Errorf("reminder = %+v", r)
	}
	for _, s := range []string{"could not approve", "the photo of the back was cut off", "https://llavero.example/account/video",
		"https://llavero.example/offices", "llavero cert request", "basic level"} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, r.Body)
		}
	}
	for _, id := range []string{"X1234567L", "Y1234567X"} {
		if rs := e.reminders(t, id); len(rs) != 0 {
			t.Errorf("%s was reminded: %+v", id, rs)
		}
	}
}

// TestVideoRefusedReminderSpanish: the Spanish text carries the reason's
// Spanish words.
func TestVideoRefusedReminderSpanish(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	e.person(t, "12345678Z", "")
	if err := e.st.CreateAccount(ctx, store.Account{PersonID: "12345678Z", Level: store.LevelBasic, RegisteredVia: store.ViaVideo,
		Email: "ana@example.org", Lang: "es", CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateVideoReview(ctx, store.VideoReview{ID: "v1", PersonID: "12345678Z", State: store.ReviewRefused, CreatedAt: t0,
		DecidedAt: t0, RefusalReason: idp.VideoDocumentUnreadable}); err != nil {
		t.Fatal(err)
	}
	e.clk.set(t0.Add(8 * day))
	e.mustSweep(t, 1)
	r := e.reminders(t, "12345678Z")[0]
	for _, s := range []string{"No se leían bien", "Tienes tres caminos", "oficina de registro"} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, r.Body)
		}
	}
}

// TestVideoRefusedReminderWithoutAccountEmail: an account without email
// (optional for video registration) is reminded at the registry's email,
// in the account's language.
func TestVideoRefusedReminderWithoutAccountEmail(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	e.person(t, "12345678Z", "ana.registry@example.org")
	if err := e.st.CreateAccount(ctx, store.Account{PersonID: "12345678Z", Level: store.LevelBasic, RegisteredVia: store.ViaVideo,
		Lang: "en", CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateVideoReview(ctx, store.VideoReview{ID: "v1", PersonID: "12345678Z", State: store.ReviewRefused, CreatedAt: t0,
		DecidedAt: t0, RefusalReason: idp.VideoMissing}); err != nil {
		t.Fatal(err)
	}
	e.clk.set(t0.Add(8 * day))
	e.mustSweep(t, 1)
	sent := e.mail.all()
	if len(sent) != 1 || sent[0].To != "ana.registry@example.org" || sent[0].Lang != i18n.EN || !strings.Contains(sent[0].Body, "three ways forward") {
		t.Errorf("sent = %+v", sent)
	}
}
