package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"time"
)

// oidDocumentSigning is id-kp-documentSigning, RFC 9336.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// RemoteSigningPolicy is the certificate policy of the certificates issued
// for remote signing (PersonPolicy.7): keys llavero holds for a citizen in
// its own key store, used only when the citizen approves a signature with
// a one-time code. A relying party tells them from a certificate the
// citizen holds by this policy.
func (c *CA) RemoteSigningPolicy() x509.OID {
	oid, _ := x509.ParseOID(c.personPolicy.String() + ".7")
	return oid
}

// IssueRemoteSigning signs the certificate of a citizen's remote-signing
// key: the natural-person subject of IssuePerson (C, serialNumber
// IDCES-<ID>, givenName, surname, CN), key usage digitalSignature and
// nonRepudiation only, the one extended key usage documentSigning (RFC
// 9336), and RemoteSigningPolicy instead of the person policy. Without
// clientAuth it can never log anyone in, which matters because the
// platform, not the person, holds the key; without emailProtection it is
// not an S/MIME certificate either. It is valid for 4 years from notBefore, like
// IssuePerson's. p.Email and p.Token are ignored.
func (c *CA) IssueRemoteSigning(ctx context.Context, pub crypto.PublicKey, p Person, notBefore time.Time) (*x509.Certificate, error) {
	p.Email, p.Token = "", false
	if err := p.check(); err != nil {
		return nil, refused(err)
	}
	subject, err := encodeName(
		attr{oid: oidCountry, value: c.country, printable: true},
		attr{oid: oidSerialNumber, value: "IDCES-" + p.ID, printable: true},
		attr{oid: oidGivenName, value: p.GivenName},
		attr{oid: oidSurname, value: p.surnames()},
		attr{oid: oidCommonName, value: p.commonName()})
	if err != nil {
		return nil, err
	}
	notBefore = notBefore.Truncate(time.Second)
	tmpl := &x509.Certificate{
		RawSubject: subject,
		NotBefore:  notBefore,
		NotAfter:   notBefore.AddDate(personYears, 0, 0).Add(-time.Second),
		KeyUsage:   x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		// id-kp-documentSigning (RFC 9336) only. No extended key usage
		// at all would mean "any purpose", TLS included.
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{oidDocumentSigning},
		Policies:           []x509.OID{c.RemoteSigningPolicy()},
	}
	return c.issue(ctx, tmpl, pub)
}
