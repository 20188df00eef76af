-- The app login: QR challenges (idp/qrlogin) and passkey registrations
-- in progress.
--
-- As in 00003: timestamps are INTEGER unix microseconds, NULL while the
-- model leaves them zero. No foreign keys: a challenge is created before
-- anyone is known, lives five minutes and is purged; a ceremony is
-- deleted when its device is stored.

-- +goose Up
CREATE TABLE qr_challenges (
    id           TEXT PRIMARY KEY,
    secret       BLOB NOT NULL,
    session_hash TEXT NOT NULL,
    client_name  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'collected')),
    ceremony     BLOB NOT NULL,
    scans        INTEGER NOT NULL CHECK (scans >= 0),
    person_id    TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    decided_at   INTEGER
) STRICT;
CREATE INDEX qr_challenges_expires ON qr_challenges (expires_at);

CREATE TABLE passkey_ceremonies (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    session    BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies (expires_at);

-- +goose Down
DROP TABLE passkey_ceremonies;
DROP TABLE qr_challenges;
