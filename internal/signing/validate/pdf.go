package validate

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/digitorus/pdf"

	"github.com/llavero/llavero/internal/i18n"
)

// pdfSig is one signature dictionary found in a PDF.
type pdfSig struct {
	subFilter string
	contents  []byte
	byteRange []int64
}

// findPDFSignatures walks the PDF's objects with digitorus/pdf and returns
// every signature dictionary (Filter Adobe.PPKLite), in the order of their
// position in the file (ByteRange's second offset), so the earliest
// signature comes first. The reader panics on some malformed files; that
// becomes an error.
func findPDFSignatures(file []byte) (sigs []pdfSig, err error) {
	defer func() {
		if v := recover(); v != nil {
			sigs, err = nil, fmt.Errorf("malformed PDF: %v", v)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, x := range rdr.Xref() {
		v := rdr.Resolve(x.Ptr(), x.Ptr())
		if v.Kind() != pdf.Dict || v.Key("Filter").Name() != "Adobe.PPKLite" {
			continue
		}
		s := pdfSig{subFilter: v.Key("SubFilter").Name(), contents: []byte(v.Key("Contents").RawString())}
		br := v.Key("ByteRange")
		for i := 0; i < br.Len(); i++ {
			s.byteRange = append(s.byteRange, br.Index(i).Int64())
		}
		key := fmt.Sprint(s.byteRange)
		if seen[key] {
			continue
		}
		seen[key] = true
		sigs = append(sigs, s)
	}
	// Insertion sort by the end of the first range: a handful of
	// signatures at most.
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && rangeKey(sigs[j]) < rangeKey(sigs[j-1]); j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
	}
	return sigs, nil
}

func rangeKey(s pdfSig) int64 {
	if len(s.byteRange) > 1 {
		return s.byteRange[1]
	}
	return -1
}

// checkByteRange checks that a signature's ByteRange is [0 a b c] with the
// gap a..b holding exactly its /Contents hex string, and that it covers the
// whole file (the last signature) or the file up to the end of a revision
// (an earlier signature, followed by incremental updates). It returns
// whether the signature covers the whole file.
func checkByteRange(s *Signature, file []byte, sig pdfSig) (whole, ok bool) {
	br := sig.byteRange
	size := int64(len(file))
	bad := func(detail string) (bool, bool) {
		s.fail("pades.byte_range", FormatFailure,
			i18n.T("La firma no delimita bien la parte firmada del PDF (ByteRange).", "The signature does not properly delimit the signed part of the PDF (ByteRange)."), detail)
		return false, false
	}
	if len(br) != 4 {
		return bad(fmt.Sprintf("ByteRange has %d numbers, not 4", len(br)))
	}
	a, b, c := br[1], br[2], br[3]
	if br[0] != 0 || a <= 0 || b <= a+1 || c < 0 || b > size || c > size-b {
		return bad(fmt.Sprintf("ByteRange %v out of the file (%d bytes)", br, size))
	}
	if file[a] != '<' || file[b-1] != '>' {
		return bad("the gap is not the /Contents hex string")
	}
	raw, err := hex.DecodeString(string(bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, file[a+1:b-1])))
	if err != nil || !bytes.Equal(raw, sig.contents) {
		return bad("the gap does not hold this signature's /Contents")
	}
	end := b + c
	if end == size {
		s.pass("pades.byte_range", i18n.T("La firma cubre todo el PDF salvo su propio valor.", "The signature covers the whole PDF except its own value."))
		return true, true
	}
	tail := bytes.TrimRight(file[:end], "\r\n")
	if !bytes.HasSuffix(tail, []byte("%%EOF")) {
		return bad("the range ends inside a revision")
	}
	s.info("pades.byte_range", i18n.T("La firma cubre una versión anterior del PDF; después se añadieron cambios (otra firma, por ejemplo), que esta firma no cubre.",
		"The signature covers an earlier version of the PDF; changes were added afterwards (another signature, say), which this signature does not cover."))
	return false, true
}

