package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqldb"
)

// copyBatch is how many people one COPY carries. Each COPY costs a round
// trip to learn the column types, so batches are large; they are also what
// put holds in memory.
const copyBatch = 10_000

var (
	importColumns = append([]string{"ord"}, sqldb.PeopleColumns...)

	// The file may name a person twice; one INSERT … ON CONFLICT may not
	// touch a row twice, so keep the last put of each ID. Sorting bytewise
	// (the people.id collation) also feeds the primary key in order.
	// xmax = 0 marks a row this statement inserted rather than updated: an
	// exact count even while other transactions write people, which a
	// COUNT(*) before and after would not give under READ COMMITTED.
	mergeImport = "WITH merged AS (" + sqldb.PeopleInsertPrefix +
		"SELECT DISTINCT ON (id) " + sqldb.PeopleColumnList + " FROM people_import ORDER BY id, ord DESC" +
		sqldb.PeopleUpsertSet + " RETURNING xmax = 0 AS created) " +
		"SELECT count(*) FILTER (WHERE created) FROM merged"
)

// ImportPeople implements [store.Store]. The people are COPYed into a
// temporary table, then merged into people with one INSERT … SELECT … ON
// CONFLICT DO UPDATE, all in one transaction. A person put twice counts as
// one create and one update (the last put wins). put is not safe for
// concurrent use; it keeps nothing once the batch holding the person is
// copied.
func (s *Store) ImportPeople(ctx context.Context, fill func(put func(store.Person) error) error) (store.ImportResult, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return store.ImportResult{}, fmt.Errorf("import people: %w", err)
	}
	defer conn.Close()

	var res store.ImportResult
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var err error
			res, err = importInTx(ctx, tx, fill)
			return err
		})
	})
	if err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

func importInTx(ctx context.Context, tx pgx.Tx, fill func(put func(store.Person) error) error) (store.ImportResult, error) {
	// LIKE people: the staging table follows the schema without repeating it.
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE people_import (ord bigint NOT NULL, LIKE people) ON COMMIT DROP"); err != nil {
		return store.ImportResult{}, fmt.Errorf("import people: %w", err)
	}

	rows := make([][]any, copyBatch)
	for i := range rows {
		rows[i] = make([]any, 0, len(importColumns))
	}
	var (
		n       int // rows buffered
		puts    int
		copyErr error
	)
	flush := func() {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"people_import"}, importColumns, pgx.CopyFromRows(rows[:n]))
		if err != nil {
			copyErr = fmt.Errorf("import people: %w", err)
		}
		// Drop the references, not just the count: nothing of a person
		// put outlives its batch.
		for i := range rows[:n] {
			clear(rows[i])
			rows[i] = rows[i][:0]
		}
		n = 0
	}
	put := func(p store.Person) error {
		if copyErr != nil {
			// fill ignored an earlier error: keep refusing, and the
			// import fails below whatever fill returns.
			return copyErr
		}
		if err := sqldb.CheckPerson(&p); err != nil {
			copyErr = fmt.Errorf("import people: person %d: %w", puts+1, err)
			return copyErr
		}
		puts++
		rows[n] = sqldb.AppendPersonArgs(sqldb.Postgres, append(rows[n], int64(puts)), p)
		n++
		if n == copyBatch {
			flush()
		}
		return copyErr
	}

	switch err := fill(put); {
	case err != nil && copyErr != nil && errors.Is(err, copyErr):
		return store.ImportResult{}, err // put's own error, already saying where it came from
	case err != nil:
		return store.ImportResult{}, fmt.Errorf("import people: %w", err)
	case copyErr != nil:
		return store.ImportResult{}, copyErr
	}
	if n > 0 {
		if flush(); copyErr != nil {
			return store.ImportResult{}, copyErr
		}
	}

	var created int
	if err := tx.QueryRow(ctx, mergeImport).Scan(&created); err != nil {
		return store.ImportResult{}, fmt.Errorf("import people: %w", err)
	}
	return store.ImportResult{Created: created, Updated: puts - created}, nil
}
