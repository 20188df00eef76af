package ra

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// Desk is an operator at their office, as authenticated by their operator
// certificate.
type Desk struct {
	Operator store.Operator
	Office   store.Office
}

func (d Desk) actor() string { return "operator:" + d.Operator.ID }

// DeskFor authenticates an operator by the certificate they presented over
// TLS: it must be an operator certificate this platform issued, unrevoked,
// in date, belonging to an enabled operator.
func (r *RA) DeskFor(ctx context.Context, cert *x509.Certificate) (Desk, error) {
	if cert == nil {
		return Desk{}, ErrOperator
	}
	c, err := r.st.GetCertificate(ctx, SerialHex(cert.SerialNumber))
	if err != nil || c.Kind != store.CertOperator || !c.RevokedAt.IsZero() || !bytes.Equal(c.DER, cert.Raw) {
		return Desk{}, ErrOperator
	}
	now := r.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return Desk{}, ErrOperator
	}
	op, err := r.st.GetOperatorByCert(ctx, c.Serial)
	if err != nil || op.Disabled {
		return Desk{}, ErrOperator
	}
	off, err := r.st.GetOffice(ctx, op.OfficeID)
	if err != nil {
		return Desk{}, err
	}
	return Desk{Operator: op, Office: off}, nil
}

// SerialHex is how serials are written in the store, the API and the CLI.
func SerialHex(n *big.Int) string { return n.Text(16) }

// Case is what an operator sees for one person: who they are in the
// registry and every application of theirs, so one visit settles all.
type Case struct {
	Person       store.Person
	Applications []AppView
}

// AppView is an application with what its state means today.
type AppView struct {
	store.Application
	Expired bool // pending past its deadline
}

// Find looks a person up by application code or by identifier.
func (r *RA) Find(ctx context.Context, d Desk, query string) (Case, error) {
	q := strings.TrimSpace(query)
	var personID string
	if id, err := identity.ParseID(q); err == nil {
		personID = id.Value
	} else if app, aerr := r.st.GetApplicationByCode(ctx, HashCode(q)); aerr == nil {
		personID = app.PersonID
	} else if errors.Is(aerr, store.ErrNotFound) {
		if NormalizeCode(q) != "" && len(NormalizeCode(q)) == 12 {
			return Case{}, ErrWrongCode
		}
		return Case{}, err
	} else {
		return Case{}, aerr
	}
	p, err := registry.New(r.st).Lookup(ctx, personID)
	if err != nil {
		return Case{}, err
	}
	apps, err := r.st.ListApplications(ctx, store.ApplicationFilter{PersonID: personID, Limit: 50})
	if err != nil {
		return Case{}, err
	}
	now := r.now()
	c := Case{Person: p}
	for _, a := range apps {
		c.Applications = append(c.Applications, AppView{Application: a, Expired: a.State == store.AppPending && now.After(a.ExpiresAt)})
	}
	return c, nil
}

// Check is what the operator records about the document in front of them.
type Check struct {
	DocumentType   string
	DocumentNumber string
	DocumentExpiry time.Time
	// KeyOnToken is the operator's word that the application's key was
	// generated on a cryptographic token (smart card, USB token) the
	// person showed at the desk and cannot be copied off it. The
	// certificate then carries the CA's token policy, which deployments
	// accept for the high level of assurance.
	KeyOnToken bool
}

