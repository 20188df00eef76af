package validate

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/store"
)

// RevocationStatus is what a revocation source knows of one certificate.
type RevocationStatus struct {
	// Known is false when the source has no data on the certificate
	// (another CA's, or an OCSP "unknown"): the next source is asked.
	Known     bool
	Revoked   bool
	RevokedAt time.Time
	Reason    int    // RFC 5280 CRLReason
	Source    string // where the answer came from, for the report
}

// Revocation tells whether a certificate, issued by issuer, is revoked
// and since when.
type Revocation interface {
	Status(ctx context.Context, cert, issuer *x509.Certificate) (RevocationStatus, error)
}

// Sources asks each source in turn; the first that knows the certificate
// answers. An error is returned only when no source knew it and one failed.
type Sources []Revocation

// Status implements Revocation.
func (s Sources) Status(ctx context.Context, cert, issuer *x509.Certificate) (RevocationStatus, error) {
	var errs []error
	for _, src := range s {
		st, err := src.Status(ctx, cert, issuer)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if st.Known {
			return st, nil
		}
	}
	return RevocationStatus{}, errors.Join(errs...)
}

// CertificateGetter is the part of the store StoreRevocation reads.
type CertificateGetter interface {
	GetCertificate(ctx context.Context, serial string) (store.Certificate, error)
}

// StoreRevocation answers for the certificates llavero's own CA issued,
// from the store: the certificate record says whether and when it was
// revoked, with no network round trip and no OCSP/CRL lag.
type StoreRevocation struct {
	Certs CertificateGetter
	// Issuer is llavero's issuing CA; certificates of other issuers are
	// not this source's to judge (Known false).
	Issuer *x509.Certificate
}

// Status implements Revocation.
func (s StoreRevocation) Status(ctx context.Context, cert, issuer *x509.Certificate) (RevocationStatus, error) {
	if s.Issuer == nil || issuer == nil || !bytes.Equal(issuer.Raw, s.Issuer.Raw) {
		return RevocationStatus{}, nil
	}
	c, err := s.Certs.GetCertificate(ctx, cert.SerialNumber.Text(16))
	if errors.Is(err, store.ErrNotFound) {
		return RevocationStatus{}, nil
	}
	if err != nil {
		return RevocationStatus{}, fmt.Errorf("validate: revocation from the store: %w", err)
	}
	if !bytes.Equal(c.DER, cert.Raw) {
		// Same serial, another certificate: not one this CA issued.
		return RevocationStatus{}, nil
	}
	st := RevocationStatus{Known: true, Source: "llavero"}
	if !c.RevokedAt.IsZero() {
		st.Revoked, st.RevokedAt, st.Reason = true, c.RevokedAt, c.RevocationReason
	}
	return st, nil
}

// NetworkRevocation asks the certificate's OCSP responder, then its CRL
// distribution points: for certificates of other CAs in the trust list.
type NetworkRevocation struct {
	HTTP *http.Client // nil: a client with a 10 s timeout
}

// maxStatusResponse bounds an OCSP response or CRL read from the network.
const maxStatusResponse = 16 << 20

func (n NetworkRevocation) client() *http.Client {
	if n.HTTP != nil {
		return n.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Status implements Revocation.
func (n NetworkRevocation) Status(ctx context.Context, cert, issuer *x509.Certificate) (RevocationStatus, error) {
	var errs []error
	for _, url := range cert.OCSPServer {
		st, err := n.ocsp(ctx, url, cert, issuer)
		if err == nil && st.Known {
			return st, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, url := range cert.CRLDistributionPoints {
		st, err := n.crl(ctx, url, cert, issuer)
		if err == nil && st.Known {
			return st, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return RevocationStatus{}, errors.Join(errs...)
}

func (n NetworkRevocation) fetch(ctx context.Context, method, url, ctype string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := n.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxStatusResponse))
}

func (n NetworkRevocation) ocsp(ctx context.Context, url string, cert, issuer *x509.Certificate) (RevocationStatus, error) {
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return RevocationStatus{}, err
	}
	raw, err := n.fetch(ctx, http.MethodPost, url, "application/ocsp-request", req)
	if err != nil {
		return RevocationStatus{}, fmt.Errorf("OCSP %s: %w", url, err)
	}
	resp, err := ocsp.ParseResponseForCert(raw, cert, issuer)
	if err != nil {
		return RevocationStatus{}, fmt.Errorf("OCSP %s: %w", url, err)
	}
	src := "OCSP " + url
	switch resp.Status {
	case ocsp.Good:
		return RevocationStatus{Known: true, Source: src}, nil
	case ocsp.Revoked:
		return RevocationStatus{Known: true, Revoked: true, RevokedAt: resp.RevokedAt, Reason: resp.RevocationReason, Source: src}, nil
	}
	return RevocationStatus{}, nil
}

func (n NetworkRevocation) crl(ctx context.Context, url string, cert, issuer *x509.Certificate) (RevocationStatus, error) {
	raw, err := n.fetch(ctx, http.MethodGet, url, "", nil)
	if err != nil {
		return RevocationStatus{}, fmt.Errorf("CRL %s: %w", url, err)
	}
	crl, err := x509.ParseRevocationList(raw)
	if err != nil {
		return RevocationStatus{}, fmt.Errorf("CRL %s: %w", url, err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return RevocationStatus{}, fmt.Errorf("CRL %s: %w", url, err)
	}
	src := "CRL " + url
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return RevocationStatus{Known: true, Revoked: true, RevokedAt: e.RevocationTime, Reason: e.ReasonCode, Source: src}, nil
		}
	}
	return RevocationStatus{Known: true, Source: src}, nil
}
