package idp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

const people = `id,given_name,first_surname,second_surname,birth_date,nationality,document_type,document_number,document_expiry,support_number,address,postal_code,city,province,email,mobile
X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678
12345678Z,José,Muñoz,Pérez,1970-07-07,ES,DNI,12345678Z,2032-01-01,ABC123456,Calle Real 3,08001,Barcelona,Barcelona,,
Y0000001S,Ahmed,El Amrani,,1985-01-10,MA,TIE,Y0000001S,2026-01-31,E00000001,Calle Sol 2,41001,Sevilla,Sevilla,,
`

type env struct {
	t     *testing.T
	st    store.Store
	idp   *IdP
	ra    *ra.RA
	ca    *ca.CA
	clock *clock
	desk  ra.Desk
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "idp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := registry.Import(ctx, st, strings.NewReader(people), registry.ImportOptions{Now: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(notify.Config{Outbox: st, LetterDir: filepath.Join(dir, "letters"), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authority := catest.New(t)
	r := ra.New(st, authority, n, ra.Config{}, clk.Now, nil, log)
	// Cheap argon2 parameters: the tests check behaviour, the benchmarks cost.
	cfg := Config{CodeKey: []byte("0123456789abcdef0123456789abcdef"), AllowForeignPhones: true,
		Password: password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}}
	p, err := New(st, n, r, cfg, clk.Now, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, idp: p, ra: r, ca: authority, clock: clk}
	office, err := r.AddOffice(ctx, store.Office{Name: "Oficina Centro", Address: "Plaza Mayor 1", City: "Madrid", Handles: []string{"certificate", "account"}}, "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	opKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, cert, err := r.AddOperator(ctx, authority, office.ID, "Ana", opKey.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	if e.desk, err = r.DeskFor(ctx, cert); err != nil {
		t.Fatal(err)
	}
	return e
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := i18n.CodeOf(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	ie, _ := i18n.As(err)
	for _, l := range i18n.Langs {
		if ie.Message(l) == "" || ie.Hint(l) == "" {
			t.Fatalf("%s: empty text in %s", code, l)
		}
	}
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// lastSMS returns the code in the newest SMS to a person.
func (e *env) lastSMS(personID string) string {
	e.t.Helper()
	m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: store.KindSMS, Limit: 1})
	if err != nil || len(m) == 0 {
		e.t.Fatalf("no SMS for %s: %v", personID, err)
	}
	return sixDigits.FindString(m[0].Body)
}

// certificate runs a person through the certificate flow and returns the
// certificate they would present over TLS.
func (e *env) certificate(id, surname, docType, docNumber, expiry string) *x509.Certificate {
	e.t.Helper()
	return e.certificateWith(id, surname, ra.Check{DocumentType: docType, DocumentNumber: docNumber}, expiry)
}

// certificateWith issues a certificate after an office check chk (whose
// expiry is taken from expiry).
func (e *env) certificateWith(id, surname string, chk ra.Check, expiry string) *x509.Certificate {
	e.t.Helper()
	ctx := context.Background()
	key, _ := keystore.Generate(keystore.P256)
	csr, _ := keystore.CreateCSR(key, id, surname, "person@example.org")
	res, err := e.ra.Apply(ctx, ra.ApplyRequest{ID: id, Surname: surname, Email: "person@example.org", CSR: csr})
	if err != nil {
		e.t.Fatal(err)
	}
	chk.DocumentExpiry, _ = time.Parse(time.DateOnly, expiry)
	c, err := e.ra.Approve(ctx, e.desk, res.ApplicationID, chk)
	if err != nil {
		e.t.Fatal(err)
	}
	x, err := x509.ParseCertificate(c.DER)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

func TestRegisterWithCertificateIsAdvancedAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
	acc, err := e.idp.RegisterWithCertificate(ctx, cert, Contact{Mobile: "612 34 56 78", Email: "olena@example.org", Lang: i18n.EN})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaCertificate || acc.Mobile != "+34612345678" {
		t.Fatalf("account %+v", acc)
	}
	// The same mobile cannot go on a second identity.
	cert2 := e.certificate("12345678Z", "Muñoz", "DNI", "12345678Z", "2032-01-01")
	_, err = e.idp.RegisterWithCertificate(ctx, cert2, Contact{Mobile: "+34612345678"})
	wantCode(t, err, "account.phone_taken")
	// A revoked certificate registers nobody.
	if _, err := e.ra.Revoke(ctx, ra.SerialHex(cert2.SerialNumber), 1, "test"); err != nil {
		t.Fatal(err)
	}
	_, err = e.idp.RegisterWithCertificate(ctx, cert2, Contact{})
	wantCode(t, err, "renew.expired")
}

