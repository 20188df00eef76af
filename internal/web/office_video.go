package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// The review of video identifications at the office console: the queue,
// oldest first; one review with the registry's record beside the photos
// and the video; approve (recording the document seen, as at the desk) or
// refuse with a reason. Operators authenticate as for the rest of the
// console, by their certificate on this origin; the evidence is served
// only to them, never cached. The JSON API under /api/v1/office/reviews
// does the same for office software.

// mountOfficeVideo adds the review routes; mountOfficeAccounts calls it
// when the installation has an IdP.
func (c *certRoutes) mountOfficeVideo() {
	s := c.s
	s.Handle("GET /office/reviews", http.HandlerFunc(c.consoleReviews))
	s.Handle("GET /office/reviews/{id}", http.HandlerFunc(c.consoleReview))
	s.Handle("GET /office/reviews/{id}/evidence/{eid}", http.HandlerFunc(c.reviewEvidence))
	s.Handle("POST /office/reviews/{id}/approve", http.HandlerFunc(c.consoleReviewApprove))
	s.Handle("POST /office/reviews/{id}/refuse", http.HandlerFunc(c.consoleReviewRefuse))
	s.Handle("GET /office/reviews/{id}/approve", http.HandlerFunc(backToReviews))
	s.Handle("GET /office/reviews/{id}/refuse", http.HandlerFunc(backToReviews))

	s.Handle("GET /api/v1/office/reviews", http.HandlerFunc(c.apiReviews))
	s.Handle("GET /api/v1/office/reviews/{id}", http.HandlerFunc(c.apiReview))
	s.Handle("GET /api/v1/office/reviews/{id}/evidence/{eid}", http.HandlerFunc(c.reviewEvidence))
	s.Handle("POST /api/v1/office/reviews/{id}/approve", http.HandlerFunc(c.apiReviewApprove))
	s.Handle("POST /api/v1/office/reviews/{id}/refuse", http.HandlerFunc(c.apiReviewRefuse))
}

func backToReviews(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/office/reviews", http.StatusSeeOther)
}

var errReviewNotFound = i18n.New("office.review_not_found",
	i18n.T("No hay ninguna identificación por vídeo con ese identificador.", "There is no video identification with that identifier."),
	i18n.T("Vuelve a la cola de revisión y elige una de la lista.", "Go back to the review queue and choose one from the list."))

// reviewErr turns a missing review or piece into the office's refusal,
// and gives each refusal its status: the review's own, else the
// certificate side's for the document check.
func reviewErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return WithStatus(http.StatusNotFound, errReviewNotFound)
	}
	ie, ok := i18n.As(err)
	if !ok {
		return err
	}
	switch ie.Code {
	case idp.ErrVideoNotPending.Code:
		return WithStatus(http.StatusConflict, err)
	case ra.ErrOfficeCannot.Code:
		return WithStatus(http.StatusForbidden, err)
	}
	return WithStatus(statusOf(err), err)
}

type queueItem struct {
	ID, Name, PersonID, DocType, Created, Waiting string
}

type reviewsPage struct {
	Desk  deskView
	Items []queueItem
	Done  string // "approved" or "refused" after an action
	Who   string
}

// queueLimit is how many reviews the queue shows: enough for a day's
// work; the oldest are at the top.
const queueLimit = 200

func (c *certRoutes) consoleReviews(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	q, err := c.d.IdP.VideoQueue(r.Context(), d, queueLimit)
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	now := c.d.IdP.Now()
	page := reviewsPage{Desk: viewOfDesk(d), Done: r.URL.Query().Get("done"), Who: r.URL.Query().Get("who")}
	for _, k := range q {
		page.Items = append(page.Items, queueItem{
			ID: k.Review.ID, Name: registry.FullName(k.Person), PersonID: k.Person.ID, DocType: k.Person.DocumentType,
			Created: k.Review.Queued().Format("2006-01-02 15:04") + " UTC", Waiting: waited(now.Sub(k.Review.Queued())),
		})
	}
	c.s.Render(w, r, http.StatusOK, "office_reviews", page)
}

type evidenceView struct {
	ID, Kind, ContentType, URL, SHA256 string
	Label                              i18n.Text
	Photo, Video, Purged               bool
	Size                               string
}

type reviewPage struct {
	Desk     deskView
	ID       string
	State    i18n.Text
	Pending  bool
	Person   personView
	Account  deskAccount
	Created  string
	Decided  string
	Refusal  i18n.Text
	Note     string
	Evidence []evidenceView
	DocTypes []option
	Reasons  []option
	Problem  *problemView
}

