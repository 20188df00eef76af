package ca_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

// nameAttr is one attribute of an encoded name, with its ASN.1 string type.
type nameAttr struct {
	OID   string
	Type  string
	Value string
}

func (a nameAttr) String() string { return fmt.Sprintf("%s=%s(%q)", a.OID, a.Type, a.Value) }

// decodeName reads a DER name attribute by attribute, keeping the string
// types that x509.Certificate.Subject hides.
func decodeName(t *testing.T, der []byte) []nameAttr {
	t.Helper()
	var rdns []asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		t.Fatalf("name: %v", err)
	}
	var attrs []nameAttr
	for _, rdn := range rdns {
		var set []struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		if _, err := asn1.UnmarshalWithParams(rdn.FullBytes, &set, "set"); err != nil {
			t.Fatalf("RDN: %v", err)
		}
		if len(set) != 1 {
			t.Fatalf("RDN with %d attributes", len(set))
		}
		typ := map[int]string{asn1.TagUTF8String: "UTF8", asn1.TagPrintableString: "Printable"}[set[0].Value.Tag]
		if typ == "" {
			typ = fmt.Sprintf("tag%d", set[0].Value.Tag)
		}
		attrs = append(attrs, nameAttr{set[0].Type.String(), typ, string(set[0].Value.Bytes)})
	}
	return attrs
}

const (
	oidC    = "2.5.4.6"
	oidSN   = "2.5.4.5"
	oidG    = "2.5.4.42"
	oidSurn = "2.5.4.4"
	oidCN   = "2.5.4.3"
	oidO    = "2.5.4.10"
	oidOU   = "2.5.4.11"
)

// checkCommon checks what every end-entity certificate of c carries.
func checkCommon(t *testing.T, c *ca.CA, cert *x509.Certificate, notBefore time.Time, years int) {
	t.Helper()
	checks := []check{
		{"version", cert.Version, 3},
		{"not a CA", cert.IsCA || cert.BasicConstraintsValid, false},
		{"issuer", cert.Issuer.String(), c.Issuing().Subject.String()},
		{"not before", cert.NotBefore, notBefore.UTC().Truncate(time.Second)},
		{"not after", cert.NotAfter, notBefore.UTC().Truncate(time.Second).AddDate(years, 0, 0).Add(-time.Second)},
		{"serial positive", cert.SerialNumber.Sign(), 1},
		{"serial ≤ 128 bits", cert.SerialNumber.BitLen() <= 128, true},
		{"serial ≥ 96 bits (random, not small)", cert.SerialNumber.BitLen() >= 96, true},
		{"SKI", len(cert.SubjectKeyId), 20},
		{"AKI", cert.AuthorityKeyId, c.Issuing().SubjectKeyId},
		{"CRL DP", cert.CRLDistributionPoints, []string{testBaseURL + "/crl/citizens.crl"}},
		{"OCSP", cert.OCSPServer, []string{testBaseURL + "/ocsp"}},
		{"CA issuers", cert.IssuingCertificateURL, []string{testBaseURL + "/ca/issuing.crt"}},
	}
	runChecks(t, checks)
	if err := cert.CheckSignatureFrom(c.Issuing()); err != nil {
		t.Errorf("signature: %v", err)
	}
	if len(cert.UnhandledCriticalExtensions) > 0 {
		t.Errorf("unhandled critical extensions %v", cert.UnhandledCriticalExtensions)
	}
}

