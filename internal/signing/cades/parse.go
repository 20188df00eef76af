package cades

import (
	"crypto"
	"encoding/asn1"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signerInfo is an existing SignerInfo as CoSign and CounterSign need it.
type signerInfo struct {
	// head is the SignerInfo's content up to and including the signature:
	// everything its signer signed or that names the signer. It is kept
	// byte for byte.
	head []byte
	// hash is the digest algorithm (0 when not one llavero knows).
	hash          crypto.Hash
	messageDigest []byte
	signature     []byte
	// unsigned holds the unsigned attributes, each a DER Attribute.
	unsigned [][]byte
}

func (si *signerInfo) marshal() []byte {
	return element(func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(si.head)
			if len(si.unsigned) > 0 {
				b.AddASN1(tagImplicit1, func(b *cryptobyte.Builder) { b.AddBytes(setOf(si.unsigned)) })
			}
		})
	})
}

// errMalformed is the cause ErrNotCAdES wraps for any structural fault.
var errMalformed = errors.New("malformed CMS SignedData")

// parse reads a DER ContentInfo of SignedData. It accepts DER only (no
// indefinite lengths): that is what llavero and AutoFirma write, and it is
// what lets the rest be kept byte for byte.
func parse(der []byte) (*signedData, []signerInfo, error) {
	sd, signers, ok := parseSignedData(der)
	if !ok || len(signers) == 0 {
		return nil, nil, ErrNotCAdES.Wrap(errMalformed)
	}
	return sd, signers, nil
}

func parseSignedData(der []byte) (*signedData, []signerInfo, bool) {
	in := cryptobyte.String(der)
	var ci, explicit, body cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oidSignedData) ||
		!ci.ReadASN1(&explicit, tagExplicit0) || !ci.Empty() ||
		!explicit.ReadASN1(&body, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, nil, false
	}
	sd := &signedData{}
	var version, algs, encap cryptobyte.String
	if !body.ReadASN1(&version, cbasn1.INTEGER) || len(version) == 0 ||
		!body.ReadASN1(&algs, cbasn1.SET) ||
		!body.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, nil, false
	}
	sd.version = version
	for !algs.Empty() {
		var alg cryptobyte.String
		if !algs.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
			return nil, nil, false
		}
		sd.digestAlgs = append(sd.digestAlgs, alg)
	}
	if !encap.ReadASN1ObjectIdentifier(&sd.contentType) {
		return nil, nil, false
	}
	if encap.PeekASN1Tag(tagExplicit0) {
		var wrapped, content cryptobyte.String
		// A constructed (BER) OCTET STRING fails here: DER only.
		if !encap.ReadASN1(&wrapped, tagExplicit0) || !wrapped.ReadASN1(&content, cbasn1.OCTET_STRING) || !wrapped.Empty() {
			return nil, nil, false
		}
		sd.hasContent, sd.content = true, content
	}
	if !encap.Empty() {
		return nil, nil, false
	}
	if body.PeekASN1Tag(tagImplicit0) {
		var certs cryptobyte.String
		if !body.ReadASN1(&certs, tagImplicit0) {
			return nil, nil, false
		}
		for !certs.Empty() {
			var c cryptobyte.String
			if !certs.ReadAnyASN1Element(&c, nil) {
				return nil, nil, false
			}
			sd.certs = append(sd.certs, c)
		}
	}
	if body.PeekASN1Tag(tagImplicit1) {
		var crls cryptobyte.String
		if !body.ReadASN1Element(&crls, tagImplicit1) {
			return nil, nil, false
		}
		sd.crls = crls
	}
	var infos cryptobyte.String
	if !body.ReadASN1(&infos, cbasn1.SET) || !body.Empty() {
		return nil, nil, false
	}
	var signers []signerInfo
	for !infos.Empty() {
		var raw cryptobyte.String
		if !infos.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return nil, nil, false
		}
		si, ok := parseSignerInfo(raw)
		if !ok {
			return nil, nil, false
		}
		sd.signerInfos = append(sd.signerInfos, raw)
		signers = append(signers, si)
	}
	return sd, signers, true
}

func parseSignerInfo(raw []byte) (signerInfo, bool) {
	var si signerInfo
	outer := cryptobyte.String(raw)
	var s cryptobyte.String
	if !outer.ReadASN1(&s, cbasn1.SEQUENCE) || !outer.Empty() {
		return si, false
	}
	all := s
	var version int64
	var sid, digestAlg, signed, sigAlg, sig cryptobyte.String
	var hasSigned bool
	if !s.ReadASN1Integer(&version) ||
		!s.ReadAnyASN1Element(&sid, nil) ||
		!s.ReadASN1Element(&digestAlg, cbasn1.SEQUENCE) ||
		!s.ReadOptionalASN1(&signed, &hasSigned, tagImplicit0) ||
		!s.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) ||
		!s.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return si, false
	}
	si.head = all[:len(all)-len(s)]
	si.hash = hashOf(algorithmOID(digestAlg))
	si.signature = sig
	if hasSigned {
		attrs, ok := readAttributes(signed)
		if !ok {
			return si, false
		}
		for _, a := range attrs {
			oid, values, ok := splitAttribute(a)
			if !ok {
				return si, false
			}
			if oid.Equal(oidMessageDigest) && len(values) == 1 {
				v := cryptobyte.String(values[0])
				var md cryptobyte.String
				if !v.ReadASN1(&md, cbasn1.OCTET_STRING) || !v.Empty() {
					return si, false
				}
				si.messageDigest = md
			}
		}
	}
	if s.PeekASN1Tag(tagImplicit1) {
		var unsigned cryptobyte.String
		if !s.ReadASN1(&unsigned, tagImplicit1) {
			return si, false
		}
		attrs, ok := readAttributes(unsigned)
		if !ok || len(attrs) == 0 {
			return si, false
		}
		si.unsigned = attrs
	}
	return si, s.Empty()
}

// readAttributes splits the contents of a SET OF Attribute.
func readAttributes(s cryptobyte.String) ([][]byte, bool) {
	var attrs [][]byte
	for !s.Empty() {
		var a cryptobyte.String
		if !s.ReadASN1Element(&a, cbasn1.SEQUENCE) {
			return nil, false
		}
		if _, _, ok := splitAttribute(a); !ok {
			return nil, false
		}
		attrs = append(attrs, a)
	}
	return attrs, true
}

// splitAttribute reads an Attribute's type and values (each a DER element).
func splitAttribute(der []byte) (asn1.ObjectIdentifier, [][]byte, bool) {
	s := cryptobyte.String(der)
	var a, set cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) || !a.ReadASN1(&set, cbasn1.SET) || !a.Empty() {
		return nil, nil, false
	}
	var values [][]byte
	for !set.Empty() {
		var v cryptobyte.String
		if !set.ReadAnyASN1Element(&v, nil) {
			return nil, nil, false
		}
		values = append(values, v)
	}
	return oid, values, len(values) > 0
}
