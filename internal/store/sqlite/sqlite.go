// Package sqlite is the single-file storage backend, on the pure-Go
// modernc.org/sqlite driver (no cgo).
//
// A server and an admin CLI may have the same file open at once. Two choices
// make that safe: WAL, so readers never block the writer nor the other way
// round, and BEGIN IMMEDIATE for every read-write transaction, so a writer
// takes the write lock when it starts (waiting up to busy_timeout for it)
// rather than upgrading a read snapshot halfway, which SQLite refuses with
// SQLITE_BUSY at once, whatever the timeout.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqldb"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// core is unexported so that Store's API is the store.Store methods it
// promotes, not the sqldb type.
type core = sqldb.DB

// Store is a SQLite database file. It implements [store.Store].
type Store struct {
	*core
	read, write *sql.DB
	// ckpt is the checkpointer's own connection; stop ends it.
	ckpt *sql.DB
	stop context.CancelFunc
	done chan struct{}
	// checkpointed is core.Writes() as the last completed checkpoint
	// began: everything written before it is in the database file.
	checkpointed atomic.Uint64
}

var _ store.Store = (*Store)(nil)

// cacheKiB is each connection's page cache: 8 MiB, four times SQLite's
// default, as the registry's indexes are what lookups walk.
const cacheKiB = 8 << 10

// Pragmas run on every new connection of both pools: database/sql opens
// connections whenever it likes, and a pragma set once on one of them would
// silently be missing on the others.
var pragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	// In WAL, NORMAL loses at most the last transactions on power loss, never
	// consistency, and spares an fsync per commit.
	"synchronous(NORMAL)",
	"foreign_keys(1)",
	// A million-row import leaves a WAL as big as the database; trim it back
	// after each checkpoint instead of keeping the file at its peak.
	"journal_size_limit(67108864)",
	// Checkpoints are the checkpointer's (see checkpoint): a commit never
	// stops to copy the WAL into the database while holding the writer.
	// This is only the backstop, should it fall behind: 64 MiB of WAL.
	"wal_autocheckpoint(16384)",
	"cache_size(-" + strconv.Itoa(cacheKiB) + ")",
	// A multi-row upsert keeps a statement journal of every page it
	// changes, to undo just that statement on error. In memory rather than
	// in a temporary file it spares a million-row import 8% of its time.
	"temp_store(MEMORY)",
}

// Open opens (creating if needed, with its directory) the database at path
// and brings its schema up to date.
//
// Writes and transactions go through a pool of one connection: writers in
// this process queue in database/sql, without timeout, instead of polling
// the file lock and failing after busy_timeout, which is left for writers in
// other processes. Reads use a pool of several query-only connections, which
// WAL lets run beside the writer.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}

	write, err := sql.Open("sqlite", dsn(path, url.Values{"_txlock": {"immediate"}}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}

	read, err := sql.Open("sqlite", dsn(path, url.Values{"_pragma": {"query_only(1)"}}))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	core, err := sqldb.New(ctx, sqldb.SQLite, read, write)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	ckpt, err := sql.Open("sqlite", dsn(path, nil))
	if err != nil {
		core.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	s := &Store{core: core, read: read, write: write, ckpt: ckpt, done: make(chan struct{})}
	var cctx context.Context
	cctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	go s.checkpoint(cctx, checkpointEvery)
	return s, nil
}

// checkpointEvery is how often the checkpointer copies the WAL back into
// the database file. Between two checkpoints a page written by many
// commits (an index's hot leaf, the audit chain's head) is copied once,
// which under load is most of the WAL: a PIN login's share of the
// checkpoint went from about 8 % of the server's CPU (SQLite's automatic
// checkpoint every 1 000 pages, inside a commit) to a fraction of that.
var checkpointEvery = 500 * time.Millisecond

// checkpoint runs PASSIVE checkpoints until ctx ends, on a connection of
// its own: PASSIVE copies what no reader still needs and never waits for
// the writer, readers or the busy timeout, so writers go on committing to
// the WAL meanwhile. When no reader holds an old snapshot the next writer
// starts the WAL from its beginning again, which keeps the file small.
func (s *Store) checkpoint(ctx context.Context, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	checked := uint64(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A process that has written nothing since (the load driver
		// reading its SMS, an admin listing) leaves the checkpoints to
		// the one that writes.
		w := s.core.Writes()
		if w == checked {
			continue
		}
		checked = w
		var busy, logFrames, done int
		if err := s.ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err == nil && busy == 0 {
			s.checkpointed.Store(w)
		} else {
			checked = 0 // try again next time
		}
	}
}

// Close stops the checkpointer and closes the database; the last
// connection to close checkpoints what is left and removes the WAL.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	return errors.Join(s.ckpt.Close(), s.core.Close())
}

// dsn is the driver's connection string: a file: URI (so a path holding ?
// or # stays a path) carrying the pragmas plus extra.
func dsn(path string, extra url.Values) string {
	q := url.Values{"_pragma": append([]string(nil), pragmas...)}
	for k, v := range extra {
		q[k] = append(q[k], v...)
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// Two processes creating the same new file race: both see no migration
	// applied, one applies it, the other's CREATE TABLE fails. Running goose
	// again settles it, as the loser then finds the migration done. A real
	// failure fails every time and is returned.
	for attempt := 1; ; attempt++ {
		err = sqldb.Migrate(ctx, goose.DialectSQLite3, db, fsys)
		if err == nil || attempt == 3 || ctx.Err() != nil {
			return err
		}
	}
}
