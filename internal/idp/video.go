package idp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// Registration by video identification. The citizen proves they hold the
// identifier as for a PIN (a second fact from the registry, then an SMS
// code to the mobile being registered), which makes the account basic at
// once and opens a review; they upload photos of both sides of their
// document and a short selfie video, and submit; an operator compares them
// with the registry and approves (the account becomes advanced) or refuses
// with a reason from a fixed list. The evidence bytes stay in the
// database, never on a node's disk, and are purged some days after the
// decision.

// codeVideo is the purpose of the SMS code that starts a video
// identification.
const codeVideo = "video"

// VideoConfig holds the rules of video identification; zero values take
// the defaults.
type VideoConfig struct {
	// Documents lists the document types whose holders may identify
	// themselves by video: DNI by default. Others are sent to an office.
	Documents []string
	PhotoMax  int64         // bytes: 10 MB
	VideoMax  int64         // bytes: 30 MB
	Retention time.Duration // evidence bytes kept after the decision: 30 days
}

// Now is the IdP's clock: what pages measure the age of a review by.
func (p *IdP) Now() time.Time { return p.clock() }

// VideoSettings returns the rules in force, defaults filled in.
func (p *IdP) VideoSettings() VideoConfig {
	v := p.cfg.Video
	if len(v.Documents) == 0 {
		v.Documents = []string{store.DocDNI}
	}
	if v.PhotoMax <= 0 {
		v.PhotoMax = 10 << 20
	}
	if v.VideoMax <= 0 {
		v.VideoMax = 30 << 20
	}
	if v.Retention <= 0 {
		v.Retention = 30 * 24 * time.Hour
	}
	return v
}

// Refusals of video identification.
var (
	ErrVideoDocument = i18n.New("video.document",
		i18n.T("La identificación por vídeo no está disponible para tu tipo de documento.", "Video identification is not available for your type of document."),
		i18n.T("Ve a una oficina de registro con tu documento original y te registran en la misma visita con nivel avanzado; o consigue primero un certificado de llavero y regístrate con él.",
			"Visit a registration office with your original document and they register you at the advanced level in the same visit; or get a llavero certificate first and register with it."))
	ErrVideoMobileMismatch = i18n.New("video.mobile_mismatch",
		i18n.T("Ese móvil no es el de tu cuenta.", "That mobile number is not the one on your account."),
		i18n.T("Escribe el móvil que ya tiene tu cuenta, o déjalo vacío. Para cambiarlo, entra con tu certificado o ve a una oficina.",
			"Type the mobile your account already has, or leave it empty. To change it, log in with your certificate or visit an office."))
	ErrVideoNoReview = i18n.New("video.none",
		i18n.T("No tienes ninguna identificación por vídeo abierta.", "You have no video identification open."),
		i18n.T("Empieza una desde la página de registro o desde «Mi llavero».", "Start one from the registration page or from \"My llavero\"."))
	ErrVideoSubmitted = i18n.New("video.submitted",
		i18n.T("Tu identificación por vídeo ya está enviada y no se puede cambiar.", "Your video identification has been sent and can no longer be changed."),
		i18n.T("Espera la revisión: verás el resultado en «Mi llavero» y te avisaremos por SMS.", "Wait for the review: you will see the result in \"My llavero\" and we will tell you by SMS."))
	ErrVideoIncomplete = i18n.New("video.incomplete",
		i18n.T("Faltan fotos o el vídeo.", "Photos or the video are missing."),
		i18n.T("Sube la foto de la cara delantera y de la trasera de tu documento y el vídeo con tu cara; después, envía.",
			"Upload the photo of the front and the back of your document and the video of your face; then submit."))
	ErrVideoKind = i18n.New("video.kind",
		i18n.T("No sabemos qué parte de la identificación es este fichero.", "We do not know which part of the identification this file is."),
		i18n.T("Usa los campos de la página de subida: cara delantera, cara trasera y vídeo.", "Use the fields of the upload page: front, back and video."))
	ErrVideoContentType = i18n.New("video.content_type",
		i18n.T("El fichero no es una foto JPEG, PNG o WebP, ni un vídeo WebM o MP4.", "The file is not a JPEG, PNG or WebP photo, nor a WebM or MP4 video."),
		i18n.T("Haz la foto o el vídeo con la cámara del móvil o del navegador y súbelo tal cual, sin convertirlo ni comprimirlo en otro formato.",
			"Take the photo or the video with your phone's or your browser's camera and upload it as it is, without converting it to another format."))
	ErrVideoTooLarge = i18n.New("video.too_large",
		i18n.T("El fichero es demasiado grande.", "The file is too large."),
		i18n.T("Mira el tamaño máximo junto a cada campo de la página de subida. Haz la foto con menos resolución o un vídeo más corto: 5 a 10 segundos bastan.",
			"See the largest size next to each field of the upload page. Take the photo at a lower resolution or a shorter video: 5 to 10 seconds are enough."))
	ErrVideoNotPending = i18n.New("video.not_pending",
		i18n.T("Esta identificación por vídeo no está esperando revisión.", "This video identification is not waiting for review."),
		i18n.T("Puede que otro operador ya la haya decidido. Vuelve a la cola de revisión.", "Another operator may already have decided it. Go back to the review queue."))
	ErrVideoReason = i18n.New("video.reason",
		i18n.T("Elige un motivo de la lista; con «Otro motivo», escribe una nota.", "Choose a reason from the list; with \"Other reason\", write a note."),
		i18n.T("La persona leerá el motivo y la nota en su SMS o correo: que explique qué debe hacer.", "The person will read the reason and the note in their SMS or email: make it say what to do."))
)

