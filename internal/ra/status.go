package ra

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/store"
)

// CRLName is the name the citizens' CA's CRL is stored under.
const CRLName = "citizens"

// statusCache keeps pre-signed OCSP responses and the CRL in memory for a
// moment, so a busy responder does not read the database per request. The
// TTL bounds how late another node's revocation shows here; a revocation on
// this node drops the entry at once.
type statusCache struct {
	mu   sync.Mutex
	ttl  time.Duration
	ocsp map[string]cached
	crl  cached
}

type cached struct {
	der     []byte
	fetched time.Time
}

func (c *statusCache) forget(serial string) {
	c.mu.Lock()
	delete(c.ocsp, serial)
	c.crl = cached{}
	c.mu.Unlock()
}

// ErrUnknownCertificate means the OCSP request names a serial this CA never
// issued; the responder answers "unauthorized" (RFC 6960 §2.3).
var ErrUnknownCertificate = errors.New("ra: unknown certificate")

// OCSPResponse returns the current pre-signed OCSP response for a serial.
func (r *RA) OCSPResponse(ctx context.Context, serial *big.Int) ([]byte, error) {
	key := SerialHex(serial)
	now := r.now()
	r.status.mu.Lock()
	if e, ok := r.status.ocsp[key]; ok && now.Sub(e.fetched) < r.status.ttl {
		r.status.mu.Unlock()
		return e.der, nil
	}
	r.status.mu.Unlock()
	e, err := r.st.GetOCSP(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownCertificate
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(e.NextUpdate) {
		// The refresher is late (or stopped): sign now rather than serve a
		// stale answer that clients reject.
		if e, err = r.resign(ctx, key, now); err != nil {
			return nil, err
		}
	}
	r.status.mu.Lock()
	if len(r.status.ocsp) > 100_000 {
		clear(r.status.ocsp)
	}
	r.status.ocsp[key] = cached{der: e.DER, fetched: now}
	r.status.mu.Unlock()
	return e.DER, nil
}

// resign signs a fresh response for one certificate from its stored status.
// The certificate row is locked while signing, so a revocation committed
// meanwhile cannot be overwritten by a "good" answer.
func (r *RA) resign(ctx context.Context, serial string, now time.Time) (store.OCSPEntry, error) {
	n, ok := new(big.Int).SetString(serial, 16)
	if !ok {
		return store.OCSPEntry{}, fmt.Errorf("bad stored serial %q", serial)
	}
	now = now.UTC().Truncate(time.Microsecond)
	var e store.OCSPEntry
	err := r.st.InTx(ctx, func(tx store.Tx) error {
		c, err := tx.UpdateCertificate(ctx, serial, func(*store.Certificate) error { return nil })
		if err != nil {
			return err
		}
		status, reason := ocsp.Good, 0
		if !c.RevokedAt.IsZero() {
			status, reason = ocsp.Revoked, c.RevocationReason
		}
		der, err := r.ca.SignOCSP(n, status, c.RevokedAt, reason, now, now.Add(r.cfg.OCSPValidity))
		if err != nil {
			return err
		}
		e = store.OCSPEntry{Serial: serial, DER: der, ThisUpdate: now, NextUpdate: now.Add(r.cfg.OCSPValidity)}
		return tx.PutOCSP(ctx, e)
	})
	return e, err
}

// RefreshOCSP re-signs every response past half its validity, so
// responders never serve an expired one. Each fresh response is due only
// after another half validity, so the loop ends.
func (r *RA) RefreshOCSP(ctx context.Context) (int, error) {
	now := r.now()
	n := 0
	for {
		due, err := r.st.ListOCSPDue(ctx, now.Add(r.cfg.OCSPValidity/2), 500)
		if err != nil {
			return n, err
		}
		for _, e := range due {
			if _, err := r.resign(ctx, e.Serial, now); err != nil {
				return n, err
			}
			n++
		}
		if len(due) < 500 {
			return n, nil
		}
	}
}

// CRL returns the current CRL (DER), generating one if none exists or the
// stored one is past its NextUpdate.
func (r *RA) CRL(ctx context.Context) ([]byte, error) {
	now := r.now()
	r.status.mu.Lock()
	if e := r.status.crl; e.der != nil && now.Sub(e.fetched) < r.status.ttl {
		r.status.mu.Unlock()
		return e.der, nil
	}
	r.status.mu.Unlock()
	c, err := r.st.GetCRL(ctx, CRLName)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !now.Before(c.NextUpdate)) {
		if c, err = r.RegenerateCRL(ctx); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	r.status.mu.Lock()
	r.status.crl = cached{der: c.DER, fetched: now}
	r.status.mu.Unlock()
	return c.DER, nil
}

// RegenerateCRL signs a new CRL with every revoked citizen certificate that
// has not expired yet (an expired certificate's status no longer matters)
// and stores it with the next number. Two nodes racing both sign; the
// store keeps the higher number and the loser retries once.
func (r *RA) RegenerateCRL(ctx context.Context) (store.CRL, error) {
	for attempt := 0; ; attempt++ {
		c, err := r.regenerateCRL(ctx)
		if errors.Is(err, store.ErrConflict) && attempt == 0 {
			continue
		}
		return c, err
	}
}

func (r *RA) regenerateCRL(ctx context.Context) (store.CRL, error) {
	now := r.now().UTC().Truncate(time.Microsecond)
	var number int64 = 1
	if prev, err := r.st.GetCRL(ctx, CRLName); err == nil {
		number = prev.Number + 1
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.CRL{}, err
	}
	revoked, err := r.st.ListCertificates(ctx, store.CertificateFilter{Revoked: true, OmitDER: true, Limit: 10_000_000})
	if err != nil {
		return store.CRL{}, err
	}
	entries := make([]ca.Revoked, 0, len(revoked))
	for _, c := range revoked {
		if c.NotAfter.Before(now) {
			continue
		}
		n, ok := new(big.Int).SetString(c.Serial, 16)
		if !ok {
			return store.CRL{}, fmt.Errorf("bad stored serial %q", c.Serial)
		}
		entries = append(entries, ca.Revoked{Serial: n, RevokedAt: c.RevokedAt, Reason: c.RevocationReason})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Serial.Cmp(entries[j].Serial) < 0 })
	der, err := r.ca.SignCRL(entries, big.NewInt(number), now, now.Add(r.cfg.CRLValidity))
	if err != nil {
		return store.CRL{}, fmt.Errorf("sign CRL: %w", err)
	}
	c := store.CRL{Name: CRLName, Number: number, DER: der, ThisUpdate: now, NextUpdate: now.Add(r.cfg.CRLValidity)}
	if err := r.st.PutCRL(ctx, c); err != nil {
		return store.CRL{}, err
	}
	r.status.mu.Lock()
	r.status.crl = cached{}
	r.status.mu.Unlock()
	return c, nil
}

