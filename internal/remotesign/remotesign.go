// Package remotesign is remote signing in the Cl@ve Firma model: a relying
// party sends a document's hash and a description; the person, logged in
// at substantial or above, sees what they are about to sign and approves
// it with a one-time SMS code; llavero signs with a key it holds for that
// person (created on first use in the platform's key store, a PKCS#11
// token in production, under a certificate issued for remote signing) and
// returns a detached CAdES signature to the relying party's callback.
// Refusals, expiries and failures are reported the same way. The /sign
// page uses the same approval to sign a PDF the person uploads.
//
// The formats themselves are not made here: a [DigestSigner] (CAdES) and a
// [PDFSigner] (PAdES) are given to the service. It decides, keeps the
// record and the keys, and audits every decision in the transaction that
// makes it. It knows nothing of HTTP pages: package web carries its
// decisions to people and relying parties.
package remotesign

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/store"
)

// DigestSigner makes a detached CMS signature (CAdES, baseline B or T)
// over a document's digest computed with h.
type DigestSigner interface {
	SignDetached(ctx context.Context, digest []byte, h crypto.Hash, cred signing.Credential) ([]byte, error)
}

// PDFOptions are the particulars a signed PDF records.
type PDFOptions struct {
	Name     string    // the signer's name as people read it
	Reason   string    // why, e.g. "Firmado con llavero"
	Location string    // where, e.g. the platform's host
	Time     time.Time // the signing time claimed
}

// PDFSigner signs the PDF read from in with cred (PAdES), writing the
// signed PDF to out.
type PDFSigner interface {
	SignPDF(ctx context.Context, in io.ReadSeeker, out io.Writer, cred signing.Credential, opt PDFOptions) error
}

// CA is what the service needs of the certificate authority.
type CA interface {
	IssueRemoteSigning(ctx context.Context, pub crypto.PublicKey, p ca.Person, notBefore time.Time) (*x509.Certificate, error)
	Chain() []*x509.Certificate
	SignOCSP(serial *big.Int, status int, revokedAt time.Time, reason int, thisUpdate, nextUpdate time.Time) ([]byte, error)
}

// Codes is what the service needs of the identity provider: the one-time
// SMS codes that approve a signature (idp.IdP has them).
type Codes interface {
	SendSigningCode(ctx context.Context, personID, requestID, office string, lang i18n.Lang) (idp.CodeSent, error)
	UseSigningCode(ctx context.Context, codeID, personID, requestID, typed string, then func(tx store.Tx) error) error
}

// Config holds the service's settings; zero values take the defaults.
type Config struct {
	// PublicURL is llavero's public URL; approval links start with it.
	PublicURL string
	// TTL is how long a request waits for the person: 5 minutes.
	TTL time.Duration
	// PDFMax is the largest PDF the /sign page takes: 10 MiB.
	PDFMax int64
	// PDFRetention is how long a signed PDF waits to be downloaded before
	// it is deleted: 1 hour.
	PDFRetention time.Duration
	// KeyAlg is the algorithm of new remote-signing keys: P-256.
	KeyAlg ca.KeyAlg
	// RenewBefore is how long before its certificate ends a key is
	// replaced rather than used: 30 days.
	RenewBefore time.Duration
	// CallbackTries, CallbackTimeout and CallbackBackoff bound the
	// delivery of a decision to the relying party: 5 tries of at most 10
	// seconds each, 1 second apart, doubling.
	CallbackTries   int
	CallbackTimeout time.Duration
	CallbackBackoff time.Duration
	// HTTPClient posts the callbacks; nil means one without redirects.
	HTTPClient *http.Client
}

// Limits of what a relying party may send.
const (
	MaxDescription  = 500 // characters
	MaxDocumentName = 200 // characters
)

// Service is remote signing. It is safe for concurrent use.
type Service struct {
	st    store.Store
	ca    CA
	keys  ca.KeyStore
	codes Codes
	cfg   Config
	now   func() time.Time
	rand  io.Reader
	log   *slog.Logger
	audit *audit.Log

	signers atomic.Pointer[signers]

	// Callbacks in flight; Close cancels their retries and waits.
	base    context.Context
	stop    context.CancelFunc
	flights sync.WaitGroup
}

