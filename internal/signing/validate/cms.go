package validate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/i18n"
)

// The CMS and CAdES object identifiers this file reads.
var (
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidCounterSignature     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// cmsSignerInfo is RFC 5652's SignerInfo. digitorus/pkcs7 parses the
// SignedData but keeps its SignerInfo type unexported and has none for
// countersignatures (a SignerInfo inside an unsigned attribute), so the
// signer infos are read into this one type, the signed attributes kept as
// the bytes that were signed.
type cmsSignerInfo struct {
	Version            int `asn1:"default:1"`
	SID                cmsIssuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      []cmsAttribute `asn1:"optional,omitempty,tag:1"`
}

type cmsIssuerAndSerial struct {
	IssuerName   asn1.RawValue
	SerialNumber *big.Int
}

type cmsAttribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

// essCertIDv2 and the rest: RFC 5035 (signing-certificate-v2) and
// RFC 2634 (signing-certificate, SHA-1).
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  essIssuerSerial `asn1:"optional"`
}

type essCertID struct {
	CertHash     []byte
	IssuerSerial essIssuerSerial `asn1:"optional"`
}

type essIssuerSerial struct {
	Issuer       asn1.RawValue // GeneralNames
	SerialNumber *big.Int
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

type signingCertificateV1 struct {
	Certs    []essCertID
	Policies asn1.RawValue `asn1:"optional"`
}

// attrs reads the signed attributes.
func (si *cmsSignerInfo) attrs() ([]cmsAttribute, error) {
	var out []cmsAttribute
	rest := si.SignedAttrs.Bytes
	for len(rest) > 0 {
		var a cmsAttribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// signedBytes is what the signature covers: the DER SET OF the signed
// attributes (RFC 5652 section 5.4), i.e. the [0] IMPLICIT field re-tagged.
func (si *cmsSignerInfo) signedBytes() []byte {
	b := bytes.Clone(si.SignedAttrs.FullBytes)
	b[0] = 0x31
	return b
}

func hasSignedAttrs(si *cmsSignerInfo) bool { return len(si.SignedAttrs.FullBytes) > 0 }

func findAttr(attrs []cmsAttribute, oid asn1.ObjectIdentifier) (cmsAttribute, bool) {
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			return a, true
		}
	}
	return cmsAttribute{}, false
}

// attrValues splits an attribute's SET OF values.
func attrValues(a cmsAttribute) [][]byte {
	var out [][]byte
	rest := a.Value.Bytes
	for len(rest) > 0 {
		var v asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &v); err != nil {
			return out
		}
		out = append(out, v.FullBytes)
	}
	return out
}

func hashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1
	case oid.Equal(oidSHA224):
		return crypto.SHA224
	case oid.Equal(oidSHA256):
		return crypto.SHA256
	case oid.Equal(oidSHA384):
		return crypto.SHA384
	case oid.Equal(oidSHA512):
		return crypto.SHA512
	}
	return 0
}

// strongHash: what EN 319 102-1's cryptographic constraints accept today
// (ETSI TS 119 312): SHA-256 and up; SHA-1 and SHA-224 no longer.
func strongHash(h crypto.Hash) bool {
	return h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512
}

// contentDigest computes the digest of the signed content under h, or
// reports that there is no content (a detached signature given alone).
type contentDigest func(h crypto.Hash) ([]byte, error)

var errNoContent = errors.New("no signed content")

func digestOf(data []byte) contentDigest {
	return func(h crypto.Hash) ([]byte, error) {
		w := h.New()
		w.Write(data)
		return w.Sum(nil), nil
	}
}

