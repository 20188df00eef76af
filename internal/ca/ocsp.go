package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// The response is encoded here rather than by ocsp.CreateResponse, which
// stamps producedAt with the wall clock cut to the minute: a response with
// thisUpdate = now then has thisUpdate after producedAt (which RFC 6960 2.4
// forbids, and zlint flags), and the CA's injected clock is ignored. The
// encoding follows RFC 6960 4.2.1; the tests parse it with x/crypto/ocsp,
// openssl and zlint.

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

// ocspSigner holds what every response of one issuer shares, computed once.
type ocspSigner struct {
	certIDPrefix []byte // CertID's hashAlgorithm, issuerNameHash, issuerKeyHash
	responderID  []byte // byName [1] EXPLICIT Name
	sigAlg       []byte // AlgorithmIdentifier
	hash         crypto.Hash
}

func newOCSPSigner(issuer *x509.Certificate) (*ocspSigner, error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, err
	}
	// SHA-1 CertIDs are what clients send (openssl, NSS, Windows); the hash
	// only names the issuer, it is not a signature.
	nameHash := sha1.Sum(issuer.RawSubject)
	keyHash := sha1.Sum(spki.PublicKey.RightAlign())
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26})
		b.AddASN1NULL()
	})
	b.AddASN1OctetString(nameHash[:])
	b.AddASN1OctetString(keyHash[:])
	prefix, err := b.Bytes()
	if err != nil {
		return nil, err
	}

	s := &ocspSigner{certIDPrefix: prefix}
	var sigOID asn1.ObjectIdentifier
	withNull := false
	switch k := issuer.PublicKey.(type) {
	case *ecdsa.PublicKey:
		s.hash, sigOID = crypto.SHA256, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
		if k.Curve == elliptic.P384() {
			s.hash, sigOID = crypto.SHA384, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
		}
	case *rsa.PublicKey:
		s.hash, sigOID, withNull = crypto.SHA256, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, true
	default:
		return nil, fmt.Errorf("ca: no OCSP signature algorithm for a %T issuer", issuer.PublicKey)
	}
	var alg cryptobyte.Builder
	alg.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(sigOID)
		if withNull {
			b.AddASN1NULL()
		}
	})
	if s.sigAlg, err = alg.Bytes(); err != nil {
		return nil, err
	}
	var rid cryptobyte.Builder
	rid.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddBytes(issuer.RawSubject)
	})
	if s.responderID, err = rid.Bytes(); err != nil {
		return nil, err
	}
	return s, nil
}

// SignOCSP signs an OCSP response (DER) about serial with the issuing CA's
// own key: the responder is the CA, so clients need no delegated responder
// certificate. status is ocsp.Good, ocsp.Revoked or ocsp.Unknown; revokedAt
// and reason only with ocsp.Revoked. producedAt is the CA's clock, which
// thisUpdate may not be after.
func (c *CA) SignOCSP(serial *big.Int, status int, revokedAt time.Time, reason int, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	if err := checkSerialLike("serial", serial); err != nil {
		return nil, err
	}
	if err := checkStatusTimes(c.issuing, thisUpdate, nextUpdate, maxStatusValidity); err != nil {
		return nil, err
	}
	producedAt := c.now().UTC().Truncate(time.Second)
	if thisUpdate.Truncate(time.Second).After(producedAt) {
		return nil, refuse("thisUpdate %s is after the CA's clock (%s): status cannot be known in the future", stamp(thisUpdate), stamp(producedAt))
	}
	switch status {
	case ocsp.Revoked:
		if err := checkRevocation(revokedAt, reason, thisUpdate, leafReasons); err != nil {
			return nil, err
		}
	case ocsp.Good, ocsp.Unknown:
		if !revokedAt.IsZero() || reason != 0 {
			return nil, refuse("a revocation time or reason given with a status that is not revoked")
		}
	default:
		return nil, refuse("OCSP status %d is not good, revoked or unknown", status)
	}

	s := c.ocsp
	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseData, version v1 by default
		b.AddBytes(s.responderID)
		b.AddASN1GeneralizedTime(producedAt)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // responses
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SingleResponse
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertID
					b.AddBytes(s.certIDPrefix)
					b.AddASN1BigInt(serial)
				})
				switch status {
				case ocsp.Good:
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(*cryptobyte.Builder) {})
				case ocsp.Revoked:
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(revokedAt.UTC())
						// Like a CRL entry, unspecified is said by saying nothing.
						if reason != ocsp.Unspecified {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1Enum(int64(reason))
							})
						}
					})
				case ocsp.Unknown:
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(*cryptobyte.Builder) {})
				}
				b.AddASN1GeneralizedTime(thisUpdate.UTC())
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1GeneralizedTime(nextUpdate.UTC())
				})
			})
		})
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, fmt.Errorf("ca: encoding OCSP response: %w", err)
	}
	h := s.hash.New()
	h.Write(tbsDER)
	sig, err := c.issuingKey.Sign(rand.Reader, h.Sum(nil), s.hash)
	if err != nil {
		return nil, fmt.Errorf("ca: signing OCSP response: %w", err)
	}

	var out cryptobyte.Builder
	out.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // OCSPResponse
		b.AddASN1Enum(0) // successful
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseBytes
				b.AddASN1ObjectIdentifier(oidOCSPBasic)
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // BasicOCSPResponse
						b.AddBytes(tbsDER)
						b.AddBytes(s.sigAlg)
						b.AddASN1BitString(sig)
					})
				})
			})
		})
	})
	return out.Bytes()
}
