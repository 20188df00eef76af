-- The certificate side: applications, certificates, offices and operators,
-- rate-limit counters, and the OCSP responses and CRLs every node serves.
--
-- As in 00001: TIMESTAMPTZ, DATE, identifiers COLLATE "C". A timestamp the
-- model leaves zero until something happens (reminded, decided, downloaded,
-- revoked) is NULL until then, so "not yet" is visible to SQL and a partial
-- index can pick out the rows where it did happen. An optional reference is
-- NULL rather than '' where a foreign key checks it.

-- +goose Up
CREATE TABLE applications (
    id              TEXT COLLATE "C" PRIMARY KEY,
    code_hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    person_id       TEXT COLLATE "C" NOT NULL REFERENCES people (id),
    email           TEXT NOT NULL,
    lang            TEXT NOT NULL,
    public_key      BYTEA NOT NULL,
    key_fingerprint TEXT COLLATE "C" NOT NULL,
    state           TEXT COLLATE "C" NOT NULL,
    renewal_of      TEXT COLLATE "C" NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    reminded7_at    TIMESTAMPTZ,
    reminded1_at    TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ,
    office_id       TEXT COLLATE "C" NOT NULL,
    operator_id     TEXT COLLATE "C" NOT NULL,
    refusal_code    TEXT COLLATE "C" NOT NULL,
    document_type   TEXT NOT NULL,
    document_number TEXT COLLATE "C" NOT NULL,
    document_expiry DATE,
    cert_serial     TEXT COLLATE "C" NOT NULL,
    downloaded_at   TIMESTAMPTZ
);
-- created_at and id follow person_id so a person's applications come out
-- newest first without a sort; it also serves the foreign key when people
-- are deleted.
CREATE INDEX applications_person ON applications (person_id, created_at, id);
-- The reminder and expiry jobs: pending applications lapsing before a time.
CREATE INDEX applications_state_expires ON applications (state, expires_at);
-- One key, one application: the RA looks a key up before accepting it.
CREATE INDEX applications_key ON applications (key_fingerprint);

CREATE TABLE certificates (
    serial            TEXT COLLATE "C" PRIMARY KEY,
    kind              TEXT COLLATE "C" NOT NULL,
    person_id         TEXT COLLATE "C" NOT NULL,
    application_id    TEXT COLLATE "C" REFERENCES applications (id),
    der               BYTEA NOT NULL,
    not_before        TIMESTAMPTZ NOT NULL,
    not_after         TIMESTAMPTZ NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    revoked_at        TIMESTAMPTZ,
    revocation_reason INTEGER NOT NULL,
    renewed_by        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX certificates_person ON certificates (person_id, not_before, serial);
-- The CRL's content, in listing order. Partial: revoked certificates are a
-- small part of the table, and issuing one (the hot write) does not touch
-- this index at all. Covering every column but der: a listing without the
-- DER (CertificateFilter.OmitDER, what the CRL needs) can be an index-only
-- scan instead of a heap fetch per certificate.
CREATE INDEX certificates_revoked ON certificates (not_before, serial)
    INCLUDE (kind, person_id, application_id, not_after, created_at, revoked_at, revocation_reason, renewed_by)
    WHERE revoked_at IS NOT NULL;
-- No index on application_id: nothing looks certificates up by it, and
-- it would cost every issue a page write (15% of an approval on SQLite).
-- Deleting applications (a future retention purge) would want one, to
-- check the foreign key without a scan per application.

-- handles is a JSON array of strings, '[]' when empty: the same text both
-- backends bind and scan, and still queryable (handles ? 'certificate').
CREATE TABLE offices (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    city        TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    province    TEXT NOT NULL,
    hours       TEXT NOT NULL,
    handles     JSONB NOT NULL CHECK (jsonb_typeof(handles) = 'array'),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE operators (
    id          TEXT COLLATE "C" PRIMARY KEY,
    office_id   TEXT COLLATE "C" NOT NULL REFERENCES offices (id),
    name        TEXT NOT NULL,
    cert_serial TEXT COLLATE "C" NOT NULL,
    disabled    BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
-- An operator without a certificate yet has cert_serial ''; any number of
-- them may, but a certificate logs in one operator only.
CREATE UNIQUE INDEX operators_cert_serial ON operators (cert_serial) WHERE cert_serial <> '';
CREATE INDEX operators_office ON operators (office_id, id);

-- Every counted attempt rewrites its row. Neither window_start nor count is
-- indexed, so when the new version fits on the same page the update is HOT:
-- no new index entry, and old versions are pruned in passing. The
-- fillfactor keeps that room free.
CREATE TABLE rate_limits (
    key          TEXT COLLATE "C" PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    count        INTEGER NOT NULL
) WITH (fillfactor = 70);

CREATE TABLE ocsp_responses (
    serial      TEXT COLLATE "C" PRIMARY KEY,
    der         BYTEA NOT NULL,
    this_update TIMESTAMPTZ NOT NULL,
    next_update TIMESTAMPTZ NOT NULL
);
CREATE INDEX ocsp_responses_next_update ON ocsp_responses (next_update, serial);

CREATE TABLE crls (
    name        TEXT COLLATE "C" PRIMARY KEY,
    number      BIGINT NOT NULL,
    der         BYTEA NOT NULL,
    this_update TIMESTAMPTZ NOT NULL,
    next_update TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE crls;
DROP TABLE ocsp_responses;
DROP TABLE rate_limits;
DROP TABLE operators;
DROP TABLE offices;
DROP TABLE certificates;
DROP TABLE applications;
