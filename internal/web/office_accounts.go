package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// Registration of accounts at an office: the operator checks the original
// document, exactly as for a certificate application, and the person's
// account becomes advanced in the same visit. The same form with a new
// mobile number is how an office changes a phone number, since a number
// belongs to one identifier at a time and only an office (or a
// certificate login) may move it.

// mountOfficeAccounts adds the account routes of the office console and
// API. Without an IdP the installation does not register accounts here,
// so the routes do not exist and the case page shows no account section.
func (c *certRoutes) mountOfficeAccounts() {
	if c.d.IdP == nil {
		return
	}
	if c.d.Accounts == nil {
		// The case page would show every person as having no account,
		// and an operator would register people who already have one.
		panic("web: CertDeps.IdP needs CertDeps.Accounts")
	}
	s := c.s
	s.Handle("POST /api/v1/office/accounts", http.HandlerFunc(c.apiRegisterAccount))
	s.Handle("POST /office/account", http.HandlerFunc(c.consoleRegisterAccount))
	s.Handle("GET /office/account", http.HandlerFunc(backToConsole))
	c.mountOfficeVideo()
}

// deskAccount is the person's account as the case page shows it.
type deskAccount struct {
	Exists   bool
	Level    i18n.Text
	Advanced bool
	Mobile   string // masked: the operator confirms it, never reads it out
}

