package idp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/passkeytest"
	"github.com/llavero/llavero/internal/idp/qrlogin"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/store"
)

const appOrigin = "https://llavero.example.es"

// newAppEnv is newEnv with the app login on, for llavero.example.es.
func newAppEnv(t testing.TB) *env {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok {
		tt = &testing.T{}
	}
	e := newEnv(tt)
	n, err := notify.New(notify.Config{Outbox: e.st, LetterDir: filepath.Join(t.TempDir(), "letters"), Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.idp.cfg
	cfg.WebAuthnRPID, cfg.WebAuthnOrigins = "llavero.example.es", []string{appOrigin}
	if e.idp, err = New(e.st, n, e.ra, cfg, e.clock.Now, nil, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return e
}

// appAccount gives a registry person an account at level, with the
// registry's mobile and email.
func (e *env) appAccount(id, level string) {
	e.t.Helper()
	ctx := context.Background()
	p, err := e.st.GetPerson(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	if err := e.st.CreateAccount(ctx, store.Account{PersonID: id, Level: level, RegisteredVia: store.ViaOffice,
		Mobile: p.Mobile, Email: p.Email, Lang: "es", CreatedAt: now, UpdatedAt: now}); err != nil {
		e.t.Fatal(err)
	}
}

// enrol registers a new software passkey for a person from a session at
// sessionACR.
func (e *env) enrol(id, sessionACR string) *passkeytest.Authenticator {
	e.t.Helper()
	a, err := passkeytest.New(appOrigin)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.enrolWith(a, id, sessionACR); err != nil {
		e.t.Fatalf("enrol %s: %v", id, err)
	}
	return a
}

func (e *env) enrolWith(a *passkeytest.Authenticator, id, sessionACR string) error {
	ctx := context.Background()
	reg, err := e.idp.BeginDeviceRegistration(ctx, id, sessionACR)
	if err != nil {
		return err
	}
	resp, err := a.Create(reg.Options)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.idp.FinishDeviceRegistration(ctx, id, sessionACR, reg.CeremonyID, "Pixel", resp, i18n.ES)
	return err
}

func browser(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// scanAndConfirm starts a login for the browser, scans the code the page
// shows now and confirms it with a.
func (e *env) scanAndConfirm(a *passkeytest.Authenticator, sessionHash string) (AppChallenge, error) {
	e.t.Helper()
	ctx := context.Background()
	ch, err := e.idp.StartAppLogin(ctx, sessionHash, "Sede de Tráfico")
	if err != nil {
		e.t.Fatal(err)
	}
	payload, err := e.idp.AppPayload(ctx, ch.ID, sessionHash)
	if err != nil {
		e.t.Fatal(err)
	}
	sc, err := e.idp.Scan(ctx, payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if sc.Office != "Sede de Tráfico" || sc.Check != ch.Check || sc.ChallengeID != ch.ID {
		e.t.Fatalf("scan shows %+v, page shows %+v", sc, ch)
	}
	resp, err := a.Get(sc.Options)
	if err != nil {
		e.t.Fatal(err)
	}
	return ch, e.idp.Confirm(ctx, sc.ChallengeID, resp)
}

func TestAppLoginLevels(t *testing.T) {
	for _, tc := range []struct {
		id, level, session, want string
	}{
		{"X1234567L", store.LevelAdvanced, loa.Substantial, loa.Substantial},
		{"12345678Z", store.LevelBasic, loa.Low, loa.Low},
	} {
		t.Run(tc.level, func(t *testing.T) {
			e := newAppEnv(t)
			ctx := context.Background()
			e.appAccount(tc.id, tc.level)
			a := e.enrol(tc.id, tc.session)
			b := browser("a")
			ch, err := e.scanAndConfirm(a, b)
			if err != nil {
				t.Fatal(err)
			}
			st, err := e.idp.Poll(ctx, ch.ID, b)
			if err != nil || st.Who == nil {
				t.Fatalf("Poll = %+v, %v", st, err)
			}
			who := *st.Who
			if who.PersonID != tc.id || who.Method != loa.MethodApp || who.ACR != tc.want ||
				!slices.Equal(who.AMR, []string{"hwk", "user", "mfa"}) {
				t.Errorf("logged in as %+v, want %s at %s by app", who, tc.id, tc.want)
			}
			ev, err := e.st.ListLoginEvents(ctx, tc.id, 1)
			if err != nil || len(ev) != 1 || ev[0].Method != loa.MethodApp || ev[0].ACR != tc.want || ev[0].Outcome != "ok" {
				t.Errorf("login event = %+v, %v", ev, err)
			}
			// Collected once: the next poll gets the state, not a login.
			st, err = e.idp.Poll(ctx, ch.ID, b)
			if err != nil || st.Who != nil || st.State != store.QRCollected {
				t.Errorf("second Poll = %+v, %v; want collected without a login", st, err)
			}
		})
	}
}

func TestAppEnrolmentTellsThePerson(t *testing.T) {
	e := newAppEnv(t)
	e.appAccount("X1234567L", store.LevelAdvanced)
	e.enrol("X1234567L", loa.Substantial)
	for _, kind := range []string{store.KindSMS, store.KindEmail} {
		m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "X1234567L", Kind: kind, Limit: 1})
		if err != nil || len(m) != 1 {
			t.Fatalf("%s: %v, %v", kind, m, err)
		}
		if !strings.Contains(m[0].Body, "Pixel") || !strings.Contains(m[0].Body, "no has sido tú") {
			t.Errorf("%s does not name the phone and what to do: %q", kind, m[0].Body)
		}
	}
}

func TestAppEnrolmentNeedsTheAccountsLevel(t *testing.T) {
	e := newAppEnv(t)
	e.appAccount("X1234567L", store.LevelAdvanced)
	a, _ := passkeytest.New(appOrigin)
	err := e.enrolWith(a, "X1234567L", loa.Low)
	wantCode(t, err, "app.level")
	// Begun at the right level, finished from a weaker session: refused too.
	ctx := context.Background()
	reg, err := e.idp.BeginDeviceRegistration(ctx, "X1234567L", loa.Substantial)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Create(reg.Options)
	_, err = e.idp.FinishDeviceRegistration(ctx, "X1234567L", loa.Low, reg.CeremonyID, "", resp, i18n.ES)
	wantCode(t, err, "app.level")
	if d, _ := e.idp.Devices(ctx, "X1234567L"); len(d) != 0 {
		t.Errorf("devices after refused enrolments: %+v", d)
	}
	_, err = e.idp.BeginDeviceRegistration(ctx, "Y0000001S", loa.High)
	wantCode(t, err, "account.none")
}

func TestAppRegistrationCeremonyIsSingleUseAndPersonal(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	e.appAccount("12345678Z", store.LevelBasic)
	a, _ := passkeytest.New(appOrigin)
	reg, err := e.idp.BeginDeviceRegistration(ctx, "X1234567L", loa.Substantial)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Create(reg.Options)
	// Another person's session cannot finish it.
	_, err = e.idp.FinishDeviceRegistration(ctx, "12345678Z", loa.Low, reg.CeremonyID, "", resp, i18n.ES)
	wantCode(t, err, "app.registration_expired")
	if _, err := e.idp.FinishDeviceRegistration(ctx, "X1234567L", loa.Substantial, reg.CeremonyID, "", resp, i18n.ES); err != nil {
		t.Fatal(err)
	}
	_, err = e.idp.FinishDeviceRegistration(ctx, "X1234567L", loa.Substantial, reg.CeremonyID, "", resp, i18n.ES)
	wantCode(t, err, "app.registration_expired")
	// Expired.
	reg, _ = e.idp.BeginDeviceRegistration(ctx, "X1234567L", loa.Substantial)
	resp, _ = a.Create(reg.Options)
	e.clock.Advance(appCeremonyTTL + time.Second)
	_, err = e.idp.FinishDeviceRegistration(ctx, "X1234567L", loa.Substantial, reg.CeremonyID, "", resp, i18n.ES)
	wantCode(t, err, "app.registration_expired")
}

func TestAppPasskeyWithoutUserVerificationRefused(t *testing.T) {
	e := newAppEnv(t)
	e.appAccount("X1234567L", store.LevelAdvanced)
	a, _ := passkeytest.New(appOrigin)
	a.SkipUV = true
	wantCode(t, e.enrolWith(a, "X1234567L", loa.Substantial), "app.passkey_rejected")
	// Registered properly, then asserting without the screen lock.
	a = e.enrol("X1234567L", loa.Substantial)
	a.SkipUV = true
	_, err := e.scanAndConfirm(a, browser("a"))
	wantCode(t, err, "app.passkey_rejected")
	// A passkey for another site is not used at all.
	other, _ := passkeytest.New("https://phish.example.com")
	if _, err := other.Create([]byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"llavero.example.es"},"user":{"id":"AA"}}}`)); err == nil {
		t.Error("the test authenticator served another relying party")
	}
}

func TestAppSecondDeviceDisablesTheFirst(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	first := e.enrol("X1234567L", loa.Substantial)
	second := e.enrol("X1234567L", loa.Substantial)
	devs, err := e.idp.Devices(ctx, "X1234567L")
	if err != nil || len(devs) != 1 || string(devs[0].CredentialID) != string(second.CredentialID()) {
		t.Fatalf("active devices = %+v, %v; want only the second", devs, err)
	}
	_, err = e.scanAndConfirm(first, browser("a"))
	wantCode(t, err, "app.device_disabled")
	if _, err := e.scanAndConfirm(second, browser("a")); err != nil {
		t.Fatal(err)
	}
}

func TestAppRemoveDevice(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	e.appAccount("12345678Z", store.LevelBasic)
	a := e.enrol("X1234567L", loa.Substantial)
	devs, _ := e.idp.Devices(ctx, "X1234567L")
	wantCode(t, e.idp.RemoveDevice(ctx, "12345678Z", devs[0].ID), "app.device_gone")
	if err := e.idp.RemoveDevice(ctx, "X1234567L", devs[0].ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.idp.RemoveDevice(ctx, "X1234567L", devs[0].ID), "app.device_gone")
	if d, _ := e.idp.Devices(ctx, "X1234567L"); len(d) != 0 {
		t.Errorf("devices after removal: %+v", d)
	}
	_, err := e.scanAndConfirm(a, browser("a"))
	wantCode(t, err, "app.device_disabled")
}

func TestAppStaleAndExpired(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	e.clock.Advance(qrlogin.DefaultMaxAge + time.Second)
	_, err := e.idp.Scan(ctx, payload)
	wantCode(t, err, "qr.stale")

	// Scanned in time, confirmed after the five minutes.
	e.clock.Advance(qrlogin.Lifetime - qrlogin.DefaultMaxAge - 3*time.Second)
	payload, err = e.idp.AppPayload(ctx, ch.ID, b)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := e.idp.Scan(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Get(sc.Options)
	e.clock.Advance(3 * time.Second)
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp), "qr.expired")
	_, err = e.idp.Scan(ctx, payload)
	wantCode(t, err, "qr.expired")
	_, err = e.idp.AppPayload(ctx, ch.ID, b)
	wantCode(t, err, "qr.expired")
	if st, err := e.idp.Poll(ctx, ch.ID, b); err != nil || st.State != AppExpired || st.Who != nil {
		t.Errorf("Poll after expiry = %+v, %v", st, err)
	}
	// The purge removes it.
	if n, err := e.st.DeleteExpiredAppLogins(ctx, e.clock.Now()); err != nil || n != 1 {
		t.Errorf("purge = %d, %v", n, err)
	}
	_, err = e.idp.Scan(ctx, payload)
	wantCode(t, err, "qr.invalid")
}

func TestAppForgedPayload(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	flip := map[byte]byte{'0': '1'}
	last := payload[len(payload)-1]
	repl, ok := flip[last]
	if !ok {
		repl = '0'
	}
	unknown := strings.Replace(payload, ch.ID, strings.Repeat("a", 32), 1)
	for name, p := range map[string]string{
		"mac":     payload[:len(payload)-1] + string(repl),
		"unknown": unknown,
		"garbage": "https://phish.example.com/",
		"later":   strings.Replace(payload, "&t=0&", "&t=1&", 1),
	} {
		_, err := e.idp.Scan(ctx, p)
		if i18n.CodeOf(err) != "qr.invalid" {
			t.Errorf("%s: err = %v, want qr.invalid", name, err)
		}
	}
	if got, _ := e.st.GetQRChallenge(ctx, ch.ID); got.Scans != 0 {
		t.Errorf("forged scans counted: %d", got.Scans)
	}
}

func TestAppReplayOfAnApprovedChallenge(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	sc, err := e.idp.Scan(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Get(sc.Options)
	if err := e.idp.Confirm(ctx, ch.ID, resp); err != nil {
		t.Fatal(err)
	}
	// The same assertion again, and the same code scanned again.
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp), "app.decided")
	_, err = e.idp.Scan(ctx, payload)
	wantCode(t, err, "app.decided")
	_, err = e.idp.AppPayload(ctx, ch.ID, b)
	wantCode(t, err, "app.decided")
	// A fresh assertion for the old ceremony is no better.
	resp2, _ := a.Get(sc.Options)
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp2), "app.decided")
}

// TestAppQRReplayFromAnotherBrowser: a code shown in browser A, scanned
// and confirmed by its owner, never logs in browser B, whatever B knows.
func TestAppQRReplayFromAnotherBrowser(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	victim, attacker := browser("victim"), browser("attacker")
	ch, err := e.scanAndConfirm(a, victim)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		st, err := e.idp.Poll(ctx, ch.ID, attacker)
		wantCode(t, err, "app.unknown")
		if st.Who != nil || st.State != "" {
			t.Fatalf("another browser learned %+v", st)
		}
	}
	_, err = e.idp.Poll(ctx, ch.ID, "")
	wantCode(t, err, "app.unknown")
	_, err = e.idp.AppPayload(ctx, ch.ID, attacker)
	wantCode(t, err, "app.unknown")
	// An unknown ID looks exactly the same.
	_, err = e.idp.Poll(ctx, strings.Repeat("0", 32), attacker)
	wantCode(t, err, "app.unknown")
	// The victim's browser still collects its login.
	st, err := e.idp.Poll(ctx, ch.ID, victim)
	if err != nil || st.Who == nil || st.Who.PersonID != "X1234567L" {
		t.Fatalf("victim's Poll = %+v, %v", st, err)
	}
}

func TestAppRefuse(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	wantCode(t, e.idp.Refuse(ctx, ch.ID), "app.not_scanned")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	sc, err := e.idp.Scan(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := e.idp.Poll(ctx, ch.ID, b); st.State != AppScanned {
		t.Errorf("after the scan the page sees %q, want scanned", st.State)
	}
	if err := e.idp.Refuse(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Get(sc.Options)
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp), "app.decided")
	wantCode(t, e.idp.Refuse(ctx, ch.ID), "app.decided")
	if st, err := e.idp.Poll(ctx, ch.ID, b); err != nil || st.State != store.QRRefused || st.Who != nil {
		t.Errorf("Poll after refusal = %+v, %v", st, err)
	}
	wantCode(t, e.idp.Refuse(ctx, strings.Repeat("0", 32)), "qr.expired")
	if ev, _ := e.st.ListAudit(ctx, 0, 1000); !slices.ContainsFunc(ev, func(a store.AuditEvent) bool { return a.Action == "app.login_refuse" }) {
		t.Error("refusal not audited")
	}
}

func TestAppSignCountCloneDetected(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	copyOfKey := a.Clone()
	if _, err := e.scanAndConfirm(a, browser("a")); err != nil {
		t.Fatal(err)
	}
	_, err := e.scanAndConfirm(copyOfKey, browser("b"))
	wantCode(t, err, "app.device_cloned")
	// Blocked for the original too, until the person registers again.
	_, err = e.scanAndConfirm(a, browser("a"))
	wantCode(t, err, "app.device_disabled")
	if d, _ := e.idp.Devices(ctx, "X1234567L"); len(d) != 0 {
		t.Errorf("a cloned device stays active: %+v", d)
	}
	ev, _ := e.st.ListAudit(ctx, 0, 1000)
	if !slices.ContainsFunc(ev, func(a store.AuditEvent) bool { return a.Action == "app.device_cloned" }) {
		t.Error("clone not audited")
	}
}

func TestAppSyncedPasskeyWithoutCounter(t *testing.T) {
	e := newAppEnv(t)
	e.appAccount("X1234567L", store.LevelAdvanced)
	a, _ := passkeytest.New(appOrigin)
	a.KeepCounterZero, a.BackupEligible = true, true
	if err := e.enrolWith(a, "X1234567L", loa.Substantial); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := e.scanAndConfirm(a, browser("a")); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
}

func TestAppScanLimit(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	for i := range AppScansPerChallenge {
		if _, err := e.idp.Scan(ctx, payload); err != nil {
			t.Fatalf("scan %d: %v", i, err)
		}
	}
	_, err := e.idp.Scan(ctx, payload)
	wantCode(t, err, "app.too_many_scans")
}

func TestAppRescanInvalidatesTheOldCeremony(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	first, _ := e.idp.Scan(ctx, payload)
	if _, err := e.idp.Scan(ctx, payload); err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Get(first.Options)
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp), "app.passkey_rejected")
}

func TestAppUnknownDeviceAndOff(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	sc, _ := e.idp.Scan(ctx, payload)
	stranger, _ := passkeytest.New(appOrigin)
	if _, err := stranger.Create([]byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"llavero.example.es"},"user":{"id":"AQ"}}}`)); err != nil {
		t.Fatal(err)
	}
	resp, _ := stranger.Get(sc.Options)
	wantCode(t, e.idp.Confirm(ctx, ch.ID, resp), "app.unknown_device")
	wantCode(t, e.idp.Confirm(ctx, ch.ID, []byte("{}")), "app.passkey_rejected")

	off := newEnv(t)
	_, err := off.idp.StartAppLogin(ctx, b, "Sede")
	wantCode(t, err, "app.off")
}

