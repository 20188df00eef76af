// Package ra is the registration authority: it decides who gets a
// certificate. It takes applications (a CSR and an email), lets office
// operators check a person's document against the population registry,
// asks the CA to issue, hands the certificate to whoever proves they hold
// the key, and handles renewal, revocation and the published status (OCSP,
// CRL). It is the only caller of package ca: the CA signs, the RA decides.
//
// Every decision runs in one store transaction with its audit event, and
// every refusal is an *i18n.Error that says what to do next.
package ra

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// Issuer is what the RA needs of the certificate authority.
type Issuer interface {
	IssuePerson(ctx context.Context, pub crypto.PublicKey, p ca.Person, notBefore time.Time) (*x509.Certificate, error)
	SignOCSP(serial *big.Int, status int, revokedAt time.Time, reason int, thisUpdate, nextUpdate time.Time) ([]byte, error)
	SignCRL(revoked []ca.Revoked, number *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error)
	Chain() []*x509.Certificate
}

// Notifier sends the emails of the certificate's life; EmailIn records
// the email in the outbox through the caller's transaction, for reminders
// claimed in that transaction. *notify.Notifier is one.
type Notifier interface {
	Email(ctx context.Context, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error)
	EmailIn(ctx context.Context, tx notify.OutboxStore, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error)
}

// Config holds the RA's rules; zero values take DOMAIN.md's defaults.
type Config struct {
	CodeTTL       time.Duration // how long an application code is valid: 30 days
	RenewalWindow time.Duration // renewal opens this long before expiry: 60 days
	DownloadTries int           // failed downloads per person per hour before a lockout: 10
	PublicURL     string        // for links in emails
	OCSPValidity  time.Duration // how long a signed OCSP response is valid: 4 days
	CRLValidity   time.Duration // NextUpdate of the CRL: 7 days (regenerated daily)
}

// RA is the registration authority.
type RA struct {
	st     store.Store
	ca     Issuer
	notify Notifier
	audit  *audit.Log
	cfg    Config
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	status *statusCache
}

// New returns an RA. now and rnd may be nil for the real clock and
// crypto/rand; tests move the clock.
func New(st store.Store, issuer Issuer, n Notifier, cfg Config, now func() time.Time, rnd io.Reader, log *slog.Logger) *RA {
	if cfg.CodeTTL == 0 {
		cfg.CodeTTL = 30 * 24 * time.Hour
	}
	if cfg.RenewalWindow == 0 {
		cfg.RenewalWindow = 60 * 24 * time.Hour
	}
	if cfg.DownloadTries == 0 {
		cfg.DownloadTries = 10
	}
	if cfg.OCSPValidity == 0 {
		cfg.OCSPValidity = 4 * 24 * time.Hour
	}
	if cfg.CRLValidity == 0 {
		cfg.CRLValidity = 7 * 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if log == nil {
		log = slog.Default()
	}
	return &RA{st: st, ca: issuer, notify: n, audit: audit.New(now, rnd), cfg: cfg, now: now, rand: rnd, log: log,
		status: &statusCache{ttl: 2 * time.Second, ocsp: map[string]cached{}}}
}

// Config returns the rules in force (with defaults filled in).
func (r *RA) Config() Config { return r.cfg }

// codeAlphabet leaves out 0/O and 1/I, which people misread from an email.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// newCode returns an application code: 12 symbols of 5 bits (60 bits), shown
// as XXXX-XXXX-XXXX. Guessing is bounded by the download rate limit.
func (r *RA) newCode() (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(r.rand, b[:]); err != nil {
		return "", err
	}
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[c&31])
	}
	return string(out), nil
}

