package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
)

// KeyAlg names a key algorithm and size, as written in configuration.
type KeyAlg string

// The key algorithms a KeyStore can generate.
const (
	P256    KeyAlg = "p256"
	P384    KeyAlg = "p384"
	RSA2048 KeyAlg = "rsa2048"
	RSA3072 KeyAlg = "rsa3072"
	RSA4096 KeyAlg = "rsa4096"
)

// ParseKeyAlg returns the KeyAlg named s, or an error listing the choices.
func ParseKeyAlg(s string) (KeyAlg, error) {
	a := KeyAlg(s)
	if err := a.check(); err != nil {
		return "", err
	}
	return a, nil
}

func (a KeyAlg) check() error {
	switch a {
	case P256, P384, RSA2048, RSA3072, RSA4096:
		return nil
	}
	return fmt.Errorf("ca: unknown key algorithm %q (choose p256, p384, rsa2048, rsa3072 or rsa4096)", string(a))
}

// rsaBits is the modulus size of an RSA KeyAlg, or 0 for an ECDSA one.
func (a KeyAlg) rsaBits() int {
	switch a {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// keyAlgOf names the KeyAlg of a public key, so that a loaded key or
// certificate can be compared with what the configuration asks for.
func keyAlgOf(pub crypto.PublicKey) (KeyAlg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return P256, nil
		case elliptic.P384():
			return P384, nil
		}
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048, nil
		case 3072:
			return RSA3072, nil
		case 4096:
			return RSA4096, nil
		}
	}
	return "", fmt.Errorf("ca: key of type %T is none of p256, p384, rsa2048, rsa3072, rsa4096", pub)
}

// KeyStore keeps the CA's private keys under labels. Callers see only
// crypto.Signer, so a key held in a hardware token never enters memory.
type KeyStore interface {
	// Generate makes a new key under label (error if it exists) and returns it.
	Generate(ctx context.Context, label string, alg KeyAlg) (crypto.Signer, error)
	// Load returns the key under label, or an error wrapping ErrKeyNotFound.
	Load(ctx context.Context, label string) (crypto.Signer, error)
	Close() error
}

// Errors every KeyStore returns (wrapped), so callers can tell a missing
// key from a broken one with errors.Is.
var (
	ErrKeyNotFound = errors.New("key not found")
	ErrKeyExists   = errors.New("key already exists")
)

// GenerateSoftwareKey makes a key in memory. Key stores that keep keys in
// files use it; it is exported for test key stores and tools.
func GenerateSoftwareKey(alg KeyAlg) (crypto.Signer, error) {
	if err := alg.check(); err != nil {
		return nil, err
	}
	switch alg {
	case P256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case P384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		return rsa.GenerateKey(rand.Reader, alg.rsaBits())
	}
}