// appErrors lists the app login's exported errors; the test below fails
// when a new ErrApp* variable is missing here.
var appErrors = map[string]*i18n.Error{
	"ErrAppOff": ErrAppOff, "ErrAppLevel": ErrAppLevel, "ErrAppRegistrationExpired": ErrAppRegistrationExpired,
	"ErrAppPasskeyRejected": ErrAppPasskeyRejected, "ErrAppDeviceKnown": ErrAppDeviceKnown,
	"ErrAppUnknownDevice": ErrAppUnknownDevice, "ErrAppDeviceDisabled": ErrAppDeviceDisabled,
	"ErrAppDeviceCloned": ErrAppDeviceCloned, "ErrAppDecided": ErrAppDecided, "ErrAppTooManyScans": ErrAppTooManyScans,
	"ErrAppNotScanned": ErrAppNotScanned, "ErrAppRescanned": ErrAppRescanned, "ErrAppUnknown": ErrAppUnknown,
	"ErrAppDeviceGone": ErrAppDeviceGone, "ErrAppTooManyPages": ErrAppTooManyPages,
}

func TestAppErrorsListedAndBilingual(t *testing.T) {
	for _, name := range i18ntest.ExportedErrors(t, ".") {
		if _, ok := appErrors[name]; strings.HasPrefix(name, "ErrApp") && !ok {
			t.Errorf("%s is exported but not listed in appErrors", name)
		}
	}
	i18ntest.CheckBilingual(t, appErrors, regexp.MustCompile(`^app\.[a-z_]+$`))
	for name, e := range appErrors {
		if e.Msg.ES == e.Msg.EN || e.Next.ES == e.Next.EN {
			t.Errorf("%s: a text is the same in both languages", name)
		}
	}
	if !errors.Is(ErrAppDecided.Wrap(errors.New("x")), ErrAppDecided) {
		t.Error("wrapped app errors no longer match their template")
	}
}

// TestAppDoublePostedAssertion: the page's confirmation posted twice at
// once (a double tap, a retry) approves once and does not look like a
// cloned key: the device stays active.
func TestAppDoublePostedAssertion(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	e.appAccount("X1234567L", store.LevelAdvanced)
	a := e.enrol("X1234567L", loa.Substantial)
	b := browser("a")
	ch, _ := e.idp.StartAppLogin(ctx, b, "Sede")
	payload, _ := e.idp.AppPayload(ctx, ch.ID, b)
	sc, err := e.idp.Scan(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := a.Get(sc.Options)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { errs <- e.idp.Confirm(ctx, ch.ID, resp) })
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch i18n.CodeOf(err) {
		case "":
			if err != nil {
				t.Fatal(err)
			}
			ok++
		case "app.decided":
		default:
			t.Errorf("concurrent confirmation: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d confirmations succeeded, want 1", ok)
	}
	if d, _ := e.idp.Devices(ctx, "X1234567L"); len(d) != 1 {
		t.Errorf("the device was blocked by a double post: %+v", d)
	}
}
