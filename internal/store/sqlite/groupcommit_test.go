package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Transactions that share a group commit keep their own outcome: the work
// of one that fails, panics or is cancelled disappears, everyone else's is
// committed, and each caller hears only about its own.
func TestGroupCommitKeepsEachTransactionApart(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "llavero.db"))
	errMine := errors.New("this transaction changed its mind")

	const n = 400
	var wg sync.WaitGroup
	results := make([]error, n)
	panicked := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panicked[i] = recover() }()
			cctx := ctx
			if i%7 == 3 {
				// A caller that gives up does not interrupt the batch.
				c, cancel := context.WithCancel(ctx)
				cancel()
				cctx = c
			}
			results[i] = s.InTx(cctx, func(tx store.Tx) error {
				// Two writes, so that a half-undone member would show.
				for k := range 2 {
					if err := tx.AddOutbox(ctx, store.Message{ID: fmt.Sprintf("m%03d-%d", i, k), Kind: "sms", To: "+34600000000", Body: "x", CreatedAt: time.Now()}); err != nil {
						return err
					}
				}
				switch i % 5 {
				case 1:
					return errMine
				case 2:
					if i%10 == 2 {
						panic("fn blew up")
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()

	for i := range n {
		failed := i%5 == 1
		blew := i%10 == 2
		switch {
		case blew:
			if panicked[i] != "fn blew up" {
				t.Errorf("member %d: panic %v, want it to reach the caller", i, panicked[i])
			}
		case failed:
			if !errors.Is(results[i], errMine) {
				t.Errorf("member %d: %v, want its own error", i, results[i])
			}
		default:
			if results[i] != nil {
				t.Errorf("member %d: %v", i, results[i])
			}
		}
	}
	all, err := s.ListOutbox(ctx, store.OutboxFilter{To: "+34600000000", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range all {
		have[m.ID] = true
	}
	for i := range n {
		kept := i%5 != 1 && i%10 != 2
		for k := range 2 {
			id := fmt.Sprintf("m%03d-%d", i, k)
			if have[id] != kept {
				t.Errorf("message %s stored: %v, want %v", id, have[id], kept)
			}
		}
	}
	// The writer is free again: a plain transaction goes through.
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AddOutbox(ctx, store.Message{ID: "after", Kind: "sms", To: "+34600000001", Body: "x", CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
}

// A conflict inside one member (an error the store reports, not a broken
// transaction) leaves the batch usable for the rest.
func TestGroupCommitSurvivesAConflict(t *testing.T) {
	ctx := context.Background()
	s := openT(t, filepath.Join(t.TempDir(), "llavero.db"))
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AddOutbox(ctx, store.Message{ID: "taken", Kind: "sms", To: "+34600000000", Body: "x", CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ok%02d", i)
			if i%2 == 0 {
				id = "taken"
			}
			errs[i] = s.InTx(ctx, func(tx store.Tx) error {
				return tx.AddOutbox(ctx, store.Message{ID: id, Kind: "sms", To: "+34600000000", Body: "x", CreatedAt: time.Now()})
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && !errors.Is(err, store.ErrConflict) {
			t.Errorf("member %d: %v, want ErrConflict", i, err)
		}
		if i%2 == 1 && err != nil {
			t.Errorf("member %d: %v", i, err)
		}
	}
	all, err := s.ListOutbox(ctx, store.OutboxFilter{To: "+34600000000", Limit: 1000})
	if err != nil || len(all) != 26 {
		t.Fatalf("%d messages (%v), want 26", len(all), err)
	}
}
