package remotesign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/store"
)

// NewRequest is what a relying party asks to have signed.
type NewRequest struct {
	Description  string
	DocumentName string
	HashAlg      string // "SHA-256", "SHA-384" or "SHA-512"
	Digest       []byte
	// CallbackURI receives the decision; it must have the origin of one
	// of the client's redirect URIs.
	CallbackURI string
	// ReturnURI, optional, is where the person is sent back to after
	// deciding; the same origin rule applies.
	ReturnURI string
}

// Create records a relying party's request. The person is not known yet:
// whoever opens the approval link logged in at substantial or above and
// asks for the code decides, and the signature names them; the relying
// party checks that it is the person it expected.
func (s *Service) Create(ctx context.Context, c store.Client, in NewRequest) (store.SignatureRequest, error) {
	if sg := s.signers.Load(); sg.digest == nil {
		return store.SignatureRequest{}, ErrUnavailable
	}
	h, ok := HashOf(in.HashAlg)
	if !ok {
		return store.SignatureRequest{}, ErrHashAlg
	}
	if len(in.Digest) != h.Size() {
		return store.SignatureRequest{}, ErrDigest
	}
	desc := strings.TrimSpace(in.Description)
	if !plainText(desc, MaxDescription, true) {
		return store.SignatureRequest{}, ErrDescription
	}
	name := strings.TrimSpace(in.DocumentName)
	if !plainText(name, MaxDocumentName, false) || strings.ContainsAny(name, `/\`) {
		return store.SignatureRequest{}, ErrDocumentName
	}
	if !ownedBy(c, in.CallbackURI, false) || !ownedBy(c, in.ReturnURI, true) {
		return store.SignatureRequest{}, ErrCallback
	}
	id, err := s.randomID()
	if err != nil {
		return store.SignatureRequest{}, err
	}
	now := s.clock()
	r := store.SignatureRequest{
		ID: id, Kind: store.SignKindDigest, ClientID: c.ID, ClientName: c.Name, Description: desc, DocumentName: name,
		HashAlg: in.HashAlg, Digest: bytes.Clone(in.Digest), CallbackURI: in.CallbackURI, ReturnURI: in.ReturnURI,
		State: store.SignRequested, CreatedAt: now, ExpiresAt: now.Add(s.cfg.TTL),
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSignatureRequest(ctx, r, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, "client:"+c.ID, "sign.request", id, audit.OK, map[string]any{
			"hash_alg": r.HashAlg, "digest": hex.EncodeToString(r.Digest), "document": name,
		})
	})
	if err != nil {
		return store.SignatureRequest{}, err
	}
	return r, nil
}

// plainText accepts one or more lines of printable text up to max
// characters: no control characters but, where multiline, new lines.
func plainText(s string, max int, multiline bool) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// ownedBy reports whether raw is an absolute http(s) URL with the origin
// of one of c's redirect URIs; "" passes when optional.
func ownedBy(c store.Client, raw string, optional bool) bool {
	if raw == "" {
		return optional
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" || len(raw) > 2048 {
		return false
	}
	for _, r := range c.RedirectURIs {
		ru, err := url.Parse(r)
		if err == nil && strings.EqualFold(ru.Scheme, u.Scheme) && strings.EqualFold(ru.Host, u.Host) {
			return true
		}
	}
	return false
}

// CreatePDF records a person's own request from the /sign page: the PDF
// is kept with it until the signed one is downloaded.
func (s *Service) CreatePDF(ctx context.Context, personID, acr, name string, pdf []byte) (store.SignatureRequest, error) {
	if sg := s.signers.Load(); sg.pdf == nil {
		return store.SignatureRequest{}, ErrUnavailable
	}
	if !loa.Meets(acr, loa.Substantial) {
		return store.SignatureRequest{}, ErrLevel
	}
	if int64(len(pdf)) > s.cfg.PDFMax {
		return store.SignatureRequest{}, ErrPDFTooLarge
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return store.SignatureRequest{}, ErrNotPDF
	}
	name = cleanFileName(name)
	id, err := s.randomID()
	if err != nil {
		return store.SignatureRequest{}, err
	}
	sum := sha256.Sum256(pdf)
	now := s.clock()
	r := store.SignatureRequest{
		ID: id, Kind: store.SignKindPDF, ClientName: "llavero", PersonID: personID, DocumentName: name,
		HashAlg: "SHA-256", Digest: sum[:], State: store.SignRequested, CreatedAt: now, ExpiresAt: now.Add(s.cfg.TTL),
	}
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSignatureRequest(ctx, r, pdf); err != nil {
			return err
		}
		return s.record(ctx, tx, "citizen:"+personID, "sign.request", id, audit.OK, map[string]any{
			"kind": store.SignKindPDF, "hash_alg": r.HashAlg, "digest": hex.EncodeToString(r.Digest), "document": name, "size": len(pdf),
		})
	})
	if err != nil {
		return store.SignatureRequest{}, err
	}
	return r, nil
}

// cleanFileName keeps the last path element of an uploaded file's name,
// printable and at most MaxDocumentName characters, ending in .pdf.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if utf8.RuneCountInString(name) > MaxDocumentName-4 {
		name = string([]rune(name)[:MaxDocumentName-4])
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "documento"
	}
	if !strings.HasSuffix(strings.ToLower(name), ".pdf") {
		name += ".pdf"
	}
	return name
}

// ForClient returns request id to the relying party that made it; to any
// other it does not exist. An open request past its time is expired
// first, so a poll never sees "requested" after the deadline.
func (s *Service) ForClient(ctx context.Context, clientID, id string) (store.SignatureRequest, error) {
	r, err := s.st.GetSignatureRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (r.ClientID != clientID || r.Kind != store.SignKindDigest)) {
		return store.SignatureRequest{}, ErrNotFound
	}
	if err != nil {
		return store.SignatureRequest{}, err
	}
	return s.expireIfDue(ctx, r)
}

// ForPerson returns request id as personID may see it: a request another
// person has taken is refused without showing what it is.
func (s *Service) ForPerson(ctx context.Context, personID, id string) (store.SignatureRequest, error) {
	r, err := s.st.GetSignatureRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.SignatureRequest{}, ErrNotFound
	}
	if err != nil {
		return store.SignatureRequest{}, err
	}
	if r.PersonID != "" && r.PersonID != personID {
		return store.SignatureRequest{}, ErrNotYours
	}
	return s.expireIfDue(ctx, r)
}

func (s *Service) expireIfDue(ctx context.Context, r store.SignatureRequest) (store.SignatureRequest, error) {
	if r.State != store.SignRequested || s.clock().Before(r.ExpiresAt) {
		return r, nil
	}
	got, done, err := s.expire(ctx, r.ID, s.clock())
	if err != nil || !done {
		// Decided meanwhile: read it as it is now.
		return s.st.GetSignatureRequest(ctx, r.ID)
	}
	s.deliver(got)
	return got, nil
}

// SendCode sends the SMS code that approves request id, and binds the
// request to personID: from then on nobody else can decide it.
func (s *Service) SendCode(ctx context.Context, personID, acr, id string, lang i18n.Lang) (idp.CodeSent, error) {
	if !loa.Meets(acr, loa.Substantial) {
		return idp.CodeSent{}, ErrLevel
	}
	now := s.clock()
	var refusal error
	r, err := s.st.UpdateSignatureRequest(ctx, id, func(r *store.SignatureRequest) error {
		if refusal = isOpen(*r, personID, now); refusal != nil {
			return errStop
		}
		r.PersonID = personID
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return idp.CodeSent{}, ErrNotFound
	case refusal != nil:
		return idp.CodeSent{}, refusal
	case err != nil:
		return idp.CodeSent{}, err
	}
	sent, err := s.codes.SendSigningCode(ctx, personID, id, r.ClientName, lang)
	if err != nil {
		return idp.CodeSent{}, err
	}
	if err := s.st.InTx(ctx, func(tx store.Tx) error {
		return s.record(ctx, tx, "citizen:"+personID, "sign.code_sent", id, audit.OK, map[string]any{"client": r.ClientID})
	}); err != nil {
		return idp.CodeSent{}, err
	}
	return sent, nil
}

// Approve checks the SMS code and, when it is right, signs: with the
// person's remote-signing key (made on first use), the digest for a
// relying party or the PDF for the /sign page. The decision and the
// signature commit together with their audit record, and the relying
// party is told. Too many wrong codes cancel the request (ErrCodeLocked).
func (s *Service) Approve(ctx context.Context, personID, acr, id, codeID, typed string) (store.SignatureRequest, error) {
	if !loa.Meets(acr, loa.Substantial) {
		return store.SignatureRequest{}, ErrLevel
	}
	sg := s.signers.Load()
	var req store.SignatureRequest
	var refusal error
	err := s.codes.UseSigningCode(ctx, codeID, personID, id, typed, func(tx store.Tx) error {
		r, err := tx.GetSignatureRequest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			refusal = ErrNotFound
			return refusal
		}
		if err != nil {
			return err
		}
		if refusal = isOpen(r, personID, s.clock()); refusal != nil {
			return refusal
		}
		if r.PersonID != personID {
			refusal = ErrNotYours
			return refusal
		}
		req = r
		return nil
	})
	if refusal != nil {
		return store.SignatureRequest{}, refusal
	}
	if errors.Is(err, otp.ErrLocked) {
		if r, done, ferr := s.fail(ctx, id, "citizen:"+personID, ReasonCodeLocked, nil); ferr != nil {
			return store.SignatureRequest{}, ferr
		} else if done {
			s.deliver(r)
		}
		return store.SignatureRequest{}, ErrCodeLocked
	}
	if err != nil {
		if _, ok := i18n.As(err); ok {
			_ = s.st.InTx(ctx, func(tx store.Tx) error {
				return s.record(ctx, tx, "citizen:"+personID, "sign.approve", id, audit.Refused, map[string]any{"reason": i18n.CodeOf(err)})
			})
		}
		return store.SignatureRequest{}, err
	}

	out, signed, cert, err := s.sign(ctx, sg, req, personID)
	if err != nil {
		s.log.Error("remote signature failed", "request", id, "err", err)
		if r, done, ferr := s.fail(ctx, id, "system", ReasonSigningFailed, map[string]any{"error": err.Error()}); ferr == nil && done {
			s.deliver(r)
		}
		return store.SignatureRequest{}, ErrSigningFailed.Wrap(err)
	}
	now := s.clock()
	var final store.SignatureRequest
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.UpdateSignatureRequest(ctx, id, func(r *store.SignatureRequest) error {
			if r.State != store.SignRequested {
				// Expired (or cancelled) between the code and now.
				refusal = isOpen(*r, personID, now)
				return errStop
			}
			r.State, r.DecidedAt, r.SignerCert = store.SignApproved, now, cert.Raw
			if req.Kind == store.SignKindDigest {
				r.Signature = out
			}
			return nil
		})
		if err != nil {
			return err
		}
		if req.Kind == store.SignKindPDF {
			if err := tx.SetSignatureDocument(ctx, id, signed); err != nil {
				return err
			}
		}
		final = r
		return s.record(ctx, tx, "citizen:"+personID, "sign.approve", id, audit.OK, map[string]any{
			"client": r.ClientID, "kind": r.Kind, "hash_alg": r.HashAlg, "digest": hex.EncodeToString(r.Digest),
			"certificate": cert.SerialNumber.Text(16),
		})
	})
	if refusal != nil {
		return store.SignatureRequest{}, refusal
	}
	if err != nil {
		return store.SignatureRequest{}, err
	}
	s.deliver(final)
	return final, nil
}

// Refuse records the person's refusal and tells the relying party.
func (s *Service) Refuse(ctx context.Context, personID, id string) (store.SignatureRequest, error) {
	now := s.clock()
	var refusal error
	var r store.SignatureRequest
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.UpdateSignatureRequest(ctx, id, func(r *store.SignatureRequest) error {
			if refusal = isOpen(*r, personID, now); refusal != nil {
				return errStop
			}
			r.PersonID, r.State, r.DecidedAt, r.Reason = personID, store.SignRefused, now, ReasonRefused
			return nil
		})
		if err != nil {
			return err
		}
		if r.Kind == store.SignKindPDF {
			if err := tx.SetSignatureDocument(ctx, id, nil); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, "citizen:"+personID, "sign.refuse", id, audit.OK, map[string]any{"client": r.ClientID})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.SignatureRequest{}, ErrNotFound
	case refusal != nil:
		return store.SignatureRequest{}, refusal
	case err != nil:
		return store.SignatureRequest{}, err
	}
	s.deliver(r)
	return r, nil
}

// fail ends an open request as failed with reason; done is false when it
// was no longer open.
func (s *Service) fail(ctx context.Context, id, actor, reason string, detail map[string]any) (store.SignatureRequest, bool, error) {
	return s.end(ctx, id, actor, "sign.fail", store.SignFailed, reason, s.clock(), detail)
}

// expire ends an open request whose time is up at t.
func (s *Service) expire(ctx context.Context, id string, t time.Time) (store.SignatureRequest, bool, error) {
	return s.end(ctx, id, "system", "sign.expire", store.SignExpired, ReasonTimeout, t, nil)
}

func (s *Service) end(ctx context.Context, id, actor, action, state, reason string, t time.Time, detail map[string]any) (store.SignatureRequest, bool, error) {
	done := false
	var r store.SignatureRequest
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.UpdateSignatureRequest(ctx, id, func(r *store.SignatureRequest) error {
			if r.State != store.SignRequested || (state == store.SignExpired && t.Before(r.ExpiresAt)) {
				return errStop
			}
			r.State, r.DecidedAt, r.Reason = state, s.clock(), reason
			return nil
		})
		if err != nil {
			return err
		}
		done = true
		if r.Kind == store.SignKindPDF {
			if err := tx.SetSignatureDocument(ctx, id, nil); err != nil {
				return err
			}
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["client"], detail["reason"] = r.ClientID, reason
		return s.record(ctx, tx, actor, action, id, audit.Refused, detail)
	})
	if errors.Is(err, errStop) {
		return store.SignatureRequest{}, false, nil
	}
	return r, done, err
}

// ExpireDue expires the open requests whose time was up at t, tells their
// relying parties, and returns how many it expired.
func (s *Service) ExpireDue(ctx context.Context, t time.Time) (int, error) {
	n := 0
	for {
		ids, err := s.st.SignatureRequestsExpired(ctx, t, 100)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			r, done, err := s.expire(ctx, id, t)
			if err != nil {
				return n, err
			}
			if done {
				n++
				s.deliver(r)
			}
		}
		if len(ids) < 100 {
			return n, nil
		}
	}
}

// PurgePDFs deletes the signed PDFs nobody downloaded within
// PDFRetention of the signature, keeping the request (the person's
// history), and returns how many it deleted.
func (s *Service) PurgePDFs(ctx context.Context, at time.Time) (int, error) {
	n := 0
	for {
		ids, err := s.st.SignatureDocumentsToPurge(ctx, at.Add(-s.cfg.PDFRetention), 100)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := s.st.InTx(ctx, func(tx store.Tx) error {
				if err := tx.SetSignatureDocument(ctx, id, nil); err != nil {
					return err
				}
				return s.record(ctx, tx, "system", "sign.pdf_purge", id, audit.OK, nil)
			}); err != nil {
				return n, err
			}
			n++
		}
		if len(ids) < 100 {
			return n, nil
		}
	}
}

// Run expires unanswered requests and purges signed PDFs nobody took,
// every so often until ctx ends, then stops the callbacks' retries. Safe
// on several nodes at once: each request is expired (and reported) once.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	defer s.Close()
	for {
		if n, err := s.ExpireDue(ctx, s.clock()); err != nil && ctx.Err() == nil {
			s.log.Error("signature requests not expired", "err", err)
		} else if n > 0 {
			s.log.Info("signature requests expired", "count", n)
		}
		if n, err := s.PurgePDFs(ctx, s.clock()); err != nil && ctx.Err() == nil {
			s.log.Error("signed PDFs not purged", "err", err)
		} else if n > 0 {
			s.log.Info("signed PDFs nobody downloaded deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// History returns a person's remote signatures, newest first.
func (s *Service) History(ctx context.Context, personID string, limit int) ([]store.SignatureRequest, error) {
	return s.st.ListPersonSignatureRequests(ctx, personID, limit)
}

// TakeSignedPDF hands a person their signed PDF once: the bytes are
// deleted in the transaction that reads them, and the download audited.
func (s *Service) TakeSignedPDF(ctx context.Context, personID, id string) (store.SignatureRequest, []byte, error) {
	var r store.SignatureRequest
	var pdf []byte
	var refusal error
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.UpdateSignatureRequest(ctx, id, func(r *store.SignatureRequest) error {
			switch {
			case r.PersonID != personID || r.Kind != store.SignKindPDF:
				refusal = ErrNotFound
			case r.State != store.SignApproved:
				refusal = ErrNoDocument
			}
			if refusal != nil {
				return errStop
			}
			return nil
		})
		if err != nil {
			return err
		}
		if pdf, err = tx.SignatureDocument(ctx, id); err != nil {
			return err
		}
		if len(pdf) == 0 {
			refusal = ErrNoDocument
			return refusal
		}
		if err := tx.SetSignatureDocument(ctx, id, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, "citizen:"+personID, "sign.pdf_download", id, audit.OK, map[string]any{"size": len(pdf)})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.SignatureRequest{}, nil, ErrNotFound
	case refusal != nil:
		return store.SignatureRequest{}, nil, refusal
	case err != nil:
		return store.SignatureRequest{}, nil, err
	}
	return r, pdf, nil
}
