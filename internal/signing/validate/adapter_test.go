package validate

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// fakeXAdES stands in for internal/signing/xades: it "finds" one signature
// by the given certificate and judges it with the shared checks.
type fakeXAdES struct {
	cert *x509.Certificate
	fail bool
}

func (f fakeXAdES) Validate(ctx context.Context, v *Verifier, in Input, r *Report) error {
	if f.fail {
		return errors.New("not XML")
	}
	s := Signature{ID: "S1", Format: "XAdES-B-B", Signer: SignerOf(f.cert)}
	s.Record("xades.signature", Passed, "", i18n.T("La firma XML es correcta.", "The XML signature is correct."), "")
	now := time.Now()
	s.ClaimedSigningTime = &now
	v.CheckCertificate(ctx, &s, f.cert, nil, nil)
	s.Conclude()
	r.Signatures = append(r.Signatures, s)
	return nil
}

func TestXAdESAdapter(t *testing.T) {
	p := newPKI(t)
	xml := Input{Signature: []byte(`<?xml version="1.0"?><ds:Signature/>`)}
	v := p.validator(time.Now())
	v.XAdES = fakeXAdES{cert: p.citizen}
	if r := v.Validate(context.Background(), xml); r.Indication != Passed || r.Format != FormatXAdES || len(r.Signatures) != 1 {
		t.Errorf("%s", dump(r))
	}
	v.XAdES = fakeXAdES{fail: true}
	if r := v.Validate(context.Background(), xml); r.Indication != Failed || r.SubIndication != FormatFailure {
		t.Errorf("%s", dump(r))
	}
	stranger := newPKI(t)
	v.XAdES = fakeXAdES{cert: stranger.citizen}
	if r := v.Validate(context.Background(), xml); r.Indication != Indeterminate || r.SubIndication != NoCertificateChainFound {
		t.Errorf("%s", dump(r))
	}
}
