// Package pkcs11 keeps the CA's keys in a PKCS#11 token (an HSM, or SoftHSM
// in development and tests), through github.com/ThalesGroup/crypto11. The
// private keys are generated in the token, marked sensitive and not
// extractable, and only ever used through the token's signing operation.
//
// It is a separate package because it needs cgo; builds that only use the
// file key store do not pay for it.
package pkcs11

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/ThalesGroup/crypto11"

	"github.com/llavero/llavero/internal/ca"
)

// Config names the token.
type Config struct {
	Module     string // path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string // the token's label
	PIN        string // the user PIN
}

// KeyStore is a ca.KeyStore whose keys live in a PKCS#11 token, found by
// their label (CKA_LABEL). It is safe for concurrent use.
type KeyStore struct {
	ctx *crypto11.Context

	// mu serialises Generate, so that two callers cannot both find a label
	// free and make two keys under it.
	mu sync.Mutex
}

var _ ca.KeyStore = (*KeyStore)(nil)

// Open logs in to the token labelled cfg.TokenLabel in the module
// cfg.Module.
func Open(cfg Config) (*KeyStore, error) {
	if cfg.Module == "" || cfg.TokenLabel == "" {
		return nil, errors.New("pkcs11: the module path and the token label are both required")
	}
	if _, err := os.Stat(cfg.Module); err != nil {
		return nil, fmt.Errorf("pkcs11: module %s: %w", cfg.Module, err)
	}
	c, err := crypto11.Configure(&crypto11.Config{Path: cfg.Module, TokenLabel: cfg.TokenLabel, Pin: cfg.PIN})
	if err != nil {
		// crypto11's errors never carry the PIN.
		return nil, fmt.Errorf("pkcs11: opening token %q with module %s: %w", cfg.TokenLabel, cfg.Module, err)
	}
	return &KeyStore{ctx: c}, nil
}

// Generate makes a key pair in the token under label. The private key can
// sign and do nothing else: no decryption, unwrapping or export.
func (s *KeyStore) Generate(ctx context.Context, label string, alg ca.KeyAlg) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("pkcs11: empty key label")
	}
	if _, err := ca.ParseKeyAlg(string(alg)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found, err := s.ctx.FindKeyPairs(nil, []byte(label))
	if err != nil {
		return nil, fmt.Errorf("pkcs11: looking for key %q: %w", label, err)
	}
	if len(found) > 0 {
		return nil, fmt.Errorf("pkcs11: key %q: %w", label, ca.ErrKeyExists)
	}
	// crypto11 finds a key pair's halves by CKA_ID; a random one keeps
	// them paired even if a label is reused after a deletion.
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	pub, err := crypto11.NewAttributeSetWithIDAndLabel(id, []byte(label))
	if err != nil {
		return nil, err
	}
	priv := pub.Copy()
	for _, a := range []crypto11.AttributeType{crypto11.CkaDecrypt, crypto11.CkaUnwrap} {
		if err := priv.Set(a, false); err != nil {
			return nil, err
		}
	}
	for _, a := range []crypto11.AttributeType{crypto11.CkaEncrypt, crypto11.CkaWrap} {
		if err := pub.Set(a, false); err != nil {
			return nil, err
		}
	}
	var k crypto.Signer
	switch alg {
	case ca.P256:
		k, err = s.ctx.GenerateECDSAKeyPairWithAttributes(pub, priv, elliptic.P256())
	case ca.P384:
		k, err = s.ctx.GenerateECDSAKeyPairWithAttributes(pub, priv, elliptic.P384())
	case ca.RSA2048:
		k, err = s.ctx.GenerateRSAKeyPairWithAttributes(pub, priv, 2048)
	case ca.RSA3072:
		k, err = s.ctx.GenerateRSAKeyPairWithAttributes(pub, priv, 3072)
	case ca.RSA4096:
		k, err = s.ctx.GenerateRSAKeyPairWithAttributes(pub, priv, 4096)
	}
	if err != nil {
		return nil, fmt.Errorf("pkcs11: generating %s key %q: %w", alg, label, err)
	}
	return k, nil
}

// Load finds the key pair labelled label.
func (s *KeyStore) Load(ctx context.Context, label string) (crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if label == "" {
		return nil, errors.New("pkcs11: empty key label")
	}
	found, err := s.ctx.FindKeyPairs(nil, []byte(label))
	if err != nil {
		return nil, fmt.Errorf("pkcs11: looking for key %q: %w", label, err)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("pkcs11: key %q is not in the token: %w", label, ca.ErrKeyNotFound)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("pkcs11: %d keys are labelled %q in the token: remove the extra ones", len(found), label)
}

// Close logs out and releases the module once no other store uses it.
func (s *KeyStore) Close() error {
	return s.ctx.Close()
}