// NormalizeCode makes a typed code comparable: case, spaces and hyphens do
// not matter.
func NormalizeCode(s string) string {
	s = strings.ToUpper(s)
	var b strings.Builder
	for _, c := range s {
		if c == ' ' || c == '-' || c == '\t' {
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// HashCode is how a code is stored: a SHA-256 of its normal form. Codes
// carry 60 random bits and guesses are rate limited, so a fast hash is
// enough, and it lets the code itself be the lookup key.
func HashCode(code string) string {
	h := sha256.Sum256([]byte("llavero-application-code\x00" + NormalizeCode(code)))
	return hex.EncodeToString(h[:])
}

func (r *RA) randomID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r.rand, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// ParseCSR reads a PEM or DER certificate request, checks its signature and
// that its key is one the CA issues for.
func ParseCSR(data []byte) (*x509.CertificateRequest, error) {
	if blk, _ := pem.Decode(data); blk != nil {
		if blk.Type != "CERTIFICATE REQUEST" && blk.Type != "NEW CERTIFICATE REQUEST" {
			return nil, ErrCSR.Wrap(fmt.Errorf("PEM block %q", blk.Type))
		}
		data = blk.Bytes
	}
	csr, err := x509.ParseCertificateRequest(data)
	if err != nil {
		return nil, ErrCSR.Wrap(err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, ErrCSR.Wrap(err)
	}
	if err := CheckKey(csr.PublicKey); err != nil {
		return nil, err
	}
	return csr, nil
}

// CheckKey accepts ECDSA P-256/P-384 and RSA of 2048 bits or more with the
// usual public exponent.
func CheckKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() || k.Curve == elliptic.P384() {
			return nil
		}
	case *rsa.PublicKey:
		if k.N.BitLen() >= 2048 && k.E == 65537 {
			return nil
		}
	}
	return ErrWeakKey
}

// Fingerprint is the hex SHA-256 of a DER SubjectPublicKeyInfo.
func Fingerprint(spki []byte) string {
	h := sha256.Sum256(spki)
	return hex.EncodeToString(h[:])
}

// ApplyRequest is what a citizen's tool sends to apply for a certificate.
type ApplyRequest struct {
	ID      string // DNI/NIE as typed
	Surname string // first surname as typed
	Email   string
	CSR     []byte // PEM or DER
	Lang    i18n.Lang
	// RenewalOf, set only by Renew, links the application to the
	// certificate it replaces.
	renewalOf string
}

// ApplyResult is what the citizen gets back.
type ApplyResult struct {
	ApplicationID string
	Code          string
	ExpiresAt     time.Time
	PersonID      string
	Bring         i18n.Text      // the documents to take to the office
	Offices       []store.Office // offices that check identities for certificates
}

// Apply checks a request against the registry and records the application;
// the code goes back in the answer and by email. The registry is the judge
// of who exists: an unknown identifier or a surname that does not match
// stops the request here, before anyone travels to an office.
func (r *RA) Apply(ctx context.Context, req ApplyRequest) (ApplyResult, error) {
	person, err := registry.New(r.st).Lookup(ctx, req.ID)
	if err != nil {
		return ApplyResult{}, err
	}
	if err := identity.CheckSurname(req.Surname, person.FirstSurname); err != nil {
		return ApplyResult{}, err
	}
	email := strings.TrimSpace(req.Email)
	if !identity.IsEmail(email) {
		return ApplyResult{}, ErrEmail
	}
	csr, err := ParseCSR(req.CSR)
	if err != nil {
		return ApplyResult{}, err
	}
	code, err := r.newCode()
	if err != nil {
		return ApplyResult{}, err
	}
	id, err := r.randomID()
	if err != nil {
		return ApplyResult{}, err
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	lang := req.Lang
	if lang == "" {
		lang = i18n.ES
	}
	app := store.Application{
		ID: id, CodeHash: HashCode(code), PersonID: person.ID, Email: email, Lang: string(lang),
		PublicKey: csr.RawSubjectPublicKeyInfo, KeyFingerprint: Fingerprint(csr.RawSubjectPublicKeyInfo),
		State: store.AppPending, RenewalOf: req.renewalOf, CreatedAt: now, ExpiresAt: now.Add(r.cfg.CodeTTL),
	}
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		// One key, one application: a reused key would let two
		// applications share a proof of possession.
		same, err := tx.ListApplications(ctx, store.ApplicationFilter{KeyFingerprint: app.KeyFingerprint, Limit: 1})
		if err != nil {
			return err
		}
		if len(same) > 0 {
			return ErrKeyInUse
		}
		if err := tx.CreateApplication(ctx, app); err != nil {
			return err
		}
		_, err = r.audit.Record(ctx, tx, audit.Event{Actor: "citizen:" + person.ID, Action: "cert.apply", Subject: person.ID, Outcome: audit.OK,
			Detail: map[string]any{"application": id, "key": app.KeyFingerprint[:16], "renewal_of": req.renewalOf}})
		return err
	})
	if err != nil {
		return ApplyResult{}, err
	}
	offices, err := r.OfficesFor(ctx, "certificate")
	if err != nil {
		return ApplyResult{}, err
	}
	if req.renewalOf == "" {
		r.mail(ctx, app, mailApplied(r.cfg.PublicURL, app, code, person.FirstSurname, person.DocumentType, offices))
	}
	return ApplyResult{ApplicationID: id, Code: code, ExpiresAt: app.ExpiresAt, PersonID: person.ID,
		Bring: whatToBring(person.DocumentType), Offices: offices}, nil
}

// OfficesFor lists the offices that handle a kind of check.
func (r *RA) OfficesFor(ctx context.Context, handles string) ([]store.Office, error) {
	all, err := r.st.ListOffices(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Office
	for _, o := range all {
		for _, h := range o.Handles {
			if h == handles {
				out = append(out, o)
				break
			}
		}
	}
	return out, nil
}

// mail sends an email and logs, without the body, when it cannot: the
// decision it reports is already committed and must not be undone by a
// mail server being down.
func (r *RA) mail(ctx context.Context, app store.Application, m message) {
	lang := langOf(app)
	if _, err := r.notify.Email(ctx, app.Email, app.PersonID, lang, m.subject.In(lang), m.body.In(lang)); err != nil {
		r.log.Error("email not sent", "application", app.ID, "kind", m.kind, "err", err)
	}
}

// lookupByCode finds the application for an identifier and a code, under
// the attempt limit that makes codes unguessable in practice: every try
// counts, per person and per client, and a success clears the person's
// counter (see clearAttempts). A wrong identifier and a wrong code get the
// same answer, so it does not tell a guesser which half was right.
func (r *RA) lookupByCode(ctx context.Context, rawID, code, clientKey string) (store.Application, store.Person, error) {
	id, err := identity.ParseID(rawID)
	if err != nil {
		return store.Application{}, store.Person{}, err
	}
	now := r.now()
	for _, k := range attemptKeys(id.Value, clientKey) {
		n, err := r.st.CountAttempt(ctx, k, now, time.Hour)
		if err != nil {
			return store.Application{}, store.Person{}, err
		}
		if n > r.cfg.DownloadTries {
			return store.Application{}, store.Person{}, ErrTooManyTries
		}
	}
	app, err := r.st.GetApplicationByCode(ctx, HashCode(code))
	if errors.Is(err, store.ErrNotFound) || (err == nil && app.PersonID != id.Value) {
		return store.Application{}, store.Person{}, ErrWrongCode
	}
	if err != nil {
		return store.Application{}, store.Person{}, err
	}
	person, err := r.st.GetPerson(ctx, app.PersonID)
	if err != nil {
		return store.Application{}, store.Person{}, err
	}
	return app, person, nil
}

func attemptKeys(personID, clientKey string) []string {
	keys := []string{"code:id:" + personID}
	if clientKey != "" {
		keys = append(keys, "code:client:"+clientKey)
	}
	return keys
}

// clearAttempts forgets a person's tries after they proved they hold the
// code and the key; the per-client counter stays, so one address cannot
// try many people's codes.
func (r *RA) clearAttempts(ctx context.Context, personID string) {
	if err := r.st.ResetAttempts(ctx, "code:id:"+personID); err != nil {
		r.log.Warn("attempt counter not reset", "err", err)
	}
}

func langOf(app store.Application) i18n.Lang {
	l, _ := i18n.Parse(app.Lang)
	return l
}
