-- The account side (identity provider): accounts, one-time codes, SSO
-- sessions, login history, passkey devices, video reviews and relying-party
-- clients.
--
-- As in 00002: timestamps are INTEGER unix microseconds, NULL while the
-- model leaves them zero (not yet used, locked, decided…). Lists are JSON
-- arrays, '[]' when empty.
--
-- Foreign keys are kept where a row means nothing without its parent and is
-- written rarely: an account needs a registry entry, a passkey an account,
-- a video review a registry entry. Codes, sessions and login events have
-- none: they are the hot path of every login (a key check is one more
-- lookup, and on PostgreSQL a row lock on the parent), they are created
-- right after the account was read, and a login event must be recordable
-- for an identifier that has no account at all.

-- +goose Up
CREATE TABLE accounts (
    person_id          TEXT PRIMARY KEY REFERENCES people (id),
    level              TEXT NOT NULL,
    registered_via     TEXT NOT NULL,
    mobile             TEXT NOT NULL,
    email              TEXT NOT NULL,
    lang               TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    password_hash      TEXT NOT NULL,
    password_failures  INTEGER NOT NULL,
    password_locked_at INTEGER
) STRICT;
-- A phone number belongs to one identifier at a time (a PIN sent to it
-- logs in one person); any number of accounts may have none.
CREATE UNIQUE INDEX accounts_mobile ON accounts (mobile) WHERE mobile <> '';

CREATE TABLE one_time_codes (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
-- A person's latest codes of one purpose (the one to check, how many were
-- sent lately), newest first without a sort.
CREATE INDEX one_time_codes_person ON one_time_codes (person_id, purpose, created_at, id);

-- amr is a JSON array of strings. person_id is '' until someone logs in.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL,
    acr          TEXT NOT NULL,
    amr          TEXT NOT NULL CHECK (json_valid(amr) AND json_type(amr) = 'array'),
    created_at   INTEGER NOT NULL,
    auth_time    INTEGER,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
) STRICT;
-- The purge of expired sessions.
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_events (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    method     TEXT NOT NULL,
    acr        TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX login_events_person ON login_events (person_id, at, id);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES accounts (person_id),
    name          TEXT NOT NULL,
    -- Unique: an authenticator's assertion names the credential, and must
    -- find one device.
    credential_id BLOB NOT NULL UNIQUE CHECK (length(credential_id) > 0),
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    aaguid        BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1))
) STRICT;
-- A person's devices in listing order; it also serves the foreign key.
CREATE INDEX devices_person ON devices (person_id, created_at, id);

-- evidence is a JSON array of paths.
CREATE TABLE video_reviews (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people (id),
    state          TEXT NOT NULL,
    evidence       TEXT NOT NULL CHECK (json_valid(evidence) AND json_type(evidence) = 'array'),
    created_at     INTEGER NOT NULL,
    decided_at     INTEGER,
    operator_id    TEXT NOT NULL,
    refusal_reason TEXT NOT NULL
) STRICT;
-- The review queue: one state, first come first served. No index on
-- person_id: nothing lists a person's reviews, and reviews are few enough
-- for a scan when a retention purge deletes people.
CREATE INDEX video_reviews_queue ON video_reviews (state, created_at, id);

-- redirect_uris and methods are JSON arrays of strings, procedures a JSON
-- array of objects {"id", "name", "acr", "signature"}.
CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    secret_hash   TEXT NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL CHECK (json_valid(redirect_uris) AND json_type(redirect_uris) = 'array'),
    min_acr       TEXT NOT NULL,
    methods       TEXT NOT NULL CHECK (json_valid(methods) AND json_type(methods) = 'array'),
    procedures    TEXT NOT NULL CHECK (json_valid(procedures) AND json_type(procedures) = 'array'),
    created_at    INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE clients;
DROP TABLE video_reviews;
DROP TABLE devices;
DROP TABLE login_events;
DROP TABLE sessions;
DROP TABLE one_time_codes;
DROP TABLE accounts;