func TestIssuePersonProfile(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	tests := []struct {
		name    string
		person  ca.Person
		key     ca.KeyAlg
		surname string
		cn      string
		ku      x509.KeyUsage
	}{
		{
			name:    "two ASCII surnames, email",
			person:  ca.Person{ID: "12345678Z", GivenName: "JUAN", FirstSurname: "GARCIA", SecondSurname: "LOPEZ", Email: "juan.garcia@example.es"},
			key:     ca.P256,
			surname: "GARCIA LOPEZ",
			cn:      "GARCIA LOPEZ JUAN - 12345678Z",
			ku:      x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		},
		{
			name:    "accents and ñ, as the registry spells them",
			person:  ca.Person{ID: "X1234567L", GivenName: "José María", FirstSurname: "Muñoz", SecondSurname: "Ibáñez"},
			key:     ca.P384,
			surname: "Muñoz Ibáñez",
			cn:      "MUÑOZ IBÁÑEZ JOSÉ MARÍA - X1234567L",
			ku:      x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		},
		{
			name:    "one surname, RSA key adds keyEncipherment",
			person:  ca.Person{ID: "Y7654321G", GivenName: "Olena", FirstSurname: "Kovalenko"},
			key:     ca.RSA2048,
			surname: "Kovalenko",
			cn:      "KOVALENKO OLENA - Y7654321G",
			ku:      x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment,
		},
		{
			name:    "key on a token adds the token policy",
			person:  ca.Person{ID: "12345678Z", GivenName: "JUAN", FirstSurname: "GARCIA", Token: true},
			key:     ca.P256,
			surname: "GARCIA",
			cn:      "GARCIA JUAN - 12345678Z",
			ku:      x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		},
		{
			name:    "long names cut in the CN, never the ID",
			person:  ca.Person{ID: "00000023T", GivenName: "María de los Ángeles Inmaculada", FirstSurname: "Fernández de Córdoba", SecondSurname: "Álvarez de Toledo"},
			key:     ca.P256,
			surname: "Fernández de Córdoba Álvarez de Toledo",
			cn:      "FERNÁNDEZ DE CÓRDOBA ÁLVAREZ DE TOLEDO MARÍA DE LOS - 00000023T",
			ku:      x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cert, err := c.IssuePerson(context.Background(), clientKey(t, tc.key).Public(), tc.person, now)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, c, cert, now, 4)
			wantSubject := []nameAttr{
				{oidC, "Printable", "ES"},
				{oidSN, "Printable", "IDCES-" + tc.person.ID},
				{oidG, "UTF8", tc.person.GivenName},
				{oidSurn, "UTF8", tc.surname},
				{oidCN, "UTF8", tc.cn},
			}
			if got := decodeName(t, cert.RawSubject); !reflect.DeepEqual(got, wantSubject) {
				t.Errorf("subject:\n got %v\nwant %v", got, wantSubject)
			}
			if n := utf8.RuneCountInString(tc.cn); n > 64 {
				t.Fatalf("test expects a CN of %d characters", n)
			}
			var wantEmail []string
			if tc.person.Email != "" {
				wantEmail = []string{tc.person.Email}
			}
			wantPolicies := []string{c.PersonPolicy().String()}
			if tc.person.Token {
				wantPolicies = append(wantPolicies, c.TokenPolicy().String())
			}
			checks := []check{
				{"key usage", cert.KeyUsage, tc.ku},
				{"extended key usage", cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}},
				{"policies", oidStrings(cert.Policies), wantPolicies},
				{"email", cert.EmailAddresses, wantEmail},
				{"no DNS names", len(cert.DNSNames) + len(cert.IPAddresses) + len(cert.URIs), 0},
				{"public key", samePub(cert.PublicKey, clientKey(t, tc.key).Public()), true},
			}
			runChecks(t, checks)
			verify(t, c, cert, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}})
		})
	}
}

func TestIssuePersonSerialsAreRandom(t *testing.T) {
	c := catest.New(t)
	seen := map[string]bool{}
	for range 50 {
		cert, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		s := cert.SerialNumber.String()
		if seen[s] {
			t.Fatalf("serial %s issued twice", s)
		}
		seen[s] = true
	}
}

func TestIssueOperatorProfile(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	cert, err := c.IssueOperator(context.Background(), clientKey(t, ca.P256).Public(), "Ana Núñez", "Oficina Madrid-Centro", "4f1c2b0e9d8a7c6b5a49382716051f2e", now)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, c, cert, now, 2)
	wantSubject := []nameAttr{
		{oidC, "Printable", "ES"},
		{oidO, "UTF8", "llavero (test)"},
		{oidOU, "UTF8", "Oficina Madrid-Centro"},
		{oidSN, "Printable", "4f1c2b0e9d8a7c6b5a49382716051f2e"},
		{oidCN, "UTF8", "Ana Núñez"},
	}
	if got := decodeName(t, cert.RawSubject); !reflect.DeepEqual(got, wantSubject) {
		t.Errorf("subject:\n got %v\nwant %v", got, wantSubject)
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("key usage %v", cert.KeyUsage)
	}
	if !reflect.DeepEqual(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("extended key usage %v", cert.ExtKeyUsage)
	}
	if got := oidStrings(cert.Policies); !reflect.DeepEqual(got, []string{c.OperatorPolicy().String()}) {
		t.Errorf("policies %v, want the operator policy", got)
	}
	verify(t, c, cert, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err := verifyErr(c, cert, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err == nil {
		t.Error("an operator certificate verified for email protection")
	}
}

func TestIssueTLSServerProfile(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	for _, alg := range []ca.KeyAlg{ca.P256, ca.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			cert, err := c.IssueTLSServer(context.Background(), clientKey(t, alg).Public(), []string{"login.llavero.es", "127.0.0.1", "::1", "localhost"}, now)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, c, cert, now, 1)
			if got := decodeName(t, cert.RawSubject); len(got) != 0 {
				t.Errorf("subject %v, want empty", got)
			}
			wantKU := x509.KeyUsageDigitalSignature
			if alg == ca.RSA2048 {
				wantKU |= x509.KeyUsageKeyEncipherment
			}
			checks := []check{
				{"DNS names", cert.DNSNames, []string{"login.llavero.es", "localhost"}},
				{"IPs", fmt.Sprint(cert.IPAddresses), fmt.Sprint([]net.IP{net.ParseIP("127.0.0.1").To4(), net.ParseIP("::1")})},
				{"key usage", cert.KeyUsage, wantKU},
				{"extended key usage", cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
				{"policies", oidStrings(cert.Policies), []string{c.TLSServerPolicy().String()}},
			}
			runChecks(t, checks)
			for _, host := range []string{"login.llavero.es", "127.0.0.1", "::1", "localhost"} {
				verify(t, c, cert, x509.VerifyOptions{DNSName: host})
			}
		})
	}
}

