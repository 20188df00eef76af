// Package client is the Go client of llavero's JSON API, used by the CLI.
// It speaks to the main origin for public operations and, with a
// certificate, to the certificate-login origin it discovers from
// /.well-known/llavero.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// Client talks to one llavero installation.
type Client struct {
	server string
	http   *http.Client
	lang   i18n.Lang
}

// New returns a client for the platform at server (its main public URL).
func New(server string, lang i18n.Lang) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: use the platform's address, e.g. https://id.example.org", server)
	}
	return &Client{server: u.String(), http: &http.Client{Timeout: 30 * time.Second}, lang: lang}, nil
}

// Server returns the main URL this client talks to.
func (c *Client) Server() string { return c.server }

// APIError is a refusal from the server: its stable code, the message and
// the next step in the language asked for.
type APIError struct {
	Status    int
	Code      string
	Message   string
	Next      string
	RequestID string
}

func (e *APIError) Error() string {
	if e.Next != "" {
		return e.Message + "\n  " + e.Next
	}
	return e.Message
}

// IsCode reports whether err is an APIError with the given code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

func (c *Client) do(ctx context.Context, hc *http.Client, base, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", string(c.lang))
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w (check --server and your connection)", base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			Next      string `json:"next"`
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal(data, &e) == nil && e.Code != "" {
			ae.Code, ae.Message, ae.Next, ae.RequestID = e.Code, e.Message, e.Next, e.RequestID
		} else {
			ae.Code, ae.Message = "http", fmt.Sprintf("%s %s answered %s", method, path, resp.Status)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
	}
	return nil
}

// WellKnown is what a client learns of an installation.
type WellKnown struct {
	CertLoginURL string `json:"cert_login_url"`
	OCSPURL      string `json:"ocsp_url"`
	CRLURL       string `json:"crl_url"`
	CAIssuersURL string `json:"ca_issuers_url"`
	RootURL      string `json:"root_url"`
}

// Discover reads /.well-known/llavero.
func (c *Client) Discover(ctx context.Context) (WellKnown, error) {
	var w WellKnown
	err := c.do(ctx, c.http, c.server, http.MethodGet, "/.well-known/llavero", nil, &w)
	return w, err
}

// Office is a registration office as the API lists it.
type Office struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Province   string `json:"province"`
	Hours      string `json:"hours"`
}

// ApplyRequest asks for a certificate.
type ApplyRequest struct {
	ID      string `json:"id"`
	Surname string `json:"surname"`
	Email   string `json:"email"`
	CSR     string `json:"csr"`
	Lang    string `json:"lang"`
}

// Application is the server's answer to an application.
type Application struct {
	ApplicationID string    `json:"application_id"`
	Code          string    `json:"code"`
	ExpiresAt     time.Time `json:"expires_at"`
	PersonID      string    `json:"person_id"`
	Bring         string    `json:"bring"`
	Offices       []Office  `json:"offices"`
}

// Apply sends a certificate application.
func (c *Client) Apply(ctx context.Context, r ApplyRequest) (Application, error) {
	var a Application
	err := c.do(ctx, c.http, c.server, http.MethodPost, "/api/v1/certificates/applications", r, &a)
	return a, err
}

// Challenge fetches a download challenge.
func (c *Client) Challenge(ctx context.Context) (string, error) {
	var out struct {
		Challenge string `json:"challenge"`
	}
	err := c.do(ctx, c.http, c.server, http.MethodGet, "/api/v1/certificates/challenge", nil, &out)
	return out.Challenge, err
}

// DownloadRequest proves possession of the application's key.
type DownloadRequest struct {
	ID        string `json:"id"`
	Surname   string `json:"surname"`
	Code      string `json:"code"`
	Challenge string `json:"challenge"`
	Signature []byte `json:"signature"`
}

// Issued is a certificate with its chain, as PEM.
type Issued struct {
	Serial      string    `json:"serial"`
	NotAfter    time.Time `json:"not_after"`
	Certificate string    `json:"certificate"`
	Chain       []string  `json:"chain"`
}

// Parse decodes the certificate and its chain.
func (i Issued) Parse() (*x509.Certificate, []*x509.Certificate, error) {
	leaf, err := parsePEM(i.Certificate)
	if err != nil {
		return nil, nil, err
	}
	var chain []*x509.Certificate
	for _, p := range i.Chain {
		c, err := parsePEM(p)
		if err != nil {
			return nil, nil, err
		}
		chain = append(chain, c)
	}
	return leaf, chain, nil
}

// Download fetches an approved certificate.
func (c *Client) Download(ctx context.Context, r DownloadRequest) (Issued, error) {
	var out Issued
	err := c.do(ctx, c.http, c.server, http.MethodPost, "/api/v1/certificates/download", r, &out)
	return out, err
}

// BackupRequest proves, with the key read from a copy of a certificate's
// .p12, that the copy exists.
type BackupRequest struct {
	Serial    string `json:"serial"`
	Challenge string `json:"challenge"`
	Signature []byte `json:"signature"`
}

// Backup is the server's record of a confirmed backup.
type Backup struct {
	Serial            string    `json:"serial"`
	BackupConfirmedAt time.Time `json:"backup_confirmed_at"`
}

// ConfirmBackup tells the server that a backup of a certificate exists.
func (c *Client) ConfirmBackup(ctx context.Context, r BackupRequest) (Backup, error) {
	var out Backup
	err := c.do(ctx, c.http, c.server, http.MethodPost, "/api/v1/certificates/backup", r, &out)
	return out, err
}

