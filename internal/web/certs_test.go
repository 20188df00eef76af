package web

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// testClock only moves when told; the RA, the CA and the TLS layer of the
// certificate-login origin all read it, so certificates stay valid however
// far a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The fictional people of these tests (the same as package ra's). The
// document dates are relative to the clock's start, 2026-11-22.
const testPeople = `id,given_name,first_surname,second_surname,birth_date,nationality,document_type,document_number,document_expiry,support_number,address,postal_code,city,province,email,mobile
X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678
Y0000001S,Ahmed,El Amrani,,1985-01-10,MA,TIE,Y0000001S,2026-01-31,E00000001,Calle Sol 2,41001,Sevilla,Sevilla,,
12345678Z,José,Muñoz,Pérez,1970-07-07,ES,DNI,12345678Z,2032-01-01,ABC123456,Calle Real 3,08001,Barcelona,Barcelona,,
`

const testPublicURL = "https://llavero.example"

// certEnv is a whole certificate service: a real CA, RA, SQLite store and
// notifier behind the real handlers, on a plain HTTP main origin and a TLS
// certificate-login origin that asks for client certificates.
type certEnv struct {
	t      testing.TB
	clock  *testClock
	st     store.Store
	ca     *ca.CA
	ra     *ra.RA
	srv    *Server
	logs   *syncBuffer
	deps   CertDeps
	main   *httptest.Server
	login  *httptest.Server
	office store.Office
	// operator is the operator's TLS identity: certificate, issuing CA, key.
	operator tls.Certificate
}