// accountOf reads the person's account for the case page; nil when the
// installation does not register accounts at offices. A failure to read
// it is the platform's, and hides nothing the operator needs for
// certificates, so it is reported as an error page rather than guessed.
func (c *certRoutes) accountOf(r *http.Request, personID string) (*deskAccount, error) {
	if c.d.IdP == nil {
		return nil, nil
	}
	acc, err := c.d.Accounts.GetAccount(r.Context(), personID)
	if errors.Is(err, store.ErrNotFound) {
		return &deskAccount{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &deskAccount{Exists: true, Level: levelLabel(acc.Level), Advanced: acc.Level == store.LevelAdvanced,
		Mobile: masked(acc.Mobile)}, nil
}

func levelLabel(level string) i18n.Text {
	if l, ok := levelLabels[level]; ok {
		return l
	}
	return i18n.T(level, level)
}

// accountErrorStatus adds to the certificate mapping the refusals only
// account registration has. A taken number conflicts with another
// person's account, which the operator cannot fix by retyping.
var accountErrorStatus = map[string]int{
	idp.ErrPhoneTaken.Code: http.StatusConflict,
}

func accountStatusOf(err error) int {
	if ie, ok := i18n.As(err); ok {
		if status, ok := accountErrorStatus[ie.Code]; ok {
			return status
		}
	}
	return statusOf(err)
}

// registerAtOffice checks what the operator typed and registers. The
// document's format is checked first (parseCheck), so a typing slip reads
// as such and not as the registry's verdict on the person's document.
func (c *certRoutes) registerAtOffice(r *http.Request, d ra.Desk, personID, docType, docNumber, docExpiry, mobile, email string) (store.Account, error) {
	personID = strings.TrimSpace(personID)
	if personID == "" {
		return store.Account{}, errField("person_id")
	}
	chk, err := parseCheck(docType, docNumber, docExpiry)
	if err != nil {
		return store.Account{}, err
	}
	// The person's messages go out in the language the desk works in:
	// the operator chose it speaking with them.
	return c.d.IdP.RegisterAtOffice(r.Context(), d, personID, chk, idp.Contact{Mobile: mobile, Email: email, Lang: LangOf(r)})
}

type accountRequest struct {
	PersonID       string `json:"person_id"`
	DocumentType   string `json:"document_type"`
	DocumentNumber string `json:"document_number"`
	DocumentExpiry string `json:"document_expiry"`
	Mobile         string `json:"mobile"`
	Email          string `json:"email"`
}

type accountResponse struct {
	PersonID     string `json:"person_id"`
	Level        string `json:"level"`
	MobileMasked string `json:"mobile_masked"`
}

func (c *certRoutes) apiRegisterAccount(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req accountRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	acc, err := c.registerAtOffice(r, d, req.PersonID, req.DocumentType, req.DocumentNumber, req.DocumentExpiry, req.Mobile, req.Email)
	if err != nil {
		c.s.Error(w, r, withAccountStatus(w, err))
		return
	}
	writeJSON(w, r, http.StatusOK, accountResponse{PersonID: acc.PersonID, Level: acc.Level, MobileMasked: masked(acc.Mobile)})
}

func withAccountStatus(w http.ResponseWriter, err error) error {
	if ie, ok := i18n.As(err); ok {
		if status, ok := accountErrorStatus[ie.Code]; ok {
			return WithStatus(status, err)
		}
	}
	return withCertStatus(w, err)
}

// accountResultPage is the page after the registration form.
type accountResultPage struct {
	Desk     deskView
	Query    string
	Done     bool
	PersonID string
	Mobile   string
	Email    string
	Problem  *problemView
}

func (c *certRoutes) consoleRegisterAccount(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok || !c.form(w, r) {
		return
	}
	f := r.PostForm
	page := accountResultPage{Desk: viewOfDesk(d), Query: f.Get("q")}
	acc, err := c.registerAtOffice(r, d, f.Get("person_id"), f.Get("document_type"), f.Get("document_number"),
		f.Get("document_expiry"), f.Get("mobile"), f.Get("email"))
	status := http.StatusOK
	switch ie, ok := i18n.As(err); {
	case err == nil:
		page.Done, page.PersonID, page.Mobile, page.Email = true, acc.PersonID, masked(acc.Mobile), acc.Email
	case !ok:
		c.s.Error(w, r, err)
		return
	default:
		// Nothing was recorded: the page keeps the refusal's status, as
		// the other console actions do.
		page.Problem, status = problemOf(ie), accountStatusOf(err)
	}
	c.s.Render(w, r, status, "office_account", page)
}

var _ = addTexts(map[string]i18n.Text{
	"desk.account.title":         i18n.T("Su cuenta para entrar en los servicios", "Their account for logging in to services"),
	"desk.account.none":          i18n.T("Esta persona no tiene cuenta todavía.", "This person has no account yet."),
	"desk.account.level":         i18n.T("Nivel", "Level"),
	"desk.account.mobile":        i18n.T("Móvil", "Mobile"),
	"desk.account.no_mobile":     i18n.T("ninguno", "none"),
	"desk.account.form":          i18n.T("Registrar la cuenta con nivel avanzado", "Register the account at advanced level"),
	"desk.account.why":           i18n.T("Anota el documento original que te enseña la persona, como para aprobar un certificado. Si el registro no lo acepta, no se guarda nada.", "Record the original document the person shows you, as when approving a certificate. If the registry does not accept it, nothing is recorded."),
	"desk.account.phone_change":  i18n.T("Para cambiar el móvil de una cuenta, usa este mismo formulario con el número nuevo. Un móvil solo puede estar en una cuenta.", "To change an account's mobile number, use this same form with the new number. A mobile number can only be on one account."),
	"desk.account.mobile_hint":   i18n.T("El móvil de la persona, por ejemplo 612 345 678. Déjalo vacío para conservar el que tiene.", "The person's mobile, for example 612 345 678. Leave it empty to keep the current one."),
	"desk.account.email":         i18n.T("Correo electrónico (opcional)", "Email (optional)"),
	"desk.account.button":        i18n.T("Registrar con nivel avanzado", "Register at advanced level"),
	"desk.account.done":          i18n.T("Cuenta registrada con nivel avanzado", "Account registered at advanced level"),
	"desk.account.done.what":     i18n.T("La identidad está comprobada y la cuenta de la persona tiene ya nivel avanzado.", "The identity is checked and the person's account is now at the advanced level."),
	"desk.account.done.tell":     i18n.T("Ya puedes entrar con Cl@ve PIN: escribe tu DNI/NIE y recibirás un código por SMS en este móvil. Tu cuenta tiene nivel avanzado desde ahora.", "You can log in with PIN straight away: type your DNI/NIE and you will get a code by SMS on this mobile. Your account is advanced from now on."),
	"desk.account.done.no_phone": i18n.T("La cuenta no tiene móvil: para entrar con PIN, la persona necesita uno. Vuelve a registrarla con su número.", "The account has no mobile: to log in with PIN the person needs one. Register again with their number."),
})