// RootCRLName is the name the root CA's CRL is stored under.
const RootCRLName = "root"

// RootSigner is the CA's root, which signs only its own (empty) CRL: the
// issuing CA's status, published at the URL its certificate names.
type RootSigner interface {
	SignRootCRL(revoked []ca.Revoked, number *big.Int, thisUpdate, nextUpdate time.Time) ([]byte, error)
}

// RootCRL returns the root CA's CRL, signing a new one when there is none
// or it is older than a day.
func (r *RA) RootCRL(ctx context.Context, root RootSigner) ([]byte, error) {
	now := r.now().UTC().Truncate(time.Microsecond)
	c, err := r.st.GetCRL(ctx, RootCRLName)
	if err == nil && now.Before(c.ThisUpdate.Add(24*time.Hour)) {
		return c.DER, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	number := c.Number + 1
	der, err := root.SignRootCRL(nil, big.NewInt(number), now, now.Add(r.cfg.CRLValidity))
	if err != nil {
		return nil, err
	}
	nc := store.CRL{Name: RootCRLName, Number: number, DER: der, ThisUpdate: now, NextUpdate: now.Add(r.cfg.CRLValidity)}
	if err := r.st.PutCRL(ctx, nc); err != nil && !errors.Is(err, store.ErrConflict) {
		return nil, err
	}
	return der, nil
}
