package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// groupCommit lets concurrent transactions share one SQLite transaction and
// one commit. SQLite has a single writer, so transactions already run one
// after another; what each pays on its own is BEGIN IMMEDIATE (the file
// lock) and COMMIT (the WAL frames of every page it touched, the audit
// head's and the hot indexes' among them, written again by the next one).
// Sharing them among whoever is queued at the time is what made PIN logins
// faster under load; an uncontended transaction still commits at once.
//
// Each member runs its fn in the caller's goroutine, inside a SAVEPOINT of
// the shared transaction, while holding mu:
//
//   - fn returns nil: the savepoint is released and the member waits for
//     the commit; it returns the commit's error, so success still means
//     durable, as with a transaction of its own.
//   - fn returns an error, panics or calls runtime.Goexit: the work is
//     rolled back to the savepoint, the others' stays, and the member gets
//     its own error (or keeps unwinding).
//   - whoever finishes while nobody else is queued (or fills the batch)
//     commits it for everyone.
//
// If the transaction itself breaks (a failed ROLLBACK TO, a failed
// COMMIT), every member of the batch gets the error: nothing of theirs was
// committed, which is what an error promises.
type groupCommit struct {
	db   *sql.DB
	name string
	max  int

	waiting atomic.Int32 // goroutines queued for mu
	mu      sync.Mutex   // held by the member running its fn
	cur     *batch       // the open transaction; guarded by mu
}

// groupCommitMax bounds a batch, so that a single-statement write waiting
// for the connection (database/sql queues it) is never starved.
const groupCommitMax = 32

type batch struct {
	tx     *sql.Tx
	n      int
	broken error         // the transaction can no longer commit
	done   chan struct{} // closed once err is set
	err    error         // the commit's outcome
}

func newGroupCommit(db *sql.DB, name string) *groupCommit {
	return &groupCommit{db: db, name: name, max: groupCommitMax}
}

// The savepoint statements and the commit run on a context that cannot be
// cancelled: the transaction belongs to the whole batch, and a caller giving
// up must not interrupt it for the others.
func (g *groupCommit) run(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	bg := context.WithoutCancel(ctx)
	g.waiting.Add(1)
	g.mu.Lock()
	g.waiting.Add(-1)
	if g.cur == nil {
		tx, err := g.db.BeginTx(bg, nil)
		if err != nil {
			g.mu.Unlock()
			return fmt.Errorf("%s: begin: %w", g.name, err)
		}
		g.cur = &batch{tx: tx, done: make(chan struct{})}
	}
	b := g.cur
	b.n++

	var fnErr error
	finished := false
	defer func() {
		if !finished {
			// fn panicked or called Goexit: take back its part only, then
			// let it keep unwinding once the batch is settled.
			g.undo(bg, b)
		}
		if g.waiting.Load() == 0 || b.n >= g.max || b.broken != nil {
			g.cur = nil
			b.err = g.end(b)
			close(b.done)
			g.mu.Unlock()
		} else {
			// Someone is queued: they carry the batch on and one of them
			// commits it.
			g.mu.Unlock()
			<-b.done
		}
		if finished {
			switch {
			case fnErr != nil:
				err = fnErr
			case b.err != nil:
				err = b.err
			}
		}
	}()

	if b.broken != nil {
		fnErr = b.broken
		finished = true
		return nil
	}
	if _, serr := b.tx.ExecContext(bg, "SAVEPOINT member"); serr != nil {
		b.broken = fmt.Errorf("%s: savepoint: %w", g.name, serr)
		fnErr = b.broken
		finished = true
		return nil
	}
	fnErr = fn(b.tx)
	finished = true
	if fnErr != nil {
		g.undo(bg, b)
		return nil
	}
	if _, rerr := b.tx.ExecContext(bg, "RELEASE member"); rerr != nil {
		b.broken = fmt.Errorf("%s: release savepoint: %w", g.name, rerr)
		fnErr = b.broken
	}
	return nil
}

// undo rolls the current member's work back to its savepoint.
func (g *groupCommit) undo(ctx context.Context, b *batch) {
	if b.broken != nil {
		return
	}
	if _, err := b.tx.ExecContext(ctx, "ROLLBACK TO member"); err != nil {
		b.broken = fmt.Errorf("%s: rollback to savepoint: %w", g.name, err)
		return
	}
	if _, err := b.tx.ExecContext(ctx, "RELEASE member"); err != nil {
		b.broken = fmt.Errorf("%s: release savepoint: %w", g.name, err)
	}
}

// end commits the batch, or rolls it back when it broke.
func (g *groupCommit) end(b *batch) error {
	if b.broken != nil {
		if err := b.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			return errors.Join(b.broken, fmt.Errorf("%s: rollback: %w", g.name, err))
		}
		return b.broken
	}
	if err := b.tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", g.name, err)
	}
	return nil
}
