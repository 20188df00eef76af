package web

import (
	"net/http"
	"strings"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// The office console: an operator at a registration office, signed in by
// their operator certificate, finds a person by application code or
// DNI/NIE, sees every application of theirs, records the document they
// checked and approves, or refuses with a reason. Every result page says
// what happened and what to tell the person in front of the desk.

// deskView names who is signed in, on every console page: an operator
// with the wrong certificate in the browser should notice at once.
type deskView struct {
	Operator string
	Office   string
	Address  string
}

func viewOfDesk(d ra.Desk) deskView {
	addr := d.Office.Address
	if d.Office.City != "" {
		addr += ", " + d.Office.City
	}
	return deskView{Operator: d.Operator.Name, Office: d.Office.Name, Address: addr}
}

// problemView is a refusal shown inside a console page.
type problemView struct {
	Code string
	Msg  i18n.Text
	Next i18n.Text
}

func problemOf(ie *i18n.Error) *problemView {
	return &problemView{Code: ie.Code, Msg: ie.Msg, Next: ie.Next}
}

type officePage struct {
	Desk    deskView
	Query   string
	Problem *problemView
}

// option is one choice of a select: the value sent, the label shown.
type option struct {
	Value string
	Label i18n.Text
}

type personView struct {
	ID, Name, DocNumber, DocExpiry, City string
	DocType                              i18n.Text
}

type appView struct {
	ID         string
	State      i18n.Text
	Actionable bool
	Expired    bool
	Created    string
	Deadline   string
	Refusal    i18n.Text
	HasRefusal bool
	Serial     string
}

// casePage is one person's case. Its forms send back the person's
// DNI/NIE, not the code the search may have used, so that result pages
// link back without putting codes in addresses (and browser histories).
type casePage struct {
	Desk     deskView
	Person   personView
	Apps     []appView
	Account  *deskAccount // nil when this office console does not register accounts
	DocTypes []option
	Reasons  []option
}

// The outcomes of a console action, each with its own result page.
const (
	outcomeApproved       = "approved"      // certificate issued
	outcomeRefusedByCheck = "refused_check" // the registry refused the document checked
	outcomeRefused        = "refused"       // the operator refused
	outcomeNotDone        = "not_done"      // nothing recorded
)

type resultPage struct {
	Desk     deskView
	Query    string
	Outcome  string
	PersonID string
	Surname  string // the person's first surname, as a shell word; "" when unknown
	Server   string // the download command's " --server URL" (config.ServerFlag)
	Serial   string
	NotAfter string
	Problem  *problemView
	Reason   i18n.Text
	Note     string
}

// Labels of the values the RA keeps as codes.
var (
	stateLabels = map[string]i18n.Text{
		store.AppPending:    i18n.T("Pendiente de comprobación", "Waiting for the identity check"),
		store.AppApproved:   i18n.T("Aprobada: certificado emitido, aún sin descargar", "Approved: certificate issued, not downloaded yet"),
		store.AppDownloaded: i18n.T("Certificado descargado", "Certificate downloaded"),
		store.AppRefused:    i18n.T("Rechazada", "Refused"),
		store.AppCancelled:  i18n.T("Cancelada", "Cancelled"),
	}
	expiredLabel = i18n.T("Caducada: nadie la comprobó a tiempo", "Expired: not checked in time")

	docTypeLabels = []option{
		{store.DocDNI, i18n.T("DNI", "DNI")},
		{store.DocTIE, i18n.T("TIE (tarjeta de identidad de extranjero)", "TIE (foreigner identity card)")},
		{store.DocEUCertificate, i18n.T("Certificado de registro de ciudadano de la UE (con pasaporte)", "EU citizen registration certificate (with passport)")},
		{store.DocPassport, i18n.T("Pasaporte", "Passport")},
	}

	// refusalLabels name each of ra.RefusalReasons for the operator; the
	// RA writes the person's own explanation in the email.
	refusalLabels = map[string]i18n.Text{
		"registry.not_found":       i18n.T("No figura en el registro de población", "Not in the population registry"),
		"surname.mismatch":         i18n.T("El primer apellido no coincide con el documento", "The first surname does not match the document"),
		"document.expired":         i18n.T("Documento caducado", "Document expired"),
		"office.document_mismatch": i18n.T("El documento no coincide con el del registro", "The document does not match the registry"),
		"identity.not_proven":      i18n.T("No se pudo comprobar la identidad", "Identity could not be confirmed"),
		"other":                    i18n.T("Otro motivo (escríbelo en la nota)", "Other reason (write it in the note)"),
	}
)

func docTypeLabel(t string) i18n.Text {
	for _, o := range docTypeLabels {
		if o.Value == t {
			return o.Label
		}
	}
	return i18n.T(t, t)
}

func refusalOptions() []option {
	var out []option
	for _, code := range ra.RefusalReasons() {
		label, ok := refusalLabels[code]
		if !ok {
			// A reason the RA added before this list learnt it: still
			// offered, under its code, rather than hidden.
			label = i18n.T(code, code)
		}
		out = append(out, option{code, label})
	}
	return out
}

func (c *certRoutes) consoleHome(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	c.s.Render(w, r, http.StatusOK, "office", officePage{Desk: viewOfDesk(d)})
}

// consolePageError shows a refusal on the search page, with the search
// box, so the operator can correct the query at once. The platform's own
// failures still get the generic error page.
func (c *certRoutes) consolePageError(w http.ResponseWriter, r *http.Request, d ra.Desk, q string, err error) {
	ie, ok := i18n.As(err)
	if !ok {
		c.s.Error(w, r, err)
		return
	}
	c.s.Render(w, r, statusOf(err), "office", officePage{Desk: viewOfDesk(d), Query: q, Problem: problemOf(ie)})
}

func (c *certRoutes) consoleCase(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		c.consolePageError(w, r, d, q, errQuery)
		return
	}
	k, err := c.d.RA.Find(r.Context(), d, q)
	if err != nil {
		c.consolePageError(w, r, d, q, err)
		return
	}
	sortApplications(k.Applications)
	p := k.Person
	page := casePage{
		Desk: viewOfDesk(d),
		Person: personView{
			ID: p.ID, Name: registry.FullName(p), DocType: docTypeLabel(p.DocumentType),
			DocNumber: p.DocumentNumber, DocExpiry: date(p.DocumentExpiry), City: p.City,
		},
		DocTypes: docTypeLabels,
		Reasons:  refusalOptions(),
	}
	for _, a := range k.Applications {
		v := appView{
			ID: a.ID, State: stateLabels[a.State], Actionable: actionable(a), Expired: a.Expired,
			Created: date(a.CreatedAt), Deadline: date(a.ExpiresAt), Serial: a.CertSerial,
		}
		if a.Expired {
			v.State = expiredLabel
		}
		if v.State.ES == "" {
			v.State = i18n.T(a.State, a.State)
		}
		if a.RefusalCode != "" {
			v.Refusal, v.HasRefusal = refusalLabels[a.RefusalCode], true
			if v.Refusal.ES == "" {
				v.Refusal = i18n.T(a.RefusalCode, a.RefusalCode)
			}
		}
		page.Apps = append(page.Apps, v)
	}
	if page.Account, err = c.accountOf(r, p.ID); err != nil {
		c.s.Error(w, r, err)
		return
	}
	c.s.Render(w, r, http.StatusOK, "office_case", page)
}

