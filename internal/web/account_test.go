package web

import (
	"context"
	"crypto/x509"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/password"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

// accEnv is the certificate service of certEnv plus a real IdP on the same
// SQLite store, with the account pages mounted on both origins.
type accEnv struct {
	*certEnv
	idp      *idp.IdP
	accounts *httptest.Server // main origin with the account pages
	certReg  *httptest.Server // certificate-login origin with registration
}

func newAccEnv(t testing.TB) *accEnv {
	t.Helper()
	ce := newCertEnv(t)
	n, err := notify.New(notify.Config{Outbox: ce.st, LetterDir: t.TempDir(), Clock: ce.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	// Cheap argon2 parameters: the tests check behaviour, not cost.
	cfg := idp.Config{CodeKey: []byte("0123456789abcdef0123456789abcdef"), AllowForeignPhones: true,
		Password: password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}}
	p, err := idp.New(ce.st, n, ce.ra, cfg, ce.clock.Now, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e := &accEnv{certEnv: ce, idp: p}
	d := AccountDeps{IdP: p, Store: ce.st, CertLoginURL: "https://login.llavero.example", Now: ce.clock.Now, RA: ce.ra, RemoteSigning: true}
	// A fresh server: the certEnv's main server is already serving.
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(d)
	e.accounts = httptest.NewServer(s.Handler())
	t.Cleanup(e.accounts.Close)
	e.certReg = httptest.NewUnstartedServer(s.AccountCertLoginHandler(s.CertLoginHandler(ce.deps), d))
	e.certReg.TLS = ce.login.TLS
	e.certReg.StartTLS()
	t.Cleanup(e.certReg.Close)
	return e
}

// browser is a cookie-keeping client that does not follow redirects and
// sends the headers of a same-origin form post.
type browser struct {
	t    testing.TB
	c    *http.Client
	base string
	lang string
}

func (e *accEnv) browser(lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.accounts.URL, lang: lang, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	req.Header.Set("Accept-Language", b.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, html.UnescapeString(string(raw))
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	return b.do("POST", path, form)
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

var (
	hiddenCodeID = regexp.MustCompile(`name="code_id" value="([0-9a-f]+)"`)
	smsDigits    = regexp.MustCompile(`\b(\d{6})\b`)
	letterCodeRE = regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`)
)

func (e *accEnv) lastSMS(t testing.TB, personID string) string {
	t.Helper()
	m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: store.KindSMS, Limit: 1})
	if err != nil || len(m) == 0 {
		t.Fatalf("no SMS for %s: %v", personID, err)
	}
	return smsDigits.FindString(m[0].Body)
}

func (e *accEnv) lastLetterCode(t testing.TB, personID string) string {
	t.Helper()
	m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: personID, Kind: store.KindLetter, Limit: 1})
	if err != nil || len(m) == 0 {
		t.Fatalf("no letter for %s: %v", personID, err)
	}
	return letterCodeRE.FindString(m[0].Body)
}

// basicAccount registers a person by letter through the IdP.
func (e *accEnv) basicAccount(t testing.TB, id, mobile string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.idp.RequestLetter(ctx, id, i18n.ES); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idp.RegisterWithLetter(ctx, id, e.lastLetterCode(t, id), idp.Contact{Mobile: mobile}, ""); err != nil {
		t.Fatal(err)
	}
}

// advancedAccount registers a person at the office through the IdP.
func (e *accEnv) advancedAccount(t testing.TB, id, docType, expiry, mobile string) {
	t.Helper()
	ctx := context.Background()
	opCert, err := x509.ParseCertificate(e.operator.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	desk, err := e.ra.DeskFor(ctx, opCert)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := time.Parse(time.DateOnly, expiry)
	if _, err := e.idp.RegisterAtOffice(ctx, desk, id, ra.Check{DocumentType: docType, DocumentNumber: id, DocumentExpiry: exp},
		idp.Contact{Mobile: mobile}); err != nil {
		t.Fatal(err)
	}
}

// pinLogin goes through both PIN forms and returns the final response.
func (e *accEnv) pinLogin(t testing.TB, b *browser, id, fact, next string) (*http.Response, string) {
	t.Helper()
	// The outbox orders by time and the test clock stands still: a
	// second apart, the newest SMS is the one just sent.
	e.clock.Advance(time.Second)
	resp, body := b.post("/login/pin", url.Values{"id": {id}, "fact": {fact}, "next": {next}})
	m := hiddenCodeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("PIN step 1: %d %s", resp.StatusCode, body)
	}
	return b.post("/login/pin/verify", url.Values{"code_id": {m[1]}, "pin": {e.lastSMS(t, id)}, "next": {next}})
}

func TestPINLoginThroughTheForms(t *testing.T) {
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	b := e.browser("en")

	resp, _ := b.get("/account")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Faccount" {
		t.Fatalf("account without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get("/login/pin?next=/account")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `autocomplete="username"`) || !strings.Contains(body, "support number") {
		t.Fatalf("PIN form: %d %s", resp.StatusCode, body)
	}

	// A wrong second fact: the same form, the message, the typed identifier kept.
	resp, body = b.post("/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E99999999"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "pin.second_fact") || !strings.Contains(body, `value="X1234567L"`) {
		t.Fatalf("wrong second fact: %d %s", resp.StatusCode, body)
	}

	resp, body = b.post("/login/pin", url.Values{"id": {"x1234567l"}, "fact": {"E12345678"}})
	m := hiddenCodeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(body, "•78") || !strings.Contains(body, `autocomplete="one-time-code"`) {
		t.Fatalf("code page: %d %s", resp.StatusCode, body)
	}
	pin := e.lastSMS(t, "X1234567L")
	wrong := "000000"
	if pin == wrong {
		wrong = "111111"
	}
	resp, body = b.post("/login/pin/verify", url.Values{"code_id": {m[1]}, "pin": {wrong}, "id": {"x1234567l"}, "fact": {"E12345678"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "otp.wrong") || !strings.Contains(body, m[1]) || b.cookie() != "" {
		t.Fatalf("wrong PIN: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/login/pin/verify", url.Values{"code_id": {m[1]}, "pin": {pin}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("right PIN: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || len(sc.Value) < 43 {
		t.Fatalf("session cookie %+v", sc)
	}
	// The store knows the session only by the token's hash.
	if _, err := e.st.GetSession(context.Background(), sc.Value); err == nil {
		t.Fatal("the raw token is a session ID")
	}
	if _, err := e.st.GetSession(context.Background(), sessionID(sc.Value)); err != nil {
		t.Fatal(err)
	}

	resp, body = b.get("/account")
	for _, want := range []string{"Olena Kovalenko", "basic", "with the invitation letter", "PIN by SMS", "low", "•78",
		"How to reach the advanced level", "refused", "successful", `autocomplete="new-password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("account: %d", resp.StatusCode)
	}

	// Idle for longer than the limit: the session is gone.
	e.clock.Advance(sessionIdle + time.Minute)
	if resp, _ = b.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle session still works: %d", resp.StatusCode)
	}
}

func TestPasswordAndOTPReachSubstantial(t *testing.T) {
	e := newAccEnv(t)
	e.advancedAccount(t, "X1234567L", "TIE", "2031-05-01", "+34612345678")
	ctx := context.Background()
	const pw = "Rio-Guadalquivir-77"

	// A password alone may not set a password; a PIN session may.
	b := e.browser("en")
	if resp, _ := e.pinLogin(t, b, "X1234567L", "2031-05-01", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("PIN login: %d", resp.StatusCode)
	}
	resp, body := b.post("/account/password", url.Values{"password": {"short"}, "confirm": {"short"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "password.") {
		t.Fatalf("weak password: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/account/password", url.Values{"password": {pw}, "confirm": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", resp.StatusCode)
	}
	if acc, _ := e.st.GetAccount(ctx, "X1234567L"); acc.PasswordHash == "" {
		t.Fatal("password not stored")
	}

	p := e.browser("en")
	resp, body = p.post("/login/password", url.Values{"id": {"X1234567L"}, "password": {"wrong password"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "password.wrong") || !strings.Contains(body, `value="X1234567L"`) {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
	}
	resp, _ = p.post("/login/password", url.Values{"id": {"X1234567L"}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password login: %d", resp.StatusCode)
	}
	_, body = p.get("/account")
	if !strings.Contains(body, "You logged in with a password alone") || strings.Contains(body, `action="/account/password"`) {
		t.Fatalf("password-only session may set a password: %s", body)
	}
	if resp, _ = p.post("/account/password", url.Values{"password": {pw + "x"}, "confirm": {pw + "x"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("password-only session set a password: %d", resp.StatusCode)
	}

	// acr=substantial asks for the SMS code after the password.
	o := e.browser("es")
	e.clock.Advance(time.Second)
	resp, body = o.post("/login/password", url.Values{"id": {"X1234567L"}, "password": {pw}, "acr": {"substantial"}, "next": {"/account"}})
	m := hiddenCodeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || o.cookie() != "" {
		t.Fatalf("OTP step: %d %s", resp.StatusCode, body)
	}
	resp, _ = o.post("/login/otp/verify", url.Values{"code_id": {m[1]}, "pin": {e.lastSMS(t, "X1234567L")}, "next": {"/account"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("OTP: %d", resp.StatusCode)
	}
	sess, err := e.st.GetSession(ctx, sessionID(o.cookie()))
	if err != nil || sess.ACR != "substantial" {
		t.Fatalf("session %+v %v", sess, err)
	}
	_, body = o.get("/account")
	if !strings.Contains(body, "sustancial") || !strings.Contains(body, "contraseña y código por SMS") || !strings.Contains(body, "avanzado") {
		t.Fatalf("account page (es): %s", body)
	}
}

func TestSessionFixationAndLogout(t *testing.T) {
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	b := e.browser("en")
	// A token planted in the browser before the login.
	u, _ := url.Parse(b.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "planted-by-an-attacker", Path: "/"}})
	if resp, _ := e.pinLogin(t, b, "X1234567L", "E12345678", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("login failed")
	}
	first := b.cookie()
	if first == "" || first == "planted-by-an-attacker" {
		t.Fatalf("token not replaced: %q", first)
	}
	if resp, _ := e.pinLogin(t, b, "X1234567L", "E12345678", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("second login failed")
	}
	second := b.cookie()
	if second == first {
		t.Fatal("the token did not change at the second login")
	}
	if _, err := e.st.GetSession(context.Background(), sessionID(first)); err == nil {
		t.Fatal("the session of the first login survived the second")
	}

	resp, body := b.post("/logout", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", resp.StatusCode, body)
	}
	if _, err := e.st.GetSession(context.Background(), sessionID(second)); err == nil {
		t.Fatal("logout left the session in the store")
	}
	// Even replaying the old cookie gets nothing.
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: second, Path: "/"}})
	if resp, _ = b.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("account after logout: %d", resp.StatusCode)
	}
	if _, body = b.get("/login?bye=1"); !strings.Contains(body, "You have logged out") {
		t.Fatal("no logout message")
	}
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	for next, want := range map[string]string{
		"//evil.example":           "/account",
		"https://evil.example":     "/account",
		"/\\evil.example":          "/account",
		"/account?tab=1":           "/account?tab=1",
		"javascript:alert(1)":      "/account",
		"/oidc/authorize?client=x": "/oidc/authorize?client=x",
	} {
		if got := safeNext(next); (got == "" && want != "/account") || (got != "" && got != want) {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	for _, next := range []string{"//evil.example", "https://evil.example"} {
		b := e.browser("en")
		resp, _ := e.pinLogin(t, b, "X1234567L", "E12345678", next)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/account" {
			t.Errorf("next=%s: %d to %q", next, resp.StatusCode, loc)
		}
		// The language switch repeats the address as typed; the method
		// links must not carry it on.
		_, body := b.get("/login?next=" + url.QueryEscape(next))
		if strings.Contains(body, "/login/pin?next") || strings.Contains(body, "/login/password?next") {
			t.Errorf("login page carries next=%s", next)
		}
	}
}

func TestAccountFormsRefuseCrossSitePosts(t *testing.T) {
	e := newAccEnv(t)
	b := e.browser("en")
	for _, p := range []string{"/login/pin", "/login/password", "/logout", "/account/password", "/account/register/request-letter", "/account/register/letter"} {
		resp, body := b.do("POST", p, url.Values{"id": {"X1234567L"}}, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "web.cross_origin") {
			t.Errorf("%s cross-site: %d", p, resp.StatusCode)
		}
	}
	if m, _ := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "X1234567L"}); len(m) != 0 {
		t.Fatal("a cross-site post sent something")
	}
}

func TestLetterRegistrationThroughTheForms(t *testing.T) {
	e := newAccEnv(t)
	b := e.browser("en")
	resp, body := b.get("/account/register")
	for _, want := range []string{"Do that first", "https://login.llavero.example/account/register", "Oficina Centro", "Plaza Mayor 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("register page lacks %q", want)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	resp, body = b.post("/account/register/request-letter", url.Values{"id": {"12345678Z"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Barcelona") || !strings.Contains(body, "22/12/2026") || strings.Contains(body, "Calle Real") {
		t.Fatalf("letter sent: %d %s", resp.StatusCode, body)
	}
	resp, body = b.post("/account/register/request-letter", url.Values{"id": {"12345678Z"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "letter.pending") || !strings.Contains(body, `value="12345678Z"`) {
		t.Fatalf("second letter: %d %s", resp.StatusCode, body)
	}

	form := url.Values{"id": {"12345678Z"}, "code": {"AAAA-BBBB-CCCC-DDDD"}, "mobile": {"699 000 111"}, "email": {"jose@example.org"}}
	resp, body = b.post("/account/register/letter", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "letter.code") || !strings.Contains(body, `value="699 000 111"`) {
		t.Fatalf("wrong letter code: %d %s", resp.StatusCode, body)
	}
	form.Set("code", e.lastLetterCode(t, "12345678Z"))
	resp, body = b.post("/account/register/letter", form)
	for _, want := range []string{"basic", "Go to a registration office", "video identification", "•11"} {
		if !strings.Contains(body, want) {
			t.Errorf("registered page lacks %q", want)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("letter registration: %d", resp.StatusCode)
	}
	if acc, err := e.st.GetAccount(context.Background(), "12345678Z"); err != nil || acc.Level != store.LevelBasic {
		t.Fatalf("account %+v %v", acc, err)
	}
}

func TestCertificateRegistrationPage(t *testing.T) {
	e := newAccEnv(t)
	_, _, holder := e.certified("X1234567L", "Kovalenko")
	c := e.client(holder)
	resp, b := call(t, e.client(), "GET", e.certReg.URL+"/account/register", nil, map[string]string{"Accept-Language": "en"})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "import your certificate") {
		t.Fatalf("without a certificate: %d", resp.StatusCode)
	}
	resp, b = call(t, c, "GET", e.certReg.URL+"/account/register", nil, map[string]string{"Accept-Language": "en"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `autocomplete="tel"`) {
		t.Fatalf("form: %d %s", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("POST", e.certReg.URL+"/account/register", strings.NewReader(url.Values{"mobile": {"612345678"}, "email": {"olena@example.org"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "advanced") || !strings.Contains(string(body), testPublicURL+"/login") {
		t.Fatalf("registered: %d %s", resp.StatusCode, body)
	}
	if acc, err := e.st.GetAccount(context.Background(), "X1234567L"); err != nil || acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaCertificate {
		t.Fatalf("account %+v %v", acc, err)
	}
	// The certificate origin's own routes still answer.
	if resp, _ = call(t, c, "GET", e.certReg.URL+"/api/v1/certificates/me", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("certificate API behind the account handler: %d", resp.StatusCode)
	}
}

func TestAccountPagesInBothLanguages(t *testing.T) {
	e := newAccEnv(t)
	for _, tc := range []struct{ lang, want string }{{"es", "Entrar con PIN por SMS"}, {"en", "Log in with a PIN by SMS"}} {
		b := e.browser(tc.lang)
		for _, p := range []string{"/login", "/login/pin", "/login/password?acr=substantial", "/account/register", "/account/register/letter"} {
			resp, body := b.get(p)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Language") != tc.lang || strings.Contains(body, "[") && strings.Contains(body, "]</") {
				t.Errorf("%s in %s: %d", p, tc.lang, resp.StatusCode)
			}
			if strings.Contains(body, "<script") {
				t.Errorf("%s has a script", p)
			}
		}
		if _, body := b.get("/login"); !strings.Contains(body, tc.want) {
			t.Errorf("/login in %s lacks %q", tc.lang, tc.want)
		}
	}
	// acr=substantial ticks the SMS box.
	if _, body := e.browser("en").get("/login/password?acr=substantial"); !strings.Contains(body, `value="1" checked`) {
		t.Error("acr=substantial does not ask for the SMS code")
	}
}

// BenchmarkPINLogin drives the whole PIN login over HTTP in process: the
// first form, the SMS read from the outbox, the second form, the redirect
// with the session cookie.
func BenchmarkPINLogin(b *testing.B) {
	e := newAccEnv(b)
	// The IdP allows 10 tries per address and 5 codes per person an hour
	// (everything here comes from 127.0.0.1): ten people, and the clock
	// moves past the window every ten logins, so the run measures the
	// work, not the limits.
	ids := []string{"X1234567L", "12345678Z"}
	facts := map[string]string{"X1234567L": "E12345678", "12345678Z": "ABC123456"}
	e.basicAccount(b, "X1234567L", "+34612345678")
	e.basicAccount(b, "12345678Z", "+34699000111")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%10 == 0 {
			e.clock.Advance(61 * time.Minute)
		}
		id := ids[i%len(ids)]
		if resp, _ := e.pinLogin(b, e.browser("es"), id, facts[id], ""); resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("login %d: %d", i, resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "logins/s")
}

// TestCertificateRegistrationNextSteps: whoever registered with a
// certificate is told to log in with it (substantial at once, no SMS),
// with a button that starts the certificate login and comes back to My
// llavero, not to log in with a PIN; the PIN is the way on a computer
// without the certificate, when the account has a mobile. Both languages.
func TestCertificateRegistrationNextSteps(t *testing.T) {
	for _, tc := range []struct {
		lang, mobile string
		want         []string // text keys the page must show
		not          []string // and must not
	}{
		{"en", "612345678", []string{"done.cert", "done.cert.other", "done.login.cert", "done.login.other"}, []string{"done.advanced", "done.cert.nomobile", "done.login"}},
		{"es", "612345678", []string{"done.cert", "done.cert.other", "done.login.cert", "done.login.other"}, []string{"done.advanced", "done.cert.nomobile", "done.login"}},
		{"en", "", []string{"done.cert", "done.cert.nomobile", "done.login.cert"}, []string{"done.advanced", "done.cert.other", "done.mobile"}},
		{"es", "", []string{"done.cert", "done.cert.nomobile", "done.login.cert"}, []string{"done.advanced", "done.cert.other", "done.mobile"}},
	} {
		t.Run(tc.lang+"/mobile="+tc.mobile, func(t *testing.T) {
			e := newAccEnv(t)
			_, _, holder := e.certified("X1234567L", "Kovalenko")
			req, _ := http.NewRequest("POST", e.certReg.URL+"/account/register", strings.NewReader(url.Values{"mobile": {tc.mobile}, "email": {"olena@example.org"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Accept-Language", tc.lang)
			resp, err := e.client(holder).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := html.UnescapeString(string(b))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("registered: %d %s", resp.StatusCode, body)
			}
			lang := i18n.Lang(tc.lang)
			for _, k := range tc.want {
				if w := catalogue[k].In(lang); w == "" || !strings.Contains(body, w) {
					t.Errorf("the page lacks %s (%q):\n%s", k, w, body)
				}
			}
			for _, k := range tc.not {
				if w := catalogue[k].In(lang); w == "" || strings.Contains(body, w) {
					t.Errorf("the page says %s (%q):\n%s", k, w, body)
				}
			}
			if href := `id="login-cert" href="` + testPublicURL + `/login/certificate/begin?next=%2Faccount"`; !strings.Contains(string(b), href) {
				t.Errorf("no button to log in with the certificate (%s):\n%s", href, body)
			}
		})
	}
}
