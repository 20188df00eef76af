package web

import (
	"crypto/x509"
	"log/slog"
	"net/http"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// CertLoginHandler returns the handler of the certificate-login origin: the
// HTTPS listener whose TLS layer asks for a client certificate (the server
// package sets tls.VerifyClientCertIfGiven with the CA's pool). Certificate
// holders manage their certificate here, and office operators work the
// office console and API.
//
// It is a separate route table behind the same middleware as the main
// origin (security headers, request IDs, logging, metrics, language), so
// these routes exist only where a client certificate can be presented,
// and a main-origin route never answers on this origin.
func (s *Server) CertLoginHandler(d CertDeps) http.Handler {
	cl := *s
	cl.mux = http.NewServeMux()
	cl.cop = http.NewCrossOriginProtection()
	if d.CertLoginURL != "" {
		origin, _, err := parsePublicURL(d.CertLoginURL)
		if err == nil {
			err = cl.cop.AddTrustedOrigin(origin)
		}
		if err != nil {
			// Forms still work when the browser's Origin matches Host,
			// which is the case unless a proxy rewrites Host.
			s.log.Warn("certificate-login URL not trusted for forms", "url", d.CertLoginURL, "error", err)
		}
	}
	c := newCertRoutes(&cl, d)

	cl.Handle("GET /{$}", http.HandlerFunc(cl.certLoginHome))
	cl.Handle("GET /healthz", http.HandlerFunc(healthz))
	cl.Handle("GET /static/", http.HandlerFunc(cl.static))

	cl.Handle("GET /api/v1/certificates/me", http.HandlerFunc(c.me))
	cl.Handle("POST /api/v1/certificates/renew", http.HandlerFunc(c.renew))
	cl.Handle("POST /api/v1/certificates/revoke", http.HandlerFunc(c.revoke))
	c.mountOffice()

	cl.handler = cl.chain()
	return cl.handler
}

// certLoginHome sends a visitor of the bare origin to the platform's home:
// nothing here is meant to be browsed to except the office console, which
// operators open by its address.
func (s *Server) certLoginHome(w http.ResponseWriter, r *http.Request) {
	if s.publicURL == "" {
		http.Redirect(w, r, "/office", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.publicURL+"/", http.StatusSeeOther)
}

// The answers to a missing or foreign client certificate say how to
// present one, since that is the only way forward.
var (
	errNoClientCert = i18n.New("certlogin.no_certificate",
		i18n.T("Esta dirección necesita tu certificado y no has presentado ninguno.",
			"This address needs your certificate and none was presented."),
		i18n.T("Con el programa llavero, indica tu copia del certificado: «--p12 FICHERO» (operadores de oficina: «--operator-p12 FICHERO»). En un navegador, importa tu certificado (el fichero .p12) en el navegador, ciérralo y vuelve a abrir esta dirección: te pedirá que lo elijas.",
			"With the llavero program, give your certificate's backup file: \"--p12 FILE\" (office operators: \"--operator-p12 FILE\"). In a browser, import your certificate (the .p12 file) into the browser, close it and open this address again: it will ask you to choose the certificate."))
	errForeignClientCert = &i18n.Error{
		Code: ra.ErrCertUnknown.Code,
		Msg:  ra.ErrCertUnknown.Msg,
		Next: i18n.T("Presenta el certificado que descargaste de esta plataforma: con el programa llavero, «--p12 FICHERO» con esa copia; en un navegador, impórtalo y elígelo cuando lo pida.",
			"Present the certificate you downloaded from this platform: with the llavero program, \"--p12 FILE\" with that backup; in a browser, import it and choose it when asked."),
	}
)

// clientCert is the certificate the TLS layer received, nil if none. The
// TLS handshake already proved the client holds its key and chained it to
// the CA; the RA then decides whether it is still good for anything.
func clientCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

// holder authenticates a citizen by their certificate, or answers the
// request itself: 401 when there is no usable certificate, 403 when the
// RA knows it but it is expired or revoked.
func (c *certRoutes) holder(w http.ResponseWriter, r *http.Request) (store.Certificate, *x509.Certificate, bool) {
	x := clientCert(r)
	if x == nil {
		c.s.Error(w, r, WithStatus(http.StatusUnauthorized, errNoClientCert))
		return store.Certificate{}, nil, false
	}
	cert, err := c.d.RA.Holder(r.Context(), x)
	switch i18n.CodeOf(err) {
	case "":
		if err != nil {
			c.s.Error(w, r, err)
			return store.Certificate{}, nil, false
		}
		return cert, x, true
	case ra.ErrCertUnknown.Code:
		c.s.Error(w, r, WithStatus(http.StatusUnauthorized, errForeignClientCert.Wrap(err)))
	default:
		c.s.Error(w, r, WithStatus(http.StatusForbidden, err))
	}
	return store.Certificate{}, nil, false
}

type meResponse struct {
	Serial       string `json:"serial"`
	PersonID     string `json:"person_id"`
	NotBefore    string `json:"not_before"`
	NotAfter     string `json:"not_after"`
	RenewalOpens string `json:"renewal_opens"`
	RevokedAt    string `json:"revoked_at,omitempty"`
	RenewedBy    string `json:"renewed_by,omitempty"`
}

func (c *certRoutes) me(w http.ResponseWriter, r *http.Request) {
	cert, _, ok := c.holder(w, r)
	if !ok {
		return
	}
	writeJSON(w, r, http.StatusOK, meResponse{
		Serial:       cert.Serial,
		PersonID:     cert.PersonID,
		NotBefore:    rfc3339(cert.NotBefore),
		NotAfter:     rfc3339(cert.NotAfter),
		RenewalOpens: rfc3339(c.d.RA.RenewalOpens(cert)),
		RevokedAt:    rfc3339(cert.RevokedAt),
		RenewedBy:    cert.RenewedBy,
	})
}

func (c *certRoutes) renew(w http.ResponseWriter, r *http.Request) {
	_, x, ok := c.holder(w, r)
	if !ok {
		return
	}
	var req struct {
		CSR string `json:"csr"`
	}
	if !c.s.decode(w, r, &req) {
		return
	}
	if req.CSR == "" {
		c.s.certError(w, r, errField("csr"))
		return
	}
	cert, err := c.d.RA.Renew(r.Context(), x, []byte(req.CSR))
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, c.issued(cert))
}

type revokeResponse struct {
	Serial    string `json:"serial"`
	RevokedAt string `json:"revoked_at"`
}

// revokeReason reads a reason name; none means "unspecified", which is
// what a holder who just wants the certificate gone means.
func revokeReason(name string) (int, error) {
	if name == "" {
		name = "unspecified"
	}
	code, ok := ra.RevocationReasons[name]
	if !ok {
		return 0, ra.ErrReason
	}
	return code, nil
}

func (c *certRoutes) revoke(w http.ResponseWriter, r *http.Request) {
	cert, _, ok := c.holder(w, r)
	if !ok {
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if !c.s.decode(w, r, &req) {
		return
	}
	reason, err := revokeReason(req.Reason)
	if err != nil {
		c.s.certError(w, r, err)
		return
	}
	done, err := c.d.RA.Revoke(r.Context(), cert.Serial, reason, "citizen:"+cert.PersonID)
	if err != nil && done.Serial == "" {
		c.s.certError(w, r, err)
		return
	}
	if err != nil {
		// The revocation is committed; only its publication lags, and the
		// RA's refreshers catch up. The holder's answer is still "done".
		c.s.log.LogAttrs(r.Context(), slog.LevelError, "revocation not yet published",
			slog.String("request_id", RequestID(r)), slog.String("error", err.Error()))
	}
	writeJSON(w, r, http.StatusOK, revokeResponse{Serial: done.Serial, RevokedAt: rfc3339(done.RevokedAt)})
}
