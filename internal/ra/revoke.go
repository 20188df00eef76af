package ra

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// RevocationReasons maps the names the CLI accepts to RFC 5280 codes. There
// is no certificateHold: llavero does not suspend.
var RevocationReasons = map[string]int{
	"unspecified":          ocsp.Unspecified,
	"keyCompromise":        ocsp.KeyCompromise,
	"affiliationChanged":   ocsp.AffiliationChanged,
	"superseded":           ocsp.Superseded,
	"cessationOfOperation": ocsp.CessationOfOperation,
}

// ErrReason is an unknown revocation reason.
var ErrReason = i18n.New("revoke.reason",
	i18n.T("Ese motivo de revocación no existe.", "That revocation reason does not exist."),
	i18n.T("Usa keyCompromise (si alguien más pudo usar tu clave), superseded, cessationOfOperation, affiliationChanged o unspecified.",
		"Use keyCompromise (if someone else may have used your key), superseded, cessationOfOperation, affiliationChanged or unspecified."))

// Revoke revokes a certificate, publishes its new status at once (OCSP
// entry re-signed, CRL regenerated) and emails the holder.
func (r *RA) Revoke(ctx context.Context, serial string, reason int, actor string) (store.Certificate, error) {
	now := r.now().UTC().Truncate(time.Second)
	var out store.Certificate
	err := r.st.InTx(ctx, func(tx store.Tx) error {
		c, err := tx.UpdateCertificate(ctx, serial, func(c *store.Certificate) error {
			if !c.RevokedAt.IsZero() {
				return ErrNotRevocable
			}
			c.RevokedAt, c.RevocationReason = now, reason
			return nil
		})
		if err != nil {
			return err
		}
		out = c
		_, err = r.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: "cert.revoke", Subject: c.PersonID, Outcome: audit.OK,
			Detail: map[string]any{"serial": serial, "reason": reason}})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Certificate{}, ErrCertUnknown
	}
	if err != nil {
		return store.Certificate{}, err
	}
	r.status.forget(serial)
	if _, err := r.resign(ctx, serial, now); err != nil {
		return out, fmt.Errorf("revoked, but the OCSP answer was not re-signed (the refresher will retry): %w", err)
	}
	if _, err := r.RegenerateCRL(ctx); err != nil {
		return out, fmt.Errorf("revoked, but the CRL was not regenerated (the daily run will retry): %w", err)
	}
	if out.ApplicationID != "" {
		if app, err := r.st.GetApplication(ctx, out.ApplicationID); err == nil {
			r.mail(ctx, app, mailRevoked(out))
		}
	}
	return out, nil
}

// Holder authenticates a citizen by the certificate they presented over
// TLS: one this CA issued to a person, unrevoked and in date.
func (r *RA) Holder(ctx context.Context, cert *x509.Certificate) (store.Certificate, error) {
	if cert == nil {
		return store.Certificate{}, ErrCertUnknown
	}
	c, err := r.st.GetCertificate(ctx, SerialHex(cert.SerialNumber))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!bytes.Equal(c.DER, cert.Raw) || c.Kind != store.CertPerson)) {
		return store.Certificate{}, ErrCertUnknown
	}
	if err != nil {
		return store.Certificate{}, err
	}
	if !c.RevokedAt.IsZero() || r.now().After(c.NotAfter) {
		return store.Certificate{}, ErrRenewExpired
	}
	return c, nil
}

// RenewalOpens is the first moment a certificate may be renewed online.
func (r *RA) RenewalOpens(c store.Certificate) time.Time { return c.NotAfter.Add(-r.cfg.RenewalWindow) }