// Approve records the operator's check of the person's document for an
// application. The registry decides: an unknown person, an expired
// document or one that does not match the registry refuses the application
// (the citizen is emailed the reason) and the operator gets the same reason
// as the error. A good check issues the certificate.
func (r *RA) Approve(ctx context.Context, d Desk, appID string, chk Check) (store.Certificate, error) {
	if !handles(d.Office, "certificate") {
		return store.Certificate{}, ErrOfficeCannot
	}
	app, err := r.st.GetApplication(ctx, appID)
	if err != nil {
		return store.Certificate{}, err
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	if err := pendingAndCurrent(app, now); err != nil {
		return store.Certificate{}, err
	}
	person, err := r.st.GetPerson(ctx, app.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Certificate{}, r.refuse(ctx, d, app, "registry.not_found", "", chk, registry.ErrNotInRegistry)
	}
	if err != nil {
		return store.Certificate{}, err
	}
	// A typing slip in the operator's record is theirs to correct; it must
	// not refuse the person's application.
	if err := checkFormat(&chk); err != nil {
		return store.Certificate{}, err
	}
	if code, cause := documentProblem(person, chk, now); code != "" {
		return store.Certificate{}, r.refuse(ctx, d, app, code, "", chk, cause)
	}

	pub, err := x509.ParsePKIXPublicKey(app.PublicKey)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("approve: stored key: %w", err)
	}
	holder := personFor(person, app.Email)
	holder.Token = chk.KeyOnToken
	cert, err := r.ca.IssuePerson(ctx, pub, holder, now)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("approve: issue: %w", err)
	}
	rec := certRecord(cert, store.CertPerson, person.ID, app.ID, now)
	ocspDER, err := r.signGood(cert.SerialNumber, now)
	if err != nil {
		return store.Certificate{}, err
	}
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateApplication(ctx, app.ID, func(a *store.Application) error {
			if err := pendingAndCurrent(*a, now); err != nil {
				return err
			}
			a.State, a.DecidedAt, a.OfficeID, a.OperatorID = store.AppApproved, now, d.Office.ID, d.Operator.ID
			a.DocumentType, a.DocumentNumber, a.DocumentExpiry = person.DocumentType, person.DocumentNumber, chk.DocumentExpiry
			a.CertSerial = rec.Serial
			return nil
		}); err != nil {
			return err
		}
		if err := tx.CreateCertificate(ctx, rec); err != nil {
			return err
		}
		if err := tx.PutOCSP(ctx, store.OCSPEntry{Serial: rec.Serial, DER: ocspDER, ThisUpdate: now, NextUpdate: now.Add(r.cfg.OCSPValidity)}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: d.actor(), Action: "cert.approve", Subject: person.ID, Outcome: audit.OK,
			Detail: map[string]any{"application": app.ID, "office": d.Office.ID, "serial": rec.Serial, "document_type": person.DocumentType, "key_on_token": chk.KeyOnToken}})
		return err
	})
	if err != nil {
		return store.Certificate{}, err
	}
	r.status.forget(rec.Serial)
	r.mail(ctx, app, mailReady(r.cfg.PublicURL, app, person.FirstSurname, cert.NotAfter))
	return rec, nil
}

// Refuse records an operator's refusal with one of RefusalReasons; note is
// required for "other" and goes to the citizen.
func (r *RA) Refuse(ctx context.Context, d Desk, appID, reason, note string) error {
	if _, ok := refusalReasons[reason]; !ok || (reason == "other" && strings.TrimSpace(note) == "") {
		return ErrRefusalReason
	}
	app, err := r.st.GetApplication(ctx, appID)
	if err != nil {
		return err
	}
	if err := pendingAndCurrent(app, r.now()); err != nil {
		return err
	}
	err = r.refuse(ctx, d, app, reason, strings.TrimSpace(note), Check{}, nil)
	var ie *i18n.Error
	if errors.As(err, &ie) && ie.Code == "office.refused" {
		return nil
	}
	return err
}

// errRefusedAtDesk wraps the reason an application was refused at the desk,
// for the operator's screen.
var errRefusedAtDesk = i18n.New("office.refused",
	i18n.T("Solicitud rechazada. Se ha enviado el motivo a la persona por correo.", "Application refused. The reason was emailed to the person."),
	i18n.T("Explícale el motivo y qué hacer; lo tiene también en su correo.", "Explain the reason and what to do; they also have it by email."))

// refuse records the refusal, emails the citizen and returns the cause (if
// the registry decided) for the operator, or errRefusedAtDesk.
func (r *RA) refuse(ctx context.Context, d Desk, app store.Application, reason, note string, chk Check, cause error) error {
	now := r.now().UTC().Truncate(time.Microsecond)
	err := r.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateApplication(ctx, app.ID, func(a *store.Application) error {
			if err := pendingAndCurrent(*a, now); err != nil {
				return err
			}
			a.State, a.DecidedAt, a.OfficeID, a.OperatorID, a.RefusalCode = store.AppRefused, now, d.Office.ID, d.Operator.ID, reason
			a.DocumentType, a.DocumentNumber, a.DocumentExpiry = chk.DocumentType, chk.DocumentNumber, chk.DocumentExpiry
			return nil
		}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: d.actor(), Action: "cert.refuse", Subject: app.PersonID, Outcome: audit.Refused,
			Detail: map[string]any{"application": app.ID, "office": d.Office.ID, "reason": reason}})
		return err
	})
	if err != nil {
		return err
	}
	text := refusalReasons[reason]
	if reason == "other" {
		text = i18n.T(text.ES+note, text.EN+note)
	}
	r.mail(ctx, app, mailRefused(app, text))
	if cause != nil {
		return cause
	}
	return errRefusedAtDesk
}

