package ca_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

func TestOpenCreatesThenReloadsTheSameHierarchy(t *testing.T) {
	opt := fileOptions(t)
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	opt.Now = func() time.Time { return start }
	c := mustOpen(t, opt)

	root, issuing := c.Root(), c.Issuing()
	for _, name := range []string{"root.crt", "issuing.crt"} {
		fi, err := os.Stat(filepath.Join(opt.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %04o, want 0644", name, fi.Mode().Perm())
		}
	}
	for _, label := range []string{"root", "issuing-citizens"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(opt.Dir), "keys", label+".key")); err != nil {
			t.Errorf("key %s: %v", label, err)
		}
	}

	wantStart := start.Add(-time.Hour)
	checks := []check{
		{"root subject", root.Subject.String(), "CN=llavero (development) Root CA,O=llavero (development),C=ES"},
		{"root self-signed", bytes.Equal(root.RawIssuer, root.RawSubject), true},
		{"root is CA", root.IsCA && root.BasicConstraintsValid, true},
		{"root path length", [2]any{root.MaxPathLen, root.MaxPathLenZero}, [2]any{1, false}},
		{"root key usage", root.KeyUsage, x509.KeyUsageCertSign | x509.KeyUsageCRLSign},
		{"root key", curveOf(root), "P-384"},
		{"root signature", root.SignatureAlgorithm, x509.ECDSAWithSHA384},
		{"root not before", root.NotBefore, wantStart},
		{"root not after", root.NotAfter, wantStart.AddDate(20, 0, 0).Add(-time.Second)},
		{"root SKI length", len(root.SubjectKeyId), 20},
		{"root EKU", len(root.ExtKeyUsage), 0},
		{"issuing subject", issuing.Subject.String(), "CN=llavero (development) Citizens CA,O=llavero (development),C=ES"},
		{"issuing issuer", issuing.Issuer.String(), root.Subject.String()},
		{"issuing is CA", issuing.IsCA && issuing.BasicConstraintsValid, true},
		{"issuing path length", [2]any{issuing.MaxPathLen, issuing.MaxPathLenZero}, [2]any{0, true}},
		{"issuing key usage", issuing.KeyUsage, x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature},
		{"issuing key", curveOf(issuing), "P-256"},
		{"issuing signature", issuing.SignatureAlgorithm, x509.ECDSAWithSHA384},
		{"issuing not before", issuing.NotBefore, wantStart},
		{"issuing not after", issuing.NotAfter, wantStart.AddDate(10, 0, 0).Add(-time.Second)},
		{"issuing AKI", issuing.AuthorityKeyId, root.SubjectKeyId},
		{"issuing CRL DP", issuing.CRLDistributionPoints, []string{testBaseURL + "/crl/root.crl"}},
		{"issuing CA issuers", issuing.IssuingCertificateURL, []string{testBaseURL + "/ca/root.crt"}},
		{"issuing OCSP", len(issuing.OCSPServer), 0},
		{"issuing policies", oidStrings(issuing.Policies), []string{"2.5.29.32.0"}},
		{"chain", c.Chain(), []*x509.Certificate{issuing, root}},
		{"serials differ", root.SerialNumber.Cmp(issuing.SerialNumber) != 0, true},
	}
	runChecks(t, checks)
	if err := issuing.CheckSignatureFrom(root); err != nil {
		t.Errorf("issuing not signed by root: %v", err)
	}

	// A second start, with a new key store over the same files, finds the
	// same hierarchy and signs with the same keys.
	opt.Keys = newFileKeyStore(t, filepath.Join(filepath.Dir(opt.Dir), "keys"), testPassphrase)
	opt.Now = nil
	again := mustOpen(t, opt)
	if !bytes.Equal(again.Root().Raw, root.Raw) || !bytes.Equal(again.Issuing().Raw, issuing.Raw) {
		t.Fatal("reopening produced another hierarchy")
	}
	leaf, err := again.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Pérez"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	inter := x509.NewCertPool()
	inter.AddCert(issuing)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("certificate from the reopened CA does not chain to the first root: %v", err)
	}
}