// weakKeys are keys no certificate may carry.
func weakKeys(t *testing.T) map[string]crypto.PublicKey {
	t.Helper()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	rsaE3 := *clientKey(t, ca.RSA2048).Public().(*rsa.PublicKey)
	rsaE3.E = 3
	return map[string]crypto.PublicKey{
		"RSA 1024":       &rsa1024.PublicKey,
		"P-224":          &p224.PublicKey,
		"RSA exponent 3": &rsaE3,
		"Ed25519":        ed,
	}
}

func TestIssueRefusesBadKeys(t *testing.T) {
	c := catest.New(t)
	keys := weakKeys(t)
	keys["the issuing CA's key"] = c.Issuing().PublicKey
	keys["the root CA's key"] = c.Root().PublicKey
	want := map[string]string{
		"RSA 1024":             "RSA key of 1024 bits is not allowed",
		"P-224":                "ECDSA curve P-224 is not allowed",
		"RSA exponent 3":       "RSA public exponent 3 is not allowed",
		"Ed25519":              "ed25519.PublicKey is not allowed",
		"the issuing CA's key": "one of the CA's own keys",
		"the root CA's key":    "one of the CA's own keys",
	}
	ctx := context.Background()
	now := time.Now()
	for name, pub := range keys {
		t.Run(name, func(t *testing.T) {
			_, err1 := c.IssuePerson(ctx, pub, ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, now)
			_, err2 := c.IssueOperator(ctx, pub, "Ana Ruiz", "office-1", "op1", now)
			_, err3 := c.IssueTLSServer(ctx, pub, []string{"login.llavero.es"}, now)
			for i, err := range []error{err1, err2, err3} {
				if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), want[name]) {
					t.Errorf("profile %d: got %v, want a refusal containing %q", i, err, want[name])
				}
			}
		})
	}
}

