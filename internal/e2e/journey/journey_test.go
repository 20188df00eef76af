package journey_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/browsertest"
	"github.com/llavero/llavero/internal/client"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// The newcomer: a NIE holder with a valid TIE, a Spanish mobile and an
// email, in the registry and with nothing else yet (no certificate, no
// account), like the demo's Olena Kovalenko (internal/demo) but new to
// the platform that internal/platformtest starts.
const (
	nadia        = "Z2468135X"
	nadiaName    = "Nadia Haddad"
	nadiaSurname = "Haddad"
	nadiaEmail   = "nadia@example.org"
	nadiaMobile  = "+34677000555"
	nadiaExpiry  = "2032-06-30"
	nadiaRow     = nadia + ",Nadia,Haddad,,1991-03-15,MA,TIE," + nadia + "," + nadiaExpiry + ",E34567890,Calle Feria 12,41003,Sevilla,Sevilla," + nadiaEmail + "," + nadiaMobile + "\n"
)

// The registration offices: one that checks identities for certificates
// and accounts (with its operator), and one that only reviews videos, which
// the plan must not send a newcomer to.
const (
	centro   = "Oficina Centro"
	operator = "Ana Demo García"
	videoOff = "Sala de revisión de vídeo"
)

var appCode = regexp.MustCompile(`\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b`)

