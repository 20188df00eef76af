package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The evidence cases join the table from here, so the shared table in
// storetest.go stays as it is for the other sides of the store.
func init() {
	cases = append(cases, []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"EvidenceRoundTrip", testEvidenceRoundTrip},
		{"EvidenceRefusals", testEvidenceRefusals},
		{"EvidenceDeleteAndRollback", testEvidenceDeleteAndRollback},
		{"EvidencePurge", testEvidencePurge},
		{"PersonVideoReviewsNewestFirst", testPersonVideoReviewsNewestFirst},
		{"VideoQueuePosition", testVideoQueuePosition},
	}...)
}

// evidenceBytes stands in for a photo or video: binary, with NUL and high
// bytes.
func evidenceBytes(seed byte, n int) []byte { return der(seed, n) }

func evidencePiece(id, reviewID, kind string, data []byte, created time.Time) store.Evidence {
	sum := sha256.Sum256(data)
	return store.Evidence{ID: id, ReviewID: reviewID, Kind: kind, ContentType: "image/jpeg", Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: created}
}

func mustCreateEvidence(t *testing.T, s store.Tx, e store.Evidence, data []byte) {
	t.Helper()
	if err := s.CreateEvidence(context.Background(), e, data); err != nil {
		t.Fatalf("CreateEvidence(%s): %v", e.ID, err)
	}
}

func evidenceIDs(es []store.Evidence) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testEvidenceRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateVideoReview(t, s, review("v1", ids[0], store.ReviewDraft, at(0)))
	front, back := evidenceBytes(1, 70_000), evidenceBytes(2, 1)
	video := evidenceBytes(3, 300_000)
	pieces := []struct {
		e    store.Evidence
		data []byte
	}{
		{evidencePiece("e2", "v1", store.EvidenceDocumentBack, back, at(time.Minute)), back},
		{evidencePiece("e1", "v1", store.EvidenceDocumentFront, front, at(0)), front},
		{evidencePiece("e3", "v1", store.EvidenceSelfieVideo, video, at(time.Minute)), video},
	}
	pieces[2].e.ContentType = "video/webm"
	for _, p := range pieces {
		mustCreateEvidence(t, s, p.e, p.data)
		got, err := s.GetEvidence(ctx, p.e.ID)
		w := p.e
		w.CreatedAt = want(w.CreatedAt)
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Errorf("GetEvidence(%s) =\n %#v, %v\nwant %#v", p.e.ID, got, err, w)
		}
		data, err := s.EvidenceData(ctx, p.e.ID)
		if err != nil || !bytes.Equal(data, p.data) {
			t.Errorf("EvidenceData(%s): %d bytes, %v; want the %d stored", p.e.ID, len(data), err, len(p.data))
		}
	}
	// Oldest first; e2 and e3 share their time, so the ID breaks the tie.
	got, err := s.ListEvidence(ctx, "v1")
	if err != nil || !slices.Equal(evidenceIDs(got), []string{"e1", "e2", "e3"}) {
		t.Errorf("ListEvidence = %v, %v; want [e1 e2 e3]", evidenceIDs(got), err)
	}
	if got, err := s.ListEvidence(ctx, "v9"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("ListEvidence of a review without pieces = %#v, %v; want empty and non-nil", got, err)
	}
	// An empty piece is stored as such, not as NULL.
	empty := evidencePiece("e0", "v1", store.EvidenceDocumentBack, nil, at(2*time.Minute))
	mustCreateEvidence(t, s, empty, nil)
	if data, err := s.EvidenceData(ctx, "e0"); err != nil || len(data) != 0 {
		t.Errorf("EvidenceData of an empty piece = %d bytes, %v", len(data), err)
	}
}

