package web

import (
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// mountOffice adds the registration office's API and console. Both
// authenticate the operator by the certificate presented over TLS
// (RA.DeskFor). A browser attaches that certificate to any request to this
// origin, even one a hostile page makes it send, so the console's forms
// depend on the middleware's cross-origin protection, like any form.
func (c *certRoutes) mountOffice() {
	s := c.s
	s.Handle("GET /api/v1/office/cases", http.HandlerFunc(c.apiCases))
	s.Handle("POST /api/v1/office/approve", http.HandlerFunc(c.apiApprove))
	s.Handle("POST /api/v1/office/refuse", http.HandlerFunc(c.apiRefuse))
	s.Handle("POST /api/v1/office/revoke", http.HandlerFunc(c.apiRevoke))

	s.Handle("GET /office", http.HandlerFunc(c.consoleHome))
	s.Handle("GET /office/case", http.HandlerFunc(c.consoleCase))
	s.Handle("POST /office/approve", http.HandlerFunc(c.consoleApprove))
	s.Handle("POST /office/refuse", http.HandlerFunc(c.consoleRefuse))
	s.Handle("GET /office/approve", http.HandlerFunc(backToConsole))
	s.Handle("GET /office/refuse", http.HandlerFunc(backToConsole))
	c.mountOfficeAccounts()
}

// The office's own refusals.
var (
	errApplicationNotFound = i18n.New("office.application_not_found",
		i18n.T("No hay ninguna solicitud con ese identificador.", "There is no application with that identifier."),
		i18n.T("Busca a la persona por su código de solicitud o su DNI/NIE y elige la solicitud en la lista.",
			"Look the person up by application code or DNI/NIE and choose the application from the list."))
	errQuery = i18n.New("office.query",
		i18n.T("Escribe un código de solicitud o un DNI/NIE.", "Type an application code or a DNI/NIE."),
		i18n.T("El código tiene la forma XXXX-XXXX-XXXX y está en el correo de la persona; el DNI/NIE, en su documento.",
			"The code looks like XXXX-XXXX-XXXX and is in the person's email; the DNI/NIE is on their document."))
	errTarget = i18n.New("office.target",
		i18n.T("Indica la solicitud con su identificador o con su código, solo con uno de los dos.",
			"Name the application by its identifier or by its code, with exactly one of them."),
		i18n.T("Envía «application_id» o «code» (con «llavero office verify --code CÓDIGO»).",
			"Send \"application_id\" or \"code\" (with \"llavero office verify --code CODE\")."))
)

// desk authenticates the operator, or answers the request itself: 401
// without a certificate, 403 with one that is not an enabled operator's
// (a citizen's certificate opens nothing here).
func (c *certRoutes) desk(w http.ResponseWriter, r *http.Request) (ra.Desk, bool) {
	x := clientCert(r)
	if x == nil {
		c.s.Error(w, r, WithStatus(http.StatusUnauthorized, errNoClientCert))
		return ra.Desk{}, false
	}
	d, err := c.d.RA.DeskFor(r.Context(), x)
	if err != nil {
		c.s.certError(w, r, err)
		return ra.Desk{}, false
	}
	return d, true
}

// sortApplications puts what the operator can act on first (pending and
// in date), then the rest, newest first within each group.
func sortApplications(apps []ra.AppView) {
	sort.SliceStable(apps, func(i, j int) bool {
		ai, aj := actionable(apps[i]), actionable(apps[j])
		if ai != aj {
			return ai
		}
		return apps[i].CreatedAt.After(apps[j].CreatedAt)
	})
}

func actionable(a ra.AppView) bool { return a.State == store.AppPending && !a.Expired }

// target resolves the application an office request names, by internal ID
// or by the code the person hands over.
func (c *certRoutes) target(r *http.Request, appID, code string) (string, error) {
	appID, code = strings.TrimSpace(appID), strings.TrimSpace(code)
	switch {
	case (appID == "") == (code == ""):
		return "", errTarget
	case appID != "":
		return appID, nil
	}
	app, err := c.d.RA.ApplicationForCode(r.Context(), code)
	if err != nil {
		return "", err
	}
	return app.ID, nil
}

// parseCheck reads what the operator typed about the document. Its format
// is checked here, before the RA sees it: the RA refuses the application
// (and emails the person) for a document that does not match the
// registry, and a typing slip at the desk must not do that.
func parseCheck(docType, number, expiry string) (ra.Check, error) {
	t, err := identity.ParseDocType(docType)
	if err != nil {
		return ra.Check{}, err
	}
	n, err := identity.ParseDocumentNumber(t, number)
	if err != nil {
		return ra.Check{}, err
	}
	exp, err := identity.ParseDate(expiry)
	if err != nil {
		return ra.Check{}, err
	}
	return ra.Check{DocumentType: string(t), DocumentNumber: n, DocumentExpiry: exp}, nil
}

// notRecorded are the Approve refusals that change nothing: the
// application is not in a state to be checked, or this desk may not check
// it. Any other refusal from Approve is the registry's verdict on the
// document, and the application is now refused.
var notRecorded = map[string]bool{
	ra.ErrOfficeCannot.Code: true,
	ra.ErrNotPending.Code:   true,
	ra.ErrCodeExpired.Code:  true,
}

// approve runs the check. A store.ErrNotFound for the ID becomes the
// office's own refusal; refusedNow reports that the registry refused the
// application during the check.
func (c *certRoutes) approve(r *http.Request, d ra.Desk, appID string, chk ra.Check) (cert store.Certificate, refusedNow bool, err error) {
	cert, err = c.d.RA.Approve(r.Context(), d, appID, chk)
	if errors.Is(err, store.ErrNotFound) {
		return cert, false, errApplicationNotFound
	}
	if ie, ok := i18n.As(err); ok && !notRecorded[ie.Code] {
		return cert, true, err
	}
	return cert, false, err
}

// refuse records the operator's refusal; a store.ErrNotFound for the ID
// becomes the office's own refusal.
func (c *certRoutes) refuse(r *http.Request, d ra.Desk, appID, reason, note string) error {
	err := c.d.RA.Refuse(r.Context(), d, appID, reason, note)
	if errors.Is(err, store.ErrNotFound) {
		return errApplicationNotFound
	}
	return err
}

// The JSON of the office API.
type (
	casePersonJSON struct {
		ID             string `json:"id"`
		GivenName      string `json:"given_name"`
		FirstSurname   string `json:"first_surname"`
		SecondSurname  string `json:"second_surname"`
		DocumentType   string `json:"document_type"`
		DocumentNumber string `json:"document_number"`
		DocumentExpiry string `json:"document_expiry"`
		City           string `json:"city"`
	}
	caseAppJSON struct {
		ID          string `json:"id"`
		State       string `json:"state"`
		Expired     bool   `json:"expired"`
		CreatedAt   string `json:"created_at"`
		ExpiresAt   string `json:"expires_at"`
		RefusalCode string `json:"refusal_code,omitempty"`
		Serial      string `json:"serial,omitempty"`
	}
	caseJSON struct {
		Person       casePersonJSON `json:"person"`
		Applications []caseAppJSON  `json:"applications"`
	}
)

func (c *certRoutes) apiCases(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		c.s.certError(w, r, errQuery)
		return
	}
	k, err := c.d.RA.Find(r.Context(), d, q)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	sortApplications(k.Applications)
	p := k.Person
	out := caseJSON{
		Person: casePersonJSON{
			ID: p.ID, GivenName: p.GivenName, FirstSurname: p.FirstSurname, SecondSurname: p.SecondSurname,
			DocumentType: p.DocumentType, DocumentNumber: p.DocumentNumber, DocumentExpiry: date(p.DocumentExpiry),
			City: p.City,
		},
		Applications: make([]caseAppJSON, 0, len(k.Applications)),
	}
	for _, a := range k.Applications {
		out.Applications = append(out.Applications, caseAppJSON{
			ID: a.ID, State: a.State, Expired: a.Expired, CreatedAt: rfc3339(a.CreatedAt), ExpiresAt: rfc3339(a.ExpiresAt),
			RefusalCode: a.RefusalCode, Serial: a.CertSerial,
		})
	}
	writeJSON(w, r, http.StatusOK, out)
}

