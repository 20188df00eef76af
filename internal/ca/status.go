package ca

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Revoked is one entry of a CRL.
type Revoked struct {
	Serial    *big.Int
	RevokedAt time.Time
	// Reason is the RFC 5280 reason code; 0 (unspecified) is left out of
	// the CRL entry, as RFC 5280 asks.
	Reason int
}

// Reason codes allowed in end-entity status. There is no suspension
// (certificateHold, 6) and no delta CRLs (removeFromCRL, 8);
// cACompromise (2) is only for the root's CRL, about the issuing CA.
var (
	leafReasons = map[int]bool{
		ocsp.Unspecified:          true,
		ocsp.KeyCompromise:        true,
		ocsp.AffiliationChanged:   true,
		ocsp.Superseded:           true,
		ocsp.CessationOfOperation: true,
		ocsp.PrivilegeWithdrawn:   true,
	}
	caReasons = map[int]bool{
		ocsp.Unspecified:          true,
		ocsp.KeyCompromise:        true,
		ocsp.CACompromise:         true,
		ocsp.AffiliationChanged:   true,
		ocsp.Superseded:           true,
		ocsp.CessationOfOperation: true,
	}
)

// How far ahead status may be signed. Status signed further ahead could not
// be withdrawn after a revocation until it expires; the CA/Browser Forum
// rules cap both OCSP responses and end-entity CRLs at 10 days. The root's
// CRL, signed rarely, may last a year.
const (
	maxStatusValidity  = 10 * 24 * time.Hour
	maxRootCRLValidity = 366 * 24 * time.Hour
)

// SignCRL signs the issuing CA's CRL (DER) listing revoked, with CRL number
// number, an authority key identifier, and reason codes. It is what
// BaseURL+PathCRL serves.
func (c *CA) SignCRL(revoked []Revoked, number *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	return signCRL(c.issuing, c.issuingKey, leafReasons, maxStatusValidity, revoked, number, thisUpdate, nextUpdate)
}

// SignRootCRL signs the root's CRL (DER), which the issuing CA's
// certificate points to (BaseURL+PathRootCRL). It is normally empty; it
// lists the issuing CA only if that CA has to be withdrawn.
func (c *CA) SignRootCRL(revoked []Revoked, number *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	return signCRL(c.root, c.rootKey, caReasons, maxRootCRLValidity, revoked, number, thisUpdate, nextUpdate)
}

func signCRL(issuer *x509.Certificate, key crypto.Signer, reasons map[int]bool, maxValidity time.Duration,
	revoked []Revoked, number *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	if err := checkSerialLike("CRL number", number); err != nil {
		return nil, err
	}
	if err := checkStatusTimes(issuer, thisUpdate, nextUpdate, maxValidity); err != nil {
		return nil, err
	}
	entries := make([]x509.RevocationListEntry, len(revoked))
	seen := make(map[string]bool, len(revoked))
	for i, r := range revoked {
		if err := checkSerialLike("revoked serial", r.Serial); err != nil {
			return nil, err
		}
		key := string(r.Serial.Bytes())
		if seen[key] {
			return nil, refuse("serial %x is listed twice", r.Serial)
		}
		seen[key] = true
		if err := checkRevocation(r.RevokedAt, r.Reason, thisUpdate, reasons); err != nil {
			return nil, fmt.Errorf("%w (serial %x)", err, r.Serial)
		}
		entries[i] = x509.RevocationListEntry{SerialNumber: r.Serial, RevocationTime: r.RevokedAt, ReasonCode: r.Reason}
	}
	tmpl := &x509.RevocationList{
		Number:                    number,
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: entries,
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		return nil, fmt.Errorf("ca: signing CRL: %w", err)
	}
	return der, nil
}

// checkSerialLike checks a serial or CRL number: positive and at most the
// 20 octets RFC 5280 allows.
func checkSerialLike(what string, n *big.Int) error {
	if n == nil || n.Sign() <= 0 {
		return refuse("%s must be positive", what)
	}
	if n.BitLen() > 159 {
		return refuse("%s is longer than 20 octets", what)
	}
	return nil
}

func checkStatusTimes(issuer *x509.Certificate, thisUpdate, nextUpdate time.Time, maxValidity time.Duration) error {
	if thisUpdate.IsZero() || !nextUpdate.After(thisUpdate) {
		return refuse("nextUpdate %s must come after thisUpdate %s", stamp(nextUpdate), stamp(thisUpdate))
	}
	if nextUpdate.Sub(thisUpdate) > maxValidity {
		return refuse("nextUpdate is more than %d days after thisUpdate", maxValidity/(24*time.Hour))
	}
	if thisUpdate.Before(issuer.NotBefore) || thisUpdate.After(issuer.NotAfter) {
		return refuse("thisUpdate %s is outside the issuer's validity (%s to %s)", stamp(thisUpdate), stamp(issuer.NotBefore), stamp(issuer.NotAfter))
	}
	return nil
}

func checkRevocation(revokedAt time.Time, reason int, thisUpdate time.Time, allowed map[int]bool) error {
	if revokedAt.IsZero() {
		return refuse("no revocation time")
	}
	if revokedAt.After(thisUpdate) {
		return refuse("revocation time %s is after thisUpdate %s", stamp(revokedAt), stamp(thisUpdate))
	}
	if !allowed[reason] {
		return refuse("revocation reason %d is not allowed here", reason)
	}
	return nil
}
