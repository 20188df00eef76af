package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/passkeytest"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/store"
)

// newAppEnv is newAccEnv with the app login on: passkeys for
// llavero.example, the test's public URL.
func newAppEnv(t testing.TB) *accEnv {
	t.Helper()
	e := newAccEnv(t)
	n, err := notify.New(notify.Config{Outbox: e.st, LetterDir: t.TempDir(), Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := idp.Config{CodeKey: []byte("0123456789abcdef0123456789abcdef"), AllowForeignPhones: true,
		Password:     password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		WebAuthnRPID: "llavero.example", WebAuthnOrigins: []string{testPublicURL}}
	if e.idp, err = idp.New(e.st, n, e.ra, cfg, e.clock.Now, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(AccountDeps{IdP: e.idp, Store: e.st, CertLoginURL: "https://login.llavero.example", Now: e.clock.Now})
	e.accounts = httptest.NewServer(s.Handler())
	t.Cleanup(e.accounts.Close)
	return e
}

// call posts JSON as the page's script does (same origin) and decodes the
// answer.
func (b *browser) call(path string, in any, header ...string) (*http.Response, map[string]any) {
	b.t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(string(raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", b.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		b.t.Fatalf("%s: %d, body not JSON: %v", path, resp.StatusCode, err)
	}
	return resp, out
}

func (b *browser) cookieNamed(name string) *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func options(t testing.TB, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil || len(raw) < 10 {
		t.Fatalf("options %v: %v", v, err)
	}
	return raw
}

// registerPhone registers a software passkey from b's session.
func (e *accEnv) registerPhone(t testing.TB, b *browser, name string) *passkeytest.Authenticator {
	t.Helper()
	resp, begin := b.call("/api/v1/app/devices/begin", struct{}{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("begin registration: %d %v", resp.StatusCode, begin)
	}
	a, err := passkeytest.New(testPublicURL)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := a.Create(options(t, begin["options"]))
	if err != nil {
		t.Fatal(err)
	}
	resp, fin := b.call("/api/v1/app/devices/finish", map[string]any{"ceremony": begin["ceremony"], "name": name, "credential": json.RawMessage(cred)})
	if resp.StatusCode != http.StatusOK || fin["name"] != name {
		t.Fatalf("finish registration: %d %v", resp.StatusCode, fin)
	}
	return a
}

var (
	appIDRE    = regexp.MustCompile(`data-id="([0-9a-f]{32})"`)
	appCheckRE = regexp.MustCompile(`id="app-check" class="check-digits">(\d{3})<`)
)

// openAppLogin opens /login/app in b and returns the challenge ID and the
// check digits it shows.
func openAppLogin(t testing.TB, b *browser, next string) (id, check, body string) {
	t.Helper()
	path := "/login/app"
	if next != "" {
		path += "?" + url.Values{"next": {next}}.Encode()
	}
	resp, body := b.get(path)
	m, c := appIDRE.FindStringSubmatch(body), appCheckRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || c == nil {
		t.Fatalf("QR page: %d %s", resp.StatusCode, body)
	}
	return m[1], c[1], body
}

// phoneScan is the phone's side: the payload the QR holds now, scanned.
func (e *accEnv) phoneScan(t testing.TB, desktop, phone *browser, id string) map[string]any {
	t.Helper()
	bind := desktop.cookieNamed(appCookie)
	if bind == nil {
		t.Fatal("no app cookie")
	}
	payload, err := e.idp.AppPayload(context.Background(), id, sessionID(bind.Value))
	if err != nil {
		t.Fatal(err)
	}
	resp, sc := phone.call("/api/v1/app/scan", map[string]string{"payload": payload})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scan: %d %v", resp.StatusCode, sc)
	}
	return sc
}

func TestAppLoginThroughThePages(t *testing.T) {
	e := newAppEnv(t)
	e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	phone := e.browser("es")
	if resp, _ := e.pinLogin(t, phone, "X1234567L", "E12345678", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("PIN login: %d", resp.StatusCode)
	}
	if _, body := phone.get("/account"); !strings.Contains(body, `href="/account/app"`) {
		t.Fatal("the account page does not link the phone app page")
	}
	if _, body := phone.get("/account/app"); !strings.Contains(body, `id="app-register-button"`) || !strings.Contains(body, "No tienes ningún móvil") {
		t.Fatalf("phone app page: %s", body)
	}
	a := e.registerPhone(t, phone, "Móvil de Olena")
	if _, body := phone.get("/account/app"); !strings.Contains(body, "Móvil de Olena") {
		t.Fatalf("the registered phone is not listed: %s", body)
	}

	desktop := e.browser("en")
	if _, body := desktop.get("/login"); !strings.Contains(body, `href="/login/app"`) {
		t.Fatal("the login page does not offer the app")
	}
	id, check, body := openAppLogin(t, desktop, "/account")
	for _, want := range []string{`id="app-qr"`, `id="app-office"`, `id="app-status" role="status" aria-live="polite"`,
		`id="app-countdown"`, "<noscript>", `href="/login/pin?next=%2faccount"`, "needs JavaScript", ">llavero<"} {
		if !strings.Contains(body, want) {
			t.Errorf("QR page lacks %q", want)
		}
	}
	bind := desktop.cookieNamed(appCookie)
	if bind == nil {
		t.Fatal("no binding cookie")
	}
	// The QR image of this browser's challenge.
	resp, svg := desktop.get("/login/app/qr.svg?id=" + id)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg, "<svg") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("QR image: %d %s %.60s", resp.StatusCode, resp.Header, svg)
	}

	sc := e.phoneScan(t, desktop, phone, id)
	if sc["office"] != "llavero" || sc["check"] != check || sc["challenge"] != id {
		t.Fatalf("the phone shows %v, the screen %s", sc, check)
	}
	if resp, st := desktop.call("/api/v1/app/login/status", map[string]string{"id": id}); resp.StatusCode != http.StatusOK || st["state"] != "scanned" {
		t.Fatalf("status after the scan: %d %v", resp.StatusCode, st)
	}
	cred, err := a.Get(options(t, sc["options"]))
	if err != nil {
		t.Fatal(err)
	}
	if resp, out := phone.call("/api/v1/app/confirm", map[string]any{"challenge": id, "credential": json.RawMessage(cred)}); resp.StatusCode != http.StatusOK || out["state"] != "approved" {
		t.Fatalf("confirm: %d %v", resp.StatusCode, out)
	}

	// Session fixation: whatever session cookie the browser brought is
	// replaced by a new one.
	u, _ := url.Parse(desktop.base)
	desktop.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "planted-by-an-attacker", Path: "/"}})
	resp, st := desktop.call("/api/v1/app/login/status", map[string]string{"id": id, "next": "/account"})
	if resp.StatusCode != http.StatusOK || st["state"] != "done" || st["next"] != "/account" {
		t.Fatalf("status after approval: %d %v", resp.StatusCode, st)
	}
	if c := desktop.cookie(); c == "" || c == "planted-by-an-attacker" {
		t.Fatalf("session cookie after the app login: %q", c)
	}
	if desktop.cookieNamed(appCookie) != nil {
		t.Error("the binding cookie outlives the login")
	}
	sess, err := e.st.GetSession(context.Background(), sessionID(desktop.cookie()))
	if err != nil || sess.PersonID != "X1234567L" || sess.ACR != "substantial" || strings.Join(sess.AMR, " ") != "hwk user mfa" {
		t.Fatalf("session = %+v, %v", sess, err)
	}
	if _, body := desktop.get("/account"); !strings.Contains(body, "phone app") || !strings.Contains(body, "substantial") {
		t.Errorf("account page after the app login: %s", body)
	}
}