func testEvidenceRefusals(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateVideoReview(t, s, review("v1", ids[0], store.ReviewDraft, at(0)))
	data := evidenceBytes(1, 100)
	mustCreateEvidence(t, s, evidencePiece("e1", "v1", store.EvidenceDocumentFront, data, at(0)), data)

	if err := s.CreateEvidence(ctx, evidencePiece("e1", "v1", store.EvidenceDocumentBack, data, at(0)), data); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateEvidence with a used ID: err = %v, want ErrConflict", err)
	}
	if err := s.CreateEvidence(ctx, evidencePiece("e2", "v9", store.EvidenceDocumentBack, data, at(0)), data); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateEvidence for a review that does not exist: err = %v, want a foreign-key error", err)
	}
	short := evidencePiece("e3", "v1", store.EvidenceDocumentBack, data, at(0))
	short.Size--
	if err := s.CreateEvidence(ctx, short, data); err == nil {
		t.Error("CreateEvidence with a size that is not the data's: no error")
	}
	if err := s.CreateEvidence(ctx, evidencePiece("", "v1", store.EvidenceDocumentBack, data, at(0)), data); err == nil {
		t.Error("CreateEvidence without an ID: no error")
	}
	for _, id := range []string{"e2", "e3", "e9"} {
		if _, err := s.GetEvidence(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetEvidence(%s) of a refused piece: err = %v, want ErrNotFound", id, err)
		}
		if _, err := s.EvidenceData(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EvidenceData(%s) of a refused piece: err = %v, want ErrNotFound", id, err)
		}
	}
}

func testEvidenceDeleteAndRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 1)
	mustCreateVideoReview(t, s, review("v1", ids[0], store.ReviewDraft, at(0)))
	data := evidenceBytes(1, 1000)
	mustCreateEvidence(t, s, evidencePiece("e1", "v1", store.EvidenceDocumentFront, data, at(0)), data)

	// A replacement in one transaction: the new piece in, the old out, and
	// the review pointing at the new one; a failure keeps the old.
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateEvidence(ctx, evidencePiece("e2", "v1", store.EvidenceDocumentFront, data, at(time.Minute)), data); err != nil {
			return err
		}
		if err := tx.DeleteEvidence(ctx, "e1"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx: %v", err)
	}
	if got, err := s.ListEvidence(ctx, "v1"); err != nil || !slices.Equal(evidenceIDs(got), []string{"e1"}) {
		t.Errorf("after a rolled-back replacement: %v, %v; want [e1]", evidenceIDs(got), err)
	}
	if err := s.DeleteEvidence(ctx, "e1"); err != nil {
		t.Fatalf("DeleteEvidence: %v", err)
	}
	if err := s.DeleteEvidence(ctx, "e1"); err != nil {
		t.Errorf("DeleteEvidence of a piece already gone: %v", err)
	}
	if _, err := s.EvidenceData(ctx, "e1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EvidenceData after delete: err = %v, want ErrNotFound", err)
	}
}

func testEvidencePurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 2)
	m := time.Minute
	old := review("v1", ids[0], store.ReviewApproved, at(0))
	old.DecidedAt = at(10 * m)
	recent := review("v2", ids[1], store.ReviewRefused, at(0))
	recent.DecidedAt = at(100 * m)
	mustCreateVideoReview(t, s, old)
	mustCreateVideoReview(t, s, recent)
	mustCreateVideoReview(t, s, review("v3", ids[1], store.ReviewPending, at(m)))
	data := evidenceBytes(7, 5000)
	for i, r := range []string{"v1", "v1", "v2", "v3"} {
		id := "e" + strconv.Itoa(i)
		mustCreateEvidence(t, s, evidencePiece(id, r, store.EvidenceDocumentFront, data, at(time.Duration(i)*m)), data)
	}

	due := func(before time.Time, w ...string) {
		t.Helper()
		got, err := s.ReviewsToPurge(ctx, before, 0)
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("ReviewsToPurge(%v) = %v, %v; want %v", before, got, err, w)
		}
	}
	due(at(10 * m))            // decided at that instant: not before it
	due(at(11*m), "v1")        // undecided v3 never
	due(at(101*m), "v1", "v2") // both decided, in ID order
	if got, err := s.ReviewsToPurge(ctx, at(101*m), 1); err != nil || !slices.Equal(got, []string{"v1"}) {
		t.Errorf("ReviewsToPurge with limit 1 = %v, %v", got, err)
	}

	n, err := s.PurgeEvidence(ctx, "v1", at(200*m))
	if err != nil || n != 2 {
		t.Fatalf("PurgeEvidence(v1) = %d, %v; want 2", n, err)
	}
	if n, err := s.PurgeEvidence(ctx, "v1", at(300*m)); err != nil || n != 0 {
		t.Errorf("PurgeEvidence(v1) again = %d, %v; want 0", n, err)
	}
	due(at(101*m), "v2")
	for _, id := range []string{"e0", "e1"} {
		if _, err := s.EvidenceData(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EvidenceData(%s) after purge: err = %v, want ErrNotFound", id, err)
		}
		e, err := s.GetEvidence(ctx, id)
		sum := sha256.Sum256(data)
		if err != nil || e.Size != int64(len(data)) || e.SHA256 != hex.EncodeToString(sum[:]) || !e.PurgedAt.Equal(want(at(200*m))) {
			t.Errorf("GetEvidence(%s) after purge = %+v, %v; want size, digest and purge time kept", id, e, err)
		}
	}
	for _, id := range []string{"e2", "e3"} {
		if got, err := s.EvidenceData(ctx, id); err != nil || !bytes.Equal(got, data) {
			t.Errorf("EvidenceData(%s) of another review after purge: %d bytes, %v", id, len(got), err)
		}
	}
	if got, err := s.GetVideoReview(ctx, "v1"); err != nil || got.State != store.ReviewApproved {
		t.Errorf("the review after its purge: %+v, %v; want it kept", got, err)
	}
}

