package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/llavero/llavero/internal/store/sqldb"
)

// upTo is the embedded migrations up to and including version prefix.
func upTo(t *testing.T, last string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() <= last+"~" {
			b, err := fs.ReadFile(sub, e.Name())
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	return out
}

// TestMigration00011 upgrades a database that already holds reminders:
// the rebuilt reminders table keeps every row and now takes the new
// kinds; certificates gain a NULL backup_confirmed_at; and going down
// drops the new kinds' rows and refuses them again.
func TestMigration00011(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := sql.Open("sqlite", dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, goose.DialectSQLite3, db, upTo(t, "00009")); err != nil {
		t.Fatal(err)
	}
	insert := func(subject, kind string) error {
		_, err := db.ExecContext(ctx, "INSERT INTO reminders (subject, kind, threshold, person_id, lang, title, body, deadline, sent_at) VALUES (?, ?, 7, 'A', 'es', 't', 'b', 1, 2)", subject, kind)
		return err
	}
	if err := insert("0a", "cert-expiry"); err != nil {
		t.Fatal(err)
	}
	if err := insert("0b", "cert-backup"); err == nil {
		t.Fatal("before 00011, a cert-backup reminder was accepted")
	}

	full, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.Migrate(ctx, goose.DialectSQLite3, db, full); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM reminders WHERE subject = '0a' AND kind = 'cert-expiry' AND person_id = 'A'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the old reminder after 00011: %d, %v", n, err)
	}
	for _, k := range []string{"application-code", "cert-backup", "video-decision", "video-refused"} {
		if err := insert("0b", k); err != nil {
			t.Errorf("kind %s after 00011: %v", k, err)
		}
	}
	if err := insert("0c", "cert-lost"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	var idx string
	if err := db.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = 'reminders_person'").Scan(&idx); err != nil || !strings.Contains(idx, "person_id") {
		t.Errorf("reminders_person after the rebuild: %q, %v", idx, err)
	}
	if _, err := db.ExecContext(ctx, "SELECT backup_confirmed_at FROM certificates"); err != nil {
		t.Errorf("certificates.backup_confirmed_at: %v", err)
	}

	p, err := goose.NewProvider(goose.DialectSQLite3, db, full)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatalf("down to 00009: %v", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM reminders").Scan(&n); err != nil || n != 1 {
		t.Errorf("after going down, %d reminders (%v), want the one old one", n, err)
	}
	if err := insert("0d", "cert-backup"); err == nil {
		t.Error("after going down, a cert-backup reminder was accepted")
	}
}