func TestIssueRefusesValidityOutsideTheIssuers(t *testing.T) {
	clk := newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	opt := catest.Options(t)
	opt.Now = clk.Now
	c := mustOpen(t, opt)
	pub := clientKey(t, ca.P256).Public()
	person := ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}
	issuing := c.Issuing()
	tests := []struct {
		name      string
		clock     time.Time
		notBefore time.Time
		want      string
	}{
		{"before the issuer starts", issuing.NotBefore, issuing.NotBefore.Add(-time.Minute), "is before the issuer's"},
		{"ends after the issuer", issuing.NotAfter.AddDate(-3, 0, 0), issuing.NotAfter.AddDate(-3, 0, 0), "is after the issuer's"},
		{"back-dated more than a day", issuing.NotBefore.Add(72 * time.Hour), issuing.NotBefore.Add(47 * time.Hour), "before the CA's clock"},
		{"post-dated", issuing.NotBefore.Add(72 * time.Hour), issuing.NotBefore.Add(74 * time.Hour), "after the CA's clock"},
		{"no notBefore", issuing.NotBefore.Add(time.Hour), time.Time{}, "no notBefore"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.Set(tc.clock)
			_, err := c.IssuePerson(context.Background(), pub, person, tc.notBefore)
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
	// The last 4 years of the issuing CA's life: a person certificate still
	// fits exactly until then.
	last := issuing.NotAfter.AddDate(-4, 0, 0).Add(time.Second)
	clk.Set(last)
	if _, err := c.IssuePerson(context.Background(), pub, person, last); err != nil {
		t.Fatalf("a certificate ending with the issuer was refused: %v", err)
	}
}

func TestIssuePersonRefusesBadFields(t *testing.T) {
	c := catest.New(t)
	ok := ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil", Email: "ana@example.es"}
	tests := []struct {
		name   string
		change func(*ca.Person)
		want   string
	}{
		{"empty ID", func(p *ca.Person) { p.ID = "" }, "not a canonical DNI or NIE"},
		{"lower-case ID", func(p *ca.Person) { p.ID = "12345678z" }, "not a canonical DNI or NIE"},
		{"short ID", func(p *ca.Person) { p.ID = "1234567Z" }, "not a canonical DNI or NIE"},
		{"ID with separators", func(p *ca.Person) { p.ID = "X-123456L" }, "not a canonical DNI or NIE"},
		{"no given name", func(p *ca.Person) { p.GivenName = "" }, "given name is empty"},
		{"no first surname", func(p *ca.Person) { p.FirstSurname = "" }, "first surname is empty"},
		{"surrounding space", func(p *ca.Person) { p.GivenName = " Ana" }, "surrounding spaces"},
		{"decomposed accent", func(p *ca.Person) { p.FirstSurname = "Jose\u0301" }, "not in Unicode NFC"},
		{"control character", func(p *ca.Person) { p.SecondSurname = "Gil\x00" }, "control character"},
		{"invisible character", func(p *ca.Person) { p.SecondSurname = "G\u200bil" }, "control character"},
		{"invalid UTF-8", func(p *ca.Person) { p.GivenName = "An\xe1" }, "not valid UTF-8"},
		{"email not an address", func(p *ca.Person) { p.Email = "ana" }, "not a plain address"},
		{"email with a display name", func(p *ca.Person) { p.Email = "Ana <ana@example.es>" }, "not a plain address"},
		{"email with a control character", func(p *ca.Person) { p.Email = "ana@example.es\n" }, "not a plain address"},
		{"internationalised email", func(p *ca.Person) { p.Email = "anaí@example.es" }, "must be ASCII"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.change(&p)
			_, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), p, time.Now())
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
	if _, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ok, time.Now()); err != nil {
		t.Fatalf("the unchanged person was refused: %v", err)
	}
}

func TestIssueOperatorRefusesBadFields(t *testing.T) {
	c := catest.New(t)
	tests := []struct {
		name, opName, office, id, want string
	}{
		{"no name", "", "office-1", "op1", "operator name is empty"},
		{"no office", "Ana", "", "op1", "office is empty"},
		{"no operator ID", "Ana", "office-1", "", "operator ID is empty"},
		{"operator ID not printable", "Ana", "office-1", "op_1", "operator ID"},
		{"name too long", strings.Repeat("a", 65), "office-1", "op1", "longer than 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.IssueOperator(context.Background(), clientKey(t, ca.P256).Public(), tc.opName, tc.office, tc.id, time.Now())
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

func TestIssueTLSServerRefusesBadHosts(t *testing.T) {
	c := catest.New(t)
	tests := []struct {
		name  string
		hosts []string
		want  string
	}{
		{"none", nil, "1 to 100 host names"},
		{"upper case", []string{"Login.llavero.es"}, "lower-case"},
		{"wildcard", []string{"*.llavero.es"}, "lower-case"},
		{"trailing dot", []string{"llavero.es."}, "not a valid DNS name"},
		{"leading hyphen", []string{"-x.llavero.es"}, "not a valid DNS name"},
		{"listed twice", []string{"llavero.es", "llavero.es"}, "listed twice"},
		{"IP with zone", []string{"fe80::1%eth0"}, "not in canonical form"},
		{"IP not canonical", []string{"::0:1"}, "not in canonical form"},
		{"number-like name", []string{"0127.0.0.1"}, "ends in a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.IssueTLSServer(context.Background(), clientKey(t, ca.P256).Public(), tc.hosts, time.Now())
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

func TestIssueHonoursCanceledContext(t *testing.T) {
	c := catest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.IssuePerson(ctx, clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func verifyErr(c *ca.CA, cert *x509.Certificate, opts x509.VerifyOptions) error {
	opts.Roots = x509.NewCertPool()
	opts.Roots.AddCert(c.Root())
	opts.Intermediates = x509.NewCertPool()
	opts.Intermediates.AddCert(c.Issuing())
	_, err := cert.Verify(opts)
	return err
}

func verify(t *testing.T, c *ca.CA, cert *x509.Certificate, opts x509.VerifyOptions) {
	t.Helper()
	if err := verifyErr(c, cert, opts); err != nil {
		t.Errorf("Go's verifier refuses the certificate: %v", err)
	}
}