var (
	reviewStateLabels = map[string]i18n.Text{
		store.ReviewDraft:    i18n.T("Sin enviar", "Not sent"),
		store.ReviewPending:  i18n.T("Esperando revisión", "Waiting for review"),
		store.ReviewApproved: i18n.T("Aprobada", "Approved"),
		store.ReviewRefused:  i18n.T("Rechazada", "Refused"),
	}
	evidenceLabels = map[string]i18n.Text{
		store.EvidenceDocumentFront: i18n.T("Cara delantera del documento", "Front of the document"),
		store.EvidenceDocumentBack:  i18n.T("Cara trasera del documento", "Back of the document"),
		store.EvidenceSelfieVideo:   i18n.T("Vídeo de la persona", "Video of the person"),
	}
	videoReasonLabels = map[string]i18n.Text{
		idp.VideoDocumentUnreadable: i18n.T("El documento no se lee", "The document cannot be read"),
		idp.VideoFaceMismatch:       i18n.T("La cara no coincide con la del documento", "The face does not match the document's"),
		idp.VideoDocumentExpired:    i18n.T("Documento caducado", "Document expired"),
		idp.VideoNotRegistryName:    i18n.T("El documento no es el del registro a su nombre", "The document is not the one the registry holds in their name"),
		idp.VideoMissing:            i18n.T("Falta el vídeo o es demasiado corto", "The video is missing or too short"),
		idp.VideoOther:              i18n.T("Otro motivo (escríbelo en la nota)", "Other reason (write it in the note)"),
	}
)

func videoReasonOptions() []option {
	var out []option
	for _, code := range idp.VideoRefusalReasons() {
		out = append(out, option{code, label(videoReasonLabels, code)})
	}
	return out
}

func (c *certRoutes) reviewPageOf(r *http.Request, d ra.Desk, id string) (reviewPage, error) {
	k, err := c.d.IdP.VideoCaseFor(r.Context(), d, id)
	if err != nil {
		return reviewPage{}, err
	}
	p := k.Person
	page := reviewPage{
		Desk: viewOfDesk(d), ID: k.Review.ID, State: label(reviewStateLabels, k.Review.State), Pending: k.Review.State == store.ReviewPending,
		Person: personView{ID: p.ID, Name: registry.FullName(p), DocType: docTypeLabel(p.DocumentType),
			DocNumber: p.DocumentNumber, DocExpiry: date(p.DocumentExpiry), City: p.City},
		Account:  deskAccount{Exists: k.Account.PersonID != "", Level: levelLabel(k.Account.Level), Advanced: k.Account.Level == store.LevelAdvanced, Mobile: masked(k.Account.Mobile)},
		Created:  k.Review.Queued().Format("2006-01-02 15:04") + " UTC",
		DocTypes: docTypeLabels,
		Reasons:  videoReasonOptions(),
	}
	if !k.Review.DecidedAt.IsZero() {
		page.Decided = k.Review.DecidedAt.Format("2006-01-02 15:04") + " UTC"
	}
	if k.Review.State == store.ReviewRefused {
		code, note, _ := strings.Cut(k.Review.RefusalReason, ": ")
		page.Refusal, page.Note = label(videoReasonLabels, code), note
	}
	for _, e := range k.Evidence {
		page.Evidence = append(page.Evidence, evidenceView{
			ID: e.ID, Kind: e.Kind, ContentType: e.ContentType, Label: label(evidenceLabels, e.Kind), SHA256: e.SHA256,
			URL:   "/office/reviews/" + k.Review.ID + "/evidence/" + e.ID,
			Photo: strings.HasPrefix(e.ContentType, "image/"), Video: strings.HasPrefix(e.ContentType, "video/"),
			Purged: !e.PurgedAt.IsZero(), Size: strconv.FormatInt((e.Size+1023)/1024, 10) + " KB",
		})
	}
	return page, nil
}

func (c *certRoutes) consoleReview(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	page, err := c.reviewPageOf(r, d, r.PathValue("id"))
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	c.s.Render(w, r, http.StatusOK, "office_review", page)
}

