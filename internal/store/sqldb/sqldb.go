// Package sqldb holds the SQL that the sqlite and postgres backends share.
//
// Both backends go through database/sql, so every [store.Tx] method is
// written once here, in the subset of SQL both dialects accept ($N
// placeholders, ON CONFLICT … DO UPDATE/NOTHING, LIMIT). What differs is kept
// in a [Dialect]: how a timestamp or a date is bound, and how the audit head
// is locked. Each backend adds its own Open (pragmas, pools, migrations) and
// its own bulk ImportPeople, the one path where the dialects have nothing in
// common.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/pressly/goose/v3"
)

// Dialect is what the shared SQL needs to know about a backend.
type Dialect struct {
	// Name is what [store.Store.Dialect] reports.
	Name string
	// Time turns a timestamp, already in UTC and cut to the microsecond, into
	// a bind argument.
	Time func(time.Time) any
	// Date turns a non-zero calendar date (UTC midnight) into a bind argument.
	Date func(time.Time) any
	// LockHead is appended to the SELECT that reads the audit head inside
	// AppendAudit: the row lock that serialises appenders where the
	// transaction itself does not.
	LockHead string
	// LockRow is appended to the SELECT that reads a row an Update method
	// is about to write back, for the same reason.
	LockRow string
	// Prepare has each connection compile the fixed statements once, where
	// the driver would parse them again on every call.
	Prepare bool
	// GroupCommit lets concurrent transactions share one transaction and
	// one commit (see groupCommit): right for a single writer, wrong where
	// transactions run side by side.
	GroupCommit bool
}

// SQLite keeps timestamps as INTEGER unix microseconds, which compare and
// sort as numbers and round-trip exactly, and dates as 'YYYY-MM-DD' TEXT.
// Writers are already serialised by BEGIN IMMEDIATE, so the head needs no
// row lock (SQLite has none).
var SQLite = &Dialect{
	Name:        "sqlite",
	Time:        func(t time.Time) any { return t.UnixMicro() },
	Date:        func(t time.Time) any { return t.Format(time.DateOnly) },
	LockHead:    "",
	LockRow:     "",
	Prepare:     true,
	GroupCommit: true,
}

// Postgres binds time.Time for both TIMESTAMPTZ and DATE: pgx encodes them
// natively. Two transactions appending to the audit chain, on one node or
// many, queue on the head row's lock. An Update method takes FOR NO KEY
// UPDATE, the lock its own UPDATE takes (it never changes the key): it
// serialises read-modify-writes of the row like FOR UPDATE, but does not
// hold up inserts whose foreign key points at the row (a certificate for
// the application being approved).
var Postgres = &Dialect{
	Name:     "postgres",
	Time:     func(t time.Time) any { return t },
	Date:     func(t time.Time) any { return t },
	LockHead: " FOR UPDATE",
	LockRow:  " FOR NO KEY UPDATE",
}

// DB implements every [store.Store] method except ImportPeople, which the
// backends add. It may use two pools: SQLite reads from one of several
// connections while writing through a single one (see sqlite.Open); for
// PostgreSQL both are the same pool.
type DB struct {
	d     *Dialect
	read  *sql.DB
	write *sql.DB
	// The statements prepared on each pool, if the dialect wants them.
	readStmts, writeStmts prepared
	// group, when the dialect wants it, runs InTx.
	group *groupCommit
	// writes counts the write transactions and statements started, so
	// that work meant for a process that writes (SQLite's checkpoints)
	// is skipped by one that only reads.
	writes atomic.Uint64
}

// Writes is how many write transactions and statements this DB has
// started.
func (db *DB) Writes() uint64 { return db.writes.Load() }

