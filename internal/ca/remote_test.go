package ca_test

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"slices"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

func TestIssueRemoteSigning(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	cert, err := c.IssueRemoteSigning(context.Background(), clientKey(t, ca.P256).Public(),
		ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz", SecondSurname: "Gil", Email: "ana@example.es", Token: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := c.PersonPolicy().String() + ".7"; len(cert.Policies) != 1 || cert.Policies[0].String() != want ||
		!cert.Policies[0].Equal(c.RemoteSigningPolicy()) {
		t.Errorf("policies = %v, want only %s", cert.Policies, want)
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage = %v", cert.KeyUsage)
	}
	if len(cert.ExtKeyUsage) != 0 || len(cert.UnknownExtKeyUsage) != 1 ||
		!cert.UnknownExtKeyUsage[0].Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}) {
		t.Errorf("extended key usage = %v %v, want documentSigning alone", cert.ExtKeyUsage, cert.UnknownExtKeyUsage)
	}
	if len(cert.EmailAddresses) != 0 {
		t.Errorf("email = %v: a remote-signing certificate names no mailbox", cert.EmailAddresses)
	}
	if got := cert.Subject.SerialNumber; got != "IDCES-12345678Z" {
		t.Errorf("serialNumber = %q", got)
	}
	if cert.Subject.CommonName != "RUIZ GIL ANA - 12345678Z" {
		t.Errorf("CN = %q", cert.Subject.CommonName)
	}
	if y := cert.NotAfter.Sub(cert.NotBefore); y < 4*365*24*time.Hour || y > 4*366*24*time.Hour {
		t.Errorf("validity %v, want 4 years", y)
	}
	// It must never log anyone in: a TLS client-auth chain check fails.
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(c.Root())
	inter.AddCert(c.Issuing())
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("the certificate verifies for client authentication")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("chain: %v", err)
	}
	if slices.ContainsFunc(cert.Policies, func(o x509.OID) bool { return o.Equal(c.PersonPolicy()) }) {
		t.Error("it carries the person policy")
	}
	if _, err := c.IssueRemoteSigning(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "bad", GivenName: "Ana", FirstSurname: "Ruiz"}, now); err == nil {
		t.Error("a malformed ID was accepted")
	}
}
