package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestResendPINCarriesOnlyTheCodeID: "send another code" needs nothing but
// the code's ID, and the page never holds the identifier or the second fact.
func TestResendPINCarriesOnlyTheCodeID(t *testing.T) {
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	b := e.browser("en")
	resp, body := b.post("/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}, "next": {"/account"}})
	m := hiddenCodeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("PIN start: %d", resp.StatusCode)
	}
	if strings.Contains(body, "E12345678") || strings.Contains(body, `name="fact"`) || strings.Contains(body, `name="id"`) {
		t.Fatal("the code page carries the identifier or the second fact")
	}
	first := e.lastSMS(t, "X1234567L")
	e.clock.Advance(time.Second) // the outbox lists newest first, by time
	resp, body = b.post("/login/pin/resend", url.Values{"code_id": {m[1]}, "next": {"/account"}})
	m2 := hiddenCodeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m2 == nil || m2[1] == m[1] {
		t.Fatalf("resend: %d, new code id %v", resp.StatusCode, m2)
	}
	second := e.lastSMS(t, "X1234567L")
	if second == first && second == "" {
		t.Fatal("no new SMS")
	}
	resp, _ = b.post("/login/pin/verify", url.Values{"code_id": {m2[1]}, "pin": {second}, "next": {"/account"}})
	if resp.StatusCode != http.StatusSeeOther || b.cookie() == "" {
		t.Fatalf("login with the resent code: %d", resp.StatusCode)
	}
	// A made-up code ID sends nothing.
	resp, body = e.browser("en").post("/login/pin/resend", url.Values{"code_id": {"00ff"}})
	if resp.StatusCode == http.StatusOK && hiddenCodeID.MatchString(body) && !strings.Contains(body, "otp.expired") {
		t.Fatalf("resend for an unknown code: %d", resp.StatusCode)
	}
}
