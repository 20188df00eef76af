package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing"
)

// The CMS SignedData (RFC 5652) is written here rather than with
// github.com/digitorus/pkcs7: its signer hashes content it holds in memory
// (the whole document) and always adds a signing-time attribute, which
// PAdES baseline forbids (ETSI EN 319 142-1 5.1.3: the time is /M). What a
// PAdES signature needs is small: three signed attributes over a digest
// computed while streaming, and at level T one unsigned attribute.

var (
	oidData                    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256                  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidContentType             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificateV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidECDSAWithSHA256         = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSHA256WithRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
)

var (
	tagSignedAttrs   = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagUnsignedAttrs = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagCertificates  = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagExplicit0     = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagDirectoryName = cbasn1.Tag(4).ContextSpecific().Constructed()
)

// buildCMS signs digest, the SHA-256 of the byte ranges, for cred and
// returns the DER ContentInfo to put in /Contents.
func buildCMS(ctx context.Context, cred signing.Credential, digest []byte, level signing.Level, ts signing.Timestamper) ([]byte, error) {
	sigAlg, err := signatureAlgorithm(cred.Signer.Public())
	if err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(cred, digest)
	if err != nil {
		return nil, err
	}
	// The signature covers the DER SET OF the attributes (RFC 5652 5.4).
	set, err := build(func(b *cryptobyte.Builder) { b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(attrs) }) })
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(set)
	sig, err := cred.Signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("pades: signing: %w", err)
	}
	var token []byte
	if level == signing.LevelT {
		if token, err = signatureTimestamp(ctx, ts, sig); err != nil {
			return nil, err
		}
	}

	certs := append([][]byte{cred.Certificate.Raw}, chainCerts(cred)...)
	return build(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
			b.AddASN1ObjectIdentifier(oidSignedData)
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
					b.AddASN1Int64(1)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, oidSHA256, false) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
					b.AddASN1(tagCertificates, func(b *cryptobyte.Builder) {
						for _, c := range certs {
							b.AddBytes(c)
						}
					})
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
							b.AddASN1Int64(1)
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
								b.AddBytes(cred.Certificate.RawIssuer)
								b.AddASN1BigInt(cred.Certificate.SerialNumber)
							})
							addAlgorithm(b, oidSHA256, false)
							b.AddASN1(tagSignedAttrs, func(b *cryptobyte.Builder) { b.AddBytes(attrs) })
							addAlgorithm(b, sigAlg.oid, sigAlg.nullParams)
							b.AddASN1OctetString(sig)
							if token != nil {
								b.AddASN1(tagUnsignedAttrs, func(b *cryptobyte.Builder) {
									b.AddBytes(attribute(oidSignatureTimeStampToken, func(b *cryptobyte.Builder) { b.AddBytes(token) }))
								})
							}
						})
					})
				})
			})
		})
	})
}

// chainCerts is the DER of the issuing chain the signature carries, so
// that a validator without network access can build the path.
func chainCerts(cred signing.Credential) [][]byte {
	var out [][]byte
	for _, c := range cred.Chain {
		if c != nil && !bytes.Equal(c.Raw, cred.Certificate.Raw) {
			out = append(out, c.Raw)
		}
	}
	return out
}

type sigAlgorithm struct {
	oid        asn1.ObjectIdentifier
	nullParams bool
}

func signatureAlgorithm(pub crypto.PublicKey) (sigAlgorithm, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return sigAlgorithm{oid: oidECDSAWithSHA256}, nil
	case *rsa.PublicKey:
		return sigAlgorithm{oid: oidSHA256WithRSA, nullParams: true}, nil
	}
	return sigAlgorithm{}, fmt.Errorf("pades: keys of type %T are not supported", pub)
}

// signedAttributes returns the DER of the signed attributes, sorted as a
// SET OF must be: content-type, message-digest and signing-certificate-v2.
func signedAttributes(cred signing.Credential, digest []byte) ([]byte, error) {
	certHash := sha256.Sum256(cred.Certificate.Raw)
	list := [][]byte{
		attribute(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
		// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256 (so left
		// out), certHash, issuerSerial } (RFC 5035).
		attribute(oidSigningCertificateV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(certHash[:])
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(tagDirectoryName, func(b *cryptobyte.Builder) { b.AddBytes(cred.Certificate.RawIssuer) })
							})
							b.AddASN1BigInt(cred.Certificate.SerialNumber)
						})
					})
				})
			})
		}),
	}
	for _, a := range list {
		if a == nil {
			return nil, errors.New("pades: encoding a signed attribute")
		}
	}
	sort.Slice(list, func(i, j int) bool { return bytes.Compare(list[i], list[j]) < 0 })
	return bytes.Join(list, nil), nil
}

// attribute encodes Attribute ::= SEQUENCE { attrType, attrValues SET OF }
// with one value; nil if the value does not encode.
func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	out, err := build(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
	})
	if err != nil {
		return nil
	}
	return out
}

func addAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, nullParams bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if nullParams {
			b.AddASN1NULL()
		}
	})
}

func build(f func(*cryptobyte.Builder)) ([]byte, error) {
	var b cryptobyte.Builder
	f(&b)
	return b.Bytes()
}

// signatureTimestamp asks ts for a token over the signature value (ETSI EN
// 319 122-1 5.3, signature-time-stamp) and checks that it is one.
func signatureTimestamp(ctx context.Context, ts signing.Timestamper, sig []byte) ([]byte, error) {
	d := sha256.Sum256(sig)
	token, err := ts.Timestamp(ctx, d[:], crypto.SHA256)
	if err != nil {
		if _, ok := i18n.As(err); ok {
			return nil, err
		}
		return nil, signing.ErrTSA.Wrap(err)
	}
	parsed, err := timestamp.Parse(token)
	if err != nil {
		return nil, signing.ErrTSA.Wrap(fmt.Errorf("not a timestamp token: %w", err))
	}
	if parsed.HashAlgorithm != crypto.SHA256 || !bytes.Equal(parsed.HashedMessage, d[:]) {
		return nil, signing.ErrTSA.Wrap(errors.New("the token is for another digest"))
	}
	return token, nil
}
