package oidc

import (
	"context"
	"sync"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// DefaultClientCacheTTL is how long a node keeps a relying party it read
// from the store. A sign-in reads its client a dozen times across its
// pages and endpoints; a change made with `llavero admin client` (a new
// secret, a removed redirect URI) reaches every node within this time.
const DefaultClientCacheTTL = 2 * time.Second

// requestClientsMax bounds the map from sign-in requests to their client:
// two generations of this many entries, a few hundred kilobytes.
const requestClientsMax = 8192

// clientCache keeps relying parties for a short while, and which client
// each pending sign-in request belongs to, which never changes once the
// request exists. Neither is state a node needs: a miss reads the store.
type clientCache struct {
	st  store.Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	clients map[string]cachedClient
	// Two generations: when cur fills, it becomes old and old is dropped,
	// so recent requests stay without a per-entry clock.
	cur, old map[string]string
}

type cachedClient struct {
	c       store.Client
	expires time.Time
}

func newClientCache(st store.Store, ttl time.Duration, now func() time.Time) *clientCache {
	return &clientCache{st: st, ttl: ttl, now: now, clients: map[string]cachedClient{},
		cur: map[string]string{}, old: map[string]string{}}
}

// client returns the relying party id, from the cache when it is fresh.
// A client the store does not have is not cached: it may be added next.
func (cc *clientCache) client(ctx context.Context, id string) (store.Client, error) {
	if cc.ttl <= 0 {
		return cc.st.GetClient(ctx, id)
	}
	now := cc.now()
	cc.mu.Lock()
	e, ok := cc.clients[id]
	cc.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.c, nil
	}
	c, err := cc.st.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	cc.mu.Lock()
	if len(cc.clients) >= requestClientsMax {
		// Only a flood of distinct client IDs that exist gets here.
		clear(cc.clients)
	}
	cc.clients[id] = cachedClient{c: c, expires: now.Add(cc.ttl)}
	cc.mu.Unlock()
	return c, nil
}

// remember notes which client a new sign-in request belongs to.
func (cc *clientCache) remember(reqID, clientID string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.cur) >= requestClientsMax {
		cc.old, cc.cur = cc.cur, make(map[string]string, requestClientsMax)
	}
	cc.cur[reqID] = clientID
}

// clientOfRequest returns the client ID of a sign-in request, reading the
// request from the store when this node has not seen it.
func (cc *clientCache) clientOfRequest(ctx context.Context, reqID string) (string, error) {
	cc.mu.Lock()
	id, ok := cc.cur[reqID]
	if !ok {
		id, ok = cc.old[reqID]
	}
	cc.mu.Unlock()
	if ok {
		return id, nil
	}
	r, err := cc.st.GetAuthRequest(ctx, reqID)
	if err != nil {
		return "", err
	}
	cc.remember(reqID, r.ClientID)
	return r.ClientID, nil
}
