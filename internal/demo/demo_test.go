package demo

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store/postgres/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/postgres"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// TestPeoplePassRegistryValidation: the sample registry is what "admin
// registry import" accepts, and each person is the situation they are
// named for.
func TestPeoplePassRegistryValidation(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	phones := map[string]bool{}
	byID := map[string]store.Person{}
	for _, p := range People {
		got, rerr := registry.ParseRow(p.Row, now)
		if rerr != nil {
			t.Errorf("%s: %v", p.ID(), rerr)
			continue
		}
		if got.ID != p.ID() || seen[got.ID] {
			t.Errorf("%s: not canonical (%s) or listed twice", p.ID(), got.ID)
		}
		seen[got.ID] = true
		if got.Mobile != "" {
			if phones[got.Mobile] {
				t.Errorf("%s: mobile %s shared (a number belongs to one account)", p.ID(), got.Mobile)
			}
			phones[got.Mobile] = true
		}
		if got.Email != "" && !strings.HasSuffix(got.Email, "@example.org") {
			t.Errorf("%s: email %s is not at example.org", p.ID(), got.Email)
		}
		for _, l := range i18n.Langs {
			if p.Situation.In(l) == "" || p.Try.In(l) == "" {
				t.Errorf("%s: situation or what to try missing in %s", p.ID(), l)
			}
		}
		byID[got.ID] = got
	}
	rep, err := registry.Import(context.Background(), openStore(t), strings.NewReader(CSV()), registry.ImportOptions{Now: now})
	if err != nil || rep.Bad != 0 || rep.Created != len(People) {
		t.Fatalf("import: %+v %v", rep, err)
	}

	// The situations the seeds need.
	valid := func(p store.Person) bool {
		return identity.Document{Type: identity.DocType(p.DocumentType), Expiry: p.DocumentExpiry}.CheckValid(now) == nil
	}
	has := map[string]bool{}
	for _, p := range byID {
		id, _ := identity.ParseID(p.ID)
		switch {
		case p.DocumentType == store.DocTIE && valid(p) && strings.HasPrefix(p.Mobile, "+34"):
			has["NIE with a valid TIE"] = true
		case p.DocumentType == store.DocTIE && !valid(p):
			has["NIE with an expired TIE"] = true
		case p.DocumentType == store.DocEUCertificate && id.Kind == identity.KindNIE && valid(p):
			has["EU citizen"] = true
		case p.DocumentType == store.DocDNI && p.Mobile != "":
			has["DNI holder"] = true
		case p.DocumentType == store.DocDNI && p.Mobile == "" && p.Email == "":
			has["letters only"] = true
		}
		if p.Mobile != "" && !strings.HasPrefix(p.Mobile, "+34") {
			has["only a foreign mobile"] = true
		}
	}
	for _, want := range []string{"NIE with a valid TIE", "NIE with an expired TIE", "EU citizen", "DNI holder", "letters only", "only a foreign mobile"} {
		if !has[want] {
			t.Errorf("no sample person for %q", want)
		}
	}
	id, err := identity.ParseID(Absent.ID())
	if err != nil || id.Value != Absent.ID() || seen[id.Value] {
		t.Errorf("the absent identifier %s must be valid and absent: %v", Absent.ID(), err)
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type env struct {
	deps Deps
	data string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	data := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "llavero.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newEnvWith(t, st, data)
}

// newEnvWith is an env on st, a shared demonstration's database.
func newEnvWith(t *testing.T, st store.Store, data string) *env {
	t.Helper()
	ctx := context.Background()
	ks, err := ca.NewFileKeyStore(filepath.Join(data, "keys"), []byte("test passphrase for the demo CA"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Close() })
	authority, err := ca.Open(ctx, ca.Options{Dir: filepath.Join(data, "ca"), Keys: ks, Organization: "llavero (demo test)", Country: "ES",
		BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(notify.Config{Outbox: st, LetterDir: filepath.Join(data, "letters")})
	if err != nil {
		t.Fatal(err)
	}
	r := ra.New(st, authority, n, ra.Config{PublicURL: "http://127.0.0.1:8080"}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{deps: Deps{Store: st, RA: r, Issuer: authority, Chain: authority.Chain()}, data: data}
}

var officeURLs = []string{"http://localhost:9090", "http://localhost:9091", "http://localhost:9092"}

func (e *env) prepare(t *testing.T, urls []string) *Setup {
	t.Helper()
	s, err := Prepare(context.Background(), e.deps, e.data, urls)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func auditCount(t *testing.T, st store.Store, action string) int {
	t.Helper()
	evs, err := st.ListAudit(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestPrepareTwice: a second start finds everything the first made (no
// office, operator, client or person twice, the same files and
// passphrase), brings the offices' addresses up to date, and the operator
// files open with the passphrase and hold the operators' certificates.
// On PostgreSQL too (a --demo-public demonstration), when
// LLAVERO_TEST_POSTGRES_URL is set.
func TestPrepareTwice(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { prepareTwice(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("LLAVERO_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("LLAVERO_TEST_POSTGRES_URL not set")
		}
		st, err := postgres.Open(context.Background(), pgtest.Schema(t, base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		prepareTwice(t, newEnvWith(t, st, t.TempDir()))
	})
}

func prepareTwice(t *testing.T, e *env) {
	ctx := context.Background()
	st := e.deps.Store
	first := e.prepare(t, officeURLs)
	if !first.Imported {
		t.Error("the first start did not import the registry")
	}
	p12s := map[string][]byte{}
	for _, o := range first.Offices {
		b, err := os.ReadFile(o.P12)
		if err != nil {
			t.Fatal(err)
		}
		_, cert, _, err := keystore.ReadP12(b, []byte(first.Passphrase))
		if err != nil || ra.SerialHex(cert.SerialNumber) != o.Operator.CertSerial {
			t.Fatalf("%s: the .p12 does not hold the operator's certificate: %v", o.P12, err)
		}
		if fi, _ := os.Stat(o.P12); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", o.P12, fi.Mode())
		}
		p12s[o.P12] = b
	}

	moved := []string{"http://localhost:19090", officeURLs[1], officeURLs[2]}
	second := e.prepare(t, moved)
	if second.Imported || second.Passphrase != first.Passphrase {
		t.Errorf("second start: imported %v, passphrase kept %v", second.Imported, second.Passphrase == first.Passphrase)
	}
	for i, o := range second.Offices {
		if o.Office.ID != first.Offices[i].Office.ID || o.Operator.ID != first.Offices[i].Operator.ID {
			t.Errorf("office %s: made again", o.Plan.Slug)
		}
		if b, _ := os.ReadFile(o.P12); !bytes.Equal(b, p12s[o.P12]) {
			t.Errorf("%s rewritten", o.P12)
		}
	}
	offices, _ := st.ListOffices(ctx)
	ops, _ := st.ListOperators(ctx, "")
	clients, _ := st.ListClients(ctx)
	people, _ := st.CountPeople(ctx)
	if len(offices) != len(Offices) || len(ops) != len(Offices) || len(clients) != len(sampleoffice.Catalogue) || people != len(People) {
		t.Errorf("after two starts: %d offices, %d operators, %d clients, %d people", len(offices), len(ops), len(clients), people)
	}
	if n := auditCount(t, st, "registry.import"); n != 1 {
		t.Errorf("%d registry imports audited, want 1", n)
	}
	for i, c := range second.Clients {
		if c.ID != first.Clients[i].ID {
			t.Errorf("%s: registered again", c.Kind.ID)
		}
		got, err := st.GetClient(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RedirectURIs[0] != moved[i]+"/callback" || got.Name != c.Kind.Name.ES || got.MinACR != c.Kind.MinACR() ||
			len(got.Procedures) != len(c.Kind.Procedures) {
			t.Errorf("%s: %+v", c.Kind.ID, got)
		}
		for j, p := range got.Procedures {
			if want := c.Kind.Procedures[j].Name; p.Name != want.ES || p.NameEN != want.EN || p.NameEN == "" {
				t.Errorf("%s: procedure %s named %q / %q, want %q / %q", c.Kind.ID, p.ID, p.Name, p.NameEN, want.ES, want.EN)
			}
		}
		// Only this start's secret opens the client.
		if got.SecretHash != oidc.HashSecret(c.Secret) || got.SecretHash == oidc.HashSecret(first.Clients[i].Secret) {
			t.Errorf("%s: the secret was not rotated to this start's", c.Kind.ID)
		}
	}
}

// TestPrepareReplacesALostOperatorFile: an operator whose .p12 is gone
// cannot work any more; the demo retires them (disabled, certificate
// revoked) and makes a new operator with a new file.
func TestPrepareReplacesALostOperatorFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.prepare(t, officeURLs)
	lost := first.Offices[0]
	if err := os.Remove(lost.P12); err != nil {
		t.Fatal(err)
	}
	second := e.prepare(t, officeURLs)
	now := second.Offices[0]
	if now.Operator.ID == lost.Operator.ID {
		t.Fatal("the operator whose file is lost was kept")
	}
	if second.Offices[1].Operator.ID != first.Offices[1].Operator.ID {
		t.Error("the other office's operator was replaced too")
	}
	old, err := e.deps.Store.GetOperator(ctx, lost.Operator.ID)
	if err != nil || !old.Disabled {
		t.Errorf("old operator: %+v %v", old, err)
	}
	cert, err := e.deps.Store.GetCertificate(ctx, lost.Operator.CertSerial)
	if err != nil || cert.RevokedAt.IsZero() {
		t.Errorf("old operator's certificate not revoked: %v", err)
	}
	if n := auditCount(t, e.deps.Store, "operator.add"); n != 3 {
		t.Errorf("%d operators added, want 3", n)
	}
	if _, err := os.Stat(now.P12); err != nil {
		t.Error(err)
	}
	// A third start keeps the new one.
	if third := e.prepare(t, officeURLs); third.Offices[0].Operator.ID != now.Operator.ID {
		t.Error("the replacement operator was replaced again")
	}
}

// TestSummaryListsEverything: the printed summary names every sample
// person (and the absent one), every sample office, the operator files,
// their passphrase, the outbox and the README, in both languages.
func TestSummaryListsEverything(t *testing.T) {
	e := newEnv(t)
	s := e.prepare(t, officeURLs)
	u := URLs{Public: "http://localhost:8080", CertLogin: "https://127.0.0.1:8443"}
	readme, err := s.WriteReadme(u)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := os.ReadFile(readme)
	for _, l := range i18n.Langs {
		var b bytes.Buffer
		if err := s.WriteSummary(&b, l, u); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		want := []string{u.Public, u.Public + "/start", u.Public + "/dev/outbox", u.CertLogin + "/office", s.Passphrase, readme, Absent.ID(), Absent.Situation.In(l)}
		for _, p := range People {
			want = append(want, p.ID(), p.Name(), p.Situation.In(l), p.Try.In(l))
		}
		for _, o := range s.Offices {
			want = append(want, o.P12, o.Office.Name, o.Office.Hours, o.Plan.Operator)
		}
		for i, c := range s.Clients {
			want = append(want, officeURLs[i], c.Kind.Name.In(l))
			for _, p := range c.Kind.Procedures {
				want = append(want, p.Name.In(l))
			}
		}
		// Each signature as it is made: the licence exchange by remote
		// signing, the VAT return with the certificate.
		want = append(want, sampleoffice.Procedures[2].Name.In(l)+" ("+levels["substantial"].In(l)+" "+sumSign.In(l)+")",
			sampleoffice.Tax.Procedures[1].Name.In(l)+" ("+levels["substantial"].In(l)+" "+sumCert.In(l)+")")
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the summary lacks %q", l, w)
			}
		}
		if strings.Contains(out, s.Clients[0].Secret) {
			t.Errorf("%s: the summary prints a client secret", l)
		}
		if !strings.Contains(string(rb), out) {
			t.Errorf("README.txt lacks the %s summary", l)
		}
	}
}

// TestPrepareNeedsEveryOffice: one address per office of the catalogue.
func TestPrepareNeedsEveryOffice(t *testing.T) {
	e := newEnv(t)
	if _, err := Prepare(context.Background(), e.deps, e.data, officeURLs[:2]); err == nil {
		t.Error("two addresses for three offices were accepted")
	}
	if _, err := os.Stat(filepath.Join(e.data, "demo")); err == nil {
		t.Error("something was written before the addresses were checked")
	}
}
