-- Video identification: the photos and selfie video of a review, kept in
-- the database rather than on a node's disk, so that every node can serve
-- them and none keeps state of its own.
--
-- As in 00003: timestamps are INTEGER unix microseconds, NULL while the
-- model leaves them zero. The bytes go once the review has been decided
-- and the retention period has passed (data becomes empty, purged_at is
-- set); the row stays, with its size and digest, as a record of what was
-- judged.

-- +goose Up
CREATE TABLE video_evidence (
    id           TEXT PRIMARY KEY,
    review_id    TEXT NOT NULL REFERENCES video_reviews (id),
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    purged_at    INTEGER
) STRICT;
-- A review's pieces in listing order; it also serves the foreign key.
CREATE INDEX video_evidence_review ON video_evidence (review_id, created_at, id);
-- The purge reads only pieces that still hold bytes.
CREATE INDEX video_evidence_unpurged ON video_evidence (review_id) WHERE purged_at IS NULL;
-- A person's reviews, newest first: their one open review and its status.
CREATE INDEX video_reviews_person ON video_reviews (person_id, created_at, id);

-- +goose Down
DROP INDEX video_reviews_person;
DROP TABLE video_evidence;