// The reasons an operator may refuse a video identification for.
const (
	VideoDocumentUnreadable = "document.unreadable"
	VideoFaceMismatch       = "face.mismatch"
	VideoDocumentExpired    = "document.expired"
	VideoNotRegistryName    = "document.not_registry"
	VideoMissing            = "video.missing"
	VideoOther              = "other"
)

// VideoRefusal is what a refusal reason tells the citizen.
type VideoRefusal struct {
	Reason i18n.Text
	Next   i18n.Text
}

var videoRefusals = map[string]VideoRefusal{
	VideoDocumentUnreadable: {
		i18n.T("No se leían bien los datos del documento en las fotos.", "The document's details could not be read in the photos."),
		i18n.T("Repite la identificación con fotos nítidas, con buena luz, sin reflejos y con el documento entero.", "Do the identification again with sharp photos, in good light, without glare and with the whole document in view.")},
	VideoFaceMismatch: {
		i18n.T("La cara del vídeo no coincide con la foto del documento.", "The face in the video does not match the document's photo."),
		i18n.T("Ve a una oficina de registro con tu documento original: allí te registran con nivel avanzado en la misma visita.", "Visit a registration office with your original document: they register you at the advanced level in the same visit.")},
	VideoDocumentExpired: {
		i18n.T("El documento de las fotos está caducado.", "The document in the photos has expired."),
		i18n.T("Renueva tu documento y repite la identificación con el nuevo.", "Renew your document and do the identification again with the new one.")},
	VideoNotRegistryName: {
		i18n.T("El documento de las fotos no es el que consta a tu nombre en el registro de población.", "The document in the photos is not the one the population registry holds in your name."),
		i18n.T("Usa el documento vigente que consta en el registro; si lo has renovado hace poco, espera a que el registro lo recoja o ve a una oficina.", "Use the current document the registry holds; if you renewed it recently, wait for the registry to record it or visit an office.")},
	VideoMissing: {
		i18n.T("Falta el vídeo o es demasiado corto para comprobar tu cara.", "The video is missing or too short to check your face."),
		i18n.T("Repite la identificación con un vídeo de 5 a 10 segundos en el que se vea bien tu cara.", "Do the identification again with a 5 to 10 second video that shows your face clearly.")},
	VideoOther: {
		i18n.T("El operador no pudo aprobar tu identificación.", "The operator could not approve your identification."),
		i18n.T("Lee la nota del operador; puedes repetir la identificación o ir a una oficina de registro.", "Read the operator's note; you may do the identification again or visit a registration office.")},
}

// VideoRefusalReasons lists the reasons an operator chooses from.
func VideoRefusalReasons() []string {
	return []string{VideoDocumentUnreadable, VideoFaceMismatch, VideoDocumentExpired, VideoNotRegistryName, VideoMissing, VideoOther}
}

