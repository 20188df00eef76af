// Package signing holds what every signature format of llavero shares: the
// credential a signature is made with (a citizen's key and certificate, from
// a .p12 file or a key the platform holds), the levels (B, T), the format
// names, and the client of an RFC 3161 timestamp authority.
//
// The formats live in their own packages (signing/cades, signing/pades,
// signing/xades); validation in signing/validate. They all take a
// Credential and, at level T, a Timestamper.
package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/llavero/llavero/internal/i18n"
)

// Credential is what a signature is made with.
type Credential struct {
	// Signer holds the private key: in memory from a .p12, or in a PKCS#11
	// token for remote signing.
	Signer crypto.Signer
	// Certificate is the signer's certificate; its public key is Signer's.
	Certificate *x509.Certificate
	// Chain is the issuing CA certificates, nearest first; the root may be
	// left out. Signatures carry them so that a validator without network
	// access can build the path.
	Chain []*x509.Certificate
}

// Level is how much a signature proves about its time.
type Level string

const (
	// LevelB (basic): the signature and the signing certificate, with the
	// signing time the signer claims.
	LevelB Level = "B"
	// LevelT adds a timestamp token over the signature from a trusted
	// timestamp authority: proof that the signature existed at that time.
	LevelT Level = "T"
)

// Format names, as the CLI and the API spell them.
const (
	CAdES = "cades"
	PAdES = "pades"
	XAdES = "xades"
)

// The errors a person can meet with their credential.
var (
	ErrWrongPassphrase = i18n.New("signing.p12_passphrase",
		i18n.T("La contraseña no abre este archivo .p12.", "The passphrase does not open this .p12 file."),
		i18n.T("Escribe la contraseña que elegiste al descargar o exportar el certificado. Si no la recuerdas, no hay forma de recuperarla: revoca el certificado y pide uno nuevo.",
			"Type the passphrase you chose when you downloaded or exported the certificate. If you have forgotten it, it cannot be recovered: revoke the certificate and ask for a new one."))
	ErrNotP12 = i18n.New("signing.not_p12",
		i18n.T("Este archivo no es un certificado .p12 (PKCS#12) que se pueda leer.", "This file is not a readable .p12 (PKCS#12) certificate."),
		i18n.T("Usa la copia de seguridad .p12 que guardaste al descargar el certificado, o expórtala de nuevo desde tu navegador con su clave privada.",
			"Use the .p12 backup you saved when you downloaded the certificate, or export it again from your browser together with its private key."))
	ErrKeyMismatch = i18n.New("signing.key_mismatch",
		i18n.T("La clave privada del archivo no corresponde a su certificado.", "The private key in the file does not match its certificate."),
		i18n.T("El archivo está dañado o mezcla dos certificados. Exporta de nuevo el certificado con su clave desde donde lo tengas instalado.",
			"The file is damaged or mixes two certificates. Export the certificate with its key again from where it is installed."))
	ErrCertNotValidYet = i18n.New("signing.cert_not_yet_valid",
		i18n.T("El certificado todavía no es válido.", "The certificate is not valid yet."),
		i18n.T("Comprueba la fecha y la hora de tu ordenador.", "Check your computer's date and time."))
	ErrCertExpired = i18n.New("signing.cert_expired",
		i18n.T("El certificado ha caducado: una firma hecha con él no sería válida.", "The certificate has expired: a signature made with it would not be valid."),
		i18n.T("Pide un certificado nuevo (una caducada ya no se puede renovar por internet) y firma con él.",
			"Apply for a new certificate (an expired one can no longer be renewed online) and sign with it."))
	ErrCertNoSigning = i18n.New("signing.cert_cannot_sign",
		i18n.T("Este certificado no sirve para firmar documentos.", "This certificate cannot be used to sign documents."),
		i18n.T("Usa tu certificado personal de ciudadano, no uno de servidor o de operador.",
			"Use your personal citizen certificate, not a server or operator one."))
	ErrUnknownLevel = i18n.New("signing.level",
		i18n.T("Nivel de firma desconocido.", "Unknown signature level."),
		i18n.T("Usa B (básica) o T (con sello de tiempo).", "Use B (basic) or T (with a timestamp)."))
)

// FromPKCS12 reads a credential from a .p12 file's bytes.
func FromPKCS12(data []byte, passphrase string) (Credential, error) {
	key, cert, chain, err := pkcs12.DecodeChain(data, passphrase)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return Credential{}, ErrWrongPassphrase
	case err != nil:
		return Credential{}, ErrNotP12.Wrap(err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return Credential{}, ErrNotP12.Wrap(fmt.Errorf("key of type %T cannot sign", key))
	}
	if !samePublicKey(signer.Public(), cert.PublicKey) {
		return Credential{}, ErrKeyMismatch
	}
	return Credential{Signer: signer, Certificate: cert, Chain: chain}, nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch k := a.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return k.(equaler).Equal(b)
	case equaler:
		return k.Equal(b)
	}
	return false
}

// Check refuses a credential that cannot make a valid signature at now:
// outside its validity, or a certificate without the digitalSignature or
// nonRepudiation key usage.
func (c Credential) Check(now time.Time) error {
	if c.Signer == nil || c.Certificate == nil {
		return errors.New("signing: credential without key or certificate")
	}
	if now.Before(c.Certificate.NotBefore) {
		return ErrCertNotValidYet
	}
	if now.After(c.Certificate.NotAfter) {
		return ErrCertExpired
	}
	if !canSignContent(c.Certificate) {
		return ErrCertNoSigning
	}
	return nil
}

// canSignContent reports whether a certificate is meant for signing
// documents: nonRepudiation (contentCommitment), or digitalSignature with
// no extended key usage narrowing it to something else (an operator's
// certificate is for client authentication only).
func canSignContent(c *x509.Certificate) bool {
	if c.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		return true
	}
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return false
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
			return true
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidDocumentSigning) {
			return true
		}
	}
	return false
}

// oidDocumentSigning is id-kp-documentSigning (RFC 9336).
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// ParseLevel reads "B" or "T" (either case; "" is B).
func ParseLevel(s string) (Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "B":
		return LevelB, nil
	case "T":
		return LevelT, nil
	}
	return "", ErrUnknownLevel
}

// Hash is the digest every llavero signature uses unless told otherwise.
const Hash = crypto.SHA256
