package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Video evidence ([store.EvidenceTx]). The description columns and the
// bytes live in one row, but no statement here reads data except
// EvidenceData: a review page lists its pieces, then the browser fetches
// each one.

// No [table]: the row is never updated through one, only purged.
const evidenceFrom = "SELECT id, review_id, kind, content_type, size, sha256, created_at, purged_at FROM video_evidence"

var (
	selectEvidence = static(evidenceFrom + " WHERE id = $1")
	insertEvidence = static("INSERT INTO video_evidence (id, review_id, kind, content_type, size, sha256, created_at, purged_at, data) " +
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING")
	selectEvidenceData = static("SELECT data FROM video_evidence WHERE id = $1 AND purged_at IS NULL")
	listEvidence       = static(evidenceFrom + " WHERE review_id = $1 ORDER BY created_at, id")
	deleteEvidence     = static("DELETE FROM video_evidence WHERE id = $1")
	// The empty BLOB rather than NULL: data stays NOT NULL, and the row
	// keeps its size and digest.
	purgeEvidence  = static("UPDATE video_evidence SET data = $2, purged_at = $3 WHERE review_id = $1 AND purged_at IS NULL")
	reviewsToPurge = static("SELECT DISTINCT e.review_id FROM video_evidence e JOIN video_reviews v ON v.id = e.review_id " +
		"WHERE e.purged_at IS NULL AND v.decided_at IS NOT NULL AND v.decided_at < $1 ORDER BY e.review_id LIMIT $2")
	listPersonVideoReviews = static(videoReviews.from + " WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
	videoQueuePosition     = static("SELECT count(*) FROM video_reviews q JOIN video_reviews v ON v.id = $1 " +
		"WHERE v.state = '" + store.ReviewPending + "' AND q.state = '" + store.ReviewPending + "' " +
		"AND (COALESCE(q.submitted_at, q.created_at) < COALESCE(v.submitted_at, v.created_at) OR " +
		"(COALESCE(q.submitted_at, q.created_at) = COALESCE(v.submitted_at, v.created_at) AND q.id <= v.id))")
)

func scanEvidence(r scanner, e *store.Evidence) error {
	return r.Scan(&e.ID, &e.ReviewID, &e.Kind, &e.ContentType, &e.Size, &e.SHA256, timeCol{&e.CreatedAt}, timeCol{&e.PurgedAt})
}

func (o ops) CreateEvidence(ctx context.Context, e store.Evidence, data []byte) error {
	switch {
	case e.ID == "":
		return errors.New("create evidence: no ID")
	case e.Size != int64(len(data)):
		return fmt.Errorf("create evidence %s: size %d but %d bytes", e.ID, e.Size, len(data))
	case !e.PurgedAt.IsZero():
		return fmt.Errorf("create evidence %s: already purged", e.ID)
	}
	e.CreatedAt = Timestamp(e.CreatedAt)
	return o.insert(ctx, "create evidence "+e.ID, insertEvidence,
		e.ID, e.ReviewID, e.Kind, e.ContentType, e.Size, e.SHA256, o.d.Time(e.CreatedAt), nil, blob(data))
}

func (o ops) GetEvidence(ctx context.Context, id string) (store.Evidence, error) {
	e, err := one(o.q.QueryRowContext(ctx, selectEvidence, id), scanEvidence)
	if err != nil {
		return store.Evidence{}, notFound("get evidence "+id, err)
	}
	return e, nil
}

func (o ops) EvidenceData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	// Scanned into a []byte destination, database/sql hands over a copy
	// the driver no longer uses: the one copy of the bytes on this side.
	if err := o.q.QueryRowContext(ctx, selectEvidenceData, id).Scan(&data); err != nil {
		return nil, notFound("evidence data "+id, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

func (o ops) ListEvidence(ctx context.Context, reviewID string) ([]store.Evidence, error) {
	out, err := list(ctx, o, "list evidence", listEvidence, []any{reviewID}, scanEvidence)
	if out == nil && err == nil {
		out = []store.Evidence{}
	}
	return out, err
}

func (o ops) DeleteEvidence(ctx context.Context, id string) error {
	if _, err := o.q.ExecContext(ctx, deleteEvidence, id); err != nil {
		return fmt.Errorf("delete evidence %s: %w", id, err)
	}
	return nil
}

func (o ops) PurgeEvidence(ctx context.Context, reviewID string, at time.Time) (int, error) {
	res, err := o.q.ExecContext(ctx, purgeEvidence, reviewID, []byte{}, o.d.Time(Timestamp(at)))
	if err != nil {
		return 0, fmt.Errorf("purge evidence of %s: %w", reviewID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge evidence of %s: %w", reviewID, err)
	}
	return int(n), nil
}

func (o ops) ReviewsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error) {
	return list(ctx, o, "reviews to purge", reviewsToPurge, []any{o.d.Time(Timestamp(decidedBefore)), limitOr100(limit)},
		func(r scanner, id *string) error { return r.Scan(id) })
}

func (o ops) ListPersonVideoReviews(ctx context.Context, personID string, limit int) ([]store.VideoReview, error) {
	return list(ctx, o, "list person video reviews", listPersonVideoReviews, []any{personID, limitOr100(limit)}, scanVideoReview)
}

func (o ops) VideoQueuePosition(ctx context.Context, id string) (int, error) {
	var n int
	if err := o.q.QueryRowContext(ctx, videoQueuePosition, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("video queue position %s: %w", id, err)
	}
	return n, nil
}

// The Store's own evidence methods: reads on the read pool, writes of one
// statement on the write pool.

// CreateEvidence implements [store.EvidenceTx].
func (db *DB) CreateEvidence(ctx context.Context, e store.Evidence, data []byte) error {
	return db.writer().CreateEvidence(ctx, e, data)
}

// GetEvidence implements [store.EvidenceTx].
func (db *DB) GetEvidence(ctx context.Context, id string) (store.Evidence, error) {
	return db.reader().GetEvidence(ctx, id)
}

// EvidenceData implements [store.EvidenceTx].
func (db *DB) EvidenceData(ctx context.Context, id string) ([]byte, error) {
	return db.reader().EvidenceData(ctx, id)
}

// ListEvidence implements [store.EvidenceTx].
func (db *DB) ListEvidence(ctx context.Context, reviewID string) ([]store.Evidence, error) {
	return db.reader().ListEvidence(ctx, reviewID)
}

// DeleteEvidence implements [store.EvidenceTx].
func (db *DB) DeleteEvidence(ctx context.Context, id string) error {
	return db.writer().DeleteEvidence(ctx, id)
}

// PurgeEvidence implements [store.EvidenceTx].
func (db *DB) PurgeEvidence(ctx context.Context, reviewID string, at time.Time) (int, error) {
	return db.writer().PurgeEvidence(ctx, reviewID, at)
}

// ReviewsToPurge implements [store.EvidenceTx].
func (db *DB) ReviewsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error) {
	return db.reader().ReviewsToPurge(ctx, decidedBefore, limit)
}

// ListPersonVideoReviews implements [store.EvidenceTx].
func (db *DB) ListPersonVideoReviews(ctx context.Context, personID string, limit int) ([]store.VideoReview, error) {
	return db.reader().ListPersonVideoReviews(ctx, personID, limit)
}

// VideoQueuePosition implements [store.EvidenceTx].
func (db *DB) VideoQueuePosition(ctx context.Context, id string) (int, error) {
	return db.reader().VideoQueuePosition(ctx, id)
}
