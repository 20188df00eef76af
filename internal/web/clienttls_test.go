package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// testCA makes a root that signs client certificates valid in [from, to).
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t testing.TB, name string) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCA{c, key}
}

func (ca testCA) issue(t testing.TB, from, to time.Time, usage x509.ExtKeyUsage) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "person"},
		NotBefore: from, NotAfter: to, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestVerifyClientChain(t *testing.T) {
	ours, theirs := newTestCA(t, "ours"), newTestCA(t, "theirs")
	roots := x509.NewCertPool()
	roots.AddCert(ours.cert)
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		raw  [][]byte
		ok   bool
	}{
		{"no certificate: the page explains", nil, true},
		{"in date", [][]byte{ours.issue(t, now.Add(-day), now.Add(day), x509.ExtKeyUsageClientAuth)}, true},
		{"expired: the page explains", [][]byte{ours.issue(t, now.Add(-400*day), now.Add(-day), x509.ExtKeyUsageClientAuth)}, true},
		{"not valid yet", [][]byte{ours.issue(t, now.Add(day), now.Add(400*day), x509.ExtKeyUsageClientAuth)}, false},
		{"another CA's", [][]byte{theirs.issue(t, now.Add(-day), now.Add(day), x509.ExtKeyUsageClientAuth)}, false},
		{"another CA's, expired", [][]byte{theirs.issue(t, now.Add(-400*day), now.Add(-day), x509.ExtKeyUsageClientAuth)}, false},
		{"not for client authentication", [][]byte{ours.issue(t, now.Add(-day), now.Add(day), x509.ExtKeyUsageServerAuth)}, false},
		{"not a certificate", [][]byte{[]byte("nope")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifyClientChain(tc.raw, roots, now); (err == nil) != tc.ok {
				t.Errorf("err %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func BenchmarkVerifyClientChain(b *testing.B) {
	ours := newTestCA(b, "ours")
	roots := x509.NewCertPool()
	roots.AddCert(ours.cert)
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	raw := [][]byte{ours.issue(b, now.Add(-time.Hour), now.Add(time.Hour), x509.ExtKeyUsageClientAuth)}
	for b.Loop() {
		if err := verifyClientChain(raw, roots, now); err != nil {
			b.Fatal(err)
		}
	}
}