type signers struct {
	digest DigestSigner
	pdf    PDFSigner
}

// New returns the service. keys is the platform's key store (the CA's);
// now and rnd may be nil (real clock, crypto/rand).
func New(st store.Store, authority CA, keys ca.KeyStore, codes Codes, cfg Config, now func() time.Time, rnd io.Reader, log *slog.Logger) *Service {
	if cfg.TTL == 0 {
		cfg.TTL = 5 * time.Minute
	}
	if cfg.PDFMax == 0 {
		cfg.PDFMax = 10 << 20
	}
	if cfg.PDFRetention == 0 {
		cfg.PDFRetention = time.Hour
	}
	if cfg.KeyAlg == "" {
		cfg.KeyAlg = ca.P256
	}
	if cfg.RenewBefore == 0 {
		cfg.RenewBefore = 30 * 24 * time.Hour
	}
	if cfg.CallbackTries == 0 {
		cfg.CallbackTries = 5
	}
	if cfg.CallbackTimeout == 0 {
		cfg.CallbackTimeout = 10 * time.Second
	}
	if cfg.CallbackBackoff == 0 {
		cfg.CallbackBackoff = time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{
			// A relying party's callback answers where it is: a redirect
			// could send the signature to an address nobody registered.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{st: st, ca: authority, keys: keys, codes: codes, cfg: cfg, now: now, rand: rnd, log: log, audit: audit.New(now, rnd)}
	s.base, s.stop = context.WithCancel(context.Background())
	s.signers.Store(&signers{})
	return s
}

// SetSigners sets what makes the signatures: digest for relying parties'
// requests, pdf for the /sign page. Either may be nil, which turns that
// side off (ErrUnavailable). It may be called while serving.
func (s *Service) SetSigners(digest DigestSigner, pdf PDFSigner) {
	s.signers.Store(&signers{digest: digest, pdf: pdf})
}

// Available reports which sides have a signer.
func (s *Service) Available() (digest, pdf bool) {
	sg := s.signers.Load()
	return sg.digest != nil, sg.pdf != nil
}

// Close stops the retries of callbacks not yet delivered and waits for
// those in flight. The relying parties can still poll for the result.
func (s *Service) Close() {
	s.stop()
	s.flights.Wait()
}

// Wait waits for the callbacks in flight to be delivered or given up.
func (s *Service) Wait() { s.flights.Wait() }

// ApproveURL is where a person approves request id.
func (s *Service) ApproveURL(id string) string { return s.cfg.PublicURL + ApprovePath(id) }

// ApprovePath is ApproveURL's path.
func ApprovePath(id string) string { return "/sign/requests/" + id }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) randomID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (s *Service) record(ctx context.Context, tx store.Tx, actor, action, subject, outcome string, detail map[string]any) error {
	_, err := s.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: action, Subject: subject, Outcome: outcome, Detail: detail})
	return err
}

// Hash algorithms by their names in the API.
var hashes = map[string]crypto.Hash{"SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512}

// HashOf returns the hash a request's HashAlg names.
func HashOf(alg string) (crypto.Hash, bool) {
	h, ok := hashes[alg]
	return h, ok
}

// Reasons a request ended other than approved, as relying parties read
// them in "reason".
const (
	ReasonRefused       = "refused_by_signer"
	ReasonTimeout       = "timeout"
	ReasonCodeLocked    = "too_many_wrong_codes"
	ReasonSigningFailed = "signing_failed"
)

// isOpen explains why r cannot be decided by personID at now, or is nil.
func isOpen(r store.SignatureRequest, personID string, now time.Time) error {
	switch {
	case r.PersonID != "" && r.PersonID != personID:
		return ErrNotYours
	case r.State == store.SignExpired || (r.State == store.SignRequested && !now.Before(r.ExpiresAt)):
		return ErrExpired
	case r.State != store.SignRequested:
		return ErrDecided
	}
	return nil
}

var errStop = errors.New("remotesign: decided elsewhere")

// PDFMax is the largest PDF the /sign page takes.
func (s *Service) PDFMax() int64 { return s.cfg.PDFMax }
