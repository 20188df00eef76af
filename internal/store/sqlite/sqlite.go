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
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

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
	return &Store{core: core, read: read, write: write}, nil
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
