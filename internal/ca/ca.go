package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Key labels and certificate files of the hierarchy.
const (
	LabelRoot       = "root"
	LabelIssuing    = "issuing-citizens"
	RootCertFile    = "root.crt"
	IssuingCertFile = "issuing.crt"
)

// The paths, under Options.BaseURL, that certificates point relying parties
// to. The web layer serves them: certificates and CRLs as DER
// (application/pkix-cert, application/pkix-crl), OCSP per RFC 6960.
const (
	PathRootCert    = "/ca/root.crt"
	PathIssuingCert = "/ca/issuing.crt"
	PathRootCRL     = "/crl/root.crl"
	PathCRL         = "/crl/citizens.crl"
	PathOCSP        = "/ocsp"
)

// DefaultPolicyOID is the certificate policy used when Options.PolicyOID is
// not set: under 2.999, the joint ISO/ITU-T arc for examples, the UUID
// 961667e5-e2c7-423b-93d0-d50067375357 (made once for llavero) written as
// eight 16-bit arcs. Fine for development; a real deployment sets its own
// (for example under its IANA private enterprise number).
//
// It is not the UUID arc 2.25.<uuid>: that puts a 128-bit number in one
// arc, which zlint's parser (see the tests), Go before 1.22 and other
// ASN.1 libraries that keep an arc in a machine integer cannot read, and
// they then reject the whole certificate.
const DefaultPolicyOID = "2.999.38422.26597.58055.16955.37840.54528.26423.21335"

// maxOIDArc keeps configured policy arcs readable by every relying party,
// for the reason above.
const maxOIDArc = 1<<31 - 1

// Lifetimes. The CA certificates start an hour before they are made so that
// a certificate issued right after the first start, with the RA's notBefore
// a little behind the CA's clock, still sits inside its issuer's validity.
const (
	rootYears      = 20
	issuingYears   = 10
	personYears    = 4
	operatorYears  = 2
	tlsServerYears = 1
	caBackdate     = time.Hour
)

// Options configures Open.
type Options struct {
	// Dir is where the CA certificates are kept as PEM: root.crt and
	// issuing.crt. The keys are in Keys, labelled "root" and
	// "issuing-citizens".
	Dir  string
	Keys KeyStore
	// RootAlg and IssuingAlg are used when the hierarchy is created (defaults
	// p384 and p256). When set, they must match an existing hierarchy.
	RootAlg, IssuingAlg KeyAlg
	// Organization and Country name the CA when the hierarchy is created,
	// e.g. "llavero (development)" and "ES" (the defaults are "llavero" and
	// "ES"). Afterwards the names in the CA certificates are used (in
	// operator certificates and as every subject's country) and these are
	// ignored: a CA certificate cannot be renamed.
	Organization string
	Country      string
	// BaseURL is the public URL of the service: certificates point to
	// BaseURL+PathCRL, BaseURL+PathOCSP, BaseURL+PathIssuingCert, and the
	// issuing CA to BaseURL+PathRootCRL and BaseURL+PathRootCert.
	BaseURL string
	// PolicyOID is the deployment's certificate policy for citizens;
	// operator and TLS server certificates get PolicyOID.2 and PolicyOID.3.
	// Empty means DefaultPolicyOID.
	PolicyOID asn1.ObjectIdentifier
	// Now is the CA's clock (default time.Now).
	Now func() time.Time
	// Rand is the source of serial numbers (default crypto/rand.Reader); it
	// must be safe for concurrent use. Signatures always use crypto/rand.
	Rand io.Reader
}

// CA signs certificates, CRLs and OCSP responses with a root CA and an
// issuing CA for citizens. It is safe for concurrent use.
type CA struct {
	organization, country string
	now                   func() time.Time
	rand                  io.Reader

	root, issuing       *x509.Certificate
	rootKey, issuingKey crypto.Signer

	personPolicy, operatorPolicy, tlsPolicy x509.OID
	// tokenPolicy is added beside personPolicy when an office vouches that
	// the key is on a cryptographic token (Person.Token).
	tokenPolicy x509.OID
	ocsp        *ocspSigner

	crlURL, ocspURL, issuerURL string
}

