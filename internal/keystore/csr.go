package keystore

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/llavero/llavero/internal/identity"
)

var oidSurname = asn1.ObjectIdentifier{2, 5, 4, 4}

// CreateCSR returns a PEM certificate request for key, naming the applicant
// as the natural-person profile will (serialNumber=IDCES-<id>, CN=<id>,
// surname) with the email address as an rfc822Name. The server takes the
// identity for the certificate from its registry, not from here; the request
// carries the public key and proves, by its signature, that the applicant
// holds the private half.
//
// The signature is ECDSA with SHA-256 for P-256 keys and PKCS#1 v1.5 with
// SHA-256 for RSA keys: that is what every CA and every CSR parser accepts.
// (The download proof uses RSA-PSS, which only llavero has to verify.)
func CreateCSR(key crypto.Signer, id, surname, email string) ([]byte, error) {
	if key == nil {
		return nil, errors.New("keystore: CreateCSR needs a key")
	}
	t, err := TypeOf(key.Public())
	if err != nil {
		return nil, err
	}
	pid, err := identity.ParseID(id)
	if err != nil {
		return nil, err
	}
	// Checked first because NormalizeName's own "empty" error does not say
	// which name is missing.
	if strings.TrimSpace(surname) == "" {
		return nil, identity.ErrSurnameEmpty.Wrap(nil)
	}
	sn, err := identity.NormalizeName(surname)
	if err != nil {
		return nil, err
	}
	addr, err := parseEmail(email)
	if err != nil {
		return nil, err
	}
	alg := x509.ECDSAWithSHA256
	if t != P256 {
		alg = x509.SHA256WithRSA
	}
	tmpl := &x509.CertificateRequest{
		SignatureAlgorithm: alg,
		Subject: pkix.Name{
			SerialNumber: "IDCES-" + pid.Value,
			CommonName:   pid.Value,
			ExtraNames:   []pkix.AttributeTypeAndValue{{Type: oidSurname, Value: sn}},
		},
		EmailAddresses: []string{addr},
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// parseEmail accepts a bare address only: "Ana <ana@example.org>" would
// parse, but the server matches the address as typed.
func parseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", ErrEmail.Wrap(err)
	}
	if a.Address != s || a.Name != "" {
		return "", ErrEmail.Wrap(fmt.Errorf("%q is not a bare address", s))
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !strings.Contains(s[at+1:], ".") || strings.ContainsAny(s, " \"()<>[]\\,;:") {
		return "", ErrEmail.Wrap(fmt.Errorf("%q has no usable domain", s))
	}
	return s, nil
}
