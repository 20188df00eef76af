package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "reg.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

const header = "id,given_name,first_surname,second_surname,birth_date,nationality,document_type,document_number,document_expiry,support_number,address,postal_code,city,province,email,mobile\n"

// good is a valid row for an NIE holder with a TIE.
const good = "x-1234567-l,Olena,Kovalenko,,1990-04-02,ua,TIE,X1234567L,2028-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,612 34 56 78"

func TestParseRowCanonicalises(t *testing.T) {
	p, rerr := ParseRow(strings.Split(good, ","), now)
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := store.Person{ID: "X1234567L", GivenName: "Olena", FirstSurname: "Kovalenko", BirthDate: time.Date(1990, 4, 2, 0, 0, 0, 0, time.UTC),
		Nationality: "UA", DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: time.Date(2028, 5, 1, 0, 0, 0, 0, time.UTC),
		SupportNumber: "E12345678", Address: "Calle Mayor 1", PostalCode: "28013", City: "Madrid", Province: "Madrid",
		Email: "olena@example.org", Mobile: "+34612345678"}
	if p != want {
		t.Fatalf("got  %+v\nwant %+v", p, want)
	}
}

func TestParseRowRefusals(t *testing.T) {
	cases := []struct {
		name  string
		col   int
		value string
		field string
		code  string
	}{
		{"wrong control letter", 0, "X1234567M", "id", "id.control_letter"},
		{"passport as id", 0, "PAA123456", "id", "id.passport"},
		{"empty given name", 1, " ", "given_name", "name.empty"},
		{"bad birth date", 4, "02/04/1990", "birth_date", "date.invalid"},
		{"birth in the future", 4, "2030-01-01", "birth_date", "registry.birth_date"},
		{"nationality word", 5, "Ukraine", "nationality", "registry.nationality"},
		{"unknown document", 6, "DRIVING", "document_type", "document.type"},
		{"DNI document for an NIE", 6, "DNI", "document_type", "document.id_mismatch"},
		{"bad expiry", 8, "2028-13-01", "document_expiry", "date.invalid"},
		{"missing address", 10, "", "address", "registry.required"},
		{"foreign postal code", 11, "SW1A 1AA", "postal_code", "registry.postal_code"},
		{"postal code province 60", 11, "60001", "postal_code", "registry.postal_code"},
		{"email with name", 14, "Olena <olena@example.org>", "email", "registry.email"},
		{"landline as mobile", 15, "912345678", "mobile", "phone.not_mobile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := strings.Split(good, ",")
			rec[tc.col] = tc.value
			_, rerr := ParseRow(rec, now)
			if rerr == nil {
				t.Fatal("accepted")
			}
			if rerr.Field != tc.field || i18n.CodeOf(rerr.Err) != tc.code {
				t.Fatalf("got field %q code %q (%v), want %q %q", rerr.Field, i18n.CodeOf(rerr.Err), rerr.Err, tc.field, tc.code)
			}
			for _, l := range i18n.Langs {
				if msg := rerr.Message(l); !strings.Contains(msg, tc.field) {
					t.Errorf("%s message %q does not name the field", l, msg)
				}
			}
		})
	}
}

func TestImportAllOrNothing(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	bad := strings.Replace(good, "x-1234567-l", "Y7654321X", 1) // wrong letter
	csv := header + good + "\n" + bad + "\n" + strings.Replace(good, "28013", "99999", 1) + "\n"
	rep, err := Import(ctx, st, strings.NewReader(csv), ImportOptions{Now: now})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if rep.Bad != 2 || len(rep.Errors) != 2 || rep.Errors[0].Line != 3 || rep.Errors[1].Line != 4 {
		t.Fatalf("report %+v: want two bad rows on lines 3 and 4", rep)
	}
	if n, _ := st.CountPeople(ctx); n != 0 {
		t.Fatalf("%d people kept after a refused import", n)
	}

	rep, err = Import(ctx, st, strings.NewReader(csv), ImportOptions{Now: now, SkipBad: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 1 || rep.Bad != 2 || rep.Rows != 3 {
		t.Fatalf("skip-bad report %+v", rep)
	}
	if _, err := New(st).Lookup(ctx, "x1234567l"); err != nil {
		t.Fatal(err)
	}
}

func TestReimportUpdates(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if _, err := Import(ctx, st, strings.NewReader(header+good+"\n"), ImportOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(good, "Calle Mayor 1,28013,Madrid,Madrid", "Carrer Gran 5,08001,Barcelona,Barcelona", 1)
	rep, err := Import(ctx, st, strings.NewReader("\ufeff"+header+moved+"\n"), ImportOptions{Now: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 1 {
		t.Fatalf("report %+v, want one update", rep)
	}
	p, err := New(st).Lookup(ctx, "X1234567L")
	if err != nil {
		t.Fatal(err)
	}
	if p.City != "Barcelona" || !p.UpdatedAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("not updated: %+v", p)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	st := openStore(t)
	cases := map[string]struct {
		csv  string
		code string
	}{
		"empty":          {"", "registry.header"},
		"wrong header":   {"dni,name\n", "registry.header"},
		"short row":      {header + "X1234567L,Olena\n", "registry.import_refused"},
		"bare quote row": {header + good + ",\"x\n", "registry.import_refused"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Import(context.Background(), st, strings.NewReader(tc.csv), ImportOptions{Now: now})
			if i18n.CodeOf(err) != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestLookupExplainsMissingPerson(t *testing.T) {
	st := openStore(t)
	_, err := New(st).Lookup(context.Background(), "Y0000000Z")
	if !errors.Is(err, ErrNotInRegistry) {
		t.Fatalf("err = %v, want ErrNotInRegistry", err)
	}
	_, err = New(st).Lookup(context.Background(), "Y0000000A")
	if i18n.CodeOf(err) != "id.control_letter" {
		t.Fatalf("err = %v, want the identifier's own error", err)
	}
}

func TestGeneratedFileImportsCleanly(t *testing.T) {
	var buf bytes.Buffer
	if err := GenerateCSV(&buf, 3000, 7); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	rep, err := Import(context.Background(), st, &buf, ImportOptions{Now: now})
	if err != nil {
		for _, e := range rep.Errors {
			t.Log(e)
		}
		t.Fatal(err)
	}
	if rep.Created != 3000 || rep.Bad != 0 {
		t.Fatalf("report %+v", rep)
	}
}

// BenchmarkImportSQLite imports a generated registry into a fresh SQLite
// database per iteration: parsing, validation and writes together. The row
// count is LLAVERO_BENCH_ROWS (default 100 000); BENCHMARKS.md records the
// one-million-row figure.
func BenchmarkImportSQLite(b *testing.B) {
	rows := 100_000
	if v := os.Getenv("LLAVERO_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	file := filepath.Join(b.TempDir(), "people.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := GenerateCSV(f, rows, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		in, _ := os.Open(file)
		b.StartTimer()
		rep, err := Import(context.Background(), st, in, ImportOptions{Now: now})
		b.StopTimer()
		in.Close()
		st.Close()
		if err != nil || rep.Created != rows {
			b.Fatalf("import: %v %+v", err, rep)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
