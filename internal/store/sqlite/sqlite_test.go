package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/storetest"
)

func openT(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Every connection either pool opens must carry the pragmas, not just the
// first: hold several at once so the pool has to open distinct ones.
func TestPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "sub", "dir", "llavero.db"))

	check := func(name string, db *sql.DB, conns int, queryOnly int) {
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("%s: Conn: %v", name, err)
			}
			held = append(held, c)
			for _, p := range []struct {
				pragma string
				want   string
			}{
				{"busy_timeout", "10000"},
				{"journal_mode", "wal"},
				{"synchronous", "1"}, // NORMAL
				{"foreign_keys", "1"},
				{"journal_size_limit", "67108864"},
				{"cache_size", "-8192"},
				{"temp_store", "2"}, // MEMORY
				{"query_only", strconv.Itoa(queryOnly)},
			} {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
					t.Fatalf("%s conn %d: PRAGMA %s: %v", name, i, p.pragma, err)
				}
				if got != p.want {
					t.Errorf("%s conn %d: PRAGMA %s = %s, want %s", name, i, p.pragma, got, p.want)
				}
			}
		}
	}
	check("read pool", s.read, 4, 1)
	check("write pool", s.write, 1, 0)
}

// A deferred BEGIN takes no lock until the first write, and a transaction
// that read first then cannot wait for the lock. InTx must hold the write
// lock from its start: another connection that will not wait finds the
// database busy even though fn has executed nothing yet.
func TestInTxBeginsImmediate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "llavero.db")
	s := openT(t, path)

	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	err = s.InTx(ctx, func(store.Tx) error {
		_, err := other.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			other.ExecContext(ctx, "ROLLBACK")
			return errors.New("a second writer could begin while InTx was open: InTx did not BEGIN IMMEDIATE")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A CLI command beside a running server: two Store instances on one file,
// both writing at once, including a long import, must all succeed (waiting
// on each other, never failing with SQLITE_BUSY), and the audit chain they
// share must stay one chain.
func TestTwoStoresWriteConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llavero.db")
	var stores [2]*Store
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i] = openTNoFatal(t, path) })
	}
	wg.Wait()
	if stores[0] == nil || stores[1] == nil {
		t.FailNow()
	}

	const perWriter = 30
	errs := make(chan error, 100)
	for si, s := range stores {
		wg.Go(func() {
			res, err := s.ImportPeople(context.Background(), func(put func(store.Person) error) error {
				for i := range 3000 {
					if err := put(storetest.SyntheticPerson(si*3000 + i)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil || res.Created != 3000 {
				errs <- fmt.Errorf("store %d: ImportPeople = %+v, %v", si, res, err)
			}
		})
		for w := range 3 {
			wg.Go(func() {
				if err := writeSome(s, fmt.Sprintf("s%d-w%d", si, w), perWriter); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkShared(t, stores[0], 6000, 2*3*perWriter)
}

// The same across processes: this test binary run again as the "CLI".
func TestTwoProcessesWriteConcurrently(t *testing.T) {
	if path := os.Getenv("LLAVERO_SQLITE_CHILD_DB"); path != "" {
		s, err := Open(context.Background(), path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child: open:", err)
			os.Exit(2)
		}
		if err := writeSome(s, "child", 100); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		s.Close()
		return
	}
	if testing.Short() {
		t.Skip("starts a second process")
	}

	path := filepath.Join(t.TempDir(), "llavero.db")
	s := openT(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcessesWriteConcurrently$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LLAVERO_SQLITE_CHILD_DB="+path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Hold the write lock for a while with an import, then keep writing
	// while the child does. The import stays well inside the child's 10 s
	// busy timeout even under -race on a loaded 2-core machine (20 000 rows
	// took 8 s there and made the child give up now and then).
	_, err := s.ImportPeople(context.Background(), func(put func(store.Person) error) error {
		for i := range 4000 {
			if err := put(storetest.SyntheticPerson(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("ImportPeople: %v", err)
	}
	if err := writeSome(s, "parent", 100); err != nil {
		t.Error(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v", err)
	}
	checkShared(t, s, 4000, 200)
}

func openTNoFatal(t *testing.T, path string) *Store {
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Errorf("Open: %v", err)
		return nil
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeSome does n rounds of the writes a server does: a person, a message
// and an audit event, the last two in one transaction.
func writeSome(s *Store, who string, n int) error {
	ctx := context.Background()
	for i := range n {
		id := who + "-" + strconv.Itoa(i)
		p := storetest.SyntheticPerson(0)
		p.ID = "P-" + id
		if err := s.UpsertPerson(ctx, p); err != nil {
			return fmt.Errorf("%s: UpsertPerson: %w", id, err)
		}
		err := s.InTx(ctx, func(tx store.Tx) error {
			now := time.Now().Truncate(time.Microsecond)
			if err := tx.AddOutbox(ctx, store.Message{ID: id, Kind: store.KindSMS, To: "+34600000000", CreatedAt: now}); err != nil {
				return err
			}
			_, err := tx.AppendAudit(ctx, func(h store.AuditHead) (store.AuditEvent, error) {
				return store.AuditEvent{Seq: h.Seq + 1, ID: id, Time: now, PrevHash: h.Hash, Hash: fmt.Sprintf("%s>%d", id, h.Seq+1)}, nil
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

func checkShared(t *testing.T, s *Store, imported, rounds int) {
	t.Helper()
	ctx := context.Background()
	if n, err := s.CountPeople(ctx); err != nil || n != imported+rounds {
		t.Errorf("CountPeople = %d, %v; want %d", n, err, imported+rounds)
	}
	if ms, err := s.ListOutbox(ctx, store.OutboxFilter{Limit: 10 * rounds}); err != nil || len(ms) != rounds {
		t.Errorf("outbox holds %d messages, %v; want %d", len(ms), err, rounds)
	}
	evs, err := s.ListAudit(ctx, 0, 10*rounds)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != rounds {
		t.Fatalf("audit chain holds %d events, want %d", len(evs), rounds)
	}
	prev := ""
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.PrevHash != prev {
			t.Fatalf("chain broken at %d: %+v", i+1, ev)
		}
		prev = ev.Hash
	}
}

// The import enlarges the writer's page cache; the connection outlives the
// import and must not keep the memory.
func TestImportRestoresCacheSize(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "llavero.db"))
	if _, err := s.ImportPeople(ctx, storetest.FillSynthetic(10)); err != nil {
		t.Fatal(err)
	}
	var got int
	if err := s.write.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != -cacheKiB {
		t.Errorf("after an import, cache_size = %d, want %d", got, -cacheKiB)
	}
}

// The path goes into a file: URI; characters URIs give a meaning to must
// still name the file.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with space", "a?b#c%d.db")
	s := openT(t, path)
	if err := s.UpsertPerson(context.Background(), storetest.SyntheticPerson(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database is not at the path given: %v", err)
	}
}

// TestCheckpointerCopiesTheWAL: commits land in the WAL and the
// checkpointer, not the commits, copies them into the database file: a
// copy of the main file alone (no -wal beside it) soon holds them.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "llavero.db")
	s := openT(t, path)
	ctx := context.Background()
	const n = 50
	for i := range n {
		if err := s.AddOutbox(ctx, store.Message{ID: fmt.Sprintf("m%03d", i), Kind: store.KindSMS, To: "+34612345678",
			PersonID: "X1234567L", Lang: "es", Body: "llavero: tu código es 123456.", CreatedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	// A run that began after the last commit.
	deadline := time.Now().Add(10 * time.Second)
	for s.checkpointed.Load() != s.Writes() {
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer did not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+copyPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got int
	if err := db.QueryRow("SELECT count(*) FROM outbox WHERE id LIKE 'm%'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("the database file alone holds %d of the %d messages: the WAL was not checkpointed", got, n)
	}
	// The writer itself leaves checkpoints to the checkpointer, but for
	// the backstop.
	var auto int
	if err := s.write.QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 16384 {
		t.Errorf("wal_autocheckpoint = %d, %v; want 16384", auto, err)
	}
}
