package web

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// CertDeps is what the certificate routes need from the rest of the
// installation.
type CertDeps struct {
	RA *ra.RA
	// Chain is the issuing CA's certificate, then the root's: what a
	// citizen's .p12 must carry and what /ca/*.crt serve.
	Chain []*x509.Certificate
	// RootCRL returns the root CA's current CRL (DER).
	RootCRL func(ctx context.Context) ([]byte, error)
	// CertLoginURL is the public URL of the certificate-login origin,
	// announced in /.well-known/llavero.
	CertLoginURL string
	// IdP, optional, lets the office console register accounts at the
	// advanced level. Without it the console only handles certificates.
	IdP *idp.IdP
	// Accounts, needed with IdP, is where the case page reads the person's
	// account (the installation's store).
	Accounts interface {
		GetAccount(ctx context.Context, personID string) (store.Account, error)
	}
}

// certRoutes holds what the certificate handlers of both origins share,
// prepared once: the chain as PEM and DER is the same in every answer.
type certRoutes struct {
	s        *Server
	d        CertDeps
	chainPEM []string
	ocsp     *ocspResponder
}

func newCertRoutes(s *Server, d CertDeps) *certRoutes {
	if d.RA == nil || len(d.Chain) != 2 {
		// A half-configured CA would answer with certificates nobody can
		// verify; stopping at start-up is kinder than that.
		panic("web: CertDeps needs the RA and the chain (issuing, root)")
	}
	c := &certRoutes{s: s, d: d}
	for _, cert := range d.Chain {
		c.chainPEM = append(c.chainPEM, certPEM(cert.Raw))
	}
	return c
}

// MountCertificates adds the public certificate routes to the main origin:
// the citizen's API (apply, challenge, download, cancel, status), the
// status services the CA's certificates point to (OCSP, CRLs, CA
// certificates, at the ca.Path* addresses) and /.well-known/llavero, which
// tells clients where the rest is. Call it before serving: it also wraps
// the server's handler (see keepOCSPPath).
func (s *Server) MountCertificates(d CertDeps) {
	c := newCertRoutes(s, d)
	c.ocsp = newOCSPResponder(s, d.RA, d.Chain[0])

	s.Handle("POST /api/v1/certificates/applications", http.HandlerFunc(c.apply))
	s.Handle("GET /api/v1/certificates/challenge", http.HandlerFunc(c.challenge))
	s.Handle("POST /api/v1/certificates/download", http.HandlerFunc(c.download))
	s.Handle("POST /api/v1/certificates/cancel", http.HandlerFunc(c.cancel))
	s.Handle("POST /api/v1/certificates/status", http.HandlerFunc(c.status))
	s.Handle("POST /api/v1/certificates/backup", http.HandlerFunc(c.backup))

	s.Handle("POST "+ca.PathOCSP, http.HandlerFunc(c.ocsp.post))
	// The GET form carries base64, which may hold "/": only a wildcard
	// that takes the rest of the path keeps it whole.
	s.Handle("GET "+ca.PathOCSP+"/{req...}", http.HandlerFunc(c.ocsp.get))
	s.handler = keepOCSPPath(s.handler)

	s.Handle("GET "+ca.PathCRL, c.der("application/pkix-crl", "public, max-age=60", d.RA.CRL))
	s.Handle("GET "+ca.PathRootCRL, c.der("application/pkix-crl", "public, max-age=3600", d.RootCRL))
	issuing, root := d.Chain[0].Raw, d.Chain[1].Raw
	s.Handle("GET "+ca.PathIssuingCert, c.der("application/pkix-cert", "public, max-age=86400",
		func(context.Context) ([]byte, error) { return issuing, nil }))
	s.Handle("GET "+ca.PathRootCert, c.der("application/pkix-cert", "public, max-age=86400",
		func(context.Context) ([]byte, error) { return root, nil }))

	s.Handle("GET /.well-known/llavero", http.HandlerFunc(c.wellKnown))
}

