package store

import (
	"context"
	"time"
)

// Registration levels of an account (the Cl@ve model): basic after an
// invitation letter or the first step of video identification; advanced
// after an identity check (certificate, office, reviewed video).
const (
	LevelBasic    = "basic"
	LevelAdvanced = "advanced"
)

// How an account was registered.
const (
	ViaCertificate = "certificate"
	ViaOffice      = "office"
	ViaLetter      = "letter"
	ViaVideo       = "video"
)

// Account is a person's sign-in account. There is at most one per person,
// so its key is the person's identifier.
type Account struct {
	PersonID      string // canonical DNI/NIE; a registry entry
	Level         string // LevelBasic or LevelAdvanced
	RegisteredVia string // Via*
	Mobile        string // E.164; unique among accounts ("" when none)
	Email         string
	Lang          string
	CreatedAt     time.Time
	UpdatedAt     time.Time

	PasswordHash     string    // argon2id in PHC string form; "" when no password
	PasswordFailures int       // consecutive wrong passwords
	PasswordLockedAt time.Time // zero unless locked after too many failures
}

// Purposes of one-time codes.
const (
	CodePIN         = "pin"          // Cl@ve PIN: a login by SMS
	CodeOTP         = "otp"          // second factor after a password
	CodeLetter      = "letter"       // invitation letter (CSV code)
	CodePhoneChange = "phone-change" // confirms a new mobile number
)

// OneTimeCode is a short-lived code sent to a person; only its hash is kept.
type OneTimeCode struct {
	ID          string // random
	PersonID    string
	Purpose     string // Code*
	CodeHash    string
	Channel     string // "sms" or "letter"
	Destination string // the E.164 number or the one-line postal address it went to
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Failures    int       // wrong tries against this code
	UsedAt      time.Time // zero until used; a used code never works again
}

// CodeFilter narrows ListCodes.
type CodeFilter struct {
	PersonID string
	Purpose  string
	Since    time.Time // only codes created at or after this
	Limit    int       // 0 means 100
}

