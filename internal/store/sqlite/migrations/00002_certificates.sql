-- The certificate side: applications, certificates, offices and operators,
-- rate-limit counters, and the OCSP responses and CRLs every node serves.
--
-- As in 00001: timestamps are INTEGER unix microseconds, dates 'YYYY-MM-DD'
-- TEXT. A timestamp the model leaves zero until something happens
-- (reminded, decided, downloaded, revoked) is NULL until then, so "not yet"
-- is visible to SQL and a partial index can pick out the rows where it did
-- happen. An optional reference is NULL rather than '' where a foreign key
-- checks it.

-- +goose Up
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    code_hash       TEXT NOT NULL UNIQUE,
    person_id       TEXT NOT NULL REFERENCES people (id),
    email           TEXT NOT NULL,
    lang            TEXT NOT NULL,
    public_key      BLOB NOT NULL,
    key_fingerprint TEXT NOT NULL,
    state           TEXT NOT NULL,
    renewal_of      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    reminded7_at    INTEGER,
    reminded1_at    INTEGER,
    decided_at      INTEGER,
    office_id       TEXT NOT NULL,
    operator_id     TEXT NOT NULL,
    refusal_code    TEXT NOT NULL,
    document_type   TEXT NOT NULL,
    document_number TEXT NOT NULL,
    document_expiry TEXT,
    cert_serial     TEXT NOT NULL,
    downloaded_at   INTEGER
) STRICT;
-- created_at and id follow person_id so a person's applications come out
-- newest first without a sort.
CREATE INDEX applications_person ON applications (person_id, created_at, id);
-- The reminder and expiry jobs: pending applications lapsing before a time.
CREATE INDEX applications_state_expires ON applications (state, expires_at);
-- One key, one application: the RA looks a key up before accepting it.
CREATE INDEX applications_key ON applications (key_fingerprint);

CREATE TABLE certificates (
    serial            TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    person_id         TEXT NOT NULL,
    application_id    TEXT REFERENCES applications (id),
    der               BLOB NOT NULL,
    not_before        INTEGER NOT NULL,
    not_after         INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    revoked_at        INTEGER,
    revocation_reason INTEGER NOT NULL,
    renewed_by        TEXT NOT NULL
) STRICT;
CREATE INDEX certificates_person ON certificates (person_id, not_before, serial);
-- The CRL's content, in listing order. Partial: revoked certificates are a
-- small part of the table, and issuing one (the hot write) does not touch
-- this index at all. Covering every column but der: a listing without the
-- DER (CertificateFilter.OmitDER, what the CRL needs) reads the index
-- alone instead of a table page per certificate, 100 000 revoked ones in
-- a third of the time.
CREATE INDEX certificates_revoked ON certificates (
    not_before, serial, kind, person_id, application_id, not_after, created_at,
    revoked_at, revocation_reason, renewed_by
) WHERE revoked_at IS NOT NULL;
-- No index on application_id: nothing looks certificates up by it, and
-- it would cost every issue a page write (15% of an approval on SQLite).
-- Deleting applications (a future retention purge) would want one, to
-- check the foreign key without a scan per application.

-- handles is a JSON array of strings, '[]' when empty.
CREATE TABLE offices (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    city        TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    province    TEXT NOT NULL,
    hours       TEXT NOT NULL,
    handles     TEXT NOT NULL CHECK (json_valid(handles) AND json_type(handles) = 'array'),
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE operators (
    id          TEXT PRIMARY KEY,
    office_id   TEXT NOT NULL REFERENCES offices (id),
    name        TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    disabled    INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;
-- An operator without a certificate yet has cert_serial ''; any number of
-- them may, but a certificate logs in one operator only.
CREATE UNIQUE INDEX operators_cert_serial ON operators (cert_serial) WHERE cert_serial <> '';
CREATE INDEX operators_office ON operators (office_id, id);

CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) STRICT;

CREATE TABLE ocsp_responses (
    serial      TEXT PRIMARY KEY,
    der         BLOB NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL
) STRICT;
CREATE INDEX ocsp_responses_next_update ON ocsp_responses (next_update, serial);

CREATE TABLE crls (
    name        TEXT PRIMARY KEY,
    number      INTEGER NOT NULL,
    der         BLOB NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE crls;
DROP TABLE ocsp_responses;
DROP TABLE rate_limits;
DROP TABLE operators;
DROP TABLE offices;
DROP TABLE certificates;
DROP TABLE applications;