// TestNewcomersJourney walks one person from nothing to a signed form.
// Its steps build on each other: the first that fails stops the rest.
func TestNewcomersJourney(t *testing.T) {
	began := time.Now()
	// Skip (Chromium absent) or fail (misconfigured) before starting a
	// platform for nothing.
	if _, err := browsertest.Find(); err != nil {
		browsertest.Shared(t)
	}
	e := platformtest.Start(t, platformtest.Options{Host: "localhost"})
	ctx := context.Background()
	if _, err := registry.Import(ctx, e.Store, strings.NewReader(strings.Join(registry.Header, ",")+"\n"+nadiaRow), registry.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	opP12, opPass := offices(t, e)
	chain := e.Platform.CA.Chain()
	certOrigin := e.Config.CertLoginURL // https://127.0.0.1:PORT, where llavero's links send people
	_, certPort, _ := net.SplitHostPort(e.Config.CertListen)
	console := "https://localhost:" + certPort // the same origin by the name operators bookmark

	// Two computers: the person's, whose browser has an NSS database
	// that will hold her certificate once she has it, and the operator's
	// at the office, with the operator certificate.
	citizenPC := browsertest.OwnWith(t, browsertest.Options{ClientCert: &browsertest.ClientCert{
		Origins: []string{certOrigin, console}, Trust: chain}})
	officePC := browsertest.OwnWith(t, browsertest.Options{ClientCert: &browsertest.ClientCert{
		P12: opP12, Passphrase: opPass, Origins: []string{console}, Trust: chain}})
	p := citizenPC.NewPerson(t, "nadia")
	t.Logf("platform and browsers up in %v", time.Since(began).Round(time.Millisecond))

	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		start := time.Now()
		ok := t.Run(name, f)
		t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}

	step("1 the plan at /start", func(t *testing.T) {
		if st := p.Go(e.Issuer + "/"); st != http.StatusOK {
			t.Fatalf("home: status %d", st)
		}
		p.Click(`a[href="/start"]`)
		mustSay(t, p, "NIE with a TIE card", "A Spanish mobile (+34)", "Exchange a foreign driving licence")
		p.Press("#doc-tie")
		p.Press("#phone-es")
		p.Press("#cert-none")
		p.Press(fmt.Sprintf(`input[name="proc"][value="%s.licence-exchange"]`, e.ClientID))
		if st := p.Submit(`form[action="/start/plan"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("the plan: status %d\n%s", st, p.PageText())
		}
		// The link to keep holds the answers, and nothing personal.
		if got, want := p.Text(".share a"), "/start/plan?cert=none&doc=tie&phone=es&proc="+e.ClientID+".licence-exchange"; !strings.HasSuffix(got, want) {
			t.Errorf("the plan's link to keep is %s, want …%s", got, want)
		}
		// The steps, in the order that gets the certificate first.
		got := browsertest.Eval[[]string](p, `Array.from(document.querySelectorAll("ol.plan > li.step")).map(li => li.id + ": " + li.querySelector("h2").innerText)`)
		want := []string{
			"step-request: Request the certificate on your computer",
			"step-check: Go to an office to check your identity",
			"step-download: Download the certificate and keep a backup",
			"step-account: Open your account with the certificate",
			"step-procedures: Do your procedures",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("the plan's steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		request := p.Text("#step-request")
		if !strings.Contains(request, "llavero cert request") || !strings.Contains(request, "never leaves it") {
			t.Errorf("the request step does not say how, or that the key stays:\n%s", request)
		}
		check := p.Text("#step-check")
		for _, w := range []string{centro, "Plaza Mayor 1", "Your original TIE, not expired", "Your application code (in the email)."} {
			if !strings.Contains(check, w) {
				t.Errorf("the identity check step does not say %q:\n%s", w, check)
			}
		}
		if strings.Contains(check, videoOff) {
			t.Errorf("the identity check step sends people to an office that does not check identities:\n%s", check)
		}
		if account := p.Text("#step-account"); !strings.Contains(account, "the account is created advanced at once") {
			t.Errorf("the account step does not say what the certificate gives:\n%s", account)
		}
		procs := p.Text("#step-procedures")
		// The licence exchange, named in the page's language, is signed by
		// remote signing with an SMS code, not with the certificate.
		for _, w := range []string{"Exchange a foreign driving licence", sampleoffice.Name, "substantial",
			"You also sign it on llavero, without installing anything, with a code we send to your mobile by SMS."} {
			if !strings.Contains(procs, w) {
				t.Errorf("the procedures step does not say %q:\n%s", w, procs)
			}
		}
		if strings.Contains(procs, "sign with your certificate") || strings.Contains(procs, "sign it with your own certificate") {
			t.Errorf("the plan says the licence exchange is signed with the certificate:\n%s", procs)
		}
		if !p.Has("#risk-request-passport-not-nie") {
			t.Error("the plan does not warn a NIE holder against typing the passport number")
		}
	})

	// The person's computer: her keystore, as the CLI keeps it.
	ksDir := t.TempDir()
	keyPass := []byte("Clave-de-Nadia-2026")
	cl, err := client.New(e.Issuer, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	var app client.Application

	step("2 the certificate request on her computer", func(t *testing.T) {
		// What "llavero cert request" does (cmd/llavero/cert.go): the key is
		// made and saved here before the server hears of it.
		ks, err := keystore.Open(ksDir)
		if err != nil {
			t.Fatal(err)
		}
		key, err := keystore.Generate(keystore.P256)
		if err != nil {
			t.Fatal(err)
		}
		csr, err := keystore.CreateCSR(key, nadia, nadiaSurname, nadiaEmail)
		if err != nil {
			t.Fatal(err)
		}
		entry, err := ks.Save(key, keystore.Entry{KeyType: keystore.P256, Server: cl.Server(), ID: nadia, Email: nadiaEmail, CreatedAt: time.Now()}, keyPass)
		if err != nil {
			t.Fatal(err)
		}
		app, err = cl.Apply(ctx, client.ApplyRequest{ID: nadia, Surname: nadiaSurname, Email: nadiaEmail, CSR: string(csr), Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if err := ks.Update(entry.Fingerprint, func(e *keystore.Entry) { e.ApplicationExpiresAt = app.ExpiresAt }); err != nil {
			t.Fatal(err)
		}
		if len(app.Offices) != 1 || app.Offices[0].Name != centro {
			t.Errorf("the answer names the offices %+v, want only %s", app.Offices, centro)
		}
		// The code, as she reads it in her email.
		mail := lastMessage(t, e, nadiaEmail, store.KindEmail)
		if mail.Subject != "Your certificate application code" {
			t.Errorf("the email's subject: %q", mail.Subject)
		}
		if code := appCode.FindString(mail.Body); code != app.Code {
			t.Fatalf("the email's code %q, the answer's %q", code, app.Code)
		}
		for _, w := range []string{
			"Next step: go to a registration office",
			"Bring your original, valid TIE",
			centro,
			// The platform is not at the CLI's default: the command says where.
			"llavero cert download --server " + e.Issuer + " --id " + nadia + " --surname " + nadiaSurname + " --code " + app.Code,
		} {
			if !strings.Contains(mail.Body, w) {
				t.Errorf("the email does not say %q:\n%s", w, mail.Body)
			}
		}
	})

	step("3 the operator checks the TIE in the console", func(t *testing.T) {
		ana := officePC.NewPerson(t, "operator")
		if st := ana.Go(console + "/office"); st != http.StatusOK {
			t.Fatalf("the console: status %d\n%s", st, ana.PageText())
		}
		mustSay(t, ana, "Signed in as "+operator+" at "+centro)
		ana.Fill("#q", app.Code)
		if st := ana.Submit(`form[action="/office/case"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("the search by code: status %d\n%s", st, ana.PageText())
		}
		mustSay(t, ana, nadiaName, "TIE (foreigner identity card) "+nadia, nadiaExpiry, "Waiting for the identity check")
		id := app.ApplicationID
		ana.Select("#type-"+id, store.DocTIE)
		ana.Fill("#number-"+id, nadia)
		ana.TypeDate("#expiry-"+id, 2032, 6, 30) // nadiaExpiry, as on the card
		if st := ana.Submit(`form[action="/office/approve"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("the approval: status %d\n%s", st, ana.PageText())
		}
		mustSay(t, ana, "Certificate issued", "What to tell the person",
			"llavero cert download --server "+e.Issuer+" --id "+nadia+" --surname "+nadiaSurname+" --code YOUR-CODE")
		mail := lastMessage(t, e, nadiaEmail, store.KindEmail)
		if mail.Subject != "Your certificate is ready to download" ||
			!strings.Contains(mail.Body, "llavero cert download --server "+e.Issuer+" --id "+nadia+" --surname "+nadiaSurname+" --code YOUR-CODE") {
			t.Errorf("the email after the check: %q\n%s", mail.Subject, mail.Body)
		}
	})

	step("4 download, import and register with the certificate", func(t *testing.T) {
		// What "llavero cert download" does: prove possession of the key
		// with a signed challenge, then write the backup .p12.
		ks, err := keystore.Open(ksDir)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := ks.Find(cl.Server(), nadia)
		if err != nil || len(entries) != 1 {
			t.Fatalf("the keystore holds %d keys for her: %v", len(entries), err)
		}
		key, err := ks.Load(entries[0].Fingerprint, keyPass)
		if err != nil {
			t.Fatal(err)
		}
		// The code alone gets nobody a certificate: a signature by
		// another key is refused.
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if _, err := download(ctx, cl, other, app.Code); !client.IsCode(err, "download.key_mismatch") {
			t.Fatalf("a download signed with another key: %v", err)
		}
		issued, err := download(ctx, cl, key, app.Code)
		if err != nil {
			t.Fatal(err)
		}
		leaf, issuedChain, err := issued.Parse()
		if err != nil {
			t.Fatal(err)
		}
		if leaf.Subject.SerialNumber != "IDCES-"+nadia || !strings.Contains(leaf.Subject.CommonName, nadia) {
			t.Errorf("the certificate's subject: %v", leaf.Subject)
		}
		p12Pass := "Copia-de-Nadia-2026"
		p12, err := keystore.WriteP12(key, leaf, issuedChain, []byte(p12Pass), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ksDir, "certificate.p12"), p12, 0o600); err != nil {
			t.Fatal(err)
		}

		// She imports the backup into her browser and registers.
		citizenPC.ImportClientCert(t, p12, p12Pass)
		p.Go(e.Issuer + "/account/register")
		mustSay(t, p, "With your certificate", "Your account is advanced at once.")
		if st := p.Click(`a.button[href="` + certOrigin + `/account/register"]`); st != http.StatusOK {
			t.Fatalf("the registration with the certificate: status %d\n%s", st, p.PageText())
		}
		mustSay(t, p, "Register with your certificate", "Your account will be advanced.")
		p.Fill("#mobile", "677 000 555")
		p.Fill("#email", nadiaEmail)
		if st := p.Submit(`form[action="/account/register"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("registering: status %d\n%s", st, p.PageText())
		}
		mustSay(t, p, "You now have a llavero account", "Your registration level is advanced.", "PINs will go to the mobile",
			"Log in with that same certificate", "Log in with my certificate")
		acc, err := e.Store.GetAccount(ctx, nadia)
		if err != nil || acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaCertificate || acc.Mobile != nadiaMobile {
			t.Fatalf("the account: %+v, %v", acc, err)
		}
	})

	step("5 the traffic office: log in, sign, done", func(t *testing.T) {
		if st := p.Go(e.Office + "/"); st != http.StatusOK {
			t.Fatalf("the office: status %d", st)
		}
		p.Submit(`form[action="/start/licence-exchange"] button`)
		if !strings.HasPrefix(p.URL(), e.Issuer+"/login") {
			t.Fatalf("starting the licence exchange led to %s", p.URL())
		}
		mustSay(t, p, "Log in to llavero", "Log in with your certificate")
		if st := p.Click(`a.button[href*="/login/certificate"]`); st != http.StatusOK {
			t.Fatalf("the certificate login: status %d at %s\n%s", st, p.URL(), p.PageText())
		}
		atProcedure(t, e, p, "licence-exchange", nadiaName, "substantial")
		mustSay(t, p, "Your identity is checked at the substantial level, which this procedure needs.",
			"Submitting the application needs your signature. llavero will show you what you sign and send you a code by SMS to confirm it.")

		// "My llavero": where she stands now.
		office := p.URL()
		p.Go(e.Issuer + "/account")
		mustSay(t, p, "You are logged in as "+nadiaName+" ("+nadia+")", "advanced, with your certificate",
			"You logged in with\ncertificate", "Level of assurance reached\nsubstantial",
			"You have not signed anything with llavero yet.")
		p.Go(office)

		p.Click("#sign-exchange")
		if !strings.HasPrefix(p.URL(), e.Issuer+"/sign/requests/") {
			t.Fatalf("signing led to %s\n%s", p.URL(), p.PageText())
		}
		if got := p.Text("#sign-office"); got != sampleoffice.Name {
			t.Errorf("the signing page names the office %q", got)
		}
		mustSay(t, p, "asks you to sign this document:")
		sms := e.SMSCount(t, nadia)
		p.Submit("#sign-approve")
		if e.SMSCount(t, nadia) != sms+1 {
			t.Fatal("no SMS with the signing code")
		}
		mustSay(t, p, "We sent you a code by SMS to +34 ••• ••• •55.")
		p.Fill("#code", e.LastCode(t, nadia))
		if st := p.Submit("#sign-confirm"); st != http.StatusOK {
			t.Fatalf("confirming the signature: status %d\n%s", st, p.PageText())
		}
		mustSay(t, p, "Document signed", "Back to the office")
		p.Click("#sign-back")
		if !strings.HasPrefix(p.URL(), e.Office+"/signature/") {
			t.Fatalf("back at %s", p.URL())
		}
		// The office learns the outcome from llavero's callback or asks
		// for it; until then its page offers to check again.
		deadline := time.Now().Add(browsertest.Timeout)
		for p.Text("#sign-state") == "Waiting for your signature at llavero" && time.Now().Before(deadline) {
			p.Click(`a[href^="/signature/"]:not([href$=".p7s"])`)
		}
		if got := p.Text("#sign-state"); got != "Application signed" {
			t.Fatalf("the office says %q\n%s", got, p.PageText())
		}
		if got := p.Text("#signed-by"); !strings.Contains(got, "("+nadia+")") {
			t.Errorf("signed by %q", got)
		}
		mustSay(t, p, "Your application is submitted")
		if p.Has("#signed-by + .problem") {
			t.Errorf("the office refuses the signer:\n%s", p.PageText())
		}

		p.Go(e.Issuer + "/account")
		history := p.Text("#signature-history")
		if !strings.Contains(history, sampleoffice.Name) || !strings.Contains(history, "signed") {
			t.Errorf("My signatures does not list the signed form:\n%s", history)
		}
	})
	t.Logf("the whole journey: %v", time.Since(began).Round(time.Millisecond))
}

// offices adds the registration offices and the operator at the first,
// and returns the operator's certificate as a .p12 and its passphrase.
func offices(t *testing.T, e *platformtest.Env) ([]byte, string) {
	t.Helper()
	ctx := context.Background()
	pl := e.Platform
	office, err := pl.RA.AddOffice(ctx, store.Office{Name: centro, Address: "Plaza Mayor 1", City: "Madrid",
		PostalCode: "28012", Province: "Madrid", Hours: "L-V 9:00-14:00", Handles: []string{"certificate", "account"}}, "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.RA.AddOffice(ctx, store.Office{Name: videoOff, Address: "Calle Interna 2", City: "Madrid",
		PostalCode: "28001", Province: "Madrid", Handles: []string{"video-review"}}, "admin:test"); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, cert, err := pl.RA.AddOperator(ctx, pl.CA, office.ID, operator, key.Public(), "admin:test")
	if err != nil {
		t.Fatal(err)
	}
	const pass = "Operadora-Ana-2026"
	p12, err := keystore.WriteP12(key, cert, pl.CA.Chain(), []byte(pass), false)
	if err != nil {
		t.Fatal(err)
	}
	return p12, pass
}

// download proves possession of key for the application with code, as
// "llavero cert download" does.
func download(ctx context.Context, cl *client.Client, key crypto.Signer, code string) (client.Issued, error) {
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return client.Issued{}, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(ch)
	if err != nil {
		return client.Issued{}, err
	}
	sig, err := keystore.SignChallenge(key, raw)
	if err != nil {
		return client.Issued{}, err
	}
	return cl.Download(ctx, client.DownloadRequest{ID: nadia, Surname: nadiaSurname, Code: code, Challenge: ch, Signature: sig})
}

// lastMessage is the newest message of kind to to, as the person reads it.
func lastMessage(t *testing.T, e *platformtest.Env, to, kind string) store.Message {
	t.Helper()
	msgs, err := e.Store.ListOutbox(context.Background(), store.OutboxFilter{To: to, Kind: kind, Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("the newest %s to %s: %v (%d messages)", kind, to, err, len(msgs))
	}
	return msgs[0]
}

// atProcedure checks that p is back at the office, on proc's page, logged
// in as name at level.
func atProcedure(t *testing.T, e *platformtest.Env, p *browsertest.Person, proc, name, level string) {
	t.Helper()
	if u := p.URL(); u != e.Office+"/procedure/"+proc {
		t.Fatalf("at %s, want the office's %s page\n%s", u, proc, p.PageText())
	}
	if got := p.Text(".who dd:nth-of-type(1)"); got != name {
		t.Errorf("name %q, want %q", got, name)
	}
	if got := p.Text(".who dd strong"); got != level {
		t.Errorf("level %q, want %q", got, level)
	}
}

func mustSay(t *testing.T, p *browsertest.Person, want ...string) {
	t.Helper()
	text := p.PageText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s's page (%s) does not say %q:\n%s", p.Name(), p.URL(), w, text)
		}
	}
}
