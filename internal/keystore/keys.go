package keystore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// KeyType names the kinds of key pair a citizen's certificate can have.
type KeyType string

// The key types. P-256 is the default: it is what the issuing CA signs
// fastest, every browser and signing tool since 2015 accepts it, and its keys
// are generated instantly. RSA is there for relying parties and old software
// that still insist on it.
const (
	P256    KeyType = "p256"
	RSA2048 KeyType = "rsa2048"
	RSA3072 KeyType = "rsa3072"
)

// KeyTypes lists the key types, default first.
var KeyTypes = []KeyType{P256, RSA2048, RSA3072}

// ParseKeyType reads a --key-type value. The empty string is the default;
// case and a hyphen ("P-256", "RSA-3072") are forgiven.
func ParseKeyType(s string) (KeyType, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	if s == "" {
		return P256, nil
	}
	for _, t := range KeyTypes {
		if s == string(t) {
			return t, nil
		}
	}
	return "", ErrKeyType.Wrap(fmt.Errorf("unknown key type %q", s))
}

// Generate makes a new key pair of type t (P-256 when t is empty).
func Generate(t KeyType) (crypto.Signer, error) {
	switch t {
	case P256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	}
	return nil, ErrKeyType.Wrap(fmt.Errorf("unknown key type %q", t))
}

// TypeOf reports the KeyType of a public key, refusing every other kind:
// the keystore, the CSR and the proof of possession only deal in these.
func TypeOf(pub crypto.PublicKey) (KeyType, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return P256, nil
		}
		return "", ErrKeyType.Wrap(fmt.Errorf("ECDSA curve %s", k.Curve.Params().Name))
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048, nil
		case 3072:
			return RSA3072, nil
		}
		return "", ErrKeyType.Wrap(fmt.Errorf("RSA key of %d bits", k.N.BitLen()))
	}
	return "", ErrKeyType.Wrap(fmt.Errorf("public key of type %T", pub))
}

// Fingerprint returns the lower-case hex SHA-256 of the public key's
// SubjectPublicKeyInfo. It names keystore entries because it is what the
// server, the CSR and the certificate can all compute without a secret.
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", ErrKeyType.Wrap(err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// validFingerprint guards every path built from a caller's fingerprint, so
// "../" can never reach the file system.
func validFingerprint(fp string) bool {
	if len(fp) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(fp); i++ {
		c := fp[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// samePublicKey compares two public keys of the supported types.
func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}
