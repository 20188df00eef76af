package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing/validate"
)

// SignatureDeps is what the signature routes need.
type SignatureDeps struct {
	// Validator judges the signatures: llavero's root, the trust list,
	// revocation from the store (and OCSP/CRL for other CAs).
	Validator *validate.Validator
	// MaxSignature and MaxContent bound the two uploads (0: 64 MiB and
	// 64 MiB). A signed PDF is the signature here, so the first is the
	// larger in practice.
	MaxSignature, MaxContent int64
	// Concurrent bounds validations running at once (0: 4), so that a burst
	// of large files cannot take every core from the sign-in pages.
	Concurrent int
}

const defaultMaxUpload = 64 << 20

type signatureRoutes struct {
	s    *Server
	d    SignatureDeps
	slot chan struct{}
}

// MountSignatures adds POST /api/v1/signatures/validate: a multipart form
// with the file "signature" (CAdES, PAdES or XAdES) and, for a detached
// signature, the file "content"; the answer is the validation report as
// JSON (see docs/signing-validate.md), whatever the verdict.
func (s *Server) MountSignatures(d SignatureDeps) {
	if d.Validator == nil {
		panic("web: SignatureDeps needs a Validator")
	}
	if d.MaxSignature <= 0 {
		d.MaxSignature = defaultMaxUpload
	}
	if d.MaxContent <= 0 {
		d.MaxContent = defaultMaxUpload
	}
	if d.Concurrent <= 0 {
		d.Concurrent = 4
	}
	sr := &signatureRoutes{s: s, d: d, slot: make(chan struct{}, d.Concurrent)}
	s.Handle("POST /api/v1/signatures/validate", http.HandlerFunc(sr.validate))
}

// The errors of the validation API.
var (
	errSignatureForm = i18n.New("signatures.form",
		i18n.T("La petición no es un formulario multipart con la firma.", "The request is not a multipart form holding the signature."),
		i18n.T("Envía la firma en el campo «signature» (y el documento de una firma separada en «content») como multipart/form-data.",
			"Send the signature in the field \"signature\" (and a detached signature's document in \"content\") as multipart/form-data."))
	errSignatureMissing = i18n.New("signatures.missing",
		i18n.T("Falta el archivo firmado.", "The signed file is missing."),
		i18n.T("Añade el archivo en el campo «signature».", "Add the file in the field \"signature\"."))
	errSignatureTooLarge = i18n.New("signatures.too_large",
		i18n.T("El archivo es demasiado grande para validarlo aquí.", "The file is too large to validate here."),
		i18n.T("Valídalo en tu ordenador con «llavero verify», que no tiene este límite.",
			"Validate it on your computer with \"llavero verify\", which has no such limit."))
	errSignatureBusy = i18n.New("signatures.busy",
		i18n.T("El servicio de validación está ocupado.", "The validation service is busy."),
		i18n.T("Vuelve a intentarlo en unos segundos.", "Try again in a few seconds."))
)

func (sr *signatureRoutes) validate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, sr.d.MaxSignature+sr.d.MaxContent+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		sr.s.Error(w, r, errSignatureForm.Wrap(err))
		return
	}
	var in validate.Input
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			sr.s.Error(w, r, signatureUploadError(err))
			return
		}
		var limit int64
		var dst *[]byte
		switch part.FormName() {
		case "signature":
			limit, dst = sr.d.MaxSignature, &in.Signature
		case "content":
			limit, dst = sr.d.MaxContent, &in.Content
		default:
			part.Close()
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		part.Close()
		if err != nil {
			sr.s.Error(w, r, signatureUploadError(err))
			return
		}
		if int64(len(b)) > limit {
			sr.s.Error(w, r, WithStatus(http.StatusRequestEntityTooLarge, errSignatureTooLarge))
			return
		}
		*dst = b
	}
	if len(in.Signature) == 0 {
		sr.s.Error(w, r, errSignatureMissing)
		return
	}
	select {
	case sr.slot <- struct{}{}:
		defer func() { <-sr.slot }()
	case <-r.Context().Done():
		sr.s.Error(w, r, WithStatus(http.StatusServiceUnavailable, errSignatureBusy))
		return
	}
	rep := sr.d.Validator.Validate(r.Context(), in)
	sr.s.log.LogAttrs(r.Context(), slog.LevelInfo, "signature validated",
		slog.String("request_id", RequestID(r)), slog.String("format", rep.Format),
		slog.String("indication", string(rep.Indication)), slog.String("sub_indication", string(rep.SubIndication)),
		slog.Int("signatures", len(rep.Signatures)))
	writeJSON(w, r, http.StatusOK, rep)
}

func signatureUploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return WithStatus(http.StatusRequestEntityTooLarge, errSignatureTooLarge)
	}
	return errSignatureForm.Wrap(err)
}
