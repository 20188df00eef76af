package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/llavero/llavero/internal/store"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ops implements [store.Tx] on q. Writes of more than one statement assume
// q is a transaction (DB wraps them in one when called on the Store); the
// reads, and the writes that are one statement, are atomic without one.
type ops struct {
	q querier
	d *Dialect
}

// DefaultLimit is what ListOutbox and ListAudit return at most when given no
// positive limit.
const DefaultLimit = 100

var (
	selectPerson = static("SELECT " + PeopleColumnList + " FROM people WHERE id = $1")
	upsertPerson = static(UpsertPeopleSQL(1, true))
	countPeople  = static("SELECT count(*) FROM people")
)

func (o ops) GetPerson(ctx context.Context, id string) (store.Person, error) {
	var p store.Person
	err := o.q.QueryRowContext(ctx, selectPerson, id).Scan(
		&p.ID, &p.GivenName, &p.FirstSurname, &p.SecondSurname, dateCol{&p.BirthDate},
		&p.Nationality, &p.DocumentType, &p.DocumentNumber, dateCol{&p.DocumentExpiry},
		&p.SupportNumber, &p.Address, &p.PostalCode, &p.City, &p.Province,
		&p.Email, &p.Mobile, timeCol{&p.UpdatedAt},
	)
	if errors.Is(err, sql.ErrNoRows) {
		// The ID is a DNI/NIE: personal data stays out of error strings,
		// which end up in logs.
		return store.Person{}, fmt.Errorf("get person: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Person{}, fmt.Errorf("get person: %w", err)
	}
	return p, nil
}

func (o ops) UpsertPerson(ctx context.Context, p store.Person) error {
	if err := CheckPerson(&p); err != nil {
		return err
	}
	if _, err := o.q.ExecContext(ctx, upsertPerson, AppendPersonArgs(o.d, nil, p)...); err != nil {
		return fmt.Errorf("upsert person: %w", err)
	}
	return nil
}

func (o ops) CountPeople(ctx context.Context) (int, error) {
	var n int
	if err := o.q.QueryRowContext(ctx, countPeople).Scan(&n); err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return n, nil
}

const outboxColumns = "id, kind, to_addr, person_id, lang, subject, body, path, created_at"

// ON CONFLICT DO NOTHING rather than catching the unique violation: the
// driver error codes differ, and in PostgreSQL a failed INSERT would abort
// the caller's whole transaction, while ErrConflict is meant to be handled.
var insertOutbox = static("INSERT INTO outbox (" + outboxColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING")

func (o ops) AddOutbox(ctx context.Context, m store.Message) error {
	if m.ID == "" {
		return errors.New("add outbox: message without ID")
	}
	res, err := o.q.ExecContext(ctx, insertOutbox,
		m.ID, m.Kind, m.To, m.PersonID, m.Lang, m.Subject, m.Body, m.Path, o.d.Time(Timestamp(m.CreatedAt)))
	if err != nil {
		return fmt.Errorf("add outbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("add outbox: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("add outbox %s: %w", m.ID, store.ErrConflict)
	}
	return nil
}

// The outbox lists that run often, prepared once per connection like
// every static statement: a person's messages (the portal's notices) and
// their latest SMS (what a load run's browsers read their PIN from). They
// are the very text ListOutbox builds for those filters.
var (
	_ = static("SELECT " + outboxColumns + " FROM outbox WHERE (to_addr = $1 OR person_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2")
	_ = static("SELECT " + outboxColumns + " FROM outbox WHERE (to_addr = $1 OR person_id = $1) AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT $3")
)

func (o ops) ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.Message, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.To != "" {
		// One placeholder used twice: each side of the OR can use its own
		// index.
		p := arg(f.To)
		where = append(where, "(to_addr = "+p+" OR person_id = "+p+")")
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.ID != "" {
		where = append(where, "id = "+arg(f.ID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	q := "SELECT " + outboxColumns + " FROM outbox"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit)

	rows, err := o.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		var m store.Message
		if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.PersonID, &m.Lang, &m.Subject, &m.Body, &m.Path, timeCol{&m.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

const auditColumns = "seq, id, time, actor, action, subject, outcome, detail, prev_hash, hash"

var (
	// SQLite's; PostgreSQL's adds Dialect.LockHead.
	selectAuditHead = static("SELECT seq, hash FROM audit_head WHERE id = 1")
	insertAudit     = static("INSERT INTO audit_events (" + auditColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
	moveAuditHead   = static("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3")
	listAudit       = static("SELECT " + auditColumns + " FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
)

// AuditHead implements [store.Tx]: the head as stored, unlocked.
func (o ops) AuditHead(ctx context.Context) (store.AuditHead, error) {
	var head store.AuditHead
	if err := o.q.QueryRowContext(ctx, selectAuditHead).Scan(&head.Seq, &head.Hash); err != nil {
		return store.AuditHead{}, fmt.Errorf("audit head: %w", err)
	}
	return head, nil
}

func (o ops) AppendAudit(ctx context.Context, build func(head store.AuditHead) (store.AuditEvent, error)) (store.AuditEvent, error) {
	var head store.AuditHead
	if err := o.q.QueryRowContext(ctx, selectAuditHead+o.d.LockHead).Scan(&head.Seq, &head.Hash); err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit: read head: %w", err)
	}
	ev, err := build(head)
	if err != nil {
		return store.AuditEvent{}, err
	}
	switch {
	case ev.Seq != head.Seq+1:
		return store.AuditEvent{}, fmt.Errorf("append audit: event seq %d does not follow head %d", ev.Seq, head.Seq)
	case ev.PrevHash != head.Hash:
		return store.AuditEvent{}, fmt.Errorf("append audit: event %d does not link to the head's hash", ev.Seq)
	case ev.Hash == "":
		// The next event would link to "", indistinguishable from the
		// start of the chain.
		return store.AuditEvent{}, fmt.Errorf("append audit: event %d has no hash", ev.Seq)
	case !ev.Time.Equal(Timestamp(ev.Time)):
		// Cutting the time would store something other than what was
		// hashed, and the chain would never verify again.
		return store.AuditEvent{}, fmt.Errorf("append audit: event %d: time %v is finer than a microsecond", ev.Seq, ev.Time)
	}
	ev.Time = Timestamp(ev.Time)
	if _, err := o.q.ExecContext(ctx, insertAudit,
		ev.Seq, ev.ID, o.d.Time(ev.Time), ev.Actor, ev.Action, ev.Subject, ev.Outcome, ev.Detail, ev.PrevHash, ev.Hash,
	); err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit: %w", err)
	}
	// The seq condition is redundant under the lock; it turns a broken
	// invariant (a write outside a transaction) into an error instead of a
	// forked chain.
	res, err := o.q.ExecContext(ctx, moveAuditHead, ev.Seq, ev.Hash, head.Seq)
	if err != nil {
		return store.AuditEvent{}, fmt.Errorf("append audit: move head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return store.AuditEvent{}, fmt.Errorf("append audit: head moved under event %d (%d rows, %v)", ev.Seq, n, err)
	}
	return ev, nil
}

func (o ops) ListAudit(ctx context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	rows, err := o.q.QueryContext(ctx, listAudit, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEvent
	for rows.Next() {
		var e store.AuditEvent
		if err := rows.Scan(&e.Seq, &e.ID, timeCol{&e.Time}, &e.Actor, &e.Action, &e.Subject, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}