// reviewEvidence serves a piece's bytes to an authenticated operator,
// with its stored (sniffed) type, never to be cached or sniffed again.
func (c *certRoutes) reviewEvidence(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	e, data, err := c.d.IdP.EvidenceFor(r.Context(), d, r.PathValue("id"), r.PathValue("eid"))
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// reviewResult shows the review again after an action that recorded
// nothing, with the refusal; a recorded decision goes back to the queue.
func (c *certRoutes) reviewResult(w http.ResponseWriter, r *http.Request, d ra.Desk, id, done, who string, err error) {
	if err == nil {
		http.Redirect(w, r, "/office/reviews?done="+done+"&who="+who, http.StatusSeeOther)
		return
	}
	ie, ok := i18n.As(err)
	if !ok {
		c.s.Error(w, r, err)
		return
	}
	page, perr := c.reviewPageOf(r, d, id)
	if perr != nil {
		c.s.Error(w, r, reviewErr(perr))
		return
	}
	page.Problem = problemOf(ie)
	status := http.StatusBadRequest
	var se *statusErr
	if errors.As(reviewErr(err), &se) {
		status = se.status
	}
	c.s.Render(w, r, status, "office_review", page)
}

func (c *certRoutes) consoleReviewApprove(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok || !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	chk, err := parseCheck(r.PostForm.Get("document_type"), r.PostForm.Get("document_number"), r.PostForm.Get("document_expiry"))
	var acc store.Account
	if err == nil {
		acc, err = c.d.IdP.ApproveVideo(r.Context(), d, id, chk)
	}
	c.reviewResult(w, r, d, id, "approved", acc.PersonID, err)
}

func (c *certRoutes) consoleReviewRefuse(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok || !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	v, err := c.d.IdP.RefuseVideo(r.Context(), d, id, r.PostForm.Get("reason"), r.PostForm.Get("note"))
	c.reviewResult(w, r, d, id, "refused", v.PersonID, err)
}

// The JSON of the review API.
type (
	reviewItemJSON struct {
		ID        string         `json:"id"`
		State     string         `json:"state"`
		CreatedAt string         `json:"created_at"`
		Person    casePersonJSON `json:"person"`
	}
	evidenceJSON struct {
		ID          string `json:"id"`
		Kind        string `json:"kind"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
		SHA256      string `json:"sha256"`
		Purged      bool   `json:"purged"`
		URL         string `json:"url"`
	}
	reviewJSON struct {
		reviewItemJSON
		DecidedAt     string         `json:"decided_at,omitempty"`
		OperatorID    string         `json:"operator_id,omitempty"`
		RefusalReason string         `json:"refusal_reason,omitempty"`
		Account       *accountJSON   `json:"account"`
		Evidence      []evidenceJSON `json:"evidence"`
	}
	accountJSON struct {
		Level        string `json:"level"`
		MobileMasked string `json:"mobile_masked"`
	}
	reviewsJSON struct {
		Reviews []reviewItemJSON `json:"reviews"`
	}
	reviewApproveRequest struct {
		DocumentType   string `json:"document_type"`
		DocumentNumber string `json:"document_number"`
		DocumentExpiry string `json:"document_expiry"`
	}
	reviewRefuseRequest struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
	}
	reviewDecisionJSON struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		PersonID string `json:"person_id"`
		Level    string `json:"level"`
	}
)

func personJSON(p store.Person) casePersonJSON {
	return casePersonJSON{ID: p.ID, GivenName: p.GivenName, FirstSurname: p.FirstSurname, SecondSurname: p.SecondSurname,
		DocumentType: p.DocumentType, DocumentNumber: p.DocumentNumber, DocumentExpiry: date(p.DocumentExpiry), City: p.City}
}

func (c *certRoutes) apiReviews(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	q, err := c.d.IdP.VideoQueue(r.Context(), d, queueLimit)
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	out := reviewsJSON{Reviews: []reviewItemJSON{}}
	for _, k := range q {
		out.Reviews = append(out.Reviews, reviewItemJSON{ID: k.Review.ID, State: k.Review.State, CreatedAt: rfc3339(k.Review.CreatedAt), Person: personJSON(k.Person)})
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (c *certRoutes) apiReview(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	k, err := c.d.IdP.VideoCaseFor(r.Context(), d, r.PathValue("id"))
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	out := reviewJSON{
		reviewItemJSON: reviewItemJSON{ID: k.Review.ID, State: k.Review.State, CreatedAt: rfc3339(k.Review.CreatedAt), Person: personJSON(k.Person)},
		DecidedAt:      rfc3339(k.Review.DecidedAt), OperatorID: k.Review.OperatorID, RefusalReason: k.Review.RefusalReason,
		Evidence: []evidenceJSON{},
	}
	if k.Account.PersonID != "" {
		out.Account = &accountJSON{Level: k.Account.Level, MobileMasked: masked(k.Account.Mobile)}
	}
	for _, e := range k.Evidence {
		out.Evidence = append(out.Evidence, evidenceJSON{ID: e.ID, Kind: e.Kind, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256,
			Purged: !e.PurgedAt.IsZero(), URL: "/api/v1/office/reviews/" + k.Review.ID + "/evidence/" + e.ID})
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (c *certRoutes) apiReviewApprove(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req reviewApproveRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	chk, err := parseCheck(req.DocumentType, req.DocumentNumber, req.DocumentExpiry)
	if err != nil {
		c.s.Error(w, r, err)
		return
	}
	id := r.PathValue("id")
	acc, err := c.d.IdP.ApproveVideo(r.Context(), d, id, chk)
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	writeJSON(w, r, http.StatusOK, reviewDecisionJSON{ID: id, State: store.ReviewApproved, PersonID: acc.PersonID, Level: acc.Level})
}

func (c *certRoutes) apiReviewRefuse(w http.ResponseWriter, r *http.Request) {
	d, ok := c.desk(w, r)
	if !ok {
		return
	}
	var req reviewRefuseRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	v, err := c.d.IdP.RefuseVideo(r.Context(), d, r.PathValue("id"), req.Reason, req.Note)
	if err != nil {
		c.s.Error(w, r, reviewErr(err))
		return
	}
	writeJSON(w, r, http.StatusOK, reviewDecisionJSON{ID: v.ID, State: v.State, PersonID: v.PersonID, Level: store.LevelBasic})
}

var _ = addTexts(map[string]i18n.Text{
	"desk.reviews.link":       i18n.T("Identificaciones por vídeo pendientes de revisión", "Video identifications waiting for review"),
	"desk.reviews.title":      i18n.T("Identificaciones por vídeo", "Video identifications"),
	"desk.reviews.why":        i18n.T("Por orden de llegada: la más antigua primero.", "In order of arrival: the oldest first."),
	"desk.reviews.none":       i18n.T("No hay ninguna identificación por vídeo esperando revisión.", "No video identification is waiting for review."),
	"desk.reviews.caption":    i18n.T("Cola de revisión", "Review queue"),
	"desk.reviews.person":     i18n.T("Persona", "Person"),
	"desk.reviews.doc":        i18n.T("Documento", "Document"),
	"desk.reviews.since":      i18n.T("Llegó", "Arrived"),
	"desk.reviews.waiting":    i18n.T("Espera", "Waiting"),
	"desk.reviews.open":       i18n.T("Revisar", "Review"),
	"desk.reviews.approved":   i18n.T("Identificación aprobada: la cuenta tiene nivel avanzado y la persona ha recibido un aviso.", "Identification approved: the account is advanced and the person has been told."),
	"desk.reviews.refused":    i18n.T("Identificación rechazada: la cuenta sigue básica y la persona ha recibido el motivo y qué hacer.", "Identification refused: the account stays basic and the person has been told the reason and what to do."),
	"desk.review.title":       i18n.T("Revisar la identificación por vídeo", "Review the video identification"),
	"desk.review.back":        i18n.T("Volver a la cola", "Back to the queue"),
	"desk.review.state":       i18n.T("Estado", "State"),
	"desk.review.created":     i18n.T("Llegó", "Arrived"),
	"desk.review.decided":     i18n.T("Decidida", "Decided"),
	"desk.review.refusal":     i18n.T("Motivo del rechazo", "Reason for the refusal"),
	"desk.review.note":        i18n.T("Nota", "Note"),
	"desk.review.evidence":    i18n.T("Fotos y vídeo", "Photos and video"),
	"desk.review.compare":     i18n.T("Compara el documento de las fotos con el del registro (tipo, número, caducidad) y la cara del vídeo con la foto del documento.", "Compare the document in the photos with the registry's (type, number, expiry) and the face in the video with the document's photo."),
	"desk.review.purged":      i18n.T("Borrado tras el plazo de conservación", "Deleted after the retention period"),
	"desk.review.no_video":    i18n.T("Tu navegador no reproduce este vídeo: descárgalo con el enlace.", "Your browser cannot play this video: download it with the link."),
	"desk.review.download":    i18n.T("Abrir el fichero", "Open the file"),
	"desk.review.approve":     i18n.T("Aprobar: el documento y la cara coinciden", "Approve: the document and the face match"),
	"desk.review.approve.why": i18n.T("Anota el documento que ves en las fotos. El registro decide: si no coincide, no se guarda nada y puedes rechazar con el motivo.", "Record the document you see in the photos. The registry decides: if it does not match, nothing is recorded and you can refuse with the reason."),
	"desk.review.approve.btn": i18n.T("Aprobar y subir la cuenta a nivel avanzado", "Approve and make the account advanced"),
	"desk.review.refuse":      i18n.T("Rechazar", "Refuse"),
	"desk.review.refuse.btn":  i18n.T("Rechazar la identificación", "Refuse the identification"),
	"desk.review.refuse.hint": i18n.T("Obligatoria con «Otro motivo». La persona la leerá en su SMS.", "Required with \"Other reason\". The person will read it in their SMS."),
	"desk.review.decided_msg": i18n.T("Esta identificación ya está decidida.", "This identification has already been decided."),
})
