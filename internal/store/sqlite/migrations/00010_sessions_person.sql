-- "This was not me" on My llavero ends every session of one person at
-- once (DeletePersonSessions); without this index that is a scan of every
-- live session on the platform. Sessions before a login have person_id
-- '' and are never looked up this way, so the index leaves them out.

-- +goose Up
CREATE INDEX sessions_person ON sessions (person_id) WHERE person_id <> '';

-- +goose Down
DROP INDEX sessions_person;
