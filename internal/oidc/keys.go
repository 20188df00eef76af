package oidc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/llavero/llavero/internal/store"
)

// Signing keys live in the store, so every node signs with the same key
// and publishes the same JWKS. A key signs for KeyRotation; then the next
// node to need a key makes a new one and marks the old retiring, and the
// old stays published for KeyOverlap, longer than any ID token it signed.

// signingCacheTTL bounds how long a node signs with a key it read: it
// saves a query and an unseal per token. A key another node just retired
// is still published, so tokens this node signs meanwhile still verify.
const signingCacheTTL = time.Minute

type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key any
}

func (k *publicKey) ID() string                         { return k.id }
func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }
func (k *publicKey) Use() string                        { return "sig" }
func (k *publicKey) Key() any                           { return k.key }

type keyring struct {
	cfg *Config

	mu      sync.Mutex
	current *signingKey
	read    time.Time
}

func newKeyring(cfg *Config) *keyring { return &keyring{cfg: cfg} }

// signing returns the key to sign with, from the cache while it is fresh.
func (kr *keyring) signing(ctx context.Context) (*signingKey, error) {
	now := kr.cfg.Now()
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.current != nil && now.Sub(kr.read) < signingCacheTTL {
		return kr.current, nil
	}
	ks, err := kr.rotate(ctx, now)
	if err != nil {
		return nil, err
	}
	k, err := kr.unseal(ks[0])
	if err != nil {
		return nil, err
	}
	kr.current, kr.read = k, now
	return k, nil
}

// rotate makes sure an active key younger than KeyRotation exists, retires
// the others, drops those retired more than KeyOverlap ago, and returns the
// keys left, newest (the one to sign with) first. Two nodes rotating at
// once may both add a key: both are published, and the newer signs.
func (kr *keyring) rotate(ctx context.Context, now time.Time) ([]store.OIDCKey, error) {
	st := kr.cfg.Store
	ks, err := st.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("oidc: signing keys: %w", err)
	}
	if len(ks) == 0 || ks[0].State != store.KeyActive || now.Sub(ks[0].CreatedAt) >= kr.cfg.KeyRotation {
		k, err := kr.generate(now)
		if err != nil {
			return nil, err
		}
		if err := st.CreateKey(ctx, k); err != nil {
			return nil, fmt.Errorf("oidc: signing keys: %w", err)
		}
		ks = append([]store.OIDCKey{k}, ks...)
	}
	kept := ks[:1]
	for _, k := range ks[1:] {
		switch {
		case k.State == store.KeyActive:
			k, err = st.UpdateKey(ctx, k.ID, func(k *store.OIDCKey) error {
				k.State, k.RetiredAt = store.KeyRetiring, now
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("oidc: signing keys: %w", err)
			}
		case now.Sub(k.RetiredAt) > kr.cfg.KeyOverlap:
			if err := st.DeleteKey(ctx, k.ID); err != nil {
				return nil, fmt.Errorf("oidc: signing keys: %w", err)
			}
			continue
		}
		kept = append(kept, k)
	}
	return kept, nil
}

// published returns the keys JWKS serves. It reads the store every time:
// a key another node has just created must be there before a token it
// signed reaches a relying party.
func (kr *keyring) published(ctx context.Context) ([]op.Key, error) {
	ks, err := kr.rotate(ctx, kr.cfg.Now())
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(ks))
	for _, k := range ks {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal([]byte(k.PublicJWK), &jwk); err != nil {
			return nil, fmt.Errorf("oidc: key %s: %w", k.ID, err)
		}
		out = append(out, &publicKey{id: k.ID, alg: jose.SignatureAlgorithm(k.Alg), key: jwk.Key})
	}
	return out, nil
}

func (kr *keyring) generate(now time.Time) (store.OIDCKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return store.OIDCKey{}, fmt.Errorf("oidc: new key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.OIDCKey{}, fmt.Errorf("oidc: new key: %w", err)
	}
	id := randomID()[:16]
	pub, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: id, Algorithm: string(jose.ES256), Use: "sig"})
	if err != nil {
		return store.OIDCKey{}, fmt.Errorf("oidc: new key: %w", err)
	}
	sealed, err := kr.seal(id, der)
	if err != nil {
		return store.OIDCKey{}, err
	}
	return store.OIDCKey{ID: id, Alg: string(jose.ES256), PrivateKey: sealed, PublicJWK: string(pub),
		State: store.KeyActive, CreatedAt: now}, nil
}

// aead seals private keys with a key derived from CryptoKey rather than
// CryptoKey itself, which op also uses for its own AES: one key, one use.
func (kr *keyring) aead() (cipher.AEAD, error) {
	k := sha256.Sum256(append([]byte("llavero oidc signing-key seal\x00"), kr.cfg.CryptoKey[:]...))
	b, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// seal binds the key ID as associated data, so a sealed key swapped into
// another row does not open.
func (kr *keyring) seal(id string, der []byte) ([]byte, error) {
	a, err := kr.aead()
	if err != nil {
		return nil, fmt.Errorf("oidc: seal key: %w", err)
	}
	nonce := make([]byte, a.NonceSize())
	_, _ = rand.Read(nonce)
	return a.Seal(nonce, nonce, der, []byte(id)), nil
}

func (kr *keyring) unseal(k store.OIDCKey) (*signingKey, error) {
	a, err := kr.aead()
	if err != nil {
		return nil, fmt.Errorf("oidc: unseal key: %w", err)
	}
	if len(k.PrivateKey) < a.NonceSize() {
		return nil, errors.New("oidc: unseal key " + k.ID + ": too short")
	}
	der, err := a.Open(nil, k.PrivateKey[:a.NonceSize()], k.PrivateKey[a.NonceSize():], []byte(k.ID))
	if err != nil {
		return nil, fmt.Errorf("oidc: unseal key %s (another CryptoKey?): %w", k.ID, err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("oidc: key %s: %w", k.ID, err)
	}
	return &signingKey{id: k.ID, alg: jose.SignatureAlgorithm(k.Alg), key: priv}, nil
}
