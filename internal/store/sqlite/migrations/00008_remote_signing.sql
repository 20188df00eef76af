-- Remote signing (Cl@ve Firma model): a relying party's request to sign a
-- document hash (or a PDF a citizen uploads to /sign), and the keys llavero
-- holds for people to sign with.
--
-- As in 00003: timestamps are INTEGER unix microseconds, NULL while the
-- model leaves them zero. A request names its office by ID and by the name
-- shown when it was made, so a person's history still reads right after
-- the office is renamed or removed; no foreign keys for the same reason
-- (and person_id is empty until someone logs in to approve it). document
-- holds a /sign upload, then the signed PDF, and is emptied when it is
-- downloaded: it is never listed with the rest of the row.

-- +goose Up
CREATE TABLE signature_requests (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('digest', 'pdf')),
    client_id     TEXT NOT NULL,
    client_name   TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    description   TEXT NOT NULL,
    document_name TEXT NOT NULL,
    hash_alg      TEXT NOT NULL CHECK (hash_alg IN ('SHA-256', 'SHA-384', 'SHA-512')),
    digest        BLOB NOT NULL CHECK (length(digest) IN (32, 48, 64)),
    callback_uri  TEXT NOT NULL,
    return_uri    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'refused', 'expired', 'failed')),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    decided_at    INTEGER,
    signature     BLOB NOT NULL,
    signer_cert   BLOB NOT NULL,
    reason        TEXT NOT NULL,
    delivered_at  INTEGER,
    document      BLOB NOT NULL DEFAULT X''
) STRICT;
-- A person's history, newest first.
CREATE INDEX signature_requests_person ON signature_requests (person_id, created_at, id);
-- The sweep that expires requests nobody answered reads only open ones.
CREATE INDEX signature_requests_open ON signature_requests (expires_at) WHERE state = 'requested';
-- The purge of signed PDFs nobody downloaded reads only /sign requests.
CREATE INDEX signature_requests_pdf ON signature_requests (decided_at) WHERE kind = 'pdf';

CREATE TABLE remote_signing_keys (
    label      TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    cert_der   BLOB NOT NULL CHECK (length(cert_der) > 0),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
-- One key in use per person: a second one is a conflict, so two first
-- signatures at once cannot leave a person with two certificates.
CREATE UNIQUE INDEX remote_signing_keys_active ON remote_signing_keys (person_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE remote_signing_keys;
DROP TABLE signature_requests;
