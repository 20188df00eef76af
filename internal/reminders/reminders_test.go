package reminders

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store/postgres/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/postgres"
	"github.com/llavero/llavero/internal/store/sqlite"
)

const day = 24 * time.Hour

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// mailer records what it sends and fails while err is set.
type mailer struct {
	mu   sync.Mutex
	sent []notify.Email
	err  error
}

func (m *mailer) SendEmail(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.sent = append(m.sent, e)
	return nil
}

func (m *mailer) all() []notify.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Email(nil), m.sent...)
}

func (m *mailer) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

type env struct {
	st    store.Store
	clk   *clock
	mail  *mailer
	n     *notify.Notifier
	sweep *Sweeper
}

func openSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	e := &env{st: st, clk: &clock{t: t0}, mail: &mailer{}}
	n, err := notify.New(notify.Config{Mailer: e.mail, Outbox: st, LetterDir: t.TempDir(), Clock: e.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	e.n = n
	e.sweep = e.sweeper(st)
	return e
}

// sweeper is another node's sweeper, on its own store handle, sending
// through the same mail server.
func (e *env) sweeper(st store.Store) *Sweeper {
	n, err := notify.New(notify.Config{Mailer: e.mail, Outbox: st, LetterDir: os.TempDir(), Clock: e.clk.now})
	if err != nil {
		panic(err)
	}
	return New(st, n, Config{PublicURL: "https://llavero.example/"}, e.clk.now, nil)
}

func (e *env) person(t testing.TB, id, email string) {
	t.Helper()
	p := store.Person{ID: id, GivenName: "Ana", FirstSurname: "García", BirthDate: time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC),
		Nationality: "ES", DocumentType: store.DocDNI, DocumentNumber: id, Address: "Calle Mayor 1", PostalCode: "28013",
		City: "Madrid", Province: "Madrid", Email: email}
	if err := e.st.UpsertPerson(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// cert issues a certificate to person from an application made with
// email and lang, expiring at notAfter.
func (e *env) cert(t testing.TB, serial, person, email, lang string, notAfter time.Time) {
	t.Helper()
	ctx := context.Background()
	app := store.Application{ID: "app-" + serial, CodeHash: "hash-" + serial, PersonID: person, Email: email, Lang: lang,
		PublicKey: []byte{1}, KeyFingerprint: "fp-" + serial, State: store.AppDownloaded, CreatedAt: t0.Add(-400 * day),
		ExpiresAt: t0.Add(-370 * day)}
	if err := e.st.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	c := store.Certificate{Serial: serial, Kind: store.CertPerson, PersonID: person, ApplicationID: app.ID, DER: []byte{0x30},
		NotBefore: notAfter.Add(-730 * day), NotAfter: notAfter, CreatedAt: t0.Add(-400 * day)}
	if err := e.st.CreateCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
}

func (e *env) mustSweep(t testing.TB, want int) {
	t.Helper()
	n, err := e.sweep.Sweep(context.Background())
	if err != nil || n != want {
		t.Fatalf("Sweep at %s = %d, %v; want %d", e.clk.now().Format(time.DateTime), n, err, want)
	}
}

func (e *env) reminders(t testing.TB, person string) []store.Reminder {
	t.Helper()
	rs, err := e.st.ListReminders(context.Background(), person, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestCertExpiry: a certificate's holder is reminded at 60, 30 and 7 days,
// once each, in the application's language, with the renew command and
// what happens after expiry; a restart (a new sweeper) sends nothing again.
func TestCertExpiry(t *testing.T) {
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	e.person(t, "12345678Z", "")
	expiry := t0.Add(90 * day)
	e.cert(t, "0a1b", "12345678Z", "ana@example.org", "en", expiry)

	e.mustSweep(t, 0) // 90 days left
	for _, tc := range []struct {
		at        time.Time
		threshold int
		days      string
	}{
		{expiry.Add(-60*day + time.Hour), 60, "in 60 day(s)"},
		{expiry.Add(-30 * day), 30, "in 30 day(s)"},
		{expiry.Add(-6*day - 12*time.Hour), 7, "in 7 day(s)"},
	} {
		e.clk.set(tc.at)
		e.mustSweep(t, 1)
		e.mustSweep(t, 0)
		if n, err := e.sweeper(e.st).Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("after a restart: %d sent, %v", n, err)
		}
		rs := e.reminders(t, "12345678Z")
		r := rs[0]
		if r.Threshold != tc.threshold || r.Kind != store.ReminderCertExpiry || r.Subject != "0a1b" || r.Lang != "en" || !r.SentAt.Equal(tc.at) {
			t.Errorf("latest reminder = %+v", r)
		}
		for _, s := range []string{tc.days, "llavero cert renew", "office", expiry.Format("2006-01-02"), "https://llavero.example/account"} {
			if !strings.Contains(r.Body, s) {
				t.Errorf("%d-day body lacks %q:\n%s", tc.threshold, s, r.Body)
			}
		}
		sent := e.mail.all()
		if last := sent[len(sent)-1]; last.To != "ana@example.org" || last.Subject != r.Title || last.Body != r.Body || last.Lang != i18n.EN {
			t.Errorf("email = %+v, reminder = %+v", last, r)
		}
	}
	e.clk.set(expiry.Add(time.Hour))
	e.mustSweep(t, 0)
	if got := len(e.reminders(t, "12345678Z")); got != 3 {
		t.Errorf("%d reminders kept, want 3", got)
	}
	ms, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "12345678Z"})
	if err != nil || len(ms) != 3 || len(e.mail.all()) != 3 {
		t.Errorf("outbox %d (%v), sent %d; want 3 and 3", len(ms), err, len(e.mail.all()))
	}
}

// TestCertExpiryBands: a certificate only gets the reminder of the band it
// is in, not the larger ones it missed; revoked and renewed ones get none;
// the account's email and language win over the application's.
func TestCertExpiryBands(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	e.person(t, "12345678Z", "")
	e.person(t, "X1234567L", "")
	e.cert(t, "01", "12345678Z", "ana@example.org", "en", t0.Add(20*day))
	e.cert(t, "02", "X1234567L", "old@example.org", "es", t0.Add(3*day))
	e.cert(t, "03", "X1234567L", "old@example.org", "es", t0.Add(10*day))
	e.cert(t, "04", "X1234567L", "old@example.org", "es", t0.Add(11*day))
	if _, err := e.st.UpdateCertificate(ctx, "03", func(c *store.Certificate) error { c.RevokedAt, c.RevocationReason = t0, 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.UpdateCertificate(ctx, "04", func(c *store.Certificate) error { c.RenewedBy = "05"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateAccount(ctx, store.Account{PersonID: "X1234567L", Level: store.LevelAdvanced, RegisteredVia: store.ViaCertificate,
		Email: "new@example.org", Lang: "en", CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	e.mustSweep(t, 2)
	if rs := e.reminders(t, "12345678Z"); len(rs) != 1 || rs[0].Threshold != 30 {
		t.Errorf("20 days left: %+v, want the 30-day reminder only", rs)
	}
	rs := e.reminders(t, "X1234567L")
	if len(rs) != 1 || rs[0].Threshold != 7 || rs[0].Subject != "02" || rs[0].Lang != "en" {
		t.Errorf("3 days left: %+v, want the 7-day reminder of 02 only, in English", rs)
	}
	for _, m := range e.mail.all() {
		if m.To == "old@example.org" {
			t.Errorf("sent to the application's address, not the account's: %+v", m)
		}
	}
}

// TestLetterCode: a person who asked for an invitation letter and has not
// registered is reminded 7 and 1 days before the code lapses, at the
// registry's email; a used code, a registered person or one without email
// gets nothing.
func TestLetterCode(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	code := func(id, person string, used bool) {
		c := store.OneTimeCode{ID: id, PersonID: person, Purpose: store.CodeLetter, CodeHash: "h" + id, Channel: "letter",
			Destination: "Madrid", CreatedAt: t0, ExpiresAt: t0.Add(30 * day)}
		if used {
			c.UsedAt = t0.Add(day)
		}
		if err := e.st.CreateCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.person(t, "12345678Z", "ana@example.org")
	e.person(t, "X1234567L", "") // no email
	e.person(t, "Y1234567X", "used@example.org")
	e.person(t, "Z1234567R", "registered@example.org")
	code("c1", "12345678Z", false)
	code("c2", "X1234567L", false)
	code("c3", "Y1234567X", true)
	code("c4", "Z1234567R", false)
	if err := e.st.CreateAccount(ctx, store.Account{PersonID: "Z1234567R", Level: store.LevelBasic, RegisteredVia: store.ViaOffice, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	e.clk.set(t0.Add(23*day + time.Hour))
	e.mustSweep(t, 1)
	e.mustSweep(t, 0)
	e.clk.set(t0.Add(29*day + 12*time.Hour))
	e.mustSweep(t, 1)
	e.mustSweep(t, 0)
	rs := e.reminders(t, "12345678Z")
	if len(rs) != 2 || rs[0].Threshold != 1 || rs[1].Threshold != 7 || rs[0].Kind != store.ReminderLetterCode || rs[0].Lang != "es" {
		t.Fatalf("reminders = %+v", rs)
	}
	for _, s := range []string{"1 día(s)", "https://llavero.example/account/register/letter", "pedir otra"} {
		if !strings.Contains(rs[0].Body, s) {
			t.Errorf("body lacks %q:\n%s", s, rs[0].Body)
		}
	}
	for _, m := range e.mail.all() {
		if m.To != "ana@example.org" {
			t.Errorf("reminder to %s", m.To)
		}
	}
}

// TestFailedEmailIsRetried: an email that fails leaves no claim and no
// record, so the next sweep sends it; three failures in a row end the
// sweep with an error.
func TestFailedEmailIsRetried(t *testing.T) {
	e := newEnv(t, openSQLite(t, filepath.Join(t.TempDir(), "db")))
	for i, id := range []string{"12345678Z", "X1234567L", "Y1234567X", "Z1234567R"} {
		e.person(t, id, "")
		e.cert(t, "0"+string(rune('a'+i)), id, id+"@example.org", "es", t0.Add(time.Duration(10+i)*day))
	}
	e.mail.fail(errors.New("connection refused"))
	if n, err := e.sweep.Sweep(context.Background()); err == nil || n != 0 {
		t.Fatalf("with the mail server down: %d sent, %v; want 0 and an error", n, err)
	}
	if rs := e.reminders(t, "12345678Z"); len(rs) != 0 {
		t.Fatalf("a failed email left a reminder: %+v", rs)
	}
	if ms, _ := e.st.ListOutbox(context.Background(), store.OutboxFilter{}); len(ms) != 0 {
		t.Fatalf("a failed email reached the outbox: %+v", ms)
	}
	e.mail.fail(nil)
	e.mustSweep(t, 4)
	e.mustSweep(t, 0)
}

// TestTwoNodesSendOnce: sweepers on two store handles (two nodes) sweep at
// the same time, again and again: every reminder leaves once.
func TestTwoNodesSendOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		twoNodes(t, openSQLite(t, path), openSQLite(t, path))
	})
	t.Run("postgres", func(t *testing.T) {
		u := postgresSchema(t)
		twoNodes(t, openPostgres(t, u), openPostgres(t, u))
	})
}

func twoNodes(t *testing.T, a, b store.Store) {
	e := newEnv(t, a)
	const n = 40
	for i := range n {
		id := SyntheticID(i)
		e.person(t, id, "")
		// Spread over the three bands.
		e.cert(t, hex.EncodeToString([]byte{byte(i), 1}), id, "p@example.org", "es", t0.Add(time.Duration(1+i*59/n)*day+time.Hour))
	}
	nodes := []*Sweeper{e.sweeper(a), e.sweeper(b), e.sweeper(a), e.sweeper(b)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, s := range nodes {
		wg.Go(func() {
			for range 3 {
				k, err := s.Sweep(context.Background())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += k
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if sent := len(e.mail.all()); sent != n || total != n {
		t.Fatalf("%d emails sent, sweeps counted %d; want %d", sent, total, n)
	}
	ms, err := a.ListOutbox(context.Background(), store.OutboxFilter{Limit: 1000})
	if err != nil || len(ms) != n {
		t.Fatalf("outbox holds %d (%v), want %d", len(ms), err, n)
	}
}

// SyntheticID is a valid-looking DNI for test person i.
func SyntheticID(i int) string {
	const letters = "TRWAGMYFPDXBNJZSQVHLCKE"
	num := 10000000 + i
	return itoa8(num) + string(letters[num%23])
}

func itoa8(n int) string {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("LLAVERO_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LLAVERO_TEST_POSTGRES_URL not set")
	}
	return pgtest.Schema(t, base)
}

func openPostgres(t testing.TB, u string) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
