// Package store defines what llavero keeps and the interface every storage
// backend implements. The backends live in sqlite/ and postgres/; the
// conformance suite in storetest/ holds them both to the same behaviour.
//
// Services never see SQL: they call these methods, and when several rows must
// change together they do it inside [Store.InTx], so a failure leaves nothing
// half-written.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors returned by every backend. Check them with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a row with the same unique key already exists.
	ErrConflict = errors.New("store: already exists")
)

// Document types accepted in the population registry.
const (
	DocDNI           = "DNI"
	DocTIE           = "TIE"
	DocEUCertificate = "EU_CERTIFICATE"
	DocPassport      = "PASSPORT"
)

// Person is one entry of the population registry: who exists, which document
// proves it and where letters go. Dates are calendar dates held as UTC
// midnight; a zero time means "not given". (A backend stores the day the time
// names in its own location, and returns it as UTC midnight.)
//
// Every timestamp in this package (UpdatedAt, CreatedAt, AuditEvent.Time) is
// kept to the microsecond, digits below cut off, and comes back in UTC.
type Person struct {
	ID             string // canonical DNI or NIE, e.g. "X1234567L"
	GivenName      string
	FirstSurname   string
	SecondSurname  string // may be empty
	BirthDate      time.Time
	Nationality    string // ISO 3166-1 alpha-2, upper case
	DocumentType   string // one of the Doc* constants
	DocumentNumber string
	DocumentExpiry time.Time
	SupportNumber  string // may be empty
	Address        string
	PostalCode     string
	City           string
	Province       string
	Email          string // may be empty
	Mobile         string // E.164, may be empty
	UpdatedAt      time.Time
}

// Message kinds kept in the outbox.
const (
	KindEmail  = "email"
	KindSMS    = "sms"
	KindLetter = "letter"
)

// Message is one notification as it was sent (or, in development, as it
// would have been): the outbox an operator reads to see what a citizen got.
type Message struct {
	ID        string // random
	Kind      string // KindEmail, KindSMS or KindLetter
	To        string // email address, E.164 number, or the letter's one-line address
	PersonID  string // registry ID of the addressee when known
	Lang      string // "es" or "en"
	Subject   string
	Body      string
	Path      string // letters: where the PDF was written
	CreatedAt time.Time
}

// OutboxFilter narrows [Tx.ListOutbox]. Empty fields match everything.
type OutboxFilter struct {
	To    string // matches Message.To or Message.PersonID exactly
	Kind  string
	ID    string // one message (the outbox page's letter link)
	Limit int    // 0 means the backend default of 100
}

// AuditHead is the end of the audit chain: the position and hash the next
// event must link to. The zero value is the head of an empty chain.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditEvent is one entry in the append-only audit log. Seq is the event's
// position in the chain (a chain height, not a database sequence); PrevHash
// and Hash link it to its predecessor. Time is kept to the microsecond.
type AuditEvent struct {
	Seq      int64
	ID       string // random
	Time     time.Time
	Actor    string // who acted: "operator:ID", "citizen:X1234567L", "system"
	Action   string // what happened: "registry.import", "cert.issue", …
	Subject  string // whom or what it concerned
	Outcome  string // "ok", "refused", "failed"
	Detail   string // JSON object with the particulars, never a secret
	PrevHash string
	Hash     string
}

// ImportResult counts what an import changed.
type ImportResult struct {
	Created int
	Updated int
}

// Tx holds the operations that can run alone or inside one transaction.
type Tx interface {
	CertTx
	AccountTx
	OIDCTx
	EvidenceTx
	AppLoginTx
	RemoteSignTx
	ReminderTx

	// GetPerson returns the registry entry for a canonical identifier.
	GetPerson(ctx context.Context, id string) (Person, error)
	// UpsertPerson creates or replaces the registry entry with p.ID.
	UpsertPerson(ctx context.Context, p Person) error
	// CountPeople returns how many people the registry holds.
	CountPeople(ctx context.Context) (int, error)

	// AddOutbox records a message. m.ID must be set and unique: a used ID
	// gives ErrConflict, which leaves an enclosing transaction usable.
	AddOutbox(ctx context.Context, m Message) error
	// ListOutbox returns messages newest first.
	ListOutbox(ctx context.Context, f OutboxFilter) ([]Message, error)

	// AppendAudit locks the head of the audit chain, calls build with it and
	// stores the event build returns, all in one transaction, so that
	// concurrent writers (on any number of nodes) never fork the chain.
	// build must set Seq to head.Seq+1 and PrevHash to head.Hash; an event
	// that does not, or has no Hash, or a Time finer than a microsecond
	// (which could not be stored exactly as hashed), is refused and nothing
	// is stored.
	AppendAudit(ctx context.Context, build func(head AuditHead) (AuditEvent, error)) (AuditEvent, error)
	// AuditHead returns the end of the audit chain as the store records it,
	// so a verifier can tell a truncated chain from a whole one.
	AuditHead(ctx context.Context) (AuditHead, error)
	// ListAudit returns up to limit events with Seq > after, in chain order.
	// A limit of 0 or less means 100.
	ListAudit(ctx context.Context, after int64, limit int) ([]AuditEvent, error)
}

// Store is a storage backend. Its Tx methods each run in their own
// transaction; InTx runs several in one.
type Store interface {
	Tx

	// InTx runs fn in one read-write transaction. If fn returns an error the
	// transaction is rolled back and that error returned; if fn panics it is
	// rolled back and the panic goes on. fn must do its work through tx: a
	// write through the Store itself would wait for the transaction fn holds.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// ImportPeople upserts, in one transaction, every person that fill passes
	// to put. If fill (or put) returns an error nothing is kept. Backends
	// batch the writes: this is the path for a million-row registry.
	// Created counts IDs new to the registry and Updated the other puts, so
	// a person put twice in one import counts once in each. put must not be
	// called concurrently, nor after fill returns.
	ImportPeople(ctx context.Context, fill func(put func(Person) error) error) (ImportResult, error)

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	// Close releases the connections.
	Close() error
}
