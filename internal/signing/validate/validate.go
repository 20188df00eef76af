// Package validate checks signatures made in llavero's formats (CAdES,
// PAdES and, through an adapter, XAdES) and reports on them in the spirit
// of ETSI EN 319 102-1: an overall PASSED / FAILED / INDETERMINATE with a
// sub-indication, and for each signature the signer, the signing time and
// whether a timestamp proves it, and every check done.
//
// The report is llavero's own; the libraries (digitorus/pkcs7, /timestamp,
// /pdf) only parse. Every cryptographic decision (which digest, which
// certificate, which time) is made here, so that a signature is judged the
// same way whatever its format.
package validate

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// Validator holds what a validation trusts. It is safe for concurrent use
// once built; fields must not change while Validate runs.
type Validator struct {
	// Roots are the trust anchors: llavero's own root CA plus the
	// configured trust list (see LoadTrust).
	Roots *x509.CertPool
	// Intermediates helps build paths when a signature does not carry its
	// chain (llavero's issuing CA, say). May be nil.
	Intermediates []*x509.Certificate
	// Revocation answers whether a signer's certificate is revoked. Nil:
	// no revocation data, and every signature is at best INDETERMINATE
	// (TRY_LATER).
	Revocation Revocation
	// Now is the validation time (time.Now when nil).
	Now func() time.Time
	// XAdES parses XML signatures; nil means signing/xades.
	XAdES Parser

	cache chainCache
}

// Input is what is validated.
type Input struct {
	// Signature is the signed file: a CMS signature (DER, PEM or base64),
	// a PDF, or an XML signature.
	Signature []byte
	// Content is the signed data of a detached signature; nil otherwise.
	Content []byte
}

// Parser is the adapter point for a format whose parsing lives in another
// package (XAdES: internal/signing/xades). It reads the file and appends
// one Signature per signature found, judged by the helper functions of
// this package through Verifier.
type Parser interface {
	Validate(ctx context.Context, v *Verifier, in Input, r *Report) error
}

// Verifier gives a Parser access to the checks every format shares
// (certificate chain, validity, revocation, timestamp).
type Verifier struct {
	v   *Validator
	now time.Time
}

// Format names, as reports spell them.
const (
	FormatCAdES       = "CAdES"
	FormatPAdES       = "PAdES"
	FormatXAdES       = "XAdES"
	formatUnknownName = "unknown"
)

// The errors of the package a person can meet outside a report.
var (
	ErrTrustList = i18n.New("validate.trust_list",
		i18n.T("No se ha podido leer la lista de confianza.", "The trust list could not be read."),
		i18n.T("Indica un archivo PEM con certificados de autoridades, o una carpeta de archivos .pem/.crt, y comprueba que se puede leer.",
			"Give a PEM file of authority certificates, or a folder of .pem/.crt files, and check that it can be read."))
	ErrNoRoots = i18n.New("validate.no_roots",
		i18n.T("No hay ninguna autoridad de confianza con la que validar.", "There is no trusted authority to validate against."),
		i18n.T("Indica la carpeta de datos de llavero (--data) o una lista de confianza (--trust).",
			"Give llavero's data folder (--data) or a trust list (--trust)."))
)

// Validate reads in and returns the report. It never fails: an unreadable
// file is a report with FAILED / FORMAT_FAILURE. Only ctx's cancellation
// interrupts it (the report then says what was done).
func (v *Validator) Validate(ctx context.Context, in Input) *Report {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	r := &Report{ValidatedAt: now.UTC(), Signatures: []Signature{}, Checks: []Check{}}
	vf := &Verifier{v: v, now: now}
	format, der := Detect(in.Signature)
	r.Format = format
	switch format {
	case FormatPAdES:
		validatePDF(ctx, vf, in.Signature, r)
	case FormatCAdES:
		validateCMS(ctx, vf, der, in.Content, r)
	case FormatXAdES:
		p := v.XAdES
		if p == nil {
			p = xadesFormat{}
		}
		if err := p.Validate(ctx, vf, in, r); err != nil {
			r.Checks = append(r.Checks, Check{Code: "format.xades", Outcome: Failed, SubIndication: FormatFailure,
				Text: text(i18n.T("La firma XML no se puede leer.", "The XML signature cannot be read.")), Detail: err.Error()})
		}
	default:
		r.Checks = append(r.Checks, Check{Code: "format.detect", Outcome: Failed, SubIndication: FormatFailure,
			Text: text(i18n.T("El archivo no es una firma CAdES, PAdES ni XAdES.", "The file is not a CAdES, PAdES or XAdES signature."))})
	}
	r.conclude()
	return r
}

// Detect tells the format of a signed file from its first bytes, and for
// CMS returns the DER (decoded from PEM or base64 when it came so).
func Detect(b []byte) (format string, der []byte) {
	t := bytes.TrimLeft(b, "\x00\t\r\n \xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(t, []byte("%PDF-")):
		return FormatPAdES, nil
	case bytes.HasPrefix(t, []byte("<")):
		return FormatXAdES, nil
	case len(b) > 0 && b[0] == 0x30:
		return FormatCAdES, b
	case bytes.HasPrefix(t, []byte("-----BEGIN")):
		if blk, _ := pem.Decode(t); blk != nil {
			return FormatCAdES, blk.Bytes
		}
	default:
		// base64 of a DER SEQUENCE starts with "M"; line breaks allowed.
		if len(t) > 0 && t[0] == 'M' {
			clean := bytes.Map(func(r rune) rune {
				if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
					return -1
				}
				return r
			}, t)
			if d, err := base64.StdEncoding.DecodeString(string(clean)); err == nil && len(d) > 0 && d[0] == 0x30 {
				return FormatCAdES, d
			}
		}
	}
	return formatUnknownName, nil
}

// chain builds the paths from cert to a trust anchor at time at, with
// the given extended key usages (any when nil).
func (vf *Verifier) chain(cert *x509.Certificate, extra []*x509.Certificate, at time.Time, usages []x509.ExtKeyUsage) ([][]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, c := range extra {
		inter.AddCert(c)
	}
	for _, c := range vf.v.Intermediates {
		inter.AddCert(c)
	}
	roots := vf.v.Roots
	if roots == nil {
		roots = x509.NewCertPool()
	}
	if usages == nil {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	key := chainKey(cert, usages)
	if chains, ok := vf.v.cache.get(key, at); ok {
		return chains, nil
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: usages})
	if err == nil {
		vf.v.cache.put(key, chains)
	}
	return chains, err
}
