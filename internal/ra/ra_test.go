package ra

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// The fictional people of these tests. Their documents' expiry dates are
// relative to the test clock's start, 2026-11-22.
const people = `id,given_name,first_surname,second_surname,birth_date,nationality,document_type,document_number,document_expiry,support_number,address,postal_code,city,province,email,mobile
X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678
Y0000001S,Ahmed,El Amrani,,1985-01-10,MA,TIE,Y0000001S,2026-01-31,E00000001,Calle Sol 2,41001,Sevilla,Sevilla,,
12345678Z,José,Muñoz,Pérez,1970-07-07,ES,DNI,12345678Z,2032-01-01,ABC123456,Calle Real 3,08001,Barcelona,Barcelona,,
`

type env struct {
	t     *testing.T
	st    store.Store
	ca    *ca.CA
	ra    *RA
	clock *clock
	desk  Desk
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "ra.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := registry.Import(ctx, st, strings.NewReader(people), registry.ImportOptions{Now: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ks, err := ca.NewFileKeyStore(filepath.Join(dir, "keys"), []byte("test passphrase for the CA"))
	if err != nil {
		t.Fatal(err)
	}
	authority, err := ca.Open(ctx, ca.Options{Dir: filepath.Join(dir, "ca"), Keys: ks, Organization: "llavero (test)", Country: "ES",
		BaseURL: "http://127.0.0.1:8080", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(notify.Config{Outbox: st, LetterDir: filepath.Join(dir, "letters"), Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := New(st, authority, n, Config{PublicURL: "http://127.0.0.1:8080"}, clk.Now, nil, log)
	e := &env{t: t, st: st, ca: authority, ra: r, clock: clk}
	office, err := r.AddOffice(ctx, store.Office{Name: "Oficina Centro", Address: "Plaza Mayor 1", City: "Madrid", PostalCode: "28012",
		Province: "Madrid", Hours: "L-V 9-14", Handles: []string{"certificate", "account"}}, "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	opKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	op, cert, err := r.AddOperator(ctx, authority, office.ID, "Ana Operadora", opKey.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	if e.desk, err = r.DeskFor(ctx, cert); err != nil {
		t.Fatal(err)
	}
	if e.desk.Operator.ID != op.ID {
		t.Fatal("desk for the wrong operator")
	}
	return e
}

// apply makes a key and applies as a citizen's tool would.
func (e *env) apply(id, surname string) (crypto.Signer, ApplyResult) {
	e.t.Helper()
	key, err := keystore.Generate(keystore.P256)
	if err != nil {
		e.t.Fatal(err)
	}
	csr, err := keystore.CreateCSR(key, id, surname, "olena@example.org")
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.ra.Apply(context.Background(), ApplyRequest{ID: id, Surname: surname, Email: "olena@example.org", CSR: csr, Lang: i18n.EN})
	if err != nil {
		e.t.Fatal(err)
	}
	// Later emails sort after this one in the outbox.
	e.clock.Advance(time.Minute)
	return key, res
}

func (e *env) approve(appID string, docType, docNumber, expiry string) (store.Certificate, error) {
	exp, _ := time.Parse(time.DateOnly, expiry)
	return e.ra.Approve(context.Background(), e.desk, appID, Check{DocumentType: docType, DocumentNumber: docNumber, DocumentExpiry: exp})
}

func (e *env) download(key crypto.Signer, id, surname, code string) (store.Certificate, error) {
	ch, err := e.ra.NewChallenge()
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := e.ra.checkChallenge(ch)
	sig, err := keystore.SignChallenge(key, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.ra.Download(context.Background(), DownloadRequest{ID: id, Surname: surname, Code: code, Challenge: ch, Signature: sig, ClientKey: "127.0.0.1"})
}

func (e *env) outbox(to string) []store.Message {
	e.t.Helper()
	m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: to})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := i18n.CodeOf(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	ie, _ := i18n.As(err)
	for _, l := range i18n.Langs {
		if ie.Message(l) == "" || ie.Hint(l) == "" {
			t.Fatalf("%s: empty message or next step in %s", code, l)
		}
	}
}

// TestCertificateLife walks request → code by email → office check →
// ready email → download with proof of possession → revocation visible in
// OCSP and CRL.
func TestCertificateLife(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, res := e.apply("x-1234567-l", "KOVALENKO")
	if res.PersonID != "X1234567L" || len(res.Offices) != 1 || !res.ExpiresAt.Equal(time.Date(2026, 12, 22, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("apply result %+v", res)
	}
	mails := e.outbox("X1234567L")
	if len(mails) != 1 || !strings.Contains(mails[0].Body, res.Code) || !strings.Contains(mails[0].Body, "Oficina Centro") {
		t.Fatalf("application email: %+v", mails)
	}

	c, err := e.ra.Find(ctx, e.desk, res.Code)
	if err != nil || c.Person.ID != "X1234567L" || len(c.Applications) != 1 {
		t.Fatalf("find by code: %+v %v", c, err)
	}
	cert, err := e.approve(res.ApplicationID, "TIE", "x1234567l", "2031-05-01")
	if err != nil {
		t.Fatal(err)
	}
	if mails := e.outbox("X1234567L"); len(mails) != 2 || !strings.Contains(mails[0].Subject, "ready") {
		t.Fatalf("ready email: %+v", mails[0])
	}

	got, err := e.download(key, "X1234567L", "Kovalenko", strings.ToLower(res.Code))
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != cert.Serial {
		t.Fatal("downloaded another certificate")
	}
	x, err := x509.ParseCertificate(got.DER)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(x.Subject.CommonName, "KOVALENKO") || !strings.Contains(x.Subject.CommonName, "X1234567L") {
		t.Fatalf("subject %q", x.Subject.CommonName)
	}
	if err := x.CheckSignatureFrom(e.ca.Issuing()); err != nil {
		t.Fatal(err)
	}
	app, _ := e.st.GetApplication(ctx, res.ApplicationID)
	if app.State != store.AppDownloaded {
		t.Fatalf("state %s", app.State)
	}

	if status := ocspStatus(t, e, x); status != ocsp.Good {
		t.Fatalf("OCSP status %d, want good", status)
	}
	if _, err := e.ra.Revoke(ctx, cert.Serial, ocsp.KeyCompromise, "citizen:X1234567L"); err != nil {
		t.Fatal(err)
	}
	if status := ocspStatus(t, e, x); status != ocsp.Revoked {
		t.Fatalf("OCSP status %d, want revoked", status)
	}
	crlDER, err := e.ra.CRL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(x.SerialNumber) != 0 {
		t.Fatalf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	if err := crl.CheckSignatureFrom(e.ca.Issuing()); err != nil {
		t.Fatal(err)
	}
	_, err = e.ra.Revoke(ctx, cert.Serial, ocsp.KeyCompromise, "citizen:X1234567L")
	wantCode(t, err, "certificate.not_revocable")
}

func ocspStatus(t *testing.T, e *env, c *x509.Certificate) int {
	t.Helper()
	der, err := e.ra.OCSPResponse(context.Background(), c.SerialNumber)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.ParseResponseForCert(der, c, e.ca.Issuing())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status
}

func TestApplyRefusals(t *testing.T) {
	e := newEnv(t)
	key, _ := keystore.Generate(keystore.P256)
	good, _ := keystore.CreateCSR(key, "X1234567L", "Kovalenko", "a@example.org")
	weakKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	weakDER, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, weakKey)
	weak := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: weakDER})
	tampered := append([]byte{}, weakDER...)
	tampered[len(tampered)-3] ^= 0xff
	cases := []struct {
		name, id, surname, email string
		csr                      []byte
		code                     string
	}{
		{"not in registry", "Y7777777L", "Kovalenko", "a@example.org", good, "registry.not_found"},
		{"passport typed", "PAA123456", "Kovalenko", "a@example.org", good, "id.passport"},
		{"surname accents", "12345678Z", "Munoz", "a@example.org", good, "surname.accents"},
		{"surname wrong", "X1234567L", "Smith", "a@example.org", good, "surname.mismatch"},
		{"bad email", "X1234567L", "Kovalenko", "not an email", good, "email.invalid"},
		{"garbage csr", "X1234567L", "Kovalenko", "a@example.org", []byte("hello"), "csr.invalid"},
		{"tampered csr", "X1234567L", "Kovalenko", "a@example.org", tampered, "csr.invalid"},
		{"weak key", "X1234567L", "Kovalenko", "a@example.org", weak, "csr.weak_key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ra.Apply(context.Background(), ApplyRequest{ID: tc.id, Surname: tc.surname, Email: tc.email, CSR: tc.csr})
			wantCode(t, err, tc.code)
		})
	}
	if _, err := e.ra.Apply(context.Background(), ApplyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "a@example.org", CSR: good}); err != nil {
		t.Fatal(err)
	}
	_, err := e.ra.Apply(context.Background(), ApplyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "a@example.org", CSR: good})
	wantCode(t, err, "csr.key_in_use")
}