func testPersonVideoReviewsNewestFirst(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 2)
	m := time.Minute
	for _, v := range []store.VideoReview{
		review("v1", ids[0], store.ReviewRefused, at(0)),
		review("v3", ids[0], store.ReviewDraft, at(2*m)),
		review("v2", ids[0], store.ReviewRefused, at(m)),
		review("v4", ids[1], store.ReviewPending, at(3*m)),
	} {
		mustCreateVideoReview(t, s, v)
	}
	list := func(person string, limit int, w ...string) {
		t.Helper()
		got, err := s.ListPersonVideoReviews(ctx, person, limit)
		if err != nil || !slices.Equal(reviewIDs(got), w) {
			t.Errorf("ListPersonVideoReviews(%s, %d) = %v, %v; want %v", person, limit, reviewIDs(got), err, w)
		}
	}
	list(ids[0], 0, "v3", "v2", "v1")
	list(ids[0], 1, "v3")
	list(ids[1], 0, "v4")
	list("P9", 0)
	got, err := s.ListPersonVideoReviews(ctx, ids[0], 1)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], normReview(review("v3", ids[0], store.ReviewDraft, at(2*m)))) {
		t.Errorf("ListPersonVideoReviews does not return the whole review: %#v, %v", got, err)
	}
}

func testVideoQueuePosition(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := people(t, s, 3)
	m := time.Minute
	for _, v := range []store.VideoReview{
		review("v3", ids[2], store.ReviewPending, at(2*m)),
		review("v1", ids[0], store.ReviewPending, at(0)),
		review("v2", ids[1], store.ReviewPending, at(2*m)),
		review("v0", ids[1], store.ReviewApproved, at(-m)),
		review("v4", ids[0], store.ReviewDraft, at(-2*m)),
	} {
		mustCreateVideoReview(t, s, v)
	}
	pos := func(id string, w int) {
		t.Helper()
		if got, err := s.VideoQueuePosition(ctx, id); err != nil || got != w {
			t.Errorf("VideoQueuePosition(%s) = %d, %v; want %d", id, got, err, w)
		}
	}
	pos("v1", 1)
	pos("v2", 2) // same time as v3: the ID breaks the tie, as in the queue
	pos("v3", 3)
	pos("v0", 0)
	pos("v4", 0)
	pos("v9", 0)
	if _, err := s.UpdateVideoReview(ctx, "v1", func(v *store.VideoReview) error {
		v.State = store.ReviewApproved
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pos("v3", 2)
}

// BenchEvidence stores one piece of evidence of size bytes per op, hashed
// as an upload is. Allocations are reported: the store must not hold the
// bytes again on this side of the driver.
func BenchEvidence(b *testing.B, open func(testing.TB) store.Store, size int) {
	ctx := context.Background()
	s := open(b)
	if err := s.UpsertPerson(ctx, bare("P0")); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateVideoReview(ctx, review("v1", "P0", store.ReviewDraft, at(0))); err != nil {
		b.Fatal(err)
	}
	data := evidenceBytes(9, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		sum := sha256.Sum256(data)
		e := store.Evidence{ID: "e" + strconv.Itoa(i), ReviewID: "v1", Kind: store.EvidenceSelfieVideo, ContentType: "video/webm",
			Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: at(0)}
		if err := s.CreateEvidence(ctx, e, data); err != nil {
			b.Fatal(err)
		}
		// Keep the database the size of one review, as the purge does.
		if err := s.DeleteEvidence(ctx, e.ID); err != nil {
			b.Fatal(err)
		}
	}
}
