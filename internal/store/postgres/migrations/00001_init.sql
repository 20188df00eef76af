-- PostgreSQL schema. TIMESTAMPTZ keeps microseconds, which is the precision
-- the store promises; dates are DATE, NULL when not given.
--
-- Identifiers (IDs, document numbers, phone numbers, addresses the outbox
-- matches) are COLLATE "C": compared byte by byte, as SQLite does, so both
-- backends order ties alike; faster than a linguistic collation; and their
-- indexes cannot be corrupted by a libc upgrade that changes collation
-- order.

-- +goose Up
CREATE TABLE people (
    id              TEXT COLLATE "C" PRIMARY KEY,
    given_name      TEXT NOT NULL,
    first_surname   TEXT NOT NULL,
    second_surname  TEXT NOT NULL,
    birth_date      DATE,
    nationality     TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    document_number TEXT COLLATE "C" NOT NULL,
    document_expiry DATE,
    support_number  TEXT NOT NULL,
    address         TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    city            TEXT NOT NULL,
    province        TEXT NOT NULL,
    email           TEXT NOT NULL,
    mobile          TEXT COLLATE "C" NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_mobile ON people (mobile);
CREATE INDEX people_document_number ON people (document_number);

CREATE TABLE outbox (
    id         TEXT COLLATE "C" PRIMARY KEY,
    kind       TEXT NOT NULL,
    to_addr    TEXT COLLATE "C" NOT NULL,
    person_id  TEXT COLLATE "C" NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- id is the tie-break of the listing order, so the index serves ORDER BY
-- created_at DESC, id DESC without a sort.
CREATE INDEX outbox_created_at ON outbox (created_at, id);
CREATE INDEX outbox_to_addr ON outbox (to_addr);
CREATE INDEX outbox_person_id ON outbox (person_id);

-- seq is the chain height, always given by the writer: no sequence.
CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY CHECK (seq > 0),
    id        TEXT COLLATE "C" NOT NULL UNIQUE,
    time      TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- The one row every appender locks (SELECT … FOR UPDATE) and moves; the
-- CHECK keeps it one.
CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE outbox;
DROP TABLE people;