// der serves a DER object (a CRL or a CA certificate). Relying parties
// fetch these unattended, so they are public and cacheable.
func (c *certRoutes) der(contentType, cacheControl string, get func(context.Context) ([]byte, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := get(r.Context())
		if err != nil {
			c.s.Error(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", cacheControl)
		w.Write(b)
	})
}

type wellKnown struct {
	CertLoginURL string `json:"cert_login_url"`
	OCSPURL      string `json:"ocsp_url"`
	CRLURL       string `json:"crl_url"`
	CAIssuersURL string `json:"ca_issuers_url"`
	RootURL      string `json:"root_url"`
}

// wellKnown lets the CLI start from the server's URL alone and find the
// certificate-login origin, which lives on another host or port.
func (c *certRoutes) wellKnown(w http.ResponseWriter, r *http.Request) {
	base := c.s.publicURL
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, r, http.StatusOK, wellKnown{
		CertLoginURL: c.d.CertLoginURL,
		OCSPURL:      base + ca.PathOCSP,
		CRLURL:       base + ca.PathCRL,
		CAIssuersURL: base + ca.PathIssuingCert,
		RootURL:      base + ca.PathRootCert,
	})
}

type applyRequest struct {
	ID      string `json:"id"`
	Surname string `json:"surname"`
	Email   string `json:"email"`
	CSR     string `json:"csr"`
	Lang    string `json:"lang"`
}

type officeJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Province   string `json:"province"`
	Hours      string `json:"hours"`
}

type applyResponse struct {
	ApplicationID string       `json:"application_id"`
	Code          string       `json:"code"`
	ExpiresAt     string       `json:"expires_at"`
	PersonID      string       `json:"person_id"`
	Bring         string       `json:"bring"`
	Offices       []officeJSON `json:"offices"`
}

func (c *certRoutes) apply(w http.ResponseWriter, r *http.Request) {
	var req applyRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	lang, ok := i18n.Parse(req.Lang)
	if !ok {
		// The emails go out in this language, so a tool that does not say
		// gets the one the person's system asks for.
		lang = LangOf(r)
	}
	res, err := c.d.RA.Apply(r.Context(), ra.ApplyRequest{
		ID: req.ID, Surname: req.Surname, Email: req.Email, CSR: []byte(req.CSR), Lang: lang,
	})
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	out := applyResponse{
		ApplicationID: res.ApplicationID,
		Code:          res.Code,
		ExpiresAt:     rfc3339(res.ExpiresAt),
		PersonID:      res.PersonID,
		Bring:         res.Bring.In(lang),
		Offices:       make([]officeJSON, 0, len(res.Offices)),
	}
	for _, o := range res.Offices {
		out.Offices = append(out.Offices, officeJSON{
			ID: o.ID, Name: o.Name, Address: o.Address, PostalCode: o.PostalCode,
			City: o.City, Province: o.Province, Hours: o.Hours,
		})
	}
	writeJSON(w, r, http.StatusCreated, out)
}

func (c *certRoutes) challenge(w http.ResponseWriter, r *http.Request) {
	ch, err := c.d.RA.NewChallenge()
	if err != nil {
		c.s.Error(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, struct {
		Challenge string `json:"challenge"`
	}{ch})
}

type downloadRequest struct {
	ID        string `json:"id"`
	Surname   string `json:"surname"`
	Code      string `json:"code"`
	Challenge string `json:"challenge"`
	Signature string `json:"signature"`
}

// issuedJSON is a certificate handed to its holder, with the chain a .p12
// needs: download and renewal answer the same.
type issuedJSON struct {
	Serial      string   `json:"serial"`
	NotAfter    string   `json:"not_after"`
	Certificate string   `json:"certificate"`
	Chain       []string `json:"chain"`
}

func (c *certRoutes) issued(cert store.Certificate) issuedJSON {
	return issuedJSON{
		Serial:      cert.Serial,
		NotAfter:    rfc3339(cert.NotAfter),
		Certificate: certPEM(cert.DER),
		Chain:       c.chainPEM,
	}
}

func (c *certRoutes) download(w http.ResponseWriter, r *http.Request) {
	var req downloadRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	sig, ok := c.signature(w, r, req.Signature)
	if !ok {
		return
	}
	cert, err := c.d.RA.Download(r.Context(), ra.DownloadRequest{
		ID: req.ID, Surname: req.Surname, Code: req.Code, Challenge: req.Challenge,
		Signature: sig, ClientKey: clientKey(r),
	})
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, c.issued(cert))
}