// rangeDigest hashes the ByteRange's two pieces of the file, streaming.
func rangeDigest(file []byte, br []int64) contentDigest {
	return func(h crypto.Hash) ([]byte, error) {
		w := h.New()
		ra := bytes.NewReader(file)
		for i := 0; i+1 < len(br); i += 2 {
			if _, err := io.Copy(w, io.NewSectionReader(ra, br[i], br[i+1])); err != nil {
				return nil, err
			}
		}
		return w.Sum(nil), nil
	}
}

// trimDER cuts the zero padding that follows the CMS in /Contents.
func trimDER(b []byte) []byte {
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(b, &rv); err == nil {
		return rv.FullBytes
	}
	return b // BER (indefinite length): digitorus/pkcs7 stops at its end
}

// validatePDF validates every signature of a PDF (PAdES, and the
// adbe.pkcs7.detached signatures it grew from) and document timestamps.
func validatePDF(ctx context.Context, vf *Verifier, file []byte, r *Report) {
	sigs, err := findPDFSignatures(file)
	if err != nil {
		r.Checks = append(r.Checks, Check{Code: "format.pdf", Outcome: Failed, SubIndication: FormatFailure,
			Text: text(i18n.T("El PDF está dañado y no se puede leer.", "The PDF is damaged and cannot be read.")), Detail: err.Error()})
		return
	}
	if len(sigs) == 0 && bytes.Contains(file, []byte("/ByteRange")) {
		// A signature is there but the PDF's structure does not lead to it
		// (a truncated file, a broken cross-reference table).
		r.Checks = append(r.Checks, Check{Code: "format.pdf", Outcome: Failed, SubIndication: FormatFailure,
			Text: text(i18n.T("El PDF está dañado y no se puede leer.", "The PDF is damaged and cannot be read.")), Detail: "signature dictionary not reachable"})
		return
	}
	if len(sigs) == 0 {
		r.Checks = append(r.Checks, Check{Code: "format.pdf", Outcome: Indeterminate, SubIndication: SignedDataNotFound,
			Text: text(i18n.T("El PDF no contiene ninguna firma.", "The PDF holds no signature."))})
		return
	}
	for i, sig := range sigs {
		if ctx.Err() != nil {
			return
		}
		id := fmt.Sprintf("S%d", i+1)
		s := Signature{ID: id, Format: FormatPAdES, Checks: []Check{}}
		_, ok := checkByteRange(&s, file, sig)
		if !ok {
			s.conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		}
		digest := rangeDigest(file, sig.byteRange)
		der := trimDER(sig.contents)
		switch sig.subFilter {
		case "ETSI.RFC3161":
			s.Format = "PAdES document timestamp"
			if t := vf.checkTimestamp(&s, der, digest, nil); t != nil {
				s.SigningTime, s.SigningTimeProven = t, true
			}
			s.conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		case "adbe.pkcs7.detached", "ETSI.CAdES.detached":
		default:
			s.fail("pades.sub_filter", FormatFailure,
				i18n.T("Tipo de firma PDF no admitido.", "Unsupported kind of PDF signature."), "SubFilter "+sig.subFilter)
			s.conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		}
		p7, err := parseCMS(der)
		if err == nil && len(p7.Signers) != 1 {
			err = errors.New("a PDF signature holds exactly one SignerInfo")
		}
		var si *cmsSignerInfo
		if err == nil {
			si, err = toSignerInfo(p7.Signers[0])
		}
		if err != nil {
			s.fail("format.cms", FormatFailure, i18n.T("La firma del PDF está dañada.", "The PDF's signature is damaged."), err.Error())
			s.conclude()
			r.Signatures = append(r.Signatures, s)
			continue
		}
		pre := s.Checks
		vf.signerInfo(ctx, r, id, "", FormatPAdES, si, p7.Certificates, digest, func(ns *Signature) { ns.Checks = append(ns.Checks, pre...) })
	}
}