var letterCode = regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`)

func TestLetterRegistrationIsBasic(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sent, err := e.idp.RequestLetter(ctx, "12345678Z", i18n.ES)
	if err != nil {
		t.Fatal(err)
	}
	if sent.City != "Barcelona" {
		t.Fatalf("sent %+v", sent)
	}
	_, err = e.idp.RequestLetter(ctx, "12345678Z", i18n.ES)
	wantCode(t, err, "letter.pending")
	m, _ := e.st.ListOutbox(ctx, store.OutboxFilter{To: "12345678Z", Kind: store.KindLetter})
	if len(m) != 1 || m[0].Path == "" {
		t.Fatalf("letter outbox %+v", m)
	}
	code := letterCode.FindString(m[0].Body)
	if code == "" {
		t.Fatalf("no code in the letter: %q", m[0].Body)
	}
	_, err = e.idp.RegisterWithLetter(ctx, "12345678Z", "AAAA-BBBB-CCCC-DDDD", Contact{}, "")
	wantCode(t, err, "letter.code")
	acc, err := e.idp.RegisterWithLetter(ctx, "12345678z", strings.ToLower(code), Contact{Mobile: "699 000 111"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if acc.Level != store.LevelBasic || acc.RegisteredVia != store.ViaLetter {
		t.Fatalf("account %+v", acc)
	}
	_, err = e.idp.RegisterWithLetter(ctx, "12345678Z", code, Contact{}, "")
	wantCode(t, err, "letter.code")
	_, err = e.idp.RequestLetter(ctx, "12345678Z", i18n.ES)
	wantCode(t, err, "account.exists")
}

func TestRegisterAtOffice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	exp, _ := time.Parse(time.DateOnly, "2026-01-31")
	_, err := e.idp.RegisterAtOffice(ctx, e.desk, "Y0000001S", ra.Check{DocumentType: "TIE", DocumentNumber: "Y0000001S", DocumentExpiry: exp}, Contact{})
	wantCode(t, err, "document.expired")
	exp, _ = time.Parse(time.DateOnly, "2031-05-01")
	acc, err := e.idp.RegisterAtOffice(ctx, e.desk, "X1234567L", ra.Check{DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: exp}, Contact{Mobile: "+34612345678"})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaOffice {
		t.Fatalf("account %+v", acc)
	}
}

// basicAccount registers a person by letter with a mobile.
func (e *env) basicAccount(id, mobile string) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.idp.RequestLetter(ctx, id, i18n.ES); err != nil {
		e.t.Fatal(err)
	}
	m, _ := e.st.ListOutbox(ctx, store.OutboxFilter{To: id, Kind: store.KindLetter, Limit: 1})
	if _, err := e.idp.RegisterWithLetter(ctx, id, letterCode.FindString(m[0].Body), Contact{Mobile: mobile}, ""); err != nil {
		e.t.Fatal(err)
	}
}

func TestPINLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.basicAccount("X1234567L", "+34612345678")

	_, err := e.idp.StartPIN(ctx, "X1234567L", "E99999999", "", i18n.EN)
	wantCode(t, err, "pin.second_fact")
	sent, err := e.idp.StartPIN(ctx, "x-1234567-l", "e12345678", "", i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(sent.MaskedPhone, "78") || strings.Contains(sent.MaskedPhone, "612") {
		t.Fatalf("masked phone %q", sent.MaskedPhone)
	}
	pin := e.lastSMS("X1234567L")
	wrong := "000000"
	if pin == wrong {
		wrong = "111111"
	}
	_, err = e.idp.VerifyPIN(ctx, sent.CodeID, wrong)
	wantCode(t, err, "otp.wrong")
	a, err := e.idp.VerifyPIN(ctx, sent.CodeID, pin[:3]+" "+pin[3:])
	if err != nil {
		t.Fatal(err)
	}
	if a.ACR != "low" || a.PersonID != "X1234567L" {
		t.Fatalf("authenticated %+v (basic account: low)", a)
	}
	_, err = e.idp.VerifyPIN(ctx, sent.CodeID, pin)
	wantCode(t, err, "otp.used")

	// The expiry date works as the second fact too; the code lapses after
	// ten minutes.
	sent, err = e.idp.StartPIN(ctx, "X1234567L", "2031-05-01", "", i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	_, err = e.idp.VerifyPIN(ctx, sent.CodeID, e.lastSMS("X1234567L"))
	wantCode(t, err, "otp.expired")
}

func TestPINBruteForceLocksTheCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.basicAccount("X1234567L", "+34612345678")
	sent, err := e.idp.StartPIN(ctx, "X1234567L", "E12345678", "", i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	pin := e.lastSMS("X1234567L")
	guess := 0
	for i := 0; i < 5; i++ {
		g := ""
		for {
			g = strings.Repeat(string(rune('0'+guess%10)), 6)
			guess++
			if g != pin {
				break
			}
		}
		_, err = e.idp.VerifyPIN(ctx, sent.CodeID, g)
	}
	wantCode(t, err, "otp.locked")
	_, err = e.idp.VerifyPIN(ctx, sent.CodeID, pin)
	wantCode(t, err, "otp.locked")
}

func TestPINSendsAreRateLimited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.basicAccount("X1234567L", "+34612345678")
	var err error
	for i := 0; i < 6; i++ {
		_, err = e.idp.StartPIN(ctx, "X1234567L", "E12345678", "", i18n.EN)
	}
	wantCode(t, err, "otp.rate_limited")
	e.clock.Advance(time.Hour)
	if _, err := e.idp.StartPIN(ctx, "X1234567L", "E12345678", "", i18n.EN); err != nil {
		t.Fatalf("after the hour: %v", err)
	}
}

func TestPasswordLoginLockAndOTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
	if _, err := e.idp.RegisterWithCertificate(ctx, cert, Contact{Mobile: "+34612345678"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.idp.LoginPassword(ctx, "X1234567L", "whatever", "")
	wantCode(t, err, "password.none")
	if err := e.idp.SetPassword(ctx, "X1234567L", "kovalenko2024!"); i18n.CodeOf(err) == "" {
		t.Fatalf("a password with the surname was accepted: %v", err)
	}
	const good = "Tranvía-Azul-Nube-42"
	if err := e.idp.SetPassword(ctx, "X1234567L", good); err != nil {
		t.Fatal(err)
	}
	a, err := e.idp.LoginPassword(ctx, "X1234567L", good, "")
	if err != nil || a.ACR != "low" {
		t.Fatalf("password alone: %+v %v", a, err)
	}
	// Someone who logs in often is not a guesser.
	for i := 0; i < 12; i++ {
		if _, err := e.idp.LoginPassword(ctx, "X1234567L", good, ""); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
	sent, err := e.idp.StartOTP(ctx, a.PersonID, i18n.ES)
	if err != nil {
		t.Fatal(err)
	}
	a, err = e.idp.VerifyOTP(ctx, sent.CodeID, e.lastSMS("X1234567L"))
	if err != nil || a.ACR != "substantial" || a.Method != "password+otp" {
		t.Fatalf("password + OTP on an advanced account: %+v %v", a, err)
	}
	// A PIN code is not an OTP code.
	pinSent, _ := e.idp.StartPIN(ctx, "X1234567L", "E12345678", "", i18n.EN)
	_, err = e.idp.VerifyOTP(ctx, pinSent.CodeID, e.lastSMS("X1234567L"))
	wantCode(t, err, "otp.wrong")

	for i := 0; i < 4; i++ {
		_, err = e.idp.LoginPassword(ctx, "X1234567L", "nope", "")
		wantCode(t, err, "password.wrong")
	}
	_, err = e.idp.LoginPassword(ctx, "X1234567L", "nope", "")
	wantCode(t, err, "password.locked")
	_, err = e.idp.LoginPassword(ctx, "X1234567L", good, "")
	wantCode(t, err, "password.locked")
	// Setting a new password (after a PIN or certificate login) unlocks.
	if err := e.idp.SetPassword(ctx, "X1234567L", "Otra-Clave-Larga-77"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idp.LoginPassword(ctx, "X1234567L", "Otra-Clave-Larga-77", ""); err != nil {
		t.Fatal(err)
	}
	// No account: the same answer as a wrong password.
	_, err = e.idp.LoginPassword(ctx, "12345678Z", "anything-at-all", "")
	wantCode(t, err, "password.wrong")
	events, _ := e.st.ListLoginEvents(ctx, "X1234567L", 50)
	if len(events) < 8 {
		t.Fatalf("login history has %d events", len(events))
	}
}
