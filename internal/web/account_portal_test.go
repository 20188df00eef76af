package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// catalogue registers relying parties with procedures at each level.
func (e *accEnv) catalogue(t testing.TB) {
	t.Helper()
	for _, c := range []store.Client{
		{ID: "traffic", Name: "Sede de Tráfico", MinACR: "low", RedirectURIs: []string{"https://dgt.example/cb"}, Procedures: []store.Procedure{
			{ID: "points", Name: "Saldo de puntos", ACR: "low"},
			{ID: "exchange", Name: "Canje de permiso", ACR: "substantial", SignatureKind: store.SignatureRemote},
		}},
		{ID: "tax", Name: "Sede Tributaria", MinACR: "low", RedirectURIs: []string{"https://aeat.example/cb"}, Procedures: []store.Procedure{
			{ID: "vat", Name: "IVA trimestral", ACR: "substantial", SignatureKind: store.SignatureCertificate},
		}},
		{ID: "court", Name: "Sede Judicial", MinACR: "high", RedirectURIs: []string{"https://court.example/cb"}, Procedures: []store.Procedure{
			{ID: "file", Name: "Presentar escrito", ACR: "high"},
		}},
	} {
		if err := e.st.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

// portalPerson: Olena with an advanced account, one downloaded
// certificate and a second application waiting for its office check.
// It returns the certificate's serial and the waiting application's code.
func (e *accEnv) portalPerson(t testing.TB, basic bool) (serial, waitingCode string) {
	t.Helper()
	_, x, _ := e.certified("X1234567L", "Kovalenko")
	if basic {
		e.basicAccount(t, "X1234567L", "+34612345678")
	} else {
		e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	}
	c := e.apply("X1234567L", "Kovalenko")
	e.catalogue(t)
	return x.SerialNumber.Text(16), c.app.Code
}

func TestAccountPortalSections(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
		// inWindow: what the page says once renewal is open.
		inWindow []string
	}{
		{"en", []string{"Your certificates", "valid", "Online renewal", "opens on", "Pending applications and letters",
			"waiting for the identity check at an office", "Your code works until", "22/12/2026", "30 days left", "Oficina Centro", "Plaza Mayor 1, 28012 Madrid",
			"You can do these now", "Saldo de puntos", "Canje de permiso", "Needs a signature, and you can sign it.",

			"Not yet, and why", "Presentar escrito", "smart card", "This was not me", "Revoke this certificate", "codes are not shown here"},
			[]string{"Renew now", "llavero cert renew --server " + testPublicURL + " --p12 certificate.p12 --out certificate-new.p12", "After expiry you will need an office visit"}},
		{"es", []string{"Tus certificados", "en vigor", "Renovación en línea", "se abre el", "Solicitudes y cartas pendientes",
			"esperando la comprobación de identidad en una oficina", "Tu código vale hasta el", "22/12/2026", "30 días quedan",
			"Ya puedes hacerlos", "Necesita firma, y puedes firmarlo.",

			"Todavía no, y por qué", "tarjeta o token", "No fui yo", "Revocar este certificado", "los códigos no se muestran aquí"},
			[]string{"Renovar ahora", "llavero cert renew --server " + testPublicURL + " --p12 certificado.p12 --out certificado-nuevo.p12", "necesitarás una visita a una oficina"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newAccEnv(t)
			serial, code := e.portalPerson(t, false)
			b := e.browser(tc.lang)
			if resp, _ := e.pinLogin(t, b, "X1234567L", "2031-05-01", ""); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("PIN login: %d", resp.StatusCode)
			}
			resp, body := b.get("/account")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("account: %d", resp.StatusCode)
			}
			for _, w := range append(tc.want, serial) {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			// The application code is a secret that belongs in the email:
			// never on the page, in any spelling.
			if strings.Contains(body, code) || strings.Contains(body, strings.ReplaceAll(code, "-", "")) {
				t.Error("the application code is on the page")
			}
			for _, w := range tc.inWindow {
				if strings.Contains(body, w) {
					t.Errorf("renewal offered before the window: %q", w)
				}
			}
			// Into the window: the renewal command, and what after expiry.
			c, err := e.st.GetCertificate(context.Background(), serial)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Set(c.NotAfter.Add(-10 * 24 * time.Hour))
			b = e.browser(tc.lang)
			e.pinLogin(t, b, "X1234567L", "2031-05-01", "")
			_, body = b.get("/account")
			for _, w := range tc.inWindow {
				if !strings.Contains(body, w) {
					t.Errorf("in the window, the page lacks %q", w)
				}
			}
		})
	}
}

