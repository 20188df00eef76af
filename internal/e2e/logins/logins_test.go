package logins_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"github.com/llavero/llavero/internal/browsertest"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/sampleoffice"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// TestLogins runs every browser login against one platform and one
// browser: each subtest is a different person in their own browser
// context, so they do not interfere, and the platform and Chromium start
// once.
func TestLogins(t *testing.T) {
	browsertest.Shared(t) // skip before starting a platform if there is no browser
	e := platformtest.Start(t, platformtest.Options{Host: "localhost"})
	const lucia, marta = "Tranvía-Azul-Nube-42", "Molino-Verde-Río-17"
	e.SetPassword(t, "87654321X", lucia)
	e.SetPassword(t, "11111111H", marta)

	t.Run("PIN", func(t *testing.T) {
		for _, tc := range []struct{ id, name, level string }{
			{"X1234567L", "Olena Kovalenko", "substantial"}, // advanced account
			{"12345678Z", "José Muñoz Pérez", "low"},        // basic account
		} {
			t.Run(tc.id, func(t *testing.T) {
				p := browsertest.New(t, tc.id)
				start(t, e, p, "points-balance")
				if st := pinLogin(t, e, p, tc.id); st != http.StatusOK {
					t.Fatalf("after the PIN: status %d at %s", st, p.URL())
				}
				atProcedure(t, e, p, "points-balance", tc.name, tc.level)
				if amr := p.Text(".who dd:nth-of-type(5)"); !strings.Contains(amr, "sms") {
					t.Errorf("amr %q", amr)
				}
			})
		}
	})

	t.Run("password and SMS code", func(t *testing.T) {
		p := browsertest.New(t, "lucia")
		start(t, e, p, "licence-exchange")
		p.Click(`a[href^="/login/password"]`)
		if !p.Has("#otp:checked") {
			t.Error("a substantial procedure's password form does not ask for the SMS code")
		}
		p.Fill("#id", "87654321X")
		p.Fill("#password", lucia)
		p.Submit(`form[action="/login/password"] button[type=submit]`)
		if !p.Has(`form[action="/login/otp/verify"] #pin`) {
			t.Fatalf("no SMS code form after the password: %s", p.PageText())
		}
		p.Fill("#pin", e.LastCode(t, "87654321X"))
		if st := p.Submit(`form[action="/login/otp/verify"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("after the SMS code: status %d at %s", st, p.URL())
		}
		atProcedure(t, e, p, "licence-exchange", "Lucía García Sanz", "substantial")
		if amr := p.Text(".who dd:nth-of-type(5)"); !strings.Contains(amr, "pwd") || !strings.Contains(amr, "sms") {
			t.Errorf("amr %q", amr)
		}
	})

	t.Run("step-up asks only for the SMS code", func(t *testing.T) {
		p := browsertest.New(t, "marta")
		// A password-only session (low), opened at llavero itself.
		p.Go(e.Issuer + "/login/password")
		p.Fill("#id", "11111111H")
		p.Fill("#password", marta)
		if p.Has("#otp:checked") {
			t.Fatal("the plain password form asks for the SMS code already")
		}
		p.Submit(`form[action="/login/password"] button[type=submit]`)
		if !strings.HasPrefix(p.URL(), e.Issuer+"/account") {
			t.Fatalf("password login ended at %s", p.URL())
		}

		// The office needs substantial: llavero explains and offers the
		// one missing step, without asking for the identifier or the
		// password again.
		if st := start(t, e, p, "licence-exchange"); st != http.StatusForbidden {
			t.Fatalf("a low session at a substantial procedure: status %d at %s", st, p.URL())
		}
		mustSay(t, p, sampleoffice.Name, "substantial", "Only the code we send you by SMS is missing.")
		p.Submit(`form[action="/login/step-up"] button[type=submit]`)
		if !p.Has(`form[action="/login/otp/verify"] #pin`) || p.Has("#password") || p.Has("#id") {
			t.Fatalf("step-up page:\n%s", p.PageText())
		}
		p.Fill("#pin", e.LastCode(t, "11111111H"))
		if st := p.Submit(`form[action="/login/otp/verify"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("after the SMS code: status %d at %s", st, p.URL())
		}
		atProcedure(t, e, p, "licence-exchange", "Marta Ruiz López", "substantial")
	})

	t.Run("basic account refused with the ways up", func(t *testing.T) {
		p := browsertest.New(t, "jose")
		start(t, e, p, "licence-exchange")
		if st := pinLogin(t, e, p, "12345678Z"); st != http.StatusForbidden {
			t.Fatalf("a basic account at a substantial procedure: status %d at %s", st, p.URL())
		}
		if p.Lang() != "en" {
			t.Errorf("lang %q", p.Lang())
		}
		mustSay(t, p, "You need a higher level of sign-in", sampleoffice.Name,
			"asks, for this procedure, for the level substantial",
			"You logged in at the level low", "Your account is registered at the level basic",
			"Exchange a foreign driving licence", // the procedure, as the office registered it in English
			"How to get there", "Get your certificate", "Go to a registration office", "video identification")
		if p.Has(`form[action="/login/step-up"]`) {
			t.Error("a basic account is offered the SMS step-up, which cannot reach substantial")
		}

		// The same page in Spanish, through the page's language switch.
		if st := p.Click("a.switch"); st != http.StatusForbidden || p.Lang() != "es" {
			t.Fatalf("switch to Spanish: status %d, lang %q", st, p.Lang())
		}
		mustSay(t, p, "Necesitas un nivel de acceso más alto", sampleoffice.Name,
			"pide para este trámite el nivel sustancial",
			"Has entrado con el nivel bajo", "Tu cuenta está registrada con nivel básico",
			"Canjear un permiso de conducir extranjero",
			"Cómo conseguirlo", "Consigue tu certificado", "Ve a una oficina de registro", "videoidentificación")
	})

	t.Run("keyboard only", func(t *testing.T) {
		// Tab to each control and press Enter or type: no clicks, no
		// script filling fields.
		const id = "Y1234567X"
		p := browsertest.New(t, "ahmed")
		p.Go(e.Office + "/")
		p.TabTo(`form[action="/start/points-balance"] button`, 20)
		p.TypeAndWait(kb.Enter)
		if !strings.HasPrefix(p.URL(), e.Issuer+"/login") {
			t.Fatalf("Enter on Start went to %s", p.URL())
		}
		p.TabTo(`a[href^="/login/pin"]`, 20)
		p.TypeAndWait(kb.Enter)
		p.TabTo("#id", 20)
		p.Type(id)
		p.TabTo("#fact", 5)
		p.Type(platformtest.Facts[id])
		p.TypeAndWait(kb.Enter)
		p.TabTo("#pin", 20)
		p.Type(e.LastCode(t, id))
		if st := p.TypeAndWait(kb.Enter); st != http.StatusOK {
			t.Fatalf("after the PIN: status %d at %s", st, p.URL())
		}
		atProcedure(t, e, p, "points-balance", "Ahmed Benali", "substantial")
	})

	t.Run("forms from another website are refused", func(t *testing.T) {
		// Olena, logged in at llavero, visits a hostile page on another
		// site (127.0.0.1 is not localhost) whose forms post to llavero
		// and to the office.
		p := browsertest.New(t, "olena")
		start(t, e, p, "points-balance")
		pinLogin(t, e, p, "X1234567L")
		evil := hostile(t, e)
		sent := e.SMSCount(t, "X1234567L")

		for _, tc := range []struct {
			form string
			want []string
		}{
			{"pin", []string{"We refused this request because it came from another website.", "llavero"}},
			{"password", []string{"We refused this request because it came from another website."}},
			{"logout", []string{"We refused this request because it came from another website."}},
			{"office", []string{"another website"}},
		} {
			t.Run(tc.form, func(t *testing.T) {
				p.Go(evil)
				if st := p.Submit("#" + tc.form); st != http.StatusForbidden {
					t.Fatalf("status %d at %s:\n%s", st, p.URL(), p.PageText())
				}
				if p.Lang() == "" || !p.Has("h1") {
					t.Errorf("the refusal is not a page: lang %q\n%s", p.Lang(), p.HTML())
				}
				mustSay(t, p, tc.want...)
			})
		}
		if n := e.SMSCount(t, "X1234567L"); n != sent {
			t.Errorf("the hostile PIN form sent %d SMS", n-sent)
		}
		if acc, err := e.Store.GetAccount(t.Context(), "X1234567L"); err != nil || acc.PasswordHash != "" {
			t.Errorf("the hostile password form changed the account: %v", err)
		}
		// Still logged in: the hostile logout did nothing.
		start(t, e, p, "points-balance")
		atProcedure(t, e, p, "points-balance", "Olena Kovalenko", "substantial")
	})
}

// start opens the office's home page and starts proc, and returns the
// status of the page the browser lands on (llavero's login page, or the
// procedure when already logged in).
func start(t *testing.T, e *platformtest.Env, p *browsertest.Person, proc string) int {
	t.Helper()
	if st := p.Go(e.Office + "/"); st != http.StatusOK {
		t.Fatalf("office home: status %d", st)
	}
	return p.Submit(fmt.Sprintf(`form[action="/start/%s"] button`, proc))
}

// pinLogin logs in with a PIN from llavero's login page: the PIN method,
// the identifier and the second fact, then the code from the SMS. It
// returns the status of the page it ends on.
func pinLogin(t *testing.T, e *platformtest.Env, p *browsertest.Person, id string) int {
	t.Helper()
	if !strings.HasPrefix(p.URL(), e.Issuer+"/login") {
		t.Fatalf("not on llavero's login page: %s", p.URL())
	}
	p.Click(`a[href^="/login/pin"]`)
	p.Fill("#id", id)
	p.Fill("#fact", platformtest.Facts[id])
	p.Submit(`form[action="/login/pin"] button[type=submit]`)
	if !p.Has(`form[action="/login/pin/verify"] #pin`) {
		t.Fatalf("no PIN form after the identifier:\n%s", p.PageText())
	}
	p.Fill("#pin", e.LastCode(t, id))
	return p.Submit(`form[action="/login/pin/verify"] button[type=submit]`)
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
	if got := p.Text(".who dd strong + code"); got != "http://eidas.europa.eu/LoA/"+level {
		t.Errorf("acr %q", got)
	}
}

func mustSay(t *testing.T, p *browsertest.Person, want ...string) {
	t.Helper()
	text := p.PageText()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not say %q:\n%s", w, text)
		}
	}
}

// hostile serves a page on another site with forms aimed at llavero and
// at the office, and returns its address.
func hostile(t *testing.T, e *platformtest.Env) string {
	t.Helper()
	page := fmt.Sprintf(`<!doctype html><html lang="en"><title>Win a prize</title>
<form method="post" action="%[1]s/login/pin"><input type="hidden" name="id" value="X1234567L"><input type="hidden" name="fact" value="%[3]s"><button id="pin">Claim</button></form>
<form method="post" action="%[1]s/account/password"><input type="hidden" name="password" value="Hijacked-Pass-2026"><input type="hidden" name="confirm" value="Hijacked-Pass-2026"><button id="password">Claim</button></form>
<form method="post" action="%[1]s/logout"><button id="logout">Claim</button></form>
<form method="post" action="%[2]s/start/points-balance"><button id="office">Claim</button></form>
</html>`, html.EscapeString(e.Issuer), html.EscapeString(e.Office), platformtest.Facts["X1234567L"])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	return srv.URL // http://127.0.0.1:port: another site than localhost
}