func TestOfficeRefusalsAreEmailed(t *testing.T) {
	cases := []struct {
		name, id, surname                string
		docType, docNumber, expiry, code string
	}{
		{"expired TIE", "Y0000001S", "El Amrani", "TIE", "Y0000001S", "2026-01-31", "document.expired"},
		{"another document", "X1234567L", "Kovalenko", "PASSPORT", "AB1234567", "2031-05-01", "office.document_mismatch"},
		{"renewed TIE not in registry", "X1234567L", "Kovalenko", "TIE", "X1234567L", "2035-05-01", "office.document_mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, res := e.apply(tc.id, tc.surname)
			_, err := e.approve(res.ApplicationID, tc.docType, tc.docNumber, tc.expiry)
			wantCode(t, err, tc.code)
			app, _ := e.st.GetApplication(context.Background(), res.ApplicationID)
			if app.State != store.AppRefused {
				t.Fatalf("state %s", app.State)
			}
			mails := e.outbox(app.PersonID)
			if len(mails) != 2 || !strings.Contains(mails[0].Subject, "refused") || !strings.Contains(mails[0].Body, "Reason and next step") {
				t.Fatalf("refusal email %+v", mails[0])
			}
			_, err = e.approve(res.ApplicationID, "TIE", tc.docNumber, "2031-05-01")
			wantCode(t, err, "office.not_pending")
		})
	}
}