// New returns a DB that runs single-statement reads on read and every write,
// and every transaction, on write. Close closes both. It must be called
// before the pools run any transaction.
func New(ctx context.Context, d *Dialect, read, write *sql.DB) (*DB, error) {
	db := &DB{d: d, read: read, write: write}
	if d.GroupCommit {
		db.group = newGroupCommit(write, d.Name)
	}
	if d.Prepare {
		var err error
		if db.writeStmts, err = prepare(ctx, write, false); err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
		if db.readStmts, err = prepare(ctx, read, true); err != nil {
			db.writeStmts.close()
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	return db, nil
}

// RunTx runs fn in a transaction on db: committed if fn returns nil, rolled
// back otherwise. A panic (or runtime.Goexit, as t.FailNow does) in fn rolls
// back too and keeps unwinding: the deferred rollback does not recover.
// name prefixes the errors of BEGIN, COMMIT and ROLLBACK.
func RunTx(ctx context.Context, db *sql.DB, name string, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", name, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		done = true
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("%s: rollback: %w", name, rbErr))
		}
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", name, err)
	}
	return nil
}

// InTx implements [store.Store]. fn must do all its work through the Tx it
// is given: a write through the Store itself would wait for the very
// connection fn is holding (SQLite has one writer).
func (db *DB) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	db.writes.Add(1)
	if db.group != nil {
		return db.group.run(ctx, func(tx *sql.Tx) error {
			// The transaction is the batch's: a caller's cancellation
			// must not interrupt statements that others' work shares.
			return fn(ops{cached{q: tx, tx: tx, p: db.writeStmts, shared: true}, db.d})
		})
	}
	return RunTx(ctx, db.write, db.d.Name, func(tx *sql.Tx) error {
		return fn(ops{cached{q: tx, tx: tx, p: db.writeStmts}, db.d})
	})
}

func (db *DB) reader() ops { return ops{cached{q: db.read, p: db.readStmts}, db.d} }

func (db *DB) writer() ops {
	db.writes.Add(1)
	return ops{cached{q: db.write, p: db.writeStmts}, db.d}
}

// GetPerson implements [store.Tx].
func (db *DB) GetPerson(ctx context.Context, id string) (store.Person, error) {
	return db.reader().GetPerson(ctx, id)
}

// CountPeople implements [store.Tx].
func (db *DB) CountPeople(ctx context.Context) (int, error) {
	return db.reader().CountPeople(ctx)
}

// ListOutbox implements [store.Tx].
func (db *DB) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.Message, error) {
	return db.reader().ListOutbox(ctx, f)
}

// ListAudit implements [store.Tx].
func (db *DB) ListAudit(ctx context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	return db.reader().ListAudit(ctx, after, limit)
}

// AuditHead implements [store.Tx].
func (db *DB) AuditHead(ctx context.Context) (store.AuditHead, error) {
	return db.reader().AuditHead(ctx)
}

// UpsertPerson implements [store.Tx].
func (db *DB) UpsertPerson(ctx context.Context, p store.Person) error {
	return db.InTx(ctx, func(tx store.Tx) error { return tx.UpsertPerson(ctx, p) })
}

// AddOutbox implements [store.Tx].
func (db *DB) AddOutbox(ctx context.Context, m store.Message) error {
	return db.InTx(ctx, func(tx store.Tx) error { return tx.AddOutbox(ctx, m) })
}

// AppendAudit implements [store.Tx].
func (db *DB) AppendAudit(ctx context.Context, build func(head store.AuditHead) (store.AuditEvent, error)) (store.AuditEvent, error) {
	var ev store.AuditEvent
	err := db.InTx(ctx, func(tx store.Tx) error {
		var err error
		ev, err = tx.AppendAudit(ctx, build)
		return err
	})
	if err != nil {
		return store.AuditEvent{}, err
	}
	return ev, nil
}

// Ping implements [store.Store].
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", db.d.Name, err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("%s: ping: %w", db.d.Name, err)
		}
	}
	return nil
}

// Dialect implements [store.Store].
func (db *DB) Dialect() string { return db.d.Name }

// Close implements [store.Store].
func (db *DB) Close() error {
	db.readStmts.close()
	db.writeStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Migrate brings the schema up to date with the goose migrations found at the
// root of fsys.
func Migrate(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) error {
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
