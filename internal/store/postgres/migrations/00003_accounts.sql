-- The account side (identity provider): accounts, one-time codes, SSO
-- sessions, login history, passkey devices, video reviews and relying-party
-- clients.
--
-- As in 00002: TIMESTAMPTZ, NULL while the model leaves a time zero (not
-- yet used, locked, decided…); identifiers COLLATE "C". Lists are JSONB
-- arrays, '[]' when empty: the same text both backends bind and scan.
--
-- Foreign keys are kept where a row means nothing without its parent and is
-- written rarely: an account needs a registry entry, a passkey an account,
-- a video review a registry entry. Codes, sessions and login events have
-- none: they are the hot path of every login (a key check locks the parent
-- row FOR KEY SHARE, a WAL record of its own), they are created right after
-- the account was read, and a login event must be recordable for an
-- identifier that has no account at all.

-- +goose Up
CREATE TABLE accounts (
    person_id          TEXT COLLATE "C" PRIMARY KEY REFERENCES people (id),
    level              TEXT COLLATE "C" NOT NULL,
    registered_via     TEXT COLLATE "C" NOT NULL,
    mobile             TEXT COLLATE "C" NOT NULL,
    email              TEXT NOT NULL,
    lang               TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    password_hash      TEXT NOT NULL,
    password_failures  INTEGER NOT NULL,
    password_locked_at TIMESTAMPTZ
);
-- A phone number belongs to one identifier at a time (a PIN sent to it
-- logs in one person); any number of accounts may have none.
CREATE UNIQUE INDEX accounts_mobile ON accounts (mobile) WHERE mobile <> '';

-- Every code is updated at least once (used, or a wrong try counted), soon
-- after it was inserted. Nothing updated is indexed, so with room left on
-- the page the update is HOT: no new index entries.
CREATE TABLE one_time_codes (
    id          TEXT COLLATE "C" PRIMARY KEY,
    person_id   TEXT COLLATE "C" NOT NULL,
    purpose     TEXT COLLATE "C" NOT NULL,
    code_hash   TEXT COLLATE "C" NOT NULL,
    channel     TEXT COLLATE "C" NOT NULL,
    destination TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    failures    INTEGER NOT NULL,
    used_at     TIMESTAMPTZ
) WITH (fillfactor = 80);
-- A person's latest codes of one purpose (the one to check, how many were
-- sent lately), newest first without a sort.
CREATE INDEX one_time_codes_person ON one_time_codes (person_id, purpose, created_at, id);

-- person_id is '' until someone logs in. Sessions are touched (last_seen_at)
-- while in use: the fillfactor keeps those updates HOT, as for codes.
CREATE TABLE sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    person_id    TEXT COLLATE "C" NOT NULL,
    acr          TEXT COLLATE "C" NOT NULL,
    amr          JSONB NOT NULL CHECK (jsonb_typeof(amr) = 'array'),
    created_at   TIMESTAMPTZ NOT NULL,
    auth_time    TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
) WITH (fillfactor = 80);
-- The purge of expired sessions.
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_events (
    id         TEXT COLLATE "C" PRIMARY KEY,
    person_id  TEXT COLLATE "C" NOT NULL,
    method     TEXT COLLATE "C" NOT NULL,
    acr        TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    outcome    TEXT COLLATE "C" NOT NULL,
    reason     TEXT COLLATE "C" NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_events_person ON login_events (person_id, at, id);

CREATE TABLE devices (
    id            TEXT COLLATE "C" PRIMARY KEY,
    person_id     TEXT COLLATE "C" NOT NULL REFERENCES accounts (person_id),
    name          TEXT NOT NULL,
    -- Unique: an authenticator's assertion names the credential, and must
    -- find one device.
    credential_id BYTEA NOT NULL UNIQUE CHECK (length(credential_id) > 0),
    public_key    BYTEA NOT NULL,
    sign_count    BIGINT NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    aaguid        BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    disabled      BOOLEAN NOT NULL
);
-- A person's devices in listing order; it also serves the foreign key.
CREATE INDEX devices_person ON devices (person_id, created_at, id);

CREATE TABLE video_reviews (
    id             TEXT COLLATE "C" PRIMARY KEY,
    person_id      TEXT COLLATE "C" NOT NULL REFERENCES people (id),
    state          TEXT COLLATE "C" NOT NULL,
    evidence       JSONB NOT NULL CHECK (jsonb_typeof(evidence) = 'array'),
    created_at     TIMESTAMPTZ NOT NULL,
    decided_at     TIMESTAMPTZ,
    operator_id    TEXT COLLATE "C" NOT NULL,
    refusal_reason TEXT NOT NULL
);
-- The review queue: one state, first come first served. No index on
-- person_id: nothing lists a person's reviews, and reviews are few enough
-- for a scan when a retention purge deletes people.
CREATE INDEX video_reviews_queue ON video_reviews (state, created_at, id);

-- procedures is an array of objects {"id", "name", "acr", "signature"}.
CREATE TABLE clients (
    id            TEXT COLLATE "C" PRIMARY KEY,
    secret_hash   TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris JSONB NOT NULL CHECK (jsonb_typeof(redirect_uris) = 'array'),
    min_acr       TEXT COLLATE "C" NOT NULL,
    methods       JSONB NOT NULL CHECK (jsonb_typeof(methods) = 'array'),
    procedures    JSONB NOT NULL CHECK (jsonb_typeof(procedures) = 'array'),
    created_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE clients;
DROP TABLE video_reviews;
DROP TABLE devices;
DROP TABLE login_events;
DROP TABLE sessions;
DROP TABLE one_time_codes;
DROP TABLE accounts;
