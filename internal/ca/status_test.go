package ca_test

import (
	"context"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ca"
	"github.com/llavero/llavero/internal/ca/catest"
)

func serial(hex string) *big.Int {
	n, ok := new(big.Int).SetString(hex, 16)
	if !ok {
		panic(hex)
	}
	return n
}

func TestSignCRL(t *testing.T) {
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC().Truncate(time.Second)
			revoked := []ca.Revoked{
				{Serial: serial("8f3a5c0e1d2b4a6978c0e1f2a3b4c5d6"), RevokedAt: now.Add(-time.Hour), Reason: ocsp.KeyCompromise},
				{Serial: serial("1f"), RevokedAt: now.Add(-2 * time.Hour), Reason: ocsp.Unspecified},
				{Serial: serial("7e"), RevokedAt: now, Reason: ocsp.Superseded},
			}
			der, err := c.SignCRL(revoked, big.NewInt(42), now, now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(c.Issuing()); err != nil {
				t.Errorf("signature: %v", err)
			}
			checks := []check{
				{"issuer", crl.Issuer.String(), c.Issuing().Subject.String()},
				{"number", crl.Number, big.NewInt(42)},
				{"AKI", crl.AuthorityKeyId, c.Issuing().SubjectKeyId},
				{"this update", crl.ThisUpdate, now},
				{"next update", crl.NextUpdate, now.Add(24 * time.Hour)},
				{"entries", len(crl.RevokedCertificateEntries), len(revoked)},
			}
			for i, r := range revoked {
				e := crl.RevokedCertificateEntries[i]
				checks = append(checks,
					check{"serial", e.SerialNumber, r.Serial},
					check{"revoked at", e.RevocationTime, r.RevokedAt},
					check{"reason", e.ReasonCode, r.Reason})
			}
			runChecks(t, checks)
			// RFC 5280 5.3.1: unspecified is written by leaving the reason out.
			for _, ext := range crl.RevokedCertificateEntries[1].Extensions {
				if ext.Id.String() == "2.5.29.21" {
					t.Error("the unspecified entry carries a reasonCode extension")
				}
			}
		})
	}
}

