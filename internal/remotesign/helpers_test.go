package remotesign_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// smsBox is the IdP's notifier in these tests: it keeps the SMS.
type smsBox struct {
	mu  sync.Mutex
	sms map[string][]string // by person
}

func (n *smsBox) SMS(_ context.Context, to, personID string, _ i18n.Lang, body string) (store.Message, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sms[personID] = append(n.sms[personID], body)
	return store.Message{}, nil
}

func (n *smsBox) Letter(context.Context, store.Person, i18n.Lang, string, string, string) (store.Message, error) {
	return store.Message{}, nil
}

func (n *smsBox) Email(context.Context, string, string, i18n.Lang, string, string) (store.Message, error) {
	return store.Message{}, nil
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func (n *smsBox) last(t testing.TB, personID string) (code, body string) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	l := n.sms[personID]
	if len(l) == 0 {
		t.Fatalf("no SMS to %s", personID)
	}
	body = l[len(l)-1]
	return sixDigits.FindString(body), body
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// callbacks is a relying party's callback endpoint.
type callbacks struct {
	srv  *httptest.Server
	got  chan remotesign.Result
	fail int // answer 500 to this many first calls
	mu   sync.Mutex
	n    int
}

func newCallbacks(t testing.TB) *callbacks {
	c := &callbacks{got: make(chan remotesign.Result, 100)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n++
		n := c.n
		c.mu.Unlock()
		if n <= c.fail {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		var res remotesign.Result
		if err := json.NewDecoder(r.Body).Decode(&res); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		c.got <- res
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *callbacks) next(t testing.TB) remotesign.Result {
	t.Helper()
	select {
	case r := <-c.got:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no callback")
	}
	return remotesign.Result{}
}

// fixture is the service on SQLite with a real CA, IdP and key store.
type fixture struct {
	st     store.Store
	ca     *ca.CA
	keys   ca.KeyStore
	idp    *idp.IdP
	sms    *smsBox
	clock  *clock
	cms    *cmsSigner
	svc    *remotesign.Service
	rp     *callbacks
	client store.Client
}

// The people of these tests: both with advanced accounts and a mobile.
var people = []store.Person{
	{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil", Nationality: "ES", DocumentType: store.DocDNI,
		DocumentNumber: "12345678Z", BirthDate: time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC)},
	{ID: "X1234567L", GivenName: "Olena", FirstSurname: "Kovalenko", Nationality: "UA", DocumentType: store.DocTIE,
		DocumentNumber: "X1234567L", BirthDate: time.Date(1990, 4, 2, 0, 0, 0, 0, time.UTC)},
}

func newFixture(t testing.TB, keys ca.KeyStore) *fixture {
	t.Helper()
	return newFixtureCodes(t, keys, 0)
}

// newFixtureCodes is newFixture with the IdP's hourly code limit set
// (0: the default), for benchmarks that sign many times as one person.
func newFixtureCodes(t testing.TB, keys ca.KeyStore, codesPerHour int) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, ca: catest.New(t), keys: keys, sms: &smsBox{sms: map[string][]string{}},
		clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, cms: newCMSSigner(), rp: newCallbacks(t)}
	if f.keys == nil {
		f.keys = catest.NewMemKeyStore()
	}
	now := f.clock.Now()
	for i, p := range people {
		p.UpdatedAt = now
		if err := st.UpsertPerson(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAccount(ctx, store.Account{PersonID: p.ID, Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice,
			Mobile: []string{"+34612345678", "+34622000111"}[i], CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	f.client = store.Client{ID: "traffic", SecretHash: "sha256:00", Name: "Sede de Tráfico", MinACR: "low",
		RedirectURIs: []string{f.rp.srv.URL + "/callback"}, CreatedAt: now}
	if err := st.CreateClient(ctx, f.client); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.idp, err = idp.New(st, f.sms, nil, idp.Config{CodeKey: []byte("0123456789abcdef0123456789abcdef"), CodesPerHour: codesPerHour}, f.clock.Now, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = remotesign.New(st, f.ca, f.keys, f.idp, remotesign.Config{PublicURL: "https://llavero.example", CallbackBackoff: time.Millisecond},
		f.clock.Now, nil, log)
	f.svc.SetSigners(f.cms, pdfSigner{})
	t.Cleanup(f.svc.Close)
	return f
}

// request makes a relying party's request for doc.
func (f *fixture) request(t testing.TB, doc []byte) store.SignatureRequest {
	t.Helper()
	r, err := f.svc.Create(context.Background(), f.client, remotesign.NewRequest{
		Description: "Solicitud de canje de permiso", DocumentName: "canje.txt", HashAlg: "SHA-256",
		Digest: f.cms.register(crypto.SHA256, doc), CallbackURI: f.rp.srv.URL + "/signed",
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// approve sends the code and types it.
func (f *fixture) approve(t testing.TB, personID, id string) store.SignatureRequest {
	t.Helper()
	ctx := context.Background()
	sent, err := f.svc.SendCode(ctx, personID, "substantial", id, i18n.ES)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := f.sms.last(t, personID)
	r, err := f.svc.Approve(ctx, personID, "substantial", id, sent.CodeID, code)
	if err != nil {
		t.Fatalf("approve: %v (%v)", err, errors.Unwrap(err))
	}
	return r
}

// opensslVerify checks a detached CMS over doc with openssl against
// llavero's root, as a relying party would.
func opensslVerify(t testing.TB, authority *ca.CA, cms, doc []byte) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed (apt-get install openssl)")
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: authority.Root().Raw}))
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", write("sig.p7s", cms),
		"-content", write("doc", doc), "-CAfile", root, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
}

// hasRemotePolicy reports whether der is a remote-signing certificate.
func hasRemotePolicy(t testing.TB, authority *ca.CA, der []byte) *x509.Certificate {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.Policies) != 1 || !cert.Policies[0].Equal(authority.RemoteSigningPolicy()) {
		t.Errorf("signer policies %v, want the remote-signing policy %v", cert.Policies, authority.RemoteSigningPolicy())
	}
	return cert
}

// addPerson adds a person with an advanced account, the i-th of a
// benchmark's, and returns their identifier.
func (f *fixture) addPerson(t testing.TB, i int) string {
	t.Helper()
	ctx := context.Background()
	now := f.clock.Now()
	p := store.Person{ID: fmt.Sprintf("%08dB", 50000000+i), GivenName: "Persona", FirstSurname: "Prueba", Nationality: "ES",
		DocumentType: store.DocDNI, DocumentNumber: fmt.Sprintf("%08dB", 50000000+i), BirthDate: time.Date(1980, 1, 2, 0, 0, 0, 0, time.UTC), UpdatedAt: now}
	if err := f.st.UpsertPerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := f.st.CreateAccount(ctx, store.Account{PersonID: p.ID, Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice,
		Mobile: fmt.Sprintf("+3463%07d", i), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}
