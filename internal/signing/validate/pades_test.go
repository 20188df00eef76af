package validate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/go-pdf/fpdf"
)

// plainPDF makes a one-page PDF.
func plainPDF(t testing.TB) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	f.SetFont("Helvetica", "", 14)
	f.Cell(40, 10, "Solicitud de canje del permiso de conducir")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signPDF signs in with digitorus/pdfsign, as another tool would; an
// already signed in gets a second signature by incremental update.
func (p *pki) signPDF(t testing.TB, in []byte, key crypto.Signer, cert *x509.Certificate, tsaURL string, kind sign.CertType) []byte {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info:       sign.SignDataSignatureInfo{Name: cert.Subject.CommonName, Reason: "Conforme", Date: time.Now()},
			CertType:   kind,
			DocMDPPerm: sign.AllowFillingExistingFormFieldsAndSignaturesPerms,
		},
		Signer:            key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       cert,
		CertificateChains: [][]*x509.Certificate{{cert, p.ca.Issuing(), p.ca.Root()}},
		TSA:               sign.TSA{URL: tsaURL},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestPAdES(t *testing.T) {
	p := newPKI(t)
	now := time.Now()
	tsa := p.tsa.server(t)
	base := plainPDF(t)
	good := p.signPDF(t, base, p.citizenKey, p.citizen, "", sign.ApprovalSignature)
	goodT := p.signPDF(t, base, p.citizenKey, p.citizen, tsa.URL, sign.ApprovalSignature)
	otherKey, other := p.person(t, "44444444A")
	twice := p.signPDF(t, good, otherKey, other, tsa.URL, sign.ApprovalSignature)
	revokedKey, revoked := p.person(t, "11111111H")
	p.certs.revoke(revoked, now.Add(-30*time.Minute))
	stranger := newPKI(t)

	// Changes: a byte of the page content (inside the signed range), a
	// byte of the signature value, and bytes appended after the last
	// %%EOF that are not a revision.
	pageAt := bytes.Index(good, []byte("stream")) + 10
	sigs, err := findPDFSignatures(good)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("findPDFSignatures: %v, %d", err, len(sigs))
	}
	// The signature value sits towards the end of the CMS, in hex: change
	// a hex digit inside the DER (not the zero padding).
	der := trimDER(sigs[0].contents)
	hexAt := int(sigs[0].byteRange[1]) + 1 + 2*(len(der)-20)
	tamperedSig := bytes.Clone(good)
	if tamperedSig[hexAt] == '0' {
		tamperedSig[hexAt] = '1'
	} else {
		tamperedSig[hexAt] = '0'
	}

	tests := []struct {
		name    string
		in      []byte
		v       *Validator
		want    Indication
		sub     SubIndication
		signers int
		format  string
		proven  bool
	}{
		{name: "good B", in: good, want: Passed, signers: 1, format: "PAdES-B-B"},
		{name: "good T", in: goodT, want: Passed, signers: 1, format: "PAdES-B-T", proven: true},
		{name: "two signatures", in: twice, want: Passed, signers: 2, format: "PAdES-B-B"},
		{name: "page byte changed", in: flip(good, pageAt), want: Failed, sub: HashFailure, signers: 1},
		{name: "signature byte changed", in: tamperedSig, want: Failed, sub: SigCryptoFailure, signers: 1},
		// Bytes after the signed revision are not covered, and the report
		// says so (see below), but they do not undo the signature.
		{name: "bytes appended", in: append(bytes.Clone(good), "junk\n"...), want: Passed, signers: 1, format: "PAdES-B-B"},
		{name: "revoked before signing", in: p.signPDF(t, base, revokedKey, revoked, "", sign.ApprovalSignature), want: Failed, sub: Revoked, signers: 1},
		{name: "wrong trust anchor", in: good, v: stranger.validator(now), want: Indeterminate, sub: NoCertificateChainFound, signers: 1},
		{name: "not signed", in: base, want: Indeterminate, sub: SignedDataNotFound},
		{name: "truncated", in: good[:len(good)/2], want: Failed, sub: FormatFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v == nil {
				v = p.validator(now)
			}
			r := v.Validate(context.Background(), Input{Signature: tc.in})
			if r.Format != FormatPAdES {
				t.Errorf("format %s", r.Format)
			}
			if r.Indication != tc.want || r.SubIndication != tc.sub {
				t.Errorf("got %s/%s, want %s/%s\n%s", r.Indication, r.SubIndication, tc.want, tc.sub, dump(r))
			}
			if len(r.Signatures) != tc.signers {
				t.Fatalf("%d signatures, want %d\n%s", len(r.Signatures), tc.signers, dump(r))
			}
			if tc.signers == 0 {
				return
			}
			if tc.format != "" && r.Signatures[0].Format != tc.format {
				t.Errorf("format %q, want %q", r.Signatures[0].Format, tc.format)
			}
			if r.Signatures[0].SigningTimeProven != tc.proven {
				t.Errorf("proven %v, want %v", r.Signatures[0].SigningTimeProven, tc.proven)
			}
		})
	}

	r := p.validator(now).Validate(context.Background(), Input{Signature: append(bytes.Clone(good), "junk\n"...)})
	if c := findCheck(r.Signatures[0], "pades.byte_range"); c == nil || c.Outcome != Info {
		t.Errorf("appended bytes not reported: %+v", c)
	}

	// With two signatures, the first covers a revision and says so; the
	// second covers the whole file.
	r = p.validator(now).Validate(context.Background(), Input{Signature: twice})
	first, second := r.Signatures[0], r.Signatures[1]
	if c := findCheck(first, "pades.byte_range"); c == nil || c.Outcome != Info {
		t.Errorf("first signature's byte range check: %+v", c)
	}
	if c := findCheck(second, "pades.byte_range"); c == nil || c.Outcome != Passed {
		t.Errorf("second signature's byte range check: %+v", c)
	}
	if first.Signer.ID != "12345678Z" || second.Signer.ID != "44444444A" {
		t.Errorf("signers %s, %s", first.Signer.ID, second.Signer.ID)
	}
}

func findCheck(s Signature, code string) *Check {
	for i := range s.Checks {
		if s.Checks[i].Code == code {
			return &s.Checks[i]
		}
	}
	return nil
}
