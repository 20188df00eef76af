package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// statements is the text of every statement that does not vary with its
// arguments, registered by [static] as the package initialises.
var statements []string

// static registers q to be prepared once per connection (see prepared) and
// returns it.
func static(q string) string {
	statements = append(statements, q)
	return q
}

// prepared holds the [statements] prepared on one pool. modernc's SQLite
// driver parses and plans a statement on every call, a third of the time of
// a GetPerson or a CountAttempt; prepared once, each connection keeps its
// compiled statement. (pgx caches its prepared statements by itself.)
type prepared map[string]*sql.Stmt

// prepare prepares the statements on db, only the SELECTs if readOnly.
// database/sql prepares a statement again, by itself, on each connection
// it is later run on. It must run before any transaction: Prepare needs a
// connection, and SQLite's write pool has only the one a transaction
// holds.
func prepare(ctx context.Context, db *sql.DB, readOnly bool) (prepared, error) {
	p := make(prepared, len(statements))
	for _, q := range statements {
		if readOnly && !strings.HasPrefix(q, "SELECT ") {
			continue
		}
		if _, ok := p[q]; ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		p[q] = st
	}
	return p, nil
}

func (p prepared) close() {
	for _, st := range p {
		st.Close()
	}
}

// cached is a querier that runs the statements it has prepared as such,
// and any other (a List with its filters) as given.
type cached struct {
	q  querier
	tx *sql.Tx // q, inside a transaction
	p  prepared
	// shared: the transaction is a group commit's, so statements run
	// without the caller's cancellation (SQLite answers an interrupted
	// write by rolling back the whole transaction).
	shared bool
}

func (c cached) ctx(ctx context.Context) context.Context {
	if c.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c cached) stmt(ctx context.Context, q string) *sql.Stmt {
	st := c.p[q]
	if st != nil && c.tx != nil {
		// The transaction's connection has the statement prepared
		// already (if not, this prepares it there); the copy is closed
		// with the transaction.
		return c.tx.StmtContext(ctx, st)
	}
	return st
}

func (c cached) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, q, args...)
}

func (c cached) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, q, args...)
}

func (c cached) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, q, args...)
}
