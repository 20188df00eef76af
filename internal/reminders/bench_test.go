package reminders

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/storetest"
)

// benchCerts is the size of the benchmarks' certificate table.
const benchCerts = 100_000

// benchEnv holds 100 000 people, each with a certificate (from an
// application with an email) whose expiry is spread evenly over the two
// years of a certificate's life, so a day brings about 137 to each
// threshold.
func benchEnv(b *testing.B) *env {
	ctx := context.Background()
	st := openSQLite(b, filepath.Join(b.TempDir(), "db"))
	e := newEnv(b, st)
	if _, err := st.ImportPeople(ctx, func(put func(store.Person) error) error {
		for i := range benchCerts {
			if err := put(storetest.SyntheticPerson(i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for start := 0; start < benchCerts; start += batch {
		err := st.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < start+batch; i++ {
				p := storetest.SyntheticPerson(i)
				serial := fmt.Sprintf("%x", 0x100000+i)
				app := store.Application{ID: "app-" + serial, CodeHash: "hash-" + serial, PersonID: p.ID, Email: "p" + serial + "@example.org",
					Lang: "es", PublicKey: []byte{1}, KeyFingerprint: "fp-" + serial, State: store.AppDownloaded,
					CreatedAt: t0.Add(-400 * day), ExpiresAt: t0.Add(-370 * day)}
				if err := tx.CreateApplication(ctx, app); err != nil {
					return err
				}
				notAfter := t0.Add(time.Duration(i) * (730 * day / benchCerts))
				if err := tx.CreateCertificate(ctx, store.Certificate{Serial: serial, Kind: store.CertPerson, PersonID: p.ID,
					ApplicationID: app.ID, DER: make([]byte, 1200), NotBefore: notAfter.Add(-730 * day), NotAfter: notAfter,
					CreatedAt: t0.Add(-400 * day)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// BenchmarkSweep100k: one sweep a day over 100 000 certificates on
// SQLite, each finding the ~411 reminders (137 per threshold) that fell
// due since the day before, emailing them to the outbox. The first sweep,
// which sends the 60 days' worth (~8 200), is reported as first-sweep-s.
func BenchmarkSweep100k(b *testing.B) {
	e := benchEnv(b)
	start := time.Now()
	first, err := e.sweep.Sweep(context.Background())
	if err != nil || first < 8000 {
		b.Fatalf("first sweep sent %d, %v", first, err)
	}
	firstTook := time.Since(start)
	sent, days := 0, 0
	for b.Loop() {
		days++
		e.clk.set(t0.Add(time.Duration(days) * day))
		n, err := e.sweep.Sweep(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	b.ReportMetric(firstTook.Seconds(), "first-sweep-s")
	b.ReportMetric(float64(first), "first-sent")
	b.ReportMetric(float64(sent)/float64(days), "sent/op")
}

// BenchmarkSweep100kIdle: the sweep every node runs every few minutes
// when nothing new is due: the queries alone.
func BenchmarkSweep100kIdle(b *testing.B) {
	e := benchEnv(b)
	if _, err := e.sweep.Sweep(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if n, err := e.sweep.Sweep(context.Background()); err != nil || n != 0 {
			b.Fatalf("idle sweep sent %d, %v", n, err)
		}
	}
}