// VideoRefusalOf explains a stored refusal: the reason's text and next
// step, and the operator's note if there was one.
func VideoRefusalOf(stored string) (VideoRefusal, string) {
	code, note, _ := strings.Cut(stored, ": ")
	r, ok := videoRefusals[code]
	if !ok {
		r = videoRefusals[VideoOther]
	}
	return r, note
}

// maxVideoNote bounds an operator's note: it goes into an SMS.
const maxVideoNote = 300

// videoAllowed reports whether the registry's document type may be
// identified by video.
func (p *IdP) videoAllowed(person store.Person) bool {
	return slices.Contains(p.VideoSettings().Documents, person.DocumentType)
}

// StartVideo begins a registration (or, for a basic account, an upgrade)
// by video identification: the identifier and a second fact from the
// registry, the mobile to register, and an SMS code to that mobile. The
// email travels with the code's page to VerifyVideo.
func (p *IdP) StartVideo(ctx context.Context, rawID, secondFact string, c Contact, clientKey string) (CodeSent, error) {
	person, err := registry.New(p.st).Lookup(ctx, rawID)
	if err != nil {
		return CodeSent{}, err
	}
	if err := p.limitTries(ctx, "video-start:"+person.ID, clientKey); err != nil {
		return CodeSent{}, err
	}
	if !secondFactMatches(person, secondFact) {
		return CodeSent{}, ErrSecondFact
	}
	if !p.videoAllowed(person) {
		return CodeSent{}, ErrVideoDocument
	}
	mobile, _, err := p.contact(c)
	if err != nil {
		return CodeSent{}, err
	}
	acc, err := p.st.GetAccount(ctx, person.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return CodeSent{}, err
	case acc.Level == store.LevelAdvanced:
		return CodeSent{}, ErrAlreadyAdvanced
	case acc.Mobile != "" && mobile != "" && mobile != acc.Mobile:
		// Moving a number online needs a certificate login.
		return CodeSent{}, ErrVideoMobileMismatch
	case acc.Mobile != "":
		mobile = acc.Mobile
	}
	if mobile == "" {
		return CodeSent{}, identity.ErrPhoneEmpty
	}
	if other, err := p.st.GetAccountByMobile(ctx, mobile); err == nil && other.PersonID != person.ID {
		return CodeSent{}, ErrPhoneTaken
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return CodeSent{}, err
	}
	return p.sendCodeTo(ctx, person.ID, codeVideo, mobile, c.Lang)
}

// VideoStarted is the outcome of a right SMS code: the person is logged in
// (as with a PIN) and has an open review to upload to.
type VideoStarted struct {
	Authenticated
	ReviewID string
}

// VerifyVideo checks the SMS code of StartVideo. A right one creates the
// basic account (or keeps the basic one there is), opens the person's
// review (or finds the open one) and logs them in, in one transaction.
func (p *IdP) VerifyVideo(ctx context.Context, codeID, code string, c Contact) (VideoStarted, error) {
	_, email, err := p.contact(Contact{Email: c.Email})
	if err != nil {
		return VideoStarted{}, err
	}
	var reviewID string
	who, err := p.useCodeThen(ctx, codeID, codeVideo, code, func(tx store.Tx, oc store.OneTimeCode) (Authenticated, error) {
		actor := "citizen:" + oc.PersonID
		if acc, err := tx.GetAccount(ctx, oc.PersonID); err == nil && acc.Level == store.LevelAdvanced {
			return Authenticated{}, ErrAlreadyAdvanced
		}
		if _, err := p.upsertAccount(ctx, tx, oc.PersonID, store.LevelBasic, store.ViaVideo, c, oc.Destination, email, actor); err != nil {
			return Authenticated{}, err
		}
		v, err := p.openReview(ctx, tx, oc.PersonID, actor)
		if err != nil {
			return Authenticated{}, err
		}
		reviewID = v.ID
		return p.recordLogin(ctx, tx, oc.PersonID, loa.MethodPIN)
	})
	if err != nil {
		return VideoStarted{}, err
	}
	return VideoStarted{Authenticated: who, ReviewID: reviewID}, nil
}

