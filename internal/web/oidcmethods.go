package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// A relying party may accept only some login methods (admin client add
// --methods). The login page of its sign-in offers only those, and the
// continue step checks the session's method: a session opened with a
// method the office does not accept is not handed to it. The person is
// shown which methods the office accepts, each a link that logs in and
// comes back, never a bare refusal.

// clientMethod is the name a client's Methods list uses for a session's
// way of logging in: a password with or without its SMS code is
// "password".
func clientMethod(amr []string) string {
	m := methodOfAMR(amr)
	if m == "password+otp" {
		return "password"
	}
	return m
}

// accepts reports whether c takes a login by method; an empty list takes
// every method.
func accepts(c store.Client, method string) bool {
	return len(c.Methods) == 0 || slices.Contains(c.Methods, method)
}

// signInClient returns the relying party whose sign-in next continues,
// if any. It reads the store, not the provider: the login pages are served
// whether or not an OpenID provider is mounted.
func (a *accountRoutes) signInClient(ctx context.Context, next string) (store.Client, bool) {
	id := continueRequestID(next)
	if id == "" {
		return store.Client{}, false
	}
	if a.s.requestClient != nil {
		c, err := a.s.requestClient(ctx, id)
		return c, err == nil
	}
	// No provider mounted (a front serving only the account pages): the
	// store has the request and its client.
	ar, err := a.d.Store.GetAuthRequest(ctx, id)
	if err != nil {
		return store.Client{}, false
	}
	c, err := a.d.Store.GetClient(ctx, ar.ClientID)
	if err != nil {
		return store.Client{}, false
	}
	return c, true
}

type methodLink struct {
	Label i18n.Text
	URL   string
}

type methodPage struct {
	Client string
	Used   i18n.Text
	Links  []methodLink
}

// methodLinks are the ways to log in that c accepts, each coming back to
// next.
func (a *accountRoutes) methodLinks(c store.Client, next, acr string) []methodLink {
	var out []methodLink
	add := func(method, u string) {
		if accepts(c, method) {
			out = append(out, methodLink{Label: label(methodLabels, method), URL: u})
		}
	}
	q := url.Values{"next": {next}}.Encode()
	add("pin", "/login/pin?"+q)
	add("password", "/login/password?"+url.Values{"next": {next}, "acr": {acr}}.Encode())
	if a.d.IdP.AppLoginOn() {
		add("app", "/login/app?"+q)
	}
	if a.d.CertLoginURL != "" {
		add("certificate", "/login/certificate/begin?"+q)
	}
	return out
}

// wrongMethod explains that the office does not accept the method the
// session was opened with, and links the ones it does.
func (o *oidcRoutes) wrongMethod(w http.ResponseWriter, r *http.Request, c store.Client, sess store.Session, next, acr string) {
	pg := methodPage{Client: c.Name, Used: label(methodLabels, methodOfAMR(sess.AMR)), Links: o.a.methodLinks(c, next, acr)}
	o.s.Render(w, r, http.StatusForbidden, "oidc_method", pg)
}

var _ = addTexts(map[string]i18n.Text{
	"oidcmethod.title": i18n.T("Esta sede no acepta esa forma de entrar", "This office does not accept that way of logging in"),
	"oidcmethod.lead":  i18n.T("no acepta el acceso con el que has entrado:", "does not accept the way you logged in:"),
	"oidcmethod.ways":  i18n.T("Entra con una de las formas que acepta; volverás aquí:", "Log in with one of the ways it accepts; you will come back here:"),
	"oidcmethod.none": i18n.T("Esta sede no acepta ninguna de las formas de entrar que ofrece esta instalación. Avisa a la sede.",
		"This office accepts none of the ways of logging in this installation offers. Tell the office."),
	"login.only": i18n.T("Esta sede solo acepta las formas de entrar que ves aquí.", "This office accepts only the ways of logging in shown here."),
})
