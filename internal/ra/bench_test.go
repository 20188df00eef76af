package ra

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/store"
)

// BenchmarkApprove measures issuance through the RA as an office approval
// runs it: registry and document checks, signing by the P-256 issuing CA,
// a pre-signed OCSP answer, one SQLite transaction with the audit event,
// and the "ready" email into the outbox. Applications are made beforehand.
func BenchmarkApprove(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	ids := make([]string, b.N)
	key, _ := keystore.Generate(keystore.P256)
	_ = key
	for i := range ids {
		k, _ := keystore.Generate(keystore.P256)
		csr, _ := keystore.CreateCSR(k, "X1234567L", "Kovalenko", "olena@example.org")
		res, err := e.ra.Apply(ctx, ApplyRequest{ID: "X1234567L", Surname: "Kovalenko", Email: "olena@example.org", CSR: csr})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = res.ApplicationID
	}
	exp, _ := time.Parse(time.DateOnly, "2031-05-01")
	chk := Check{DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: exp}
	b.ResetTimer()
	for _, id := range ids {
		if _, err := e.ra.Approve(ctx, e.desk, id, chk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkRegenerateCRL100k signs the CRL of 100 000 revoked
// certificates, reading them from SQLite.
func BenchmarkRegenerateCRL100k(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	now := e.clock.Now()
	const n = 100_000
	err := e.st.InTx(ctx, func(tx store.Tx) error {
		for i := 0; i < n; i++ {
			c := store.Certificate{Serial: fmt.Sprintf("%x", big.NewInt(int64(1_000_000+i))), Kind: store.CertPerson, PersonID: "X1234567L",
				DER: []byte{0x30}, NotBefore: now, NotAfter: now.Add(4 * 365 * 24 * time.Hour), CreatedAt: now,
				RevokedAt: now, RevocationReason: ocsp.KeyCompromise}
			if err := tx.CreateCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.ra.RegenerateCRL(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