type backupRequest struct {
	Serial    string `json:"serial"`
	Challenge string `json:"challenge"`
	Signature string `json:"signature"` // base64
}

type backupJSON struct {
	Serial            string `json:"serial"`
	BackupConfirmedAt string `json:"backup_confirmed_at"`
}

// signature decodes a proof of possession sent in base64, or answers
// that the field is wrong.
func (c *certRoutes) signature(w http.ResponseWriter, r *http.Request, b64 string) ([]byte, bool) {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(sig) == 0 {
		c.s.certError(w, r, errField("signature"))
		return nil, false
	}
	return sig, true
}

// backup records that the holder proved, with the key read from a copy of
// the .p12, that a backup exists ("llavero cert backup").
func (c *certRoutes) backup(w http.ResponseWriter, r *http.Request) {
	var req backupRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	sig, ok := c.signature(w, r, req.Signature)
	if !ok {
		return
	}
	cert, err := c.d.RA.ConfirmBackup(r.Context(), ra.BackupRequest{
		Serial: strings.ToLower(strings.TrimSpace(req.Serial)), Challenge: req.Challenge, Signature: sig, ClientKey: clientKey(r),
	})
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, backupJSON{Serial: cert.Serial, BackupConfirmedAt: rfc3339(cert.BackupConfirmedAt)})
}

type codeRequest struct {
	ID      string `json:"id"`
	Surname string `json:"surname"`
	Code    string `json:"code"`
}

func (c *certRoutes) cancel(w http.ResponseWriter, r *http.Request) {
	var req codeRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	err := c.d.RA.Cancel(r.Context(), ra.CancelRequest{ID: req.ID, Surname: req.Surname, Code: req.Code, ClientKey: clientKey(r)})
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, struct {
		Cancelled bool `json:"cancelled"`
	}{true})
}

type certStatusJSON struct {
	Serial       string `json:"serial"`
	NotBefore    string `json:"not_before"`
	NotAfter     string `json:"not_after"`
	RevokedAt    string `json:"revoked_at,omitempty"`
	RenewalOpens string `json:"renewal_opens"`
}

type statusResponse struct {
	State       string          `json:"state"`
	Expired     bool            `json:"expired"`
	CreatedAt   string          `json:"created_at"`
	ExpiresAt   string          `json:"expires_at"`
	Next        string          `json:"next"`
	Certificate *certStatusJSON `json:"certificate"`
}

func (c *certRoutes) status(w http.ResponseWriter, r *http.Request) {
	var req codeRequest
	if !c.s.decode(w, r, &req) {
		return
	}
	st, err := c.d.RA.ApplicationStatus(r.Context(), req.ID, req.Surname, req.Code, clientKey(r))
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	app := st.Application
	out := statusResponse{
		State:     app.State,
		Expired:   st.Expired,
		CreatedAt: rfc3339(app.CreatedAt),
		ExpiresAt: rfc3339(app.ExpiresAt),
		Next:      st.Next.In(LangOf(r)),
	}
	if cert := st.Certificate; cert != nil {
		out.Certificate = &certStatusJSON{
			Serial:       cert.Serial,
			NotBefore:    rfc3339(cert.NotBefore),
			NotAfter:     rfc3339(cert.NotAfter),
			RevokedAt:    rfc3339(cert.RevokedAt),
			RenewalOpens: rfc3339(c.d.RA.RenewalOpens(*cert)),
		}
	}
	writeJSON(w, r, http.StatusOK, out)
}