// verifyDigestSignature checks sig over a message whose digest under h is
// digest (the message itself for Ed25519, which hashes internally).
func verifyDigestSignature(pub crypto.PublicKey, h crypto.Hash, digest, msg, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	case ed25519.PublicKey:
		if msg == nil || !ed25519.Verify(k, msg, sig) {
			return errors.New("Ed25519 signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("unsupported public key %T", pub)
}

// certBySID finds the certificate a SignerInfo names.
func certBySID(certs []*x509.Certificate, sid cmsIssuerAndSerial) *x509.Certificate {
	if sid.SerialNumber == nil {
		return nil
	}
	for _, c := range certs {
		if c.SerialNumber.Cmp(sid.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, sid.IssuerName.FullBytes) {
			return c
		}
	}
	return nil
}

// signerCore runs the checks that decide whether a SignerInfo is
// mathematically intact: its certificate is there, its algorithms are
// acceptable, the message digest matches the content, the signature
// matches the certificate. It returns the certificate and the signed
// attributes when the signature verified.
func signerCore(s *Signature, si *cmsSignerInfo, certs []*x509.Certificate, digest contentDigest, counter bool) (*x509.Certificate, []cmsAttribute, bool) {
	cert := certBySID(certs, si.SID)
	if cert == nil {
		s.indeterminate("cms.signer_certificate", NoSigningCertificateFound,
			i18n.T("La firma no incluye el certificado del firmante.", "The signature does not include the signer's certificate."), "")
		return nil, nil, false
	}
	s.Signer = signerOf(cert)
	h := hashOf(si.DigestAlgorithm.Algorithm)
	if h == 0 || !h.Available() {
		s.fail("cms.digest_algorithm", FormatFailure,
			i18n.T("La firma usa un algoritmo de resumen desconocido.", "The signature uses an unknown digest algorithm."),
			si.DigestAlgorithm.Algorithm.String())
		return cert, nil, false
	}
	s.DigestAlgorithm = h.String()
	if strongHash(h) {
		s.pass("cms.digest_algorithm", i18n.Tf("Algoritmo de resumen aceptado (%s).", "Accepted digest algorithm (%s).", h))
	} else {
		s.indeterminate("cms.digest_algorithm", SigConstraintsFailure,
			i18n.Tf("La firma usa %s, un algoritmo de resumen que ya no es seguro.", "The signature uses %s, a digest algorithm that is no longer safe.", h), "")
	}

	var attrs []cmsAttribute
	var digestToSign, msg []byte
	content, cerr := digest(h)
	if hasSignedAttrs(si) {
		var err error
		if attrs, err = si.attrs(); err != nil {
			s.fail("cms.signed_attributes", FormatFailure,
				i18n.T("Los atributos firmados están dañados.", "The signed attributes are damaged."), err.Error())
			return cert, nil, false
		}
		md, ok := findAttr(attrs, oidMessageDigest)
		var want []byte
		if ok {
			if vs := attrValues(md); len(vs) == 1 {
				_, _ = asn1.Unmarshal(vs[0], &want)
			}
		}
		if !ok || len(want) == 0 {
			s.fail("cms.message_digest", FormatFailure,
				i18n.T("Falta el resumen del documento entre los atributos firmados.", "The document digest is missing from the signed attributes."), "")
			return cert, attrs, false
		}
		if !counter {
			if ct, ok := findAttr(attrs, oidContentType); !ok || len(attrValues(ct)) != 1 {
				s.fail("cms.content_type", FormatFailure,
					i18n.T("Falta el tipo de contenido entre los atributos firmados.", "The content type is missing from the signed attributes."), "")
				return cert, attrs, false
			}
		}
		switch {
		case cerr != nil:
			s.indeterminate("cms.message_digest", SignedDataNotFound,
				i18n.T("La firma es separada (detached) y no se ha dado el documento firmado.", "The signature is detached and the signed document was not given."), cerr.Error())
			return cert, attrs, false
		case subtle.ConstantTimeCompare(want, content) != 1:
			s.fail("cms.message_digest", HashFailure,
				i18n.T("El resumen del documento no coincide: el documento ha cambiado después de firmarse.", "The document digest does not match: the document has changed since it was signed."), "")
			return cert, attrs, false
		}
		s.pass("cms.message_digest", i18n.T("El documento es el que se firmó.", "The document is the one that was signed."))
		msg = si.signedBytes()
		w := h.New()
		w.Write(msg)
		digestToSign = w.Sum(nil)
	} else {
		if cerr != nil {
			s.indeterminate("cms.message_digest", SignedDataNotFound,
				i18n.T("La firma es separada (detached) y no se ha dado el documento firmado.", "The signature is detached and the signed document was not given."), cerr.Error())
			return cert, nil, false
		}
		digestToSign = content
	}
	if err := verifyDigestSignature(cert.PublicKey, h, digestToSign, msg, si.Signature); err != nil {
		s.fail("cms.signature", SigCryptoFailure,
			i18n.T("La firma no corresponde al certificado del firmante.", "The signature does not match the signer's certificate."), err.Error())
		return cert, attrs, false
	}
	s.pass("cms.signature", i18n.T("La firma corresponde al certificado del firmante.", "The signature matches the signer's certificate."))
	return cert, attrs, true
}

// checkSigningCertificate verifies the signing-certificate(-v2) attribute:
// it binds the signature to the certificate actually used, so that a
// certificate with the same key (re-issued, or forged by a rogue CA)
// cannot be substituted. It returns whether the attribute was there.
func checkSigningCertificate(s *Signature, attrs []cmsAttribute, cert *x509.Certificate) bool {
	if a, ok := findAttr(attrs, oidSigningCertificateV2); ok {
		vs := attrValues(a)
		var sc signingCertificateV2
		if len(vs) != 1 || !unmarshalAll(vs[0], &sc) || len(sc.Certs) == 0 {
			s.fail("cades.signing_certificate", FormatFailure,
				i18n.T("El atributo del certificado firmante está dañado.", "The signing-certificate attribute is damaged."), "")
			return true
		}
		id := sc.Certs[0]
		h := crypto.SHA256
		if len(id.HashAlgorithm.Algorithm) > 0 {
			h = hashOf(id.HashAlgorithm.Algorithm)
		}
		if h == 0 || !h.Available() {
			s.fail("cades.signing_certificate", FormatFailure,
				i18n.T("El atributo del certificado firmante usa un algoritmo desconocido.", "The signing-certificate attribute uses an unknown algorithm."), "")
			return true
		}
		bindCert(s, h, id.CertHash, id.IssuerSerial, cert)
		return true
	}
	if a, ok := findAttr(attrs, oidSigningCertificate); ok {
		vs := attrValues(a)
		var sc signingCertificateV1
		if len(vs) != 1 || !unmarshalAll(vs[0], &sc) || len(sc.Certs) == 0 {
			s.fail("cades.signing_certificate", FormatFailure,
				i18n.T("El atributo del certificado firmante está dañado.", "The signing-certificate attribute is damaged."), "")
			return true
		}
		bindCert(s, crypto.SHA1, sc.Certs[0].CertHash, sc.Certs[0].IssuerSerial, cert)
		return true
	}
	s.info("cades.signing_certificate", i18n.T("La firma no lleva el atributo del certificado firmante (signing-certificate-v2): es CMS, no CAdES básica.",
		"The signature lacks the signing-certificate-v2 attribute: it is plain CMS, not CAdES baseline."))
	return false
}

func bindCert(s *Signature, h crypto.Hash, certHash []byte, is essIssuerSerial, cert *x509.Certificate) {
	w := h.New()
	w.Write(cert.Raw)
	if subtle.ConstantTimeCompare(w.Sum(nil), certHash) != 1 {
		s.indeterminate("cades.signing_certificate", NoSigningCertificateFound,
			i18n.T("La firma apunta a otro certificado distinto del incluido.", "The signature refers to a certificate other than the one included."), "certHash mismatch")
		return
	}
	if is.SerialNumber != nil && (is.SerialNumber.Cmp(cert.SerialNumber) != 0 || !generalNamesHold(is.Issuer, cert.RawIssuer)) {
		s.indeterminate("cades.signing_certificate", NoSigningCertificateFound,
			i18n.T("La firma apunta a otro certificado distinto del incluido.", "The signature refers to a certificate other than the one included."), "issuerSerial mismatch")
		return
	}
	s.pass("cades.signing_certificate", i18n.T("La firma está ligada a su certificado (signing-certificate-v2).", "The signature is bound to its certificate (signing-certificate-v2)."))
}

// generalNamesHold reports whether GeneralNames holds directoryName name.
func generalNamesHold(gns asn1.RawValue, name []byte) bool {
	rest := gns.Bytes
	for len(rest) > 0 {
		var gn asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
			return false
		}
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && bytes.Equal(gn.Bytes, name) {
			return true
		}
	}
	return false
}

func unmarshalAll(b []byte, v any) bool {
	rest, err := asn1.Unmarshal(b, v)
	return err == nil && len(rest) == 0
}

// claimedTime reads the signing-time attribute.
func claimedTime(attrs []cmsAttribute) *time.Time {
	a, ok := findAttr(attrs, oidSigningTime)
	if !ok {
		return nil
	}
	vs := attrValues(a)
	if len(vs) != 1 {
		return nil
	}
	var t time.Time
	if _, err := asn1.Unmarshal(vs[0], &t); err != nil {
		return nil
	}
	t = t.UTC()
	return &t
}

// toSignerInfo converts the library's parsed SignerInfo to ours.
func toSignerInfo(v any) (*cmsSignerInfo, error) {
	der, err := asn1.Marshal(v)
	if err != nil {
		return nil, err
	}
	var si cmsSignerInfo
	if !unmarshalAll(der, &si) {
		return nil, errors.New("SignerInfo does not re-parse")
	}
	return &si, nil
}

// validateCMS validates a CAdES (or plain CMS) signature: every SignerInfo
// and every countersignature becomes a Signature of the report.
func validateCMS(ctx context.Context, vf *Verifier, der, detached []byte, r *Report) {
	p7, err := parseCMS(der)
	if err != nil {
		r.Checks = append(r.Checks, Check{Code: "format.cms", Outcome: Failed, SubIndication: FormatFailure,
			Text: text(i18n.T("El archivo no es una firma CMS/CAdES que se pueda leer.", "The file is not a readable CMS/CAdES signature.")), Detail: err.Error()})
		return
	}
	var digest contentDigest
	switch {
	case len(p7.Content) > 0 && detached != nil:
		r.Checks = append(r.Checks, Check{Code: "format.content", Outcome: Info,
			Text: text(i18n.T("La firma contiene el documento; se ha ignorado el documento aparte.", "The signature contains the document; the separate document was ignored."))})
		digest = digestOf(p7.Content)
	case len(p7.Content) > 0:
		digest = digestOf(p7.Content)
	case detached != nil:
		digest = digestOf(detached)
	default:
		digest = func(crypto.Hash) ([]byte, error) { return nil, errNoContent }
	}
	if len(p7.Signers) == 0 {
		r.Checks = append(r.Checks, Check{Code: "format.cms", Outcome: Indeterminate, SubIndication: SignedDataNotFound,
			Text: text(i18n.T("El archivo CMS no contiene ninguna firma.", "The CMS file holds no signature."))})
		return
	}
	for i := range p7.Signers {
		si, err := toSignerInfo(p7.Signers[i])
		id := fmt.Sprintf("S%d", i+1)
		if err != nil {
			s := Signature{ID: id, Format: "CMS"}
			s.fail("format.signer_info", FormatFailure, i18n.T("La firma está dañada.", "The signature is damaged."), err.Error())
			s.conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		}
		vf.signerInfo(ctx, r, id, "", FormatCAdES, si, p7.Certificates, digest, nil)
	}
}

// parseCMS parses with digitorus/pkcs7, turning its panics on hostile
// input (if any) into errors: a validator must never fall over.
func parseCMS(der []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if v := recover(); v != nil {
			p7, err = nil, fmt.Errorf("malformed CMS: %v", v)
		}
	}()
	p7, err = pkcs7.Parse(der)
	if err == nil && p7 == nil {
		err = errors.New("not a SignedData")
	}
	return p7, err
}

