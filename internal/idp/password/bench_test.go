package password

import (
	"testing"

	"golang.org/x/crypto/argon2"
)

// The benchmarks give the reference figure issue 4 holds password logins
// to: the raw argon2id rate with the default parameters, one hash at a time
// (serial) and with every core busy (parallel, GOMAXPROCS goroutines).
// Run them with: go test -run '^$' -bench Default -cpu 2 ./internal/idp/password

func BenchmarkHashDefault(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Hash("Tr0mbón-azul", DefaultParams); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := Hash("Tr0mbón-azul", DefaultParams); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRate(b)
	})
}

func BenchmarkVerifyDefault(b *testing.B) {
	h, err := Hash("Tr0mbón-azul", DefaultParams)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if ok, _, err := Verify("Tr0mbón-azul", h); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, _, err := Verify("Tr0mbón-azul", h); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
		reportRate(b)
	})
}

// BenchmarkRawArgon2id is argon2.IDKey alone with the default parameters,
// so the overhead of Hash and Verify (salt, normalisation, encoding,
// parsing) shows as the difference.
func BenchmarkRawArgon2id(b *testing.B) {
	pw, salt := []byte("Tr0mbón-azul"), make([]byte, saltLen)
	p := DefaultParams
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			argon2.IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				argon2.IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
			}
		})
		reportRate(b)
	})
}

// BenchmarkCheck shows that the policy costs nothing next to the hash.
func BenchmarkCheck(b *testing.B) {
	currentList() // build the seed outside the timing
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Check("Tr0mbón-azul-47", ana)
	}
}

func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "hashes/s")
	}
}
