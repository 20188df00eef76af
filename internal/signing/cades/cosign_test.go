package cades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"strings"
	"testing"

	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/signing"
)

func TestCoSign(t *testing.T) {
	f := newFixture(t)
	ana, luis := f.ana(t), f.luis(t)
	for _, detached := range []bool{false, true} {
		name := map[bool]string{false: "attached", true: "detached"}[detached]
		t.Run(name, func(t *testing.T) {
			first, err := Sign(context.Background(), bytes.NewReader(document), ana, Options{Detached: detached, Level: signing.LevelT, Timestamper: f.tsa})
			if err != nil {
				t.Fatal(err)
			}
			var content io.Reader
			if detached {
				content = bytes.NewReader(document)
			}
			second, err := CoSign(context.Background(), first, content, luis, Options{Hash: crypto.SHA384})
			if err != nil {
				t.Fatal(err)
			}
			// The first signer is there byte for byte.
			_, before, _ := parse(first)
			sd, after, err := parse(second)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != 2 || !bytes.Contains(second, sd.signerInfos[0]) || !bytes.Equal(after[0].head, before[0].head) || !bytes.Equal(after[0].unsigned[0], before[0].unsigned[0]) {
				t.Fatal("the first signer changed")
			}
			// openssl checks every signer.
			if detached {
				f.opensslVerify(t, second, document)
			} else if got := f.opensslVerify(t, second, nil); got != string(document) {
				t.Fatalf("content %q", got)
			}
			p7, err := pkcs7.Parse(second)
			if err != nil {
				t.Fatal(err)
			}
			if detached {
				p7.Content = document
			}
			roots := x509.NewCertPool()
			roots.AddCert(f.ca.Root())
			if err := p7.VerifyWithChain(roots); err != nil {
				t.Fatal(err)
			}
			if len(p7.Signers) != 2 || !containsCert(p7.Certificates, luis.Certificate) || !containsCert(p7.Certificates, ana.Certificate) {
				t.Fatalf("signers %d", len(p7.Signers))
			}
			// Both digest algorithms are listed.
			var algs []string
			for _, a := range sd.digestAlgs {
				algs = append(algs, algorithmOID(a).String())
			}
			if len(algs) != 2 {
				t.Errorf("digest algorithms %v", algs)
			}
			// The chain is not duplicated.
			if len(sd.certs) != 4 {
				t.Errorf("%d certificates, want Ana's, Luis's, issuing and root", len(sd.certs))
			}
		})
	}
}

func TestCoSignRefusals(t *testing.T) {
	f := newFixture(t)
	ana, luis := f.ana(t), f.luis(t)
	attached, err := Sign(context.Background(), bytes.NewReader(document), ana, Options{})
	if err != nil {
		t.Fatal(err)
	}
	detached, err := Sign(context.Background(), bytes.NewReader(document), ana, Options{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	other := append([]byte("another "), document...)
	tests := []struct {
		name     string
		existing []byte
		content  []byte
		want     *i18n.Error
	}{
		{"detached without the document", detached, nil, ErrNeedContent},
		{"detached with another document", detached, other, ErrContentMismatch},
		{"attached with another document", attached, other, ErrContentMismatch},
		{"not a signature", []byte("%PDF-1.7"), document, ErrNotCAdES},
		{"truncated", detached[:len(detached)-3], document, ErrNotCAdES},
		{"trailing bytes", append(bytes.Clone(detached), 0), document, ErrNotCAdES},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var content io.Reader
			if tc.content != nil {
				content = bytes.NewReader(tc.content)
			}
			if _, err := CoSign(context.Background(), tc.existing, content, luis, Options{}); i18n.CodeOf(err) != tc.want.Code {
				t.Fatalf("err %v, want %s", err, tc.want.Code)
			}
		})
	}
	// The right document given with an attached signature is fine.
	if _, err := CoSign(context.Background(), attached, bytes.NewReader(document), luis, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestCounterSign(t *testing.T) {
	f := newFixture(t)
	ana, luis := f.ana(t), f.luis(t)
	first, err := Sign(context.Background(), bytes.NewReader(document), ana, Options{Level: signing.LevelT, Timestamper: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	once, err := CounterSign(context.Background(), first, 0, luis, Options{Level: signing.LevelT, Timestamper: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := CounterSign(context.Background(), once, 0, ana, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.opensslVerify(t, twice, nil); got != string(document) {
		t.Fatalf("content %q", got)
	}
	if printed := opensslPrint(t, twice); !strings.Contains(printed, "pkcs9_countersignature") && !strings.Contains(printed, "countersignature") {
		t.Errorf("openssl -print shows no countersignature:\n%s", printed)
	}
	_, before, _ := parse(first)
	_, after, err := parse(twice)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before[0].head, after[0].head) {
		t.Fatal("the countersigned signer's signed part changed")
	}
	var counters [][]byte
	for _, a := range after[0].unsigned {
		if oid, values, _ := splitAttribute(a); oid.Equal(oidCounterSignature) {
			counters = append(counters, values...)
		}
	}
	if len(counters) != 2 {
		t.Fatalf("%d countersignatures in the attribute, want 2", len(counters))
	}
	for _, cs := range counters {
		verifyCounterSignature(t, cs, after[0].signature, []signing.Credential{ana, luis})
	}

	if _, err := CounterSign(context.Background(), first, 1, luis, Options{}); i18n.CodeOf(err) != ErrNoSuchSigner.Code {
		t.Fatalf("countersigning signer 1 of 1: %v", err)
	}
}

// verifyCounterSignature checks a countersignature with crypto/x509 over
// its signed attributes, decoded with encoding/asn1 through digitorus's
// structures: a SignerInfo whose message digest is the hash of the
// countersigned signature value, and no content-type attribute.
func verifyCounterSignature(t *testing.T, der, countersigned []byte, creds []signing.Credential) {
	t.Helper()
	// Wrap the SignerInfo in a SignedData for the digitorus reader: the
	// "content" is then the countersigned signature value, which is what a
	// countersignature's message digest covers (RFC 5652 11.4).
	sd := signedData{version: []byte{1}, digestAlgs: [][]byte{algorithmID(crypto.SHA256)}, contentType: oidData, signerInfos: [][]byte{der}}
	for _, c := range creds {
		sd.certs = certSet(sd.certs, c)
	}
	wrapped, err := sd.marshal()
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	p7.Content = countersigned
	if err := p7.Verify(); err != nil {
		t.Fatalf("countersignature: %v", err)
	}
	var ct []byte
	if err := p7.UnmarshalSignedAttribute(oidContentType, &ct); err == nil {
		t.Error("a countersignature carries a content type")
	}
	// And it does not verify over anything else.
	p7.Content = append([]byte{0}, countersigned...)
	if err := p7.Verify(); err == nil {
		t.Error("countersignature verified over other bytes")
	}
}
