package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// ErrRefused is wrapped by every error of a sanity check, so the RA can
// tell "the CA would not sign this" (a bug or a bad request upstream) from
// a failure of the key store.
var ErrRefused = errors.New("ca: refused to sign")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

func refused(err error) error {
	return fmt.Errorf("%w: %w", ErrRefused, err)
}

// The clock window a caller's notBefore must fall in. The API takes
// notBefore from the RA, so this is what stops a bug or a bad actor there
// from back-dating a certificate (a classic CA incident) or post-dating one.
const (
	maxBackdate = 24 * time.Hour
	maxPostdate = time.Hour
)

// checkPublicKey allows exactly the keys a relying party can trust:
// ECDSA on P-256 or P-384 with a valid point, RSA of 2048 to 8192 bits
// with exponent 65537.
func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return refuse("ECDSA curve %s is not allowed (P-256 or P-384)", curveName(k.Curve))
		}
		// ECDH() validates the point: off-curve or infinity is an error.
		if _, err := k.ECDH(); err != nil {
			return refuse("ECDSA public key is not a valid point: %v", err)
		}
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 2048 || bits > 8192 {
			return refuse("RSA key of %d bits is not allowed (2048 to 8192)", bits)
		}
		if k.E != 65537 {
			return refuse("RSA public exponent %d is not allowed (65537)", k.E)
		}
		if k.N.Bit(0) == 0 {
			return refuse("RSA modulus is even")
		}
	default:
		return refuse("public key of type %T is not allowed (ECDSA P-256/P-384 or RSA)", pub)
	}
	return nil
}

func curveName(c elliptic.Curve) string {
	if c == nil || c.Params() == nil {
		return "(unnamed)"
	}
	return c.Params().Name
}

type equalKey interface{ Equal(crypto.PublicKey) bool }

// sameKey reports whether a and b are the same public key; keys that cannot
// be compared count as the same, so the check fails closed.
func sameKey(a, b crypto.PublicKey) bool {
	ak, ok := a.(equalKey)
	return !ok || ak.Equal(b)
}

// checkValidity keeps a certificate inside its issuer's validity, so that no
// certificate outlives the CA that vouches for it, and its start near the
// CA's own clock.
func checkValidity(notBefore, notAfter, now time.Time, issuer *x509.Certificate) error {
	if notBefore.IsZero() {
		return refuse("no notBefore given")
	}
	if !notAfter.After(notBefore) {
		return refuse("notAfter %s is not after notBefore %s", stamp(notAfter), stamp(notBefore))
	}
	if notBefore.Before(now.Add(-maxBackdate)) {
		return refuse("notBefore %s is more than a day before the CA's clock (%s): the RA and the CA must share a clock", stamp(notBefore), stamp(now))
	}
	if notBefore.After(now.Add(maxPostdate)) {
		return refuse("notBefore %s is more than an hour after the CA's clock (%s): the RA and the CA must share a clock", stamp(notBefore), stamp(now))
	}
	if notBefore.Before(issuer.NotBefore) {
		return refuse("notBefore %s is before the issuer's (%s)", stamp(notBefore), stamp(issuer.NotBefore))
	}
	if notAfter.After(issuer.NotAfter) {
		return refuse("notAfter %s is after the issuer's (%s): the issuing CA must be renewed", stamp(notAfter), stamp(issuer.NotAfter))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newSerial draws a positive 128-bit serial. 128 random bits make a
// collision negligible without a registry of issued serials, and twice the
// 64 bits of entropy that CA/Browser Forum rules ask for.
func newSerial(r io.Reader) (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("ca: reading randomness for a serial: %w", err)
		}
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID is RFC 7093 method 1: the leftmost 160 bits of the SHA-256
// of the subjectPublicKey bits, the same as Go computes for CA templates.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	h := sha256.Sum256(spki.PublicKey.Bytes)
	return h[:20], nil
}
