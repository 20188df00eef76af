-- Reminders sent to people (certificate expiry, invitation-letter code
-- about to lapse): what each person got, for the portal, and the claim
-- that makes each go out once. The primary key is the claim: a sweep on
-- any node inserts the row in the transaction that sends the email; a
-- second node's insert of the same key waits for the first transaction
-- and then does nothing.
--
-- As in 00003: TIMESTAMPTZ; identifiers COLLATE "C". The partial indexes
-- serve the sweeps, which look only at live certificates and unused
-- letter codes near their deadline.

-- +goose Up
CREATE TABLE reminders (
    subject    TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL CHECK (kind IN ('cert-expiry', 'letter-code')),
    threshold  INTEGER NOT NULL CHECK (threshold >= 0),
    person_id  TEXT COLLATE "C" NOT NULL,
    lang       TEXT COLLATE "C" NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    deadline   TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject, kind, threshold)
);
CREATE INDEX reminders_person ON reminders (person_id, sent_at);
CREATE INDEX certificates_live_expiry ON certificates (not_after, serial)
    WHERE kind = 'person' AND revoked_at IS NULL AND renewed_by = '';
CREATE INDEX one_time_codes_letter_expiry ON one_time_codes (expires_at, id)
    WHERE purpose = 'letter' AND used_at IS NULL;

-- +goose Down
DROP INDEX one_time_codes_letter_expiry;
DROP INDEX certificates_live_expiry;
DROP TABLE reminders;
