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
-- 'video-refused'.
--
-- Procedures are kept as JSON objects in clients.procedures; an English
-- name is the optional member "name_en" ('' or missing: the Spanish name
-- serves both languages), so existing rows need no change.

-- +goose Up
ALTER TABLE certificates ADD COLUMN backup_confirmed_at TIMESTAMPTZ;
CREATE INDEX applications_downloaded ON applications (downloaded_at, cert_serial)
    WHERE downloaded_at IS NOT NULL;
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('cert-expiry', 'letter-code', 'application-code', 'cert-backup', 'video-decision', 'video-refused'));

-- +goose Down
DELETE FROM reminders WHERE kind NOT IN ('cert-expiry', 'letter-code');
ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check CHECK (kind IN ('cert-expiry', 'letter-code'));
DROP INDEX applications_downloaded;
ALTER TABLE certificates DROP COLUMN backup_confirmed_at;
