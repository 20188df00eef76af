package cades

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/signing"
	"github.com/llavero/llavero/internal/tsa"
)

// fixture is a test CA, citizens and the platform's timestamp authority.
type fixture struct {
	ca  *ca.CA
	tsa *tsa.Authority
	dir string
	// root and chain are PEM files: the trust anchor, and the issuing CA.
	root, issuing string
}

var (
	keyCache = map[ca.KeyAlg]crypto.Signer{}
	keyMu    sync.Mutex
)

// newFixture makes a fresh CA and TSA.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	c := catest.New(t)
	dir := t.TempDir()
	a, err := tsa.Open(context.Background(), catest.NewMemKeyStore(), c, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ca: c, tsa: a, dir: dir,
		root:    catest.WritePEM(t, dir, "root.pem", c.Root()),
		issuing: catest.WritePEM(t, dir, "issuing.pem", c.Issuing())}
}

// citizen issues a citizen's credential with a key of alg (keys are reused
// across tests: RSA generation is slow).
func (f *fixture) citizen(t testing.TB, alg ca.KeyAlg, id, given, surname string) signing.Credential {
	t.Helper()
	keyMu.Lock()
	key, ok := keyCache[alg]
	if !ok {
		var err error
		if key, err = ca.GenerateSoftwareKey(alg); err != nil {
			t.Fatal(err)
		}
		keyCache[alg] = key
	}
	keyMu.Unlock()
	cert, err := f.ca.IssuePerson(context.Background(), key.Public(), ca.Person{ID: id, GivenName: given, FirstSurname: surname}, time.Now().Add(-10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return signing.Credential{Signer: key, Certificate: cert, Chain: f.ca.Chain()}
}

func (f *fixture) ana(t testing.TB) signing.Credential {
	return f.citizen(t, ca.P256, "12345678Z", "Ana", "Ruiz")
}

func (f *fixture) luis(t testing.TB) signing.Credential {
	return f.citizen(t, ca.RSA2048, "X1234567L", "Luis", "Gil")
}

func write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// opensslVerify runs openssl cms -verify as the brief gives it: the
// signature must verify against the root alone.
func (f *fixture) opensslVerify(t testing.TB, sig []byte, content []byte) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", write(t, dir, "sig.csig", sig),
		"-CAfile", f.root, "-purpose", "any", "-out", filepath.Join(dir, "out")}
	if content != nil {
		args = append(args, "-content", write(t, dir, "content", content))
	}
	out := catest.OpenSSL(t, args...)
	if !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify did not succeed:\n%s", out)
	}
	if content == nil {
		got, err := os.ReadFile(filepath.Join(dir, "out"))
		if err != nil {
			t.Fatal(err)
		}
		return string(got)
	}
	return ""
}

// opensslPrint is openssl cms -cmsout -print.
func opensslPrint(t testing.TB, sig []byte) string {
	t.Helper()
	return catest.OpenSSL(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", write(t, t.TempDir(), "sig.csig", sig))
}

// fixedTimestamper fails, or returns a fixed token.
type fixedTimestamper struct {
	token []byte
	err   error
}

func (f fixedTimestamper) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) {
	return f.token, f.err
}
