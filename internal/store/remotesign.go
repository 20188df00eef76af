package store

import (
	"context"
	"time"
)

// States of a remote signature request. A request starts requested; the
// person approves it (and it is signed) or refuses it, or nobody answers
// in time and it expires, or signing fails (too many wrong codes, the
// key or the signer failed). Nothing leaves a state other than requested.
const (
	SignRequested = "requested"
	SignApproved  = "approved"
	SignRefused   = "refused"
	SignExpired   = "expired"
	SignFailed    = "failed"
)

// Kinds of signature request.
const (
	// SignKindDigest is a relying party's: it sends a document's hash and
	// gets a detached CAdES signature back.
	SignKindDigest = "digest"
	// SignKindPDF is a citizen's on the /sign page: the PDF itself is kept
	// (SignatureDocument) until the signed one is downloaded.
	SignKindPDF = "pdf"
)

// CertRemoteSigning is the kind of the certificates of remote-signing
// keys in the certificates table: listed there so that llavero's OCSP
// responder and CRL answer for them like for any other, and never a
// CertPerson, so no login ever accepts one.
const CertRemoteSigning = "remote-signing"

// SignatureRequest is one remote signature: what was asked, of whom, and
// how it ended.
type SignatureRequest struct {
	ID         string // random; in the approval URL
	Kind       string // SignKind*
	ClientID   string // the relying party's; "" for the /sign page
	ClientName string // the office's name when the request was made
	// PersonID is "" until a person logged in at the level asks for the
	// approval code; from then on only that person can decide.
	PersonID     string
	Description  string // the relying party's words: what is being signed
	DocumentName string
	HashAlg      string // "SHA-256", "SHA-384" or "SHA-512"
	Digest       []byte // of the document, as long as HashAlg's output
	CallbackURI  string // where the decision is posted; "" for none
	ReturnURI    string // where the person goes back to; "" for none
	State        string // Sign*
	CreatedAt    time.Time
	ExpiresAt    time.Time
	DecidedAt    time.Time // zero while requested
	Signature    []byte    // the CMS (digest kind); empty until approved
	SignerCert   []byte    // DER of the certificate that signed
	Reason       string    // stable code of a refusal, expiry or failure
	DeliveredAt  time.Time // when the relying party acknowledged the callback
}

// RemoteSigningKey is a key llavero holds for a person to sign remotely
// with: the key itself stays in the platform's key store under Label (a
// PKCS#11 token in production); CertDER is the certificate issued for it.
type RemoteSigningKey struct {
	Label     string // in the key store, e.g. "remote-…"
	PersonID  string
	CertDER   []byte
	CreatedAt time.Time
	RevokedAt time.Time // zero while in use
}

// RemoteSignTx holds the remote-signing operations. Every Tx has them.
//
// Errors, times, byte slices and Update methods follow AccountTx: IDs and
// labels are unique keys whose Create gives ErrConflict; fn is given the
// row locked, and no Update can change the key or CreatedAt. A limit of 0
// or less means 100.
type RemoteSignTx interface {
	// CreateSignatureRequest stores r and, for the PDF kind, the document
	// (nil for none).
	CreateSignatureRequest(ctx context.Context, r SignatureRequest, document []byte) error
	GetSignatureRequest(ctx context.Context, id string) (SignatureRequest, error)
	UpdateSignatureRequest(ctx context.Context, id string, fn func(*SignatureRequest) error) (SignatureRequest, error)
	// SignatureDocument returns a request's document bytes (empty when
	// there are none, or they were emptied); ErrNotFound when there is no
	// such request.
	SignatureDocument(ctx context.Context, id string) ([]byte, error)
	// SetSignatureDocument replaces a request's document bytes; nil or
	// empty clears them.
	SetSignatureDocument(ctx context.Context, id string, data []byte) error
	// ListPersonSignatureRequests returns a person's requests, newest
	// first.
	ListPersonSignatureRequests(ctx context.Context, personID string, limit int) ([]SignatureRequest, error)
	// SignatureDocumentsToPurge returns up to limit IDs of PDF requests
	// decided before t that still hold document bytes.
	SignatureDocumentsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error)
	// SignatureRequestsExpired returns up to limit IDs of requests still
	// requested whose ExpiresAt is before t, oldest first.
	SignatureRequestsExpired(ctx context.Context, t time.Time, limit int) ([]string, error)

	// CreateRemoteSigningKey stores k. A label already used, or a second
	// key in use (not revoked) for the same person, gives ErrConflict.
	CreateRemoteSigningKey(ctx context.Context, k RemoteSigningKey) error
	// ActiveRemoteSigningKey returns the person's key in use, or
	// ErrNotFound.
	ActiveRemoteSigningKey(ctx context.Context, personID string) (RemoteSigningKey, error)
	// RevokeRemoteSigningKey marks a key revoked at t; one already revoked
	// keeps its first time. ErrNotFound when there is no such label.
	RevokeRemoteSigningKey(ctx context.Context, label string, t time.Time) error
}
