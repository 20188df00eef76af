package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
)

// OIDCProvider is what the login pages need of the OpenID provider.
type OIDCProvider interface {
	Handler() http.Handler
	Request(ctx context.Context, id string) (oidc.LoginRequest, error)
	// RequestClient is the relying party of a sign-in request, whatever
	// the request's state (cached: the login pages ask on every page).
	RequestClient(ctx context.Context, id string) (store.Client, error)
	Complete(ctx context.Context, id string, a oidc.Authenticated) (string, error)
}

// ContinuePath is where the provider sends a browser to log in for a
// relying party; set oidc.Config.LoginURL to ContinueURL.
const ContinuePath = "/oidc/continue"

// ContinueURL is the login URL for an authorization request.
func ContinueURL(authRequestID string) string {
	return ContinuePath + "?" + url.Values{"req": {authRequestID}}.Encode()
}

// MountOIDC serves the OpenID provider's endpoints and the step between
// them and the login pages: with a session at the level the relying party
// needs, the request completes at once (single sign-on); with a weaker
// one, the person is asked only for what is missing, or told plainly why
// they cannot get in yet and how to get there.
func (s *Server) MountOIDC(p OIDCProvider, ad AccountDeps) {
	h := p.Handler()
	for _, pattern := range []string{"/.well-known/openid-configuration", "/keys", "/authorize", "/authorize/", "/oauth/",
		"/userinfo", "/revoke"} {
		s.Handle(pattern, h)
	}
	o := &oidcRoutes{s: s, p: p, a: newAccountRoutes(s, ad)}
	s.formTargets = o.oidcFormTargets
	s.requestClient = p.RequestClient
	s.completeSignIn = o.completeWith
	s.Handle("/end_session", o.endSession(h))
	// Relying parties post to these from their own servers or pages;
	// PKCE, client authentication and exact redirect URIs protect them.
	for _, pattern := range []string{"/authorize", "/oauth/", "/revoke", "/end_session"} {
		s.AllowCrossOrigin(pattern)
	}
	s.Handle("GET "+ContinuePath, http.HandlerFunc(o.continueLogin))
	s.Handle("POST /login/step-up", http.HandlerFunc(o.stepUp))
}

type oidcRoutes struct {
	s *Server
	p OIDCProvider
	a *accountRoutes
}

type levelPage struct {
	StepUp    bool   // a password session of an advanced account: only the SMS code is missing
	Next      string // where the step-up form returns to
	Client    string
	Need      i18n.Text
	Have      i18n.Text
	Level     i18n.Text // the account's registration level
	Procs     []levelProc
	WaysUp    []i18n.Text
	StrongURL string
}

// levelProc is a procedure of the office that needs more than this
// session: its level, and how it is signed (empty when it is not).
type levelProc struct {
	Name  string // in the page's language ([store.Procedure.NameFor])
	Level i18n.Text
	Sign  i18n.Text
}

// endSession ends the browser's single-sign-on session as well as the
// relying party's tokens: logging out of an office must not leave the next
// visitor of that browser signed in to every other. Only a request that
// names a relying party (id_token_hint or client_id) does this, so a bare
// link cannot log people out.
func (o *oidcRoutes) endSession(provider http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil && (r.Form.Get("id_token_hint") != "" || r.Form.Get("client_id") != "") {
			if err := o.a.endSession(w, r); err != nil {
				o.s.log.Warn("single-sign-on session not ended at end_session", "err", err)
			}
		}
		provider.ServeHTTP(w, r)
	})
}

// completeWith completes sign-in request id with a session just opened,
// when the office takes it (its level and method), and returns the
// office's address to send the browser to. Otherwise it reports false and
// the caller goes through the continue step, which explains the refusal.
func (o *oidcRoutes) completeWith(r *http.Request, id string, sess store.Session) (string, bool) {
	ctx := r.Context()
	c, err := o.p.RequestClient(ctx, id)
	if err != nil || !accepts(c, clientMethod(sess.AMR)) {
		return "", false
	}
	// Complete checks the level and the request's state under its lock.
	back, err := o.p.Complete(ctx, id, oidc.Authenticated{PersonID: sess.PersonID, ACR: sess.ACR, AMR: sess.AMR, AuthTime: sess.AuthTime})
	if err != nil {
		return "", false
	}
	return back, true
}

