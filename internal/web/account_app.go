package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/qrlogin"
	"github.com/llavero/llavero/internal/store"
)

// The app login's pages (see idp/app.go for the decisions):
//
//   - /login/app, in the browser that logs in: the changing QR code, the
//     office's name, the check digits and a countdown; JavaScript polls
//     and continues by itself. The browser is bound to its challenge by
//     the appCookie, whose token's SHA-256 is the challenge's session
//     hash: another browser polling the same public ID learns nothing.
//   - /app/scan, on the phone: the camera opens it from the QR, the
//     payload travels in the fragment (never in a request line or a log),
//     and the page asks the person to compare office and digits before
//     confirming with the passkey.
//   - /account/app: register this phone's passkey, see it, remove it.
//
// The JSON endpoints under /api/v1/app/ are POSTs behind the same
// cross-origin protection as every form.

// appCookie binds a QR login to the browser showing it. It is new for
// every login page, so a token planted in a browser beforehand is never
// the one a challenge is bound to.
const appCookie = "llavero_app"

// errAppNeedsSession: the device API was called without a logged-in
// session.
var errAppNeedsSession = i18n.New("app.session",
	i18n.T("Para registrar o quitar un móvil tienes que haber entrado en llavero.", "To register or remove a phone you must be logged in to llavero."),
	i18n.T("Entra con un PIN por SMS o con tu certificado y vuelve a «Mi llavero», apartado «Aplicación del móvil».",
		"Log in with a PIN by SMS or your certificate and go back to \"My llavero\", section \"Phone app\"."))

// mountApp adds the app login's routes (MountAccounts calls it).
func (a *accountRoutes) mountApp() {
	s := a.s
	s.Handle("GET /login/app", http.HandlerFunc(a.appLoginPage))
	s.Handle("GET /login/app/qr.svg", http.HandlerFunc(a.appQR))
	s.Handle("POST /api/v1/app/login/status", http.HandlerFunc(a.appStatus))
	s.Handle("GET /app/scan", http.HandlerFunc(a.appScanPage))
	s.Handle("POST /api/v1/app/scan", http.HandlerFunc(a.appScan))
	s.Handle("POST /api/v1/app/confirm", http.HandlerFunc(a.appConfirm))
	s.Handle("POST /api/v1/app/refuse", http.HandlerFunc(a.appRefuse))
	s.Handle("GET /account/app", http.HandlerFunc(a.appAccount))
	s.Handle("POST /account/app/remove", http.HandlerFunc(a.appRemove))
	s.Handle("POST /api/v1/app/devices/begin", http.HandlerFunc(a.appRegisterBegin))
	s.Handle("POST /api/v1/app/devices/finish", http.HandlerFunc(a.appRegisterFinish))
}

// appBinding is the hash the browser's app cookie stands for; "" without one.
func appBinding(r *http.Request) string {
	c, err := r.Cookie(appCookie)
	if err != nil || c.Value == "" || len(c.Value) > 64 {
		return ""
	}
	return sessionID(c.Value)
}

func setAppCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: appCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// officeName is the name of the relying party a login is for, when next
// continues an OpenID request; llavero itself otherwise.
func (a *accountRoutes) officeName(r *http.Request, next string) string {
	if c, ok := a.signInClient(r.Context(), next); ok && c.Name != "" {
		return c.Name
	}
	return "llavero"
}

type appLoginPage struct {
	ID      string
	Office  string
	Check   string
	Seconds int // left before the code expires
	Next    string
	Again   string // this page again, for a new code
	Problem *problemView
}

func (a *accountRoutes) appLoginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	pg := appLoginPage{Next: next, Again: "/login/app"}
	if next != "" {
		pg.Again += "?" + url.Values{"next": {next}}.Encode()
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		a.s.Error(w, r, err)
		return
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	err := a.d.IdP.LimitAppLogins(r.Context(), clientKey(r))
	var ch idp.AppChallenge
	if err == nil {
		ch, err = a.d.IdP.StartAppLogin(r.Context(), sessionID(token), a.officeName(r, next))
	}
	if err != nil {
		p, _, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		a.s.Render(w, r, appStatusCode(err), "login_app", pg)
		return
	}
	setAppCookie(w, r, token, int(qrlogin.Lifetime/time.Second)+60)
	pg.ID, pg.Office, pg.Check = ch.ID, ch.Office, ch.Check
	pg.Seconds = int(ch.ExpiresAt.Sub(a.now()) / time.Second)
	a.s.Render(w, r, http.StatusOK, "login_app", pg)
}

