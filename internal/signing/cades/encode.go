package cades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/llavero/llavero/internal/signing"
)

// Object identifiers of RFC 5652, RFC 5035, RFC 5754 and RFC 3161.
var (
	oidData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidCounterSignature   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidRSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

var hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}

// hashOf names the digest algorithm of an OID, or 0.
func hashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	for h, o := range hashOIDs {
		if o.Equal(oid) {
			return h
		}
	}
	return 0
}

var (
	tagExplicit0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagImplicit0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagImplicit1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagDirName   = cbasn1.Tag(4).ContextSpecific().Constructed()
)

// mustBytes ends a builder whose every input is well formed by construction.
func mustBytes(b *cryptobyte.Builder) []byte {
	out, err := b.Bytes()
	if err != nil {
		panic("cades: encoding: " + err.Error())
	}
	return out
}

// algorithmID is a digest AlgorithmIdentifier with absent parameters, as
// RFC 5754 3 asks.
func algorithmID(h crypto.Hash) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(hashOIDs[h]) })
	return mustBytes(&b)
}

// signatureAlgorithm is the SignerInfo's signatureAlgorithm for the key:
// ecdsa-with-SHA* without parameters (RFC 5758), sha*WithRSAEncryption
// with NULL (RFC 4055).
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash) ([]byte, x509.SignatureAlgorithm, error) {
	var oid asn1.ObjectIdentifier
	var alg x509.SignatureAlgorithm
	null := false
	switch pub.(type) {
	case *ecdsa.PublicKey:
		oid, alg = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidECDSASHA256, crypto.SHA384: oidECDSASHA384, crypto.SHA512: oidECDSASHA512}[h],
			map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[h]
	case *rsa.PublicKey:
		oid, alg = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidRSASHA256, crypto.SHA384: oidRSASHA384, crypto.SHA512: oidRSASHA512}[h],
			map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[h]
		null = true
	default:
		return nil, 0, signing.ErrCertNoSigning.Wrap(fmt.Errorf("cades: no CMS signature algorithm for a %T key", pub))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
	return mustBytes(&b), alg, nil
}

// attribute encodes an Attribute with its values (each one DER element),
// the SET OF values sorted as DER requires.
func attribute(oid asn1.ObjectIdentifier, values ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(setOf(values)) })
	})
	return mustBytes(&b)
}

// setOf concatenates DER elements in the order DER gives a SET OF: by
// their encodings.
func setOf(elems [][]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return bytes.Join(sorted, nil)
}

func element(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return mustBytes(&b)
}

// signingTime encodes a Time as RFC 5652 11.3 says: UTCTime from 1950 to
// 2049, GeneralizedTime otherwise; whole seconds in UTC.
func signingTime(t time.Time) []byte {
	t = t.UTC().Truncate(time.Second)
	return element(func(b *cryptobyte.Builder) {
		if y := t.Year(); y >= 1950 && y < 2050 {
			b.AddASN1UTCTime(t)
		} else {
			b.AddASN1GeneralizedTime(t)
		}
	})
}

// signingCertificateV2 is the ESS signing-certificate-v2 value (RFC 5035):
// one ESSCertIDv2 with the certificate's SHA-256 (the default algorithm,
// so left out) and its issuer and serial. It binds the signature to this
// certificate: another certificate for the same key cannot be swapped in.
func signingCertificateV2(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return element(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
					b.AddASN1OctetString(sum[:])
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
							b.AddASN1(tagDirName, func(b *cryptobyte.Builder) { b.AddBytes(cert.RawIssuer) })
						})
						b.AddASN1BigInt(cert.SerialNumber)
					})
				})
			})
		})
	})
}

