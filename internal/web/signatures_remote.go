package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/store"
)

// Remote signing (package remotesign) over HTTP: the relying parties' API,
// authenticated with their client credentials; the approval pages a
// person reaches from an office's link; and /sign, where a person signs a
// PDF of their own with the same approval. The pages are plain forms
// behind the cross-origin protection every form has, and need no
// JavaScript.

// RemoteSignDeps is what the remote-signing routes need.
type RemoteSignDeps struct {
	Service *remotesign.Service
	// Accounts gives the pages their sessions, as the account pages.
	Accounts AccountDeps
}

type signRoutes struct {
	s   *Server
	svc *remotesign.Service
	a   *accountRoutes
}

// MountRemoteSigning adds the remote-signing API and pages.
func (s *Server) MountRemoteSigning(d RemoteSignDeps) {
	if d.Service == nil {
		panic("web: RemoteSignDeps needs the service")
	}
	g := &signRoutes{s: s, svc: d.Service, a: newAccountRoutes(s, d.Accounts)}
	s.Handle("POST /api/v1/signatures/requests", http.HandlerFunc(g.apiCreate))
	s.Handle("GET /api/v1/signatures/requests/{id}", http.HandlerFunc(g.apiGet))
	// Relying parties call the API from their servers, authenticated by
	// their client credentials, never with a person's cookie.
	s.AllowCrossOrigin("POST /api/v1/signatures/requests")

	s.Handle("GET /sign/requests/{id}", http.HandlerFunc(g.approvePage))
	s.Handle("POST /sign/requests/{id}/code", http.HandlerFunc(g.sendCode))
	s.Handle("POST /sign/requests/{id}/approve", http.HandlerFunc(g.approve))
	s.Handle("POST /sign/requests/{id}/refuse", http.HandlerFunc(g.refuse))
	s.Handle("POST /sign/requests/{id}/download", http.HandlerFunc(g.download))
	s.Handle("GET /sign", http.HandlerFunc(g.pdfForm))
	s.Handle("POST /sign", http.HandlerFunc(g.pdfUpload))
}

// The relying parties' API.

// maxSignRequest bounds a request body: a description, a name, a digest
// and two URLs.
const maxSignRequest = 16 << 10

type signRequestBody struct {
	Description  string `json:"description"`
	DocumentName string `json:"document_name"`
	HashAlg      string `json:"hash_alg"`
	Digest       string `json:"digest"`
	CallbackURI  string `json:"callback_uri"`
	ReturnURI    string `json:"return_uri"`
}

