package ca_test

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

func TestIssueTSAProfile(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	for _, alg := range []ca.KeyAlg{ca.P256, ca.RSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			cert, err := c.IssueTSA(context.Background(), clientKey(t, alg).Public(), now)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, c, cert, now, 6)
			wantSubject := []nameAttr{
				{oidC, "Printable", "ES"},
				{oidO, "UTF8", "llavero (test)"},
				{oidCN, "UTF8", "llavero (test) TSA"},
			}
			if got := decodeName(t, cert.RawSubject); len(got) != 3 || got[0] != wantSubject[0] || got[1] != wantSubject[1] || got[2] != wantSubject[2] {
				t.Errorf("subject %v, want %v", got, wantSubject)
			}
			criticalEKU := false
			for _, e := range cert.Extensions {
				if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
					criticalEKU = e.Critical
				}
			}
			runChecks(t, []check{
				{"key usage", cert.KeyUsage, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment},
				{"extended key usage", cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}},
				{"no other extended key usage", len(cert.UnknownExtKeyUsage), 0},
				{"extended key usage critical", criticalEKU, true},
				{"policies", oidStrings(cert.Policies), []string{c.TSAPolicy().String()}},
				{"TSA policy is the deployment's .5", c.TSAPolicy().String(), c.PersonPolicy().String() + ".5"},
				{"token policy is the deployment's .6", c.TimestampPolicy().String(), c.PersonPolicy().String() + ".6"},
			})
			verify(t, c, cert, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
			if err := verifyErr(c, cert, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
				t.Error("a TSA certificate verified for TLS servers")
			}
			catest.VerifyWithOpenSSL(t, c, cert, "timestampsign")
		})
	}
}

// The TSA certificate never outlives the issuing CA.
func TestIssueTSAStopsAtTheIssuersEnd(t *testing.T) {
	start := time.Now().Truncate(time.Second)
	clock := start
	opt := catest.Options(t)
	opt.Now = func() time.Time { return clock }
	c, err := ca.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	clock = c.Issuing().NotAfter.AddDate(-2, 0, 0)
	cert, err := c.IssueTSA(context.Background(), clientKey(t, ca.P256).Public(), clock)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NotAfter.Equal(c.Issuing().NotAfter) {
		t.Fatalf("not after %v, want the issuing CA's %v", cert.NotAfter, c.Issuing().NotAfter)
	}
	if !strings.HasSuffix(c.TimestampPolicy().String(), ".6") {
		t.Fatalf("token policy %v", c.TimestampPolicy())
	}
}