type approveRequest struct {
	ApplicationID  string `json:"application_id"`
	Code           string `json:"code"`
	DocumentType   string `json:"document_type"`
	DocumentNumber string `json:"document_number"`
	DocumentExpiry string `json:"document_expiry"`
	KeyOnToken     bool   `json:"key_on_token"`
}

func (c *certRoutes) apiApprove(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req approveRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	appID, err := c.target(r, req.ApplicationID, req.Code)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	chk, err := parseCheck(req.DocumentType, req.DocumentNumber, req.DocumentExpiry)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	chk.KeyOnToken = req.KeyOnToken
	cert, refusedNow, err := c.approve(r, d, appID, chk)
	if refusedNow {
		// The check was done and recorded: the registry refused it. The
		// code says why, and the person has it by email.
		c.s.Error(w, r, WithStatus(http.StatusConflict, err))
		return
	}
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, struct {
		ApplicationID string `json:"application_id"`
		Serial        string `json:"serial"`
		NotAfter      string `json:"not_after"`
	}{appID, cert.Serial, rfc3339(cert.NotAfter)})
}

type refuseRequest struct {
	ApplicationID string `json:"application_id"`
	Code          string `json:"code"`
	Reason        string `json:"reason"`
	Note          string `json:"note"`
}

func (c *certRoutes) apiRefuse(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req refuseRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	appID, err := c.target(r, req.ApplicationID, req.Code)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	if err := c.refuse(r, d, appID, req.Reason, req.Note); err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, struct {
		ApplicationID string `json:"application_id"`
		Refused       bool   `json:"refused"`
	}{appID, true})
}

// normalSerial accepts a serial as people copy it (upper case, colons or
// spaces from "openssl x509 -serial", leading zeros) and returns the form
// the store uses.
func normalSerial(s string) (string, bool) {
	s = strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 {
		return "", false
	}
	return ra.SerialHex(n), true
}

func (c *certRoutes) apiRevoke(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req struct {
		Serial string `json:"serial"`
		Reason string `json:"reason"`
	}
	if !c.s.decode(w, r, &req) {
		return
	}
	serial, ok := normalSerial(req.Serial)
	if !ok {
		c.s.certError(w, r, errField("serial"))
		return
	}
	reason, err := revokeReason(req.Reason)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	done, err := c.d.RA.RevokeAtDesk(r.Context(), d, serial, reason)
	if err != nil && done.Serial == "" {
		c.s.certError(w, r, err)
		return
	}
	if err != nil {
		c.s.log.LogAttrs(r.Context(), slog.LevelError, "revocation not yet published",
			slog.String("request_id", RequestID(r)), slog.String("error", err.Error()))
	}
	writeJSON(w, r, http.StatusOK, revokeResponse{Serial: done.Serial, RevokedAt: rfc3339(done.RevokedAt)})
}

// date writes a calendar date (a document's expiry) as people and the
// registry write it.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
