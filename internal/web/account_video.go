package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/store"
)

// Registration by video identification, the citizen's side. The steps
// are plain forms, like the PIN login: who you are (identifier, second
// fact, mobile), the SMS code, then a page that takes the three pieces of
// evidence with ordinary file fields (a phone offers its camera for
// them) and submits them. With JavaScript, the same page also offers to
// take the photos and record the selfie video in the page, and fills the
// same fields: the form is what is sent either way.

// mountVideo adds the video identification pages to the main origin.
func (a *accountRoutes) mountVideo() {
	s := a.s
	s.Handle("GET /account/register/video", http.HandlerFunc(a.videoForm))
	s.Handle("POST /account/register/video", http.HandlerFunc(a.videoStart))
	s.Handle("POST /account/register/video/verify", http.HandlerFunc(a.videoVerify))
	s.Handle("GET /account/register/video/verify", http.HandlerFunc(a.videoForm))
	s.Handle("GET /account/video", http.HandlerFunc(a.videoStatus))
	s.Handle("POST /account/video/start", http.HandlerFunc(a.videoOpen))
	s.Handle("POST /account/video/evidence", http.HandlerFunc(a.videoEvidence))
	s.Handle("POST /account/video/submit", http.HandlerFunc(a.videoSubmit))
}

// cameraPolicy lets the capture page, and only it, ask for the camera.
const cameraPolicy = "camera=(self), geolocation=(), microphone=()"

type videoFormPage struct {
	ID, Fact, Mobile, Email string
	Documents               []i18n.Text
	Problem                 *problemView
}

func (a *accountRoutes) videoDocuments() []i18n.Text {
	var out []i18n.Text
	for _, d := range a.d.IdP.VideoSettings().Documents {
		out = append(out, docTypeLabel(d))
	}
	return out
}

func (a *accountRoutes) videoForm(w http.ResponseWriter, r *http.Request) {
	a.s.Render(w, r, http.StatusOK, "account_video", videoFormPage{Documents: a.videoDocuments()})
}

// videoCodePage is the second step: the SMS code. The email rides along
// in the page: it is the citizen's own, checked again on the way in.
type videoCodePage struct {
	CodeID      string
	Email       string
	MaskedPhone string
	Expires     string
	Problem     *problemView
}

func (a *accountRoutes) videoStart(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := videoFormPage{ID: field(r, "id"), Fact: field(r, "fact"), Mobile: field(r, "mobile"), Email: field(r, "email"),
		Documents: a.videoDocuments()}
	sent, err := a.d.IdP.StartVideo(r.Context(), pg.ID, pg.Fact, idp.Contact{Mobile: pg.Mobile, Email: pg.Email, Lang: LangOf(r)}, clientKey(r))
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		a.s.Render(w, r, status, "account_video", pg)
		return
	}
	a.s.Render(w, r, http.StatusOK, "account_video_code", videoCodePage{
		CodeID: sent.CodeID, Email: pg.Email, MaskedPhone: sent.MaskedPhone, Expires: a.clock(sent.ExpiresAt),
	})
}

func (a *accountRoutes) videoVerify(w http.ResponseWriter, r *http.Request) {
	if !a.form(w, r) {
		return
	}
	pg := videoCodePage{CodeID: field(r, "code_id"), Email: field(r, "email")}
	got, err := a.d.IdP.VerifyVideo(r.Context(), pg.CodeID, field(r, "pin"), idp.Contact{Email: pg.Email, Lang: LangOf(r)})
	if err != nil {
		p, status, ok := a.refusal(w, r, err)
		if !ok {
			return
		}
		pg.Problem = p
		if oc, gerr := a.d.Store.GetCode(r.Context(), pg.CodeID); gerr == nil {
			pg.MaskedPhone, pg.Expires = masked(oc.Destination), a.clock(oc.ExpiresAt)
		}
		a.s.Render(w, r, status, "account_video_code", pg)
		return
	}
	// The account exists and the person proved the mobile: they are
	// logged in, and go on to the evidence.
	a.loggedIn(w, r, got.Authenticated, "/account/video")
}