// OpenVideoReview opens a review for a logged-in person with a basic
// account (an upgrade request, or a new try after a refusal), or returns
// the one already open.
func (p *IdP) OpenVideoReview(ctx context.Context, personID string) (store.VideoReview, error) {
	person, err := p.st.GetPerson(ctx, personID)
	if err != nil {
		return store.VideoReview{}, err
	}
	if !p.videoAllowed(person) {
		return store.VideoReview{}, ErrVideoDocument
	}
	var v store.VideoReview
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		// The account's row lock serialises two tabs opening at once: one
		// open review per person.
		_, err := tx.UpdateAccount(ctx, personID, func(a *store.Account) error {
			if a.Level == store.LevelAdvanced {
				return ErrAlreadyAdvanced
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoAccount
		}
		if err != nil {
			return err
		}
		v, err = p.openReview(ctx, tx, personID, "citizen:"+personID)
		return err
	})
	return v, err
}

// openReview returns the person's open review (a draft or one waiting in
// the queue), or creates a draft. The caller holds the account's row.
func (p *IdP) openReview(ctx context.Context, tx store.Tx, personID, actor string) (store.VideoReview, error) {
	latest, err := tx.ListPersonVideoReviews(ctx, personID, 1)
	if err != nil {
		return store.VideoReview{}, err
	}
	if len(latest) == 1 && (latest[0].State == store.ReviewDraft || latest[0].State == store.ReviewPending) {
		return latest[0], nil
	}
	id, err := p.randomID()
	if err != nil {
		return store.VideoReview{}, err
	}
	v := store.VideoReview{ID: id, PersonID: personID, State: store.ReviewDraft, CreatedAt: p.clock()}
	// A person's reviews are told apart by creation time (the newest is
	// the one that counts), so a new one never shares the last one's.
	if len(latest) == 1 && !v.CreatedAt.After(latest[0].CreatedAt) {
		v.CreatedAt = latest[0].CreatedAt.Add(time.Microsecond)
	}
	if err := tx.CreateVideoReview(ctx, v); err != nil {
		return store.VideoReview{}, err
	}
	return v, p.record(ctx, tx, actor, "video.open", personID, audit.OK, map[string]any{"review": id})
}

// AddEvidence stores one piece of the person's open draft, read from r
// (sizeHint is its length when known). A piece of a kind already uploaded
// replaces it. The type is sniffed from the bytes.
func (p *IdP) AddEvidence(ctx context.Context, personID, kind string, r io.Reader, sizeHint int64) (store.Evidence, error) {
	fam, ok := familyOf(kind)
	if !ok {
		return store.Evidence{}, ErrVideoKind
	}
	cfg := p.VideoSettings()
	limit := cfg.PhotoMax
	if fam == familyVideo {
		limit = cfg.VideoMax
	}
	// The draft is looked up before the upload is read: a person with
	// nothing open learns it without sending 30 MB first.
	v, err := p.openDraft(ctx, p.st, personID)
	if err != nil {
		return store.Evidence{}, err
	}
	data, sum, too, err := readEvidence(r, limit, sizeHint)
	if err != nil {
		return store.Evidence{}, err
	}
	if too {
		return store.Evidence{}, ErrVideoTooLarge
	}
	ctype, ok := sniffEvidence(fam, data[:min(len(data), sniffLen)])
	if !ok {
		return store.Evidence{}, ErrVideoContentType
	}
	id, err := p.randomID()
	if err != nil {
		return store.Evidence{}, err
	}
	e := store.Evidence{ID: id, ReviewID: v.ID, Kind: kind, ContentType: ctype, Size: int64(len(data)), SHA256: sum, CreatedAt: p.clock()}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		pieces, err := tx.ListEvidence(ctx, v.ID)
		if err != nil {
			return err
		}
		if _, err := tx.UpdateVideoReview(ctx, v.ID, func(r *store.VideoReview) error {
			if r.State != store.ReviewDraft {
				return ErrVideoSubmitted
			}
			var keep []string
			for _, old := range pieces {
				if old.Kind != kind && slices.Contains(r.Evidence, old.ID) {
					keep = append(keep, old.ID)
				}
			}
			r.Evidence = append(keep, id)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.CreateEvidence(ctx, e, data); err != nil {
			return err
		}
		for _, old := range pieces {
			if old.Kind == kind {
				if err := tx.DeleteEvidence(ctx, old.ID); err != nil {
					return err
				}
			}
		}
		return p.record(ctx, tx, "citizen:"+personID, "video.evidence", personID, audit.OK,
			map[string]any{"review": v.ID, "evidence": id, "kind": kind, "content_type": ctype, "size": e.Size, "sha256": sum})
	})
	if err != nil {
		return store.Evidence{}, err
	}
	return e, nil
}

