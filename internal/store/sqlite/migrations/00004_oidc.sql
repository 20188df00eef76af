-- The OpenID provider: authorization requests, token grants and signing
-- keys, kept here rather than in a node's memory so that any node can serve
-- any step of a flow.
--
-- As in 00003: timestamps are INTEGER unix microseconds, NULL while the
-- model leaves them zero; lists are JSON arrays, '[]' when empty. No
-- foreign keys to clients: a grant outlives nothing it points to, and the
-- token endpoint is the hot path of every relying party.

-- +goose Up
CREATE TABLE oidc_auth_requests (
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
-- The token request finds its auth request by the code's hash.
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests (code_hash) WHERE code_hash <> '';
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens (
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
CREATE UNIQUE INDEX oidc_tokens_refresh ON oidc_tokens (refresh_hash) WHERE refresh_hash <> '';
-- Logout revokes one subject's tokens at one client.
CREATE INDEX oidc_tokens_subject ON oidc_tokens (client_id, subject);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

CREATE TABLE oidc_keys (
    id          TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_jwk  TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
) STRICT;

-- +goose Down
DROP TABLE oidc_keys;
DROP TABLE oidc_tokens;
DROP TABLE oidc_auth_requests;
