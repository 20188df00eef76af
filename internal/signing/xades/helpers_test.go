package xades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
	"github.com/llavero/llavero/internal/signing"
)

// fixture is a test CA and a citizen's credential from it.
type fixture struct {
	ca   *ca.CA
	cred signing.Credential
}

// newFixture issues a citizen certificate (the natural-person profile) for
// a fresh key of the given kind: "p256", "p384" or "rsa".
func newFixture(t testing.TB, kind string) fixture {
	t.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case "p256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	c := catest.New(t)
	cert, err := c.IssuePerson(context.Background(), key.Public(),
		personAna, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ca: c, cred: signing.Credential{Signer: key, Certificate: cert, Chain: []*x509.Certificate{c.Issuing()}}}
}

// testTSA is a minimal RFC 3161 authority inside the test: its own root
// and a timestamping certificate (extended key usage timeStamping,
// critical), tokens made by digitorus/timestamp. The real authority is
// internal/tsa; this one only has to make tokens openssl accepts.
type testTSA struct {
	root, cert *x509.Certificate
	key        crypto.Signer
	mu         sync.Mutex
	digests    [][]byte // what it was asked to stamp
}

func newTestTSA(t testing.TB) *testTSA {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test TSA Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test TSA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, key.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	// Go writes extended key usage as non-critical; RFC 3161 wants it
	// critical and openssl ts -verify checks. Re-issue with the extension
	// marked critical.
	for _, e := range cert.Extensions {
		if e.Id.Equal([]int{2, 5, 29, 37}) {
			e.Critical = true
			tmpl.ExtKeyUsage = nil
			tmpl.ExtraExtensions = []pkix.Extension{e}
		}
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, root, key.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	return &testTSA{root: root, cert: cert, key: key}
}

// Timestamp implements signing.Timestamper.
func (a *testTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	a.mu.Lock()
	a.digests = append(a.digests, append([]byte(nil), digest...))
	a.mu.Unlock()
	ts := timestamp.Timestamp{
		HashAlgorithm: h, HashedMessage: digest, Time: time.Now(), SerialNumber: big.NewInt(time.Now().UnixNano()),
		Policy: []int{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true, Qualified: false,
	}
	resp, err := ts.CreateResponseWithOpts(a.cert, a.key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return parsed.RawToken, nil
}

// xmlsec1 runs `xmlsec1 --verify` on the signature file sig in dir, trusting
// the fixture's root and given its issuing CA, and returns its output and
// whether it accepted the signature. It skips when xmlsec1 is missing.
func xmlsec1(t testing.TB, f fixture, dir, sig string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		t.Skip("xmlsec1 is not installed (apt-get install xmlsec1): skipping the check with an external tool")
	}
	root := catest.WritePEM(t, dir, "root.pem", f.ca.Root())
	issuing := catest.WritePEM(t, dir, "issuing.pem", f.ca.Issuing())
	cmd := exec.Command(bin, "--verify", "--trusted-pem", root, "--untrusted-pem", issuing,
		"--id-attr:Id", NamespaceXAdES+":SignedProperties", sig)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err == nil && strings.Contains(string(out), "OK")
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var personAna = ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil"}
