package ca_test

import (
	"context"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

// benchCA is the configuration the RA's 1,000 issuances/s target is set
// for: a P-256 issuing key from the file key store.
func benchCA(b *testing.B) *ca.CA {
	b.Helper()
	dir := b.TempDir()
	ks, err := ca.NewFileKeyStore(filepath.Join(dir, "keys"), testPassphrase)
	if err != nil {
		b.Fatal(err)
	}
	ks.UseFastKDF()
	c, err := ca.Open(context.Background(), ca.Options{
		Dir: filepath.Join(dir, "certs"), Keys: ks,
		Organization: "llavero (bench)", Country: "ES", BaseURL: testBaseURL,
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkIssuePerson(b *testing.B) {
	c := benchCA(b)
	pub := clientKey(b, ca.P256).Public()
	p := ca.Person{ID: "X1234567L", GivenName: "José María", FirstSurname: "Muñoz", SecondSurname: "Ibáñez", Email: "jose@example.es"}
	ctx := context.Background()
	now := time.Now()
	for b.Loop() {
		if _, err := c.IssuePerson(ctx, pub, p, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssuePersonParallel is the throughput both cores give.
func BenchmarkIssuePersonParallel(b *testing.B) {
	c := benchCA(b)
	pub := clientKey(b, ca.P256).Public()
	p := ca.Person{ID: "X1234567L", GivenName: "José María", FirstSurname: "Muñoz", SecondSurname: "Ibáñez", Email: "jose@example.es"}
	ctx := context.Background()
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.IssuePerson(ctx, pub, p, now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSignOCSP(b *testing.B) {
	c := benchCA(b)
	serial := new(big.Int).Lsh(big.NewInt(0xabcdef), 100)
	now := time.Now()
	for b.Loop() {
		if _, err := c.SignOCSP(serial, ocsp.Good, time.Time{}, 0, now, now.Add(24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignCRL100k(b *testing.B) {
	c := benchCA(b)
	now := time.Now()
	revoked := make([]ca.Revoked, 100_000)
	for i := range revoked {
		// 128-bit serials like the real ones.
		s := new(big.Int).Lsh(big.NewInt(int64(i+1)), 100)
		revoked[i] = ca.Revoked{Serial: s.Add(s, big.NewInt(int64(i))), RevokedAt: now.Add(-time.Duration(i) * time.Second), Reason: i % 2}
	}
	for b.Loop() {
		if _, err := c.SignCRL(revoked, big.NewInt(1), now, now.Add(24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFileKeyStoreSign is the file backend's signing cost, to compare
// with the PKCS#11 backend's (package ca/pkcs11).
func BenchmarkFileKeyStoreSign(b *testing.B) {
	for _, alg := range []ca.KeyAlg{ca.P256, ca.P384, ca.RSA2048} {
		b.Run(string(alg), func(b *testing.B) {
			ks, err := ca.NewFileKeyStore(filepath.Join(b.TempDir(), "keys"), testPassphrase)
			if err != nil {
				b.Fatal(err)
			}
			ks.UseFastKDF()
			catest.BenchmarkSign(b, ks, alg)
		})
	}
}
