package idp

import (
	"context"
	"crypto/x509"
	"slices"
	"testing"

	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/ra"
)

// A certificate reaches the high level only when an office vouched that its
// key is on a token AND the deployment's policy accepts that; every other
// combination stays substantial.
func TestCertificateLoginOnATokenIsHighByPolicy(t *testing.T) {
	tests := []struct {
		name     string
		onToken  bool
		policy   bool
		wantACR  string
		wantAMR  []string
		wantPurp string
	}{
		{"token, policy accepts tokens", true, true, loa.High, []string{"hwk", "pin", "mfa"}, CodeCertHandoffToken},
		{"token, policy off", true, false, loa.Substantial, []string{"swk"}, CodeCertHandoff},
		{"software key, policy on", false, true, loa.Substantial, []string{"swk"}, CodeCertHandoff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			if tc.policy {
				e.idp.cfg.HardwareTokenPolicies = []x509.OID{e.ca.TokenPolicy()}
			}
			cert := e.certificateWith("12345678Z", "Muñoz", ra.Check{DocumentType: "DNI", DocumentNumber: "12345678Z", KeyOnToken: tc.onToken}, "2032-01-01")
			if got := slices.ContainsFunc(cert.Policies, e.ca.TokenPolicy().Equal); got != tc.onToken {
				t.Fatalf("certificate carries the token policy: %v, want %v (%v)", got, tc.onToken, cert.Policies)
			}
			token, err := e.idp.StartCertificateLogin(ctx, cert)
			if err != nil {
				t.Fatal(err)
			}
			id, _, _ := splitHandoff(token)
			if oc, err := e.st.GetCode(ctx, id); err != nil || oc.Purpose != tc.wantPurp {
				t.Fatalf("hand-off code %+v %v, want purpose %s", oc, err, tc.wantPurp)
			}
			who, err := e.idp.CompleteCertificateLogin(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if who.ACR != tc.wantACR || !slices.Equal(who.AMR, tc.wantAMR) {
				t.Fatalf("login %+v, want acr %s amr %v", who, tc.wantACR, tc.wantAMR)
			}
			ev, err := e.st.ListLoginEvents(ctx, "12345678Z", 1)
			if err != nil || len(ev) != 1 || ev[0].ACR != tc.wantACR {
				t.Fatalf("login event %+v %v", ev, err)
			}
		})
	}
}
