-- The OpenID provider: authorization requests, token grants and signing
-- keys, kept here rather than in a node's memory so that any node can serve
-- any step of a flow.
--
-- As in 00003: TIMESTAMPTZ, NULL while the model leaves a time zero;
-- identifiers COLLATE "C"; lists JSONB arrays, '[]' when empty. No foreign
-- keys to clients: the token endpoint is the hot path of every relying
-- party, and a key check would lock the client row FOR KEY SHARE.

-- +goose Up
CREATE TABLE oidc_auth_requests (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    client_id             TEXT COLLATE "C" NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                JSONB NOT NULL CHECK (jsonb_typeof(scopes) = 'array'),
    state                 TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    acr_values            JSONB NOT NULL CHECK (jsonb_typeof(acr_values) = 'array'),
    claims                TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    person_id             TEXT COLLATE "C" NOT NULL,
    subject               TEXT COLLATE "C" NOT NULL,
    acr                   TEXT COLLATE "C" NOT NULL,
    amr                   JSONB NOT NULL CHECK (jsonb_typeof(amr) = 'array'),
    auth_time             TIMESTAMPTZ,
    done                  BOOLEAN NOT NULL,
    code_hash             TEXT COLLATE "C" NOT NULL
) WITH (fillfactor = 80);
-- The token request finds its auth request by the code's hash.
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests (code_hash) WHERE code_hash <> '';
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

CREATE TABLE oidc_tokens (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    client_id          TEXT COLLATE "C" NOT NULL,
    person_id          TEXT COLLATE "C" NOT NULL,
    subject            TEXT COLLATE "C" NOT NULL,
    scopes             JSONB NOT NULL CHECK (jsonb_typeof(scopes) = 'array'),
    audience           JSONB NOT NULL CHECK (jsonb_typeof(audience) = 'array'),
    acr                TEXT COLLATE "C" NOT NULL,
    amr                JSONB NOT NULL CHECK (jsonb_typeof(amr) = 'array'),
    auth_time          TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL,
    refresh_hash       TEXT COLLATE "C" NOT NULL,
    refresh_expires_at TIMESTAMPTZ,
    revoked            BOOLEAN NOT NULL
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX oidc_tokens_refresh ON oidc_tokens (refresh_hash) WHERE refresh_hash <> '';
-- Logout revokes one subject's tokens at one client.
CREATE INDEX oidc_tokens_subject ON oidc_tokens (client_id, subject);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

CREATE TABLE oidc_keys (
    id          TEXT COLLATE "C" PRIMARY KEY,
    alg         TEXT COLLATE "C" NOT NULL,
    private_key BYTEA NOT NULL,
    public_jwk  TEXT NOT NULL,
    state       TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);

-- +goose Down
DROP TABLE oidc_keys;
DROP TABLE oidc_tokens;
DROP TABLE oidc_auth_requests;