// openDraft returns the person's review that is still taking evidence.
func (p *IdP) openDraft(ctx context.Context, tx store.Tx, personID string) (store.VideoReview, error) {
	latest, err := tx.ListPersonVideoReviews(ctx, personID, 1)
	if err != nil {
		return store.VideoReview{}, err
	}
	switch {
	case len(latest) == 0 || latest[0].State == store.ReviewApproved || latest[0].State == store.ReviewRefused:
		return store.VideoReview{}, ErrVideoNoReview
	case latest[0].State != store.ReviewDraft:
		return store.VideoReview{}, ErrVideoSubmitted
	}
	return latest[0], nil
}

// SubmitVideo sends the person's complete draft to the review queue.
func (p *IdP) SubmitVideo(ctx context.Context, personID string) (store.VideoReview, error) {
	v, err := p.openDraft(ctx, p.st, personID)
	if err != nil {
		return store.VideoReview{}, err
	}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		pieces, err := tx.ListEvidence(ctx, v.ID)
		if err != nil {
			return err
		}
		v, err = tx.UpdateVideoReview(ctx, v.ID, func(r *store.VideoReview) error {
			if r.State != store.ReviewDraft {
				return ErrVideoSubmitted
			}
			for _, kind := range EvidenceKinds {
				if !hasKind(pieces, r.Evidence, kind) {
					return ErrVideoIncomplete
				}
			}
			r.State, r.SubmittedAt = store.ReviewPending, p.clock()
			return nil
		})
		if err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+personID, "video.submit", personID, audit.OK, map[string]any{"review": v.ID})
	})
	return v, err
}

func hasKind(pieces []store.Evidence, ids []string, kind string) bool {
	for _, e := range pieces {
		if e.Kind == kind && slices.Contains(ids, e.ID) {
			return true
		}
	}
	return false
}

// VideoStatus is what the citizen sees of their latest video
// identification.
type VideoStatus struct {
	Review   store.VideoReview // zero ID when there is none
	Have     map[string]bool   // the kinds of evidence uploaded
	Position int               // place in the queue while pending
	Refusal  VideoRefusal      // when refused
	Note     string            // the operator's note, when refused
	// CanStart: the person may open a review now (none open, the account
	// not advanced, the document type allowed).
	CanStart bool
}

// StatusOfVideo returns the person's latest video identification.
func (p *IdP) StatusOfVideo(ctx context.Context, personID string) (VideoStatus, error) {
	var s VideoStatus
	latest, err := p.st.ListPersonVideoReviews(ctx, personID, 1)
	if err != nil {
		return s, err
	}
	open := false
	if len(latest) == 1 {
		s.Review = latest[0]
		switch s.Review.State {
		case store.ReviewDraft:
			open = true
			pieces, err := p.st.ListEvidence(ctx, s.Review.ID)
			if err != nil {
				return s, err
			}
			s.Have = map[string]bool{}
			for _, k := range EvidenceKinds {
				s.Have[k] = hasKind(pieces, s.Review.Evidence, k)
			}
		case store.ReviewPending:
			open = true
			if s.Position, err = p.st.VideoQueuePosition(ctx, s.Review.ID); err != nil {
				return s, err
			}
		case store.ReviewRefused:
			s.Refusal, s.Note = VideoRefusalOf(s.Review.RefusalReason)
		}
	}
	if !open {
		person, err := p.st.GetPerson(ctx, personID)
		if err != nil {
			return s, err
		}
		acc, err := p.st.GetAccount(ctx, personID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return s, err
		}
		s.CanStart = p.videoAllowed(person) && acc.Level != store.LevelAdvanced
	}
	return s, nil
}

