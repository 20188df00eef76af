package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/storetest"
)

func openBench(tb testing.TB) store.Store {
	return open(tb, filepath.Join(tb.TempDir(), "bench.db"))
}

// BenchmarkImportPeople imports 100 000 people per op; for the million-row
// registry:
//
//	LLAVERO_BENCH_ROWS=1000000 go test -run '^$' -bench ImportPeople/new -benchtime 1x ./internal/store/sqlite/
func BenchmarkImportPeople(b *testing.B) { storetest.BenchImportPeople(b, openBench) }

func BenchmarkGetPerson(b *testing.B) { storetest.BenchGetPerson(b, openBench) }
