package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
	"github.com/llavero/llavero/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "llavero.db"))
	})
}

// A server and a CLI counting attempts on one file land on one counter.
func TestTwoStoresCountAttempt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llavero.db")
	storetest.CountAttemptAcross(t, open(t, path), open(t, path))
}

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// A reminder claimed by two stores on one file at once is claimed once.
func TestTwoStoresClaimReminder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llavero.db")
	storetest.ReminderClaimAcross(t, open(t, path), open(t, path))
}
