package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/signing/validate"
	"github.com/llavero/llavero/internal/store"
)

// TestVerifyCommand validates signatures made with a certificate of a
// running installation, offline against its data and through its API.
func TestVerifyCommand(t *testing.T) {
	t.Setenv("LLAVERO_LANG", "en")
	ctx := context.Background()
	dir := t.TempDir()
	cfg := startPlatform(t, dir, "")
	srv := "http://" + cfg.Listen

	authority, keys, err := server.OpenCA(ctx, cfg, server.NewLogger(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := authority.IssuePerson(ctx, key.Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.UpsertPerson(ctx, store.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	serial := ra.SerialHex(cert.SerialNumber)
	if err := st.CreateCertificate(ctx, store.Certificate{Serial: serial, Kind: store.CertPerson, PersonID: "12345678Z", DER: cert.Raw,
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	doc := []byte("Solicitud de canje del permiso de conducir.\n")
	sd, _ := pkcs7.NewSignedData(doc)
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(cert, key, []*x509.Certificate{authority.Issuing()}, pkcs7.SignerInfoConfig{}); err != nil {
		t.Fatal(err)
	}
	sd.Detach()
	sig, err := sd.Finish()
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sigPath, docPath, badPath := write("doc.p7s", sig), write("doc.txt", doc), write("bad.txt", append([]byte("X"), doc...))

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"good, --content", []string{"verify", sigPath, "--content", docPath}, 0, "Result: VALID (PASSED)"},
		{"good, --detached", []string{"verify", docPath, "--detached", sigPath}, 0, "Signer: RUIZ"},
		{"changed document", []string{"verify", sigPath, "--content", badPath}, 1, "HASH_FAILURE"},
		{"document missing", []string{"verify", sigPath}, 2, "SIGNED_DATA_NOT_FOUND"},
		{"good, server", []string{"verify", sigPath, "--content", docPath, "--server", srv}, 0, "Result: VALID (PASSED)"},
		{"changed document, server", []string{"verify", sigPath, "--content", badPath, "--server", srv}, 1, "HASH_FAILURE"},
		{"no such file", []string{"verify", filepath.Join(files, "missing")}, 3, ""},
		{"both --detached and --content", []string{"verify", docPath, "--detached", sigPath, "--content", docPath}, 3, ""},
		{"garbage", []string{"verify", docPath}, 1, "FORMAT_FAILURE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"--data", dir}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d (want %d), output:\n%s\n%s", code, tc.code, out, errs)
			}
		})
	}

	out, _, code := run(t, "--data", dir, "--lang", "es", "verify", sigPath, "--content", docPath)
	if code != 0 || !strings.Contains(out, "Resultado: VÁLIDA") || !strings.Contains(out, "12345678Z") {
		t.Errorf("Spanish report (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, "--data", dir, "verify", sigPath, "--content", docPath, "--json")
	var rep validate.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Indication != validate.Passed || rep.Signatures[0].Signer.ID != "12345678Z" {
		t.Errorf("JSON report (exit %d, %v):\n%s", code, err, out)
	}

	// Revoked in the installation's store: both ways see it.
	if _, err := st.UpdateCertificate(ctx, serial, func(c *store.Certificate) error {
		c.RevokedAt, c.RevocationReason = time.Now().Add(-time.Hour).Truncate(time.Second), 1
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--server", srv}} {
		out, _, code := run(t, append([]string{"--data", dir, "verify", sigPath, "--content", docPath}, extra...)...)
		if code != 1 || !strings.Contains(out, "REVOKED") {
			t.Errorf("revoked %v: exit %d\n%s", extra, code, out)
		}
	}
}
