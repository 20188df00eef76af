package keystore

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateCSR(t *testing.T) {
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			key := testKey(t, kt, 0)
			p, err := CreateCSR(key, "x-1234567-l", "  Núñez  ", "ana@example.org")
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(p)
			if block == nil || block.Type != "CERTIFICATE REQUEST" || len(rest) != 0 {
				t.Fatalf("not one PEM CSR:\n%s", p)
			}
			csr, err := x509.ParseCertificateRequest(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Errorf("signature: %v", err)
			}
			if !samePublicKey(key.Public(), csr.PublicKey) {
				t.Error("CSR carries another public key")
			}
			wantAlg := x509.ECDSAWithSHA256
			if kt != P256 {
				wantAlg = x509.SHA256WithRSA
			}
			if csr.SignatureAlgorithm != wantAlg {
				t.Errorf("signature algorithm %v, want %v", csr.SignatureAlgorithm, wantAlg)
			}
			if csr.Subject.SerialNumber != "IDCES-X1234567L" || csr.Subject.CommonName != "X1234567L" {
				t.Errorf("subject %v", csr.Subject)
			}
			var surname string
			for _, n := range csr.Subject.Names {
				if n.Type.Equal(oidSurname) {
					surname, _ = n.Value.(string)
				}
			}
			if surname != "Núñez" {
				t.Errorf("surname %q", surname)
			}
			if len(csr.EmailAddresses) != 1 || csr.EmailAddresses[0] != "ana@example.org" {
				t.Errorf("email SAN %v", csr.EmailAddresses)
			}
			opensslVerifiesCSR(t, p)
		})
	}
}

// opensslVerifiesCSR has a tool nobody here wrote check the signature.
func opensslVerifiesCSR(t *testing.T, p []byte) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Log("openssl not installed: skipping its check of the CSR")
		return
	}
	f := filepath.Join(t.TempDir(), "req.pem")
	os.WriteFile(f, p, 0o600)
	out, err := exec.Command(openssl, "req", "-in", f, "-noout", "-verify", "-subject").CombinedOutput()
	if err != nil || !strings.Contains(strings.ToLower(string(out)), "verif") || strings.Contains(string(out), "fail") {
		t.Errorf("openssl req -verify: %v\n%s", err, out)
	}
	t.Logf("openssl req -verify: %s", strings.TrimSpace(string(out)))
}

func TestCreateCSRRefuses(t *testing.T) {
	key := testKey(t, P256, 0)
	for _, c := range []struct {
		name, id, surname, email, code string
	}{
		{"control letter", "12345678A", "Núñez", "ana@example.org", "id.control_letter"},
		{"no surname", "12345678Z", " ", "ana@example.org", "surname.empty"},
		{"name in front of the address", "12345678Z", "Núñez", "Ana <ana@example.org>", "csr.email"},
		{"no domain", "12345678Z", "Núñez", "ana@localhost", "csr.email"},
		{"no at", "12345678Z", "Núñez", "ana.example.org", "csr.email"},
		{"empty email", "12345678Z", "Núñez", "", "csr.email"},
	} {
		_, err := CreateCSR(key, c.id, c.surname, c.email)
		e, ok := i18nCode(err)
		if !ok || e != c.code {
			t.Errorf("%s: got %v, want code %s", c.name, err, c.code)
		}
	}
}
