package validate

import (
	"context"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/i18n"
)

// Record adds a check to a signature; for a Parser outside this package.
func (s *Signature) Record(code string, outcome Indication, sub SubIndication, t i18n.Text, detail string) {
	s.add(code, outcome, sub, t, detail)
}

// Conclude sets a signature's verdict from its checks; a Parser calls it
// once every check is recorded.
func (s *Signature) Conclude() { s.conclude() }

// CheckTimestamp verifies an RFC 3161 signature timestamp token over
// signatureValue (the value the timestamp must cover) and records the
// outcome in s. It returns the proven time, or nil when the token does not
// prove one. certs are certificates that came with the signature, to help
// find the TSA's chain.
func (vf *Verifier) CheckTimestamp(s *Signature, token, signatureValue []byte, certs []*x509.Certificate) *time.Time {
	return vf.checkTimestamp(s, token, digestOf(signatureValue), certs)
}

// checkTimestamp verifies a timestamp token whose message imprint must be
// imprint's digest (of a signature value, or of a PDF's byte ranges).
func (vf *Verifier) checkTimestamp(s *Signature, token []byte, imprint contentDigest, certs []*x509.Certificate) *time.Time {
	bad := func(detail string, t i18n.Text) *time.Time {
		s.indeterminate("timestamp", NoPOE, t, detail)
		if s.Timestamp == nil {
			s.Timestamp = &Timestamp{}
		}
		return nil
	}
	damaged := i18n.T("El sello de tiempo está dañado y no prueba la fecha de firma.", "The timestamp is damaged and does not prove the signing time.")
	p7, err := parseCMS(token)
	if err != nil {
		return bad(err.Error(), damaged)
	}
	if len(p7.Signers) != 1 {
		return bad("timestamp token with other than one signer", damaged)
	}
	si, err := toSignerInfo(p7.Signers[0])
	if err != nil {
		return bad(err.Error(), damaged)
	}
	var inner Signature
	tsaCert, attrs, ok := signerCore(&inner, si, p7.Certificates, digestOf(p7.Content), false)
	if ok && !checkSigningCertificate(&inner, attrs, tsaCert) {
		// RFC 5816: a token binds its TSA certificate with ESS
		// signing-certificate(-v2); without it, it is not a token.
		ok = false
	}
	if ind, _ := verdict(inner.Checks); ind != Passed {
		// A weak digest, or a binding to another certificate.
		ok = false
	}
	if !ok {
		detail := ""
		for _, c := range inner.Checks {
			if c.Outcome != Passed {
				detail = c.Code + ": " + c.Text.EN
				break
			}
		}
		return bad(detail, i18n.T("La firma del sello de tiempo no es válida.", "The timestamp's own signature is not valid."))
	}
	ts, err := parseTimestamp(token)
	if err != nil {
		return bad(err.Error(), damaged)
	}
	s.Timestamp = &Timestamp{Time: ts.Time.UTC(), TSA: tsaCert.Subject.CommonName}
	if ts.SerialNumber != nil {
		s.Timestamp.Serial = ts.SerialNumber.Text(16)
	}
	if !strongHash(ts.HashAlgorithm) {
		return bad(ts.HashAlgorithm.String(), i18n.T("El sello de tiempo usa un algoritmo de resumen que ya no es seguro.", "The timestamp uses a digest algorithm that is no longer safe."))
	}
	want, err := imprint(ts.HashAlgorithm)
	if err != nil {
		return bad(err.Error(), damaged)
	}
	if subtle.ConstantTimeCompare(want, ts.HashedMessage) != 1 {
		return bad("message imprint mismatch", i18n.T("El sello de tiempo corresponde a otra firma.", "The timestamp belongs to another signature."))
	}
	if !slices.Contains(tsaCert.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return bad("TSA certificate without EKU timeStamping", i18n.T("El sello lo ha emitido un certificado que no es de una autoridad de sellado de tiempo.", "The timestamp was issued by a certificate that is not a timestamp authority's."))
	}
	if _, err := vf.chain(tsaCert, append(slices.Clone(p7.Certificates), certs...), ts.Time, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}); err != nil {
		return bad(err.Error(), i18n.T("La autoridad de sellado de tiempo no es de confianza.", "The timestamp authority is not trusted."))
	}
	t := ts.Time.UTC()
	s.Timestamp.Valid = true
	s.pass("timestamp", i18n.Tf("Sello de tiempo válido de %s: la firma existía el %s.", "Valid timestamp from %s: the signature existed on %s.",
		s.Timestamp.TSA, t.Format(time.RFC3339)))
	return &t
}

// parseTimestamp reads the TSTInfo with digitorus/timestamp, guarding
// against panics on hostile input.
func parseTimestamp(token []byte) (ts *timestamp.Timestamp, err error) {
	defer func() {
		if v := recover(); v != nil {
			ts, err = nil, fmt.Errorf("malformed timestamp: %v", v)
		}
	}()
	return timestamp.Parse(token)
}