// scanBase is where a phone's camera goes: the public URL's /app/scan,
// or this request's own origin when the installation names none.
func (a *accountRoutes) scanBase(r *http.Request) string {
	if a.s.publicURL != "" {
		return a.s.publicURL + "/app/scan#"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/app/scan#"
}

// appQR draws the code of the browser's challenge as it is this second.
func (a *accountRoutes) appQR(w http.ResponseWriter, r *http.Request) {
	payload, err := a.d.IdP.AppPayload(r.Context(), r.URL.Query().Get("id"), appBinding(r))
	if err != nil {
		a.s.Error(w, r, WithStatus(appStatusCode(err), err))
		return
	}
	svg, err := qrlogin.SVG(a.scanBase(r) + payload)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "no-store")
	w.Write(svg)
}

// appStatusCode is the HTTP status of an app-login refusal.
func appStatusCode(err error) int {
	switch i18n.CodeOf(err) {
	case "app.unknown", "app.unknown_device", "app.device_gone":
		return http.StatusNotFound
	case "app.decided", "app.registration_expired", "app.rescanned", "app.device_known", "qr.expired", "qr.stale":
		return http.StatusConflict
	case "app.level", "app.device_disabled", "app.device_cloned", "app.passkey_rejected":
		return http.StatusForbidden
	case "app.too_many_scans", "app.too_many_pages":
		return http.StatusTooManyRequests
	case "app.off":
		return http.StatusServiceUnavailable
	case "app.session":
		return http.StatusUnauthorized
	}
	return statusOf(err)
}

// appError answers a JSON endpoint's refusal.
func (a *accountRoutes) appError(w http.ResponseWriter, r *http.Request, err error) {
	if _, ok := i18n.As(err); ok {
		err = WithStatus(appStatusCode(err), err)
	}
	a.s.Error(w, r, err)
}

type appStatusRequest struct {
	ID   string `json:"id"`
	Next string `json:"next"`
}

type appStatusResponse struct {
	State string `json:"state"`          // pending, scanned, refused, expired, done
	Next  string `json:"next,omitempty"` // with done: where to go
}

// appStatus is the login page's poll. The poll that collects an approval
// starts the session exactly as the other methods do (a new token, any
// old session ended) and sends the page on.
func (a *accountRoutes) appStatus(w http.ResponseWriter, r *http.Request) {
	var req appStatusRequest
	if !a.s.decode(w, r, &req) {
		return
	}
	st, err := a.d.IdP.Poll(r.Context(), req.ID, appBinding(r))
	if err != nil {
		a.appError(w, r, err)
		return
	}
	resp := appStatusResponse{State: st.State}
	switch {
	case st.Who != nil:
		if err := a.startSession(w, r, *st.Who); err != nil {
			a.s.Error(w, r, err)
			return
		}
		setAppCookie(w, r, "", -1)
		resp.State, resp.Next = "done", safeNext(req.Next)
		if resp.Next == "" {
			resp.Next = "/account"
		}
	case st.State == store.QRCollected:
		// Collected by an earlier poll of this same browser.
		resp.State = "done"
	}
	writeJSON(w, r, http.StatusOK, resp)
}

func (a *accountRoutes) appScanPage(w http.ResponseWriter, r *http.Request) {
	a.s.Render(w, r, http.StatusOK, "app_scan", nil)
}

type appScanRequest struct {
	Payload string `json:"payload"`
}

type appScanResponse struct {
	Challenge string          `json:"challenge"`
	Office    string          `json:"office"`
	Check     string          `json:"check"`
	Options   json.RawMessage `json:"options"`
}

func (a *accountRoutes) appScan(w http.ResponseWriter, r *http.Request) {
	var req appScanRequest
	if !a.s.decode(w, r, &req) {
		return
	}
	sc, err := a.d.IdP.Scan(r.Context(), req.Payload)
	if err != nil {
		a.appError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, appScanResponse{Challenge: sc.ChallengeID, Office: sc.Office, Check: sc.Check, Options: sc.Options})
}

type appDecisionRequest struct {
	Challenge  string          `json:"challenge"`
	Credential json.RawMessage `json:"credential"`
}

