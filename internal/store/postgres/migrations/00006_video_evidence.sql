-- Video identification: the photos and selfie video of a review, kept in
-- the database rather than on a node's disk, so that every node can serve
-- them and none keeps state of its own.
--
-- As in 00003: TIMESTAMPTZ, NULL while the model leaves a time zero;
-- identifiers COLLATE "C". The bytes go once the review has been decided
-- and the retention period has passed (data becomes empty, purged_at is
-- set); the row stays, with its size and digest, as a record of what was
-- judged. BYTEA values this size are TOASTed out of line, so the
-- description columns stay cheap to scan.

-- +goose Up
CREATE TABLE video_evidence (
    id           TEXT COLLATE "C" PRIMARY KEY,
    review_id    TEXT COLLATE "C" NOT NULL REFERENCES video_reviews (id),
    kind         TEXT COLLATE "C" NOT NULL,
    content_type TEXT COLLATE "C" NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    sha256       TEXT COLLATE "C" NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    purged_at    TIMESTAMPTZ
);
-- A review's pieces in listing order; it also serves the foreign key.
CREATE INDEX video_evidence_review ON video_evidence (review_id, created_at, id);
-- The purge reads only pieces that still hold bytes.
CREATE INDEX video_evidence_unpurged ON video_evidence (review_id) WHERE purged_at IS NULL;
-- A person's reviews, newest first: their one open review and its status.
CREATE INDEX video_reviews_person ON video_reviews (person_id, created_at, id);

-- +goose Down
DROP INDEX video_reviews_person;
DROP TABLE video_evidence;
