package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// beginState starts a certificate login on the main origin, as the login
// page's link does, and returns the state it bound to the browser.
func beginState(t *testing.T, b *browser, next string) string {
	t.Helper()
	path := "/login/certificate/begin"
	if next != "" {
		path += "?" + url.Values{"next": {next}}.Encode()
	}
	resp, _ := b.get(path)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("begin: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state")
}

// certHandoff starts a certificate login in browser b and asks the
// certificate origin (as the holder's client) to continue it; it returns
// the main-origin path (with its query) the browser is sent back to.
func (e *accEnv) certHandoff(t *testing.T, b *browser, c *http.Client, next string) string {
	t.Helper()
	q := url.Values{"state": {beginState(t, b, next)}}
	if next != "" {
		q.Set("next", next)
	}
	u := e.certReg.URL + "/login/certificate?" + q.Encode()
	resp, body := call(t, c, "GET", u, nil, map[string]string{"Accept-Language": "en"})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, testPublicURL+"/login/certificate/complete?") {
		t.Fatalf("certificate origin: %d %q %s", resp.StatusCode, loc, body)
	}
	return strings.TrimPrefix(loc, testPublicURL)
}

func TestCertificateLoginAcrossOrigins(t *testing.T) {
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	_, _, holder := e.certified("X1234567L", "Kovalenko")
	b := e.browser("en")

	// The login page offers the certificate, keeping where to go after.
	_, body := b.get("/login?next=/account")
	if !strings.Contains(body, `href="/login/certificate/begin?next=%2Faccount"`) ||
		!strings.Contains(body, "Log in with your certificate") {
		t.Fatalf("login page lacks the certificate option: %s", body)
	}

	path := e.certHandoff(t, b, e.client(holder), "/account")
	resp, _ := b.get(path)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" || b.cookie() == "" {
		t.Fatalf("main origin: %d %q cookie %q", resp.StatusCode, resp.Header.Get("Location"), b.cookie())
	}
	sess, err := e.st.GetSession(context.Background(), sessionID(b.cookie()))
	if err != nil || sess.PersonID != "X1234567L" || sess.ACR != "substantial" || strings.Join(sess.AMR, ",") != "swk" {
		t.Fatalf("session %+v %v", sess, err)
	}
	resp, body = b.get("/account")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("account: %d", resp.StatusCode)
	}
	for _, want := range []string{"advanced", "with your certificate", "certificate", "substantial"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if acc, err := e.st.GetAccount(context.Background(), "X1234567L"); err != nil || acc.Level != store.LevelAdvanced {
		t.Fatalf("account %+v %v", acc, err)
	}

	// Another browser cannot be logged in with this hand-off (login CSRF):
	// it did not start it.
	other := e.browser("en")
	resp, body = other.get(path)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "certlogin.state") || other.cookie() != "" {
		t.Fatalf("hand-off in another browser: %d %s", resp.StatusCode, body)
	}
	// The hand-off works once: replayed with a valid state, it opens no session.
	token, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
	st := beginState(t, other, "")
	resp, body = other.get("/login/certificate/complete?" + url.Values{"token": {token.Get("token")}, "state": {st}}.Encode())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "certlogin.used") || other.cookie() != "" {
		t.Fatalf("replayed hand-off: %d %s", resp.StatusCode, body)
	}
	// And for a minute only.
	path = e.certHandoff(t, other, e.client(holder), "")
	e.clock.Advance(61 * time.Second)
	resp, body = other.get(path)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "certlogin.expired") || other.cookie() != "" {
		t.Fatalf("late hand-off: %d %s", resp.StatusCode, body)
	}
	st = beginState(t, other, "")
	resp, body = other.get("/login/certificate/complete?" + url.Values{"token": {"nonsense"}, "state": {st}}.Encode())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "certlogin.unknown") {
		t.Fatalf("made-up token: %d %s", resp.StatusCode, body)
	}
}

func TestCertificateLoginNeedsACertificate(t *testing.T) {
	e := newAccEnv(t)
	resp, body := call(t, e.client(), "GET", e.certReg.URL+"/login/certificate?next=/account", nil, map[string]string{"Accept-Language": "en"})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "import your certificate") {
		t.Fatalf("without a certificate: %d %s", resp.StatusCode, body)
	}
	// The completion is only on the main origin, the start only on the
	// certificate origin.
	if resp, _ := e.browser("en").get("/login/certificate"); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("start on the main origin: %d", resp.StatusCode)
	}
	if resp, _ := call(t, e.client(), "GET", e.certReg.URL+"/login/certificate/complete?token=x", nil, nil); resp.StatusCode == http.StatusSeeOther {
		t.Fatalf("completion on the certificate origin: %d", resp.StatusCode)
	}
}

func TestCertificateLoginRefusesOpenRedirects(t *testing.T) {
	e := newAccEnv(t)
	_, _, holder := e.certified("X1234567L", "Kovalenko")
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example"} {
		// The certificate origin drops it...
		b := e.browser("en")
		path := e.certHandoff(t, b, e.client(holder), next)
		if strings.Contains(path, "evil") {
			t.Fatalf("next=%q passed on: %s", next, path)
		}
		// ...and the main origin drops it too, when it is added later.
		resp, _ := b.get(path + "&" + url.Values{"next": {next}}.Encode())
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("next=%q: %d %q", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