var eventIDRE = regexp.MustCompile(`name="event" value="([0-9a-f]+)"`)

func TestAccountRevoke(t *testing.T) {
	cases := []struct {
		name   string
		basic  bool // a basic account's PIN login is low
		lang   string
		reason string
		header []string
		// ask and done: statuses of the confirmation step and the act.
		ask, done int
		revoked   bool
		wantText  string
	}{
		{"substantial session revokes", false, "en", "keyCompromise", nil, 200, 303, true, "Certificate revoked"},
		{"sesión sustancial revoca", false, "es", "superseded", nil, 200, 303, true, "Certificado revocado"},
		{"low session refused with the way up", true, "en", "keyCompromise", nil, 403, 403, false, "Log in with your certificate"},
		{"sesión baja rechazada", true, "es", "keyCompromise", nil, 403, 403, false, "Entrar con tu certificado"},
		{"unknown reason", false, "en", "certificateHold", nil, 200, 400, false, "revoke.reason"},
		{"cross-site form", false, "en", "keyCompromise", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://phish.example"}, 403, 403, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccEnv(t)
			serial, _ := e.portalPerson(t, tc.basic)
			b := e.browser(tc.lang)
			e.pinLogin(t, b, "X1234567L", "2031-05-01", "")
			resp, body := b.do("POST", "/account/certificates/revoke", url.Values{"serial": {serial}}, tc.header...)
			if resp.StatusCode != tc.ask {
				t.Fatalf("confirmation step: %d %s", resp.StatusCode, body)
			}
			if tc.ask == 200 && (!strings.Contains(body, `value="keyCompromise"`) || !strings.Contains(body, `name="reason"`)) {
				t.Errorf("the confirmation lacks the reasons: %s", body)
			}
			if c, _ := e.st.GetCertificate(context.Background(), serial); !c.RevokedAt.IsZero() {
				t.Fatal("revoked by the confirmation step")
			}
			resp, body = b.do("POST", "/account/certificates/revoke/confirm", url.Values{"serial": {serial}, "reason": {tc.reason}}, tc.header...)
			if resp.StatusCode != tc.done {
				t.Fatalf("revocation: %d %s", resp.StatusCode, body)
			}
			if resp.StatusCode == http.StatusSeeOther {
				_, body = b.get(resp.Header.Get("Location"))
			}
			c, _ := e.st.GetCertificate(context.Background(), serial)
			if c.RevokedAt.IsZero() == tc.revoked {
				t.Errorf("revoked %v, want %v", !c.RevokedAt.IsZero(), tc.revoked)
			}
			if tc.revoked && c.RevocationReason != revocationCode(tc.reason) {
				t.Errorf("reason %d", c.RevocationReason)
			}
			if !strings.Contains(body, tc.wantText) {
				t.Errorf("the page lacks %q: %s", tc.wantText, body)
			}
		})
	}
	t.Run("someone else's certificate", func(t *testing.T) {
		e := newAccEnv(t)
		e.portalPerson(t, false)
		app := e.apply("12345678Z", "Muñoz")
		exp, _ := time.Parse(time.DateOnly, "2032-01-01")
		other, err := e.ra.Approve(context.Background(), e.desk(t), app.app.ApplicationID, ra.Check{DocumentType: "DNI", DocumentNumber: "12345678Z", DocumentExpiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		b := e.browser("en")
		e.pinLogin(t, b, "X1234567L", "2031-05-01", "")
		for _, p := range []string{"/account/certificates/revoke", "/account/certificates/revoke/confirm"} {
			resp, _ := b.post(p, url.Values{"serial": {other.Serial}, "reason": {"keyCompromise"}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, resp.StatusCode)
			}
		}
		if c, _ := e.st.GetCertificate(context.Background(), other.Serial); !c.RevokedAt.IsZero() {
			t.Fatal("someone else's certificate revoked")
		}
	})
}

func revocationCode(name string) int {
	return map[string]int{"keyCompromise": 1, "superseded": 4}[name]
}

func TestAccountNotMe(t *testing.T) {
	cases := []struct {
		name    string
		basic   bool
		lang    string
		revoked bool
		want    []string // on the result page
	}{
		{"substantial, certificate revoked", false, "en", true, []string{"We have protected your account", "Sessions ended: 2", "Your password is disabled",
			"Certificate revoked:", "We sent an SMS", "visit a registration office"}},
		{"sustancial, certificado revocado", false, "es", true, []string{"Hemos protegido tu cuenta", "Sesiones cerradas: 2", "Tu contraseña está desactivada",
			"Certificado revocado:", "Te hemos enviado un SMS", "ve a una oficina de registro"}},
		{"low session: everything but the revocation", true, "en", false, []string{"We have protected your account", "Certificate not revoked", "substantial level"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAccEnv(t)
			ctx := context.Background()
			serial, _ := e.portalPerson(t, tc.basic)
			if err := e.idp.SetPassword(ctx, "X1234567L", "Rio-Guadalquivir-77"); err != nil {
				t.Fatal(err)
			}
			thief := e.browser("en")
			e.pinLogin(t, thief, "X1234567L", "2031-05-01", "")
			b := e.browser(tc.lang)
			e.pinLogin(t, b, "X1234567L", "2031-05-01", "")
			_, body := b.get("/account")
			m := eventIDRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no \"this was not me\" form beside the logins: %s", body)
			}
			resp, body := b.post("/account/not-me", url.Values{"event": {m[1]}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("confirmation: %d %s", resp.StatusCode, body)
			}
			if hasBox := strings.Contains(body, `name="revoke" value="`+serial+`"`); hasBox == tc.basic {
				t.Errorf("revocation checkbox offered %v at this level", hasBox)
			}
			if _, err := e.st.GetSession(ctx, sessionID(thief.cookie())); err != nil {
				t.Fatal("the confirmation step ended sessions")
			}
			// A cross-site post does nothing.
			resp, _ = b.do("POST", "/account/not-me/confirm", url.Values{"event": {m[1]}, "revoke": {serial}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://phish.example")
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-site: %d", resp.StatusCode)
			}
			if _, err := e.st.GetSession(ctx, sessionID(thief.cookie())); err != nil {
				t.Fatal("a cross-site post ended sessions")
			}

			resp, body = b.post("/account/not-me/confirm", url.Values{"event": {m[1]}, "revoke": {serial}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("report: %d %s", resp.StatusCode, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("the result lacks %q", w)
				}
			}
			cleared := false
			for _, c := range resp.Cookies() {
				cleared = cleared || (c.Name == sessionCookie && c.MaxAge < 0)
			}
			if !cleared {
				t.Error("the session cookie was not cleared")
			}
			for name, br := range map[string]*browser{"this browser": b, "the other browser": thief} {
				if resp, _ := br.get("/account"); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("%s still logged in: %d", name, resp.StatusCode)
				}
			}
			if c, _ := e.st.GetCertificate(ctx, serial); c.RevokedAt.IsZero() == tc.revoked {
				t.Errorf("certificate revoked %v, want %v", !c.RevokedAt.IsZero(), tc.revoked)
			}
			p := e.browser(tc.lang)
			_, body = p.post("/login/password", url.Values{"id": {"X1234567L"}, "password": {"Rio-Guadalquivir-77"}})
			if !strings.Contains(body, "password.disabled") {
				t.Errorf("the password still works: %s", body)
			}
		})
	}
	t.Run("rate limited", func(t *testing.T) {
		e := newAccEnv(t)
		e.portalPerson(t, false)
		for range 3 {
			if _, err := e.idp.NotMe(context.Background(), "X1234567L", "", "low", nil, i18n.EN); err != nil {
				t.Fatal(err)
			}
		}
		b := e.browser("en")
		e.pinLogin(t, b, "X1234567L", "2031-05-01", "")
		resp, body := b.post("/account/not-me/confirm", url.Values{})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "notme.too_often") {
			t.Fatalf("fourth report in the hour: %d %s", resp.StatusCode, body)
		}
		if resp, _ := b.get("/account"); resp.StatusCode != http.StatusOK {
			t.Error("a refused report ended the session")
		}
	})
}

