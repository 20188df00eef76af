// Package catest helps test llavero's CA and its callers: one conformance
// suite every ca.KeyStore passes, an in-memory key store, a ready-made test
// CA, and helpers that check results with the openssl tool.
package catest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llavero/llavero/internal/ca"
)

// MemKeyStore keeps keys in memory: for tests only, where a key
// derivation per key would make a suite slow.
type MemKeyStore struct {
	mu   sync.Mutex
	keys map[string]crypto.Signer
}

// NewMemKeyStore returns an empty MemKeyStore.
func NewMemKeyStore() *MemKeyStore { return &MemKeyStore{keys: map[string]crypto.Signer{}} }

// Generate makes a software key under label.
func (s *MemKeyStore) Generate(ctx context.Context, label string, alg ca.KeyAlg) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("catest: empty key label")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[label]; ok {
		return nil, fmt.Errorf("catest: key %q: %w", label, ca.ErrKeyExists)
	}
	k, err := ca.GenerateSoftwareKey(alg)
	if err != nil {
		return nil, err
	}
	s.keys[label] = k
	return k, nil
}

// Load returns the key under label.
func (s *MemKeyStore) Load(ctx context.Context, label string) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("catest: empty key label")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[label]
	if !ok {
		return nil, fmt.Errorf("catest: key %q: %w", label, ca.ErrKeyNotFound)
	}
	return k, nil
}

// Close does nothing.
func (s *MemKeyStore) Close() error { return nil }

// Options returns CA options for a test: a temporary directory, a
// MemKeyStore, and example names and URLs.
func Options(t testing.TB) ca.Options {
	return ca.Options{
		Dir:          t.TempDir(),
		Keys:         NewMemKeyStore(),
		Organization: "llavero (test)",
		Country:      "ES",
		BaseURL:      "http://pki.llavero.es",
	}
}

// New returns a freshly created CA with Options(t).
func New(t testing.TB) *ca.CA {
	t.Helper()
	c, err := ca.Open(context.Background(), Options(t))
	if err != nil {
		t.Fatalf("catest: opening a test CA: %v", err)
	}
	return c
}

// RunKeyStore runs the conformance suite against the key stores open
// returns, generating keys of each of algs (p256 and rsa2048 when none are
// given). Each sub-test gets a fresh, empty store.
func RunKeyStore(t *testing.T, open func(t *testing.T) ca.KeyStore, algs ...ca.KeyAlg) {
	if len(algs) == 0 {
		algs = []ca.KeyAlg{ca.P256, ca.RSA2048}
	}
	fresh := func(t *testing.T) ca.KeyStore {
		ks := open(t)
		t.Cleanup(func() {
			if err := ks.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return ks
	}
	for _, alg := range algs {
		t.Run("GenerateLoadSign/"+string(alg), func(t *testing.T) { testGenerateLoadSign(t, fresh(t), alg) })
	}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, ca.KeyStore)
	}{
		{"GenerateRefusesExistingLabel", testGenerateRefusesExisting},
		{"LoadMissingIsErrKeyNotFound", testLoadMissing},
		{"GenerateRefusesUnknownAlg", testUnknownAlg},
		{"EmptyLabelRefused", testEmptyLabel},
		{"CanceledContext", testCanceled},
		{"ConcurrentSigning", testConcurrentSigning},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, fresh(t)) })
	}
}

func testGenerateLoadSign(t *testing.T, ks ca.KeyStore, alg ca.KeyAlg) {
	ctx := context.Background()
	label := "key-" + string(alg)
	gen, err := ks.Generate(ctx, label, alg)
	if err != nil {
		t.Fatalf("Generate(%s): %v", alg, err)
	}
	checkAlg(t, gen.Public(), alg)
	loaded, err := ks.Load(ctx, label)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !gen.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(loaded.Public()) {
		t.Fatal("Load returned another key than Generate made")
	}
	for _, s := range []crypto.Signer{gen, loaded} {
		if err := signAndVerify(s); err != nil {
			t.Fatal(err)
		}
	}
}

func checkAlg(t *testing.T, pub crypto.PublicKey, alg ca.KeyAlg) {
	t.Helper()
	var got string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		got = map[elliptic.Curve]string{elliptic.P256(): "p256", elliptic.P384(): "p384"}[k.Curve]
	case *rsa.PublicKey:
		got = fmt.Sprintf("rsa%d", k.N.BitLen())
		if k.E != 65537 {
			t.Errorf("RSA exponent %d, want 65537", k.E)
		}
	}
	if got != string(alg) {
		t.Fatalf("generated a %T (%s), want %s", pub, got, alg)
	}
}

