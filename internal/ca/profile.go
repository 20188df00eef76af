package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Person is who a citizen's certificate names. The RA has already checked
// it against the population registry; the CA only checks that it makes a
// well-formed certificate.
type Person struct {
	// ID is the canonical DNI or NIE, e.g. "12345678Z" or "X1234567L".
	ID string
	// The names as the registry spells them, in Unicode NFC.
	GivenName, FirstSurname, SecondSurname string
	// Email, when not empty, goes in the certificate as an rfc822Name; it
	// must be plain ASCII (no internationalised mailboxes).
	Email string
	// Token says an office saw the key generated on, and kept in, a
	// cryptographic token; the certificate then also carries TokenPolicy.
	Token bool
}

func (p Person) check() error {
	if len(p.ID) != 9 {
		return fmt.Errorf("ID %q is not a canonical DNI or NIE (9 characters)", p.ID)
	}
	for _, r := range p.ID {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("ID %q is not a canonical DNI or NIE (digits and upper-case letters)", p.ID)
		}
	}
	if err := checkText("given name", p.GivenName, ubName); err != nil {
		return err
	}
	if err := checkText("first surname", p.FirstSurname, ubName); err != nil {
		return err
	}
	if p.SecondSurname != "" {
		if err := checkText("second surname", p.SecondSurname, ubName); err != nil {
			return err
		}
	}
	if err := checkText("surnames", p.surnames(), ubName); err != nil {
		return err
	}
	if p.Email != "" {
		if err := checkEmail(p.Email); err != nil {
			return err
		}
	}
	return nil
}

func (p Person) surnames() string {
	if p.SecondSurname == "" {
		return p.FirstSurname
	}
	return p.FirstSurname + " " + p.SecondSurname
}

// commonName is "<SURNAMES> <GIVEN NAME> - <ID>" in upper case, as the FNMT
// writes it. A name too long for the 64 characters a common name may hold
// is cut, never the " - ID" tail: relying parties read the identifier from
// it, and the full names are in the surname and givenName attributes.
func (p Person) commonName() string {
	tail := " - " + p.ID
	names := strings.ToUpper(p.surnames() + " " + p.GivenName)
	return truncateRunes(names, ubCommonName-len(tail)) + tail
}

func checkEmail(email string) error {
	for _, r := range email {
		if r > 0x7e {
			return fmt.Errorf("email %q must be ASCII: an rfc822Name is an IA5String, internationalised addresses are not supported", email)
		}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email || len(email) > 254 {
		return fmt.Errorf("email %q is not a plain address like name@example.es", email)
	}
	return nil
}

// IssuePerson signs a citizen's certificate for pub under the natural-person
// profile of ETSI EN 319 412-2: subject C, serialNumber IDCES-<ID>,
// givenName, surname, CN; key usage digitalSignature and nonRepudiation
// (and keyEncipherment for RSA keys); extended key usage clientAuth and
// emailProtection; the person policy; CRL distribution point, OCSP and CA
// issuers. It is valid for 4 years from notBefore.
func (c *CA) IssuePerson(ctx context.Context, pub crypto.PublicKey, p Person, notBefore time.Time) (*x509.Certificate, error) {
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
		RawSubject:  subject,
		NotBefore:   notBefore,
		NotAfter:    notBefore.AddDate(personYears, 0, 0).Add(-time.Second),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection},
		Policies:    []x509.OID{c.personPolicy},
	}
	if p.Token {
		tmpl.Policies = append(tmpl.Policies, c.tokenPolicy)
	}
	if _, ok := pub.(*rsa.PublicKey); ok {
		// RSA keys can also receive encrypted mail (S/MIME key transport).
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if p.Email != "" {
		tmpl.EmailAddresses = []string{p.Email}
	}
	return c.issue(ctx, tmpl, pub)
}

// IssueOperator signs a registration-office operator's certificate: client
// authentication only, 2 years, subject C, O=<Organization>, OU=<officeID>,
// serialNumber=<operatorID>, CN=<name>, and the operator policy, so that the
// RA can never mistake it for a citizen's certificate.
func (c *CA) IssueOperator(ctx context.Context, pub crypto.PublicKey, name, officeID, operatorID string, notBefore time.Time) (*x509.Certificate, error) {
	if err := checkText("operator name", name, ubCommonName); err != nil {
		return nil, refused(err)
	}
	if err := checkText("office", officeID, ubOrgUnit); err != nil {
		return nil, refused(err)
	}
	if err := checkPrintable("operator ID", operatorID, ubSerialNumber); err != nil {
		return nil, refused(err)
	}
	subject, err := encodeName(
		attr{oid: oidCountry, value: c.country, printable: true},
		attr{oid: oidOrganization, value: c.organization},
		attr{oid: oidOrgUnit, value: officeID},
		attr{oid: oidSerialNumber, value: operatorID, printable: true},
		attr{oid: oidCommonName, value: name})
	if err != nil {
		return nil, err
	}
	notBefore = notBefore.Truncate(time.Second)
	tmpl := &x509.Certificate{
		RawSubject:  subject,
		NotBefore:   notBefore,
		NotAfter:    notBefore.AddDate(operatorYears, 0, 0).Add(-time.Second),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Policies:    []x509.OID{c.operatorPolicy},
	}
	return c.issue(ctx, tmpl, pub)
}

