-- When a video identification entered the review queue. Reviews are
-- created as drafts when the mobile is confirmed and queued only when the
-- citizen sends the three pieces, maybe days later: the queue is first
-- come, first served by this time, not by the draft's. NULL until queued
-- (and for reviews stored before this column, which fall back to
-- created_at).

-- +goose Up
ALTER TABLE video_reviews ADD COLUMN submitted_at INTEGER;
CREATE INDEX video_reviews_queued ON video_reviews (state, COALESCE(submitted_at, created_at), id);

-- +goose Down
DROP INDEX video_reviews_queued;
ALTER TABLE video_reviews DROP COLUMN submitted_at;