// BenchmarkAccountPage renders /account for a person with five
// certificates (one revoked, one renewed, one expired), an application
// waiting for its check, twelve logins, a letter and a catalogue of three
// procedures: the full request through the middleware, over loopback.
func BenchmarkAccountPage(b *testing.B) {
	e := newAccEnv(b)
	ctx := context.Background()
	var serials []string
	for range 5 {
		_, x, _ := e.certified("X1234567L", "Kovalenko")
		serials = append(serials, x.SerialNumber.Text(16))
	}
	e.advancedAccount(b, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	e.apply("X1234567L", "Kovalenko")
	e.catalogue(b)
	if _, err := e.ra.Revoke(ctx, serials[0], 1, "test"); err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.UpdateCertificate(ctx, serials[1], func(c *store.Certificate) error { c.RenewedBy = serials[2]; return nil }); err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.UpdateCertificate(ctx, serials[3], func(c *store.Certificate) error { c.NotAfter = e.clock.Now().Add(-time.Hour); return nil }); err != nil {
		b.Fatal(err)
	}
	for i := range 12 {
		if err := e.st.AddLoginEvent(ctx, store.LoginEvent{ID: strings.Repeat("a", 30) + string(rune('a'+i)) + "0", PersonID: "X1234567L",
			Method: "pin", ACR: "substantial", Outcome: "ok", IP: "192.0.2.1", At: e.clock.Now().Add(-time.Duration(i) * time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	br := e.browser("es")
	e.pinLogin(b, br, "X1234567L", "2031-05-01", "")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if resp, body := br.get("/account"); resp.StatusCode != http.StatusOK || !strings.Contains(body, serials[4]) {
			b.Fatalf("account: %d", resp.StatusCode)
		}
	}
}

// TestAccountPortalSignatureKinds: each procedure that needs a signature
// says which one, in its own line of "Procedures you can do": the
// licence exchange is signed on llavero with an SMS code, the VAT return
// with the person's certificate; a procedure without one says nothing
// about signing.
func TestAccountPortalSignatureKinds(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want map[string]string // procedure name -> what its line says about signing ("" nothing)
	}{
		{"en", map[string]string{
			"Canje de permiso": "Needs a signature, and you can sign it. It is signed on llavero, without installing anything: we send you a code by SMS to confirm it.",
			"IVA trimestral":   "Needs a signature, and you can sign it. It is signed with your certificate, on the computer that holds it.",
			"Saldo de puntos":  "",
		}},
		{"es", map[string]string{
			"Canje de permiso": "Necesita firma, y puedes firmarlo. Se firma en llavero, sin instalar nada: te enviamos un código por SMS para confirmarlo.",
			"IVA trimestral":   "Necesita firma, y puedes firmarlo. Se firma con tu certificado, en el ordenador donde lo tienes.",
			"Saldo de puntos":  "",
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newAccEnv(t)
			e.portalPerson(t, false)
			b := e.browser(tc.lang)
			if resp, _ := e.pinLogin(t, b, "X1234567L", "2031-05-01", ""); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("PIN login: %d", resp.StatusCode)
			}
			_, body := b.get("/account")
			body = html.UnescapeString(body)
			for name, want := range tc.want {
				_, line, ok := strings.Cut(body, "<strong>"+name+"</strong>")
				line, _, _ = strings.Cut(line, "</li>")
				switch {
				case !ok:
					t.Errorf("%s is not listed", name)
				case want == "" && (strings.Contains(line, "sign") || strings.Contains(line, "firm")):
					t.Errorf("%s needs no signature, but its line says %q", name, line)
				case !strings.Contains(line, want):
					t.Errorf("%s: its line says %q, want %q", name, line, want)
				}
			}
		})
	}
}
