package sqldb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// PeopleColumns lists the people columns in the order [AppendPersonArgs]
// binds them. Every statement that writes people is built from it, so a new
// field is added in one place (and in the migrations).
var PeopleColumns = []string{
	"id", "given_name", "first_surname", "second_surname", "birth_date",
	"nationality", "document_type", "document_number", "document_expiry",
	"support_number", "address", "postal_code", "city", "province",
	"email", "mobile", "updated_at",
}

var (
	// PeopleColumnList is PeopleColumns joined for a SELECT or INSERT.
	PeopleColumnList = strings.Join(PeopleColumns, ", ")
	// PeopleUpsertSet is the DO UPDATE clause of every people upsert.
	PeopleUpsertSet = func() string {
		set := make([]string, 0, len(PeopleColumns)-1)
		for _, c := range PeopleColumns[1:] {
			set = append(set, c+" = excluded."+c)
		}
		return " ON CONFLICT (id) DO UPDATE SET " + strings.Join(set, ", ")
	}()
)

// PeopleInsertPrefix is "INSERT INTO people (columns…) ": append VALUES or a
// SELECT, then [PeopleUpsertSet].
var PeopleInsertPrefix = "INSERT INTO people (" + PeopleColumnList + ") "

// UpsertPeopleSQL returns an upsert of rows people. numbered selects $1, $2…
// placeholders (PostgreSQL, and the shared statements); otherwise it uses
// plain ?, which SQLite binds without parsing a parameter name.
func UpsertPeopleSQL(rows int, numbered bool) string {
	var b strings.Builder
	n := len(PeopleColumns)
	b.Grow(len(PeopleInsertPrefix) + len(PeopleUpsertSet) + 10 + rows*n*6)
	b.WriteString(PeopleInsertPrefix)
	b.WriteString("VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range n {
			if c > 0 {
				b.WriteByte(',')
			}
			if numbered {
				fmt.Fprintf(&b, "$%d", r*n+c+1)
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(PeopleUpsertSet)
	return b.String()
}

// AppendPersonArgs appends p's bind arguments, in [PeopleColumns] order.
func AppendPersonArgs(d *Dialect, dst []any, p store.Person) []any {
	return append(dst,
		p.ID, p.GivenName, p.FirstSurname, p.SecondSurname, dateArg(d, p.BirthDate),
		p.Nationality, p.DocumentType, p.DocumentNumber, dateArg(d, p.DocumentExpiry),
		p.SupportNumber, p.Address, p.PostalCode, p.City, p.Province,
		p.Email, p.Mobile, d.Time(Timestamp(p.UpdatedAt)),
	)
}

// CheckPerson rejects what the schema would accept but no caller means.
func CheckPerson(p *store.Person) error {
	if p.ID == "" {
		return fmt.Errorf("person without ID")
	}
	return nil
}

// Timestamp is how every backend keeps a point in time: UTC, cut (not
// rounded) to the microsecond, the precision of TIMESTAMPTZ. Doing it here
// rather than leaving it to each database makes both agree to the bit.
func Timestamp(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// Date is how every backend keeps a calendar date: UTC midnight of the day t
// names in its own location, so a midnight in Madrid stays the same day.
// The zero time stays zero ("not given").
func Date(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateArg(d *Dialect, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.Date(Date(t))
}

// timeCol scans either encoding of a timestamp: SQLite's unix microseconds
// or the time.Time pgx returns; NULL (an optional timestamp, see [optTime])
// as the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("timestamp column holds %T", src)
	}
	return nil
}

// dateCol scans either encoding of a date, or NULL as the zero time: SQLite's
// 'YYYY-MM-DD' text or the time.Time pgx returns.
type dateCol struct{ t *time.Time }

func (c dateCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = Date(v)
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("date column holds %T", src)
	}
	return nil
}

func (c dateCol) parse(s string) error {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("date column: %w", err)
	}
	*c.t = t
	return nil
}

// optTime binds a timestamp that stays zero until something happens
// (revoked, decided, reminded…): NULL while zero, so SQL can tell, and a
// partial index can skip those rows.
func optTime(d *Dialect, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.Time(Timestamp(t))
}

// optText binds an optional reference that a foreign key checks: NULL when
// empty, as the empty string would have to name a row.
func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// textCol scans an [optText] column: NULL as "".
type textCol struct{ s *string }

func (c textCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("text column holds %T", src)
	}
	return nil
}

// blob binds bytes for a NOT NULL BLOB/BYTEA column: database/sql sends a
// nil slice as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// bytesCol scans a BLOB/BYTEA column. Empty comes back nil whatever the
// driver hands over, so both backends agree; anything else is copied, as the
// driver may reuse its buffer for the next row.
type bytesCol struct{ b *[]byte }

func (c bytesCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		*c.b = nil
		if len(v) > 0 {
			*c.b = bytes.Clone(v)
		}
	default:
		return fmt.Errorf("blob column holds %T", src)
	}
	return nil
}

// emptyBytes gives a written value the form a read would return.
func emptyBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// listArg binds a list of strings as the JSON array text both backends keep
// (SQLite TEXT, PostgreSQL JSONB); nil as '[]', never 'null'.
func listArg(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

// listCol scans a [listArg] column. The list comes back non-nil even when
// empty: it is what office pages and APIs show, where "[]" and "null"
// differ.
type listCol struct{ l *[]string }

func (c listCol) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return fmt.Errorf("list column holds %T", src)
	}
	l := []string{}
	if err := json.Unmarshal(raw, &l); err != nil {
		return fmt.Errorf("list column: %w", err)
	}
	if l == nil { // the JSON was null
		l = []string{}
	}
	*c.l = l
	return nil
}

// procedure is how a [store.Procedure] is kept in JSON: its own names, so
// renaming a Go field does not orphan what is stored. Converting between
// the two types compiles only while their fields match, so a field added
// to one must be added to the other.
// A row written before signature kinds existed has "signature" and no
// "signature_kind", and reads as a certificate signature
// ([store.Procedure.Normalized]).
type procedure struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	NameEN        string `json:"name_en,omitempty"`
	ACR           string `json:"acr"`
	Signature     bool   `json:"signature"`
	SignatureKind string `json:"signature_kind,omitempty"`
}

// proceduresArg binds procedures as a JSON array of objects, '[]' when
// empty, as [listArg] does strings.
func proceduresArg(ps []store.Procedure) (string, error) {
	if len(ps) == 0 {
		return "[]", nil
	}
	out := make([]procedure, len(ps))
	for i, p := range ps {
		out[i] = procedure(p.Normalized())
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// proceduresCol scans a [proceduresArg] column; empty comes back non-nil,
// like [listCol].
type proceduresCol struct{ ps *[]store.Procedure }

func (c proceduresCol) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return fmt.Errorf("procedures column holds %T", src)
	}
	var in []procedure
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("procedures column: %w", err)
	}
	out := make([]store.Procedure, len(in))
	for i, p := range in {
		out[i] = store.Procedure(p).Normalized()
	}
	*c.ps = out
	return nil
}
