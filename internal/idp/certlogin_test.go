package idp

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

func TestCertificateLoginUpgradesABasicAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.basicAccount("X1234567L", "+34612345678")
	cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")

	token, err := e.idp.StartCertificateLogin(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := e.st.GetAccount(ctx, "X1234567L")
	if err != nil || acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaCertificate || acc.Mobile != "+34612345678" {
		t.Fatalf("account after the certificate: %+v %v", acc, err)
	}
	// The upgrade is in the audit log.
	events, err := e.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var upgraded bool
	for _, ev := range events {
		if ev.Action == "account.register" && ev.Subject == "X1234567L" && strings.Contains(ev.Detail, `"via":"certificate"`) && strings.Contains(ev.Detail, `"level":"advanced"`) {
			upgraded = true
		}
	}
	if !upgraded {
		t.Fatalf("no audit event for the upgrade: %+v", events)
	}
	// Only the hash is stored: the secret half of the token is nowhere.
	id, secret, _ := strings.Cut(token, ".")
	oc, err := e.st.GetCode(ctx, id)
	if err != nil || oc.Purpose != CodeCertHandoff || strings.Contains(oc.CodeHash, secret) || oc.ExpiresAt.Sub(oc.CreatedAt) != time.Minute {
		t.Fatalf("stored code %+v %v", oc, err)
	}

	who, err := e.idp.CompleteCertificateLogin(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if who.PersonID != "X1234567L" || who.Method != loa.MethodCertificate || who.ACR != loa.Substantial || !slices.Equal(who.AMR, []string{"swk"}) {
		t.Fatalf("authenticated %+v", who)
	}
	ev, err := e.st.ListLoginEvents(ctx, "X1234567L", 1)
	if err != nil || len(ev) != 1 || ev[0].Method != loa.MethodCertificate || ev[0].Outcome != "ok" {
		t.Fatalf("login events %+v %v", ev, err)
	}

	// Single use.
	_, err = e.idp.CompleteCertificateLogin(ctx, token)
	wantCode(t, err, "certlogin.used")
}

func TestCertificateLoginCreatesAnAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cert := e.certificate("12345678Z", "Muñoz", "DNI", "12345678Z", "2032-01-01")
	token, err := e.idp.StartCertificateLogin(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	if acc, err := e.st.GetAccount(ctx, "12345678Z"); err != nil || acc.Level != store.LevelAdvanced {
		t.Fatalf("account %+v %v", acc, err)
	}
	if who, err := e.idp.CompleteCertificateLogin(ctx, token); err != nil || who.ACR != loa.Substantial {
		t.Fatalf("login %+v %v", who, err)
	}
}

func TestCertificateLoginTokenExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
	token, err := e.idp.StartCertificateLogin(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(61 * time.Second)
	_, err = e.idp.CompleteCertificateLogin(ctx, token)
	wantCode(t, err, "certlogin.expired")
}

func TestCertificateLoginRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cert := e.certificate("X1234567L", "Kovalenko", "TIE", "X1234567L", "2031-05-01")
	token, err := e.idp.StartCertificateLogin(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _ := strings.Cut(token, ".")
	// A wrong secret for a real ID, malformed tokens and an unknown ID are
	// all the same "unknown", and none spends the real token.
	other := "a" + secret[1:]
	if other == secret {
		other = "b" + secret[1:]
	}
	for _, bad := range []string{"", "nonsense", id, id + ".", id + "." + other,
		// The same secret spelt in capitals: one spelling only.
		id + "." + strings.ToUpper(secret),
		strings.Repeat("0", 32) + "." + secret, "../" + token, token + "x"} {
		_, err := e.idp.CompleteCertificateLogin(ctx, bad)
		wantCode(t, err, "certlogin.unknown")
	}
	// Another purpose's code is not a hand-off token, even with its ID.
	e.basicAccount("12345678Z", "+34699000111")
	sent, err := e.idp.StartPIN(ctx, "12345678Z", "ABC123456", "", i18n.ES)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.idp.CompleteCertificateLogin(ctx, sent.CodeID+"."+secret)
	wantCode(t, err, "certlogin.unknown")

	if _, err := e.idp.CompleteCertificateLogin(ctx, token); err != nil {
		t.Fatalf("the real token after the bad ones: %v", err)
	}

	// A revoked certificate logs nobody in and issues no token.
	if _, err := e.ra.Revoke(ctx, ra.SerialHex(cert.SerialNumber), 1, "test"); err != nil {
		t.Fatal(err)
	}
	_, err = e.idp.StartCertificateLogin(ctx, cert)
	wantCode(t, err, "renew.expired")
	// Nor does a certificate this platform never issued.
	_, err = e.idp.StartCertificateLogin(ctx, e.ca.Chain()[0])
	wantCode(t, err, "certificate.unknown")
}
