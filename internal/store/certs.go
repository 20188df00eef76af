package store

import (
	"context"
	"time"
)

// Application states. An application is "expired" when it is still pending
// after ExpiresAt; that is derived from the clock, never written, so no job
// has to run for a code to lapse.
const (
	AppPending    = "pending"    // waiting for the identity check at an office
	AppApproved   = "approved"   // certificate issued, waiting for the download
	AppDownloaded = "downloaded" // the citizen has the certificate
	AppRefused    = "refused"    // the office refused it (RefusalCode says why)
	AppCancelled  = "cancelled"  // the citizen (or an office) cancelled it
)

// Application is a certificate request: the key made on the citizen's
// machine waiting for an identity check, then for the download.
type Application struct {
	ID             string // random
	CodeHash       string // hex SHA-256 of the application code; the code itself is never stored
	PersonID       string // canonical DNI/NIE; a registry entry
	Email          string
	Lang           string
	PublicKey      []byte // DER SubjectPublicKeyInfo from the CSR
	KeyFingerprint string // hex SHA-256 of PublicKey
	State          string
	RenewalOf      string // serial of the certificate this renews, "" for a first request
	CreatedAt      time.Time
	ExpiresAt      time.Time // the code lapses then if no office has checked the person

	Reminded7At time.Time // zero until the 7-days-left reminder was sent
	Reminded1At time.Time // zero until the 1-day-left reminder was sent

	DecidedAt      time.Time
	OfficeID       string
	OperatorID     string
	RefusalCode    string // stable code of the refusal (e.g. "document.expired")
	DocumentType   string // the document the operator checked
	DocumentNumber string
	DocumentExpiry time.Time

	CertSerial   string // set on approval
	DownloadedAt time.Time
}

// ApplicationFilter narrows ListApplications. Empty fields match everything.
type ApplicationFilter struct {
	PersonID       string
	KeyFingerprint string
	State          string
	ExpiresBefore  time.Time // only applications whose ExpiresAt is before this
	Limit          int       // 0 means 100
}

// Certificate kinds.
const (
	CertPerson   = "person"   // a citizen's certificate
	CertOperator = "operator" // a registration-office operator's certificate
	CertServer   = "server"   // a TLS server certificate of the platform itself
)

// Certificate is an issued certificate and its revocation status.
type Certificate struct {
	Serial        string // lower-case hex, no leading zeros
	Kind          string
	PersonID      string // the holder: DNI/NIE for CertPerson, operator ID for CertOperator
	ApplicationID string
	DER           []byte
	NotBefore     time.Time
	NotAfter      time.Time
	CreatedAt     time.Time

	RevokedAt        time.Time // zero while not revoked
	RevocationReason int       // RFC 5280 CRLReason
	RenewedBy        string    // serial of the certificate that renewed this one
	// BackupConfirmedAt is when the holder last proved, with the key read
	// from a copy of the .p12, that a backup exists; zero until then.
	BackupConfirmedAt time.Time
}

// CertificateFilter narrows ListCertificates.
type CertificateFilter struct {
	PersonID string
	Kind     string
	Revoked  bool // only revoked certificates (the CRL's content)
	Limit    int  // 0 means 100; the CRL passes a large limit
	// OmitDER leaves Certificate.DER nil (and BackupConfirmedAt zero). A
	// CRL needs the serials and
	// revocation details only: without the DER, 100 000 revoked
	// certificates are listed from an index alone, in a third of the time
	// and a fifth of the memory.
	OmitDER bool
}

// Office is a registration office: where a person's identity is checked.
type Office struct {
	ID         string
	Name       string
	Address    string
	City       string
	PostalCode string
	Province   string
	Hours      string // opening hours as people read them, e.g. "L-V 9:00-14:00"
	// Handles is what the office does: "certificate", "account",
	// "video-review". Order is kept; an empty list reads back as an empty,
	// non-nil slice (JSON "[]", not "null").
	Handles   []string
	CreatedAt time.Time
}

// Operator is a person at an office who checks identities; they log in
// with the operator certificate llavero issued them.
type Operator struct {
	ID         string
	OfficeID   string
	Name       string
	CertSerial string
	Disabled   bool
	CreatedAt  time.Time
}

// OCSPEntry is a pre-signed OCSP response for one certificate, shared by
// every node so a revocation is visible everywhere at once.
type OCSPEntry struct {
	Serial     string
	DER        []byte
	ThisUpdate time.Time
	NextUpdate time.Time
}