type signCreated struct {
	ID         string    `json:"id"`
	ApproveURL string    `json:"approve_url"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (g *signRoutes) client(w http.ResponseWriter, r *http.Request) (store.Client, bool) {
	c, err := oidc.AuthenticateClient(r.Context(), g.a.d.Store, r)
	if errors.Is(err, oidc.ErrClientAuth) {
		w.Header().Set("WWW-Authenticate", `Basic realm="llavero"`)
		g.s.Error(w, r, WithStatus(http.StatusUnauthorized, remotesign.ErrClientAuth))
		return store.Client{}, false
	}
	if err != nil {
		g.s.Error(w, r, err)
		return store.Client{}, false
	}
	return c, true
}

func (g *signRoutes) apiCreate(w http.ResponseWriter, r *http.Request) {
	c, ok := g.client(w, r)
	if !ok {
		return
	}
	var body signRequestBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSignRequest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		g.s.Error(w, r, errField("body").Wrap(err))
		return
	}
	digest, err := base64.StdEncoding.DecodeString(body.Digest)
	if err != nil {
		g.s.Error(w, r, remotesign.ErrDigest.Wrap(err))
		return
	}
	req, err := g.svc.Create(r.Context(), c, remotesign.NewRequest{
		Description: body.Description, DocumentName: body.DocumentName, HashAlg: body.HashAlg, Digest: digest,
		CallbackURI: body.CallbackURI, ReturnURI: body.ReturnURI,
	})
	if err != nil {
		g.s.Error(w, r, signStatus(err))
		return
	}
	w.Header().Set("Location", "/api/v1/signatures/requests/"+req.ID)
	writeJSON(w, r, http.StatusCreated, signCreated{ID: req.ID, ApproveURL: g.approveURL(r, req.ID), ExpiresAt: req.ExpiresAt})
}

func (g *signRoutes) approveURL(r *http.Request, id string) string {
	if g.s.publicURL != "" {
		return g.s.publicURL + remotesign.ApprovePath(id)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + remotesign.ApprovePath(id)
}

func (g *signRoutes) apiGet(w http.ResponseWriter, r *http.Request) {
	c, ok := g.client(w, r)
	if !ok {
		return
	}
	req, err := g.svc.ForClient(r.Context(), c.ID, r.PathValue("id"))
	if err != nil {
		g.s.Error(w, r, signStatus(err))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, r, http.StatusOK, remotesign.ResultOf(req))
}

// signStatus gives the service's refusals their HTTP status.
func signStatus(err error) error {
	switch i18n.CodeOf(err) {
	case remotesign.ErrNotFound.Code, remotesign.ErrNotYours.Code:
		return WithStatus(http.StatusNotFound, err)
	case remotesign.ErrDecided.Code, remotesign.ErrNoDocument.Code:
		return WithStatus(http.StatusConflict, err)
	case remotesign.ErrExpired.Code:
		return WithStatus(http.StatusGone, err)
	case remotesign.ErrLevel.Code:
		return WithStatus(http.StatusForbidden, err)
	case remotesign.ErrUnavailable.Code:
		return WithStatus(http.StatusServiceUnavailable, err)
	case remotesign.ErrPDFTooLarge.Code:
		return WithStatus(http.StatusRequestEntityTooLarge, err)
	case otp.ErrRateLimited.Code:
		return WithStatus(http.StatusTooManyRequests, err)
	}
	return err
}

// The person's pages.

type signPage struct {
	ID          string
	PDF         bool // the person's own PDF from /sign
	Office      string
	Description string
	Document    string
	HashAlg     string
	Digest      []string // hex in groups
	Expires     string
	State       string // store.Sign*
	ReturnURI   string
	// The code step.
	CodeID      string
	MaskedPhone string
	CodeExpires string
	Signed      bool // approved: what was signed and by whom
	SignedAt    string
	Signer      string
	Download    bool // a signed PDF waiting to be downloaded
	Problem     *problemView
}

func (g *signRoutes) page(req store.SignatureRequest) signPage {
	pg := signPage{
		ID: req.ID, PDF: req.Kind == store.SignKindPDF, Office: req.ClientName, Description: req.Description,
		Document: req.DocumentName, HashAlg: req.HashAlg, Digest: remotesign.DigestHex(req.Digest),
		Expires: g.a.clock(req.ExpiresAt), State: req.State, ReturnURI: req.ReturnURI,
	}
	if req.State == store.SignApproved {
		pg.Signed, pg.SignedAt = true, g.a.when(req.DecidedAt)
		pg.Download = pg.PDF
	}
	return pg
}

// session returns the request's session when it is at substantial or
// above; otherwise it answers: a login at substantial that comes back
// here, or, for a session below it, the ways up (an advanced account
// logged in with a password only needs the SMS code).
func (g *signRoutes) session(w http.ResponseWriter, r *http.Request, back string) (store.Session, bool) {
	sess, ok := g.a.sessionOf(r)
	strong := "/login?" + url.Values{"next": {back}, "acr": {loa.Substantial}}.Encode()
	if !ok {
		http.Redirect(w, r, strong, http.StatusSeeOther)
		return store.Session{}, false
	}
	if loa.Meets(sess.ACR, loa.Substantial) {
		return sess, true
	}
	ctx := r.Context()
	pg := levelPage{Client: "llavero", Need: label(acrLabels, loa.Substantial), Have: label(acrLabels, sess.ACR), StrongURL: strong}
	if id := r.PathValue("id"); id != "" {
		if req, err := g.a.d.Store.GetSignatureRequest(ctx, id); err == nil {
			pg.Client = req.ClientName
		}
	}
	st := loa.Standing{HasAccount: true}
	if acc, err := g.a.d.Store.GetAccount(ctx, sess.PersonID); err == nil {
		st.Advanced = acc.Level == store.LevelAdvanced
		st.HasPassword = acc.PasswordHash != ""
		pg.Level = label(levelLabels, acc.Level)
	}
	if person, err := g.a.d.Store.GetPerson(ctx, sess.PersonID); err == nil {
		st.IsDNIHolder = person.DocumentType == store.DocDNI
	}
	pg.WaysUp = loa.WaysUp(st, loa.Substantial)
	if st.Advanced && containsString(sess.AMR, "pwd") {
		pg.StepUp, pg.Next = true, back
	}
	g.s.Render(w, r, http.StatusForbidden, "oidc_level", pg)
	return store.Session{}, false
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (g *signRoutes) approvePage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sess, ok := g.session(w, r, remotesign.ApprovePath(id))
	if !ok {
		return
	}
	req, err := g.svc.ForPerson(r.Context(), sess.PersonID, id)
	if err != nil {
		g.s.Error(w, r, signStatus(err))
		return
	}
	pg := g.page(req)
	if req.State == store.SignApproved {
		pg.Signer = g.signerName(r, sess.PersonID)
	}
	g.render(w, r, http.StatusOK, pg)
}

func (g *signRoutes) render(w http.ResponseWriter, r *http.Request, status int, pg signPage) {
	// What a person is about to sign is theirs alone: no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	g.s.Render(w, r, status, "sign_request", pg)
}

// refused shows a refusal on the request's page when the request can
// still be read, or as an error page.
func (g *signRoutes) refused(w http.ResponseWriter, r *http.Request, personID, id string, pg *signPage, err error) {
	ie, ok := i18n.As(err)
	if !ok {
		g.s.Error(w, r, err)
		return
	}
	if pg == nil {
		req, rerr := g.svc.ForPerson(r.Context(), personID, id)
		if rerr != nil {
			g.s.Error(w, r, signStatus(err))
			return
		}
		p := g.page(req)
		pg = &p
	}
	pg.Problem = problemOf(ie)
	status := http.StatusBadRequest
	var se *statusErr
	if errors.As(signStatus(err), &se) {
		status = se.status
	}
	g.render(w, r, status, *pg)
}

func (g *signRoutes) sendCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !g.a.form(w, r) {
		return
	}
	sess, ok := g.session(w, r, remotesign.ApprovePath(id))
	if !ok {
		return
	}
	sent, err := g.svc.SendCode(r.Context(), sess.PersonID, sess.ACR, id, LangOf(r))
	if err != nil {
		g.refused(w, r, sess.PersonID, id, nil, err)
		return
	}
	req, err := g.svc.ForPerson(r.Context(), sess.PersonID, id)
	if err != nil {
		g.s.Error(w, r, signStatus(err))
		return
	}
	pg := g.page(req)
	pg.CodeID, pg.MaskedPhone, pg.CodeExpires = sent.CodeID, sent.MaskedPhone, g.a.clock(sent.ExpiresAt)
	g.render(w, r, http.StatusOK, pg)
}

func (g *signRoutes) approve(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !g.a.form(w, r) {
		return
	}
	sess, ok := g.session(w, r, remotesign.ApprovePath(id))
	if !ok {
		return
	}
	codeID := field(r, "code_id")
	req, err := g.svc.Approve(r.Context(), sess.PersonID, sess.ACR, id, codeID, field(r, "code"))
	if err != nil {
		var pg *signPage
		switch i18n.CodeOf(err) {
		case otp.ErrWrong.Code:
			// Type it again: the same code, the same page.
			if cur, rerr := g.svc.ForPerson(r.Context(), sess.PersonID, id); rerr == nil && cur.State == store.SignRequested {
				p := g.page(cur)
				p.CodeID = codeID
				pg = &p
			}
		}
		g.refused(w, r, sess.PersonID, id, pg, err)
		return
	}
	pg := g.page(req)
	pg.Signer = g.signerName(r, sess.PersonID)
	g.render(w, r, http.StatusOK, pg)
}

func (g *signRoutes) signerName(r *http.Request, personID string) string {
	p, err := g.a.d.Store.GetPerson(r.Context(), personID)
	if err != nil {
		return personID
	}
	return strings.TrimSpace(p.GivenName+" "+p.FirstSurname+" "+p.SecondSurname) + " (" + p.ID + ")"
}

func (g *signRoutes) refuse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !g.a.form(w, r) {
		return
	}
	sess, ok := g.session(w, r, remotesign.ApprovePath(id))
	if !ok {
		return
	}
	req, err := g.svc.Refuse(r.Context(), sess.PersonID, id)
	if err != nil {
		g.refused(w, r, sess.PersonID, id, nil, err)
		return
	}
	g.render(w, r, http.StatusOK, g.page(req))
}

// download hands over the signed PDF, once: the service deletes it as it
// reads it. A POST, since it changes what is kept.
func (g *signRoutes) download(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !g.a.form(w, r) {
		return
	}
	sess, ok := g.session(w, r, remotesign.ApprovePath(id))
	if !ok {
		return
	}
	req, pdf, err := g.svc.TakeSignedPDF(r.Context(), sess.PersonID, id)
	if err != nil {
		g.refused(w, r, sess.PersonID, id, nil, err)
		return
	}
	name := strings.TrimSuffix(req.DocumentName, ".pdf")
	name = strings.TrimSuffix(name, ".PDF") + "-firmado.pdf"
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

type signPDFPage struct {
	MaxMB     int64
	Available bool
	Problem   *problemView
}

func (g *signRoutes) pdfForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.session(w, r, "/sign"); !ok {
		return
	}
	_, avail := g.svc.Available()
	g.s.Render(w, r, http.StatusOK, "sign_pdf", signPDFPage{MaxMB: g.svc.PDFMax() >> 20, Available: avail})
}

func (g *signRoutes) pdfUpload(w http.ResponseWriter, r *http.Request) {
	sess, ok := g.session(w, r, "/sign")
	if !ok {
		return
	}
	_, avail := g.svc.Available()
	fail := func(err error) {
		ie, ok := i18n.As(err)
		if !ok {
			g.s.Error(w, r, err)
			return
		}
		status := http.StatusBadRequest
		var se *statusErr
		if errors.As(signStatus(err), &se) {
			status = se.status
		}
		g.s.Render(w, r, status, "sign_pdf", signPDFPage{MaxMB: g.svc.PDFMax() >> 20, Available: avail, Problem: problemOf(ie)})
	}
	max := g.svc.PDFMax()
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		fail(errField("pdf").Wrap(err))
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			fail(errField("pdf"))
			return
		}
		if err != nil {
			fail(pdfUploadError(err))
			return
		}
		if part.FormName() != "pdf" || part.FileName() == "" {
			part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		part.Close()
		if err != nil {
			fail(pdfUploadError(err))
			return
		}
		req, err := g.svc.CreatePDF(r.Context(), sess.PersonID, sess.ACR, part.FileName(), data)
		if err != nil {
			fail(err)
			return
		}
		http.Redirect(w, r, remotesign.ApprovePath(req.ID), http.StatusSeeOther)
		return
	}
}

func pdfUploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return remotesign.ErrPDFTooLarge
	}
	return errField("pdf").Wrap(err)
}

var _ = addTexts(map[string]i18n.Text{
	"sign.title":          i18n.T("Firmar un documento", "Sign a document"),
	"sign.asks":           i18n.T("te pide que firmes este documento:", "asks you to sign this document:"),
	"sign.pdf.lead":       i18n.T("Vas a firmar este PDF con la firma que llavero guarda para ti:", "You are about to sign this PDF with the signature llavero keeps for you:"),
	"sign.description":    i18n.T("Qué firmas", "What you sign"),
	"sign.document":       i18n.T("Documento", "Document"),
	"sign.hash":           i18n.T("Huella del documento", "Document fingerprint"),
	"sign.hash.help":      i18n.T("La huella identifica el documento exacto: si cambiara una sola letra, la huella sería otra. Puedes compararla con la que muestre la sede.", "The fingerprint identifies the exact document: if a single letter changed, so would the fingerprint. You can compare it with the one the office shows."),
	"sign.expires":        i18n.T("Tienes hasta las", "You have until"),
	"sign.meaning.title":  i18n.T("Qué significa firmar", "What signing means"),
	"sign.meaning":        i18n.T("Tu firma electrónica vale como tu firma a mano: dices que estás de acuerdo con el documento y quedas obligado por él. llavero firma en tu nombre con una clave que guarda solo para ti, y solo cuando tú escribes el código que te enviamos por SMS.", "Your electronic signature is worth your handwritten one: you say you agree with the document and are bound by it. llavero signs in your name with a key it keeps for you alone, and only when you type the code we send you by SMS."),
	"sign.meaning.check":  i18n.T("Firma solo si has pedido tú este trámite y reconoces la sede y el documento. Si no, pulsa «No firmar».", "Sign only if you asked for this procedure yourself and recognise the office and the document. If not, press \"Do not sign\"."),
	"sign.approve":        i18n.T("Firmar: enviarme el código por SMS", "Sign: send me the code by SMS"),
	"sign.refuse":         i18n.T("No firmar", "Do not sign"),
	"sign.code.sent":      i18n.T("Te hemos enviado un código por SMS al", "We sent you a code by SMS to"),
	"sign.code.expires":   i18n.T("Caduca a las", "It expires at"),
	"sign.code.label":     i18n.T("Código de firma (6 cifras)", "Signing code (6 digits)"),
	"sign.code.hint":      i18n.T("Al escribirlo firmas el documento de arriba.", "Typing it signs the document above."),
	"sign.code.button":    i18n.T("Firmar el documento", "Sign the document"),
	"sign.code.again":     i18n.T("¿No llega el SMS? Pide otro código.", "No SMS? Ask for another code."),
	"sign.done.signed":    i18n.T("Documento firmado", "Document signed"),
	"sign.done.by":        i18n.T("Firmado por", "Signed by"),
	"sign.done.at":        i18n.T("el", "on"),
	"sign.done.sent":      i18n.T("La sede ya tiene tu firma.", "The office has your signature now."),
	"sign.done.refused":   i18n.T("No has firmado. Hemos avisado a la sede.", "You did not sign. We have told the office."),
	"sign.done.expired":   i18n.T("El tiempo para firmar se acabó y no se ha firmado nada. Hemos avisado a la sede; vuelve a ella si quieres firmar.", "The time to sign ran out and nothing was signed. We have told the office; go back to it if you want to sign."),
	"sign.done.failed":    i18n.T("La firma se anuló y no se ha firmado nada. Hemos avisado a la sede; vuelve a ella si quieres firmar.", "The signature was cancelled and nothing was signed. We have told the office; go back to it if you want to sign."),
	"sign.back":           i18n.T("Volver a la sede", "Back to the office"),
	"sign.download":       i18n.T("Descargar el PDF firmado", "Download the signed PDF"),
	"sign.download.once":  i18n.T("Solo puedes descargarlo una vez: después lo borramos y solo queda constancia de que firmaste.", "You can download it once: then we delete it and keep only the record that you signed."),
	"sign.history":        i18n.T("Ver mis firmas", "See my signatures"),
	"signpdf.title":       i18n.T("Firmar un PDF", "Sign a PDF"),
	"signpdf.lead":        i18n.T("Firma un PDF sin instalar nada: súbelo, revisa lo que firmas, confírmalo con un código por SMS y descarga el PDF firmado.", "Sign a PDF without installing anything: upload it, check what you sign, confirm it with an SMS code and download the signed PDF."),
	"signpdf.file":        i18n.T("Archivo PDF", "PDF file"),
	"signpdf.limit":       i18n.T("Tamaño máximo (MB):", "Largest size (MB):"),
	"signpdf.keep":        i18n.T("No guardamos tu PDF: lo borramos cuando descargas el firmado, si no firmas o cuando pasa el tiempo para firmar. Solo queda constancia de que firmaste y de la huella del documento.", "We do not keep your PDF: we delete it when you download the signed one, when you do not sign, or when the time to sign runs out. Only the record that you signed and the document's fingerprint stay."),
	"signpdf.button":      i18n.T("Subir y revisar", "Upload and review"),
	"signpdf.unavailable": i18n.T("La firma de PDF no está disponible en esta instalación.", "PDF signing is not available on this installation."),
})
