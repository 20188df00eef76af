-- Remote signing (Cl@ve Firma model): a relying party's request to sign a
-- document hash (or a PDF a citizen uploads to /sign), and the keys llavero
-- holds for people to sign with.
--
-- As in 00003: TIMESTAMPTZ, NULL while the model leaves a time zero;
-- identifiers COLLATE "C". A request names its office by ID and by the
-- name shown when it was made, so a person's history still reads right
-- after the office is renamed or removed; no foreign keys for the same
-- reason (and person_id is empty until someone logs in to approve it).
-- document holds a /sign upload, then the signed PDF, and is emptied when
-- it is downloaded: it is never listed with the rest of the row (BYTEA
-- this size is TOASTed out of line). Every request is updated at least
-- once (its decision): the fillfactor keeps those updates HOT.

-- +goose Up
CREATE TABLE signature_requests (
    id            TEXT COLLATE "C" PRIMARY KEY,
    kind          TEXT COLLATE "C" NOT NULL CHECK (kind IN ('digest', 'pdf')),
    client_id     TEXT COLLATE "C" NOT NULL,
    client_name   TEXT NOT NULL,
    person_id     TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL,
    document_name TEXT NOT NULL,
    hash_alg      TEXT COLLATE "C" NOT NULL CHECK (hash_alg IN ('SHA-256', 'SHA-384', 'SHA-512')),
    digest        BYTEA NOT NULL CHECK (length(digest) IN (32, 48, 64)),
    callback_uri  TEXT NOT NULL,
    return_uri    TEXT NOT NULL,
    state         TEXT COLLATE "C" NOT NULL CHECK (state IN ('requested', 'approved', 'refused', 'expired', 'failed')),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    decided_at    TIMESTAMPTZ,
    signature     BYTEA NOT NULL,
    signer_cert   BYTEA NOT NULL,
    reason        TEXT NOT NULL,
    delivered_at  TIMESTAMPTZ,
    document      BYTEA NOT NULL DEFAULT ''::bytea
) WITH (fillfactor = 80);
-- A person's history, newest first.
CREATE INDEX signature_requests_person ON signature_requests (person_id, created_at, id);
-- The sweep that expires requests nobody answered reads only open ones.
CREATE INDEX signature_requests_open ON signature_requests (expires_at) WHERE state = 'requested';
-- The purge of signed PDFs nobody downloaded reads only /sign requests.
CREATE INDEX signature_requests_pdf ON signature_requests (decided_at) WHERE kind = 'pdf';

CREATE TABLE remote_signing_keys (
    label      TEXT COLLATE "C" PRIMARY KEY,
    person_id  TEXT COLLATE "C" NOT NULL,
    cert_der   BYTEA NOT NULL CHECK (length(cert_der) > 0),
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
-- One key in use per person: a second one is a conflict, so two first
-- signatures at once cannot leave a person with two certificates.
CREATE UNIQUE INDEX remote_signing_keys_active ON remote_signing_keys (person_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE remote_signing_keys;
DROP TABLE signature_requests;