func TestOpenRefusesIncompleteHierarchy(t *testing.T) {
	tests := []struct {
		name    string
		remove  []string // relative to the deployment directory
		mention []string
	}{
		{"root key missing", []string{"keys/root.key"}, []string{`missing key "root"`, "root.crt"}},
		{"issuing key missing", []string{"keys/issuing-citizens.key"}, []string{`missing key "issuing-citizens"`}},
		{"root certificate missing", []string{"certs/root.crt"}, []string{"missing", "certs/root.crt"}},
		{"issuing certificate missing", []string{"certs/issuing.crt"}, []string{"missing", "certs/issuing.crt"}},
		{"keys without certificates", []string{"certs/root.crt", "certs/issuing.crt"}, []string{`found key "root", key "issuing-citizens"`}},
		{"certificates without keys", []string{"keys/root.key", "keys/issuing-citizens.key"}, []string{`missing key "root", key "issuing-citizens"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := fileOptions(t)
			mustOpen(t, opt)
			base := filepath.Dir(opt.Dir)
			for _, f := range tc.remove {
				if err := os.Remove(filepath.Join(base, f)); err != nil {
					t.Fatal(err)
				}
			}
			before := listFiles(t, base)
			_, err := ca.Open(context.Background(), opt)
			if err == nil {
				t.Fatal("Open succeeded with an incomplete hierarchy")
			}
			for _, want := range append(tc.mention, "never replaces a CA") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if after := listFiles(t, base); !reflect.DeepEqual(before, after) {
				t.Errorf("a failed Open changed the files:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestOpenRefusesMismatchedPieces(t *testing.T) {
	a, b := fileOptions(t), fileOptions(t)
	mustOpen(t, a)
	mustOpen(t, b)
	copyFile := func(name string) {
		data, err := os.ReadFile(filepath.Join(b.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(a.Dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("issuing.crt")
	if _, err := ca.Open(context.Background(), a); err == nil || !strings.Contains(err.Error(), "issuing.crt is not a CA certificate signed by") {
		t.Errorf("foreign issuing.crt: got %v", err)
	}
	copyFile("root.crt")
	if _, err := ca.Open(context.Background(), a); err == nil || !strings.Contains(err.Error(), `the key "root" in the key store does not match`) {
		t.Errorf("foreign hierarchy: got %v", err)
	}
	if err := os.WriteFile(filepath.Join(a.Dir, "root.crt"), []byte("not PEM"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Open(context.Background(), a); err == nil || !strings.Contains(err.Error(), "must hold exactly one PEM CERTIFICATE") {
		t.Errorf("garbage root.crt: got %v", err)
	}
}

func TestOpenWithWrongPassphraseSaysSo(t *testing.T) {
	opt := fileOptions(t)
	mustOpen(t, opt)
	opt.Keys = newFileKeyStore(t, filepath.Join(filepath.Dir(opt.Dir), "keys"), []byte("not the passphrase"))
	_, err := ca.Open(context.Background(), opt)
	if !errors.Is(err, ca.ErrWrongPassphrase) || strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("got %v, want ErrWrongPassphrase and no talk of a missing key", err)
	}
}

func TestOpenRefusesAnAlgorithmChange(t *testing.T) {
	opt := fileOptions(t)
	mustOpen(t, opt)
	opt.IssuingAlg = ca.RSA3072
	if _, err := ca.Open(context.Background(), opt); err == nil || !strings.Contains(err.Error(), "holds a p256 key but the configuration asks for rsa3072") {
		t.Fatalf("got %v", err)
	}
	opt.IssuingAlg, opt.RootAlg = ca.P256, ca.P384
	mustOpen(t, opt)
}

func TestOpenValidatesOptions(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ca.Options)
		want   string
	}{
		{"no dir", func(o *ca.Options) { o.Dir = "" }, "Options.Dir is empty"},
		{"no key store", func(o *ca.Options) { o.Keys = nil }, "Options.Keys is nil"},
		{"lower-case country", func(o *ca.Options) { o.Country = "es" }, "two-letter upper-case"},
		{"three-letter country", func(o *ca.Options) { o.Country = "ESP" }, "two-letter upper-case"},
		{"control character in organization", func(o *ca.Options) { o.Organization = "llave\x7fro" }, "control character"},
		{"organization too long", func(o *ca.Options) { o.Organization = strings.Repeat("x", 60) }, "Organization is too long"},
		{"base URL without scheme", func(o *ca.Options) { o.BaseURL = "pki.llavero.es" }, "BaseURL"},
		{"base URL not http", func(o *ca.Options) { o.BaseURL = "ldap://pki.llavero.es" }, "BaseURL"},
		{"base URL with query", func(o *ca.Options) { o.BaseURL = "https://pki.llavero.es/?a=b" }, "BaseURL"},
		{"unknown algorithm", func(o *ca.Options) { o.IssuingAlg = "p521" }, `unknown key algorithm "p521"`},
		{"invalid policy OID", func(o *ca.Options) { o.PolicyOID = asn1.ObjectIdentifier{7} }, "PolicyOID"},
		{"policy OID arc too wide", func(o *ca.Options) { o.PolicyOID = asn1.ObjectIdentifier{2, 25, 1 << 40} }, "wider than 31 bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := catest.Options(t)
			tc.change(&opt)
			_, err := ca.Open(context.Background(), opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestPolicyOIDs(t *testing.T) {
	c := catest.New(t)
	got := oidStrings([]x509.OID{c.PersonPolicy(), c.OperatorPolicy(), c.TLSServerPolicy(), c.TokenPolicy()})
	want := []string{ca.DefaultPolicyOID, ca.DefaultPolicyOID + ".2", ca.DefaultPolicyOID + ".3", ca.DefaultPolicyOID + ".4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("default policies %v, want %v", got, want)
	}
	opt := catest.Options(t)
	opt.PolicyOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}
	c = mustOpen(t, opt)
	got = oidStrings([]x509.OID{c.PersonPolicy(), c.OperatorPolicy(), c.TLSServerPolicy()})
	want = []string{"1.3.6.1.4.1.99999.1.1", "1.3.6.1.4.1.99999.1.1.2", "1.3.6.1.4.1.99999.1.1.3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("configured policies %v, want %v", got, want)
	}
}

func TestParseKeyAlg(t *testing.T) {
	for _, s := range []string{"p256", "p384", "rsa2048", "rsa3072", "rsa4096"} {
		if a, err := ca.ParseKeyAlg(s); err != nil || string(a) != s {
			t.Errorf("ParseKeyAlg(%q) = %q, %v", s, a, err)
		}
	}
	for _, s := range []string{"", "P256", "p224", "rsa1024", "ed25519"} {
		if _, err := ca.ParseKeyAlg(s); err == nil {
			t.Errorf("ParseKeyAlg(%q) accepted", s)
		}
	}
}

func curveOf(c *x509.Certificate) string {
	if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok {
		return k.Curve.Params().Name
	}
	return "not ECDSA"
}

func oidStrings(oids []x509.OID) []string {
	var s []string
	for _, o := range oids {
		s = append(s, o.String())
	}
	return s
}

func listFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The names are the hierarchy's: a process that opens it with other (or
// no) names, like an admin command, issues under the names it was created
// with.
func TestOpenKeepsTheNamesTheHierarchyWasCreatedWith(t *testing.T) {
	opt := fileOptions(t)
	mustOpen(t, opt)
	opt.Keys = newFileKeyStore(t, filepath.Join(filepath.Dir(opt.Dir), "keys"), testPassphrase)
	opt.Organization, opt.Country = "", ""
	c := mustOpen(t, opt)
	cert, err := c.IssueOperator(context.Background(), clientKey(t, ca.P256).Public(), "Ana", "office-1", "op1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := cert.Subject.String(); got != "SERIALNUMBER=op1,CN=Ana,OU=office-1,O=llavero (development),C=ES" {
		t.Errorf("operator subject %s", got)
	}

	fresh := catest.Options(t)
	fresh.Organization, fresh.Country = "", ""
	if got := mustOpen(t, fresh).Root().Subject.String(); got != "CN=llavero Root CA,O=llavero,C=ES" {
		t.Errorf("default root subject %s", got)
	}
}
