package web

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"
)

// RequestClientCertificates sets up cfg, the TLS configuration of the
// certificate-login origin, to ask for client certificates from the given
// CA and to check their chain itself rather than with Go's
// VerifyClientCertIfGiven.
//
// The difference is the date. Go refuses a certificate past its expiry in
// the handshake, and the browser then shows its own error: a person whose
// certificate lapsed learns nothing about what to do. Here a certificate
// this CA issued is checked as of its last valid moment, so it reaches the
// handlers, where the RA (Holder, DeskFor) refuses it with the way out
// ("renew.expired": make a new request and visit an office). The handshake
// still proves the client holds the key (CertificateVerify), the chain must
// still lead to the CA with the client-authentication usage, and a
// certificate not yet valid is still refused.
//
// now is the clock (nil: time.Now).
func RequestClientCertificates(cfg *tls.Config, roots *x509.CertPool, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	cfg.ClientAuth = tls.RequestClientCert
	cfg.ClientCAs = roots // the browser offers only certificates of this CA
	cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
		return verifyClientChain(raw, roots, now())
	}
}

var errNoChain = errors.New("web: client certificate does not chain to the platform's CA")

// verifyClientChain checks a client's certificates (leaf first) against
// roots as of at, or as of the leaf's expiry if at is later. No
// certificate is fine: the handlers explain that one is needed.
func verifyClientChain(raw [][]byte, roots *x509.CertPool, at time.Time) error {
	if len(raw) == 0 {
		return nil
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return errNoChain
		}
		certs[i] = c
	}
	leaf := certs[0]
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return errNoChain
	}
	return nil
}
