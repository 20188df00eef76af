package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// errPasswordsDiffer: the two password fields of the form do not match.
var errPasswordsDiffer = i18n.New("password.mismatch",
	i18n.T("Las dos contraseñas no son iguales.", "The two passwords are not the same."),
	i18n.T("Escribe la misma contraseña nueva en los dos campos.", "Type the same new password in both fields."))

// errPasswordNeedsStrongLogin: a password may only be set by someone who
// proved who they are with something other than a password, or a stolen
// password would let its thief replace it.
var errPasswordNeedsStrongLogin = i18n.New("password.needs_sms_or_certificate",
	i18n.T("Para poner o cambiar la contraseña tienes que haber entrado con un PIN por SMS, con contraseña y código SMS, o con tu certificado.",
		"To set or change your password you must have logged in with a PIN by SMS, with a password and SMS code, or with your certificate."),
	i18n.T("Sal y vuelve a entrar con un PIN por SMS; después podrás ponerla aquí.",
		"Log out and log in again with a PIN by SMS; then you can set it here."))

type eventView struct {
	ID      string
	When    string
	Method  i18n.Text
	OK      bool
	Outcome i18n.Text
	ACR     i18n.Text
	HasACR  bool
}

type accountPage struct {
	Name           string
	ID             string
	Level          i18n.Text
	Advanced       bool
	Via            i18n.Text
	Mobile         string
	HasPassword    bool
	PasswordLocked bool
	SessionACR     i18n.Text
	SessionMethod  i18n.Text
	Expires        string
	Events         []eventView
	WaysUp         []i18n.Text
	CanSetPassword bool
	PasswordSaved  bool
	Problem        *problemView
	Video          videoView // the video identification, if any (account_video.go)
	// Remote signatures (signatures_account.go).
	Signatures []signatureView
	// Notices are the reminders sent (account_notices.go).
	Notices []noticeView
	// Certificates, applications, letters, procedures (account_portal.go).
	Portal portalView
}

// canSetPassword: the session proved possession of the mobile (an SMS
// code) or of a certificate.
func canSetPassword(s store.Session) bool {
	return slices.Contains(s.AMR, "sms") || slices.Contains(s.AMR, "swk") || slices.Contains(s.AMR, "hwk")
}

func (a *accountRoutes) account(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account"), http.StatusSeeOther)
		return
	}
	a.showAccount(w, r, sess, http.StatusOK, nil)
}

func (a *accountRoutes) showAccount(w http.ResponseWriter, r *http.Request, sess store.Session, status int, problem *problemView) {
	ctx := r.Context()
	person, err := a.d.Store.GetPerson(ctx, sess.PersonID)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	acc, err := a.d.Store.GetAccount(ctx, sess.PersonID)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	events, err := a.d.Store.ListLoginEvents(ctx, sess.PersonID, 10)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	pg := accountPage{
		Name: registry.FullName(person), ID: person.ID,
		Level: label(levelLabels, acc.Level), Advanced: acc.Level == store.LevelAdvanced, Via: label(viaLabels, acc.RegisteredVia),
		Mobile: masked(acc.Mobile), HasPassword: acc.PasswordHash != "", PasswordLocked: !acc.PasswordLockedAt.IsZero(),
		SessionACR: label(acrLabels, sess.ACR), SessionMethod: label(methodLabels, methodOfAMR(sess.AMR)),
		Expires:        a.clock(sessionEnds(sess)),
		CanSetPassword: canSetPassword(sess),
		PasswordSaved:  r.URL.Query().Get("saved") != "",
		Problem:        problem,
	}
	if pg.Video, err = a.videoViewOf(r, sess.PersonID); err != nil {
		a.s.Error(w, r, err)
		return
	}
	if pg.Signatures, err = a.signaturesOf(r, sess.PersonID); err != nil {
		a.s.Error(w, r, err)
		return
	}
	if pg.Notices, err = a.noticesOf(ctx, sess.PersonID); err != nil {
		a.s.Error(w, r, err)
		return
	}
	if pg.Portal, err = a.portalOf(r, sess); err != nil {
		a.s.Error(w, r, err)
		return
	}
	for _, e := range events {
		pg.Events = append(pg.Events, eventView{ID: e.ID,
			When: a.when(e.At), Method: label(methodLabels, e.Method), OK: e.Outcome == "ok",
			Outcome: label(outcomeLabels, e.Outcome), ACR: label(acrLabels, e.ACR), HasACR: e.ACR != "",
		})
	}
	if !pg.Advanced {
		pg.WaysUp = loa.WaysUp(loa.Standing{
			HasAccount: true, HasPassword: pg.HasPassword, IsDNIHolder: person.DocumentType == "DNI",
		}, loa.Substantial)
	}
	a.s.Render(w, r, status, "account", pg)
}

func (a *accountRoutes) setPassword(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account"), http.StatusSeeOther)
		return
	}
	if !a.form(w, r) {
		return
	}
	var err error
	switch pw := r.PostFormValue("password"); {
	case !canSetPassword(sess):
		err = WithStatus(http.StatusForbidden, errPasswordNeedsStrongLogin)
	case pw != r.PostFormValue("confirm"):
		err = errPasswordsDiffer
	default:
		err = a.d.IdP.SetPassword(r.Context(), sess.PersonID, pw)
	}
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		a.showAccount(w, r, sess, status, p)
		return
	}
	http.Redirect(w, r, "/account?saved=1#password", http.StatusSeeOther)
}

