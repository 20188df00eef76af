package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqldb"
)

// importBatch is how many people one INSERT carries. A multi-row statement
// parses and plans once for all of them; 500 × 17 columns = 8 500 variables,
// far under SQLite's limit of 32 766, and larger batches measured no faster.
const importBatch = 500

// importCacheKiB is the page cache of the writing connection during an
// import. Upserts in registry-file order touch pages all over the people
// table and its indexes; with a small cache SQLite keeps writing dirty pages
// out to the WAL and reading them back (a million rows: 18 s with this
// cache, 23 s with 32 MiB). It is set back to cacheKiB afterwards, which
// frees the memory.
const importCacheKiB = 256 << 10

// ImportPeople implements [store.Store]. It runs in one BEGIN IMMEDIATE
// transaction, so the counts, taken before and after, are exact. A person put
// twice counts as one create and one update. put is not safe for concurrent
// use; it keeps nothing once the batch holding the person is written.
func (s *Store) ImportPeople(ctx context.Context, fill func(put func(store.Person) error) error) (store.ImportResult, error) {
	// The write pool has one connection, so the pragma reaches the one
	// that runs the transaction.
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB)); err != nil {
		return store.ImportResult{}, fmt.Errorf("import people: %w", err)
	}
	defer func() {
		// Failing leaves a larger cache, not a wrong import: not worth
		// failing the import for.
		_, _ = s.write.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = -%d", cacheKiB))
	}()

	var res store.ImportResult
	err := sqldb.RunTx(ctx, s.write, "sqlite", func(tx *sql.Tx) error {
		var before int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM people").Scan(&before); err != nil {
			return fmt.Errorf("import people: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, sqldb.UpsertPeopleSQL(importBatch, false))
		if err != nil {
			return fmt.Errorf("import people: %w", err)
		}
		defer stmt.Close()

		b := batch{args: make([]any, 0, importBatch*len(sqldb.PeopleColumns))}
		put := func(p store.Person) error {
			if b.err != nil {
				// fill ignored an earlier error: keep refusing, and the
				// import fails below whatever fill returns.
				return b.err
			}
			if err := sqldb.CheckPerson(&p); err != nil {
				b.err = fmt.Errorf("import people: person %d: %w", b.puts+1, err)
				return b.err
			}
			b.args = sqldb.AppendPersonArgs(sqldb.SQLite, b.args, p)
			b.puts++
			if len(b.args) == cap(b.args) {
				b.flush(ctx, stmt.ExecContext)
			}
			return b.err
		}
		switch err := fill(put); {
		case err != nil && b.err != nil && errors.Is(err, b.err):
			return err // put's own error, already saying where it came from
		case err != nil:
			return fmt.Errorf("import people: %w", err)
		case b.err != nil:
			return b.err
		}
		if len(b.args) > 0 {
			tail := sqldb.UpsertPeopleSQL(len(b.args)/len(sqldb.PeopleColumns), false)
			b.flush(ctx, func(ctx context.Context, args ...any) (sql.Result, error) {
				return tx.ExecContext(ctx, tail, args...)
			})
			if b.err != nil {
				return b.err
			}
		}

		var after int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM people").Scan(&after); err != nil {
			return fmt.Errorf("import people: %w", err)
		}
		res = store.ImportResult{Created: after - before, Updated: b.puts - (after - before)}
		return nil
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

// batch is the import's buffer of bind arguments.
type batch struct {
	args []any
	puts int
	err  error
}

func (b *batch) flush(ctx context.Context, exec func(context.Context, ...any) (sql.Result, error)) {
	if _, err := exec(ctx, b.args...); err != nil {
		b.err = fmt.Errorf("import people: %w", err)
	}
	// Drop the references, not just the length: nothing of a person put
	// outlives its batch.
	clear(b.args)
	b.args = b.args[:0]
}
