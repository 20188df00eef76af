package ra

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// TestHoldings moves the clock through a certificate's life and checks
// what its holder is told at each point, beside the applications still
// waiting for something.
func TestHoldings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, res := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	// Approved, not downloaded: ready, with no deadline.
	h, err := e.ra.Holdings(ctx, "X1234567L")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Pending) != 1 || h.Pending[0].State != PendingReady || !h.Pending[0].Deadline.IsZero() || !strings.Contains(h.Pending[0].Next.EN, "llavero cert download") {
		t.Fatalf("approved application: %+v", h.Pending)
	}
	cert, err := e.download(key, "X1234567L", "Kovalenko", res.Code)
	if err != nil {
		t.Fatal(err)
	}
	// A second application waits for its check; a third is refused.
	_, waiting := e.apply("X1234567L", "Kovalenko")
	_, refused := e.apply("X1234567L", "Kovalenko")
	if err := e.ra.Refuse(ctx, e.desk, refused.ApplicationID, "identity.not_proven", ""); err != nil {
		t.Fatal(err)
	}

	h, err = e.ra.Holdings(ctx, "X1234567L")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Pending) != 2 || h.Pending[0].ID != waiting.ApplicationID || h.Pending[0].State != PendingCheck ||
		!h.Pending[0].Deadline.Equal(waiting.ExpiresAt) || h.Pending[0].DaysLeft != 30 {
		t.Fatalf("waiting application first, 30 days left: %+v", h.Pending)
	}
	if h.Pending[1].State != PendingRefused || !strings.Contains(h.Pending[1].Refusal.EN, "could not confirm your identity") {
		t.Errorf("refused application: %+v", h.Pending[1])
	}
	if len(h.CheckOffices) != 1 || h.CheckOffices[0].Name != "Oficina Centro" {
		t.Errorf("offices for the check: %+v", h.CheckOffices)
	}

	type want struct {
		state             string
		renewNow, revoker bool
	}
	check := func(name string, w want) HeldCertificate {
		t.Helper()
		h, err := e.ra.Holdings(ctx, "X1234567L")
		if err != nil {
			t.Fatal(err)
		}
		var got *HeldCertificate
		for i := range h.Certificates {
			if h.Certificates[i].Serial == cert.Serial {
				got = &h.Certificates[i]
			}
		}
		if got == nil {
			t.Fatalf("%s: certificate missing from %+v", name, h.Certificates)
		}
		if got.State != w.state || got.RenewNow != w.renewNow || got.Revocable != w.revoker {
			t.Errorf("%s: state %s renew %v revocable %v; want %+v", name, got.State, got.RenewNow, got.Revocable, w)
		}
		if !got.RenewalOpens.Equal(cert.NotAfter.Add(-60 * 24 * time.Hour)) {
			t.Errorf("%s: renewal opens %v", name, got.RenewalOpens)
		}
		return *got
	}
	check("new", want{HeldValid, false, true})
	e.clock.t = cert.NotAfter.Add(-61 * 24 * time.Hour)
	if c := check("a day before the window", want{HeldValid, false, true}); c.DaysLeft != 61 {
		t.Errorf("days left %d, want 61", c.DaysLeft)
	}
	h, _ = e.ra.Holdings(ctx, "X1234567L")
	for _, p := range h.Pending {
		if p.ID == waiting.ApplicationID {
			t.Errorf("an application lapsed years ago is still listed: %+v", p)
		}
	}
	e.clock.t = cert.NotAfter.Add(-59 * 24 * time.Hour)
	check("inside the window", want{HeldValid, true, true})
	e.clock.t = cert.NotAfter
	check("at expiry", want{HeldExpired, false, false})

	// Superseded and revoked, on fresh certificates.
	if _, err := e.st.UpdateCertificate(ctx, cert.Serial, func(c *store.Certificate) error { c.RenewedBy = "abc"; return nil }); err != nil {
		t.Fatal(err)
	}
	e.clock.t = cert.NotAfter.Add(-time.Hour)
	check("renewed", want{HeldSuperseded, false, true})
	if _, err := e.ra.Revoke(ctx, cert.Serial, RevocationReasons["affiliationChanged"], "test"); err != nil {
		t.Fatal(err)
	}
	if c := check("revoked", want{HeldRevoked, false, false}); c.Reason != "affiliationChanged" {
		t.Errorf("revocation reason %q", c.Reason)
	}
}

// TestRevokeAsHolder: only the holder, only at substantial or above,
// only with an RFC 5280 reason, only a live certificate; every answer
// audited.
func TestRevokeAsHolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, res := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	cert, err := e.download(key, "X1234567L", "Kovalenko", res.Code)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, person, serial, reason, acr, code string
	}{
		{"low session", "X1234567L", cert.Serial, "keyCompromise", "low", "revoke.level"},
		{"no session level", "X1234567L", cert.Serial, "keyCompromise", "", "revoke.level"},
		{"unknown reason", "X1234567L", cert.Serial, "certificateHold", "substantial", "revoke.reason"},
		{"someone else's certificate", "12345678Z", cert.Serial, "keyCompromise", "high", "certificate.unknown"},
		{"no such serial", "X1234567L", "ffff", "keyCompromise", "substantial", "certificate.unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ra.RevokeAsHolder(ctx, tc.person, tc.serial, tc.reason, tc.acr)
			wantCode(t, err, tc.code)
			if c, _ := e.st.GetCertificate(ctx, cert.Serial); !c.RevokedAt.IsZero() {
				t.Fatal("revoked anyway")
			}
			if a := lastAudit(t, e); a.Action != "cert.revoke" || a.Outcome != "refused" || !strings.Contains(a.Detail, tc.code) {
				t.Errorf("audit of the refusal: %+v", a)
			}
		})
	}
	got, err := e.ra.RevokeAsHolder(ctx, "X1234567L", cert.Serial, "keyCompromise", "substantial")
	if err != nil || got.RevokedAt.IsZero() || got.RevocationReason != RevocationReasons["keyCompromise"] {
		t.Fatalf("revoke: %+v %v", got, err)
	}
	if a := lastAudit(t, e); a.Action != "cert.revoke" || a.Outcome != "ok" || a.Actor != "citizen:X1234567L" {
		t.Errorf("audit of the revocation: %+v", a)
	}
	_, err = e.ra.RevokeAsHolder(ctx, "X1234567L", cert.Serial, "keyCompromise", "substantial")
	wantCode(t, err, "certificate.not_revocable")

	// An expired certificate is not worth a CRL entry.
	key2, res2 := e.apply("X1234567L", "Kovalenko")
	if _, err := e.approve(res2.ApplicationID, "TIE", "X1234567L", "2031-05-01"); err != nil {
		t.Fatal(err)
	}
	cert2, err := e.download(key2, "X1234567L", "Kovalenko", res2.Code)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.t = cert2.NotAfter.Add(time.Second)
	_, err = e.ra.RevokeAsHolder(ctx, "X1234567L", cert2.Serial, "keyCompromise", "substantial")
	wantCode(t, err, "revoke.expired")
}

func lastAudit(t *testing.T, e *env) store.AuditEvent {
	t.Helper()
	ctx := context.Background()
	head, err := e.st.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.st.ListAudit(ctx, head.Seq-1, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("last audit event: %v %v", evs, err)
	}
	return evs[0]
}