// CodeRequest names an application by its holder and code.
type CodeRequest struct {
	ID      string `json:"id"`
	Surname string `json:"surname"`
	Code    string `json:"code"`
}

// Cancel cancels an application.
func (c *Client) Cancel(ctx context.Context, r CodeRequest) error {
	return c.do(ctx, c.http, c.server, http.MethodPost, "/api/v1/certificates/cancel", r, nil)
}

// CertInfo describes a certificate's validity and status.
type CertInfo struct {
	Serial       string     `json:"serial"`
	PersonID     string     `json:"person_id,omitempty"`
	NotBefore    time.Time  `json:"not_before"`
	NotAfter     time.Time  `json:"not_after"`
	RenewalOpens time.Time  `json:"renewal_opens"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RenewedBy    string     `json:"renewed_by,omitempty"`
}

// AppStatus is where an application stands.
type AppStatus struct {
	State       string    `json:"state"`
	Expired     bool      `json:"expired"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Next        string    `json:"next"`
	Certificate *CertInfo `json:"certificate"`
}

// Status asks where an application stands.
func (c *Client) Status(ctx context.Context, r CodeRequest) (AppStatus, error) {
	var out AppStatus
	err := c.do(ctx, c.http, c.server, http.MethodPost, "/api/v1/certificates/status", r, &out)
	return out, err
}

// RootCertificate fetches the platform's root CA certificate. It is the
// trust anchor for the certificate-login origin; over an https --server it
// is as trustworthy as that connection.
func (c *Client) RootCertificate(ctx context.Context) (*x509.Certificate, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.server+"/ca/root.crt", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach %s: %w", c.server, err)
	}
	defer resp.Body.Close()
	der, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the root certificate: %s", resp.Status)
	}
	return x509.ParseCertificate(der)
}

// CertClient talks to the certificate-login origin, authenticated by a
// certificate (a citizen's or an operator's).
type CertClient struct {
	c    *Client
	base string
	http *http.Client
}

// WithCertificate returns a client for the certificate-login origin that
// presents cert. The origin's server certificate must chain to the
// platform's root.
func (c *Client) WithCertificate(ctx context.Context, cert tls.Certificate) (*CertClient, error) {
	wk, err := c.Discover(ctx)
	if err != nil {
		return nil, err
	}
	root, err := c.RootCertificate(ctx)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
	}}
	return &CertClient{c: c, base: strings.TrimRight(wk.CertLoginURL, "/"), http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

// Me describes the presented certificate.
func (cc *CertClient) Me(ctx context.Context) (CertInfo, error) {
	var out CertInfo
	err := cc.c.do(ctx, cc.http, cc.base, http.MethodGet, "/api/v1/certificates/me", nil, &out)
	return out, err
}

// Renew renews the presented certificate for the key in csr (PEM).
func (cc *CertClient) Renew(ctx context.Context, csr string) (Issued, error) {
	var out Issued
	err := cc.c.do(ctx, cc.http, cc.base, http.MethodPost, "/api/v1/certificates/renew", map[string]string{"csr": csr}, &out)
	return out, err
}

// Revoked confirms a revocation.
type Revoked struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
}

// Revoke revokes the presented certificate.
func (cc *CertClient) Revoke(ctx context.Context, reason string) (Revoked, error) {
	var out Revoked
	err := cc.c.do(ctx, cc.http, cc.base, http.MethodPost, "/api/v1/certificates/revoke", map[string]string{"reason": reason}, &out)
	return out, err
}

// OfficeCheck is an operator's record of the document checked.
type OfficeCheck struct {
	ApplicationID  string `json:"application_id,omitempty"`
	Code           string `json:"code,omitempty"`
	DocumentType   string `json:"document_type"`
	DocumentNumber string `json:"document_number"`
	DocumentExpiry string `json:"document_expiry"`
	KeyOnToken     bool   `json:"key_on_token,omitempty"`
}

// Approved is the result of an approval.
type Approved struct {
	ApplicationID string    `json:"application_id"`
	Serial        string    `json:"serial"`
	NotAfter      time.Time `json:"not_after"`
}

// OfficeApprove records a document check and approves the application.
func (cc *CertClient) OfficeApprove(ctx context.Context, chk OfficeCheck) (Approved, error) {
	var out Approved
	err := cc.c.do(ctx, cc.http, cc.base, http.MethodPost, "/api/v1/office/approve", chk, &out)
	return out, err
}

// OfficeRefusal refuses an application with a reason.
type OfficeRefusal struct {
	ApplicationID string `json:"application_id,omitempty"`
	Code          string `json:"code,omitempty"`
	Reason        string `json:"reason"`
	Note          string `json:"note,omitempty"`
}

// OfficeRefuse refuses an application.
func (cc *CertClient) OfficeRefuse(ctx context.Context, r OfficeRefusal) error {
	return cc.c.do(ctx, cc.http, cc.base, http.MethodPost, "/api/v1/office/refuse", r, nil)
}

// OfficeRevoke revokes a certificate at an office.
func (cc *CertClient) OfficeRevoke(ctx context.Context, serial, reason string) error {
	return cc.c.do(ctx, cc.http, cc.base, http.MethodPost, "/api/v1/office/revoke", map[string]string{"serial": serial, "reason": reason}, nil)
}