func (o *oidcRoutes) continueLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.URL.Query().Get("req")
	lr, err := o.p.Request(ctx, id)
	if err != nil {
		o.s.Error(w, r, WithStatus(http.StatusGone, err))
		return
	}
	here := ContinueURL(id)
	strong := "/login?" + url.Values{"next": {here}, "acr": {lr.NeedACR}}.Encode()
	officeLanguage(w, r, lr.UILocales)
	sess, ok := o.a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, strong, http.StatusSeeOther)
		return
	}
	if !loa.Meets(sess.ACR, lr.NeedACR) {
		o.tooLow(w, r, lr, sess, strong)
		return
	}
	if !accepts(lr.Client, clientMethod(sess.AMR)) {
		o.wrongMethod(w, r, lr.Client, sess, here, lr.NeedACR)
		return
	}
	cb, err := o.p.Complete(ctx, id, oidc.Authenticated{PersonID: sess.PersonID, ACR: sess.ACR, AMR: sess.AMR, AuthTime: sess.AuthTime})
	if errors.Is(err, oidc.ErrLevelTooLow) {
		o.tooLow(w, r, lr, sess, strong)
		return
	}
	if err != nil {
		o.s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, cb, http.StatusSeeOther)
}

// tooLow explains a session below the relying party's level: which
// procedure needs what, where the person stands, and the ways up.
func (o *oidcRoutes) tooLow(w http.ResponseWriter, r *http.Request, lr oidc.LoginRequest, sess store.Session, strong string) {
	ctx := r.Context()
	pg := levelPage{Client: lr.Client.Name, Need: label(acrLabels, lr.NeedACR), Have: label(acrLabels, sess.ACR), StrongURL: strong}
	for _, p := range lr.Procedures {
		if !loa.Meets(sess.ACR, p.ACR) {
			pg.Procs = append(pg.Procs, levelProc{Name: p.NameFor(string(LangOf(r))), Level: label(acrLabels, p.ACR), Sign: signText(p.SignatureNeeded())})
		}
	}
	st := loa.Standing{HasAccount: true}
	if acc, err := o.a.d.Store.GetAccount(ctx, sess.PersonID); err == nil {
		st.Advanced = acc.Level == store.LevelAdvanced
		st.HasPassword = acc.PasswordHash != ""
		pg.Level = label(levelLabels, acc.Level)
	}
	if person, err := o.a.d.Store.GetPerson(ctx, sess.PersonID); err == nil {
		st.IsDNIHolder = person.DocumentType == store.DocDNI
	}
	if certs, err := o.a.d.Store.ListCertificates(ctx, store.CertificateFilter{PersonID: sess.PersonID, Kind: store.CertPerson, Limit: 5, OmitDER: true}); err == nil {
		for _, c := range certs {
			if c.RevokedAt.IsZero() {
				st.HasCertificate = true
			}
		}
	}
	if devs, err := o.a.d.IdP.Devices(ctx, sess.PersonID); err == nil {
		st.HasDevice = len(devs) > 0
	}
	pg.WaysUp = loa.WaysUp(st, lr.NeedACR)
	// Ask only for what is missing: a password session of an advanced
	// account reaches substantial with the SMS code alone.
	if st.Advanced && slices.Contains(sess.AMR, "pwd") && loa.Rank(lr.NeedACR) <= loa.Rank(loa.Substantial) {
		pg.StepUp, pg.Next = true, ContinueURL(lr.ID)
	}
	o.s.Render(w, r, http.StatusForbidden, "oidc_level", pg)
}

// stepUp sends the SMS code that lifts the current password session to
// substantial; the code page's form then completes it as after a password.
func (o *oidcRoutes) stepUp(w http.ResponseWriter, r *http.Request) {
	if !o.a.form(w, r) {
		return
	}
	sess, ok := o.a.sessionOf(r)
	next := safeNext(field(r, "next"))
	if !ok {
		http.Redirect(w, r, loginURL(next), http.StatusSeeOther)
		return
	}
	sent, err := o.a.d.IdP.StartOTP(r.Context(), sess.PersonID, LangOf(r))
	if err != nil {
		o.s.Error(w, r, err)
		return
	}
	o.s.Render(w, r, http.StatusOK, "login_code", codePage{
		OTP: true, CodeID: sent.CodeID, MaskedPhone: sent.MaskedPhone, Expires: o.a.clock(sent.ExpiresAt), Next: next,
	})
}

var _ = addTexts(map[string]i18n.Text{
	"oidclevel.title":         i18n.T("Necesitas un nivel de acceso más alto", "You need a higher level of sign-in"),
	"oidclevel.lead":          i18n.T("pide para este trámite el nivel", "asks, for this procedure, for the level"),
	"oidclevel.have":          i18n.T("Has entrado con el nivel", "You logged in at the level"),
	"oidclevel.acc":           i18n.T("Tu cuenta está registrada con nivel", "Your account is registered at the level"),
	"oidclevel.procs":         i18n.T("Trámites de esta sede que piden más:", "Procedures of this office that need more:"),
	"oidclevel.up":            i18n.T("Cómo conseguirlo", "How to get there"),
	"oidclevel.strong":        i18n.T("Entrar con un método más seguro", "Log in with a stronger method"),
	"oidclevel.stepup":        i18n.T("Solo falta el código que te enviamos por SMS.", "Only the code we send you by SMS is missing."),
	"oidclevel.stepup.button": i18n.T("Enviarme el código por SMS", "Send me the code by SMS"),
})