// CheckCertificate runs the checks on the signer's certificate at the best
// signing time: the proven one when given, otherwise the claimed one
// (s.ClaimedSigningTime), otherwise the validation time. It records the
// chain to a trust anchor, the validity period, the key usage and the
// revocation status. extra are certificates that came with the signature.
func (vf *Verifier) CheckCertificate(ctx context.Context, s *Signature, cert *x509.Certificate, extra []*x509.Certificate, proven *time.Time) {
	if s.Signer == nil {
		s.Signer = signerOf(cert)
	}
	var best time.Time
	switch {
	case proven != nil:
		best, s.SigningTimeProven = *proven, true
	case s.ClaimedSigningTime != nil:
		best = *s.ClaimedSigningTime
	default:
		best = vf.now.UTC()
		s.info("signing_time", i18n.T("La firma no indica cuándo se hizo: se valida a la fecha de hoy.", "The signature does not say when it was made: it is validated as of today."))
	}
	s.SigningTime = &best

	// The path is built at a time inside the certificate's validity, so
	// that trust and validity are reported apart.
	at := best
	if at.Before(cert.NotBefore) {
		at = cert.NotBefore
	}
	if at.After(cert.NotAfter) {
		at = cert.NotAfter
	}
	chains, err := vf.chain(cert, extra, at, nil)
	var issuer *x509.Certificate
	switch {
	case err == nil:
		if path := chains[0]; len(path) > 1 {
			issuer = path[1]
		} else {
			issuer = cert
		}
		root := chains[0][len(chains[0])-1]
		s.pass("certificate.chain", i18n.Tf("El certificado procede de una autoridad de confianza (%s).", "The certificate comes from a trusted authority (%s).", root.Subject.CommonName))
	case errors.As(err, new(x509.UnknownAuthorityError)):
		s.indeterminate("certificate.chain", NoCertificateChainFound,
			i18n.Tf("El certificado lo emitió «%s», que no es una autoridad de confianza.", "The certificate was issued by “%s”, which is not a trusted authority.", cert.Issuer.CommonName), err.Error())
	default:
		var ie x509.CertificateInvalidError
		if errors.As(err, &ie) && ie.Reason == x509.Expired {
			s.indeterminate("certificate.chain", OutOfBoundsNoPOE,
				i18n.T("Una autoridad de la cadena no estaba vigente en la fecha de firma.", "An authority in the chain was not valid at the signing time."), err.Error())
		} else {
			s.indeterminate("certificate.chain", CertificateChainGeneralFailure,
				i18n.T("No se ha podido comprobar la cadena de certificados.", "The certificate chain could not be checked."), err.Error())
		}
	}

	switch {
	case best.Before(cert.NotBefore) || best.After(cert.NotAfter):
		s.indeterminate("certificate.validity", OutOfBoundsNoPOE,
			i18n.Tf("El certificado no estaba vigente en la fecha de firma (válido del %s al %s).", "The certificate was not valid at the signing time (valid from %s to %s).",
				cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly)), "")
	case !s.SigningTimeProven && vf.now.After(cert.NotAfter):
		s.indeterminate("certificate.validity", OutOfBoundsNoPOE,
			i18n.T("El certificado ha caducado y ningún sello de tiempo prueba que se firmara antes.", "The certificate has expired and no timestamp proves the document was signed before."), "")
	default:
		s.pass("certificate.validity", i18n.T("El certificado estaba vigente en la fecha de firma.", "The certificate was valid at the signing time."))
	}

	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		s.indeterminate("certificate.key_usage", ChainConstraintsFailure,
			i18n.T("El uso de la clave del certificado no permite firmar.", "The certificate's key usage does not allow signing."), "")
	} else {
		s.pass("certificate.key_usage", i18n.T("El certificado permite firmar.", "The certificate allows signing."))
	}

	if issuer == nil {
		return // without a trusted path, revocation data could not be trusted either
	}
	vf.checkRevocation(ctx, s, cert, issuer, best)
}

func (vf *Verifier) checkRevocation(ctx context.Context, s *Signature, cert, issuer *x509.Certificate, best time.Time) {
	noData := i18n.T("No se ha podido consultar si el certificado está revocado.", "Whether the certificate is revoked could not be checked.")
	if vf.v.Revocation == nil {
		s.indeterminate("certificate.revocation", TryLater, noData, "no revocation source configured")
		return
	}
	st, err := vf.v.Revocation.Status(ctx, cert, issuer)
	switch {
	case err != nil:
		s.indeterminate("certificate.revocation", TryLater, noData, err.Error())
		return
	case !st.Known:
		s.indeterminate("certificate.revocation", TryLater, noData, "no source knows this certificate")
		return
	case !st.Revoked:
		s.pass("certificate.revocation", i18n.Tf("El certificado no está revocado (%s).", "The certificate is not revoked (%s).", st.Source))
		return
	}
	when := st.RevokedAt.UTC().Format(time.RFC3339)
	switch {
	case st.RevokedAt.After(best) && s.SigningTimeProven:
		s.pass("certificate.revocation", i18n.Tf("El certificado se revocó el %s, después de la firma, que un sello de tiempo prueba anterior.",
			"The certificate was revoked on %s, after the signature, which a timestamp proves earlier.", when))
	case st.RevokedAt.After(best):
		s.indeterminate("certificate.revocation", RevokedNoPOE,
			i18n.Tf("El certificado se revocó el %s y nada prueba que la firma sea anterior.", "The certificate was revoked on %s and nothing proves the signature is earlier.", when), st.Source)
	case s.SigningTimeProven || s.ClaimedSigningTime != nil:
		s.fail("certificate.revocation", Revoked,
			i18n.Tf("El certificado ya estaba revocado (desde el %s) cuando se firmó.", "The certificate was already revoked (since %s) when the document was signed.", when), st.Source)
	default:
		s.indeterminate("certificate.revocation", RevokedNoPOE,
			i18n.Tf("El certificado está revocado desde el %s y la firma no dice cuándo se hizo.", "The certificate has been revoked since %s and the signature does not say when it was made.", when), st.Source)
	}
}
