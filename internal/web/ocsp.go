package web

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // OCSP requests name the issuer by SHA-1 hashes (RFC 6960 4.1.1)
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ra"
)

// maxOCSPRequest bounds an OCSP request body. A request for one
// certificate is about 80 bytes; extensions (a nonce) add a few dozen.
const maxOCSPRequest = 4 << 10

// ocspResponder answers RFC 6960 requests with the RA's pre-signed
// responses. It is the hottest path of the platform (every relying party
// checks every certificate it sees), so it does no page, language or
// database work of its own: parse, check the issuer, look up, write.
type ocspResponder struct {
	s  *Server
	ra *ra.RA
	// issuerHashes holds the issuer's name and key hashes for each hash
	// a request may use, computed once instead of per request.
	issuerHashes map[crypto.Hash][2][]byte
}

func newOCSPResponder(s *Server, r *ra.RA, issuer *x509.Certificate) *ocspResponder {
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		panic("web: issuing CA public key: " + err.Error())
	}
	o := &ocspResponder{s: s, ra: r, issuerHashes: map[crypto.Hash][2][]byte{}}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		name, key := h.New(), h.New()
		name.Write(issuer.RawSubject)
		key.Write(spki.PublicKey.RightAlign())
		o.issuerHashes[h] = [2][]byte{name.Sum(nil), key.Sum(nil)}
	}
	return o
}

func (o *ocspResponder) post(w http.ResponseWriter, r *http.Request) {
	body, err := readOCSPBody(r)
	if err != nil {
		writeOCSP(w, ocsp.MalformedRequestErrorResponse)
		return
	}
	o.answer(w, r, body)
}

// readOCSPBody reads a POSTed request. Clients send Content-Length, so
// the body is usually read into a buffer of its exact size rather than
// grown from io.ReadAll's default.
func readOCSPBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= maxOCSPRequest {
		body := make([]byte, n)
		_, err := io.ReadFull(r.Body, body)
		return body, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxOCSPRequest+1))
	if err == nil && len(body) > maxOCSPRequest {
		err = errors.New("OCSP request too large")
	}
	return body, err
}

// get serves the GET form (RFC 6960 A.1): the DER request, base64, URL
// escaped, as the rest of the path. GET answers can be cached by proxies,
// which is the point of the form.
func (o *ocspResponder) get(w http.ResponseWriter, r *http.Request) {
	der, err := decodeOCSPPath(r.PathValue("req"))
	if err != nil {
		writeOCSP(w, ocsp.MalformedRequestErrorResponse)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	o.answer(w, r, der)
}

// decodeOCSPPath reads the request from a path. Some clients drop the
// padding; none legitimately send more than maxOCSPRequest.
func decodeOCSPPath(p string) ([]byte, error) {
	if len(p) > base64.StdEncoding.EncodedLen(maxOCSPRequest) {
		return nil, errors.New("request too long")
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(p, "="))
	}
	return der, err
}

func (o *ocspResponder) answer(w http.ResponseWriter, r *http.Request, der []byte) {
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		writeOCSP(w, ocsp.MalformedRequestErrorResponse)
		return
	}
	// A serial alone does not name a certificate: another CA may have
	// issued the same number. Only requests about our issuing CA are ours
	// to answer (RFC 6960 2.3: "unauthorized" otherwise).
	want, ok := o.issuerHashes[req.HashAlgorithm]
	if !ok || !bytes.Equal(req.IssuerNameHash, want[0]) || !bytes.Equal(req.IssuerKeyHash, want[1]) {
		writeOCSP(w, ocsp.UnauthorizedErrorResponse)
		return
	}
	resp, err := o.ra.OCSPResponse(r.Context(), req.SerialNumber)
	switch {
	case errors.Is(err, ra.ErrUnknownCertificate):
		writeOCSP(w, ocsp.UnauthorizedErrorResponse)
	case err != nil:
		o.s.log.LogAttrs(r.Context(), slog.LevelError, "OCSP response unavailable",
			slog.String("request_id", RequestID(r)), slog.String("serial", ra.SerialHex(req.SerialNumber)),
			slog.String("error", err.Error()))
		// RFC 6960 answers a failure inside OCSP, with HTTP 200: clients
		// read the OCSP status, not the HTTP one.
		w.Header().Set("Cache-Control", "no-store")
		writeOCSP(w, ocsp.InternalErrorErrorResponse)
	default:
		writeOCSP(w, resp)
	}
}

// ocspContentType is preallocated: the hot path sets it on every answer.
var ocspContentType = []string{"application/ocsp-response"}

func writeOCSP(w http.ResponseWriter, der []byte) {
	w.Header()["Content-Type"] = ocspContentType
	w.Write(der)
}

// keepOCSPPath protects OCSP GET requests from path cleaning. A base64
// request may hold "//", which ServeMux would collapse (and redirect to)
// before any handler runs, corrupting the request. RFC 5019 asks clients
// to URL-escape the request, which avoids it, but not all do; escaping
// the slashes for them keeps the request whole and the route the same.
func keepOCSPPath(next http.Handler) http.Handler {
	const prefix = ca.PathOCSP + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; strings.HasPrefix(p, prefix) && strings.Contains(p[len(prefix):], "//") {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.RawPath = prefix + url.PathEscape(p[len(prefix):])
			r2.URL = &u
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}