// videoView is a person's video identification as their pages show it.
type videoView struct {
	None      bool // never started
	Draft     bool
	Pending   bool
	Approved  bool
	Refused   bool
	CanStart  bool
	Have      map[string]bool
	Missing   int
	Position  int
	Since     string // when it was started
	Waiting   string // how long it has waited, e.g. "2 h"
	Decided   string
	Reason    i18n.Text
	Next      i18n.Text
	Note      string
	Documents []i18n.Text
}

func (a *accountRoutes) videoViewOf(r *http.Request, personID string) (videoView, error) {
	st, err := a.d.IdP.StatusOfVideo(r.Context(), personID)
	if err != nil {
		return videoView{}, err
	}
	v := videoView{CanStart: st.CanStart, Documents: a.videoDocuments(), Have: st.Have}
	switch st.Review.State {
	case "":
		v.None = true
	case store.ReviewDraft:
		v.Draft = true
		for _, k := range idp.EvidenceKinds {
			if !st.Have[k] {
				v.Missing++
			}
		}
	case store.ReviewPending:
		v.Pending, v.Position = true, st.Position
		v.Waiting = waited(a.now().Sub(st.Review.Queued()))
	case store.ReviewApproved:
		v.Approved = true
	case store.ReviewRefused:
		v.Refused, v.Reason, v.Next, v.Note = true, st.Refusal.Reason, st.Refusal.Next, st.Note
	}
	if !st.Review.CreatedAt.IsZero() {
		v.Since = a.when(st.Review.CreatedAt)
	}
	if !st.Review.DecidedAt.IsZero() {
		v.Decided = a.when(st.Review.DecidedAt)
	}
	return v, nil
}

// waited says a duration the way a person reads it: minutes, hours or
// days, rounded down.
func waited(d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " d"
}

type videoStatusPage struct {
	Video     videoView
	PhotoMax  string // e.g. "10 MB"
	VideoMax  string
	Saved     bool
	Submitted bool
	Problem   *problemView
}

func (a *accountRoutes) videoStatus(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/video"), http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	a.showVideo(w, r, sess, http.StatusOK, q.Get("saved") != "", q.Get("submitted") != "", nil)
}

func (a *accountRoutes) showVideo(w http.ResponseWriter, r *http.Request, sess store.Session, status int, saved, submitted bool, problem *problemView) {
	v, err := a.videoViewOf(r, sess.PersonID)
	if err != nil {
		a.s.Error(w, r, err)
		return
	}
	cfg := a.d.IdP.VideoSettings()
	w.Header().Set("Permissions-Policy", cameraPolicy)
	a.s.Render(w, r, status, "account_video_status", videoStatusPage{
		Video: v, PhotoMax: sizeLabel(cfg.PhotoMax), VideoMax: sizeLabel(cfg.VideoMax), Saved: saved, Submitted: submitted, Problem: problem,
	})
}

// sizeLabel shows a size limit in MB, or in KB below one MB.
func sizeLabel(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt((n+1023)>>10, 10) + " KB"
}

// videoRefused shows a refusal on the status page, or the error page for
// the platform's own failures.
func (a *accountRoutes) videoRefused(w http.ResponseWriter, r *http.Request, sess store.Session, err error) {
	p, status, ok := a.refusal(w, r, err)
	if !ok {
		return
	}
	a.showVideo(w, r, sess, status, false, false, p)
}