// maxFormBody bounds a console form; the longest field is the note.
const maxFormBody = 16 << 10

// form parses a console form, answering the request itself when it
// cannot.
func (c *certRoutes) form(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		c.s.Error(w, r, errField("form").Wrap(err))
		return false
	}
	return true
}

// result renders the page after an action. A refusal that recorded
// nothing keeps its status; anything recorded is a success to the browser.
func (c *certRoutes) result(w http.ResponseWriter, r *http.Request, page resultPage, err error) {
	status := http.StatusOK
	if err != nil {
		ie, ok := i18n.As(err)
		if !ok {
			c.s.Error(w, r, err)
			return
		}
		page.Problem = problemOf(ie)
		if page.Outcome == outcomeNotDone {
			status = statusOf(err)
		}
	}
	c.s.Render(w, r, status, "office_result", page)
}

func (c *certRoutes) consoleApprove(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok || !c.form(w, r) {
		return
	}
	page := resultPage{Desk: viewOfDesk(d), Query: r.PostForm.Get("q"), Outcome: outcomeNotDone, Server: config.ServerFlag(c.s.publicURL)}
	chk, err := parseCheck(r.PostForm.Get("document_type"), r.PostForm.Get("document_number"), r.PostForm.Get("document_expiry"))
	if err != nil {
		c.result(w, r, page, err)
		return
	}
	chk.KeyOnToken = r.PostForm.Get("key_on_token") == "yes"
	appID := strings.TrimSpace(r.PostForm.Get("application_id"))
	if appID == "" {
		c.result(w, r, page, errApplicationNotFound)
		return
	}
	cert, refusedNow, err := c.approve(r, d, appID, chk)
	switch {
	case refusedNow:
		page.Outcome = outcomeRefusedByCheck
	case err == nil:
		page.Outcome, page.Serial, page.NotAfter, page.PersonID = outcomeApproved, cert.Serial, date(cert.NotAfter), cert.PersonID
		// The download command needs the first surname too. The
		// certificate is issued whatever happens here: without the
		// registry's answer the page shows a placeholder.
		if k, ferr := c.d.RA.Find(r.Context(), d, cert.PersonID); ferr == nil {
			page.Surname = ra.ShellWord(k.Person.FirstSurname)
		} else {
			c.s.log.Warn("office console: no surname for the download command", "person", cert.PersonID, "error", ferr)
		}
	}
	c.result(w, r, page, err)
}