// Open loads the CA hierarchy from opt.Dir and opt.Keys, or creates it when
// neither certificates nor keys exist yet. A partial hierarchy (a
// certificate without its key, or a key without its certificate) is an
// error naming what is missing: replacing a CA silently would invalidate
// every certificate it has issued.
func Open(ctx context.Context, opt Options) (*CA, error) {
	explicitRootAlg, explicitIssuingAlg := opt.RootAlg != "", opt.IssuingAlg != ""
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &CA{
		organization: opt.Organization,
		country:      opt.Country,
		now:          opt.Now,
		rand:         opt.Rand,
		crlURL:       opt.BaseURL + PathCRL,
		ocspURL:      opt.BaseURL + PathOCSP,
		issuerURL:    opt.BaseURL + PathIssuingCert,
	}
	if c.personPolicy, c.operatorPolicy, c.tlsPolicy, err = policies(opt.PolicyOID); err != nil {
		return nil, err
	}
	c.tokenPolicy, _ = x509.ParseOID(c.personPolicy.String() + ".4")

	rootPath := filepath.Join(opt.Dir, RootCertFile)
	issuingPath := filepath.Join(opt.Dir, IssuingCertFile)
	rootPEM, err := readOptional(rootPath)
	if err != nil {
		return nil, err
	}
	issuingPEM, err := readOptional(issuingPath)
	if err != nil {
		return nil, err
	}
	h := hierarchy{rootPEM: rootPEM, issuingPEM: issuingPEM}
	if h.rootKey, err = loadOptional(ctx, opt.Keys, LabelRoot); err != nil {
		return nil, err
	}
	if h.issuingKey, err = loadOptional(ctx, opt.Keys, LabelIssuing); err != nil {
		return nil, err
	}

	var have, missing []string
	note := func(present bool, what string) {
		if present {
			have = append(have, what)
		} else {
			missing = append(missing, what)
		}
	}
	note(h.rootPEM != nil, rootPath)
	note(h.rootKey != nil, fmt.Sprintf("key %q", LabelRoot))
	note(h.issuingPEM != nil, issuingPath)
	note(h.issuingKey != nil, fmt.Sprintf("key %q", LabelIssuing))
	switch {
	case len(have) == 0:
		if h, err = create(ctx, opt, rootPath, issuingPath); err != nil {
			return nil, err
		}
	case len(missing) > 0:
		return nil, fmt.Errorf("ca: incomplete CA hierarchy: found %s; missing %s. "+
			"llavero never replaces a CA by itself: restore the missing pieces from a backup; "+
			"only if this is a first start that was interrupted, remove what was found and start again",
			strings.Join(have, ", "), strings.Join(missing, ", "))
	}

	if c.root, err = parseCertPEM(rootPath, h.rootPEM); err != nil {
		return nil, err
	}
	if c.issuing, err = parseCertPEM(issuingPath, h.issuingPEM); err != nil {
		return nil, err
	}
	c.rootKey, c.issuingKey = h.rootKey, h.issuingKey
	if err := c.checkHierarchy(rootPath, issuingPath); err != nil {
		return nil, err
	}
	if o := c.issuing.Subject.Organization; len(o) == 1 {
		c.organization = o[0]
	}
	if cc := c.issuing.Subject.Country; len(cc) == 1 {
		c.country = cc[0]
	}
	if c.ocsp, err = newOCSPSigner(c.issuing); err != nil {
		return nil, err
	}
	for _, want := range []struct {
		explicit bool
		alg      KeyAlg
		cert     *x509.Certificate
		path     string
	}{{explicitRootAlg, opt.RootAlg, c.root, rootPath}, {explicitIssuingAlg, opt.IssuingAlg, c.issuing, issuingPath}} {
		if got, _ := keyAlgOf(want.cert.PublicKey); want.explicit && got != want.alg {
			return nil, fmt.Errorf("ca: %s holds a %s key but the configuration asks for %s: the algorithm is chosen when the hierarchy is created", want.path, got, want.alg)
		}
	}
	return c, nil
}