// The operator's side. Video reviews are judged at offices that handle
// accounts, by their operators, each decision audited under the
// operator's identity.

// VideoCase is one review as the operator judges it: the registry's
// record beside the evidence.
type VideoCase struct {
	Review   store.VideoReview
	Person   store.Person
	Account  store.Account
	Evidence []store.Evidence // the pieces the review holds, front, back, video
}

// reviewsVideo reports whether an office's operators may judge video
// identifications: offices that register accounts, and offices set up
// for nothing else ("video-review", which admin office add offers).
func reviewsVideo(o store.Office) bool {
	return handles(o, "account") || handles(o, "video-review")
}

// VideoQueue returns the reviews waiting for a decision, oldest first.
func (p *IdP) VideoQueue(ctx context.Context, desk ra.Desk, limit int) ([]VideoCase, error) {
	if !reviewsVideo(desk.Office) {
		return nil, ra.ErrOfficeCannot
	}
	reviews, err := p.st.ListVideoReviews(ctx, store.ReviewPending, limit)
	if err != nil {
		return nil, err
	}
	out := make([]VideoCase, 0, len(reviews))
	for _, v := range reviews {
		person, err := p.st.GetPerson(ctx, v.PersonID)
		if err != nil {
			return nil, err
		}
		out = append(out, VideoCase{Review: v, Person: person})
	}
	return out, nil
}

// VideoCaseFor returns one review with the person, the account and the
// evidence's descriptions.
func (p *IdP) VideoCaseFor(ctx context.Context, desk ra.Desk, reviewID string) (VideoCase, error) {
	if !reviewsVideo(desk.Office) {
		return VideoCase{}, ra.ErrOfficeCannot
	}
	v, err := p.st.GetVideoReview(ctx, reviewID)
	if err != nil {
		return VideoCase{}, err
	}
	c := VideoCase{Review: v}
	if c.Person, err = p.st.GetPerson(ctx, v.PersonID); err != nil {
		return VideoCase{}, err
	}
	if c.Account, err = p.st.GetAccount(ctx, v.PersonID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return VideoCase{}, err
	}
	pieces, err := p.st.ListEvidence(ctx, v.ID)
	if err != nil {
		return VideoCase{}, err
	}
	// In the order the operator compares them: front, back, video.
	for _, kind := range EvidenceKinds {
		for _, e := range pieces {
			if e.Kind == kind && slices.Contains(v.Evidence, e.ID) {
				c.Evidence = append(c.Evidence, e)
			}
		}
	}
	return c, nil
}

// EvidenceFor returns a piece of a review and its bytes, for an operator.
// Each viewing is audited: these are a person's face and document.
func (p *IdP) EvidenceFor(ctx context.Context, desk ra.Desk, reviewID, evidenceID string) (store.Evidence, []byte, error) {
	if !reviewsVideo(desk.Office) {
		return store.Evidence{}, nil, ra.ErrOfficeCannot
	}
	e, err := p.st.GetEvidence(ctx, evidenceID)
	if err != nil {
		return store.Evidence{}, nil, err
	}
	if e.ReviewID != reviewID {
		return store.Evidence{}, nil, fmt.Errorf("evidence %s of review %s: %w", evidenceID, reviewID, store.ErrNotFound)
	}
	data, err := p.st.EvidenceData(ctx, evidenceID)
	if err != nil {
		return store.Evidence{}, nil, err
	}
	if err := p.record(ctx, p.st, "operator:"+desk.Operator.ID, "video.evidence_view", e.ReviewID, audit.OK, map[string]any{"evidence": e.ID, "kind": e.Kind}); err != nil {
		return store.Evidence{}, nil, err
	}
	return e, data, nil
}

