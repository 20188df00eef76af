package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing/xades"
)

// xadesFormat validates XML signatures with signing/xades, which reads
// them and checks their integrity (signature value, references, signed
// properties, the timestamp's imprint); trust, validity, revocation and
// the timestamp's authority are judged here like every other format's.
type xadesFormat struct{}

// Validate implements Parser.
func (xadesFormat) Validate(ctx context.Context, vf *Verifier, in Input, r *Report) error {
	sigs, err := xades.Parse(in.Signature)
	if err != nil {
		return err
	}
	if len(sigs) == 0 {
		return errors.New("no ds:Signature in the document")
	}
	// A detached signature names its file; the content given with it is
	// that file, whatever it is called here.
	resolve := func(uri string) (io.ReadCloser, error) {
		if in.Content == nil {
			return nil, fmt.Errorf("%s: %w", uri, fs.ErrNotExist)
		}
		return io.NopCloser(bytes.NewReader(in.Content)), nil
	}
	for i, info := range sigs {
		s := Signature{ID: fmt.Sprintf("S%d", i+1), Format: FormatXAdES, Checks: []Check{}}
		if info.Certificate != nil {
			s.Signer = SignerOf(info.Certificate)
		}
		if !info.SigningTime.IsZero() {
			t := info.SigningTime
			s.ClaimedSigningTime = &t
		}
		if err := info.CheckIntegrity(resolve); err != nil {
			xadesIntegrityFailure(&s, err)
			s.Conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		}
		s.Record("signature.integrity", Passed, "", i18n.T(
			"La firma es correcta y lo firmado no ha cambiado (incluidas la fecha y el certificado firmados).",
			"The signature is correct and what was signed has not changed (signed time and certificate included)."), "")
		level := "-B-B"
		var proven *time.Time
		if info.Timestamp != nil {
			if data, err := info.TimestampedData(); err == nil {
				if proven = vf.CheckTimestamp(&s, info.Timestamp, data, info.Chain); proven != nil {
					level = "-B-T"
				}
			}
		}
		vf.CheckCertificate(ctx, &s, info.Certificate, info.Chain, proven)
		s.Format = FormatXAdES + level
		s.Conclude()
		r.Signatures = append(r.Signatures, s)
	}
	return nil
}

// xadesIntegrityFailure records why signing/xades refused a signature.
func xadesIntegrityFailure(s *Signature, err error) {
	switch i18n.CodeOf(err) {
	case xades.ErrMissingData.Code:
		s.Record("signature.content", Indeterminate, SignedDataNotFound, i18n.T(
			"Falta el archivo firmado: esta firma va aparte del documento.",
			"The signed file is missing: this signature is separate from the document."), err.Error())
	case xades.ErrIntegrity.Code:
		s.Record("signature.integrity", Failed, HashFailure, i18n.T(
			"Lo firmado ha cambiado después de la firma, o la firma no corresponde a este documento.",
			"What was signed has changed since, or the signature is not this document's."), err.Error())
	default:
		s.Record("signature.format", Failed, FormatFailure, i18n.T(
			"La firma XML no se puede comprobar.", "The XML signature cannot be checked."), err.Error())
	}
}
