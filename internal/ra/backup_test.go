package ra

import (
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/store"
)

// backupProof signs a fresh challenge as "llavero cert backup" does, with
// sign (keystore.SignBackupChallenge unless the test says otherwise).
func (e *env) backupProof(key crypto.Signer, sign func(crypto.Signer, []byte) ([]byte, error)) (string, []byte) {
	e.t.Helper()
	ch, err := e.ra.NewChallenge()
	if err != nil {
		e.t.Fatal(err)
	}
	raw, _ := e.ra.checkChallenge(ch)
	sig, err := sign(key, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch, sig
}

// TestConfirmBackup: only a proof made with the certificate's key, over a
// fresh backup challenge, confirms a backup; the confirmation is stored
// and audited; revoked, expired, renewed and unknown certificates are
// refused with their own way forward.
func TestConfirmBackup(t *testing.T) {
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
	other, _ := keystore.Generate(keystore.P256)

	for _, tc := range []struct {
		name   string
		serial string
		key    crypto.Signer
		sign   func(crypto.Signer, []byte) ([]byte, error)
		stale  bool
		code   string
	}{
		{"another key", cert.Serial, other, keystore.SignBackupChallenge, false, "backup.key_mismatch"},
		{"a download proof", cert.Serial, key, keystore.SignChallenge, false, "backup.key_mismatch"},
		{"a stale challenge", cert.Serial, key, keystore.SignBackupChallenge, true, "download.challenge"},
		{"an unknown serial", "abcdef", key, keystore.SignBackupChallenge, false, "certificate.unknown"},
		{"an operator's certificate", e.desk.Operator.CertSerial, key, keystore.SignBackupChallenge, false, "certificate.unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, sig := e.backupProof(tc.key, tc.sign)
			if tc.stale {
				e.clock.Advance(6 * time.Minute)
			}
			_, err := e.ra.ConfirmBackup(ctx, BackupRequest{Serial: tc.serial, Challenge: ch, Signature: sig, ClientKey: "192.0.2.1"})
			wantCode(t, err, tc.code)
		})
	}
	if c, _ := e.st.GetCertificate(ctx, cert.Serial); !c.BackupConfirmedAt.IsZero() {
		t.Fatalf("a refused proof confirmed the backup at %s", c.BackupConfirmedAt)
	}

	ch, sig := e.backupProof(key, keystore.SignBackupChallenge)
	got, err := e.ra.ConfirmBackup(ctx, BackupRequest{Serial: cert.Serial, Challenge: ch, Signature: sig, ClientKey: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.BackupConfirmedAt.Equal(e.clock.Now().Truncate(time.Microsecond)) {
		t.Errorf("BackupConfirmedAt = %s, want %s", got.BackupConfirmedAt, e.clock.Now())
	}
	if stored, _ := e.st.GetCertificate(ctx, cert.Serial); !stored.BackupConfirmedAt.Equal(got.BackupConfirmedAt) {
		t.Errorf("stored BackupConfirmedAt = %s", stored.BackupConfirmedAt)
	}
	events, err := e.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Action != "cert.backup_confirm" || last.Actor != "citizen:X1234567L" || !strings.Contains(string(last.Detail), cert.Serial) {
		t.Errorf("last audit event = %+v", last)
	}

	// Renewed: the old certificate's copy no longer matters.
	old, _ := x509.ParseCertificate(cert.DER)
	e.clock.t = old.NotAfter.Add(-30 * 24 * time.Hour)
	newKey, _ := keystore.Generate(keystore.P256)
	csr, _ := keystore.CreateCSR(newKey, "X1234567L", "Kovalenko", "olena@example.org")
	renewed, err := e.ra.Renew(ctx, old, csr)
	if err != nil {
		t.Fatal(err)
	}
	ch, sig = e.backupProof(key, keystore.SignBackupChallenge)
	_, err = e.ra.ConfirmBackup(ctx, BackupRequest{Serial: cert.Serial, Challenge: ch, Signature: sig})
	wantCode(t, err, "backup.renewed")
	ch, sig = e.backupProof(newKey, keystore.SignBackupChallenge)
	if _, err := e.ra.ConfirmBackup(ctx, BackupRequest{Serial: renewed.Serial, Challenge: ch, Signature: sig}); err != nil {
		t.Fatalf("the renewed certificate's backup: %v", err)
	}

	// Revoked.
	if _, err := e.ra.Revoke(ctx, renewed.Serial, 1, "citizen:X1234567L"); err != nil {
		t.Fatal(err)
	}
	ch, sig = e.backupProof(newKey, keystore.SignBackupChallenge)
	_, err = e.ra.ConfirmBackup(ctx, BackupRequest{Serial: renewed.Serial, Challenge: ch, Signature: sig})
	wantCode(t, err, "backup.not_valid")
}

// TestBackupRateLimited: an address that keeps trying is stopped.
func TestBackupRateLimited(t *testing.T) {
	e := newEnv(t)
	other, _ := keystore.Generate(keystore.P256)
	for range 10 {
		ch, sig := e.backupProof(other, keystore.SignBackupChallenge)
		_, err := e.ra.ConfirmBackup(context.Background(), BackupRequest{Serial: "0a", Challenge: ch, Signature: sig, ClientKey: "192.0.2.9"})
		wantCode(t, err, "certificate.unknown")
	}
	ch, sig := e.backupProof(other, keystore.SignBackupChallenge)
	_, err := e.ra.ConfirmBackup(context.Background(), BackupRequest{Serial: "0a", Challenge: ch, Signature: sig, ClientKey: "192.0.2.9"})
	wantCode(t, err, "rate.limited")
}

// TestApplicationCodeRemindersAreNotices: the application code's
// reminders are listed among the person's notices, once each, in the
// application's language.
func TestApplicationCodeRemindersAreNotices(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, res := e.apply("X1234567L", "Kovalenko")
	e.clock.Advance(24 * 24 * time.Hour) // 6 days left
	if n, err := e.ra.SendReminders(ctx); err != nil || n != 1 {
		t.Fatalf("7-day reminder: %d %v", n, err)
	}
	e.clock.Advance(5*24*time.Hour + 12*time.Hour)
	if n, err := e.ra.SendReminders(ctx); err != nil || n != 1 {
		t.Fatalf("1-day reminder: %d %v", n, err)
	}
	rs, err := e.st.ListReminders(ctx, "X1234567L", 0)
	if err != nil || len(rs) != 2 {
		t.Fatalf("notices = %+v, %v", rs, err)
	}
	for i, th := range []int{1, 7} {
		r := rs[i]
		if r.Kind != store.ReminderApplicationCode || r.Subject != res.ApplicationID || r.Threshold != th || r.Lang != "en" ||
			!strings.Contains(r.Title, "expires in") || !strings.Contains(r.Body, "office") {
			t.Errorf("notice %d = %+v", i, r)
		}
	}
	mails := e.outbox("X1234567L")
	if mails[0].Subject != rs[0].Title || mails[0].Body != rs[0].Body {
		t.Errorf("email %+v differs from the notice %+v", mails[0], rs[0])
	}
}