// ApproveVideo records that the operator saw, in the photos and the video,
// the document the registry holds for the person (type, number, expiry:
// the same check as at an office desk) and the same face: the account
// becomes advanced and the person is told. A document that does not match
// records nothing: the operator refuses with the reason instead.
func (p *IdP) ApproveVideo(ctx context.Context, desk ra.Desk, reviewID string, chk ra.Check) (store.Account, error) {
	if !reviewsVideo(desk.Office) {
		return store.Account{}, ra.ErrOfficeCannot
	}
	v, err := p.st.GetVideoReview(ctx, reviewID)
	if err != nil {
		return store.Account{}, err
	}
	person, err := p.st.GetPerson(ctx, v.PersonID)
	if err != nil {
		return store.Account{}, err
	}
	if _, err := ra.CheckDocument(person, chk, p.now()); err != nil {
		return store.Account{}, err
	}
	now := p.clock()
	var acc store.Account
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateVideoReview(ctx, reviewID, func(r *store.VideoReview) error {
			if r.State != store.ReviewPending {
				return ErrVideoNotPending
			}
			r.State, r.DecidedAt, r.OperatorID, r.RefusalReason = store.ReviewApproved, now, desk.Operator.ID, ""
			return nil
		}); err != nil {
			return err
		}
		acc, err = tx.UpdateAccount(ctx, v.PersonID, func(a *store.Account) error {
			if a.Level != store.LevelAdvanced {
				a.Level, a.RegisteredVia = store.LevelAdvanced, store.ViaVideo
			}
			a.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
		if err := p.noteDecision(ctx, tx, v, acc, now, approvedSubject, approvedBody); err != nil {
			return err
		}
		return p.record(ctx, tx, "operator:"+desk.Operator.ID, "video.approve", v.PersonID, audit.OK,
			map[string]any{"review": reviewID, "office": desk.Office.ID, "document_type": chk.DocumentType})
	})
	if err != nil {
		return store.Account{}, err
	}
	lang := langOf(acc.Lang)
	sms := i18n.T("llavero: tu identificación por vídeo está aprobada. Tu cuenta tiene ya nivel avanzado.",
		"llavero: your video identification is approved. Your account is now at the advanced level.")
	p.tell(ctx, acc, lang, sms, approvedSubject, approvedBody)
	return acc, nil
}

// RefuseVideo records the operator's refusal with a reason from the list
// (and a note, needed with VideoOther). The account stays basic; the
// person is told why and what to do next.
func (p *IdP) RefuseVideo(ctx context.Context, desk ra.Desk, reviewID, reason, note string) (store.VideoReview, error) {
	if !reviewsVideo(desk.Office) {
		return store.VideoReview{}, ra.ErrOfficeCannot
	}
	note = strings.Join(strings.Fields(note), " ")
	if _, ok := videoRefusals[reason]; !ok || (reason == VideoOther && note == "") || len(note) > maxVideoNote {
		return store.VideoReview{}, ErrVideoReason
	}
	stored := reason
	if note != "" {
		stored += ": " + note
	}
	ref, _ := VideoRefusalOf(stored)
	noteLine := ""
	if note != "" {
		noteLine = "\n" + note
	}
	body := i18n.T(
		fmt.Sprintf("Hemos revisado tu identificación por vídeo y no la hemos podido aprobar.\n\nMotivo: %s%s\n\nQué hacer: %s\n\nTu cuenta sigue en nivel básico y puedes seguir usándola.",
			ref.Reason.ES, noteLine, ref.Next.ES),
		fmt.Sprintf("We have reviewed your video identification and could not approve it.\n\nReason: %s%s\n\nWhat to do: %s\n\nYour account stays at the basic level and you can go on using it.",
			ref.Reason.EN, noteLine, ref.Next.EN))
	subject := i18n.T("Identificación por vídeo no aprobada", "Video identification not approved")
	now := p.clock()
	var v store.VideoReview
	var acc store.Account
	err := p.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.UpdateVideoReview(ctx, reviewID, func(r *store.VideoReview) error {
			if r.State != store.ReviewPending {
				return ErrVideoNotPending
			}
			r.State, r.DecidedAt, r.OperatorID, r.RefusalReason = store.ReviewRefused, now, desk.Operator.ID, stored
			return nil
		})
		if err != nil {
			return err
		}
		switch acc, err = tx.GetAccount(ctx, v.PersonID); {
		case errors.Is(err, store.ErrNotFound):
			// No account to tell (a review outlived it): the decision stands.
		case err != nil:
			return err
		default:
			if err := p.noteDecision(ctx, tx, v, acc, now, subject, body); err != nil {
				return err
			}
		}
		return p.record(ctx, tx, "operator:"+desk.Operator.ID, "video.refuse", v.PersonID, audit.Refused,
			map[string]any{"review": reviewID, "office": desk.Office.ID, "reason": reason})
	})
	if err != nil {
		return store.VideoReview{}, err
	}
	if acc.PersonID == "" {
		p.log.Error("video refusal not notified: no account", "review", reviewID)
		return v, nil
	}
	lang := langOf(acc.Lang)
	sms := i18n.Tf("llavero: no hemos podido aprobar tu identificación por vídeo. %s %s%s",
		"llavero: we could not approve your video identification. %s %s%s", ref.Reason.In(lang), ref.Next.In(lang), noteLine)
	p.tell(ctx, acc, lang, sms, subject, body)
	return v, nil
}