func (a *accountRoutes) videoOpen(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/video"), http.StatusSeeOther)
		return
	}
	if !a.form(w, r) {
		return
	}
	if _, err := a.d.IdP.OpenVideoReview(r.Context(), sess.PersonID); err != nil {
		a.videoRefused(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/account/video", http.StatusSeeOther)
}

// videoEvidence takes the upload form: any of the three file fields, each
// streamed from the request into the IdP, which reads it once into the
// one buffer it stores. The body is bounded by the sum of the limits.
func (a *accountRoutes) videoEvidence(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/video"), http.StatusSeeOther)
		return
	}
	cfg := a.d.IdP.VideoSettings()
	body := &countingReader{r: http.MaxBytesReader(w, r.Body, 2*cfg.PhotoMax+cfg.VideoMax+64<<10)}
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		a.videoRefused(w, r, sess, errField("form").Wrap(err))
		return
	}
	stored := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			a.videoRefused(w, r, sess, uploadError(err))
			return
		}
		kind := part.FormName()
		if part.FileName() == "" || !isEvidenceKind(kind) {
			// An empty file field, or a field this form does not have.
			part.Close()
			continue
		}
		// What is left of the request bounds this part: exact when the
		// part is the last, as the in-page capture sends it.
		hint := int64(-1)
		if r.ContentLength > 0 {
			hint = r.ContentLength - body.n
		}
		_, err = a.d.IdP.AddEvidence(r.Context(), sess.PersonID, kind, part, hint)
		part.Close()
		if err != nil {
			a.videoRefused(w, r, sess, uploadError(err))
			return
		}
		stored++
	}
	if stored == 0 {
		a.videoRefused(w, r, sess, errNoEvidence)
		return
	}
	http.Redirect(w, r, "/account/video?saved=1#evidence", http.StatusSeeOther)
}

// uploadError turns a body cut off by the size bound into the person's
// refusal.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return WithStatus(http.StatusRequestEntityTooLarge, idp.ErrVideoTooLarge)
	}
	if _, ok := i18n.As(err); ok {
		if i18n.CodeOf(err) == idp.ErrVideoTooLarge.Code {
			return WithStatus(http.StatusRequestEntityTooLarge, err)
		}
		return err
	}
	return err
}

var errNoEvidence = i18n.New("video.no_file",
	i18n.T("No has elegido ninguna foto ni vídeo.", "You did not choose any photo or video."),
	i18n.T("Elige o haz la foto de cada cara del documento y el vídeo con tu cara, y pulsa «Guardar».",
		"Choose or take the photo of each side of the document and the video of your face, and press \"Save\"."))

func isEvidenceKind(k string) bool {
	for _, x := range idp.EvidenceKinds {
		if x == k {
			return true
		}
	}
	return false
}

// countingReader counts what the multipart reader has taken of the body.
type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

