-- The app login: QR challenges (idp/qrlogin) and passkey registrations
-- in progress.
--
-- As in 00003: TIMESTAMPTZ, NULL while the model leaves a time zero;
-- identifiers COLLATE "C". No foreign keys: a challenge is created before
-- anyone is known, lives five minutes and is purged; a ceremony is
-- deleted when its device is stored. Every challenge is updated (each
-- scan, the decision, the collection): the fillfactor keeps those
-- updates HOT.

-- +goose Up
CREATE TABLE qr_challenges (
    id           TEXT COLLATE "C" PRIMARY KEY,
    secret       BYTEA NOT NULL,
    session_hash TEXT COLLATE "C" NOT NULL,
    client_name  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    state        TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'collected')),
    ceremony     BYTEA NOT NULL,
    scans        INTEGER NOT NULL CHECK (scans >= 0),
    person_id    TEXT COLLATE "C" NOT NULL,
    device_id    TEXT COLLATE "C" NOT NULL,
    decided_at   TIMESTAMPTZ
) WITH (fillfactor = 80);
CREATE INDEX qr_challenges_expires ON qr_challenges (expires_at);

CREATE TABLE passkey_ceremonies (
    id         TEXT COLLATE "C" PRIMARY KEY,
    person_id  TEXT COLLATE "C" NOT NULL,
    session    BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies (expires_at);

-- +goose Down
DROP TABLE passkey_ceremonies;
DROP TABLE qr_challenges;