// newSignerInfo signs digest (of the content, or of the countersigned
// signature value) and returns the DER SignerInfo. contentType is nil for
// a countersignature, which must not carry one (RFC 5652 11.4).
func newSignerInfo(ctx context.Context, cred signing.Credential, opt Options, contentType asn1.ObjectIdentifier, digest []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sigAlg, x509Alg, err := signatureAlgorithm(cred.Certificate.PublicKey, opt.Hash)
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{
		attribute(oidMessageDigest, element(func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) })),
		attribute(oidSigningCertV2, signingCertificateV2(cred.Certificate)),
	}
	if !opt.OmitSigningTime {
		attrs = append(attrs, attribute(oidSigningTime, signingTime(opt.SigningTime)))
	}
	if contentType != nil {
		attrs = append(attrs, attribute(oidContentType, element(func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(contentType) })))
	}
	signed := setOf(attrs)
	// The signature covers the attributes encoded as a SET (RFC 5652 5.4),
	// though the SignerInfo carries them under the [0] tag.
	toSign := element(func(b *cryptobyte.Builder) { b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(signed) }) })
	h := opt.Hash.New()
	h.Write(toSign)
	sig, err := cred.Signer.Sign(rand.Reader, h.Sum(nil), opt.Hash)
	if err != nil {
		return nil, fmt.Errorf("cades: signing: %w", err)
	}
	// A token's fault, or a key that is not the certificate's, would make
	// a signature nobody can verify: better to know now.
	if err := cred.Certificate.CheckSignature(x509Alg, toSign, sig); err != nil {
		return nil, signing.ErrKeyMismatch.Wrap(err)
	}
	var unsigned []byte
	if opt.Level == signing.LevelT {
		if unsigned, err = timestamp(ctx, sig, opt); err != nil {
			return nil, err
		}
	}
	return element(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
				b.AddBytes(cred.Certificate.RawIssuer)
				b.AddASN1BigInt(cred.Certificate.SerialNumber)
			})
			b.AddBytes(algorithmID(opt.Hash))
			b.AddASN1(tagImplicit0, func(b *cryptobyte.Builder) { b.AddBytes(signed) })
			b.AddBytes(sigAlg)
			b.AddASN1OctetString(sig)
			if unsigned != nil {
				b.AddASN1(tagImplicit1, func(b *cryptobyte.Builder) { b.AddBytes(unsigned) })
			}
		})
	}), nil
}

// certSet adds the signer's certificate and chain to certs, each once.
func certSet(certs [][]byte, cred signing.Credential) [][]byte {
	for _, c := range append([]*x509.Certificate{cred.Certificate}, cred.Chain...) {
		if !slices.ContainsFunc(certs, func(have []byte) bool { return bytes.Equal(have, c.Raw) }) {
			certs = append(certs, c.Raw)
		}
	}
	return certs
}

// signedData is a SignedData as pieces of DER: what a new signature is made
// of, and what CoSign and CounterSign keep of an existing one, byte for
// byte.
type signedData struct {
	version     []byte   // the INTEGER's contents
	digestAlgs  [][]byte // AlgorithmIdentifiers
	contentType asn1.ObjectIdentifier
	hasContent  bool
	content     []byte
	certs       [][]byte // CertificateChoices
	crls        []byte   // the whole [1] element, or nil
	signerInfos [][]byte
}

// addDigestAlg lists h among the digest algorithms unless it is there.
func (sd *signedData) addDigestAlg(h crypto.Hash) {
	for _, a := range sd.digestAlgs {
		if hashOf(algorithmOID(a)) == h {
			return
		}
	}
	sd.digestAlgs = append(sd.digestAlgs, algorithmID(h))
}

// marshal encodes the ContentInfo. Certificates and signers keep their
// order (leaf first; earlier signers first), as CMS, a BER protocol,
// allows; what DER must cover, the signed attributes, is sorted.
func (sd *signedData) marshal() ([]byte, error) {
	size := len(sd.content) + len(sd.crls) + 256
	for _, c := range sd.certs {
		size += len(c) + 8
	}
	for _, s := range sd.signerInfos {
		size += len(s) + 8
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(sd.version) })
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(setOf(sd.digestAlgs)) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(sd.contentType)
					if sd.hasContent {
						b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(sd.content) })
					}
				})
				if len(sd.certs) > 0 {
					b.AddASN1(tagImplicit0, func(b *cryptobyte.Builder) { b.AddBytes(bytes.Join(sd.certs, nil)) })
				}
				b.AddBytes(sd.crls)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(bytes.Join(sd.signerInfos, nil)) })
			})
		})
	})
	return b.Bytes()
}

// isOneElement reports whether b is exactly one DER element.
func isOneElement(b []byte) bool {
	s := cryptobyte.String(b)
	var e cryptobyte.String
	return s.ReadAnyASN1Element(&e, nil) && s.Empty()
}

// algorithmOID reads the OID of a DER AlgorithmIdentifier (nil if bad).
func algorithmOID(der []byte) asn1.ObjectIdentifier {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return nil
	}
	return oid
}