// TestAppQRReplayFromAnotherBrowser: a second browser that knows the
// challenge's public ID (it is in every QR) polls it with its own binding
// cookie, or none, and gets nothing, before and after the approval.
func TestAppQRReplayFromAnotherBrowser(t *testing.T) {
	e := newAppEnv(t)
	e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	phone := e.browser("es")
	e.pinLogin(t, phone, "X1234567L", "E12345678", "")
	a := e.registerPhone(t, phone, "Pixel")
	victim, attacker, bare := e.browser("es"), e.browser("es"), e.browser("es")
	id, _, _ := openAppLogin(t, victim, "")
	openAppLogin(t, attacker, "") // a binding cookie of its own
	sc := e.phoneScan(t, victim, phone, id)
	cred, _ := a.Get(options(t, sc["options"]))
	if resp, _ := phone.call("/api/v1/app/confirm", map[string]any{"challenge": id, "credential": json.RawMessage(cred)}); resp.StatusCode != http.StatusOK {
		t.Fatal("confirm failed")
	}
	for _, b := range []*browser{attacker, bare} {
		resp, out := b.call("/api/v1/app/login/status", map[string]string{"id": id})
		if resp.StatusCode != http.StatusNotFound || out["code"] != "app.unknown" || b.cookie() != "" {
			t.Fatalf("another browser polled: %d %v, session %q", resp.StatusCode, out, b.cookie())
		}
		if resp, _ := b.get("/login/app/qr.svg?id=" + id); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another browser drew the code: %d", resp.StatusCode)
		}
	}
	if resp, st := victim.call("/api/v1/app/login/status", map[string]string{"id": id}); resp.StatusCode != http.StatusOK || st["state"] != "done" || victim.cookie() == "" {
		t.Fatalf("the victim's browser: %d %v", resp.StatusCode, st)
	}
}