func TestOperatorRefusesWithReason(t *testing.T) {
	e := newEnv(t)
	_, res := e.apply("X1234567L", "Kovalenko")
	wantCode(t, e.ra.Refuse(context.Background(), e.desk, res.ApplicationID, "other", " "), "office.reason")
	wantCode(t, e.ra.Refuse(context.Background(), e.desk, res.ApplicationID, "made-up", ""), "office.reason")
	if err := e.ra.Refuse(context.Background(), e.desk, res.ApplicationID, "identity.not_proven", ""); err != nil {
		t.Fatal(err)
	}
	if m := e.outbox("X1234567L"); !strings.Contains(m[0].Body, "could not confirm your identity") {
		t.Fatalf("email %q", m[0].Body)
	}
}

func TestExpiredCodeAndReminders(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, res := e.apply("X1234567L", "Kovalenko")
	e.clock.Advance(22 * 24 * time.Hour) // 8 days left: nothing due
	if n, err := e.ra.SendReminders(ctx); err != nil || n != 0 {
		t.Fatalf("reminders at 8 days: %d %v", n, err)
	}
	e.clock.Advance(2 * 24 * time.Hour) // 6 days left
	if n, err := e.ra.SendReminders(ctx); err != nil || n != 1 {
		t.Fatalf("7-day reminder: %d %v", n, err)
	}
	if n, _ := e.ra.SendReminders(ctx); n != 0 {
		t.Fatal("7-day reminder sent twice")
	}
	e.clock.Advance(5*24*time.Hour + 12*time.Hour) // half a day left
	if n, _ := e.ra.SendReminders(ctx); n != 1 {
		t.Fatal("1-day reminder not sent")
	}
	if m := e.outbox("X1234567L"); len(m) != 3 || !strings.Contains(m[0].Subject, "1 day") {
		t.Fatalf("outbox %+v", m)
	}
	e.clock.Advance(24 * time.Hour)
	if n, _ := e.ra.SendReminders(ctx); n != 0 {
		t.Fatal("reminder for an expired code")
	}
	_, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01")
	wantCode(t, err, "application.expired")
}