// CRL is the latest certificate revocation list of one CA.
type CRL struct {
	Name       string // e.g. "citizens"
	Number     int64  // strictly increasing
	DER        []byte
	ThisUpdate time.Time
	NextUpdate time.Time
}

// CertTx holds the operations of the certificate side (registration
// authority, CA status). Every Tx has them.
//
// As for the rest of the store: Get methods return ErrNotFound for a
// missing row; Create methods return ErrConflict when a unique key is taken
// (the ID or serial, an application's CodeHash, an operator's CertSerial),
// which leaves an enclosing transaction usable, while a reference to a row
// that does not exist (a person not in the registry, an unknown application
// or office) is a plain error. Timestamps come back in UTC, cut to the
// microsecond; DocumentExpiry is a date, as in Person; an empty byte slice
// comes back nil. An Update method locks the row, calls fn with it and
// writes back what fn leaves, returning it as a Get would. Nothing is
// written if fn fails (its error is returned as is), changes what cannot
// change (an error), or takes a unique key another row holds (ErrConflict).
type CertTx interface {
	CreateApplication(ctx context.Context, a Application) error
	GetApplication(ctx context.Context, id string) (Application, error)
	// GetApplicationByCode finds an application by the hash of its code.
	GetApplicationByCode(ctx context.Context, codeHash string) (Application, error)
	// ListApplications returns matches, newest (by CreatedAt) first.
	ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error)
	// UpdateApplication reads the application, lets fn change it and
	// writes it back, in one transaction. fn's error aborts the update.
	// ID and CreatedAt cannot change.
	UpdateApplication(ctx context.Context, id string, fn func(*Application) error) (Application, error)

	CreateCertificate(ctx context.Context, c Certificate) error
	GetCertificate(ctx context.Context, serial string) (Certificate, error)
	// ListCertificates returns matches, newest (by NotBefore) first.
	ListCertificates(ctx context.Context, f CertificateFilter) ([]Certificate, error)
	// UpdateCertificate: Serial and CreatedAt cannot change.
	UpdateCertificate(ctx context.Context, serial string, fn func(*Certificate) error) (Certificate, error)

	CreateOffice(ctx context.Context, o Office) error
	GetOffice(ctx context.Context, id string) (Office, error)
	// ListOffices returns every office, by ID.
	ListOffices(ctx context.Context) ([]Office, error)
	CreateOperator(ctx context.Context, o Operator) error
	GetOperator(ctx context.Context, id string) (Operator, error)
	// GetOperatorByCert finds the operator holding a certificate; "" finds
	// none (any number of operators may be waiting for theirs).
	GetOperatorByCert(ctx context.Context, serial string) (Operator, error)
	// ListOperators returns the operators of an office, or of every office
	// for "", by ID.
	ListOperators(ctx context.Context, officeID string) ([]Operator, error)
	// UpdateOperator: ID and CreatedAt cannot change.
	UpdateOperator(ctx context.Context, id string, fn func(*Operator) error) (Operator, error)

	// CountAttempt adds one to the counter key in the fixed window of
	// length window that contains now, and returns the count including
	// this attempt. Rate limits and lockouts on guessable codes use it; it
	// lives in the database so every node sees the same count.
	//
	// Windows are counted from the Unix epoch (an hour's start on the hour,
	// a day's at midnight UTC). A now in a window earlier than the counter's
	// (a node whose clock lags) counts in the counter's window instead of
	// resetting it. key must not be empty, nor window under a microsecond.
	CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
	// ResetAttempts forgets the counter key (after a success).
	ResetAttempts(ctx context.Context, key string) error
	// SweepAttempts deletes counters whose window started before t (they
	// can no longer count against anyone) and returns how many.
	SweepAttempts(ctx context.Context, before time.Time) (int, error)

	// PutOCSP inserts or replaces: the last write wins. A response signed
	// from a status read earlier can thus replace a revocation's; sign and
	// put inside InTx, after UpdateCertificate has locked the certificate,
	// for the status to be current when written.
	PutOCSP(ctx context.Context, e OCSPEntry) error
	GetOCSP(ctx context.Context, serial string) (OCSPEntry, error)
	// ListOCSPDue returns entries whose NextUpdate is before t, soonest
	// first. A limit of 0 or less means 100.
	ListOCSPDue(ctx context.Context, t time.Time, limit int) ([]OCSPEntry, error)
	// PutCRL stores a new CRL; its Number must be greater than the stored one
	// (ErrConflict otherwise), so two nodes never publish out of order.
	PutCRL(ctx context.Context, c CRL) error
	GetCRL(ctx context.Context, name string) (CRL, error)
}
