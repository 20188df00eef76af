package store

import (
	"context"
	"time"
)

// A video review is assembled before it is judged: while the citizen is
// still uploading its evidence it is a draft, and only a complete one is
// submitted (ReviewPending) to the operators' queue. A draft and a pending
// review are both a person's one open review.
const ReviewDraft = "draft"

// Kinds of evidence a video identification needs, one of each.
const (
	EvidenceDocumentFront = "document-front"
	EvidenceDocumentBack  = "document-back"
	EvidenceSelfieVideo   = "selfie-video"
)

// Evidence describes one uploaded piece of a video review. Its bytes are
// kept in the database beside it, so that any server node can serve them
// and none needs a disk of its own; they are read separately
// ([EvidenceTx.EvidenceData]), since listing a review must not load tens of
// megabytes.
type Evidence struct {
	ID          string // random
	ReviewID    string // a video review's
	Kind        string // Evidence*
	ContentType string // as sniffed from the bytes, e.g. "image/jpeg"
	Size        int64  // bytes
	SHA256      string // hex digest of the bytes, kept after they are purged
	CreatedAt   time.Time
	PurgedAt    time.Time // zero while the bytes are kept
}

// EvidenceTx holds the operations on video evidence and the video-review
// queries the identification flow needs beyond [AccountTx]. Every Tx has
// them. Errors and times follow AccountTx.
type EvidenceTx interface {
	// CreateEvidence stores e and its bytes. e.Size must be len(data); an
	// ID already used gives ErrConflict, a review that does not exist a
	// foreign-key error.
	CreateEvidence(ctx context.Context, e Evidence, data []byte) error
	// GetEvidence returns the description of a piece, without its bytes.
	GetEvidence(ctx context.Context, id string) (Evidence, error)
	// EvidenceData returns a piece's bytes: ErrNotFound when there is no
	// such piece or its bytes were purged.
	EvidenceData(ctx context.Context, id string) ([]byte, error)
	// ListEvidence returns a review's pieces, oldest first.
	ListEvidence(ctx context.Context, reviewID string) ([]Evidence, error)
	// DeleteEvidence removes a piece that was replaced before the review
	// was submitted; one already gone is no error.
	DeleteEvidence(ctx context.Context, id string) error
	// PurgeEvidence drops the bytes of a review's pieces not yet purged,
	// keeping their description, and returns how many it purged.
	PurgeEvidence(ctx context.Context, reviewID string, at time.Time) (int, error)
	// ReviewsToPurge returns up to limit IDs of reviews decided before t
	// that still hold evidence bytes.
	ReviewsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error)
	// ListPersonVideoReviews returns a person's reviews, newest first.
	ListPersonVideoReviews(ctx context.Context, personID string, limit int) ([]VideoReview, error)
	// VideoQueuePosition returns the place of a pending review in the
	// queue (1 for the next to be judged), counting the pending reviews
	// created before it; 0 when it is not pending.
	VideoQueuePosition(ctx context.Context, id string) (int, error)
}
