package validate

import (
	"context"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/sign"
)

// The fuzz targets feed arbitrary bytes to the entry points that parse
// untrusted input: format detection, CMS, PDF. The property is that
// validation always ends with a report and a verdict, never a panic, and
// that nothing made of random bytes passes.

func fuzzValidator(f *testing.F) (*pki, *Validator) {
	p := newPKI(f)
	return p, p.validator(time.Now())
}

func checkFuzzReport(t *testing.T, r *Report) {
	if r == nil {
		t.Fatal("nil report")
	}
	switch r.Indication {
	case Passed, Failed, Indeterminate:
	default:
		t.Fatalf("indication %q", r.Indication)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"%PDF-1.7", "<?xml?>", "\x30\x00", "-----BEGIN CMS-----\nMAA=\n-----END CMS-----", "MAA=", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		format, der := Detect(b)
		if format == FormatCAdES && len(der) == 0 {
			t.Fatalf("CAdES without DER for %q", b)
		}
	})
}

func FuzzCMS(f *testing.F) {
	p, v := fuzzValidator(f)
	content := []byte("fuzz")
	f.Add(p.makeCAdES(f, p.citizenKey, p.citizen, content, cadesOpts{}), []byte(nil))
	f.Add(p.makeCAdES(f, p.citizenKey, p.citizen, content, cadesOpts{tsa: p.tsa}), []byte(nil))
	f.Add(p.makeCAdES(f, p.citizenKey, p.citizen, content, cadesOpts{detached: true}), content)
	f.Add([]byte{0x30, 0x80, 0x00, 0x00}, []byte(nil))
	f.Fuzz(func(t *testing.T, sig, content []byte) {
		if len(sig) == 0 || sig[0] != 0x30 {
			sig = append([]byte{0x30}, sig...)
		}
		r := v.Validate(context.Background(), Input{Signature: sig, Content: content})
		checkFuzzReport(t, r)
	})
}

func FuzzPDF(f *testing.F) {
	p, v := fuzzValidator(f)
	base := plainPDF(f)
	f.Add(base)
	f.Add(p.signPDF(f, base, p.citizenKey, p.citizen, "", sign.ApprovalSignature))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Filter/Adobe.PPKLite/ByteRange[0 1 2 3]/Contents<00>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 5 || string(b[:5]) != "%PDF-" {
			b = append([]byte("%PDF-"), b...)
		}
		r := v.Validate(context.Background(), Input{Signature: b})
		checkFuzzReport(t, r)
	})
}
