// Package postgres is the PostgreSQL storage backend, for deployments with
// more than one node.
//
// It goes through database/sql on pgx's stdlib driver rather than pgxpool:
// that way every store.Tx method is the same code as SQLite's (package
// sqldb), and the one thing database/sql cannot do, COPY, is reached through
// the pgx connection underneath (sql.Conn.Raw) in ImportPeople.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqldb"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// core is unexported so that Store's API is the store.Store methods it
// promotes, not the sqldb type.
type core = sqldb.DB

// Store is a PostgreSQL database (more exactly: the first schema of its
// search_path). It implements [store.Store].
type Store struct {
	*core
	db *sql.DB
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url, a postgres:// URL or key=value
// string as pgx accepts, and brings the schema up to date. Runtime
// parameters in the URL, such as search_path, apply to every connection.
// Several nodes may Open the same database at once: migrations run under an
// advisory lock.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, errors.New("postgres: cannot parse the connection URL")
	}
	db := stdlib.OpenDB(*cfg)
	// database/sql opens connections without bound by default; PostgreSQL
	// refuses past max_connections (100 by default) for every node together.
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)

	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	core, err := sqldb.New(ctx, sqldb.Postgres, db, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{core: core, db: db}, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	// The lock is per schema, like the migrations: nodes sharing a schema
	// take turns, stores in different schemas (tests) do not wait.
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	if !schema.Valid {
		return errors.New("no schema of the search_path exists")
	}
	h := fnv.New64a()
	h.Write([]byte("llavero migrations " + schema.String))
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(int64(h.Sum64())),
		lock.WithLockTimeout(1, 300), // poll every second, for five minutes
	)
	if err != nil {
		return err
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return sqldb.Migrate(ctx, goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
}