func (c *certRoutes) consoleRefuse(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok || !c.form(w, r) {
		return
	}
	reason, note := r.PostForm.Get("reason"), strings.TrimSpace(r.PostForm.Get("note"))
	page := resultPage{Desk: viewOfDesk(d), Query: r.PostForm.Get("q"), Outcome: outcomeNotDone, Server: config.ServerFlag(c.s.publicURL)}
	appID := strings.TrimSpace(r.PostForm.Get("application_id"))
	if appID == "" {
		c.result(w, r, page, errApplicationNotFound)
		return
	}
	err := c.refuse(r, d, appID, reason, note)
	if err == nil {
		page.Outcome, page.Reason, page.Note = outcomeRefused, refusalLabels[reason], note
	}
	c.result(w, r, page, err)
}

// backToConsole answers a GET of a form's address (the language switch
// on a result page, a reload, a bookmark) with the console, not a 405.
func backToConsole(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/office", http.StatusSeeOther)
}

var _ = addTexts(map[string]i18n.Text{
	"desk.title":      i18n.T("Oficina de registro", "Registration office"),
	"desk.signed_in":  i18n.T("Has entrado como", "Signed in as"),
	"desk.at":         i18n.T("en", "at"),
	"desk.not_you":    i18n.T("Si no eres tú, cierra el navegador y elige tu certificado de operador al volver a entrar.", "If this is not you, close the browser and choose your own operator certificate when you come back."),
	"desk.new_search": i18n.T("Nueva búsqueda", "New search"),

	"desk.search.title":  i18n.T("Buscar a una persona", "Find a person"),
	"desk.search.label":  i18n.T("Código de solicitud o DNI/NIE", "Application code or DNI/NIE"),
	"desk.search.hint":   i18n.T("El código tiene la forma XXXX-XXXX-XXXX y está en el correo de la persona. Con el DNI/NIE ves todas sus solicitudes.", "The code looks like XXXX-XXXX-XXXX and is in the person's email. With the DNI/NIE you see all their applications."),
	"desk.search.button": i18n.T("Buscar", "Search"),
	"desk.problem.code":  i18n.T("Código", "Code"),

	"desk.person.title":  i18n.T("La persona, según el registro de población", "The person, according to the population registry"),
	"desk.person.why":    i18n.T("Compara estos datos con el documento original que tienes delante. Anota lo que ves en el documento, no lo que pone aquí.", "Compare these details with the original document in front of you. Type what you see on the document, not what is shown here."),
	"desk.person.id":     i18n.T("DNI/NIE", "DNI/NIE"),
	"desk.person.doc":    i18n.T("Documento en el registro", "Document in the registry"),
	"desk.person.expiry": i18n.T("Válido hasta", "Valid until"),
	"desk.person.city":   i18n.T("Municipio", "Town"),

	"desk.apps.title":       i18n.T("Sus solicitudes de certificado", "Their certificate applications"),
	"desk.apps.none":        i18n.T("Esta persona no tiene ninguna solicitud de certificado.", "This person has no certificate application."),
	"desk.app.of":           i18n.T("Solicitud del", "Application of"),
	"desk.app.deadline":     i18n.T("Plazo para la comprobación", "Deadline for the identity check"),
	"desk.app.expired":      i18n.T("(caducado)", "(expired)"),
	"desk.app.expired.next": i18n.T("Esta solicitud ya no se puede aprobar. La persona tiene que hacer una solicitud nueva con «llavero cert request» y volver antes del nuevo plazo.", "This application can no longer be approved. The person has to make a new request with \"llavero cert request\" and come back before the new deadline."),
	"desk.app.reason":       i18n.T("Motivo del rechazo", "Reason for the refusal"),
	"desk.app.serial":       i18n.T("Número de serie del certificado", "Certificate serial number"),
	"desk.choose":           i18n.T("Elige…", "Choose…"),
	"desk.approve.title":    i18n.T("Aprobar: documento comprobado", "Approve: document checked"),
	"desk.approve.why":      i18n.T("Anota el documento original que te enseña la persona. El registro decide: si no coincide o está caducado, la solicitud queda rechazada y la persona recibe el motivo por correo.", "Record the original document the person shows you. The registry decides: if it does not match or has expired, the application is refused and the person gets the reason by email."),
	"desk.approve.type":     i18n.T("Tipo de documento", "Document type"),
	"desk.approve.number":   i18n.T("Número del documento", "Document number"),
	"desk.approve.expiry":   i18n.T("Fecha de caducidad del documento", "Document expiry date"),
	"desk.approve.token": i18n.T("La clave se generó en una tarjeta o token criptográfico que la persona ha mostrado aquí (nivel alto)",
		"The key was generated on a smart card or cryptographic token the person showed here (high level)"),
	"desk.approve.token_hint": i18n.T("Márcalo solo si has visto el token y la solicitud se hizo con él. Si no, déjalo sin marcar: el certificado será de software (nivel sustancial).",
		"Tick it only if you saw the token and the application was made with it. Otherwise leave it unticked: the certificate will be a software one (substantial level)."),
	"desk.approve.date_hint": i18n.T("Año-mes-día, por ejemplo 2031-05-24.", "Year-month-day, for example 2031-05-24."),
	"desk.approve.button":    i18n.T("Aprobar y emitir el certificado", "Approve and issue the certificate"),
	"desk.refuse.title":      i18n.T("Rechazar", "Refuse"),
	"desk.refuse.reason":     i18n.T("Motivo", "Reason"),
	"desk.refuse.note":       i18n.T("Nota para la persona", "Note for the person"),
	"desk.refuse.note_hint":  i18n.T("Obligatoria con «Otro motivo». La persona la leerá en su correo.", "Required with \"Other reason\". The person will read it in their email."),
	"desk.refuse.button":     i18n.T("Rechazar la solicitud", "Refuse the application"),

	"desk.result.approved":            i18n.T("Certificado emitido", "Certificate issued"),
	"desk.result.approved.what":       i18n.T("La identidad está comprobada y el certificado está emitido. La persona ha recibido un correo que dice que está listo.", "The identity is checked and the certificate is issued. The person has been emailed that it is ready."),
	"desk.result.valid_until":         i18n.T("Válido hasta", "Valid until"),
	"desk.result.tell":                i18n.T("Qué decirle a la persona", "What to tell the person"),
	"desk.result.approved.tell":       i18n.T("Descarga el certificado en el mismo ordenador donde hiciste la solicitud, con el programa llavero y tu código:", "Download the certificate on the same computer where you made the request, with the llavero program and your code:"),
	"desk.result.approved.file":       i18n.T("certificado.p12", "certificate.p12"),
	"desk.result.code_placeholder":    i18n.T("TU-CÓDIGO", "YOUR-CODE"),
	"desk.result.surname_placeholder": i18n.T("TU-PRIMER-APELLIDO", "YOUR-FIRST-SURNAME"),
	"desk.result.approved.keep":       i18n.T("El fichero .p12 es tu copia de seguridad: guárdalo con su contraseña en un lugar seguro. Sin él, si pierdes el ordenador tendrás que volver a una oficina.", "The .p12 file is your backup: keep it and its passphrase somewhere safe. Without it, losing the computer means another office visit."),
	"desk.result.refused_check":       i18n.T("Solicitud rechazada por el registro", "Application refused by the registry"),
	"desk.result.refused_check.what":  i18n.T("Has anotado el documento y el registro de población no lo acepta. La solicitud queda rechazada y la persona ha recibido el motivo por correo.", "You recorded the document and the population registry does not accept it. The application is refused and the person has been emailed the reason."),
	"desk.result.refused":             i18n.T("Solicitud rechazada", "Application refused"),
	"desk.result.refused.what":        i18n.T("Has rechazado la solicitud. La persona ha recibido por correo el motivo y qué hacer.", "You refused the application. The person has been emailed the reason and what to do."),
	"desk.result.refused.tell":        i18n.T("Explícale el motivo; lo tiene también en su correo, con el siguiente paso.", "Explain the reason; they also have it in their email, with the next step."),
	"desk.result.not_done":            i18n.T("No se ha guardado nada", "Nothing was recorded"),
	"desk.result.back":                i18n.T("Volver a la ficha de la persona", "Back to the person's page"),
})