// signerInfo validates one SignerInfo (and, recursively, its
// countersignatures) and appends the results to r. extra runs
// format-specific checks (PAdES) before the verdict.
func (vf *Verifier) signerInfo(ctx context.Context, r *Report, id, parent, format string, si *cmsSignerInfo, certs []*x509.Certificate, digest contentDigest, extra func(*Signature)) {
	s := Signature{ID: id, Format: format, CounterSignatureOf: parent, Checks: []Check{}}
	if extra != nil {
		extra(&s)
	}
	cert, attrs, ok := signerCore(&s, si, certs, digest, parent != "")
	level := ""
	if ok {
		hasSC := checkSigningCertificate(&s, attrs, cert)
		s.ClaimedSigningTime = claimedTime(attrs)
		if hasSC && s.ClaimedSigningTime != nil {
			level = "-B-B"
		}
		var proven *time.Time
		if a, found := findUnsigned(si.UnsignedAttrs, oidTimeStampToken); found {
			vs := attrValues(a)
			if len(vs) > 0 {
				proven = vf.CheckTimestamp(&s, vs[0], si.Signature, certs)
				if proven != nil && level != "" {
					level = "-B-T"
				}
			}
		}
		vf.CheckCertificate(ctx, &s, cert, certs, proven)
	}
	if level == "" {
		s.Format = "CMS"
		if format == FormatPAdES {
			s.Format = "PAdES (CMS)"
		}
	} else {
		s.Format = format + level
	}
	s.conclude()
	r.Signatures = append(r.Signatures, s)

	// Countersignatures sign this signature's value.
	n := 0
	for _, a := range si.UnsignedAttrs {
		if !a.Type.Equal(oidCounterSignature) {
			continue
		}
		for _, v := range attrValues(a) {
			n++
			cid := fmt.Sprintf("%s.C%d", id, n)
			var csi cmsSignerInfo
			if !unmarshalAll(v, &csi) {
				cs := Signature{ID: cid, Format: "CMS", CounterSignatureOf: id, Checks: []Check{}}
				cs.fail("format.countersignature", FormatFailure, i18n.T("La contrafirma está dañada.", "The countersignature is damaged."), "")
				cs.conclude()
				r.Signatures = append(r.Signatures, cs)
				continue
			}
			vf.signerInfo(ctx, r, cid, id, format, &csi, certs, digestOf(si.Signature), nil)
		}
	}
}

func findUnsigned(attrs []cmsAttribute, oid asn1.ObjectIdentifier) (cmsAttribute, bool) {
	return findAttr(attrs, oid)
}

// signerOf describes a certificate's holder.
func signerOf(c *x509.Certificate) *Signer {
	s := &Signer{
		Name:      c.Subject.CommonName,
		ID:        strings.TrimPrefix(c.Subject.SerialNumber, "IDCES-"),
		Serial:    c.SerialNumber.Text(16),
		Issuer:    c.Issuer.CommonName,
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
	}
	if s.Name == "" {
		s.Name = c.Subject.String()
	}
	if s.Issuer == "" {
		s.Issuer = c.Issuer.String()
	}
	return s
}

// SignerOf describes a certificate's holder, for a Parser.
func SignerOf(c *x509.Certificate) *Signer { return signerOf(c) }