// The registration pages.

type officeView struct {
	Name, Address, Hours string
}

type registerPage struct {
	CertURL string
	Offices []officeView
	ID      string
	Problem *problemView
}

func (a *accountRoutes) register(w http.ResponseWriter, r *http.Request) {
	a.showRegister(w, r, http.StatusOK, "", nil)
}

func (a *accountRoutes) showRegister(w http.ResponseWriter, r *http.Request, status int, id string, problem *problemView) {
	offices, err := a.d.Store.ListOffices(r.Context())
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	pg := registerPage{ID: id, Problem: problem}
	if a.d.CertLoginURL != "" {
		pg.CertURL = a.d.CertLoginURL + "/account/register"
	}
	for _, o := range offices {
		if !slices.Contains(o.Handles, "account") {
			continue
		}
		pg.Offices = append(pg.Offices, officeOf(o))
	}
	a.s.Render(w, r, status, "account_register", pg)
}

type letterSentPage struct {
	City    string
	Expires string
	CertURL string
}

func (a *accountRoutes) requestLetter(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	id := field(r, "id")
	sent, err := a.d.IdP.RequestLetter(r.Context(), id, LangOf(r))
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		a.showRegister(w, r, status, id, p)
		return
	}
	pg := letterSentPage{City: sent.City, Expires: a.day(sent.ExpiresAt)}
	if a.d.CertLoginURL != "" {
		pg.CertURL = a.d.CertLoginURL + "/account/register"
	}
	a.s.Render(w, r, http.StatusOK, "account_letter_sent", pg)
}

type letterFormPage struct {
	ID, Mobile, Email string
	Problem           *problemView
}

func (a *accountRoutes) letterForm(w http.ResponseWriter, r *http.Request) {
	a.s.Render(w, r, http.StatusOK, "account_letter", letterFormPage{})
}

// registeredPage is the success page of every registration. Its next
// steps follow how the person registered: whoever registered with a
// certificate logs in with it (substantial at once, no SMS).
type registeredPage struct {
	Advanced bool
	ViaCert  bool // registered with a certificate
	Level    i18n.Text
	Mobile   string
	WaysUp   []i18n.Text
	LoginURL string
	// CertLoginURL starts a certificate login on the main origin and comes
	// back to My llavero; ViaCert only.
	CertLoginURL string
}

// registered shows the account after a registration made via (store.Via*):
// the way just used, which an account registered earlier another way does
// not record.
func (a *accountRoutes) registered(w http.ResponseWriter, r *http.Request, acc store.Account, via string) {
	pg := registeredPage{
		Advanced: acc.Level == store.LevelAdvanced, Level: label(levelLabels, acc.Level),
		Mobile: masked(acc.Mobile), LoginURL: a.s.publicURL + "/login",
	}
	if via == store.ViaCertificate && a.d.CertLoginURL != "" {
		pg.ViaCert = true
		pg.CertLoginURL = a.s.publicURL + "/login/certificate/begin?" + url.Values{"next": {"/account"}}.Encode()
	}
	if !pg.Advanced {
		isDNI := false
		if p, err := a.d.Store.GetPerson(r.Context(), acc.PersonID); err == nil {
			isDNI = p.DocumentType == "DNI"
		}
		pg.WaysUp = loa.WaysUp(loa.Standing{HasAccount: true, IsDNIHolder: isDNI}, loa.Substantial)
	}
	a.s.Render(w, r, http.StatusOK, "account_registered", pg)
}

func (a *accountRoutes) letterRegister(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := letterFormPage{ID: field(r, "id"), Mobile: field(r, "mobile"), Email: field(r, "email")}
	acc, err := a.d.IdP.RegisterWithLetter(r.Context(), pg.ID, field(r, "code"),
		idp.Contact{Mobile: pg.Mobile, Email: pg.Email, Lang: LangOf(r)}, clientKey(r))
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		a.s.Render(w, r, status, "account_letter", pg)
		return
	}
	a.registered(w, r, acc, store.ViaLetter)
}

// Registration with a certificate, on the certificate-login origin.

type certRegisterPage struct {
	Mobile, Email string
	Problem       *problemView
}

func (a *accountRoutes) certRegisterForm(w http.ResponseWriter, r *http.Request) {
	if clientCert(r) == nil {
		a.s.Error(w, r, WithStatus(http.StatusUnauthorized, errNoClientCert))
		return
	}
	a.s.Render(w, r, http.StatusOK, "account_cert", certRegisterPage{})
}

func (a *accountRoutes) certRegister(w http.ResponseWriter, r *http.Request) {
	x := clientCert(r)
	if x == nil {
		a.s.Error(w, r, WithStatus(http.StatusUnauthorized, errNoClientCert))
		return
	}
	if !a.form(w, r) {
		return
	}
	pg := certRegisterPage{Mobile: field(r, "mobile"), Email: field(r, "email")}
	acc, err := a.d.IdP.RegisterWithCertificate(r.Context(), x, idp.Contact{Mobile: pg.Mobile, Email: pg.Email, Lang: LangOf(r)})
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		a.s.Render(w, r, status, "account_cert", pg)
		return
	}
	a.registered(w, r, acc, store.ViaCertificate)
}