// signAndVerify signs a SHA-256 digest with s the ways the CA does (ECDSA;
// RSA PKCS #1 v1.5 and PSS) and verifies the signature with the public key.
func signAndVerify(s crypto.Signer) error {
	digest := sha256.Sum256([]byte("llavero signs this"))
	switch pub := s.Public().(type) {
	case *ecdsa.PublicKey:
		sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return fmt.Errorf("ECDSA sign: %w", err)
		}
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return errors.New("ECDSA signature does not verify")
		}
	case *rsa.PublicKey:
		sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return fmt.Errorf("RSA PKCS#1 v1.5 sign: %w", err)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			return fmt.Errorf("RSA PKCS#1 v1.5 signature: %w", err)
		}
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		sig, err = s.Sign(rand.Reader, digest[:], opts)
		if err != nil {
			return fmt.Errorf("RSA PSS sign: %w", err)
		}
		if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, opts); err != nil {
			return fmt.Errorf("RSA PSS signature: %w", err)
		}
	default:
		return fmt.Errorf("unexpected public key %T", pub)
	}
	return nil
}

func testGenerateRefusesExisting(t *testing.T, ks ca.KeyStore) {
	ctx := context.Background()
	first, err := ks.Generate(ctx, "taken", ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Generate(ctx, "taken", ca.P256); !errors.Is(err, ca.ErrKeyExists) {
		t.Fatalf("second Generate: got %v, want ErrKeyExists", err)
	}
	loaded, err := ks.Load(ctx, "taken")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(loaded.Public()) {
		t.Fatal("the refused Generate replaced the existing key")
	}
}

func testLoadMissing(t *testing.T, ks ca.KeyStore) {
	_, err := ks.Load(context.Background(), "absent")
	if !errors.Is(err, ca.ErrKeyNotFound) {
		t.Fatalf("got %v, want ErrKeyNotFound", err)
	}
	if !strings.Contains(err.Error(), "absent") {
		t.Errorf("error %q does not name the label", err)
	}
}

func testUnknownAlg(t *testing.T, ks ca.KeyStore) {
	ctx := context.Background()
	if _, err := ks.Generate(ctx, "weak", ca.KeyAlg("p224")); err == nil {
		t.Fatal("Generate accepted p224")
	}
	if _, err := ks.Load(ctx, "weak"); !errors.Is(err, ca.ErrKeyNotFound) {
		t.Fatalf("a refused Generate left something behind: Load gives %v", err)
	}
}

func testEmptyLabel(t *testing.T, ks ca.KeyStore) {
	ctx := context.Background()
	if _, err := ks.Generate(ctx, "", ca.P256); err == nil {
		t.Error("Generate accepted an empty label")
	}
	if _, err := ks.Load(ctx, ""); err == nil {
		t.Error("Load accepted an empty label")
	}
}

func testCanceled(t *testing.T, ks ca.KeyStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ks.Generate(ctx, "late", ca.P256); !errors.Is(err, context.Canceled) {
		t.Errorf("Generate: got %v, want context.Canceled", err)
	}
	if _, err := ks.Load(ctx, "late"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load: got %v, want context.Canceled", err)
	}
}

func testConcurrentSigning(t *testing.T, ks ca.KeyStore) {
	k, err := ks.Generate(context.Background(), "shared", ca.P256)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if err := signAndVerify(k); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkSign measures one signature over a SHA-256 digest with a key of
// alg made in ks.
func BenchmarkSign(b *testing.B, ks ca.KeyStore, alg ca.KeyAlg) {
	k, err := ks.Generate(context.Background(), "bench-"+string(alg), alg)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("benchmark"))
	for b.Loop() {
		if _, err := k.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

// OpenSSL runs the openssl tool with args and returns its combined output.
// It skips the test when openssl is not installed and fails it when the
// command fails.
func OpenSSL(t testing.TB, args ...string) string {
	t.Helper()
	out, err := TryOpenSSL(t, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryOpenSSL is OpenSSL for commands expected to fail: it returns the
// error instead of failing the test.
func TryOpenSSL(t testing.TB, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed (apt-get install openssl): skipping the check with an external tool")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// WritePEM writes certs to dir/name as PEM and returns the path.
func WritePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// VerifyWithOpenSSL checks with `openssl verify` that leaf chains to c's
// root through its issuing CA, for purpose (e.g. "sslclient", "smimesign",
// "sslserver"; empty for none).
func VerifyWithOpenSSL(t testing.TB, c *ca.CA, leaf *x509.Certificate, purpose string) {
	t.Helper()
	dir := t.TempDir()
	args := []string{"verify", "-x509_strict",
		"-CAfile", WritePEM(t, dir, "root.crt", c.Root()),
		"-untrusted", WritePEM(t, dir, "issuing.crt", c.Issuing())}
	if purpose != "" {
		args = append(args, "-purpose", purpose)
	}
	leafPath := WritePEM(t, dir, "leaf.crt", leaf)
	out := OpenSSL(t, append(args, leafPath)...)
	if !strings.Contains(out, leafPath+": OK") {
		t.Fatalf("openssl verify did not say OK:\n%s", out)
	}
}
