// Package sampleoffice is a small electronic office (relying party) that
// logs people in through llavero, for newcomers to try first and for
// developers of real offices to read. One code serves a catalogue of
// offices (traffic, tax, social security) with the procedures and levels
// DOMAIN.md gives them.
//
// Everything a relying party must do is here and nothing else: the
// authorization code flow with PKCE (S256), acr_values set to the
// procedure's eIDAS level, state and nonce checked, the ID token verified
// with coreos/go-oidc (issuer, audience, signature, expiry, nonce), the
// level checked again on arrival, and RP-initiated logout. The results it
// shows are made up.
package sampleoffice

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// Config configures an Office.
type Config struct {
	// Issuer is llavero's URL (its OpenID Connect issuer).
	Issuer       string
	ClientID     string
	ClientSecret string // "" for a client registered with --public
	// Office is which office of the catalogue this is; Traffic when zero.
	Office Kind
	// PublicURL is where browsers reach the office; PublicURL+"/callback"
	// and PublicURL+"/" must be registered redirect URIs.
	PublicURL string
	// HTTPClient talks to llavero (discovery, keys, token); a client
	// with a 10-second timeout when nil.
	HTTPClient *http.Client
	Log        *slog.Logger
	Now        func() time.Time
}

// Office is the sample office.
type Office struct {
	cfg        Config
	provider   *gooidc.Provider
	verifier   *gooidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
	secure     bool // cookies only over HTTPS
	csp        string
	sessions   *sessions
	signs      *signings
	pages      map[string]*template.Template
	handler    http.Handler
}

//go:embed templates/*.html static/style.css
var files embed.FS

// New discovers llavero's endpoints at cfg.Issuer and returns the office.
func New(ctx context.Context, cfg Config) (*Office, error) {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	pub, err := url.Parse(cfg.PublicURL)
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("sample office: no issuer (llavero's URL)")
	case cfg.ClientID == "":
		return nil, errors.New("sample office: no client ID")
	case err != nil || pub.Scheme != "http" && pub.Scheme != "https" || pub.Host == "" || pub.Path != "":
		return nil, fmt.Errorf("sample office: public URL %q: want http(s)://host[:port] without a path", cfg.PublicURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Office.ID == "" {
		cfg.Office = Traffic
	}
	o := &Office{cfg: cfg, secure: pub.Scheme == "https", sessions: newSessions(cfg.Now), signs: newSignings()}
	// go-oidc and x/oauth2 find their HTTP client in a context; the
	// office's own context, not a request's, so that a browser going
	// away does not cancel the key set's background refresh.
	octx := o.ctxFor(context.WithoutCancel(ctx))
	dctx, cancel := context.WithTimeout(octx, 15*time.Second)
	defer cancel()
	o.provider, err = gooidc.NewProvider(dctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sample office: reading llavero's discovery document at %s/.well-known/openid-configuration: %w", cfg.Issuer, err)
	}
	var disco struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := o.provider.Claims(&disco); err != nil {
		return nil, fmt.Errorf("sample office: discovery: %w", err)
	}
	o.endSession = disco.EndSession
	o.verifier = o.provider.VerifierContext(octx, &gooidc.Config{ClientID: cfg.ClientID})
	o.oauth = oauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: o.provider.Endpoint(),
		RedirectURL: RedirectURIs(cfg.PublicURL)[0],
		// profile brings the name and the identifier; without it the
		// office would only learn the pairwise sub.
		Scopes: []string{gooidc.ScopeOpenID, "profile"},
	}
	if cfg.ClientSecret == "" {
		o.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	// Both forms answer with a redirect to llavero, which browsers check
	// against form-action too.
	issuerOrigin := cfg.Issuer
	if u, err := url.Parse(cfg.Issuer); err == nil {
		issuerOrigin = u.Scheme + "://" + u.Host
	}
	o.csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' " + issuerOrigin + "; frame-ancestors 'none'; base-uri 'none'"
	if err := o.parsePages(); err != nil {
		return nil, err
	}
	o.handler = o.routes()
	return o, nil
}

// Handler serves the office.
func (o *Office) Handler() http.Handler { return o.handler }

func (o *Office) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", o.home)
	mux.HandleFunc("POST /start/{proc}", o.start)
	mux.HandleFunc("GET /callback", o.callback)
	mux.HandleFunc("GET /procedure/{proc}", o.result)
	mux.HandleFunc("POST /logout", o.logout)
	mux.HandleFunc("POST /sign/licence-exchange", o.signStart)
	mux.HandleFunc("POST /signature/callback", o.signCallback)
	mux.HandleFunc("GET /signature/{ref}", o.signResult)
	mux.HandleFunc("GET /signature/{ref}/document", o.signDocument)
	mux.HandleFunc("GET /signature/{ref}/signature.p7s", o.signSignature)
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFileFS(w, r, files, "static/style.css")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		o.problem(w, r, http.StatusNotFound, pageNotFound)
	})
	// Cross-origin POSTs (a page elsewhere starting a sign-in or logging
	// the person out behind their back) are refused on Sec-Fetch-Site and
	// Origin, which every current browser sends, with a page that says so
	// in the person's language (the default answer is a line of English).
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.problem(w, r, http.StatusForbidden, pageCrossOrigin)
	}))
	return o.headers(switchLang(cop.Handler(mux), o.langCookie(), o.secure))
}