// The approval's email, also kept as the decision's notice.
var (
	approvedSubject = i18n.T("Identificación por vídeo aprobada", "Video identification approved")
	approvedBody    = i18n.T("Hemos revisado tu identificación por vídeo y la hemos aprobado.\n\nTu cuenta de llavero tiene ya nivel avanzado: puedes hacer los trámites que lo piden, entrando con un PIN por SMS o con tu contraseña y un código por SMS.",
		"We have reviewed your video identification and approved it.\n\nYour llavero account is now at the advanced level: you can do the procedures that ask for it, logging in with a PIN by SMS or with your password and an SMS code.")
)

// noteDecision keeps the decision, in the words of its email and in the
// account's language, among the person's notices (/account,
// "Recordatorios / Reminders"), in the decision's own transaction: it is listed whether or not
// the person gave an email, and even if the SMS or email fails after.
func (p *IdP) noteDecision(ctx context.Context, tx store.Tx, v store.VideoReview, acc store.Account, now time.Time, subject, body i18n.Text) error {
	lang := langOf(acc.Lang)
	return tx.CreateReminder(ctx, store.Reminder{Subject: v.ID, Kind: store.ReminderVideoDecision, Threshold: 0, PersonID: v.PersonID,
		Lang: string(lang), Title: subject.In(lang), Body: body.In(lang), Deadline: now, SentAt: now})
}

// tell sends the person an SMS and, when they gave one, an email. The
// decision is already recorded: a failed send is logged, not undone.
func (p *IdP) tell(ctx context.Context, acc store.Account, lang i18n.Lang, sms, subject, body i18n.Text) {
	if acc.Mobile != "" {
		if _, err := p.notify.SMS(ctx, acc.Mobile, acc.PersonID, lang, sms.In(lang)); err != nil {
			p.log.Error("notice SMS not sent", "person", acc.PersonID, "err", err)
		}
	}
	if acc.Email != "" {
		if _, err := p.notify.Email(ctx, acc.Email, acc.PersonID, lang, subject.In(lang), body.In(lang)); err != nil {
			p.log.Error("notice email not sent", "person", acc.PersonID, "err", err)
		}
	}
}

func langOf(s string) i18n.Lang {
	if l, ok := i18n.Parse(s); ok {
		return l
	}
	return i18n.ES
}

// PurgeVideoEvidence drops the bytes of the evidence of reviews decided
// more than the retention period ago, keeping the reviews and the
// evidence's descriptions (size, digest), and audits each review purged.
// Safe on several nodes at once: a review purged twice purges nothing the
// second time, and records nothing.
func (p *IdP) PurgeVideoEvidence(ctx context.Context) (int, error) {
	cutoff := p.clock().Add(-p.VideoSettings().Retention)
	total := 0
	for {
		ids, err := p.st.ReviewsToPurge(ctx, cutoff, 100)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		for _, id := range ids {
			err := p.st.InTx(ctx, func(tx store.Tx) error {
				n, err := tx.PurgeEvidence(ctx, id, p.clock())
				if err != nil || n == 0 {
					return err
				}
				total += n
				return p.record(ctx, tx, "system", "video.evidence_purge", id, audit.OK, map[string]any{"pieces": n})
			})
			if err != nil {
				return total, err
			}
		}
	}
}