func TestDownloadRefusals(t *testing.T) {
	e := newEnv(t)
	key, res := e.apply("X1234567L", "Kovalenko")
	_, err := e.download(key, "X1234567L", "Kovalenko", res.Code)
	wantCode(t, err, "application.not_checked")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	other, _ := keystore.Generate(keystore.P256)
	_, err = e.download(other, "X1234567L", "Kovalenko", res.Code)
	wantCode(t, err, "download.key_mismatch")
	_, err = e.download(key, "X1234567L", "Kovalenko", "AAAA-BBBB-CCCC")
	wantCode(t, err, "application.wrong_code")
	_, err = e.download(key, "12345678Z", "Muñoz", res.Code)
	wantCode(t, err, "application.wrong_code")
	_, err = e.download(key, "X1234567L", "Kovalenkó", res.Code)
	wantCode(t, err, "surname.accents")

	ch, _ := e.ra.NewChallenge()
	raw, _ := e.ra.checkChallenge(ch)
	sig, _ := keystore.SignChallenge(key, raw)
	e.clock.Advance(6 * time.Minute)
	_, err = e.ra.Download(context.Background(), DownloadRequest{ID: "X1234567L", Surname: "Kovalenko", Code: res.Code, Challenge: ch, Signature: sig})
	wantCode(t, err, "download.challenge")

	if _, err := e.download(key, "X1234567L", "Kovalenko", res.Code); err != nil {
		t.Fatal(err)
	}
}

func TestGuessingCodesIsRateLimited(t *testing.T) {
	e := newEnv(t)
	key, res := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		_, err := e.download(key, "X1234567L", "Kovalenko", "AAAA-BBBB-CCCC")
		wantCode(t, err, "application.wrong_code")
	}
	_, err := e.download(key, "X1234567L", "Kovalenko", res.Code)
	wantCode(t, err, "rate.limited")
	e.clock.Advance(time.Hour)
	if _, err := e.download(key, "X1234567L", "Kovalenko", res.Code); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestCancelRevokesIssuedCertificate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, res := e.apply("X1234567L", "Kovalenko")
	cert, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01")
	if err != nil {
		t.Fatal(err)
	}
	// The key is lost: the citizen cancels with the code.
	if err := e.ra.Cancel(ctx, CancelRequest{ID: "X1234567L", Surname: "Kovalenko", Code: res.Code}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.st.GetCertificate(ctx, cert.Serial)
	if c.RevokedAt.IsZero() || c.RevocationReason != ocsp.CessationOfOperation {
		t.Fatalf("certificate not revoked: %+v", c)
	}
	st, err := e.ra.ApplicationStatus(ctx, "X1234567L", "Kovalenko", res.Code, "")
	if err != nil || st.Application.State != store.AppCancelled || st.Next.EN == "" {
		t.Fatalf("status %+v %v", st, err)
	}
}