func (opt Options) withDefaults() (Options, error) {
	if opt.Dir == "" {
		return opt, errors.New("ca: Options.Dir is empty: name the directory for the CA certificates")
	}
	if opt.Keys == nil {
		return opt, errors.New("ca: Options.Keys is nil: give a key store")
	}
	if opt.RootAlg == "" {
		opt.RootAlg = P384
	}
	if opt.IssuingAlg == "" {
		opt.IssuingAlg = P256
	}
	if err := opt.RootAlg.check(); err != nil {
		return opt, err
	}
	if err := opt.IssuingAlg.check(); err != nil {
		return opt, err
	}
	if opt.Organization == "" {
		opt.Organization = "llavero"
	}
	if opt.Country == "" {
		opt.Country = "ES"
	}
	if err := checkText("Organization", opt.Organization, ubOrganization); err != nil {
		return opt, fmt.Errorf("ca: options: %w", err)
	}
	// The longer of the two CA common names must fit in 64 characters.
	if err := checkText("issuing CA common name", issuingCommonName(opt.Organization), ubCommonName); err != nil {
		return opt, fmt.Errorf("ca: options: Organization is too long: %w", err)
	}
	if len(opt.Country) != 2 || strings.ToUpper(opt.Country) != opt.Country || checkPrintable("Country", opt.Country, 2) != nil {
		return opt, fmt.Errorf("ca: options: Country %q must be a two-letter upper-case ISO 3166 code such as ES", opt.Country)
	}
	u, err := url.Parse(opt.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return opt, fmt.Errorf("ca: options: BaseURL %q must be an absolute http(s) URL without query, such as https://llavero.example.es", opt.BaseURL)
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = rand.Reader
	}
	return opt, nil
}

func policies(base asn1.ObjectIdentifier) (person, operator, tls x509.OID, err error) {
	s := DefaultPolicyOID
	if len(base) > 0 {
		for _, arc := range base {
			if arc < 0 || arc > maxOIDArc {
				return person, operator, tls, fmt.Errorf("ca: options: PolicyOID %v has an arc wider than 31 bits, which some relying parties cannot parse", base)
			}
		}
		oid, err := x509.OIDFromASN1OID(base)
		if err != nil {
			return person, operator, tls, fmt.Errorf("ca: options: PolicyOID %v: %w", base, err)
		}
		s = oid.String()
	}
	if person, err = x509.ParseOID(s); err != nil {
		return person, operator, tls, fmt.Errorf("ca: options: PolicyOID %s: %w", s, err)
	}
	operator, _ = x509.ParseOID(s + ".2")
	tls, _ = x509.ParseOID(s + ".3")
	return person, operator, tls, nil
}

func rootCommonName(org string) string    { return org + " Root CA" }
func issuingCommonName(org string) string { return org + " Citizens CA" }

// readOptional reads a file, returning nil data (and no error) when it
// does not exist.
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	return b, nil
}

// loadOptional loads a key, returning nil (and no error) when the store
// does not have it. Any other failure, a wrong passphrase above all, stops
// Open: it must never look like a missing key.
func loadOptional(ctx context.Context, ks KeyStore, label string) (crypto.Signer, error) {
	k, err := ks.Load(ctx, label)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca: loading key %q: %w", label, err)
	}
	return k, nil
}

func parseCertPEM(path string, data []byte) (*x509.Certificate, error) {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("ca: %s must hold exactly one PEM CERTIFICATE", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ca: %s: %w", path, err)
	}
	return cert, nil
}

// checkHierarchy makes sure the files and keys belong together before the
// CA signs anything with them: a swapped file or key must stop the start,
// not produce certificates that fail to verify.
func (c *CA) checkHierarchy(rootPath, issuingPath string) error {
	if !c.root.IsCA || !bytes.Equal(c.root.RawIssuer, c.root.RawSubject) || c.root.CheckSignatureFrom(c.root) != nil {
		return fmt.Errorf("ca: %s is not a self-signed CA certificate", rootPath)
	}
	if !c.issuing.IsCA || c.issuing.CheckSignatureFrom(c.root) != nil {
		return fmt.Errorf("ca: %s is not a CA certificate signed by %s", issuingPath, rootPath)
	}
	const need = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	if c.issuing.KeyUsage&need != need || len(c.issuing.SubjectKeyId) == 0 {
		return fmt.Errorf("ca: %s lacks the key usages (certificate, CRL and OCSP signing) or the key identifier an issuing CA needs", issuingPath)
	}
	if !sameKey(c.rootKey.Public(), c.root.PublicKey) {
		return fmt.Errorf("ca: the key %q in the key store does not match %s", LabelRoot, rootPath)
	}
	if !sameKey(c.issuingKey.Public(), c.issuing.PublicKey) {
		return fmt.Errorf("ca: the key %q in the key store does not match %s", LabelIssuing, issuingPath)
	}
	return nil
}

// hierarchy is the CA's material as found on disk and in the key store.
type hierarchy struct {
	rootPEM, issuingPEM []byte
	rootKey, issuingKey crypto.Signer
}

