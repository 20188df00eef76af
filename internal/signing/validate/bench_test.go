package validate

import (
	"context"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/sign"
)

// BenchmarkValidateCAdEST: the target is under 5 ms for a CAdES-T
// signature, revocation from the store (in memory here: no network).
func BenchmarkValidateCAdEST(b *testing.B) {
	p := newPKI(b)
	sig := p.makeCAdES(b, p.citizenKey, p.citizen, make([]byte, 64<<10), cadesOpts{tsa: p.tsa})
	v := p.validator(time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := v.Validate(ctx, Input{Signature: sig}); r.Indication != Passed {
			b.Fatal(dump(r))
		}
	}
}

// BenchmarkValidateCAdESTNewSigner is the same with the signer's chain
// verified afresh each time (a signer the validator has not seen; the
// timestamp authority's chain stays cached, as on a running server).
func BenchmarkValidateCAdESTNewSigner(b *testing.B) {
	p := newPKI(b)
	sig := p.makeCAdES(b, p.citizenKey, p.citizen, make([]byte, 64<<10), cadesOpts{tsa: p.tsa})
	v := p.validator(time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v.cache.forget(p.citizen)
		if r := v.Validate(ctx, Input{Signature: sig}); r.Indication != Passed {
			b.Fatal(dump(r))
		}
	}
}

// BenchmarkValidateCAdESTCold verifies every chain afresh.
func BenchmarkValidateCAdESTCold(b *testing.B) {
	p := newPKI(b)
	sig := p.makeCAdES(b, p.citizenKey, p.citizen, make([]byte, 64<<10), cadesOpts{tsa: p.tsa})
	v := p.validator(time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v.cache.forget(p.citizen)
		v.cache.forget(p.tsa.cert)
		if r := v.Validate(ctx, Input{Signature: sig}); r.Indication != Passed {
			b.Fatal(dump(r))
		}
	}
}

// BenchmarkValidatePAdES validates a signed one-page PDF.
func BenchmarkValidatePAdES(b *testing.B) {
	p := newPKI(b)
	tsa := p.tsa.server(b)
	doc := p.signPDF(b, plainPDF(b), p.citizenKey, p.citizen, tsa.URL, sign.ApprovalSignature)
	v := p.validator(time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := v.Validate(ctx, Input{Signature: doc}); r.Indication != Passed {
			b.Fatal(dump(r))
		}
	}
}