func TestAppLoginOfABasicAccountIsLow(t *testing.T) {
	e := newAppEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	phone := e.browser("es")
	e.pinLogin(t, phone, "X1234567L", "E12345678", "")
	a := e.registerPhone(t, phone, "Pixel")
	desktop := e.browser("es")
	id, _, _ := openAppLogin(t, desktop, "")
	sc := e.phoneScan(t, desktop, phone, id)
	cred, _ := a.Get(options(t, sc["options"]))
	phone.call("/api/v1/app/confirm", map[string]any{"challenge": id, "credential": json.RawMessage(cred)})
	if _, st := desktop.call("/api/v1/app/login/status", map[string]string{"id": id}); st["state"] != "done" || st["next"] != "/account" {
		t.Fatalf("status: %v", st)
	}
	sess, err := e.st.GetSession(context.Background(), sessionID(desktop.cookie()))
	if err != nil || sess.ACR != "low" {
		t.Fatalf("session = %+v, %v; want low", sess, err)
	}
}

func TestAppRegistrationNeedsTheAccountsFullLevel(t *testing.T) {
	e := newAppEnv(t)
	e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	const pw = "Correct-Horse-Battery-9"
	if err := e.idp.SetPassword(context.Background(), "X1234567L", pw); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"es", "en"} {
		b := e.browser(lang)
		if resp, _ := b.post("/login/password", url.Values{"id": {"X1234567L"}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("password login: %d", resp.StatusCode)
		}
		resp, out := b.call("/api/v1/app/devices/begin", struct{}{})
		if resp.StatusCode != http.StatusForbidden || out["code"] != "app.level" || out["message"] == "" || out["next"] == "" {
			t.Fatalf("%s: begin from a password session: %d %v", lang, resp.StatusCode, out)
		}
		word := map[string]string{"es": "nivel", "en": "level"}[lang]
		if !strings.Contains(out["message"].(string), word) {
			t.Errorf("%s: message not in %s: %v", lang, lang, out["message"])
		}
		_, body := b.get("/account/app")
		if strings.Contains(body, `id="app-register-button"`) {
			t.Errorf("%s: the register button is offered to a password session", lang)
		}
	}
	// Without any session.
	resp, out := e.browser("en").call("/api/v1/app/devices/begin", struct{}{})
	if resp.StatusCode != http.StatusUnauthorized || out["code"] != "app.session" {
		t.Fatalf("begin without a session: %d %v", resp.StatusCode, out)
	}
}

func TestAppRefuseAndRemove(t *testing.T) {
	e := newAppEnv(t)
	e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	phone := e.browser("en")
	e.pinLogin(t, phone, "X1234567L", "E12345678", "")
	a := e.registerPhone(t, phone, "Pixel")
	desktop := e.browser("en")
	id, _, _ := openAppLogin(t, desktop, "")
	e.phoneScan(t, desktop, phone, id)
	if resp, out := phone.call("/api/v1/app/refuse", map[string]string{"challenge": id}); resp.StatusCode != http.StatusOK || out["state"] != "refused" {
		t.Fatalf("refuse: %d %v", resp.StatusCode, out)
	}
	if _, st := desktop.call("/api/v1/app/login/status", map[string]string{"id": id}); st["state"] != "refused" || desktop.cookie() != "" {
		t.Fatalf("status after refusal: %v", st)
	}

	devs, _ := e.idp.Devices(context.Background(), "X1234567L")
	resp, _ := phone.post("/account/app/remove", url.Values{"device": {devs[0].ID}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/app?removed=1" {
		t.Fatalf("remove: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := phone.get("/account/app?removed=1"); !strings.Contains(body, "Phone removed") || strings.Contains(body, "Pixel") {
		t.Fatalf("after removal: %s", body)
	}
	resp, body := phone.post("/account/app/remove", url.Values{"device": {devs[0].ID}})
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "app.device_gone") {
		t.Fatalf("removing twice: %d %s", resp.StatusCode, body)
	}
	// The removed phone no longer logs in.
	id, _, _ = openAppLogin(t, desktop, "")
	sc := e.phoneScan(t, desktop, phone, id)
	cred, _ := a.Get(options(t, sc["options"]))
	if resp, out := phone.call("/api/v1/app/confirm", map[string]any{"challenge": id, "credential": json.RawMessage(cred)}); resp.StatusCode != http.StatusForbidden || out["code"] != "app.device_disabled" {
		t.Fatalf("confirm with a removed phone: %d %v", resp.StatusCode, out)
	}
}

// TestAppEndpointsRefuseCrossOrigin: every JSON endpoint of the app login
// sits behind the cross-origin protection the forms have.
func TestAppEndpointsRefuseCrossOrigin(t *testing.T) {
	e := newAppEnv(t)
	b := e.browser("es")
	for _, path := range []string{"/api/v1/app/scan", "/api/v1/app/confirm", "/api/v1/app/refuse", "/api/v1/app/login/status",
		"/api/v1/app/devices/begin", "/api/v1/app/devices/finish"} {
		for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "", "Origin", "https://phish.example"}} {
			resp, out := b.call(path, map[string]string{}, h...)
			if resp.StatusCode != http.StatusForbidden || out["code"] != "web.cross_origin" {
				t.Errorf("%s with %v: %d %v", path, h, resp.StatusCode, out)
			}
		}
	}
	resp, _ := b.do("POST", "/account/app/remove", url.Values{"device": {"x"}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site removal form: %d", resp.StatusCode)
	}
}

