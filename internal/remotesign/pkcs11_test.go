//go:build cgo

package remotesign_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/llavero/llavero/internal/ca/pkcs11"
)

// TestKeyInSoftHSM signs with a key made in a PKCS#11 token (SoftHSM2),
// as production keeps them: the key is made there on first use, found
// there again by its label, and openssl accepts the signatures.
func TestKeyInSoftHSM(t *testing.T) {
	module := os.Getenv("SOFTHSM2_MODULE")
	if module == "" {
		module = "/usr/lib/softhsm/libsofthsm2.so"
	}
	if _, err := os.Stat(module); err != nil {
		t.Skipf("SoftHSM2 is not installed (no %s; apt-get install softhsm2)", module)
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Skip("softhsm2-util is not installed (apt-get install softhsm2)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command(util, "--init-token", "--free", "--label", "llavero-remote", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	ks, err := pkcs11.Open(pkcs11.Config{Module: module, TokenLabel: "llavero-remote", PIN: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.Close() })

	f := newFixture(t, ks)
	doc := []byte("firmado con una clave en un token")
	first := f.approve(t, "12345678Z", f.request(t, doc).ID)
	opensslVerify(t, f.ca, first.Signature, doc)
	hasRemotePolicy(t, f.ca, first.SignerCert)
	key, err := f.st.ActiveRemoteSigningKey(context.Background(), "12345678Z")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Load(context.Background(), key.Label); err != nil {
		t.Errorf("the key is not in the token under %s: %v", key.Label, err)
	}
	doc2 := []byte("y otra vez")
	second := f.approve(t, "12345678Z", f.request(t, doc2).ID)
	opensslVerify(t, f.ca, second.Signature, doc2)
	if string(second.SignerCert) != string(first.SignerCert) {
		t.Error("a second key was made")
	}
}