type appDecisionResponse struct {
	State string `json:"state"`
}

func (a *accountRoutes) appConfirm(w http.ResponseWriter, r *http.Request) {
	var req appDecisionRequest
	if !a.s.decode(w, r, &req) {
		return
	}
	if len(req.Credential) == 0 {
		a.s.Error(w, r, errField("credential"))
		return
	}
	if err := a.d.IdP.Confirm(r.Context(), req.Challenge, req.Credential); err != nil {
		a.appError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, appDecisionResponse{State: store.QRApproved})
}

func (a *accountRoutes) appRefuse(w http.ResponseWriter, r *http.Request) {
	var req appDecisionRequest
	if !a.s.decode(w, r, &req) {
		return
	}
	if err := a.d.IdP.Refuse(r.Context(), req.Challenge); err != nil {
		a.appError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, appDecisionResponse{State: store.QRRefused})
}

type deviceView struct {
	ID       string
	Name     string
	Created  string
	LastUsed string
}

type appAccountPage struct {
	Devices []deviceView
	// CanRegister: the session is at the account's full level.
	CanRegister bool
	Removed     bool
	Problem     *problemView
}

func (a *accountRoutes) appAccount(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/app"), http.StatusSeeOther)
		return
	}
	a.showAppAccount(w, r, sess, http.StatusOK, nil)
}

func (a *accountRoutes) showAppAccount(w http.ResponseWriter, r *http.Request, sess store.Session, status int, problem *problemView) {
	ctx := r.Context()
	devs, err := a.d.IdP.Devices(ctx, sess.PersonID)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	pg := appAccountPage{Removed: r.URL.Query().Get("removed") != "", Problem: problem}
	for _, d := range devs {
		v := deviceView{ID: d.ID, Name: d.Name, Created: a.when(d.CreatedAt)}
		if !d.LastUsedAt.IsZero() {
			v.LastUsed = a.when(d.LastUsedAt)
		}
		pg.Devices = append(pg.Devices, v)
	}
	pg.CanRegister = a.d.IdP.CanRegisterDevice(ctx, sess.PersonID, sess.ACR)
	a.s.Render(w, r, status, "account_app", pg)
}

func (a *accountRoutes) appRemove(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/app"), http.StatusSeeOther)
		return
	}
	if !a.form(w, r) {
		return
	}
	if err := a.d.IdP.RemoveDevice(r.Context(), sess.PersonID, field(r, "device")); err != nil {
		p, _, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		a.showAppAccount(w, r, sess, appStatusCode(err), p)
		return
	}
	http.Redirect(w, r, "/account/app?removed=1", http.StatusSeeOther)
}

type appRegisterResponse struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

// apiSession is the logged-in session of a device API call.
func (a *accountRoutes) apiSession(w http.ResponseWriter, r *http.Request) (store.Session, bool) {
	sess, ok := a.sessionOf(r)
	if !ok {
		a.appError(w, r, errAppNeedsSession)
	}
	return sess, ok
}

func (a *accountRoutes) appRegisterBegin(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.apiSession(w, r)
	if !ok {
		return
	}
	reg, err := a.d.IdP.BeginDeviceRegistration(r.Context(), sess.PersonID, sess.ACR)
	if err != nil {
		a.appError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, appRegisterResponse{Ceremony: reg.CeremonyID, Options: reg.Options})
}

