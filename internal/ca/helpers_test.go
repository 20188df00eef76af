package ca_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

const testBaseURL = "http://pki.llavero.es"

// clock is an injectable, movable CA clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fileOptions are the options of a development deployment: a file key store
// in DIR/keys and the certificates in DIR/certs.
func fileOptions(t *testing.T) ca.Options {
	t.Helper()
	dir := t.TempDir()
	return ca.Options{
		Dir:          filepath.Join(dir, "certs"),
		Keys:         newFileKeyStore(t, filepath.Join(dir, "keys"), testPassphrase),
		Organization: "llavero (development)",
		Country:      "ES",
		BaseURL:      testBaseURL + "/",
	}
}

func mustOpen(t *testing.T, opt ca.Options) *ca.CA {
	t.Helper()
	c, err := ca.Open(context.Background(), opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return c
}

// hierarchies are made once per test binary: an RSA 3072 key takes
// seconds to generate under the race detector.
var hierarchies struct {
	once sync.Once
	dir  string
	cas  map[string]*ca.CA
	err  error
}

// testCAs returns the two hierarchies the external checks run against:
// the defaults (P-384 root, P-256 issuing) and an RSA 3072 issuing CA.
func testCAs(t *testing.T) map[string]*ca.CA {
	t.Helper()
	h := &hierarchies
	h.once.Do(func() {
		if h.dir, h.err = os.MkdirTemp("", "llavero-ca-test-"); h.err != nil {
			return
		}
		h.cas = map[string]*ca.CA{}
		for name, alg := range map[string]ca.KeyAlg{"ecdsa": "", "rsa3072": ca.RSA3072} {
			opt := ca.Options{
				Dir:          filepath.Join(h.dir, name),
				Keys:         catest.NewMemKeyStore(),
				IssuingAlg:   alg,
				Organization: "llavero (test)",
				Country:      "ES",
				BaseURL:      testBaseURL,
			}
			if h.cas[name], h.err = ca.Open(context.Background(), opt); h.err != nil {
				return
			}
		}
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	return h.cas
}

func TestMain(m *testing.M) {
	code := m.Run()
	if hierarchies.dir != "" {
		os.RemoveAll(hierarchies.dir)
	}
	os.Exit(code)
}

// keys made once: the tests need many public keys, not many key
// generations.
var testKeys = struct {
	once                sync.Once
	p256, p384, rsa2048 crypto.Signer
}{}

func clientKey(t testing.TB, alg ca.KeyAlg) crypto.Signer {
	t.Helper()
	testKeys.once.Do(func() {
		testKeys.p256, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		testKeys.p384, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		testKeys.rsa2048, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	switch alg {
	case ca.P256:
		return testKeys.p256
	case ca.P384:
		return testKeys.p384
	case ca.RSA2048:
		return testKeys.rsa2048
	}
	t.Fatalf("no test key for %s", alg)
	return nil
}

// check is one expectation of a table of field checks.
type check struct {
	name      string
	got, want any
}

func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s: got %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}
