package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/web"
)

// OpenCA opens the certificate authority the configuration names, creating
// the hierarchy on first start. Admin commands that issue certificates
// (operators) use it too.
func OpenCA(ctx context.Context, cfg *config.Config, log *slog.Logger) (*ca.CA, ca.KeyStore, error) {
	dir := filepath.Join(cfg.Data, "ca")
	var ks ca.KeyStore
	switch cfg.CAKeys {
	case "pkcs11":
		pin, err := config.ReadSecret(cfg.PKCS11PINFile, config.EnvPrefix+"PKCS11_PIN")
		if err != nil {
			return nil, nil, fmt.Errorf("setting --pkcs11-pin-file: %v", err)
		}
		if ks, err = openPKCS11(cfg.PKCS11Module, cfg.PKCS11Token, pin); err != nil {
			return nil, nil, fmt.Errorf("setting --pkcs11-module/--pkcs11-token: %w", err)
		}
	default:
		pass, err := caPassphrase(cfg, dir, log)
		if err != nil {
			return nil, nil, err
		}
		if ks, err = ca.NewFileKeyStore(filepath.Join(dir, "keys"), pass); err != nil {
			return nil, nil, fmt.Errorf("CA keys in %s: %w", filepath.Join(dir, "keys"), err)
		}
	}
	authority, err := ca.Open(ctx, ca.Options{Dir: dir, Keys: ks, Organization: cfg.CAOrganization, Country: "ES", BaseURL: publicURL(cfg)})
	if err != nil {
		ks.Close()
		return nil, nil, fmt.Errorf("certificate authority: %w", err)
	}
	return authority, ks, nil
}

// publicURL is what certificates point at for CRL, OCSP and CA issuers. The
// admin commands do not register --public-url, so they read it from the
// same environment or file the server uses.
func publicURL(cfg *config.Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	if v := os.Getenv(config.EnvName("public-url")); v != "" {
		return v
	}
	return "http://127.0.0.1:8080"
}

// caPassphrase returns the passphrase that encrypts file CA keys: from
// --ca-passphrase-file, LLAVERO_CA_PASSPHRASE, or, for a development
// installation, a random one kept in DATA/ca/passphrase.
func caPassphrase(cfg *config.Config, dir string, log *slog.Logger) ([]byte, error) {
	if cfg.CAPassphraseFile != "" || os.Getenv(config.EnvPrefix+"CA_PASSPHRASE") != "" {
		p, err := config.ReadSecret(cfg.CAPassphraseFile, config.EnvPrefix+"CA_PASSPHRASE")
		if err != nil {
			return nil, fmt.Errorf("setting --ca-passphrase-file: %v", err)
		}
		if len(p) < 12 {
			return nil, errors.New("setting --ca-passphrase-file: the CA passphrase must be at least 12 characters")
		}
		return []byte(p), nil
	}
	path := filepath.Join(dir, "passphrase")
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	p := []byte(base64.RawStdEncoding.EncodeToString(raw[:]))
	if err := os.WriteFile(path, p, 0o600); err != nil {
		return nil, err
	}
	log.Warn("CA keys are encrypted with a development passphrase kept beside them; in production use --ca-passphrase-file on another disk, or --ca-keys pkcs11", "file", path)
	return p, nil
}

// certLoginTLS builds the TLS configuration of the certificate-login
// origin: a server certificate from the platform's own CA, made at start-up
// (each node its own, nothing to share), and client certificates checked
// against the CA. Whether a certificate is revoked or belongs to an
// operator is the RA's decision per request, not the handshake's.
func certLoginTLS(ctx context.Context, authority *ca.CA, cfg *config.Config) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	hosts := []string{"localhost"}
	if h, _, err := net.SplitHostPort(cfg.CertListen); err == nil && h != "" && h != "localhost" {
		hosts = append(hosts, h)
	}
	if u := cfg.CertLoginURL; u != "" {
		if pu, err := urlHost(u); err == nil && pu != "" && !contains(hosts, pu) {
			hosts = append(hosts, pu)
		}
	}
	leaf, err := authority.IssueTLSServer(ctx, key.Public(), hosts, time.Now())
	if err != nil {
		return nil, fmt.Errorf("certificate-login origin: server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	for _, c := range authority.Chain() {
		pool.AddCert(c)
	}
	chain := [][]byte{leaf.Raw}
	for _, c := range authority.Chain() {
		chain = append(chain, c.Raw)
	}
	tc := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key, Leaf: leaf}},
	}
	// An expired certificate reaches the pages, which explain it.
	web.RequestClientCertificates(tc, pool, nil)
	return tc, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func urlHost(u string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	return pu.Hostname(), nil
}

// codeKey returns the secret that keys stored one-time codes: from
// --code-key-file, LLAVERO_CODE_KEY, or, for a development installation, a
// random one kept in DATA/secrets/code.key. Several nodes must share it.
func codeKey(cfg *config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.CodeKeyFile != "" || os.Getenv(config.EnvPrefix+"CODE_KEY") != "" {
		k, err := config.ReadSecret(cfg.CodeKeyFile, config.EnvPrefix+"CODE_KEY")
		if err != nil {
			return nil, fmt.Errorf("setting --code-key-file: %v", err)
		}
		if len(k) < 32 {
			return nil, errors.New("setting --code-key-file: the key must have at least 32 characters of random data")
		}
		return []byte(k), nil
	}
	dir := filepath.Join(cfg.Data, "secrets")
	path := filepath.Join(dir, "code.key")
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	k := []byte(base64.RawStdEncoding.EncodeToString(raw[:]))
	if err := os.WriteFile(path, k, 0o600); err != nil {
		return nil, err
	}
	log.Warn("one-time codes are keyed with a development secret kept in the data directory; with several nodes, give them all the same --code-key-file", "file", path)
	return k, nil
}
