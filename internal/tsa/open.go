package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/llavero/llavero/internal/ca"
)

// KeyLabel is the TSA key's label in the CA's key store.
const KeyLabel = "tsa"

// CertFile is the TSA certificate's file, beside the CA's.
const CertFile = "tsa.crt"

// renewBefore is how long before its end the certificate is replaced (with
// the same key) at start: a token must be verifiable against a certificate
// that was valid when it was made, and verifiers like some margin.
const renewBefore = 365 * 24 * time.Hour

// Open returns the platform's authority: the key labelled "tsa" in keys
// (made on first start), and its certificate in dir/tsa.crt, issued by
// authority when missing, not for this key, or near its end.
func Open(ctx context.Context, keys ca.KeyStore, authority *ca.CA, dir string, now func() time.Time) (*Authority, error) {
	if now == nil {
		now = time.Now
	}
	key, err := keys.Load(ctx, KeyLabel)
	if errors.Is(err, ca.ErrKeyNotFound) {
		key, err = keys.Generate(ctx, KeyLabel, ca.P256)
	}
	if err != nil {
		return nil, fmt.Errorf("tsa: key %q: %w", KeyLabel, err)
	}
	path := filepath.Join(dir, CertFile)
	cert, err := readCert(path)
	if err != nil {
		return nil, err
	}
	if !usable(cert, key, authority, now()) {
		if cert, err = authority.IssueTSA(ctx, key.Public(), now()); err != nil {
			return nil, fmt.Errorf("tsa: issuing the certificate: %w", err)
		}
		if err := writeCert(path, cert); err != nil {
			return nil, err
		}
	}
	return New(Config{Signer: key, Certificate: cert, Chain: []*x509.Certificate{authority.Issuing()}, Policy: authority.TimestampPolicy(), Now: now})
}

// usable reports whether cert can keep serving: this key's, from this
// issuing CA, with the TSA policy, and not near its end (unless a new one
// could not last longer: the issuing CA ends first).
func usable(cert *x509.Certificate, key crypto.Signer, authority *ca.CA, now time.Time) bool {
	if cert == nil || !equalKeys(key.Public(), cert.PublicKey) || cert.CheckSignatureFrom(authority.Issuing()) != nil {
		return false
	}
	if len(cert.Policies) != 1 || !cert.Policies[0].Equal(authority.TSAPolicy()) {
		return false
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return false
	}
	return cert.NotAfter.Sub(now) > renewBefore || !authority.Issuing().NotAfter.After(cert.NotAfter)
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("tsa: %s must hold exactly one PEM CERTIFICATE (remove it to have a new one issued)", path)
	}
	return x509.ParseCertificate(block.Bytes)
}

// writeCert replaces the file atomically: a crash leaves the old
// certificate or the new one, never half of one.
func writeCert(path string, cert *x509.Certificate) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tsa-*.crt")
	if err != nil {
		return fmt.Errorf("tsa: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}); err != nil {
		tmp.Close()
		return fmt.Errorf("tsa: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("tsa: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tsa: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("tsa: %w", err)
	}
	return nil
}