// Renew issues a new certificate for a new key to the holder of a valid
// certificate, once, inside the renewal window, when the registry still
// says what the old certificate says. The new certificate comes back at
// once: the old one already proves who is asking.
func (r *RA) Renew(ctx context.Context, old *x509.Certificate, csrData []byte) (store.Certificate, error) {
	c, err := r.Holder(ctx, old)
	if err != nil {
		return store.Certificate{}, err
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	switch {
	case c.RenewedBy != "":
		return store.Certificate{}, ErrRenewTwice
	case now.Before(r.RenewalOpens(c)):
		e := *ErrRenewWindow
		e.Msg = i18n.Tf("Todavía no puedes renovar este certificado: la renovación abre el %s.", "You cannot renew this certificate yet: renewal opens on %s.", day(r.RenewalOpens(c)))
		return store.Certificate{}, &e
	}
	csr, err := ParseCSR(csrData)
	if err != nil {
		return store.Certificate{}, err
	}
	person, err := r.st.GetPerson(ctx, c.PersonID)
	if err != nil {
		return store.Certificate{}, ErrRenewChanged.Wrap(err)
	}
	oldApp, err := r.st.GetApplication(ctx, c.ApplicationID)
	if err != nil {
		return store.Certificate{}, err
	}
	if !sameName(old, personFor(person, "")) || (oldApp.DocumentNumber != "" && oldApp.DocumentNumber != person.DocumentNumber) {
		return store.Certificate{}, ErrRenewChanged
	}
	return r.applyRenewal(ctx, oldApp, person, csr, c.Serial)
}

func (r *RA) applyRenewal(ctx context.Context, oldApp store.Application, person store.Person, csr *x509.CertificateRequest, oldSerial string) (store.Certificate, error) {
	now := r.now().UTC().Truncate(time.Microsecond)
	id, err := r.randomID()
	if err != nil {
		return store.Certificate{}, err
	}
	code, err := r.newCode()
	if err != nil {
		return store.Certificate{}, err
	}
	cert, err := r.ca.IssuePerson(ctx, csr.PublicKey, personFor(person, oldApp.Email), now)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("renew: issue: %w", err)
	}
	rec := certRecord(cert, store.CertPerson, person.ID, id, now)
	ocspDER, err := r.signGood(cert.SerialNumber, now)
	if err != nil {
		return store.Certificate{}, err
	}
	app := store.Application{
		ID: id, CodeHash: HashCode(code), PersonID: person.ID, Email: oldApp.Email, Lang: oldApp.Lang,
		PublicKey: csr.RawSubjectPublicKeyInfo, KeyFingerprint: Fingerprint(csr.RawSubjectPublicKeyInfo),
		State: store.AppDownloaded, RenewalOf: oldSerial, CreatedAt: now, ExpiresAt: now, DecidedAt: now, DownloadedAt: now,
		DocumentType: oldApp.DocumentType, DocumentNumber: oldApp.DocumentNumber, DocumentExpiry: oldApp.DocumentExpiry,
		CertSerial: rec.Serial,
	}
	err = r.st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.UpdateCertificate(ctx, oldSerial, func(c *store.Certificate) error {
			if c.RenewedBy != "" {
				return ErrRenewTwice
			}
			c.RenewedBy = rec.Serial
			return nil
		}); err != nil {
			return err
		}
		if err := tx.CreateApplication(ctx, app); err != nil {
			return err
		}
		if err := tx.CreateCertificate(ctx, rec); err != nil {
			return err
		}
		if err := tx.PutOCSP(ctx, store.OCSPEntry{Serial: rec.Serial, DER: ocspDER, ThisUpdate: now, NextUpdate: now.Add(r.cfg.OCSPValidity)}); err != nil {
			return err
		}
		_, err := r.audit.Record(ctx, tx, audit.Event{Actor: "citizen:" + person.ID, Action: "cert.renew", Subject: person.ID, Outcome: audit.OK,
			Detail: map[string]any{"old_serial": oldSerial, "serial": rec.Serial}})
		return err
	})
	if err != nil {
		return store.Certificate{}, err
	}
	return rec, nil
}

// sameName reports whether a certificate still names the person as the
// registry does; a changed name needs a new identity check.
func sameName(c *x509.Certificate, p ca.Person) bool {
	var given, surname string
	for _, n := range c.Subject.Names {
		v, _ := n.Value.(string)
		switch {
		case n.Type.Equal(oidGivenName):
			given = v
		case n.Type.Equal(oidSurname):
			surname = v
		}
	}
	want := strings.TrimSpace(p.FirstSurname + " " + p.SecondSurname)
	return strings.EqualFold(given, p.GivenName) && strings.EqualFold(surname, want)
}

var (
	oidGivenName = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidSurname   = asn1.ObjectIdentifier{2, 5, 4, 4}
)
