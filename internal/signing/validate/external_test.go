package validate

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/sign"

	"github.com/llavero/llavero/internal/ca"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// TestAgreesWithOpenSSL: `openssl cms -verify` (with the issuing CA's CRL)
// accepts exactly the CAdES signatures llavero's validator passes, among
// good, tampered, revoked, expired and foreign ones.
func TestAgreesWithOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed (apt-get install openssl)")
	}
	p := newPKI(t)
	now := time.Now()
	content := []byte("Solicitud de canje del permiso de conducir.\n")
	revokedKey, revoked := p.person(t, "11111111H")
	p.certs.revoke(revoked, now.Add(-30*time.Minute))
	crl, err := p.ca.SignCRL([]ca.Revoked{{Serial: revoked.SerialNumber, RevokedAt: now.Add(-30 * time.Minute), Reason: 1}},
		big.NewInt(1), now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	expired := p.issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "caducado", SerialNumber: "IDCES-33333333P"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, expKey.Public())
	stranger := newPKI(t)
	foreign := stranger.makeCAdES(t, stranger.citizenKey, stranger.citizen, content, cadesOpts{})

	good := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{})
	goodT := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{tsa: p.tsa})
	detached := p.makeCAdES(t, p.citizenKey, p.citizen, content, cadesOpts{detached: true})
	// openssl cms reads CRLs from the CA file.
	anchors := writeFile(t, "root.pem", append(pemCert(p.ca.Root()), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl})...))

	tests := []struct {
		name     string
		sig      []byte
		content  []byte
		accepted bool
	}{
		{"good B", good, nil, true},
		{"good T", goodT, nil, true},
		{"good detached", detached, content, true},
		{"content byte changed", flip(good, bytes.Index(good, content)+3), nil, false},
		{"detached content changed", detached, flip(content, 0), false},
		{"signature byte changed", flip(good, sigValueOffset(t, good)), nil, false},
		{"revoked before signing", p.makeCAdES(t, revokedKey, revoked, content, cadesOpts{}), nil, false},
		{"expired", p.makeCAdES(t, expKey, expired, content, cadesOpts{}), nil, false},
		{"wrong trust anchor", foreign, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.validator(now).Validate(context.Background(), Input{Signature: tc.sig, Content: tc.content})
			args := []string{"cms", "-verify", "-inform", "DER", "-in", writeFile(t, "sig.der", tc.sig),
				"-CAfile", anchors, "-crl_check", "-purpose", "any", "-binary", "-out", os.DevNull}
			if tc.content != nil {
				args = append(args, "-content", writeFile(t, "content", tc.content))
			}
			out, err := exec.Command(bin, args...).CombinedOutput()
			opensslOK := err == nil
			if opensslOK != tc.accepted {
				t.Errorf("openssl accepted=%v, want %v:\n%s", opensslOK, tc.accepted, out)
			}
			if (r.Indication == Passed) != tc.accepted {
				t.Errorf("llavero %s/%s, openssl accepted=%v:\n%s", r.Indication, r.SubIndication, opensslOK, dump(r))
			}
		})
	}
}

// TestAgreesWithPdfsig: poppler's pdfsig finds the same signatures, the
// same signers, and the same integrity verdict as llavero on good and
// tampered PDFs.
func TestAgreesWithPdfsig(t *testing.T) {
	bin, err := exec.LookPath("pdfsig")
	if err != nil {
		t.Skip("pdfsig is not installed (apt-get install poppler-utils)")
	}
	p := newPKI(t)
	tsa := p.tsa.server(t)
	otherKey, other := p.person(t, "44444444A")
	good := p.signPDF(t, plainPDF(t), p.citizenKey, p.citizen, tsa.URL, sign.ApprovalSignature)
	// (pdfsign damages a file whose earlier signature carries a
	// timestamp when it adds another: the first signature here is B.)
	twice := p.signPDF(t, p.signPDF(t, plainPDF(t), p.citizenKey, p.citizen, "", sign.ApprovalSignature), otherKey, other, tsa.URL, sign.ApprovalSignature)
	tampered := flip(good, bytes.Index(good, []byte("stream"))+10)

	for _, tc := range []struct {
		name    string
		pdf     []byte
		valid   bool
		signers []string
	}{
		{"good", good, true, []string{p.citizen.Subject.CommonName}},
		{"two signatures", twice, true, []string{p.citizen.Subject.CommonName, other.Subject.CommonName}},
		{"page byte changed", tampered, false, []string{p.citizen.Subject.CommonName}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := exec.Command(bin, writeFile(t, "doc.pdf", tc.pdf)).CombinedOutput()
			text := string(out)
			if got := strings.Count(text, "Signature is Valid."); (got == len(tc.signers)) != tc.valid {
				t.Errorf("pdfsig: %d valid signatures, want all %d valid=%v:\n%s", got, len(tc.signers), tc.valid, text)
			}
			for _, name := range tc.signers {
				if !strings.Contains(text, "Signer Certificate Common Name: "+name) {
					t.Errorf("pdfsig does not name %q:\n%s", name, text)
				}
			}
			r := p.validator(time.Now()).Validate(context.Background(), Input{Signature: tc.pdf})
			if (r.Indication == Passed) != tc.valid || len(r.Signatures) != len(tc.signers) {
				t.Errorf("llavero %s/%s with %d signatures:\n%s", r.Indication, r.SubIndication, len(r.Signatures), dump(r))
			}
			for i, name := range tc.signers {
				if i < len(r.Signatures) && (r.Signatures[i].Signer == nil || r.Signatures[i].Signer.Name != name) {
					t.Errorf("signature %d: signer %+v, want %s", i, r.Signatures[i].Signer, name)
				}
			}
		})
	}
}