// create makes both keys and both certificates. Keys come first: if the
// process dies between the two steps, the next start finds keys without
// certificates and says so rather than making a second hierarchy.
func create(ctx context.Context, opt Options, rootPath, issuingPath string) (h hierarchy, err error) {
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return h, fmt.Errorf("ca: %w", err)
	}
	if h.rootKey, err = opt.Keys.Generate(ctx, LabelRoot, opt.RootAlg); err != nil {
		return h, fmt.Errorf("ca: generating the root key: %w", err)
	}
	if h.issuingKey, err = opt.Keys.Generate(ctx, LabelIssuing, opt.IssuingAlg); err != nil {
		return h, fmt.Errorf("ca: generating the issuing key: %w", err)
	}
	caName := func(cn string) []byte {
		// Cannot fail: the strings were checked by withDefaults.
		der, _ := encodeName(
			attr{oid: oidCountry, value: opt.Country, printable: true},
			attr{oid: oidOrganization, value: opt.Organization},
			attr{oid: oidCommonName, value: cn})
		return der
	}
	notBefore := opt.Now().Add(-caBackdate).Truncate(time.Second)

	rootTmpl := &x509.Certificate{
		RawSubject:            caName(rootCommonName(opt.Organization)),
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(rootYears, 0, 0).Add(-time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// The hierarchy has two tiers by design; the path length makes any
		// deeper chain under this root invalid, whoever signed it.
		MaxPathLen: 1,
	}
	rootDER, err := signCA(opt, rootTmpl, rootTmpl, h.rootKey.Public(), h.rootKey)
	if err != nil {
		return h, fmt.Errorf("ca: signing the root certificate: %w", err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return h, err
	}

	issuingTmpl := &x509.Certificate{
		RawSubject:            caName(issuingCommonName(opt.Organization)),
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(issuingYears, 0, 0).Add(-time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		// anyPolicy: the issuing CA vouches for whichever policy OIDs the
		// deployment configures, now or later, without being reissued.
		Policies:              []x509.OID{mustOID(2, 5, 29, 32, 0)},
		CRLDistributionPoints: []string{opt.BaseURL + PathRootCRL},
		IssuingCertificateURL: []string{opt.BaseURL + PathRootCert},
	}
	issuingDER, err := signCA(opt, issuingTmpl, root, h.issuingKey.Public(), h.rootKey)
	if err != nil {
		return h, fmt.Errorf("ca: signing the issuing certificate: %w", err)
	}

	h.rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})
	h.issuingPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: issuingDER})
	if err := writeNew(rootPath, h.rootPEM, 0o644); err != nil {
		return h, fmt.Errorf("ca: %w", err)
	}
	if err := writeNew(issuingPath, h.issuingPEM, 0o644); err != nil {
		return h, fmt.Errorf("ca: %w", err)
	}
	return h, nil
}

func signCA(opt Options, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) ([]byte, error) {
	var err error
	if tmpl.SerialNumber, err = newSerial(opt.Rand); err != nil {
		return nil, err
	}
	if tmpl.SubjectKeyId, err = subjectKeyID(pub); err != nil {
		return nil, err
	}
	return x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
}

func mustOID(arcs ...uint64) x509.OID {
	oid, err := x509.OIDFromInts(arcs)
	if err != nil {
		panic(err)
	}
	return oid
}

// Root returns the root CA certificate. Callers must not modify it.
func (c *CA) Root() *x509.Certificate { return c.root }

// Issuing returns the issuing CA certificate. Callers must not modify it.
func (c *CA) Issuing() *x509.Certificate { return c.issuing }

// Chain returns the issuing and root certificates, in the order a
// certificate's chain is sent (leaf first, then these).
func (c *CA) Chain() []*x509.Certificate { return []*x509.Certificate{c.issuing, c.root} }

// PersonPolicy is the certificate policy of citizens' certificates.
func (c *CA) PersonPolicy() x509.OID { return c.personPolicy }

// TokenPolicy marks a citizen's certificate whose key an office saw on a
// cryptographic token (PersonPolicy.4). It is what lets a certificate login
// reach the high level of assurance: the key cannot be copied off the
// token, which is the difference eIDAS draws between substantial and high.
func (c *CA) TokenPolicy() x509.OID { return c.tokenPolicy }

// OperatorPolicy is the certificate policy of registration-office operators'
// certificates: the RA tells an operator from a citizen by it.
func (c *CA) OperatorPolicy() x509.OID { return c.operatorPolicy }

// TLSServerPolicy is the certificate policy of TLS server certificates.
func (c *CA) TLSServerPolicy() x509.OID { return c.tlsPolicy }