// maxJSONBody bounds a request body: the largest legitimate one is an RSA
// 3072 CSR in PEM, under 2 KiB.
const maxJSONBody = 64 << 10

// Errors about the shape of an API request, before any rule is applied.
var errJSON = i18n.New("request.json",
	i18n.T("El cuerpo de la petición no es JSON válido.", "The request body is not valid JSON."),
	i18n.T("Envía un objeto JSON con los campos que indica la documentación de la API (docs/cli.md), o usa el programa llavero, que lo hace por ti.",
		"Send a JSON object with the fields the API documentation lists (docs/cli.md), or use the llavero program, which does it for you."))

// errField says which field of a request is missing or malformed.
func errField(name string) *i18n.Error {
	return i18n.New("request.field",
		i18n.Tf("Falta el campo «%s» o no es válido.", "The field %q is missing or not valid.", name),
		i18n.T("Revisa ese campo y vuelve a enviar la petición.", "Check that field and send the request again."))
}

// decode reads a JSON request body into v, answering the client itself
// when it cannot.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err := dec.Decode(v); err != nil {
		s.Error(w, r, errJSON.Wrap(err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.Error(w, r, errJSON.Wrap(errors.New("data after the JSON object")))
		return false
	}
	return true
}

// Status codes of the certificate refusals, by stable code. Anything not
// listed is the client's input to fix: 400.
var certErrorStatus = map[string]int{
	"application.wrong_code":       http.StatusNotFound,
	"registry.not_found":           http.StatusNotFound,
	"certificate.unknown":          http.StatusNotFound,
	"office.application_not_found": http.StatusNotFound,

	"application.expired":       http.StatusConflict,
	"application.not_checked":   http.StatusConflict,
	"application.refused":       http.StatusConflict,
	"application.cancelled":     http.StatusConflict,
	"office.not_pending":        http.StatusConflict,
	"certificate.not_revocable": http.StatusConflict,
	"renew.window":              http.StatusConflict,
	"renew.already":             http.StatusConflict,
	"renew.registry_changed":    http.StatusConflict,
	"csr.key_in_use":            http.StatusConflict,

	"backup.not_valid":      http.StatusConflict,
	"backup.renewed":        http.StatusConflict,
	"download.key_mismatch": http.StatusForbidden,
	"backup.key_mismatch":   http.StatusForbidden,
	"office.operator":       http.StatusForbidden,
	"office.not_handled":    http.StatusForbidden,
	"renew.expired":         http.StatusForbidden,

	"certlogin.no_certificate": http.StatusUnauthorized,

	"rate.limited": http.StatusTooManyRequests,
}

// lockoutSeconds is what a rate-limited client is told to wait: the RA
// counts failures over an hour.
const lockoutSeconds = "3600"

// certError answers a refusal of the certificate routes with the status
// its code calls for.
func (s *Server) certError(w http.ResponseWriter, r *http.Request, err error) {
	s.Error(w, r, withCertStatus(w, err))
}

func withCertStatus(w http.ResponseWriter, err error) error {
	status := statusOf(err)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", lockoutSeconds)
	}
	return WithStatus(status, err)
}

// statusOf is the HTTP status of a certificate refusal: by its code, 400
// for other refusals, 500 for anything that is not a refusal.
func statusOf(err error) int {
	ie, ok := i18n.As(err)
	if !ok {
		return http.StatusInternalServerError
	}
	if status, ok := certErrorStatus[ie.Code]; ok {
		return status
	}
	return http.StatusBadRequest
}

// clientKey is the caller's address, which rate limits count guesses by:
// the real client's, also behind the trusted proxies of Config.
func clientKey(r *http.Request) string {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok && st.client != "" {
		return st.client
	}
	return remoteHost(r.RemoteAddr)
}

// rfc3339 writes an instant for the API: UTC, whole seconds, empty for
// "never".
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