func TestRenewal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, res := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	got, err := e.download(key, "X1234567L", "Kovalenko", res.Code)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := x509.ParseCertificate(got.DER)
	newKey, _ := keystore.Generate(keystore.P256)
	csr, _ := keystore.CreateCSR(newKey, "X1234567L", "Kovalenko", "olena@example.org")

	_, err = e.ra.Renew(ctx, old, csr)
	wantCode(t, err, "renew.window")

	e.clock.t = old.NotAfter.Add(-30 * 24 * time.Hour)
	renewed, err := e.ra.Renew(ctx, old, csr)
	if err != nil {
		t.Fatal(err)
	}
	nc, _ := x509.ParseCertificate(renewed.DER)
	if !nc.NotAfter.After(old.NotAfter) || !nc.PublicKey.(*ecdsa.PublicKey).Equal(newKey.Public()) {
		t.Fatal("renewed certificate wrong")
	}
	csr2, _ := keystore.CreateCSR(newKey, "X1234567L", "Kovalenko", "olena@example.org")
	_, err = e.ra.Renew(ctx, old, csr2)
	wantCode(t, err, "renew.already")

	e.clock.t = old.NotAfter.Add(time.Hour)
	_, err = e.ra.Renew(ctx, old, csr2)
	wantCode(t, err, "renew.expired")
}

func TestOperatorAuthentication(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.ra.DeskFor(ctx, nil); !errors.Is(err, ErrOperator) {
		t.Fatal("nil certificate accepted")
	}
	// A citizen certificate is not an operator certificate.
	key, res := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	got, _ := e.download(key, "X1234567L", "Kovalenko", res.Code)
	citizen, _ := x509.ParseCertificate(got.DER)
	if _, err := e.ra.DeskFor(ctx, citizen); !errors.Is(err, ErrOperator) {
		t.Fatal("citizen certificate opened the office console")
	}
	opCert, _ := e.st.GetCertificate(ctx, e.desk.Operator.CertSerial)
	if _, err := e.ra.Revoke(ctx, opCert.Serial, ocsp.AffiliationChanged, "admin:test"); err != nil {
		t.Fatal(err)
	}
	x, _ := x509.ParseCertificate(opCert.DER)
	if _, err := e.ra.DeskFor(ctx, x); !errors.Is(err, ErrOperator) {
		t.Fatal("revoked operator accepted")
	}
}

func TestOCSPUnknownSerial(t *testing.T) {
	e := newEnv(t)
	if _, err := e.ra.OCSPResponse(context.Background(), big.NewInt(12345)); !errors.Is(err, ErrUnknownCertificate) {
		t.Fatalf("err = %v", err)
	}
}

func TestOperatorTypoDoesNotRefuse(t *testing.T) {
	e := newEnv(t)
	_, res := e.apply("X1234567L", "Kovalenko")
	_, err := e.approve(res.ApplicationID, "TIE", "X1234567M", "2031-05-01")
	wantCode(t, err, "document.number")
	_, err = e.approve(res.ApplicationID, "CARNET", "X1234567L", "2031-05-01")
	wantCode(t, err, "document.type")
	app, _ := e.st.GetApplication(context.Background(), res.ApplicationID)
	if app.State != store.AppPending {
		t.Fatalf("a typo changed the application to %s", app.State)
	}
	if _, err := e.approve(res.ApplicationID, "tie", "x-1234567-l", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
}

func TestOfficeRevokesOnlyCitizenCertificates(t *testing.T) {
	e := newEnv(t)
	_, err := e.ra.RevokeAtDesk(context.Background(), e.desk, e.desk.Operator.CertSerial, ocsp.Unspecified)
	wantCode(t, err, "certificate.unknown")
	_, res := e.apply("X1234567L", "Kovalenko")
	cert, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ra.RevokeAtDesk(context.Background(), e.desk, cert.Serial, ocsp.Unspecified); err != nil {
		t.Fatal(err)
	}
}
