package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// AccountDeps is what the account pages need from the rest of the
// installation.
type AccountDeps struct {
	IdP *idp.IdP
	// Store holds sessions, login events, accounts, people and offices.
	Store store.Store
	// CertLoginURL is the public URL of the certificate-login origin, where
	// registration with a certificate happens.
	CertLoginURL string
	// Now is the clock sessions expire by; nil means time.Now. It should
	// be the IdP's clock, so a session and the codes behind it agree.
	Now func() time.Time
	// RA shows the person's certificates and applications on My llavero
	// and revokes from there; nil leaves those sections out.
	RA *ra.RA
	// RemoteSigning: the platform signs for people (Cl@ve Firma model),
	// so a substantial login is enough to sign a procedure.
	RemoteSigning bool
}

// accountRoutes holds what the account handlers share.
type accountRoutes struct {
	s   *Server
	d   AccountDeps
	loc *time.Location
}

func newAccountRoutes(s *Server, d AccountDeps) *accountRoutes {
	if d.IdP == nil || d.Store == nil {
		panic("web: AccountDeps needs the IdP and the store")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.CertLoginURL = strings.TrimRight(d.CertLoginURL, "/")
	// Times are shown as people in Spain read their clocks; a system
	// without the zone database shows UTC, labelled as such.
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		loc = time.UTC
	}
	return &accountRoutes{s: s, d: d, loc: loc}
}

func (a *accountRoutes) now() time.Time { return a.d.Now().UTC() }

// MountAccounts adds the account pages to the main origin: login (PIN by
// SMS, password with or without an SMS code), registration (invitation
// letter and its code; the ways that need a certificate or an office are
// explained and linked), "my account" and logout.
func (s *Server) MountAccounts(d AccountDeps) {
	a := newAccountRoutes(s, d)
	s.Handle("GET /login", http.HandlerFunc(a.loginChoice))
	s.Handle("GET /login/pin", http.HandlerFunc(a.pinForm))
	s.Handle("POST /login/pin", http.HandlerFunc(a.pinStart))
	s.Handle("POST /login/pin/verify", http.HandlerFunc(a.pinVerify))
	s.Handle("POST /login/pin/resend", http.HandlerFunc(a.pinResend))
	s.Handle("GET /login/password", http.HandlerFunc(a.passwordForm))
	s.Handle("POST /login/password", http.HandlerFunc(a.passwordLogin))
	s.Handle("POST /login/otp/verify", http.HandlerFunc(a.otpVerify))
	s.Handle("GET /login/certificate/complete", http.HandlerFunc(a.certLoginComplete))
	s.Handle("GET /login/certificate/begin", http.HandlerFunc(a.certLoginBegin))
	s.Handle("POST /logout", http.HandlerFunc(a.logout))

	s.Handle("GET /account", http.HandlerFunc(a.account))
	s.Handle("POST /account/password", http.HandlerFunc(a.setPassword))
	s.Handle("GET /account/register", http.HandlerFunc(a.register))
	s.Handle("POST /account/register/request-letter", http.HandlerFunc(a.requestLetter))
	s.Handle("GET /account/register/letter", http.HandlerFunc(a.letterForm))
	s.Handle("POST /account/register/letter", http.HandlerFunc(a.letterRegister))
	a.mountVideo()
	a.mountApp()
	a.mountPortal()
}

// AccountCertLoginHandler adds registration with a certificate
// (/account/register) and login with one (/login/certificate) to the certificate-login origin's handler, as
// returned by CertLoginHandler. Like that handler it is its own route
// table behind the full middleware, so the page exists only where the
// TLS layer can ask for a client certificate.
func (s *Server) AccountCertLoginHandler(certLogin http.Handler, d AccountDeps) http.Handler {
	cl := *s
	cl.mux = http.NewServeMux()
	cl.cop = http.NewCrossOriginProtection()
	if d.CertLoginURL != "" {
		origin, _, err := parsePublicURL(d.CertLoginURL)
		if err == nil {
			err = cl.cop.AddTrustedOrigin(origin)
		}
		if err != nil {
			s.log.Warn("certificate-login URL not trusted for forms", "url", d.CertLoginURL, "error", err)
		}
	}
	a := newAccountRoutes(&cl, d)
	cl.Handle("GET /account/register", http.HandlerFunc(a.certRegisterForm))
	cl.Handle("POST /account/register", http.HandlerFunc(a.certRegister))
	cl.Handle("GET /login/certificate", http.HandlerFunc(a.certLoginStart))
	cl.handler = cl.chain()

	outer := http.NewServeMux()
	outer.Handle("/account/register", cl.handler)
	outer.Handle("/login/certificate", cl.handler)
	outer.Handle("/", certLogin)
	return outer
}