func TestSignRootCRL(t *testing.T) {
	c := catest.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	der, err := c.SignRootCRL(nil, big.NewInt(1), now, now.AddDate(0, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(c.Root()); err != nil {
		t.Errorf("root CRL not signed by the root: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 0 || crl.Issuer.String() != c.Root().Subject.String() {
		t.Errorf("root CRL: %d entries, issuer %s", len(crl.RevokedCertificateEntries), crl.Issuer)
	}
	// Withdrawing the issuing CA is what the root CRL is for.
	if _, err := c.SignRootCRL([]ca.Revoked{{Serial: c.Issuing().SerialNumber, RevokedAt: now, Reason: ocsp.CACompromise}}, big.NewInt(2), now, now.AddDate(0, 6, 0)); err != nil {
		t.Errorf("revoking the issuing CA: %v", err)
	}
}

func TestSignCRLRefuses(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	good := ca.Revoked{Serial: big.NewInt(1234), RevokedAt: now.Add(-time.Minute), Reason: ocsp.KeyCompromise}
	tests := []struct {
		name       string
		revoked    []ca.Revoked
		number     *big.Int
		this, next time.Time
		want       string
	}{
		{"serial twice", []ca.Revoked{good, good}, big.NewInt(1), now, now.Add(time.Hour), "listed twice"},
		{"certificateHold: no suspension", []ca.Revoked{{Serial: big.NewInt(1), RevokedAt: now, Reason: ocsp.CertificateHold}}, big.NewInt(1), now, now.Add(time.Hour), "reason 6 is not allowed"},
		{"removeFromCRL", []ca.Revoked{{Serial: big.NewInt(1), RevokedAt: now, Reason: ocsp.RemoveFromCRL}}, big.NewInt(1), now, now.Add(time.Hour), "reason 8 is not allowed"},
		{"cACompromise in the citizens' CRL", []ca.Revoked{{Serial: big.NewInt(1), RevokedAt: now, Reason: ocsp.CACompromise}}, big.NewInt(1), now, now.Add(time.Hour), "reason 2 is not allowed"},
		{"revoked in the future", []ca.Revoked{{Serial: big.NewInt(1), RevokedAt: now.Add(time.Minute)}}, big.NewInt(1), now, now.Add(time.Hour), "is after thisUpdate"},
		{"no revocation time", []ca.Revoked{{Serial: big.NewInt(1)}}, big.NewInt(1), now, now.Add(time.Hour), "no revocation time"},
		{"serial zero", []ca.Revoked{{Serial: big.NewInt(0), RevokedAt: now}}, big.NewInt(1), now, now.Add(time.Hour), "revoked serial must be positive"},
		{"serial nil", []ca.Revoked{{RevokedAt: now}}, big.NewInt(1), now, now.Add(time.Hour), "revoked serial must be positive"},
		{"serial too long", []ca.Revoked{{Serial: new(big.Int).Lsh(big.NewInt(1), 160), RevokedAt: now}}, big.NewInt(1), now, now.Add(time.Hour), "longer than 20 octets"},
		{"no number", nil, nil, now, now.Add(time.Hour), "CRL number must be positive"},
		{"next before this", nil, big.NewInt(1), now, now.Add(-time.Hour), "must come after thisUpdate"},
		{"valid too long", nil, big.NewInt(1), now, now.Add(11 * 24 * time.Hour), "more than 10 days after"},
		{"before the issuer", nil, big.NewInt(1), c.Issuing().NotBefore.Add(-time.Hour), now, "outside the issuer's validity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SignCRL(tc.revoked, tc.number, tc.this, tc.next)
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

func TestSignOCSP(t *testing.T) {
	for name, c := range testCAs(t) {
		t.Run(name, func(t *testing.T) {
			leaf, err := c.IssuePerson(context.Background(), clientKey(t, ca.P256).Public(), ca.Person{ID: "12345678Z", GivenName: "Ana", FirstSurname: "Ruiz"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			tests := []struct {
				name      string
				status    int
				revokedAt time.Time
				reason    int
			}{
				{"good", ocsp.Good, time.Time{}, 0},
				{"revoked", ocsp.Revoked, now.Add(-time.Hour), ocsp.KeyCompromise},
				{"revoked, reason unspecified", ocsp.Revoked, now.Add(-time.Hour), ocsp.Unspecified},
				{"unknown", ocsp.Unknown, time.Time{}, 0},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					der, err := c.SignOCSP(leaf.SerialNumber, tc.status, tc.revokedAt, tc.reason, now, now.Add(4*24*time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					// ParseResponseForCert checks the signature with the
					// issuing CA's key: the CA is its own responder.
					resp, err := ocsp.ParseResponseForCert(der, leaf, c.Issuing())
					if err != nil {
						t.Fatal(err)
					}
					checks := []check{
						{"status", resp.Status, tc.status},
						{"serial", resp.SerialNumber, leaf.SerialNumber},
						{"this update", resp.ThisUpdate, now},
						{"next update", resp.NextUpdate, now.Add(4 * 24 * time.Hour)},
						{"revoked at", resp.RevokedAt, tc.revokedAt},
						{"reason", resp.RevocationReason, tc.reason},
						{"no embedded certificate", resp.Certificate == nil, true},
						{"responder", string(resp.RawResponderName), string(c.Issuing().RawSubject)},
					}
					runChecks(t, checks)
				})
			}
		})
	}
}

func TestSignOCSPRefuses(t *testing.T) {
	c := catest.New(t)
	now := time.Now()
	tests := []struct {
		name      string
		serial    *big.Int
		status    int
		revokedAt time.Time
		reason    int
		next      time.Time
		want      string
	}{
		{"unknown status code", big.NewInt(1), 7, time.Time{}, 0, now.Add(time.Hour), "status 7"},
		{"good with a reason", big.NewInt(1), ocsp.Good, time.Time{}, ocsp.KeyCompromise, now.Add(time.Hour), "not revoked"},
		{"good with a revocation time", big.NewInt(1), ocsp.Good, now, 0, now.Add(time.Hour), "not revoked"},
		{"revoked without a time", big.NewInt(1), ocsp.Revoked, time.Time{}, 0, now.Add(time.Hour), "no revocation time"},
		{"certificateHold", big.NewInt(1), ocsp.Revoked, now, ocsp.CertificateHold, now.Add(time.Hour), "reason 6"},
		{"no serial", nil, ocsp.Good, time.Time{}, 0, now.Add(time.Hour), "serial must be positive"},
		{"valid too long", big.NewInt(1), ocsp.Good, time.Time{}, 0, now.Add(11 * 24 * time.Hour), "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SignOCSP(tc.serial, tc.status, tc.revokedAt, tc.reason, now, tc.next)
			if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

func TestSignOCSPUsesTheCAClock(t *testing.T) {
	clk := newClock(time.Now().UTC().Truncate(time.Second))
	opt := catest.Options(t)
	opt.Now = clk.Now
	c := mustOpen(t, opt)
	clk.Set(clk.Now().Add(10 * time.Minute))
	now := clk.Now()
	der, err := c.SignOCSP(big.NewInt(99), ocsp.Good, time.Time{}, 0, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.ParseResponse(der, c.Issuing())
	if err != nil {
		t.Fatal(err)
	}
	if !resp.ProducedAt.Equal(now) || !resp.ThisUpdate.Equal(now) {
		t.Errorf("producedAt %s, thisUpdate %s, want both %s", resp.ProducedAt, resp.ThisUpdate, now)
	}
	_, err = c.SignOCSP(big.NewInt(99), ocsp.Good, time.Time{}, 0, now.Add(2*time.Second), now.Add(time.Hour))
	if !errors.Is(err, ca.ErrRefused) || !strings.Contains(err.Error(), "after the CA's clock") {
		t.Errorf("a thisUpdate in the future: got %v", err)
	}
}
