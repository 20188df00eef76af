-- Reminders for a certificate without a confirmed backup and for a
-- refused video identification, the video decision as a notice, and the
-- procedures' English names.
--
-- certificates.backup_confirmed_at: when the holder last proved, with the
-- key read from a copy of the .p12, that the backup exists (NULL until
-- then). applications_downloaded serves the backup sweep, which looks at
-- certificates downloaded (or renewed) a few days ago: a partial index, so
-- the pending applications, most of the table's writes, never touch it.
--
-- reminders.kind gains 'application-code' (the application code's own
-- reminders, still claimed on the application row too), 'cert-backup',
-- 'video-decision' and
-- 'video-refused'. SQLite cannot alter a CHECK constraint: the table is
-- rebuilt, its rows copied as they are.
--
-- Procedures are kept as JSON objects in clients.procedures; an English
-- name is the optional member "name_en" ('' or missing: the Spanish name
-- serves both languages), so existing rows need no change.

-- +goose Up
ALTER TABLE certificates ADD COLUMN backup_confirmed_at INTEGER;
CREATE INDEX applications_downloaded ON applications (downloaded_at, cert_serial)
    WHERE downloaded_at IS NOT NULL;

CREATE TABLE reminders_new (
    subject    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('cert-expiry', 'letter-code', 'application-code', 'cert-backup', 'video-decision', 'video-refused')),
    threshold  INTEGER NOT NULL CHECK (threshold >= 0),
    person_id  TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    deadline   INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (subject, kind, threshold)
) STRICT;
INSERT INTO reminders_new SELECT subject, kind, threshold, person_id, lang, title, body, deadline, sent_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
CREATE INDEX reminders_person ON reminders (person_id, sent_at);

-- +goose Down
CREATE TABLE reminders_old (
    subject    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('cert-expiry', 'letter-code')),
    threshold  INTEGER NOT NULL CHECK (threshold >= 0),
    person_id  TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    deadline   INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (subject, kind, threshold)
) STRICT;
INSERT INTO reminders_old SELECT subject, kind, threshold, person_id, lang, title, body, deadline, sent_at FROM reminders
    WHERE kind IN ('cert-expiry', 'letter-code');
DROP TABLE reminders;
ALTER TABLE reminders_old RENAME TO reminders;
CREATE INDEX reminders_person ON reminders (person_id, sent_at);

DROP INDEX applications_downloaded;
ALTER TABLE certificates DROP COLUMN backup_confirmed_at;
