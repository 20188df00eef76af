package server

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"net/http/httptest"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/llavero/llavero/internal/signing"
)

// TestPlatformTimestampAuthority: the wired platform answers /tsa with
// tokens that chain to its own root, and keeps its TSA certificate across
// restarts.
func TestPlatformTimestampAuthority(t *testing.T) {
	cfg := testConfig(t)
	p, err := New(context.Background(), cfg, NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Web.Handler())
	digest := sha256.Sum256([]byte("signature value"))
	token, err := (&signing.TSAClient{URL: srv.URL + "/tsa"}).Timestamp(context.Background(), digest[:], crypto.SHA256)
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(p.CA.Root())
	inter.AddCert(p.CA.Issuing())
	if _, err := ts.Certificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("the TSA certificate does not chain to the platform's root: %v", err)
	}
	first := p.TSA.Certificate()
	p.Close()

	again, err := New(context.Background(), cfg, NewLogger(cfg), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if !again.TSA.Certificate().Equal(first) {
		t.Fatal("a restart replaced the TSA certificate")
	}
}
