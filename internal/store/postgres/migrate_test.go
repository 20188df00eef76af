package postgres

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"

	"github.com/llavero/llavero/internal/store/postgres/pgtest"
	"github.com/llavero/llavero/internal/store/sqldb"
)

// TestMigration00011 upgrades a schema that already holds reminders: the
// old rows stay, the new kinds are accepted and unknown ones refused, and
// going down removes the new kinds' rows and refuses them again.
func TestMigration00011(t *testing.T) {
	base := os.Getenv("LLAVERO_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("LLAVERO_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", pgtest.Schema(t, base))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	full, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	entries, _ := fs.ReadDir(full, ".")
	for _, e := range entries {
		if e.Name() < "00010" {
			b, _ := fs.ReadFile(full, e.Name())
			old[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if err := sqldb.Migrate(ctx, goose.DialectPostgres, db, old); err != nil {
		t.Fatal(err)
	}
	insert := func(subject, kind string) error {
		_, err := db.ExecContext(ctx, "INSERT INTO reminders (subject, kind, threshold, person_id, lang, title, body, deadline, sent_at)"+
			" VALUES ($1, $2, 7, 'A', 'es', 't', 'b', now(), now())", subject, kind)
		return err
	}
	if err := insert("0a", "cert-expiry"); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, goose.DialectPostgres, db, full); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"application-code", "cert-backup", "video-decision", "video-refused"} {
		if err := insert("0b", k); err != nil {
			t.Errorf("kind %s after 00011: %v", k, err)
		}
	}
	if err := insert("0c", "cert-lost"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	if _, err := db.ExecContext(ctx, "SELECT backup_confirmed_at FROM certificates"); err != nil {
		t.Errorf("certificates.backup_confirmed_at: %v", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, full)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatalf("down to 00009: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM reminders").Scan(&n); err != nil || n != 1 {
		t.Errorf("after going down, %d reminders (%v), want the one old one", n, err)
	}
	if err := insert("0d", "cert-backup"); err == nil {
		t.Error("after going down, a cert-backup reminder was accepted")
	}
}
