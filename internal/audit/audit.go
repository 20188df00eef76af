// Package audit keeps the append-only log of identity decisions. Each event
// carries the hash of its predecessor, so changing, removing or reordering
// any stored event breaks the chain from that point on, and Verify names the
// first event where it breaks.
package audit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Outcomes of an audited decision.
const (
	OK      = "ok"
	Refused = "refused"
	Failed  = "failed"
)

// Event is what a caller records: who did what to whom, and how it ended.
// Detail must never hold a secret (codes, passwords, keys).
type Event struct {
	Actor   string
	Action  string
	Subject string
	Outcome string
	Detail  map[string]any
}

// Log appends events to the chain.
type Log struct {
	now  func() time.Time
	rand io.Reader
}

// New returns a Log that stamps events with now and draws IDs from rnd
// (crypto/rand when nil).
func New(now func() time.Time, rnd io.Reader) *Log {
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &Log{now: now, rand: rnd}
}

// Record appends e to the chain through tx, so that it commits or rolls back
// with the decision it records.
func (l *Log) Record(ctx context.Context, tx store.Tx, e Event) (store.AuditEvent, error) {
	if e.Actor == "" || e.Action == "" || e.Outcome == "" {
		return store.AuditEvent{}, errors.New("audit: actor, action and outcome are required")
	}
	detail := "{}"
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return store.AuditEvent{}, fmt.Errorf("audit: detail: %w", err)
		}
		detail = string(b)
	}
	var idb [16]byte
	if _, err := io.ReadFull(l.rand, idb[:]); err != nil {
		return store.AuditEvent{}, fmt.Errorf("audit: id: %w", err)
	}
	// Microseconds are what every backend keeps; hashing more would make a
	// faithful round trip look like tampering.
	at := l.now().UTC().Truncate(time.Microsecond)
	return tx.AppendAudit(ctx, func(head store.AuditHead) (store.AuditEvent, error) {
		ev := store.AuditEvent{
			Seq:      head.Seq + 1,
			ID:       hex.EncodeToString(idb[:]),
			Time:     at,
			Actor:    e.Actor,
			Action:   e.Action,
			Subject:  e.Subject,
			Outcome:  e.Outcome,
			Detail:   detail,
			PrevHash: head.Hash,
		}
		ev.Hash = Hash(ev)
		return ev, nil
	})
}

// Hash returns the hex SHA-256 of an event's content and its link to the
// previous event. Every field is length-prefixed so that moving bytes from
// one field to the next changes the hash.
func Hash(ev store.AuditEvent) string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("llavero-audit-v1")
	put(strconv.FormatInt(ev.Seq, 10))
	put(ev.ID)
	put(ev.Time.UTC().Format("2006-01-02T15:04:05.000000Z"))
	put(ev.Actor)
	put(ev.Action)
	put(ev.Subject)
	put(ev.Outcome)
	put(ev.Detail)
	put(ev.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// BrokenError reports the first event where the chain does not hold.
type BrokenError struct {
	Seq    int64
	ID     string
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d (id %s): %s", e.Seq, e.ID, e.Reason)
}

// Report summarises a verified chain.
type Report struct {
	Events int64
	Head   store.AuditHead
}

// Verify recomputes the whole chain in order and returns a *BrokenError for
// the first event that was altered, is missing, or does not link to the
// event before it.
func Verify(ctx context.Context, tx store.Tx) (Report, error) {
	const page = 2000
	var prev store.AuditHead
	var r Report
	for {
		evs, err := tx.ListAudit(ctx, prev.Seq, page)
		if err != nil {
			return r, err
		}
		for _, ev := range evs {
			switch {
			case ev.Seq != prev.Seq+1:
				return r, &BrokenError{Seq: prev.Seq + 1, ID: ev.ID, Reason: fmt.Sprintf("event %d is missing (next stored is %d)", prev.Seq+1, ev.Seq)}
			case ev.PrevHash != prev.Hash:
				return r, &BrokenError{Seq: ev.Seq, ID: ev.ID, Reason: "does not link to the previous event"}
			case Hash(ev) != ev.Hash:
				return r, &BrokenError{Seq: ev.Seq, ID: ev.ID, Reason: "content does not match its hash (altered)"}
			}
			prev = store.AuditHead{Seq: ev.Seq, Hash: ev.Hash}
			r.Events++
		}
		if len(evs) < page {
			r.Head = prev
			return r, checkHead(ctx, tx, prev)
		}
	}
}

// checkHead compares the end of the walked chain with the head the store
// records at every append: a chain whose last events were deleted is
// otherwise whole.
func checkHead(ctx context.Context, tx store.Tx, last store.AuditHead) error {
	head, err := tx.AuditHead(ctx)
	if err != nil {
		return err
	}
	switch {
	case head.Seq > last.Seq:
		return &BrokenError{Seq: last.Seq + 1, Reason: fmt.Sprintf("events %d to %d are missing (the chain's head records %d)", last.Seq+1, head.Seq, head.Seq)}
	case head.Seq < last.Seq:
		return &BrokenError{Seq: head.Seq + 1, Reason: fmt.Sprintf("events after %d were added outside the chain's head", head.Seq)}
	case head.Hash != last.Hash:
		return &BrokenError{Seq: last.Seq, Reason: "the last event does not match the chain's recorded head"}
	}
	return nil
}
