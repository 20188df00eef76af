package validate

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/signing/xades"
)

// TestXAdES validates real XAdES signatures made by signing/xades with the
// validator's default XML parser: integrity from xades, trust, validity,
// revocation and the timestamp's authority from here.
func TestXAdES(t *testing.T) {
	p := newPKI(t)
	ctx := context.Background()
	cred := signing.Credential{Signer: p.citizenKey, Certificate: p.citizen, Chain: []*x509.Certificate{p.ca.Issuing()}}
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?><solicitud><tramite>canje</tramite><importe>28.87</importe></solicitud>`)
	enveloped, err := xades.SignEnveloped(ctx, bytes.NewReader(doc), cred, xades.Options{})
	if err != nil {
		t.Fatal(err)
	}
	withT, err := xades.SignEnveloped(ctx, bytes.NewReader(doc), cred, xades.Options{Level: signing.LevelT, Timestamper: p.tsa})
	if err != nil {
		t.Fatal(err)
	}
	file := []byte("any file at all: \x00\x01\x02")
	detached, err := xades.SignDetached(ctx, bytes.NewReader(file), "foto.bin", cred, xades.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(enveloped, []byte("28.87"), []byte("28.88"), 1)

	tests := []struct {
		name   string
		in     Input
		v      func(*Validator)
		want   Indication
		sub    SubIndication
		format string
	}{
		{name: "enveloped B", in: Input{Signature: enveloped}, want: Passed, format: "XAdES-B-B"},
		{name: "enveloped T", in: Input{Signature: withT}, want: Passed, format: "XAdES-B-T"},
		{name: "detached with its file", in: Input{Signature: detached, Content: file}, want: Passed, format: "XAdES-B-B"},
		{name: "detached without its file", in: Input{Signature: detached}, want: Indeterminate, sub: SignedDataNotFound},
		{name: "detached with another file", in: Input{Signature: detached, Content: []byte("another file")}, want: Failed, sub: HashFailure},
		{name: "one character of the document changed", in: Input{Signature: tampered}, want: Failed, sub: HashFailure},
		{name: "wrong trust anchor", in: Input{Signature: enveloped}, v: func(v *Validator) {
			v.Roots = Pool(newPKI(t).ca.Root())
			v.Intermediates = nil
		}, want: Indeterminate, sub: NoCertificateChainFound},
		{name: "signer revoked before signing", in: Input{Signature: enveloped}, v: func(*Validator) {
			p.certs.revoke(p.citizen, time.Now().Add(-30*time.Minute))
		}, want: Failed, sub: Revoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := p.validator(time.Now())
			if tc.v != nil {
				tc.v(v)
			}
			r := v.Validate(ctx, tc.in)
			if r.Format != FormatXAdES || r.Indication != tc.want || r.SubIndication != tc.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s\n%s", r.Indication, r.SubIndication, r.Format, tc.want, tc.sub, dump(r))
			}
			if tc.format != "" && (len(r.Signatures) != 1 || r.Signatures[0].Format != tc.format) {
				t.Fatalf("signature format, want %s:\n%s", tc.format, dump(r))
			}
			if tc.want == Passed {
				s := r.Signatures[0]
				if s.Signer == nil || s.Signer.ID != "12345678Z" {
					t.Errorf("signer %+v", s.Signer)
				}
				if s.SigningTimeProven != (tc.format == "XAdES-B-T") {
					t.Errorf("signing time proven %v for %s", s.SigningTimeProven, tc.format)
				}
			}
		})
	}
}