func TestAppScanErrorsAreBilingual(t *testing.T) {
	e := newAppEnv(t)
	for lang, want := range map[string][2]string{
		"es": {"no es un código de acceso de llavero válido", "Escanea solo el código"},
		"en": {"is not a valid llavero login code", "Scan only the code"},
	} {
		resp, out := e.browser(lang).call("/api/v1/app/scan", map[string]string{"payload": "llavero://qr?id=" + strings.Repeat("a", 32) + "&t=0&m=" + strings.Repeat("0", 32)})
		if resp.StatusCode != http.StatusBadRequest || out["code"] != "qr.invalid" ||
			!strings.Contains(out["message"].(string), want[0]) || !strings.Contains(out["next"].(string), want[1]) {
			t.Errorf("%s: %d %v", lang, resp.StatusCode, out)
		}
	}
	// The phone page itself works as a plain page and says why it needs
	// JavaScript.
	resp, body := e.browser("en").get("/app/scan")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="scan-confirm"`) || !strings.Contains(body, "needs JavaScript") {
		t.Fatalf("phone page: %d %s", resp.StatusCode, body)
	}
}

func TestAppOfficeNameFromTheOIDCRequest(t *testing.T) {
	e := newAppEnv(t)
	ctx := context.Background()
	if err := e.st.CreateClient(ctx, store.Client{ID: "dgt", Name: "Sede de Tráfico", RedirectURIs: []string{"https://dgt.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateAuthRequest(ctx, store.OIDCAuthRequest{ID: "ar1", ClientID: "dgt", CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(10 * 60e9)}); err != nil {
		t.Fatal(err)
	}
	_, _, body := openAppLogin(t, e.browser("es"), ContinueURL("ar1"))
	if !strings.Contains(body, ">Sede de Tráfico<") {
		t.Fatalf("the QR page does not name the office: %s", body)
	}
	if got := (&accountRoutes{s: &Server{publicURL: testPublicURL}}).scanBase(httptest.NewRequest("GET", "/", nil)); got != testPublicURL+"/app/scan#" {
		t.Errorf("scanBase = %q", got)
	}
}

func TestAppLoginOffWithoutARelyingParty(t *testing.T) {
	e := newAccEnv(t)
	b := e.browser("en")
	if _, body := b.get("/login"); strings.Contains(body, "/login/app") {
		t.Error("the login page offers the app login on an installation without it")
	}
	resp, body := b.get("/login/app")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "app.off") || !strings.Contains(body, "PIN by SMS") {
		t.Fatalf("/login/app with the app off: %d %s", resp.StatusCode, body)
	}
}

// BenchmarkAppQRImage is the login page's image endpoint under parallel
// load: every open QR page fetches one a second. Each request reads the
// challenge, checks the binding, MACs the payload and draws the SVG.
func BenchmarkAppQRImage(b *testing.B) {
	e := newAppEnv(b)
	desktop := e.browser("es")
	desktop.t = b
	id, _, _ := openAppLogin(b, desktop, "")
	bind := desktop.cookieNamed(appCookie)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := e.accounts.URL + "/login/app/qr.svg?id=" + id
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.AddCookie(bind)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || n < 1000 {
				b.Errorf("QR image: %d, %d bytes", resp.StatusCode, n)
				return
			}
		}
	})
}

func TestAppWebErrorsAreBilingual(t *testing.T) {
	i18ntest.CheckBilingual(t, map[string]*i18n.Error{"errAppNeedsSession": errAppNeedsSession}, regexp.MustCompile(`^app\.[a-z_]+$`))
	if errAppNeedsSession.Msg.ES == errAppNeedsSession.Msg.EN || errAppNeedsSession.Next.ES == errAppNeedsSession.Next.EN {
		t.Error("errAppNeedsSession is not translated")
	}
}