func (o *Office) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", o.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		// The callback's address carries the authorization code.
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// The cookies carry the office's own prefix: on localhost cookies are
// shared across ports, and the offices of the catalogue would otherwise
// overwrite each other's (and llavero's).
func (o *Office) sessionCookie() string { return o.cfg.Office.Cookie + "_session" }
func (o *Office) langCookie() string    { return o.cfg.Office.Cookie + "_lang" }

// lang is the language of the request's pages.
func (o *Office) lang(r *http.Request) i18n.Lang { return langOf(r, o.langCookie()) }

func (o *Office) sessionID(r *http.Request) string {
	if c, err := r.Cookie(o.sessionCookie()); err == nil {
		return c.Value
	}
	return ""
}

func (o *Office) setSession(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: o.sessionCookie(), Value: id, Path: "/", HttpOnly: true, Secure: o.secure,
		SameSite: http.SameSiteLaxMode})
}

func (o *Office) home(w http.ResponseWriter, r *http.Request) {
	v := o.view(r)
	// llavero's logout comes back here with the state the office sent.
	v.Bye = r.URL.Query().Get("state") == logoutState && v.User == nil
	o.render(w, r, http.StatusOK, "home", v)
}

// start begins the sign-in for a procedure, unless this browser is already
// logged in at its level.
func (o *Office) start(w http.ResponseWriter, r *http.Request) {
	p, ok := o.cfg.Office.procedure(r.PathValue("proc"))
	if !ok {
		o.problem(w, r, http.StatusNotFound, pageNotFound)
		return
	}
	sid := o.sessionID(r)
	if u, ok := o.sessions.user(sid); ok && loa.Meets(u.ACR, p.ACR) {
		http.Redirect(w, r, "/procedure/"+p.ID, http.StatusSeeOther)
		return
	}
	pd := pending{verifier: oauth2.GenerateVerifier(), nonce: randomToken(), proc: p.ID}
	sid, state := o.sessions.begin(sid, pd)
	o.setSession(w, sid)
	u := o.oauth.AuthCodeURL(state,
		oauth2.S256ChallengeOption(pd.verifier),
		gooidc.Nonce(pd.nonce),
		oauth2.SetAuthURLParam("acr_values", loa.URI(p.ACR)),
		oauth2.SetAuthURLParam("ui_locales", string(o.lang(r))),
	)
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// idClaims are the ID token's claims the office reads beyond the ones
// go-oidc checks.
type idClaims struct {
	ACR        string   `json:"acr"`
	AMR        []string `json:"amr"`
	AuthTime   int64    `json:"auth_time"`
	LlaveroID  string   `json:"llavero_id"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
}

func (o *Office) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sid := o.sessionID(r)
	pd, started := o.sessions.take(sid, q.Get("state"))
	if code := q.Get("error"); code != "" {
		// Shown whether or not the state matches: a forged error can only
		// make the person read "you are not logged in".
		pg := pageProviderError
		pg.Code = code
		if t, ok := providerErrors[code]; ok {
			pg.Detail = t
		} else {
			pg.Detail = i18n.T("llavero no ha completado el acceso. Vuelva a la página principal y empiece el trámite otra vez.",
				"llavero did not complete the sign-in. Go back to the home page and start the procedure again.")
		}
		o.problem(w, r, http.StatusOK, pg)
		return
	}
	if !started {
		o.problem(w, r, http.StatusBadRequest, pageNotStarted)
		return
	}
	p, _ := o.cfg.Office.procedure(pd.proc)
	u, err := o.redeem(r.Context(), q.Get("code"), pd)
	if err != nil {
		o.cfg.Log.Warn("sample office: sign-in refused", "err", err)
		o.problem(w, r, http.StatusBadGateway, pageExchange)
		return
	}
	// llavero refuses a login below acr_values, so this should never
	// happen; but acr_values travels through the browser, where anyone
	// can edit it, and only the signed acr is proof of the level.
	if !loa.Meets(u.ACR, p.ACR) {
		pg := pageLevelTooLow
		pg.Detail = i18n.T(
			fmt.Sprintf("«%s» necesita el nivel %s y llavero ha confirmado el nivel %s. No se ha abierto la sesión.",
				p.Name.ES, levelName(p.ACR, i18n.ES), levelName(u.ACR, i18n.ES)),
			fmt.Sprintf("“%s” needs the level %s and llavero confirmed the level %s. You are not logged in.",
				p.Name.EN, levelName(p.ACR, i18n.EN), levelName(u.ACR, i18n.EN)))
		o.problem(w, r, http.StatusForbidden, pg)
		return
	}
	o.setSession(w, o.sessions.login(sid, u))
	http.Redirect(w, r, "/procedure/"+p.ID, http.StatusSeeOther)
}

// redeem exchanges the code (with the PKCE verifier) and checks the ID
// token: signature, issuer, audience and expiry (go-oidc), the nonce, and
// the access token's hash when the token carries one.
func (o *Office) redeem(ctx context.Context, code string, pd pending) (user, error) {
	if code == "" {
		return user{}, errors.New("no code in the callback")
	}
	ctx, cancel := context.WithTimeout(o.ctxFor(ctx), 15*time.Second)
	defer cancel()
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(pd.verifier))
	if err != nil {
		return user{}, fmt.Errorf("code exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return user{}, errors.New("no id_token in the token response")
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return user{}, fmt.Errorf("ID token: %w", err)
	}
	if idt.Nonce != pd.nonce {
		return user{}, errors.New("ID token: nonce does not match this sign-in")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return user{}, fmt.Errorf("ID token: %w", err)
		}
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return user{}, fmt.Errorf("ID token claims: %w", err)
	}
	level, ok := loa.FromURI(c.ACR)
	if !ok {
		return user{}, fmt.Errorf("ID token: unknown acr %q", c.ACR)
	}
	u := user{Name: strings.TrimSpace(c.GivenName + " " + c.FamilyName), LlaveroID: c.LlaveroID, Sub: idt.Subject,
		ACR: level, AMR: c.AMR, IDToken: raw}
	if c.AuthTime > 0 {
		u.AuthTime = time.Unix(c.AuthTime, 0)
	}
	return u, nil
}

// ctxFor keeps the request's cancellation and the office's HTTP client.
func (o *Office) ctxFor(ctx context.Context) context.Context {
	return context.WithValue(gooidc.ClientContext(ctx, o.cfg.HTTPClient), oauth2.HTTPClient, o.cfg.HTTPClient)
}

// result shows the procedure's made-up outcome to a person logged in at
// its level; anyone else starts from the home page.
func (o *Office) result(w http.ResponseWriter, r *http.Request) {
	p, ok := o.cfg.Office.procedure(r.PathValue("proc"))
	if !ok {
		o.problem(w, r, http.StatusNotFound, pageNotFound)
		return
	}
	v := o.view(r)
	if v.User == nil || !loa.Meets(v.User.level, p.ACR) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	lang := o.lang(r)
	pv := procView(p, lang)
	v.Proc = &pv
	if p.outcome != nil {
		v.Outcome = p.outcome(v.User.Sub).In(lang)
		v.SignStop = p.Signature == store.SignatureCertificate
	}
	switch p.ID {
	case "points-balance":
		v.Points = points(v.User.Sub)
	case "fine-payment":
		v.NoFines = true
	case "licence-exchange":
		v.Exchange = true
	}
	o.render(w, r, http.StatusOK, "result", v)
}

// points is a made-up balance between 4 and 15 (a Spanish licence holds
// at most 15), the same every time for the same person at this office.
func points(sub string) int {
	return 4 + madeUp("points-balance", sub, 12)
}

// madeUp is a number below n, the same every time for one procedure and
// one person at this office.
func madeUp(proc, sub string, n int) int {
	sum := sha256.Sum256([]byte(proc + "\x00" + sub))
	return int(binary.BigEndian.Uint32(sum[:4]) % uint32(n))
}

const logoutState = "logged-out"

// logout ends the office's session and then llavero's, which sends the
// browser back to the home page.
func (o *Office) logout(w http.ResponseWriter, r *http.Request) {
	u, ok := o.sessions.logout(o.sessionID(r))
	http.SetCookie(w, &http.Cookie{Name: o.sessionCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.secure,
		SameSite: http.SameSiteLaxMode})
	if !ok || o.endSession == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	q := url.Values{
		"id_token_hint":            {u.IDToken},
		"post_logout_redirect_uri": {RedirectURIs(o.cfg.PublicURL)[1]},
		"client_id":                {o.cfg.ClientID},
		"state":                    {logoutState},
		"ui_locales":               {string(o.lang(r))},
	}
	sep := "?"
	if strings.Contains(o.endSession, "?") {
		sep = "&"
	}
	http.Redirect(w, r, o.endSession+sep+q.Encode(), http.StatusSeeOther)
}
