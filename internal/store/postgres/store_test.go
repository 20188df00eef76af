package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store/postgres/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/postgres"
	"github.com/llavero/llavero/internal/store/storetest"
)

// envURL names the server the tests use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each store gets a
// schema of its own, dropped afterwards, so runs never collide.
const envURL = "LLAVERO_TEST_POSTGRES_URL"

func TestConformance(t *testing.T) {
	skipWithoutServer(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// open returns a Store in a new, empty schema of the test server.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	return openURL(t, newSchema(t))
}

// newSchema creates a schema that is dropped when the test ends, and
// returns the server's URL with the schema as search_path.
func newSchema(t testing.TB) string {
	t.Helper()
	skipWithoutServer(t)
	return pgtest.Schema(t, os.Getenv(envURL))
}

func openURL(t testing.TB, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Registered after the schema's cleanup, so it runs before it.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// Two nodes start at once on one new schema (the migrations must run once,
// under the advisory lock) and append to the audit chain together (the
// head's row lock must keep it one chain).
func TestTwoNodes(t *testing.T) {
	u := newSchema(t)
	var nodes [2]*postgres.Store
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), u)
			if err != nil {
				t.Errorf("node %d: Open: %v", i, err)
				return
			}
			t.Cleanup(func() { s.Close() })
			nodes[i] = s
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	const writers, each = 4, 20
	for n, s := range nodes {
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					id := fmt.Sprintf("n%d-w%d-%d", n, w, i)
					_, err := s.AppendAudit(context.Background(), func(h store.AuditHead) (store.AuditEvent, error) {
						return store.AuditEvent{Seq: h.Seq + 1, ID: id, Time: time.Now().Truncate(time.Microsecond),
							PrevHash: h.Hash, Hash: fmt.Sprintf("%s>%d", id, h.Seq+1)}, nil
					})
					if err != nil {
						t.Errorf("%s: %v", id, err)
					}
				}
			})
		}
	}
	wg.Wait()

	evs, err := nodes[1].ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2*writers*each {
		t.Fatalf("chain holds %d events, want %d", len(evs), 2*writers*each)
	}
	prev := ""
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.PrevHash != prev {
			t.Fatalf("chain broken at %d: %+v", i+1, ev)
		}
		prev = ev.Hash
	}
}

// Attempts counted on two nodes at once land on one counter.
func TestTwoNodesCountAttempt(t *testing.T) {
	u := newSchema(t)
	storetest.CountAttemptAcross(t, openURL(t, u), openURL(t, u))
}

func skipWithoutServer(t testing.TB) {
	t.Helper()
	if os.Getenv(envURL) == "" {
		t.Skip(envURL + " not set: PostgreSQL tests need a server, e.g. " +
			envURL + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
}

// A reminder claimed on two nodes at once is claimed once: the second
// insert of the key waits for the first transaction, then does nothing.
func TestTwoNodesClaimReminder(t *testing.T) {
	u := newSchema(t)
	storetest.ReminderClaimAcross(t, openURL(t, u), openURL(t, u))
}