// Session is a single-sign-on session in a browser. The browser holds a
// random token; only its hash (the ID) is stored.
type Session struct {
	ID         string   // hex SHA-256 of the session token
	PersonID   string   // "" until someone has logged in
	ACR        string   // level of assurance reached: "low", "substantial", "high"
	AMR        []string // methods used: "pin", "pwd", "otp", "app", "cert"
	CreatedAt  time.Time
	AuthTime   time.Time // when the person last authenticated
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// LoginEvent records one login attempt, for the person's own history
// ("last logins") and for the audit of identity decisions.
type LoginEvent struct {
	ID        string
	PersonID  string
	Method    string // "pin", "password", "app", "certificate"
	ACR       string
	ClientID  string // the relying party, when the login was for one
	Outcome   string // "ok", "refused", "failed"
	Reason    string // stable code when not ok
	IP        string
	UserAgent string
	At        time.Time
}

// Device is a person's registered phone-app credential (a passkey).
type Device struct {
	ID           string // random
	PersonID     string // an account's
	Name         string // as the person named it
	CredentialID []byte // WebAuthn credential ID; unique
	PublicKey    []byte // COSE public key
	SignCount    uint32
	AAGUID       []byte
	CreatedAt    time.Time
	LastUsedAt   time.Time
	Disabled     bool
}

// Video review states.
const (
	ReviewPending  = "pending"
	ReviewApproved = "approved"
	ReviewRefused  = "refused"
)

// VideoReview is a video identification waiting for (or past) an
// operator's decision.
type VideoReview struct {
	ID        string
	PersonID  string   // a registry entry
	State     string   // Review*
	Evidence  []string // paths of the uploaded photos and video
	CreatedAt time.Time
	// SubmittedAt is when the review entered the queue (state pending);
	// zero while a draft. The queue is ordered by it.
	SubmittedAt   time.Time
	DecidedAt     time.Time
	OperatorID    string
	RefusalReason string
}

// Procedure is one thing a person can do at a relying party, with the
// level of assurance it needs.
type Procedure struct {
	ID        string // short, stable, e.g. "points-balance"
	Name      string // as people read it, in Spanish
	NameEN    string // in English; "" shows Name to English readers too
	ACR       string // "low", "substantial" or "high"
	Signature bool   // whether it needs a signature
	// SignatureKind is which signature: SignatureCertificate or
	// SignatureRemote; "" with Signature unset. Read it with
	// [Procedure.SignatureNeeded]; the store keeps the two fields in step.
	SignatureKind string
}

// The kinds of signature a procedure may need.
const (
	// SignatureCertificate: a local signature with the person's own
	// certificate (AutoFirma model). Procedures stored before kinds
	// existed, with only Signature set, are of this kind, the only one
	// then.
	SignatureCertificate = "certificate"
	// SignatureRemote: remote signing on llavero with a code by SMS, from
	// a substantial login (Cl@ve Firma model).
	SignatureRemote = "remote"
)

// SignatureNeeded returns which signature p needs: "" for none,
// SignatureCertificate or SignatureRemote.
func (p Procedure) SignatureNeeded() string {
	switch {
	case p.SignatureKind != "":
		return p.SignatureKind
	case p.Signature:
		return SignatureCertificate
	}
	return ""
}

// Normalized returns p with Signature and SignatureKind in step: a kind
// implies a signature, and a signature without a kind is a certificate
// signature.
func (p Procedure) Normalized() Procedure {
	p.SignatureKind = p.SignatureNeeded()
	p.Signature = p.SignatureKind != ""
	return p
}

// Client is a relying party: an electronic office registered as an OpenID
// Connect client.
type Client struct {
	ID           string
	SecretHash   string // hash of the client secret; "" for public clients
	Name         string
	RedirectURIs []string // matched exactly
	MinACR       string
	Methods      []string // accepted login methods; empty means all
	Procedures   []Procedure
	CreatedAt    time.Time
}

// AccountTx holds the operations of the account side (identity provider).
// Every Tx has them.
//
// Errors, times, byte slices and Update methods follow CertTx. The unique
// keys whose Create or Update gives ErrConflict are the IDs (an account's
// PersonID), an account's Mobile when not empty, and a device's
// CredentialID, which must not be empty. List fields (AMR, Evidence,
// RedirectURIs, Methods, Procedures) keep their order and come back
// non-nil when empty. A limit of 0 or less means 100.
//
// fn is given the row locked: a decision that depends on it (is the code
// unused and unexpired? how many failures so far?) belongs in fn, not on
// an earlier Get, or two concurrent requests could both pass it. No
// Update method can change the key or CreatedAt.
type AccountTx interface {
	CreateAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, personID string) (Account, error)
	// GetAccountByMobile finds the account a mobile number belongs to; ""
	// finds none.
	GetAccountByMobile(ctx context.Context, mobile string) (Account, error)
	// UpdateAccount is read-modify-write in one transaction; a Mobile
	// already used by another account gives ErrConflict.
	UpdateAccount(ctx context.Context, personID string, fn func(*Account) error) (Account, error)

	CreateCode(ctx context.Context, c OneTimeCode) error
	GetCode(ctx context.Context, id string) (OneTimeCode, error)
	// ListCodes returns matches, newest (by CreatedAt) first.
	ListCodes(ctx context.Context, f CodeFilter) ([]OneTimeCode, error)
	UpdateCode(ctx context.Context, id string, fn func(*OneTimeCode) error) (OneTimeCode, error)

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, id string) (Session, error)
	UpdateSession(ctx context.Context, id string, fn func(*Session) error) (Session, error)
	// DeleteSession removes a session; one already gone (logged out twice,
	// or purged) is no error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions removes sessions that expired before t and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error)
	// DeletePersonSessions removes every session of one person (their
	// "this was not me": whoever holds another of their sessions is put
	// out) and returns how many. personID must not be empty: sessions
	// before a login have no person, and are nobody's to end.
	DeletePersonSessions(ctx context.Context, personID string) (int, error)

	AddLoginEvent(ctx context.Context, e LoginEvent) error
	// ListLoginEvents returns a person's events, newest (by At) first.
	ListLoginEvents(ctx context.Context, personID string, limit int) ([]LoginEvent, error)

	CreateDevice(ctx context.Context, d Device) error
	GetDeviceByCredential(ctx context.Context, credentialID []byte) (Device, error)
	// ListDevices returns a person's devices, oldest first.
	ListDevices(ctx context.Context, personID string) ([]Device, error)
	UpdateDevice(ctx context.Context, id string, fn func(*Device) error) (Device, error)

	CreateVideoReview(ctx context.Context, v VideoReview) error
	GetVideoReview(ctx context.Context, id string) (VideoReview, error)
	// ListVideoReviews returns reviews in a state (all when ""), oldest first:
	// the review queue is first come, first served.
	ListVideoReviews(ctx context.Context, state string, limit int) ([]VideoReview, error)
	UpdateVideoReview(ctx context.Context, id string, fn func(*VideoReview) error) (VideoReview, error)

	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	// ListClients returns every client, by ID.
	ListClients(ctx context.Context) ([]Client, error)
	UpdateClient(ctx context.Context, id string, fn func(*Client) error) (Client, error)
}

// Queued is when the review entered the queue: SubmittedAt, or CreatedAt
// for a review stored before submission times were kept.
func (v VideoReview) Queued() time.Time {
	if v.SubmittedAt.IsZero() {
		return v.CreatedAt
	}
	return v.SubmittedAt
}

// NameFor is the procedure's name in lang ("es" or "en"): the English one
// when asked for and given, else the Spanish one.
func (p Procedure) NameFor(lang string) string {
	if lang == "en" && p.NameEN != "" {
		return p.NameEN
	}
	return p.Name
}
