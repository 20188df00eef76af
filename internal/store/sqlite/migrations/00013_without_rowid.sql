-- The tables every login writes, keyed by random text IDs, become
-- WITHOUT ROWID: the row lives in its primary key's b-tree instead of in a
-- rowid table beside a separate index of the key. An insert, update or
-- delete then changes one b-tree instead of two, and a commit writes about a
-- third fewer pages (each a WAL frame) for a PIN login: one-time codes,
-- rate-limit counters, sessions, login events, OpenID auth requests and
-- tokens. Their rows are small, which is what WITHOUT ROWID suits. The outbox
-- keeps its rowid: an email's body is large.
--
-- SQLite cannot change a table to WITHOUT ROWID in place: each is rebuilt
-- under its own name with the same columns, checks and indexes. Nothing
-- references these tables, and no code reads a rowid. PostgreSQL has no
-- rowid and needs nothing.

-- +goose Up
CREATE TABLE rate_limits_new (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO rate_limits_new (key, window_start, count) SELECT key, window_start, count FROM rate_limits;
DROP TABLE rate_limits;
ALTER TABLE rate_limits_new RENAME TO rate_limits;

CREATE TABLE one_time_codes_new (
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
) STRICT, WITHOUT ROWID;
INSERT INTO one_time_codes_new (id, person_id, purpose, code_hash, channel, destination, created_at, expires_at, failures, used_at) SELECT id, person_id, purpose, code_hash, channel, destination, created_at, expires_at, failures, used_at FROM one_time_codes;
DROP TABLE one_time_codes;
ALTER TABLE one_time_codes_new RENAME TO one_time_codes;
CREATE INDEX one_time_codes_letter_expiry ON one_time_codes (expires_at, id)
    WHERE purpose = 'letter' AND used_at IS NULL;
CREATE INDEX one_time_codes_person ON one_time_codes (person_id, purpose, created_at, id);

CREATE TABLE sessions_new (
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
) STRICT, WITHOUT ROWID;
INSERT INTO sessions_new (id, person_id, acr, amr, created_at, auth_time, expires_at, last_seen_at, ip, user_agent) SELECT id, person_id, acr, amr, created_at, auth_time, expires_at, last_seen_at, ip, user_agent FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_person ON sessions (person_id) WHERE person_id <> '';

CREATE TABLE login_events_new (
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
) STRICT, WITHOUT ROWID;
INSERT INTO login_events_new (id, person_id, method, acr, client_id, outcome, reason, ip, user_agent, at) SELECT id, person_id, method, acr, client_id, outcome, reason, ip, user_agent, at FROM login_events;
DROP TABLE login_events;
ALTER TABLE login_events_new RENAME TO login_events;
CREATE INDEX login_events_person ON login_events (person_id, at, id);

CREATE TABLE oidc_auth_requests_new (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    state                 TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    acr_values            TEXT NOT NULL CHECK (json_valid(acr_values) AND json_type(acr_values) = 'array'),
    claims                TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    person_id             TEXT NOT NULL,
    subject               TEXT NOT NULL,
    acr                   TEXT NOT NULL,
    amr                   TEXT NOT NULL CHECK (json_valid(amr) AND json_type(amr) = 'array'),
    auth_time             INTEGER,
    done                  INTEGER NOT NULL,
    code_hash             TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO oidc_auth_requests_new (id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge, code_challenge_method, acr_values, claims, created_at, expires_at, person_id, subject, acr, amr, auth_time, done, code_hash) SELECT id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge, code_challenge_method, acr_values, claims, created_at, expires_at, person_id, subject, acr, amr, auth_time, done, code_hash FROM oidc_auth_requests;
DROP TABLE oidc_auth_requests;
ALTER TABLE oidc_auth_requests_new RENAME TO oidc_auth_requests;
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests (code_hash) WHERE code_hash <> '';
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens_new (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL,
    person_id          TEXT NOT NULL,
    subject            TEXT NOT NULL,
    scopes             TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    audience           TEXT NOT NULL CHECK (json_valid(audience) AND json_type(audience) = 'array'),
    acr                TEXT NOT NULL,
    amr                TEXT NOT NULL CHECK (json_valid(amr) AND json_type(amr) = 'array'),
    auth_time          INTEGER,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    refresh_hash       TEXT NOT NULL,
    refresh_expires_at INTEGER,
    revoked            INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO oidc_tokens_new (id, client_id, person_id, subject, scopes, audience, acr, amr, auth_time, created_at, expires_at, refresh_hash, refresh_expires_at, revoked) SELECT id, client_id, person_id, subject, scopes, audience, acr, amr, auth_time, created_at, expires_at, refresh_hash, refresh_expires_at, revoked FROM oidc_tokens;
DROP TABLE oidc_tokens;
ALTER TABLE oidc_tokens_new RENAME TO oidc_tokens;
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
CREATE UNIQUE INDEX oidc_tokens_refresh ON oidc_tokens (refresh_hash) WHERE refresh_hash <> '';
CREATE INDEX oidc_tokens_subject ON oidc_tokens (client_id, subject);

-- +goose Down
CREATE TABLE rate_limits_new (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) STRICT;
INSERT INTO rate_limits_new (key, window_start, count) SELECT key, window_start, count FROM rate_limits;
DROP TABLE rate_limits;
ALTER TABLE rate_limits_new RENAME TO rate_limits;

CREATE TABLE one_time_codes_new (
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
INSERT INTO one_time_codes_new (id, person_id, purpose, code_hash, channel, destination, created_at, expires_at, failures, used_at) SELECT id, person_id, purpose, code_hash, channel, destination, created_at, expires_at, failures, used_at FROM one_time_codes;
DROP TABLE one_time_codes;
ALTER TABLE one_time_codes_new RENAME TO one_time_codes;
CREATE INDEX one_time_codes_letter_expiry ON one_time_codes (expires_at, id)
    WHERE purpose = 'letter' AND used_at IS NULL;
CREATE INDEX one_time_codes_person ON one_time_codes (person_id, purpose, created_at, id);

CREATE TABLE sessions_new (
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
INSERT INTO sessions_new (id, person_id, acr, amr, created_at, auth_time, expires_at, last_seen_at, ip, user_agent) SELECT id, person_id, acr, amr, created_at, auth_time, expires_at, last_seen_at, ip, user_agent FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_person ON sessions (person_id) WHERE person_id <> '';

CREATE TABLE login_events_new (
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
INSERT INTO login_events_new (id, person_id, method, acr, client_id, outcome, reason, ip, user_agent, at) SELECT id, person_id, method, acr, client_id, outcome, reason, ip, user_agent, at FROM login_events;
DROP TABLE login_events;
ALTER TABLE login_events_new RENAME TO login_events;
CREATE INDEX login_events_person ON login_events (person_id, at, id);

CREATE TABLE oidc_auth_requests_new (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    state                 TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    acr_values            TEXT NOT NULL CHECK (json_valid(acr_values) AND json_type(acr_values) = 'array'),
    claims                TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    person_id             TEXT NOT NULL,
    subject               TEXT NOT NULL,
    acr                   TEXT NOT NULL,
    amr                   TEXT NOT NULL CHECK (json_valid(amr) AND json_type(amr) = 'array'),
    auth_time             INTEGER,
    done                  INTEGER NOT NULL,
    code_hash             TEXT NOT NULL
) STRICT;
INSERT INTO oidc_auth_requests_new (id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge, code_challenge_method, acr_values, claims, created_at, expires_at, person_id, subject, acr, amr, auth_time, done, code_hash) SELECT id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge, code_challenge_method, acr_values, claims, created_at, expires_at, person_id, subject, acr, amr, auth_time, done, code_hash FROM oidc_auth_requests;
DROP TABLE oidc_auth_requests;
ALTER TABLE oidc_auth_requests_new RENAME TO oidc_auth_requests;
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests (code_hash) WHERE code_hash <> '';
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens_new (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL,
    person_id          TEXT NOT NULL,
    subject            TEXT NOT NULL,
    scopes             TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    audience           TEXT NOT NULL CHECK (json_valid(audience) AND json_type(audience) = 'array'),
    acr                TEXT NOT NULL,
    amr                TEXT NOT NULL CHECK (json_valid(amr) AND json_type(amr) = 'array'),
    auth_time          INTEGER,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    refresh_hash       TEXT NOT NULL,
    refresh_expires_at INTEGER,
    revoked            INTEGER NOT NULL
) STRICT;
INSERT INTO oidc_tokens_new (id, client_id, person_id, subject, scopes, audience, acr, amr, auth_time, created_at, expires_at, refresh_hash, refresh_expires_at, revoked) SELECT id, client_id, person_id, subject, scopes, audience, acr, amr, auth_time, created_at, expires_at, refresh_hash, refresh_expires_at, revoked FROM oidc_tokens;
DROP TABLE oidc_tokens;
ALTER TABLE oidc_tokens_new RENAME TO oidc_tokens;
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
CREATE UNIQUE INDEX oidc_tokens_refresh ON oidc_tokens (refresh_hash) WHERE refresh_hash <> '';
CREATE INDEX oidc_tokens_subject ON oidc_tokens (client_id, subject);