func (a *accountRoutes) videoSubmit(w http.ResponseWriter, r *http.Request) {
	sess, ok := a.sessionOf(r)
	if !ok {
		http.Redirect(w, r, loginURL("/account/video"), http.StatusSeeOther)
		return
	}
	if !a.form(w, r) {
		return
	}
	if _, err := a.d.IdP.SubmitVideo(r.Context(), sess.PersonID); err != nil {
		a.videoRefused(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/account/video?submitted=1", http.StatusSeeOther)
}

var _ = addTexts(map[string]i18n.Text{
	// The registration page's fourth way.
	"reg.order.video":     i18n.T("O identifícate por vídeo.", "Or identify yourself by video."),
	"reg.order.video.why": i18n.T("Desde el navegador, con la cámara del móvil u ordenador: tu cuenta queda básica al momento y avanzada cuando un operador revisa las fotos y el vídeo.", "From the browser, with your phone's or computer's camera: your account is basic at once and advanced when an operator has reviewed the photos and the video."),
	"reg.video.title":     i18n.T("Por videoidentificación", "By video identification"),
	"reg.video.what":      i18n.T("Haces fotos de las dos caras de tu documento y un vídeo corto de tu cara. Tu cuenta queda básica en cuanto confirmas tu móvil, y avanzada cuando un operador lo revisa.", "You take photos of both sides of your document and a short video of your face. Your account is basic as soon as you confirm your mobile, and advanced once an operator has reviewed it."),
	"reg.video.start":     i18n.T("Empezar la identificación por vídeo", "Start video identification"),

	// The start page.
	"video.title":       i18n.T("Registrarte por videoidentificación", "Register by video identification"),
	"video.lead":        i18n.T("Tres pasos: quién eres, el código que te llega al móvil, y las fotos y el vídeo. Después un operador lo revisa.", "Three steps: who you are, the code sent to your mobile, and the photos and the video. Then an operator reviews them."),
	"video.steps":       i18n.T("Cómo funciona", "How it works"),
	"video.step1":       i18n.T("Escribe tu DNI, un dato de tu documento y tu móvil. Te enviamos un código por SMS.", "Type your DNI, a detail from your document and your mobile. We send you a code by SMS."),
	"video.step2":       i18n.T("Escribe el código: tu cuenta queda en nivel básico al momento y ya puedes entrar con PIN.", "Type the code: your account is basic at once and you can log in with a PIN."),
	"video.step3":       i18n.T("Haz una foto de la cara delantera y otra de la trasera de tu documento, y un vídeo de 5 a 10 segundos de tu cara mirando a la cámara. Envíalos.", "Take a photo of the front and one of the back of your document, and a 5 to 10 second video of your face looking at the camera. Send them."),
	"video.step4":       i18n.T("Un operador compara las fotos y el vídeo con el registro. Si lo aprueba, tu cuenta pasa a nivel avanzado; te avisamos por SMS y lo ves en «Mi llavero».", "An operator compares the photos and the video with the registry. If approved, your account becomes advanced; we tell you by SMS and you see it in \"My llavero\"."),
	"video.who":         i18n.T("Quién puede", "Who can"),
	"video.who.docs":    i18n.T("Pueden identificarse por vídeo quienes tienen este documento en el registro:", "Video identification is open to people whose registry document is:"),
	"video.who.others":  i18n.T("Con otro documento (por ejemplo la TIE de un NIE), ve a una oficina de registro, o consigue primero un certificado y regístrate con él.", "With another document (for example a NIE holder's TIE), visit a registration office, or get a certificate first and register with it."),
	"video.form":        i18n.T("Tus datos", "Your details"),
	"video.send":        i18n.T("Enviarme el código", "Send me the code"),
	"video.mobile.hint": i18n.T("Te enviamos aquí el código y, después, los PIN para entrar. Si ya tienes cuenta con un móvil, usa ese o déjalo vacío.", "We send the code here and, later, your login PINs. If you already have an account with a mobile, use that one or leave it empty."),
	"video.code.title":  i18n.T("Confirma tu móvil", "Confirm your mobile"),
	"video.code.lead":   i18n.T("Paso 2 de 3. Te hemos enviado un código de 6 cifras al", "Step 2 of 3. We have sent a 6-digit code to"),
	"video.code.enter":  i18n.T("Confirmar y seguir", "Confirm and go on"),
	"video.code.again":  i18n.T("¿No te llega? Vuelve al paso 1 para pedir otro.", "Not arriving? Go back to step 1 to ask for another."),

	// The status and upload page.
	"vstatus.title":           i18n.T("Tu identificación por vídeo", "Your video identification"),
	"vstatus.none":            i18n.T("No has empezado ninguna identificación por vídeo.", "You have not started a video identification."),
	"vstatus.start":           i18n.T("Empezar la identificación por vídeo", "Start video identification"),
	"vstatus.start.why":       i18n.T("Si la aprueba un operador, tu cuenta pasa a nivel avanzado.", "If an operator approves it, your account becomes advanced."),
	"vstatus.not_for_you":     i18n.T("La identificación por vídeo no está disponible para tu documento o tu cuenta ya es avanzada.", "Video identification is not available for your document, or your account is already advanced."),
	"vstatus.draft":           i18n.T("Paso 3 de 3: sube las fotos y el vídeo y envíalos.", "Step 3 of 3: upload the photos and the video and send them."),
	"vstatus.missing":         i18n.T("Piezas que faltan:", "Pieces missing:"),
	"vstatus.saved":           i18n.T("Guardado. Cuando estén las tres piezas, pulsa «Enviar para revisión».", "Saved. When all three pieces are there, press \"Send for review\"."),
	"vstatus.have":            i18n.T("subida", "uploaded"),
	"vstatus.need":            i18n.T("falta", "missing"),
	"vstatus.front":           i18n.T("Foto de la cara delantera del documento", "Photo of the front of the document"),
	"vstatus.back":            i18n.T("Foto de la cara trasera del documento", "Photo of the back of the document"),
	"vstatus.video":           i18n.T("Vídeo de tu cara (5 a 10 segundos)", "Video of your face (5 to 10 seconds)"),
	"vstatus.photo.hint":      i18n.T("JPEG, PNG o WebP, hasta", "JPEG, PNG or WebP, up to"),
	"vstatus.video.hint":      i18n.T("WebM o MP4, hasta", "WebM or MP4, up to"),
	"vstatus.tips":            i18n.T("Con buena luz, el documento entero y sin reflejos; en el vídeo, mira a la cámara y gira despacio la cabeza a un lado y al otro.", "In good light, the whole document, without glare; in the video, look at the camera and slowly turn your head to one side and the other."),
	"vstatus.save":            i18n.T("Guardar", "Save"),
	"vstatus.submit":          i18n.T("Enviar para revisión", "Send for review"),
	"vstatus.submit.why":      i18n.T("Después de enviarla ya no se puede cambiar.", "Once sent it can no longer be changed."),
	"vstatus.submitted":       i18n.T("Enviada. Te avisaremos por SMS cuando un operador la revise.", "Sent. We will tell you by SMS when an operator has reviewed it."),
	"vstatus.pending":         i18n.T("Esperando la revisión de un operador.", "Waiting for an operator's review."),
	"vstatus.position":        i18n.T("Puesto en la cola", "Place in the queue"),
	"vstatus.waiting":         i18n.T("Esperando desde hace", "Waiting for"),
	"vstatus.since":           i18n.T("Empezada el", "Started on"),
	"vstatus.meanwhile":       i18n.T("Mientras tanto tu cuenta es básica: puedes entrar con PIN en los trámites que piden nivel bajo.", "Meanwhile your account is basic: you can log in with a PIN to procedures that need the low level."),
	"vstatus.approved":        i18n.T("Aprobada: tu cuenta tiene nivel avanzado.", "Approved: your account is at the advanced level."),
	"vstatus.refused":         i18n.T("No aprobada", "Not approved"),
	"vstatus.reason":          i18n.T("Motivo", "Reason"),
	"vstatus.note":            i18n.T("Nota del operador", "The operator's note"),
	"vstatus.next":            i18n.T("Qué hacer", "What to do"),
	"vstatus.retry":           i18n.T("Repetir la identificación por vídeo", "Do the video identification again"),
	"vstatus.decided":         i18n.T("Revisada el", "Reviewed on"),
	"vstatus.home":            i18n.T("Volver a «Mi llavero»", "Back to \"My llavero\""),
	"vstatus.cam.title":       i18n.T("Hacerlo con la cámara en esta página", "Use the camera on this page"),
	"vstatus.cam.why":         i18n.T("Si tu navegador lo permite, puedes hacer aquí las fotos y el vídeo; rellenan el formulario de arriba.", "If your browser allows it, you can take the photos and the video here; they fill in the form above."),
	"vstatus.cam.open":        i18n.T("Abrir la cámara", "Open the camera"),
	"vstatus.cam.front":       i18n.T("Foto de la cara delantera", "Photo of the front"),
	"vstatus.cam.back":        i18n.T("Foto de la cara trasera", "Photo of the back"),
	"vstatus.cam.record":      i18n.T("Grabar el vídeo (8 segundos)", "Record the video (8 seconds)"),
	"vstatus.cam.unsupported": i18n.T("Tu navegador no deja usar la cámara en la página: usa los campos del formulario.", "Your browser does not let the page use the camera: use the form's fields."),

	// The account page's summary.
	"acc.video.title":   i18n.T("Identificación por vídeo", "Video identification"),
	"acc.video.draft":   i18n.T("Empezada, sin enviar: faltan fotos o el vídeo.", "Started, not sent: photos or the video are missing."),
	"acc.video.pending": i18n.T("Enviada, esperando la revisión de un operador.", "Sent, waiting for an operator's review."),
	"acc.video.refused": i18n.T("No aprobada. Mira el motivo y qué hacer.", "Not approved. See the reason and what to do."),
	"acc.video.open":    i18n.T("Ver y continuar", "See and continue"),
	"acc.video.start":   i18n.T("Subir a nivel avanzado por vídeo", "Reach the advanced level by video"),
})