func newCertEnv(t testing.TB) *certEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := registry.Import(ctx, st, strings.NewReader(testPeople), registry.ImportOptions{Now: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	ks, err := ca.NewFileKeyStore(filepath.Join(dir, "keys"), []byte("test passphrase for the CA"))
	if err != nil {
		t.Fatal(err)
	}
	authority, err := ca.Open(ctx, ca.Options{Dir: filepath.Join(dir, "ca"), Keys: ks, Organization: "llavero (test)", Country: "ES",
		BaseURL: testPublicURL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(notify.Config{Outbox: st, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	r := ra.New(st, authority, n, ra.Config{PublicURL: testPublicURL}, clk.Now, nil, quiet)

	s, logs := newTestServer(t, Config{PublicURL: testPublicURL})
	e := &certEnv{t: t, clock: clk, st: st, ca: authority, ra: r, srv: s, logs: logs}
	e.deps = CertDeps{
		RA:           r,
		Chain:        authority.Chain(),
		RootCRL:      func(ctx context.Context) ([]byte, error) { return r.RootCRL(ctx, authority) },
		CertLoginURL: "https://login.llavero.example",
	}
	s.MountCertificates(e.deps)
	e.main = httptest.NewServer(s.Handler())
	t.Cleanup(e.main.Close)

	e.login = httptest.NewUnstartedServer(s.CertLoginHandler(e.deps))
	roots := x509.NewCertPool()
	roots.AddCert(authority.Root())
	e.login.TLS = &tls.Config{Time: clk.Now}
	RequestClientCertificates(e.login.TLS, roots, clk.Now)
	e.login.StartTLS()
	t.Cleanup(e.login.Close)

	if e.office, err = r.AddOffice(ctx, store.Office{Name: "Oficina Centro", Address: "Plaza Mayor 1", City: "Madrid", PostalCode: "28012",
		Province: "Madrid", Hours: "L-V 9-14", Handles: []string{"certificate", "account"}}, "admin:test"); err != nil {
		t.Fatal(err)
	}
	opKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, opCert, err := r.AddOperator(ctx, authority, e.office.ID, "Ana Operadora", opKey.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	e.operator = e.identity(opCert.Raw, opKey)
	return e
}

// identity is a TLS client identity as a .p12 carries it: the
// certificate, the issuing CA's, and the key.
func (e *certEnv) identity(der []byte, key crypto.Signer) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{der, e.ca.Issuing().Raw}, PrivateKey: key}
}

// client returns an HTTPS client for the certificate-login origin that
// presents the given identities (none: no certificate).
func (e *certEnv) client(ids ...tls.Certificate) *http.Client {
	tr := e.login.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = ids
	e.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// call sends a request; body, when not nil, is sent as JSON.
func call(t testing.TB, c *http.Client, method, url string, body any, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// wantOK checks a success and decodes it into out, and checks the JSON
// object has exactly the given fields: they are the public contract.
func wantOK(t testing.TB, resp *http.Response, b []byte, status int, out any, fields ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	if fields != nil {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range m {
			got = append(got, k)
		}
		sort.Strings(got)
		sort.Strings(fields)
		if strings.Join(got, ",") != strings.Join(fields, ",") {
			t.Errorf("%s: fields %v, want %v", resp.Request.URL.Path, got, fields)
		}
	}
}

// wantErr checks a refusal: its status, its code, and a message and next
// step in the request's language.
func wantErr(t testing.TB, resp *http.Response, b []byte, status int, code string) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("status %d, not a JSON error: %s", resp.StatusCode, b)
	}
	if resp.StatusCode != status || e.Code != code {
		t.Fatalf("%s %s: %d %q (%s), want %d %q", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, e.Code, e.Message, status, code)
	}
	if e.Message == "" || e.Next == "" || e.RequestID == "" {
		t.Errorf("%s: incomplete error %+v", code, e)
	}
	return e
}

// citizen is a person going through the certificate's life with the
// llavero tool's moves, over HTTP.
type citizen struct {
	id, surname string
	key         crypto.Signer
	app         applyResponse
}

func (e *certEnv) apply(id, surname string) *citizen {
	e.t.Helper()
	key, err := keystore.Generate(keystore.P256)
	if err != nil {
		e.t.Fatal(err)
	}
	csr, err := keystore.CreateCSR(key, id, surname, "olena@example.org")
	if err != nil {
		e.t.Fatal(err)
	}
	c := &citizen{id: id, surname: surname, key: key}
	resp, b := call(e.t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/applications",
		applyRequest{ID: id, Surname: surname, Email: "olena@example.org", CSR: string(csr), Lang: "en"}, nil)
	wantOK(e.t, resp, b, http.StatusCreated, &c.app)
	return c
}

// approve checks the person's document at the office, through the API.
func (e *certEnv) approve(c *citizen) string {
	e.t.Helper()
	resp, b := call(e.t, e.client(e.operator), "POST", e.login.URL+"/api/v1/office/approve",
		approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: c.id, DocumentExpiry: "2031-05-01"}, nil)
	var out struct{ Serial string }
	wantOK(e.t, resp, b, http.StatusOK, &out)
	return out.Serial
}

// download runs the challenge-response download with key.
func (e *certEnv) download(c *citizen, key crypto.Signer, code string) (*http.Response, []byte) {
	e.t.Helper()
	resp, b := call(e.t, e.main.Client(), "GET", e.main.URL+"/api/v1/certificates/challenge", nil, nil)
	var ch struct{ Challenge string }
	wantOK(e.t, resp, b, http.StatusOK, &ch, "challenge")
	raw, err := base64.RawURLEncoding.DecodeString(ch.Challenge)
	if err != nil {
		e.t.Fatal(err)
	}
	sig, err := keystore.SignChallenge(key, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return call(e.t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/download", downloadRequest{
		ID: c.id, Surname: c.surname, Code: code, Challenge: ch.Challenge, Signature: base64.StdEncoding.EncodeToString(sig),
	}, nil)
}

// certified takes a person from application to a downloaded certificate
// and returns it with the TLS identity it makes.
func (e *certEnv) certified(id, surname string) (*citizen, *x509.Certificate, tls.Certificate) {
	e.t.Helper()
	c := e.apply(id, surname)
	e.approve(c)
	resp, b := e.download(c, c.key, c.app.Code)
	var got issuedJSON
	wantOK(e.t, resp, b, http.StatusOK, &got)
	x := parsePEMCert(e.t, got.Certificate)
	return c, x, e.identity(x.Raw, c.key)
}

func parsePEMCert(t testing.TB, s string) *x509.Certificate {
	t.Helper()
	blk, rest := pem.Decode([]byte(s))
	if blk == nil || blk.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PEM certificate: %q", s)
	}
	x, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestCertificateLifeOverHTTP(t *testing.T) {
	e := newCertEnv(t)
	c := e.apply("x-1234567-l", "KOVALENKO")
	if c.app.PersonID != "X1234567L" || len(c.app.Code) != 14 || c.app.ApplicationID == "" || c.app.ExpiresAt != "2026-12-22T10:00:00Z" {
		t.Fatalf("apply answer %+v", c.app)
	}
	if len(c.app.Offices) != 1 || c.app.Offices[0] != (officeJSON{ID: e.office.ID, Name: "Oficina Centro", Address: "Plaza Mayor 1",
		PostalCode: "28012", City: "Madrid", Province: "Madrid", Hours: "L-V 9-14"}) {
		t.Fatalf("offices %+v", c.app.Offices)
	}

	resp, b := e.download(c, c.key, c.app.Code)
	wantErr(t, resp, b, http.StatusConflict, "application.not_checked")

	serial := e.approve(c)
	resp, b = e.download(c, c.key, strings.ToLower(c.app.Code))
	var got issuedJSON
	wantOK(t, resp, b, http.StatusOK, &got, "serial", "not_after", "certificate", "chain")
	x := parsePEMCert(t, got.Certificate)
	if got.Serial != serial || ra.SerialHex(x.SerialNumber) != serial || got.NotAfter != x.NotAfter.UTC().Format(time.RFC3339) {
		t.Errorf("download %+v, certificate serial %x", got, x.SerialNumber)
	}
	if len(got.Chain) != 2 {
		t.Fatalf("chain of %d", len(got.Chain))
	}
	issuing, root := parsePEMCert(t, got.Chain[0]), parsePEMCert(t, got.Chain[1])
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	inter.AddCert(issuing)
	if _, err := x.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: e.clock.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("downloaded chain does not verify: %v", err)
	}

	resp, b = call(t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/status",
		codeRequest{ID: c.id, Surname: c.surname, Code: c.app.Code}, map[string]string{"Accept-Language": "en"})
	var st statusResponse
	wantOK(t, resp, b, http.StatusOK, &st, "state", "expired", "created_at", "expires_at", "next", "certificate")
	if st.State != store.AppDownloaded || st.Expired || st.Certificate == nil || st.Certificate.Serial != serial ||
		!strings.Contains(st.Next, "Download the certificate") || st.Certificate.RenewalOpens == "" || st.Certificate.RevokedAt != "" {
		t.Errorf("status %+v %+v", st, st.Certificate)
	}

	holder := e.identity(x.Raw, c.key)
	resp, b = call(t, e.client(holder), "GET", e.login.URL+"/api/v1/certificates/me", nil, nil)
	var me meResponse
	wantOK(t, resp, b, http.StatusOK, &me, "serial", "person_id", "not_before", "not_after", "renewal_opens")
	wantRenewal := x.NotAfter.Add(-60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	if me.Serial != serial || me.PersonID != "X1234567L" || me.RenewalOpens != wantRenewal {
		t.Errorf("me %+v, want renewal opening %s", me, wantRenewal)
	}

	if s := ocspPost(t, e, x); s != "good" {
		t.Fatalf("OCSP before revocation: %s", s)
	}
	resp, b = call(t, e.client(holder), "POST", e.login.URL+"/api/v1/certificates/revoke", map[string]string{"reason": "keyCompromise"}, nil)
	var rev revokeResponse
	wantOK(t, resp, b, http.StatusOK, &rev, "serial", "revoked_at")
	if rev.Serial != serial || rev.RevokedAt != "2026-11-22T10:00:00Z" {
		t.Errorf("revoke %+v", rev)
	}
	if s := ocspPost(t, e, x); s != "revoked" {
		t.Fatalf("OCSP after revocation: %s", s)
	}
	if s := ocspGet(t, e, x); s != "revoked" {
		t.Fatalf("OCSP GET after revocation: %s", s)
	}
	crl := fetchCRL(t, e, ca.PathCRL, e.ca.Issuing())
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(x.SerialNumber) != 0 {
		t.Errorf("CRL entries %+v", crl.RevokedCertificateEntries)
	}

	// A revoked certificate opens nothing, and says why.
	resp, b = call(t, e.client(holder), "GET", e.login.URL+"/api/v1/certificates/me", nil, nil)
	wantErr(t, resp, b, http.StatusForbidden, "renew.expired")
	resp, b = call(t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/status",
		codeRequest{ID: c.id, Surname: c.surname, Code: c.app.Code}, nil)
	wantOK(t, resp, b, http.StatusOK, &st)
	if st.Certificate == nil || st.Certificate.RevokedAt == "" {
		t.Errorf("status after revocation: %+v", st.Certificate)
	}
}

func TestApplyRefusalsOverHTTP(t *testing.T) {
	e := newCertEnv(t)
	key, _ := keystore.Generate(keystore.P256)
	csr, _ := keystore.CreateCSR(key, "X1234567L", "Kovalenko", "a@example.org")
	url := e.main.URL + "/api/v1/certificates/applications"
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"not in the registry", applyRequest{ID: "Y7777777L", Surname: "Kovalenko", Email: "a@example.org", CSR: string(csr)}, 404, "registry.not_found"},
		{"passport typed", applyRequest{ID: "PAA123456", Surname: "Kovalenko", Email: "a@example.org", CSR: string(csr)}, 400, "id.passport"},
		{"surname without accents", applyRequest{ID: "12345678Z", Surname: "Munoz", Email: "a@example.org", CSR: string(csr)}, 400, "surname.accents"},
		{"bad email", applyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "nope", CSR: string(csr)}, 400, "email.invalid"},
		{"no CSR", applyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "a@example.org"}, 400, "csr.invalid"},
		{"not JSON", "id=X1234567L", 400, "request.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := call(t, e.main.Client(), "POST", url, tc.body, nil)
			wantErr(t, resp, b, tc.status, tc.code)
		})
	}
	t.Run("two objects", func(t *testing.T) {
		resp, err := e.main.Client().Post(url, "application/json", strings.NewReader(`{"id":"X1234567L"} {"id":"Y0000001S"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantErr(t, resp, b, 400, "request.json")
	})

	// The language: the body's, else the one the client asks for.
	body := applyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "a@example.org", CSR: string(csr)}
	resp, b := call(t, e.main.Client(), "POST", url, body, map[string]string{"Accept-Language": "en-GB"})
	wantOK(t, resp, b, http.StatusCreated, nil)
	mails, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "X1234567L"})
	if err != nil || len(mails) != 1 || !strings.Contains(mails[0].Body, "We have received") {
		t.Fatalf("application email not in English: %+v %v", mails, err)
	}
	resp, b = call(t, e.main.Client(), "POST", url, body, map[string]string{"Accept-Language": "en-GB"})
	if e := wantErr(t, resp, b, http.StatusConflict, "csr.key_in_use"); !strings.Contains(e.Message, "already used") {
		t.Errorf("refusal not in English: %+v", e)
	}
	resp, b = call(t, e.main.Client(), "POST", url, body, map[string]string{"Accept-Language": "es-ES"})
	if e := wantErr(t, resp, b, http.StatusConflict, "csr.key_in_use"); !strings.Contains(e.Message, "ya se usó") {
		t.Errorf("refusal not in Spanish: %+v", e)
	}
}

func TestDownloadRefusalsOverHTTP(t *testing.T) {
	e := newCertEnv(t)
	c := e.apply("X1234567L", "Kovalenko")
	e.approve(c)

	other, _ := keystore.Generate(keystore.P256)
	resp, b := e.download(c, other, c.app.Code)
	wantErr(t, resp, b, http.StatusForbidden, "download.key_mismatch")

	resp, b = call(t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/download",
		downloadRequest{ID: c.id, Surname: c.surname, Code: c.app.Code, Challenge: "x", Signature: "%%%"}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "request.field")

	resp, b = call(t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/download",
		downloadRequest{ID: c.id, Surname: c.surname, Code: c.app.Code, Challenge: "x", Signature: "AAAA"}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "download.challenge")

	// Guessing codes: after the limit even the right code waits an hour.
	for i := 0; i < 8; i++ {
		resp, b = e.download(c, c.key, "AAAA-BBBB-CCCC")
		wantErr(t, resp, b, http.StatusNotFound, "application.wrong_code")
	}
	resp, b = e.download(c, c.key, c.app.Code)
	wantErr(t, resp, b, http.StatusTooManyRequests, "rate.limited")
	if got := resp.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After = %q", got)
	}
	e.clock.Advance(time.Hour)
	resp, b = e.download(c, c.key, c.app.Code)
	wantOK(t, resp, b, http.StatusOK, nil)
}

func TestCancelAndStatusOverHTTP(t *testing.T) {
	e := newCertEnv(t)
	c := e.apply("X1234567L", "Kovalenko")
	statusURL := e.main.URL + "/api/v1/certificates/status"
	req := codeRequest{ID: c.id, Surname: c.surname, Code: c.app.Code}

	var st statusResponse
	resp, b := call(t, e.main.Client(), "POST", statusURL, req, map[string]string{"Accept-Language": "es"})
	wantOK(t, resp, b, http.StatusOK, &st, "state", "expired", "created_at", "expires_at", "next", "certificate")
	if st.State != store.AppPending || st.Expired || st.Certificate != nil || !strings.Contains(st.Next, "oficina de registro") ||
		!strings.Contains(string(b), `"certificate":null`) {
		t.Errorf("pending status %s", b)
	}

	resp, b = call(t, e.main.Client(), "POST", statusURL, codeRequest{ID: c.id, Surname: "Kovalenkó", Code: c.app.Code}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "surname.accents")

	e.clock.Advance(31 * 24 * time.Hour)
	resp, b = call(t, e.main.Client(), "POST", statusURL, req, map[string]string{"Accept-Language": "en"})
	wantOK(t, resp, b, http.StatusOK, &st)
	if !st.Expired || !strings.Contains(st.Next, "new request") {
		t.Errorf("expired status %+v", st)
	}

	cancelURL := e.main.URL + "/api/v1/certificates/cancel"
	resp, b = call(t, e.main.Client(), "POST", cancelURL, req, nil)
	wantOK(t, resp, b, http.StatusOK, nil, "cancelled")
	if string(bytes.TrimSpace(b)) != `{"cancelled":true}` {
		t.Errorf("cancel answer %s", b)
	}
	resp, b = call(t, e.main.Client(), "POST", cancelURL, req, nil)
	wantErr(t, resp, b, http.StatusConflict, "application.cancelled")
	resp, b = call(t, e.main.Client(), "POST", statusURL, req, nil)
	wantOK(t, resp, b, http.StatusOK, &st)
	if st.State != store.AppCancelled {
		t.Errorf("state after cancel %q", st.State)
	}
	resp, b = call(t, e.main.Client(), "POST", cancelURL, codeRequest{ID: "12345678Z", Surname: "Muñoz", Code: c.app.Code}, nil)
	wantErr(t, resp, b, http.StatusNotFound, "application.wrong_code")
}

func TestStatusDownloadsParse(t *testing.T) {
	e := newCertEnv(t)
	crl := fetchCRL(t, e, ca.PathCRL, e.ca.Issuing())
	if len(crl.RevokedCertificateEntries) != 0 {
		t.Errorf("a new CA's CRL lists %d certificates", len(crl.RevokedCertificateEntries))
	}
	fetchCRL(t, e, ca.PathRootCRL, e.ca.Root())

	for path, want := range map[string]*x509.Certificate{ca.PathIssuingCert: e.ca.Issuing(), ca.PathRootCert: e.ca.Root()} {
		resp, b := call(t, e.main.Client(), "GET", e.main.URL+path, nil, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-cert" {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		x, err := x509.ParseCertificate(b)
		if err != nil || !x.Equal(want) {
			t.Errorf("%s: not the CA certificate (%v)", path, err)
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}
	// The addresses served are the ones the certificates point to.
	if got := e.ca.Issuing().CRLDistributionPoints; len(got) != 1 || got[0] != testPublicURL+ca.PathRootCRL {
		t.Errorf("issuing CA points to %v", got)
	}
}

func fetchCRL(t *testing.T, e *certEnv, path string, issuer *x509.Certificate) *x509.RevocationList {
	t.Helper()
	resp, b := call(t, e.main.Client(), "GET", e.main.URL+path, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pkix-crl" {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	crl, err := x509.ParseRevocationList(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return crl
}

func TestWellKnown(t *testing.T) {
	e := newCertEnv(t)
	resp, b := call(t, e.main.Client(), "GET", e.main.URL+"/.well-known/llavero", nil, nil)
	var got wellKnown
	wantOK(t, resp, b, http.StatusOK, &got, "cert_login_url", "ocsp_url", "crl_url", "ca_issuers_url", "root_url")
	want := wellKnown{
		CertLoginURL: "https://login.llavero.example",
		OCSPURL:      "https://llavero.example/ocsp",
		CRLURL:       "https://llavero.example/crl/citizens.crl",
		CAIssuersURL: "https://llavero.example/ca/issuing.crt",
		RootURL:      "https://llavero.example/ca/root.crt",
	}
	if got != want {
		t.Errorf("well-known %+v, want %+v", got, want)
	}
	// What certificates announce must be what well-known announces.
	_, x, _ := e.certified("X1234567L", "Kovalenko")
	if len(x.OCSPServer) != 1 || x.OCSPServer[0] != got.OCSPURL || x.CRLDistributionPoints[0] != got.CRLURL || x.IssuingCertificateURL[0] != got.CAIssuersURL {
		t.Errorf("certificate points to %v %v %v", x.OCSPServer, x.CRLDistributionPoints, x.IssuingCertificateURL)
	}
}

func newTestKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