func handles(o store.Office, what string) bool {
	for _, h := range o.Handles {
		if h == what {
			return true
		}
	}
	return false
}

func pendingAndCurrent(a store.Application, now time.Time) error {
	switch {
	case a.State != store.AppPending:
		return ErrNotPending
	case now.After(a.ExpiresAt):
		return ErrCodeExpired
	}
	return nil
}

// documentProblem compares the document the operator holds with the
// registry. An expired document comes first: it is the one the person can
// fix themselves, and the fix (renewal) also updates the registry.
func documentProblem(p store.Person, chk Check, now time.Time) (string, error) {
	doc := identity.Document{Type: identity.DocType(chk.DocumentType), Number: chk.DocumentNumber, Expiry: chk.DocumentExpiry}
	if err := doc.CheckValid(now); err != nil {
		return "document.expired", err
	}
	if chk.DocumentType != p.DocumentType || chk.DocumentNumber != p.DocumentNumber || !sameDay(chk.DocumentExpiry, p.DocumentExpiry) {
		return "office.document_mismatch", ErrDocumentMismatch
	}
	reg := identity.Document{Type: doc.Type, Number: doc.Number, Expiry: p.DocumentExpiry}
	if err := reg.CheckValid(now); err != nil {
		return "document.expired", err
	}
	return "", nil
}

// checkFormat puts the operator's record in canonical form, or says what is
// malformed in it.
func checkFormat(chk *Check) error {
	t, err := identity.ParseDocType(chk.DocumentType)
	if err != nil {
		return err
	}
	num, err := identity.ParseDocumentNumber(t, chk.DocumentNumber)
	if err != nil {
		return err
	}
	if chk.DocumentExpiry.IsZero() {
		return identity.ErrDocumentNoExpiry
	}
	chk.DocumentType, chk.DocumentNumber = string(t), num
	return nil
}

// RevokeAtDesk is an office revoking a citizen's certificate (the person
// asked, or the certificate is known to be misused). Operators cannot
// revoke operator or server certificates: that is the administrator's.
func (r *RA) RevokeAtDesk(ctx context.Context, d Desk, serial string, reason int) (store.Certificate, error) {
	c, err := r.st.GetCertificate(ctx, serial)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.Kind != store.CertPerson) {
		return store.Certificate{}, ErrCertUnknown
	}
	if err != nil {
		return store.Certificate{}, err
	}
	return r.Revoke(ctx, serial, reason, d.actor())
}

func sameDay(a, b time.Time) bool {
	return a.Format(time.DateOnly) == b.Format(time.DateOnly)
}

func personFor(p store.Person, email string) ca.Person {
	return ca.Person{ID: p.ID, GivenName: p.GivenName, FirstSurname: p.FirstSurname, SecondSurname: p.SecondSurname, Email: email}
}

func certRecord(c *x509.Certificate, kind, holder, appID string, now time.Time) store.Certificate {
	return store.Certificate{
		Serial: SerialHex(c.SerialNumber), Kind: kind, PersonID: holder, ApplicationID: appID, DER: c.Raw,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), CreatedAt: now,
	}
}

func (r *RA) signGood(serial *big.Int, now time.Time) ([]byte, error) {
	der, err := r.ca.SignOCSP(serial, ocsp.Good, time.Time{}, 0, now, now.Add(r.cfg.OCSPValidity))
	if err != nil {
		return nil, fmt.Errorf("sign OCSP: %w", err)
	}
	return der, nil
}

// ApplicationForCode finds the application an operator is handed a code
// for, so the CLI and the console can act on "the application with this
// code" without the operator seeing internal IDs.
func (r *RA) ApplicationForCode(ctx context.Context, code string) (store.Application, error) {
	app, err := r.st.GetApplicationByCode(ctx, HashCode(code))
	if errors.Is(err, store.ErrNotFound) {
		return store.Application{}, ErrWrongCode
	}
	return app, err
}

// CheckDocument is the office's document check against the registry, for
// other services that register people at a desk (account registration):
// a malformed record is the operator's to correct (refusal code ""), an
// expired or mismatching document is the person's (a refusal code).
func CheckDocument(p store.Person, chk Check, now time.Time) (refusal string, err error) {
	if err := checkFormat(&chk); err != nil {
		return "", err
	}
	return documentProblem(p, chk, now)
}