// maxAccountForm bounds an account form; the longest field is an email.
const maxAccountForm = 8 << 10

// form parses a posted form, answering the request itself when it cannot.
func (a *accountRoutes) form(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxAccountForm)
	if err := r.ParseForm(); err != nil {
		a.s.Error(w, r, errField("form").Wrap(err))
		return false
	}
	return true
}

func field(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// safeNext keeps a post-login destination only when it is a path on this
// origin. "//host" and "/\host" are read by browsers as another host, and
// anything with a scheme or host is someone else's page: an open redirect
// would let a phishing mail borrow llavero's address.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 1024 {
		return ""
	}
	if strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// accountStatus is the HTTP status of a refusal on an account page.
func accountStatus(w http.ResponseWriter, err error) int {
	var se *statusErr
	if errors.As(err, &se) {
		return se.status
	}
	switch i18n.CodeOf(err) {
	case "otp.rate_limited", "rate.limited", "notme.too_often":
		w.Header().Set("Retry-After", lockoutSeconds)
		return http.StatusTooManyRequests
	case "password.locked":
		return http.StatusForbidden
	}
	return statusOf(err)
}

// refusal turns err into a problem shown on the page that caused it. The
// platform's own failures get the generic error page instead; ok is false
// then and the request has been answered.
func (a *accountRoutes) refusal(w http.ResponseWriter, r *http.Request, err error) (*problemView, int, bool) {
	ie, ok := i18n.As(err)
	if !ok {
		a.s.Error(w, r, err)
		return nil, 0, false
	}
	return problemOf(ie), accountStatus(w, err), true
}

// clock shows an instant as a time of day on the account pages.
func (a *accountRoutes) clock(t time.Time) string {
	s := t.In(a.loc).Format("15:04")
	if a.loc == time.UTC {
		s += " UTC"
	}
	return s
}

func (a *accountRoutes) when(t time.Time) string {
	s := t.In(a.loc).Format("02/01/2006 15:04")
	if a.loc == time.UTC {
		s += " UTC"
	}
	return s
}

func masked(e164 string) string {
	if e164 == "" {
		return ""
	}
	ph, err := identity.ParsePhone(e164, identity.PhoneOptions{AllowForeign: true})
	if err != nil {
		return ""
	}
	return ph.Masked()
}

// Labels of the values the account pages show.
var (
	levelLabels = map[string]i18n.Text{
		store.LevelBasic:    i18n.T("básico", "basic"),
		store.LevelAdvanced: i18n.T("avanzado", "advanced"),
	}
	viaLabels = map[string]i18n.Text{
		store.ViaCertificate: i18n.T("con tu certificado", "with your certificate"),
		store.ViaOffice:      i18n.T("en una oficina de registro", "at a registration office"),
		store.ViaLetter:      i18n.T("con la carta de invitación", "with the invitation letter"),
		store.ViaVideo:       i18n.T("por videoidentificación", "by video identification"),
	}
	acrLabels = map[string]i18n.Text{
		"low":         i18n.T("bajo", "low"),
		"substantial": i18n.T("sustancial", "substantial"),
		"high":        i18n.T("alto", "high"),
	}
	methodLabels = map[string]i18n.Text{
		"pin":          i18n.T("PIN por SMS", "PIN by SMS"),
		"otp":          i18n.T("código por SMS tras la contraseña", "SMS code after the password"),
		"password":     i18n.T("contraseña", "password"),
		"password+otp": i18n.T("contraseña y código por SMS", "password and SMS code"),
		"app":          i18n.T("aplicación del móvil", "phone app"),
		"certificate":  i18n.T("certificado", "certificate"),
	}
	outcomeLabels = map[string]i18n.Text{
		"ok":      i18n.T("correcto", "successful"),
		"refused": i18n.T("rechazado", "refused"),
		"failed":  i18n.T("fallido", "failed"),
	}
)

// label looks a value up, showing an unknown one as itself rather than
// hiding it.
func label(m map[string]i18n.Text, v string) i18n.Text {
	if t, ok := m[v]; ok {
		return t
	}
	return i18n.T(v, v)
}

// methodOfAMR names how a session logged in, from its method references.
func methodOfAMR(amr []string) string {
	has := func(s string) bool { return slices.Contains(amr, s) }
	switch {
	case has("swk") || (has("hwk") && has("pin")):
		return "certificate"
	case has("hwk"):
		return "app"
	case has("pwd") && has("sms"):
		return "password+otp"
	case has("pwd"):
		return "password"
	case has("sms"):
		return "pin"
	}
	return strings.Join(amr, "+")
}
