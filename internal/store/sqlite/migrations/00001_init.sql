-- SQLite schema. Timestamps are INTEGER unix microseconds (UTC): exact at
-- the precision TIMESTAMPTZ keeps, and ordered as numbers. Dates are
-- 'YYYY-MM-DD' TEXT, NULL when not given. STRICT makes SQLite refuse a value
-- of the wrong type instead of storing it as given.

-- +goose Up
CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    given_name      TEXT NOT NULL,
    first_surname   TEXT NOT NULL,
    second_surname  TEXT NOT NULL,
    birth_date      TEXT,
    nationality     TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    document_number TEXT NOT NULL,
    document_expiry TEXT,
    support_number  TEXT NOT NULL,
    address         TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    city            TEXT NOT NULL,
    province        TEXT NOT NULL,
    email           TEXT NOT NULL,
    mobile          TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX people_mobile ON people (mobile);
CREATE INDEX people_document_number ON people (document_number);

CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    to_addr    TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
-- id is the tie-break of the listing order, so the index serves ORDER BY
-- created_at DESC, id DESC without a sort.
CREATE INDEX outbox_created_at ON outbox (created_at, id);
CREATE INDEX outbox_to_addr ON outbox (to_addr);
CREATE INDEX outbox_person_id ON outbox (person_id);

-- seq is the chain height, always given by the writer; INTEGER PRIMARY KEY
-- only makes it the rowid (no AUTOINCREMENT, nothing is generated).
CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    id        TEXT NOT NULL UNIQUE,
    time      INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

-- The one row every appender reads and moves; the CHECK keeps it one.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE outbox;
DROP TABLE people;
