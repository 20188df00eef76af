package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/postgres"
	"github.com/llavero/llavero/internal/store/sqlite"
)

// OpenStore opens (and migrates) the database the configuration names. The
// data directory is created first: it also holds keys and letters.
func OpenStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("setting --data: cannot create %s: %v", cfg.Data, err)
	}
	dialect, target, err := config.ParseDatabase(cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("setting --database: %v", err)
	}
	switch dialect {
	case "sqlite":
		st, err := sqlite.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", target, err)
		}
		return st, nil
	default:
		st, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL database (check --database and that the server is up): %w", err)
		}
		return st, nil
	}
}

// NewLogger returns the process logger the configuration asks for. Logs go
// to standard error so that command output on standard output stays data.
func NewLogger(cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
