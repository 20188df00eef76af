package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// BenchRows is how many people one benchmark import carries: 100 000, or
// the environment's LLAVERO_BENCH_ROWS, e.g. 1000000 for the registry-sized
// run.
func BenchRows(b *testing.B) int {
	if v := os.Getenv("LLAVERO_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 10_000_000 {
			b.Fatalf("LLAVERO_BENCH_ROWS=%q: want an integer from 1 to 10000000", v)
		}
		return n
	}
	return 100_000
}

// FillSynthetic returns an ImportPeople fill that puts SyntheticPerson 0 to
// n-1.
func FillSynthetic(n int) func(put func(store.Person) error) error {
	return func(put func(store.Person) error) error {
		for i := range n {
			if err := put(SyntheticPerson(i)); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchImportPeople imports BenchRows synthetic people into a new, empty
// store per op ("new", all creates), then again over them ("reimport", all
// updates). open is not timed. The rows/s metric includes generating the
// rows, as a real import includes parsing them.
func BenchImportPeople(b *testing.B, open func(testing.TB) store.Store) {
	rows := BenchRows(b)
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := open(b)
			b.StartTimer()
			res, err := s.ImportPeople(ctx, FillSynthetic(rows))
			if err != nil {
				b.Fatal(err)
			}
			if res.Created != rows {
				b.Fatalf("created %d, want %d", res.Created, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("reimport", func(b *testing.B) {
		s := open(b)
		if _, err := s.ImportPeople(ctx, FillSynthetic(rows)); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := s.ImportPeople(ctx, FillSynthetic(rows))
			if err != nil {
				b.Fatal(err)
			}
			if res.Updated != rows {
				b.Fatalf("updated %d, want %d", res.Updated, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchGetPerson looks people up at random in a registry of 100 000, from
// one goroutine ("serial") and from GOMAXPROCS ("parallel").
func BenchGetPerson(b *testing.B, open func(testing.TB) store.Store) {
	const rows = 100_000
	ctx := context.Background()
	s := open(b)
	if _, err := s.ImportPeople(ctx, FillSynthetic(rows)); err != nil {
		b.Fatal(err)
	}
	// 4096 IDs spread over the registry.
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = SyntheticPerson(i * (rows / len(ids))).ID
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetPerson(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := s.GetPerson(ctx, ids[i%len(ids)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// benchDERSize is the size of a certificate as issued: RSA-2048 or P-256
// with the extensions a qualified certificate carries.
const benchDERSize = 1200

// benchApplications creates n pending applications, IDs app-0…, for one
// person, in transactions of 1 000.
func benchApplications(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	p := SyntheticPerson(0)
	if err := s.UpsertPerson(ctx, p); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for start := 0; start < n; start += 1000 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(n, start+1000); i++ {
				id := "app-" + strconv.Itoa(i)
				if err := tx.CreateApplication(ctx, store.Application{
					ID: id, CodeHash: "code-" + id, PersonID: p.ID, Email: p.Email, Lang: "es",
					PublicKey: der(byte(i), 91), KeyFingerprint: "fp-" + id, State: store.AppPending,
					CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchCreateCertificate measures what the registration authority does to
// issue a certificate once it is signed: one transaction that approves the
// application and stores the certificate. "serial" is one issuer;
// "parallel" is GOMAXPROCS issuers at once. The applications are created
// beforehand, untimed.
func BenchCreateCertificate(b *testing.B, open func(testing.TB) store.Store) {
	ctx := context.Background()
	cert := der(7, benchDERSize)
	issue := func(s store.Store, i int) error {
		id := "app-" + strconv.Itoa(i)
		serial := strconv.FormatInt(int64(i)+0x1000, 16)
		now := time.Now()
		return s.InTx(ctx, func(tx store.Tx) error {
			a, err := tx.UpdateApplication(ctx, id, func(a *store.Application) error {
				a.State, a.CertSerial, a.DecidedAt = store.AppApproved, serial, now
				a.OfficeID, a.OperatorID = "of-1", "op-1"
				return nil
			})
			if err != nil {
				return err
			}
			return tx.CreateCertificate(ctx, store.Certificate{
				Serial: serial, Kind: store.CertPerson, PersonID: a.PersonID, ApplicationID: id, DER: cert,
				NotBefore: now, NotAfter: now.Add(2 * 365 * 24 * time.Hour), CreatedAt: now,
			})
		})
	}
	b.Run("serial", func(b *testing.B) {
		s := open(b)
		benchApplications(b, s, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := issue(s, i); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		s := open(b)
		benchApplications(b, s, b.N)
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := issue(s, int(next.Add(1)-1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
	})
}

// BenchCountAttempt counts attempts on 1 000 keys in turn, as a login
// rate limit does, from one goroutine and from GOMAXPROCS.
func BenchCountAttempt(b *testing.B, open func(testing.TB) store.Store) {
	ctx := context.Background()
	s := open(b)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "login:" + SyntheticPerson(i).ID
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.CountAttempt(ctx, keys[i%len(keys)], time.Now(), time.Hour); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.CountAttempt(ctx, keys[next.Add(1)%int64(len(keys))], time.Now(), time.Hour); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchGetOCSP looks up pre-signed OCSP responses at random among 10 000,
// what every OCSP request costs the store.
func BenchGetOCSP(b *testing.B, open func(testing.TB) store.Store) {
	const entries = 10_000
	ctx := context.Background()
	s := open(b)
	now := time.Now()
	resp := der(5, 1000)
	for start := 0; start < entries; start += 1000 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				if err := tx.PutOCSP(ctx, store.OCSPEntry{Serial: strconv.FormatInt(int64(i)+0x1000, 16), DER: resp,
					ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	serial := func(i int) string { return strconv.FormatInt(int64((i*7919)%entries)+0x1000, 16) }
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.GetOCSP(ctx, serial(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetOCSP(ctx, serial(int(next.Add(1)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchListRevoked reads what a CRL is built from: 100 000 revoked
// certificates among 200 000, with their DER and without (OmitDER, what the
// CRL needs). Filling the store is not timed.
func BenchListRevoked(b *testing.B, open func(testing.TB) store.Store) {
	const revoked, valid = 100_000, 100_000
	ctx := context.Background()
	s := open(b)
	cert := der(9, benchDERSize)
	base := time.Now().Add(-365 * 24 * time.Hour)
	for start := 0; start < revoked+valid; start += 5000 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < start+5000; i++ {
				c := store.Certificate{
					Serial: strconv.FormatInt(int64(i)*7919+0x100000, 16), Kind: store.CertPerson,
					PersonID: SyntheticPerson(i).ID, DER: cert,
					NotBefore: base.Add(time.Duration(i) * time.Minute), CreatedAt: base,
				}
				c.NotAfter = c.NotBefore.Add(2 * 365 * 24 * time.Hour)
				// Every other certificate, so the revoked ones are spread
				// over the table as in life, not packed at its end.
				if i%2 == 0 {
					c.RevokedAt, c.RevocationReason = c.NotBefore.Add(time.Hour), 1
				}
				if err := tx.CreateCertificate(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, omit := range []bool{false, true} {
		name := "100k"
		if omit {
			name += "-OmitDER"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				cs, err := s.ListCertificates(ctx, store.CertificateFilter{Revoked: true, Limit: 1 << 30, OmitDER: omit})
				if err != nil {
					b.Fatal(err)
				}
				if len(cs) != revoked {
					b.Fatalf("listed %d revoked certificates, want %d", len(cs), revoked)
				}
			}
		})
	}
}

// benchID is the i-th of a series of IDs shaped like the real ones: 64 hex
// digits of a hash, so inserts land all over the primary key as random
// tokens do, not at its end.
func benchID(series string, i int64) string {
	sum := sha256.Sum256([]byte(series + strconv.FormatInt(i, 10)))
	return hex.EncodeToString(sum[:])
}

func benchSession(id string, now time.Time) store.Session {
	return store.Session{
		ID: id, PersonID: SyntheticPerson(0).ID, ACR: "substantial", AMR: []string{"pwd", "otp"},
		CreatedAt: now, AuthTime: now, ExpiresAt: now.Add(8 * time.Hour), LastSeenAt: now,
		IP: "192.0.2.10", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	}
}

// BenchCreateSession starts sessions, what every login ends with, from one
// goroutine and from GOMAXPROCS.
func BenchCreateSession(b *testing.B, open func(testing.TB) store.Store) {
	ctx := context.Background()
	s := open(b)
	var next atomic.Int64
	create := func() error {
		return s.CreateSession(ctx, benchSession(benchID("session", next.Add(1)), time.Now()))
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := create(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := create(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
	})
}

// BenchGetSession looks sessions up at random among 10 000, what every
// request of a logged-in browser costs the store.
func BenchGetSession(b *testing.B, open func(testing.TB) store.Store) {
	const sessions = 10_000
	ctx := context.Background()
	s := open(b)
	now := time.Now()
	for start := 0; start < sessions; start += 1000 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				if err := tx.CreateSession(ctx, benchSession(benchID("session", int64(i)), now)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	id := func(i int64) string { return benchID("session", (i*7919)%sessions) }
	b.Run("serial", func(b *testing.B) {
		var i int64
		for b.Loop() {
			if _, err := s.GetSession(ctx, id(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetSession(ctx, id(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchPINFlowTx measures what a Cl@ve PIN login costs the store: one
// transaction to send the code (GetAccount, CreateCode), another to enter
// it (GetCode, UpdateCode marking it used, CreateSession, AddLoginEvent),
// for accounts taken in turn among 1 000. One op is one whole login.
func BenchPINFlowTx(b *testing.B, open func(testing.TB) store.Store) {
	const accounts = 1000
	ctx := context.Background()
	s := open(b)
	if _, err := s.ImportPeople(ctx, FillSynthetic(accounts)); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, accounts)
	err := s.InTx(ctx, func(tx store.Tx) error {
		for i := range ids {
			ids[i] = SyntheticPerson(i).ID
			now := time.Now()
			if err := tx.CreateAccount(ctx, store.Account{
				PersonID: ids[i], Level: store.LevelBasic, RegisteredVia: store.ViaLetter,
				Mobile: "+3469" + pad(i, 7), Lang: "es", CreatedAt: now, UpdatedAt: now,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	login := func() error {
		i := next.Add(1)
		code := benchID("code", i)
		now := time.Now()
		if err := pinRequest(ctx, s, ids[i%accounts], code, now); err != nil {
			return err
		}
		return pinLogin(ctx, s, code, benchID("session", i), benchID("event", i), now)
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := login(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
	// "parallel" is GOMAXPROCS logins at once; "clients16" is sixteen, as
	// a server busy with HTTP requests has, which lets PostgreSQL flush
	// several commits with one WAL write.
	for _, c := range []struct {
		name    string
		clients int
	}{{"parallel", 0}, {"clients16", 16}} {
		b.Run(c.name, func(b *testing.B) {
			if c.clients > 0 {
				b.SetParallelism(max(1, c.clients/runtime.GOMAXPROCS(0)))
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := login(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}
