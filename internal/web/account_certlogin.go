package web

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
)

// Login with a certificate. Only the certificate-login origin can ask for
// a client certificate, and only the main origin holds the session cookie,
// so the login takes two requests and one redirect between them:
//
//	certificate origin  GET /login/certificate?next=/x
//	                    TLS has verified the certificate; the IdP checks it
//	                    with the RA and issues a hand-off token
//	                    → 303 <PublicURL>/login/certificate/complete?token=…&next=/x
//	main origin         GET /login/certificate/complete?token=…&next=/x
//	                    the IdP consumes the token; a new session starts
//	                    → 303 /x (or /account)
//
// The token travels in a URL, once. That is acceptable because it is
// worth one login for 60 seconds and is spent by the very next request,
// which the browser makes at once; it goes over HTTPS in production; every
// page is sent with Referrer-Policy: no-referrer and Cache-Control:
// no-store, so it does not leak to the next page's third parties or to
// caches; and only its HMAC is stored. A cookie could not carry it: the
// two origins do not share cookies.
//
// The session is started on the main origin exactly as after a PIN, with
// a new token, so a session planted before the login never becomes a
// logged-in one.

// certLoginStart runs on the certificate origin.
func (a *accountRoutes) certLoginStart(w http.ResponseWriter, r *http.Request) {
	x := clientCert(r)
	if x == nil {
		a.s.Error(w, r, WithStatus(http.StatusUnauthorized, errNoClientCert))
		return
	}
	if a.s.publicURL == "" {
		// Without the main origin's address there is nowhere to send the
		// browser: the session cookie cannot be set from here.
		a.s.Error(w, r, errors.New("web: certificate login needs the main origin's public URL (Config.PublicURL)"))
		return
	}
	token, err := a.d.IdP.StartCertificateLogin(r.Context(), x)
	if err != nil {
		switch i18n.CodeOf(err) {
		case "":
			a.s.Error(w, r, err)
		case ra.ErrCertUnknown.Code:
			a.s.Error(w, r, WithStatus(http.StatusUnauthorized, errForeignClientCert.Wrap(err)))
		case ra.ErrRenewExpired.Code:
			a.s.Error(w, r, WithStatus(http.StatusForbidden, err))
		default:
			a.s.Error(w, r, WithStatus(accountStatus(w, err), err))
		}
		return
	}
	q := url.Values{"token": {token}}
	if st := r.URL.Query().Get("state"); st != "" && len(st) <= 64 {
		q.Set("state", st)
	}
	// Checked here and again on arrival: this origin must not be a
	// redirector either.
	if next := safeNext(r.URL.Query().Get("next")); next != "" {
		q.Set("next", next)
	}
	http.Redirect(w, r, a.s.publicURL+"/login/certificate/complete?"+q.Encode(), http.StatusSeeOther)
}

// certStateCookie binds a certificate login to the browser that started
// it on the main origin. Without it, someone holding a certificate could
// start a login and make a victim's browser open the completion link,
// logging the victim in as them (login CSRF), as OAuth's state prevents.
const certStateCookie = "llavero_certstate"

// certLoginBegin runs on the main origin: it sets the state cookie and
// sends the browser to the certificate origin with the same state.
func (a *accountRoutes) certLoginBegin(w http.ResponseWriter, r *http.Request) {
	state := rand.Text()
	http.SetCookie(w, &http.Cookie{Name: certStateCookie, Value: state, Path: "/login/certificate", MaxAge: 300,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	q := url.Values{"state": {state}}
	if next := safeNext(r.URL.Query().Get("next")); next != "" {
		q.Set("next", next)
	}
	http.Redirect(w, r, a.d.CertLoginURL+"/login/certificate?"+q.Encode(), http.StatusSeeOther)
}

// certLoginComplete runs on the main origin.
func (a *accountRoutes) certLoginComplete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(certStateCookie)
	if err != nil || q.Get("state") == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(q.Get("state"))) != 1 {
		a.s.Error(w, r, errCertState)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: certStateCookie, Value: "", Path: "/login/certificate", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	who, err := a.d.IdP.CompleteCertificateLogin(r.Context(), q.Get("token"))
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	a.loggedIn(w, r, who, safeNext(q.Get("next")))
}

var errCertState = i18n.New("certlogin.state",
	i18n.T("Este acceso con certificado no empezó en este navegador.", "This certificate login did not start in this browser."),
	i18n.T("Vuelve a la página de acceso y elige «Entrar con tu certificado» desde aquí.", "Go back to the login page and choose \"Log in with your certificate\" from here."))
