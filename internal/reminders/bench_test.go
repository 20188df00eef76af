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
func benchEnv(b *testing.B) *env { return benchEnvOf(b, false) }

// benchEnvOf builds benchEnv's table; with downloads, each certificate is
// instead downloaded at a time spread evenly over two years, up to 60
// days after the clock's start (the later ones are downloads the
// benchmark's days will reach), so a day brings about 137 to the backup
// reminder's delay; each expires four years after its download, beyond
// every expiry threshold: only the backup pass sends.
func benchEnvOf(b *testing.B, downloads bool) *env {
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
				notAfter := t0.Add(time.Duration(i) * (730 * day / benchCerts))
				if downloads {
					app.DownloadedAt = t0.Add(60*day - time.Duration(i)*(730*day/benchCerts))
					app.CertSerial = serial
					app.CreatedAt, app.ExpiresAt = app.DownloadedAt.Add(-10*day), app.DownloadedAt.Add(20*day)
					notAfter = app.DownloadedAt.Add(4 * 365 * day)
				}
				if err := tx.CreateApplication(ctx, app); err != nil {
					return err
				}
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

// BenchmarkSweep100kBackups: one sweep a day over 100 000 downloaded
// certificates on SQLite, each finding the ~137 whose download crossed the
// 3-day mark since the day before and emailing them the backup reminder.
// The first sweep sends the 30 days' worth the lateness bound allows
// (~4 100), reported as first-sweep-s.
func BenchmarkSweep100kBackups(b *testing.B) {
	e := benchEnvOf(b, true)
	start := time.Now()
	first, err := e.sweep.Sweep(context.Background())
	if err != nil || first < 4000 {
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
	// The newest download (person 0, 60 days on) is not due yet.
	if rs, err := e.st.ListReminders(context.Background(), storetest.SyntheticPerson(0).ID, 0); err != nil || len(rs) != 0 || days > 50 {
		b.Fatalf("after %d days, the newest download's notices: %v, %v", days, rs, err)
	}
	b.ReportMetric(firstTook.Seconds(), "first-sweep-s")
	b.ReportMetric(float64(first), "first-sent")
	b.ReportMetric(float64(sent)/float64(days), "sent/op")
}
