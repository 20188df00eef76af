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

// BenchmarkCreateCertificate: the registration authority must issue at
// least 1 000 certificates a second.
func BenchmarkCreateCertificate(b *testing.B) { storetest.BenchCreateCertificate(b, openBench) }

func BenchmarkCountAttempt(b *testing.B) { storetest.BenchCountAttempt(b, openBench) }

func BenchmarkGetOCSP(b *testing.B) { storetest.BenchGetOCSP(b, openBench) }

// BenchmarkListRevoked: the CRL's read, 100 000 revoked certificates.
func BenchmarkListRevoked(b *testing.B) { storetest.BenchListRevoked(b, openBench) }

func BenchmarkCreateSession(b *testing.B) { storetest.BenchCreateSession(b, openBench) }

func BenchmarkGetSession(b *testing.B) { storetest.BenchGetSession(b, openBench) }

// BenchmarkPINFlowTx: one op is what a whole Cl@ve PIN login asks of the
// store, two transactions; the identity provider must serve at least 500
// logins a second over HTTP on two cores.
func BenchmarkPINFlowTx(b *testing.B) { storetest.BenchPINFlowTx(b, openBench) }
