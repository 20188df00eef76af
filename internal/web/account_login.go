package web

import (
	"net/http"
	"net/url"

	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// The login pages. Each step is a plain form; what one step hands to the
// next travels in the page itself:
//
//   - the one-time code's ID is a hidden field of the code page. That is
//     safe because the ID alone is useless: the code it names is stored
//     as an HMAC bound to its person and purpose, and only the six digits
//     sent by SMS to the account's mobile open it (five wrong tries lock
//     it). Knowing or swapping the ID gains an attacker nothing.
//   - "send another code" posts only that ID (idp.ResendPIN): the
//     identifier and the second fact are never put back into a page.
//   - after a password, only the OTP code's ID is carried: the password
//     is never put back into a page.

type loginChoicePage struct {
	Next string
	ACR  string
	Bye  bool // just logged out
	// PIN and Password are offered unless the relying party of this
	// sign-in accepts other methods only (Only says so on the page).
	PIN, Password, Only bool
	// CertLogin is where "log in with your certificate" starts, on the
	// certificate origin; "" when the installation has none.
	CertLogin string
	App       bool // the app login is on
}

type pinFormPage struct {
	ID      string
	Fact    string
	Next    string
	Problem *problemView
}

type passwordFormPage struct {
	ID      string
	WithOTP bool
	ACR     string
	Next    string
	Problem *problemView
}

// codePage is the second step of both the PIN and the password+OTP login.
type codePage struct {
	OTP         bool // a password's second factor rather than a PIN
	CodeID      string
	MaskedPhone string
	Expires     string
	Next        string
	Resent      bool
	Problem     *problemView
}

// wantsSubstantial reports whether the login was asked for at a level a
// password alone cannot reach.
func wantsSubstantial(acr string) bool {
	level, ok := loa.FromURI(acr)
	return ok && loa.Rank(level) >= loa.Rank(loa.Substantial)
}

func (a *accountRoutes) loginChoice(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := loginChoicePage{Next: safeNext(q.Get("next")), ACR: q.Get("acr"), Bye: q.Get("bye") != "", PIN: true, Password: true}
	pg.App = a.d.IdP.AppLoginOn()
	c, signIn := store.Client{}, false
	if pg.Next != "" {
		c, signIn = a.signInClient(r.Context(), pg.Next)
	}
	if signIn && len(c.Methods) > 0 {
		pg.Only = true
		pg.PIN, pg.Password = accepts(c, "pin"), accepts(c, "password")
		pg.App = pg.App && accepts(c, "app")
	}
	if a.d.CertLoginURL != "" && (!signIn || accepts(c, "certificate")) {
		// Through the main origin first, which binds the login to this
		// browser (see certLoginBegin).
		pg.CertLogin = "/login/certificate/begin"
		if pg.Next != "" {
			pg.CertLogin += "?" + url.Values{"next": {pg.Next}}.Encode()
		}
	}
	a.s.Render(w, r, http.StatusOK, "login", pg)
}

func (a *accountRoutes) pinForm(w http.ResponseWriter, r *http.Request) {
	a.s.Render(w, r, http.StatusOK, "login_pin", pinFormPage{Next: safeNext(r.URL.Query().Get("next"))})
}

// pinStart checks the identifier and second fact and sends the PIN. The
// "send another" button of the code page posts here too.
func (a *accountRoutes) pinStart(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	id, fact, next := field(r, "id"), field(r, "fact"), safeNext(field(r, "next"))
	sent, err := a.d.IdP.StartPIN(r.Context(), id, fact, clientKey(r), LangOf(r))
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		a.s.Render(w, r, status, "login_pin", pinFormPage{ID: id, Fact: fact, Next: next, Problem: p})
		return
	}
	a.s.Render(w, r, http.StatusOK, "login_code", codePage{
		CodeID: sent.CodeID, MaskedPhone: sent.MaskedPhone, Expires: a.clock(sent.ExpiresAt),
		Next: next,
	})
}

// pinResend sends another PIN for the code the page holds; the code ID
// stands for the checks already passed, so nothing else rides in the page.
func (a *accountRoutes) pinResend(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := codePage{CodeID: field(r, "code_id"), Next: safeNext(field(r, "next"))}
	sent, err := a.d.IdP.ResendPIN(r.Context(), pg.CodeID, LangOf(r))
	if err != nil {
		a.codeAgain(w, r, pg, err)
		return
	}
	a.s.Render(w, r, http.StatusOK, "login_code", codePage{
		CodeID: sent.CodeID, MaskedPhone: sent.MaskedPhone, Expires: a.clock(sent.ExpiresAt), Next: pg.Next, Resent: true,
	})
}

