package idp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/store"
)

// BenchmarkPINLogin is the IdP's share of a PIN login: registry and second
// fact, rate limits, code stored, SMS into the outbox, then the code
// verified and consumed, with login event and audit record, on SQLite.
// Each iteration is a different person, so per-person limits do not bite.
func BenchmarkPINLogin(b *testing.B) {
	e := newEnv(&testing.T{})
	ctx := context.Background()
	ids := make([]string, b.N)
	now := e.clock.Now()
	err := e.st.InTx(ctx, func(tx store.Tx) error {
		for i := range ids {
			n := 10_000_000 + 5_000_000 + i
			id := fmt.Sprintf("Y%07d%c", n-10_000_000, "TRWAGMYFPDXBNJZSQVHLCKE"[n%23])
			ids[i] = id
			exp, _ := time.Parse(time.DateOnly, "2031-05-01")
			if err := tx.UpsertPerson(ctx, store.Person{ID: id, GivenName: "Ana", FirstSurname: "Pérez", Nationality: "RO", DocumentType: "EU_CERTIFICATE",
				DocumentNumber: id, DocumentExpiry: exp, Address: "Calle 1", PostalCode: "28001", City: "Madrid", Province: "Madrid", UpdatedAt: now}); err != nil {
				return err
			}
			if err := tx.CreateAccount(ctx, store.Account{PersonID: id, Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice,
				Mobile: fmt.Sprintf("+3461%07d", i), CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for _, id := range ids {
		sent, err := e.idp.StartPIN(ctx, id, "2031-05-01", "", i18n.ES)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		pin := e.lastSMS(id)
		b.StartTimer()
		if _, err := e.idp.VerifyPIN(ctx, sent.CodeID, pin); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkPasswordLogin compares password logins with the raw argon2id
// rate at the same parameters (t=5, 7 MiB, p=1), both on all cores: the
// issue asks for at least 90 % of the raw rate.
func BenchmarkPasswordLogin(b *testing.B) {
	b.Run("raw-argon2id", func(b *testing.B) {
		salt := make([]byte, 16)
		p := password.DefaultParams
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				argon2.IDKey([]byte("Tranvía-Azul-Nube-42"), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	})
	b.Run("login", func(b *testing.B) {
		e := newEnv(&testing.T{})
		e.idp.cfg.Password = password.DefaultParams
		ctx := context.Background()
		now := e.clock.Now()
		if err := e.st.CreateAccount(ctx, store.Account{PersonID: "X1234567L", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice, CreatedAt: now, UpdatedAt: now}); err != nil {
			b.Fatal(err)
		}
		if err := e.idp.SetPassword(ctx, "X1234567L", "Tranvía-Azul-Nube-42"); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.idp.LoginPassword(ctx, "X1234567L", "Tranvía-Azul-Nube-42", ""); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
}