type appRegisterFinishRequest struct {
	Ceremony   string          `json:"ceremony"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

type appDeviceResponse struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (a *accountRoutes) appRegisterFinish(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.apiSession(w, r)
	if !ok {
		return
	}
	var req appRegisterFinishRequest
	if !a.s.decode(w, r, &req) {
		return
	}
	if len(req.Credential) == 0 {
		a.s.Error(w, r, errField("credential"))
		return
	}
	d, err := a.d.IdP.FinishDeviceRegistration(r.Context(), sess.PersonID, sess.ACR, req.Ceremony, req.Name, req.Credential, LangOf(r))
	if err != nil {
		a.appError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, appDeviceResponse{ID: d.ID, Name: d.Name})
}

var _ = addTexts(map[string]i18n.Text{
	// The choice on /login.
	"login.app":     i18n.T("Entrar con la aplicación del móvil", "Log in with the phone app"),
	"login.app.why": i18n.T("Escaneas con el móvil un código QR y confirmas con la huella, la cara o el PIN del móvil. Antes tienes que registrar el móvil en «Mi llavero».", "You scan a QR code with your phone and confirm with its fingerprint, face or PIN. You must first register the phone in \"My llavero\"."),

	// The QR page.
	"applogin.title":    i18n.T("Entrar con la aplicación del móvil", "Log in with the phone app"),
	"applogin.office":   i18n.T("Vas a entrar en", "You are logging in to"),
	"applogin.steps":    i18n.T("Abre la cámara del móvil que registraste y apunta a este código. El móvil te enseñará el nombre de la sede y tres cifras: comprueba que son los de esta pantalla y confirma.", "Open the camera of the phone you registered and point it at this code. The phone will show the office's name and three digits: check they match this screen, and confirm."),
	"applogin.qr":       i18n.T("Código QR para escanear con el móvil. Cambia cada segundo.", "QR code to scan with your phone. It changes every second."),
	"applogin.check":    i18n.T("Cifras de comprobación", "Check digits"),
	"applogin.left":     i18n.T("Tiempo que queda", "Time left"),
	"applogin.nojs":     i18n.T("Este método necesita JavaScript, que está desactivado en este navegador. Actívalo o entra de otra forma:", "This method needs JavaScript, which is off in this browser. Turn it on, or log in another way:"),
	"applogin.waiting":  i18n.T("Esperando a que escanees el código con el móvil.", "Waiting for you to scan the code with your phone."),
	"applogin.scanned":  i18n.T("Código escaneado. Confirma en el móvil.", "Code scanned. Confirm on your phone."),
	"applogin.done":     i18n.T("Confirmado. Entrando…", "Confirmed. Logging you in…"),
	"applogin.refused":  i18n.T("Has rechazado este acceso en el móvil. Si no fuiste tú quien escaneó el código, no sigas: alguien pudo verlo. Puedes pedir un código nuevo.", "You refused this login on your phone. If it was not you who scanned the code, stop here: someone may have seen it. You can ask for a new code."),
	"applogin.expired":  i18n.T("Han pasado los 5 minutos. Pide un código nuevo.", "The 5 minutes are over. Ask for a new code."),
	"applogin.failed":   i18n.T("Se ha perdido la conexión con llavero. Comprueba tu red y pide un código nuevo.", "The connection to llavero was lost. Check your network and ask for a new code."),
	"applogin.again":    i18n.T("Pedir un código nuevo", "Get a new code"),
	"applogin.no_phone": i18n.T("¿Aún no has registrado el móvil? Entra con otro método y regístralo en «Mi llavero».", "Not registered your phone yet? Log in another way and register it in \"My llavero\"."),

	// The phone's page.
	"appscan.title":       i18n.T("Confirmar un acceso a llavero", "Confirm a login to llavero"),
	"appscan.reading":     i18n.T("Comprobando el código…", "Checking the code…"),
	"appscan.question":    i18n.T("¿Estás entrando ahora mismo en esta sede, en una pantalla que tienes delante?", "Are you logging in to this office right now, on a screen in front of you?"),
	"appscan.check":       i18n.T("La pantalla muestra estas cifras:", "The screen shows these digits:"),
	"appscan.compare":     i18n.T("Si la sede o las cifras no coinciden con tu pantalla, o alguien te ha pedido escanear este código, pulsa «No soy yo».", "If the office or the digits do not match your screen, or someone asked you to scan this code, press \"Not me\"."),
	"appscan.confirm":     i18n.T("Sí, soy yo: confirmar", "Yes, it is me: confirm"),
	"appscan.refuse":      i18n.T("No soy yo: rechazar", "Not me: refuse"),
	"appscan.working":     i18n.T("Sigue las indicaciones del móvil (huella, cara o PIN)…", "Follow the phone's prompt (fingerprint, face or PIN)…"),
	"appscan.ok":          i18n.T("Hecho. La pantalla continuará sola; ya puedes cerrar esta página.", "Done. The screen will carry on by itself; you can close this page."),
	"appscan.refused":     i18n.T("Acceso rechazado. Nadie ha entrado con tu cuenta. Si alguien te pidió escanear el código, no lo vuelvas a hacer.", "Login refused. Nobody has logged in with your account. If someone asked you to scan the code, do not do it again."),
	"appscan.cancel":      i18n.T("El móvil no ha confirmado. Vuelve a intentarlo o rechaza el acceso.", "The phone did not confirm. Try again or refuse the login."),
	"appscan.nocode":      i18n.T("Esta página se abre escaneando el código QR de la página de acceso de llavero con la cámara. Abre la página de acceso en tu ordenador y escanéalo.", "This page opens when you scan the QR code of llavero's login page with the camera. Open the login page on your computer and scan it."),
	"appscan.nojs":        i18n.T("Para confirmar con la llave de acceso del móvil hace falta JavaScript. Actívalo en el navegador del móvil y vuelve a escanear el código.", "Confirming with the phone's passkey needs JavaScript. Turn it on in the phone's browser and scan the code again."),
	"appscan.failed":      i18n.T("Se ha perdido la conexión con llavero. Comprueba la red del móvil y vuelve a escanear el código.", "The connection to llavero was lost. Check the phone's network and scan the code again."),
	"appscan.unsupported": i18n.T("Este navegador no admite llaves de acceso. Abre el código con el navegador principal del móvil (Chrome, Safari…) o entra de otra forma.", "This browser does not support passkeys. Open the code with the phone's main browser (Chrome, Safari…) or log in another way."),

	// "My llavero" > phone app.
	"acc.app.link":        i18n.T("Aplicación del móvil: registrar o quitar tu móvil", "Phone app: register or remove your phone"),
	"accapp.title":        i18n.T("Aplicación del móvil", "Phone app"),
	"accapp.lead":         i18n.T("Registra la llave de acceso (passkey) de tu móvil para entrar escaneando un código QR. Solo puede haber un móvil activo: registrar otro da de baja el anterior.", "Register your phone's passkey to log in by scanning a QR code. Only one phone can be active: registering another removes the previous one."),
	"accapp.devices":      i18n.T("Tu móvil registrado", "Your registered phone"),
	"accapp.none":         i18n.T("No tienes ningún móvil registrado.", "You have no phone registered."),
	"accapp.created":      i18n.T("Registrado el", "Registered on"),
	"accapp.used":         i18n.T("Último uso", "Last used"),
	"accapp.never":        i18n.T("todavía no", "not yet"),
	"accapp.remove":       i18n.T("Quitar este móvil", "Remove this phone"),
	"accapp.removed":      i18n.T("Móvil quitado. Ya no sirve para entrar en llavero.", "Phone removed. It can no longer log in to llavero."),
	"accapp.register":     i18n.T("Registrar este móvil", "Register this phone"),
	"accapp.register.how": i18n.T("Abre esta página en el navegador del móvil que quieres registrar. El móvil te pedirá la huella, la cara o su PIN para crear la llave de acceso. Te avisaremos por SMS y correo.", "Open this page in the browser of the phone you want to register. The phone will ask for your fingerprint, face or PIN to create the passkey. We will tell you by SMS and email."),
	"accapp.name":         i18n.T("Nombre para reconocer el móvil", "A name to recognise the phone"),
	"accapp.name.hint":    i18n.T("Por ejemplo «Móvil personal». Solo lo ves tú.", "For example \"Personal phone\". Only you see it."),
	"accapp.working":      i18n.T("Sigue las indicaciones del móvil…", "Follow the phone's prompt…"),
	"accapp.registered":   i18n.T("Móvil registrado. Ya puedes entrar con la aplicación.", "Phone registered. You can now log in with the app."),
	"accapp.cancel":       i18n.T("El móvil no ha creado la llave de acceso. Comprueba que tiene bloqueo de pantalla y vuelve a intentarlo.", "The phone did not create the passkey. Check that it has a screen lock and try again."),
	"accapp.failed":       i18n.T("Se ha perdido la conexión con llavero. Comprueba la red y vuelve a intentarlo.", "The connection to llavero was lost. Check your network and try again."),
	"accapp.level":        i18n.T("Para registrar un móvil tienes que haber entrado con todo el nivel de tu cuenta: sal y entra con un PIN por SMS, con contraseña y código SMS o con tu certificado.", "To register a phone you must be logged in at your account's full level: log out and log in with a PIN by SMS, a password and SMS code, or your certificate."),
	"accapp.nojs":         i18n.T("Registrar el móvil necesita JavaScript. Quitarlo funciona sin él.", "Registering the phone needs JavaScript. Removing it works without."),
	"accapp.back":         i18n.T("Volver a Mi llavero", "Back to My llavero"),
})
