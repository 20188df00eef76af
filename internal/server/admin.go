package server

import (
	"context"
	"log/slog"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// Authority is the registration authority with its CA and store, for the
// admin commands that run beside a live server.
type Authority struct {
	Store store.Store
	CA    *ca.CA
	RA    *ra.RA
	keys  ca.KeyStore
}

// OpenAuthority opens the store and the CA as serve would, and an RA whose
// notifications land in the outbox (admin commands have no mail settings).
func OpenAuthority(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Authority, error) {
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := *cfg
	c.Outbox = true
	n, err := newNotifier(&c, st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	authority, keys, err := OpenCA(ctx, cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Authority{Store: st, CA: authority, keys: keys, RA: ra.New(st, authority, n, ra.Config{CodeTTL: cfg.CodeTTL}, nil, nil, log)}, nil
}

// Close releases the keys and the store.
func (a *Authority) Close() error {
	a.keys.Close()
	return a.Store.Close()
}
