package audit

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func fill(t *testing.T, st store.Store, n int) {
	t.Helper()
	clock := time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC)
	l := New(func() time.Time { clock = clock.Add(time.Second); return clock }, nil)
	for i := 0; i < n; i++ {
		_, err := l.Record(context.Background(), st, Event{Actor: "system", Action: "test.event", Subject: "X1234567L", Outcome: OK,
			Detail: map[string]any{"i": i, "name": "Muñoz"}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyIntactChain(t *testing.T) {
	st := openStore(t)
	fill(t, st, 25)
	rep, err := Verify(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 25 || rep.Head.Seq != 25 || rep.Head.Hash == "" {
		t.Fatalf("report %+v", rep)
	}
}

func TestRecordCommitsWithItsTransaction(t *testing.T) {
	st := openStore(t)
	l := New(nil, nil)
	boom := errors.New("decision failed")
	err := st.InTx(context.Background(), func(tx store.Tx) error {
		if _, err := l.Record(context.Background(), tx, Event{Actor: "system", Action: "x", Outcome: OK}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), st)
	if err != nil || rep.Events != 0 {
		t.Fatalf("rolled-back event kept: %+v %v", rep, err)
	}
}

func TestRecordRequiresWhoWhatOutcome(t *testing.T) {
	st := openStore(t)
	if _, err := New(nil, nil).Record(context.Background(), st, Event{Action: "x"}); err == nil {
		t.Fatal("accepted an event without actor and outcome")
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := store.AuditEvent{Seq: 3, ID: "a", Time: time.Unix(1, 0), Actor: "b", Action: "c", Subject: "d", Outcome: "e", Detail: "{}", PrevHash: "f"}
	h := Hash(base)
	mutations := map[string]func(*store.AuditEvent){
		"seq":      func(e *store.AuditEvent) { e.Seq++ },
		"id":       func(e *store.AuditEvent) { e.ID = "z" },
		"time":     func(e *store.AuditEvent) { e.Time = e.Time.Add(time.Microsecond) },
		"actor":    func(e *store.AuditEvent) { e.Actor = "z" },
		"action":   func(e *store.AuditEvent) { e.Action = "z" },
		"subject":  func(e *store.AuditEvent) { e.Subject = "z" },
		"outcome":  func(e *store.AuditEvent) { e.Outcome = "z" },
		"detail":   func(e *store.AuditEvent) { e.Detail = `{"a":1}` },
		"prevhash": func(e *store.AuditEvent) { e.PrevHash = "z" },
		"boundary": func(e *store.AuditEvent) { e.Actor, e.Action = "bc", "" },
	}
	for name, m := range mutations {
		e := base
		m(&e)
		if Hash(e) == h {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
}

// TestVerifyNamesFirstBrokenEvent edits the SQLite file directly, the way
// someone with database access would, and checks Verify names the event.
func TestVerifyNamesFirstBrokenEvent(t *testing.T) {
	cases := []struct {
		name string
		sql  []string
		seq  int64
	}{
		{"altered detail", []string{`UPDATE audit_events SET detail = '{"i":99}' WHERE seq = 7`}, 7},
		{"removed event", []string{`DELETE FROM audit_events WHERE seq = 5`}, 5},
		{"edited and rehashed", []string{`UPDATE audit_events SET outcome = 'refused', hash = 'feed' WHERE seq = 9`}, 9},
		{"swapped actor", []string{`UPDATE audit_events SET actor = 'operator:mallory' WHERE seq = 1`}, 1},
		{"truncated tail", []string{`DELETE FROM audit_events WHERE seq > 9`}, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.db")
			st, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			fill(t, st, 12)
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range tc.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			_, err = Verify(context.Background(), st)
			var be *BrokenError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a BrokenError", err)
			}
			if be.Seq != tc.seq {
				t.Fatalf("broken at %d (%s), want %d", be.Seq, be.Reason, tc.seq)
			}
		})
	}
}

// TestVerifyDetectsRelinkedSuccessor recomputes an edited event's own hash,
// as a careful forger would: the next event no longer links to it.
func TestVerifyDetectsRelinkedSuccessor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fill(t, st, 6)
	evs, err := st.ListAudit(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	forged := evs[2]
	forged.Outcome = Refused
	forged.Hash = Hash(forged)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_events SET outcome = ?, hash = ? WHERE seq = 3`, forged.Outcome, forged.Hash); err != nil {
		t.Fatal(err)
	}
	_, err = Verify(context.Background(), st)
	var be *BrokenError
	if !errors.As(err, &be) || be.Seq != 4 {
		t.Fatalf("err = %v, want the chain broken at event 4", err)
	}
}
