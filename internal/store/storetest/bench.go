package storetest

import (
	"context"
	"os"
	"strconv"
	"testing"

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
