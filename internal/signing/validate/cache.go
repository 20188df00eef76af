package validate

import (
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"sync"
	"time"
)

// chainCache remembers the certificate paths x509 built, so that the
// timestamp authority's chain, and a returning signer's, are not verified
// again on every signature: each path costs two or three ECDSA P-384
// verifications, most of the time a validation takes.
//
// A path found once stays a path: its signatures, names and constraints do
// not change, and the roots of a Validator are fixed. The one thing that
// depends on the moment is validity, so a cached path is reused only at a
// time inside the validity of every certificate on it.
type chainCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte][][]*x509.Certificate
}

// maxCachedChains bounds the cache; when full it starts again, which costs
// a few verifications and needs no eviction bookkeeping.
const maxCachedChains = 4096

func chainKey(cert *x509.Certificate, usages []x509.ExtKeyUsage) [sha256.Size]byte {
	h := sha256.New()
	h.Write(cert.Raw)
	fmt.Fprint(h, usages)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

func (c *chainCache) get(key [sha256.Size]byte, at time.Time) ([][]*x509.Certificate, bool) {
	c.mu.Lock()
	chains, ok := c.m[key]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	for _, path := range chains {
		for _, cert := range path {
			if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
				return nil, false
			}
		}
	}
	return chains, true
}

func (c *chainCache) put(key [sha256.Size]byte, chains [][]*x509.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedChains {
		c.m = map[[sha256.Size]byte][][]*x509.Certificate{}
	}
	c.m[key] = chains
}

// forget drops cert's paths (benchmarks measure a signer seen for the
// first time with it).
func (c *chainCache) forget(cert *x509.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range [][]x509.ExtKeyUsage{{x509.ExtKeyUsageAny}, {x509.ExtKeyUsageTimeStamping}} {
		delete(c.m, chainKey(cert, u))
	}
}