// IssueTLSServer signs a TLS server certificate for hosts (DNS names in
// lower case, or IP addresses) for 1 year: the certificate-login origin's.
// Its subject is empty; the hosts are in the subject alternative name.
func (c *CA) IssueTLSServer(ctx context.Context, pub crypto.PublicKey, hosts []string, notBefore time.Time) (*x509.Certificate, error) {
	if len(hosts) == 0 || len(hosts) > 100 {
		return nil, refuse("a TLS server certificate needs 1 to 100 host names, not %d", len(hosts))
	}
	notBefore = notBefore.Truncate(time.Second)
	tmpl := &x509.Certificate{
		NotBefore:   notBefore,
		NotAfter:    notBefore.AddDate(tlsServerYears, 0, 0).Add(-time.Second),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		Policies:    []x509.OID{c.tlsPolicy},
	}
	seen := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		if seen[h] {
			return nil, refuse("host %q is listed twice", h)
		}
		seen[h] = true
		if ip, err := netip.ParseAddr(h); err == nil {
			if ip.Zone() != "" || ip.String() != h {
				return nil, refuse("IP address %q is not in canonical form (%s)", h, ip)
			}
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.AsSlice())
			continue
		}
		if err := checkDNSName(h); err != nil {
			return nil, err
		}
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	// No subject at all: clients match the subject alternative names, which
	// an empty subject makes critical, and the CA/Browser Forum rules
	// advise against a common name.
	if _, ok := pub.(*rsa.PublicKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	return c.issue(ctx, tmpl, pub)
}

// checkDNSName accepts lower-case LDH host names, "localhost" included; no
// wildcards, no trailing dot.
func checkDNSName(h string) error {
	if len(h) > 253 {
		return refuse("host name %q is longer than 253 characters", h)
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return refuse("host name %q is not a valid DNS name", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return refuse("host name %q may hold only lower-case a-z, 0-9, '-' and dots", h)
			}
		}
	}
	// An all-digit last label makes something like 0127.0.0.1, which some
	// resolvers read as an IP address.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return refuse("host name %q ends in a number: give an IP address in canonical form instead", h)
	}
	return nil
}

// issue is the one place that signs end-entity certificates: every profile
// ends here, so every certificate passes the same last checks.
func (c *CA) issue(ctx context.Context, tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	// A CA key certified under another name would make everything the CA
	// signs read as that subject's signatures too: one key, two identities.
	if sameKey(pub, c.issuing.PublicKey) || sameKey(pub, c.root.PublicKey) {
		return nil, refuse("the public key is one of the CA's own keys")
	}
	if err := checkValidity(tmpl.NotBefore, tmpl.NotAfter, c.now(), c.issuing); err != nil {
		return nil, err
	}
	var err error
	if tmpl.SerialNumber, err = newSerial(c.rand); err != nil {
		return nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(pub); err != nil {
		return nil, refuse("cannot encode the public key: %v", err)
	}
	tmpl.CRLDistributionPoints = []string{c.crlURL}
	tmpl.OCSPServer = []string{c.ocspURL}
	tmpl.IssuingCertificateURL = []string{c.issuerURL}
	// CreateCertificate checks the signature against the issuer's public key
	// before returning, which catches a faulty signer (a token's fault can
	// otherwise leak an RSA key).
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.issuing, pub, c.issuingKey)
	if err != nil {
		return nil, fmt.Errorf("ca: signing: %w", err)
	}
	return x509.ParseCertificate(der)
}

// tsaYears is the TSA certificate's lifetime; issue caps it at the issuing
// CA's.
const tsaYears = 6

// oidTimeStamping is id-kp-timeStamping (RFC 3161 2.3).
var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// IssueTSA signs the timestamp authority's certificate (RFC 3161 2.3, ETSI
// EN 319 422): subject C, O, CN "<Organization> TSA"; key usage
// digitalSignature and nonRepudiation; extended key usage timeStamping
// only, and critical, so that no verifier takes the key for anything else;
// the TSA policy. It is valid for 6 years from notBefore, or until the
// issuing CA expires if that comes first: tokens must stay verifiable for
// as long as the certificate says.
func (c *CA) IssueTSA(ctx context.Context, pub crypto.PublicKey, notBefore time.Time) (*x509.Certificate, error) {
	subject, err := encodeName(
		attr{oid: oidCountry, value: c.country, printable: true},
		attr{oid: oidOrganization, value: c.organization},
		attr{oid: oidCommonName, value: c.organization + " TSA"})
	if err != nil {
		return nil, err
	}
	// x509.CreateCertificate always marks extKeyUsage non-critical; RFC
	// 3161 asks for it critical, so the extension is written here.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, err
	}
	notBefore = notBefore.Truncate(time.Second)
	notAfter := notBefore.AddDate(tsaYears, 0, 0).Add(-time.Second)
	if notAfter.After(c.issuing.NotAfter) {
		notAfter = c.issuing.NotAfter
	}
	tmpl := &x509.Certificate{
		RawSubject:      subject,
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
		Policies:        []x509.OID{c.TSAPolicy()},
	}
	return c.issue(ctx, tmpl, pub)
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// TSAPolicy is the certificate policy of the TSA's certificate: the
// deployment's policy .5.
func (c *CA) TSAPolicy() x509.OID {
	oid, _ := x509.ParseOID(c.personPolicy.String() + ".5")
	return oid
}

// TimestampPolicy is the policy the TSA names in every token (TSTInfo
// policy): the deployment's policy .6. It is the TSA's practice, which a
// relying party may ask for in a request.
func (c *CA) TimestampPolicy() asn1.ObjectIdentifier {
	// Every arc fits an int: policies() keeps them within 31 bits.
	var out asn1.ObjectIdentifier
	for _, arc := range strings.Split(c.personPolicy.String()+".6", ".") {
		n, _ := strconv.Atoi(arc)
		out = append(out, n)
	}
	return out
}