// codeAgain shows the code page again after a wrong code, with what the
// store knows of the code (where it went, until when), not what the
// browser claims.
func (a *accountRoutes) codeAgain(w http.ResponseWriter, r *http.Request, pg codePage, err error) {
	p, status, ok := a.refusal(w, r, err)
	if !ok {
		return
	}
	pg.Problem = p
	if oc, gerr := a.d.Store.GetCode(r.Context(), pg.CodeID); gerr == nil {
		pg.MaskedPhone, pg.Expires = masked(oc.Destination), a.clock(oc.ExpiresAt)
	}
	a.s.Render(w, r, status, "login_code", pg)
}

func (a *accountRoutes) pinVerify(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := codePage{CodeID: field(r, "code_id"), Next: safeNext(field(r, "next"))}
	var opened openedSession
	if _, err := a.d.IdP.VerifyPIN(r.Context(), pg.CodeID, field(r, "pin"), a.sessionIn(r, &opened)); err != nil {
		a.codeAgain(w, r, pg, err)
		return
	}
	a.signedIn(w, r, opened, pg.Next)
}

func (a *accountRoutes) passwordForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	acr := q.Get("acr")
	a.s.Render(w, r, http.StatusOK, "login_password", passwordFormPage{
		Next: safeNext(q.Get("next")), ACR: acr, WithOTP: wantsSubstantial(acr),
	})
}

func (a *accountRoutes) passwordLogin(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := passwordFormPage{ID: field(r, "id"), ACR: field(r, "acr"), Next: safeNext(field(r, "next"))}
	pg.WithOTP = r.PostFormValue("otp") != "" || wantsSubstantial(pg.ACR)
	who, err := a.d.IdP.LoginPassword(r.Context(), pg.ID, r.PostFormValue("password"), clientKey(r))
	if err == nil && pg.WithOTP {
		var sent idp.CodeSent
		sent, err = a.d.IdP.StartOTP(r.Context(), who.PersonID, LangOf(r))
		if err == nil {
			a.s.Render(w, r, http.StatusOK, "login_code", codePage{
				OTP: true, CodeID: sent.CodeID, MaskedPhone: sent.MaskedPhone, Expires: a.clock(sent.ExpiresAt), Next: pg.Next,
			})
			return
		}
	}
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		a.s.Render(w, r, status, "login_password", pg)
		return
	}
	a.loggedIn(w, r, who, pg.Next)
}

func (a *accountRoutes) otpVerify(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := codePage{OTP: true, CodeID: field(r, "code_id"), Next: safeNext(field(r, "next"))}
	var opened openedSession
	if _, err := a.d.IdP.VerifyOTP(r.Context(), pg.CodeID, field(r, "pin"), a.sessionIn(r, &opened)); err != nil {
		a.codeAgain(w, r, pg, err)
		return
	}
	a.signedIn(w, r, opened, pg.Next)
}

// loggedIn opens the session and sends the person on. 303 makes the
// browser follow with a GET, so reloading the next page never posts the
// code again.
func (a *accountRoutes) loggedIn(w http.ResponseWriter, r *http.Request, who idp.Authenticated, next string) {
	opened, err := a.openSession(r, who)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	a.signedIn(w, r, opened, next)
}

// signedIn gives the browser the session just opened and sends the
// person on to next. A sign-in for an
// office that this session satisfies is completed at once, and the
// browser goes straight back to the office: the continue step would only
// find the session it was just given. Anything else (a level or method
// the office does not take) goes through that step, which explains it.
func (a *accountRoutes) signedIn(w http.ResponseWriter, r *http.Request, opened openedSession, next string) {
	a.setSessionCookie(w, r, opened.token)
	sess := opened.sess
	if next == "" {
		next = "/account"
	}
	if id := continueRequestID(next); id != "" && a.s.completeSignIn != nil {
		if back, ok := a.s.completeSignIn(r, id, sess); ok {
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *accountRoutes) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.endSession(w, r); err != nil {
		a.s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?"+url.Values{"bye": {"1"}}.Encode(), http.StatusSeeOther)
}

// loginURL sends a visitor without a session to the login, to come back.
func loginURL(next string) string {
	return "/login?" + url.Values{"next": {next}}.Encode()
}
