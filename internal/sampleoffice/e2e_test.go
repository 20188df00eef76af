package sampleoffice_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/sampleoffice"
	"github.com/llavero/llavero/internal/store"
)

// facts are the second facts the PIN login asks for. Olena holds an
// advanced account (PIN logins reach substantial), José a basic one (low
// at most).
var facts = platformtest.Facts

// env is a real llavero platform and the sample office registered with it.
type env struct {
	st     store.Store
	issuer string
	office string // the office's public URL
}

func newEnv(t *testing.T) *env {
	t.Helper()
	p := platformtest.Start(t, platformtest.Options{})
	return &env{st: p.Store, issuer: p.Issuer, office: p.Office}
}

// browser is a person's browser: cookies, redirects followed, and the
// addresses it went through kept for the test to look at.
type browser struct {
	t       *testing.T
	c       *http.Client
	visited []string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.c = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.visited = append(b.visited, req.URL.String())
		return nil
	}}
	return b
}

func (b *browser) do(method, u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	b.visited = nil
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// went reports whether the last request passed through an address
// starting with prefix, and returns it.
func (b *browser) went(prefix string) (string, bool) {
	for _, v := range b.visited {
		if strings.HasPrefix(v, prefix) {
			return v, true
		}
	}
	return "", false
}

// pinLogin fills in llavero's PIN forms on the login page the browser is
// on (resp) and returns where it ends up.
func (e *env) pinLogin(b *browser, resp *http.Response, id string) (*http.Response, string) {
	b.t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.String(), e.issuer+"/login") {
		b.t.Fatalf("not on llavero's login page: %d %s", resp.StatusCode, resp.Request.URL)
	}
	next := resp.Request.URL.Query().Get("next")
	resp, body := b.do(http.MethodPost, e.issuer+"/login/pin", url.Values{"id": {id}, "fact": {facts[id]}, "next": {next}})
	codeID := regexp.MustCompile(`name="code_id" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || codeID == nil {
		b.t.Fatalf("PIN step: %d\n%s", resp.StatusCode, body)
	}
	msgs, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: id, Kind: "sms", Limit: 1})
	if err != nil || len(msgs) != 1 {
		b.t.Fatalf("the PIN SMS: %v %d", err, len(msgs))
	}
	pin := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Body)
	return b.do(http.MethodPost, e.issuer+"/login/pin/verify", url.Values{"code_id": {codeID[1]}, "pin": {pin}, "next": {next}})
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the page does not say %q:\n%s", w, body)
		}
	}
}

// TestOfficeLogsInThroughLlavero is a person with an advanced account
// checking their points through the office: the office sends them to
// llavero asking for low, they log in with a PIN by SMS, come back, and
// the office shows who they are, at which level, and the sample result.
// The other procedures then need no new login; logging out ends both
// sessions.
func TestOfficeLogsInThroughLlavero(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)

	resp, body := b.do(http.MethodGet, e.office+"/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("home: %d", resp.StatusCode)
	}
	mustContain(t, body, "Check your points balance", "Pay a fine", "Exchange a foreign driving licence", "substantial",
		"which you make with llavero without installing anything", `action="/start/points-balance"`)

	resp, _ = b.do(http.MethodPost, e.office+"/start/points-balance", url.Values{})
	authz, ok := b.went(e.issuer + "/authorize?")
	if !ok {
		t.Fatalf("the office did not send the browser to llavero: %v", b.visited)
	}
	q := mustURL(t, authz).Query()
	for k, want := range map[string]string{"acr_values": "http://eidas.europa.eu/LoA/low", "code_challenge_method": "S256",
		"response_type": "code", "redirect_uri": e.office + "/callback", "ui_locales": "en"} {
		if q.Get(k) != want {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorize %s = %q: too short to be unguessable", k, q.Get(k))
		}
	}
	if strings.Contains(q.Get("scope"), "offline_access") || !strings.Contains(q.Get("scope"), "profile") {
		t.Errorf("scope %q", q.Get("scope"))
	}

	resp, body = e.pinLogin(b, resp, "X1234567L")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != e.office+"/procedure/points-balance" {
		t.Fatalf("after the PIN: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	callback, _ := b.went(e.office + "/callback?")
	mustContain(t, body, "Olena Kovalenko", "X1234567L", "substantial", "http://eidas.europa.eu/LoA/substantial",
		"a code by SMS (sms)", "Points balance", " points", "Sample data", "Who is logged in")
	if sub := regexp.MustCompile(`at this office[^<]*</dt><dd><code>([^<]+)</code>`).FindStringSubmatch(body); sub == nil || sub[1] == "X1234567L" {
		t.Errorf("the pairwise sub is missing or is the identifier: %v", sub)
	}
	// The balance is made up, but the same on every visit.
	again, body2 := b.do(http.MethodGet, e.office+"/procedure/points-balance", nil)
	if again.StatusCode != http.StatusOK || pointsIn(body2) == "" || pointsIn(body2) != pointsIn(body) {
		t.Errorf("points: %q then %q", pointsIn(body), pointsIn(body2))
	}

	// A callback works once.
	resp, body = b.do(http.MethodGet, callback, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: %d\n%s", resp.StatusCode, body)
	}

	// The session is at substantial: the other procedures open at once.
	for _, tc := range []struct{ proc, want string }{
		{"fine-payment", "You have no fines pending."},
		{"licence-exchange", "Sign the licence exchange form"},
	} {
		resp, body = b.do(http.MethodPost, e.office+"/start/"+tc.proc, url.Values{})
		if _, viaLlavero := b.went(e.issuer); viaLlavero || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d, through %v", tc.proc, resp.StatusCode, b.visited)
		}
		mustContain(t, body, tc.want, "Olena Kovalenko")
	}

	// The language switch sticks over the browser's English.
	resp, body = b.do(http.MethodGet, e.office+"/procedure/points-balance?lang=es", nil)
	if resp.Request.URL.String() != e.office+"/procedure/points-balance" || resp.Header.Get("Content-Language") != "es" {
		t.Errorf("switch to Spanish: %s, %s", resp.Request.URL, resp.Header.Get("Content-Language"))
	}
	mustContain(t, body, `<html lang="es">`, "Saldo de puntos", "sustancial", "un código por SMS (sms)", "Datos de ejemplo", `href="/procedure/points-balance?lang=en"`)
	_, body = b.do(http.MethodGet, e.office+"/?lang=en", nil)
	mustContain(t, body, `<html lang="en">`, "Procedures")

	// Logout ends the office's session and llavero's, and comes home.
	resp, body = b.do(http.MethodPost, e.office+"/logout", url.Values{})
	endSession, ok := b.went(e.issuer + "/end_session?")
	if !ok || resp.Request.URL.Path != "/" || !strings.HasPrefix(resp.Request.URL.String(), e.office) {
		t.Fatalf("logout: through %v, at %s", b.visited, resp.Request.URL)
	}
	if q := mustURL(t, endSession).Query(); q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != e.office+"/" {
		t.Errorf("end_session %s", endSession)
	}
	mustContain(t, body, "You have logged out of the office and of llavero.")
	if strings.Contains(body, "Olena") {
		t.Error("the home page still shows the person after logout")
	}
	resp, _ = b.do(http.MethodGet, e.office+"/procedure/points-balance", nil)
	if resp.Request.URL.Path != "/" {
		t.Errorf("a procedure's result after logout: %s", resp.Request.URL)
	}
	// The office asks llavero again rather than trusting a session it
	// has forgotten. (Whether llavero then asks for a new login is
	// llavero's end_session's business, not the office's.)
	_, _ = b.do(http.MethodPost, e.office+"/start/points-balance", url.Values{})
	if _, ok := b.went(e.issuer + "/authorize?"); !ok {
		t.Errorf("after logout the office did not send the browser to llavero: %v", b.visited)
	}
}

var pointsRE = regexp.MustCompile(`<strong>(\d+) points</strong>`)

func pointsIn(body string) string {
	if m := pointsRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOfficeRefusals covers the ways a sign-in does not end in a
// procedure: a person whose account cannot reach the level (llavero
// explains, naming the office), an acr_values edited in the browser (the
// office checks the signed acr), an error from llavero, and callbacks that
// do not belong to this browser.
func TestOfficeRefusals(t *testing.T) {
	e := newEnv(t)

	// start begins a procedure in b without following llavero, and
	// returns the authorize URL.
	start := func(t *testing.T, b *browser, proc string) string {
		t.Helper()
		stop := b.c.CheckRedirect
		b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		defer func() { b.c.CheckRedirect = stop }()
		resp, _ := b.do(http.MethodPost, e.office+"/start/"+proc, url.Values{})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.issuer+"/authorize?") {
			t.Fatalf("start %s: %d %s", proc, resp.StatusCode, loc)
		}
		return loc
	}
	stateOf := func(t *testing.T, authz string) string { return mustURL(t, authz).Query().Get("state") }

	tests := []struct {
		name   string
		run    func(t *testing.T) (*http.Response, string)
		status int
		host   string // whose page: "issuer" or "office"
		want   []string
	}{{
		name: "basic account meets a substantial procedure",
		run: func(t *testing.T) (*http.Response, string) {
			b := e.browser(t)
			authz := start(t, b, "licence-exchange")
			if got := mustURL(t, authz).Query().Get("acr_values"); got != "http://eidas.europa.eu/LoA/substantial" {
				t.Errorf("acr_values %q", got)
			}
			resp, _ := b.do(http.MethodGet, authz, nil)
			return e.pinLogin(b, resp, "12345678Z")
		},
		status: http.StatusForbidden, host: "issuer",
		want: []string{sampleoffice.Name, "substantial", "Exchange a foreign driving licence"},
	}, {
		name: "acr_values lowered in the browser",
		run: func(t *testing.T) (*http.Response, string) {
			b := e.browser(t)
			u := mustURL(t, start(t, b, "licence-exchange"))
			q := u.Query()
			q.Set("acr_values", "http://eidas.europa.eu/LoA/low")
			u.RawQuery = q.Encode()
			resp, _ := b.do(http.MethodGet, u.String(), nil)
			return e.pinLogin(b, resp, "12345678Z")
		},
		status: http.StatusForbidden, host: "office",
		want: []string{"Level of sign-in too low", "needs the level substantial and llavero confirmed the level low", "You are not logged in"},
	}, {
		name: "llavero answers access_denied",
		run: func(t *testing.T) (*http.Response, string) {
			b := e.browser(t)
			state := stateOf(t, start(t, b, "points-balance"))
			return b.do(http.MethodGet, e.office+"/callback?"+url.Values{"error": {"access_denied"}, "state": {state}}.Encode(), nil)
		},
		status: http.StatusOK, host: "office",
		want: []string{"You are not logged in", "You cancelled the sign-in", "access_denied", `href="/"`},
	}, {
		name: "an error llavero does not explain",
		run: func(t *testing.T) (*http.Response, string) {
			return e.browser(t).do(http.MethodGet, e.office+"/callback?error=server_error&state=x", nil)
		},
		status: http.StatusOK, host: "office",
		want: []string{"llavero did not complete the sign-in", "server_error"},
	}, {
		name: "a state this office never issued",
		run: func(t *testing.T) (*http.Response, string) {
			return e.browser(t).do(http.MethodGet, e.office+"/callback?code=abc&state=forged", nil)
		},
		status: http.StatusBadRequest, host: "office",
		want: []string{"did not start in this browser"},
	}, {
		name: "a state started in another browser",
		run: func(t *testing.T) (*http.Response, string) {
			state := stateOf(t, start(t, e.browser(t), "points-balance"))
			return e.browser(t).do(http.MethodGet, e.office+"/callback?"+url.Values{"code": {"abc"}, "state": {state}}.Encode(), nil)
		},
		status: http.StatusBadRequest, host: "office",
		want: []string{"did not start in this browser"},
	}, {
		name: "a code llavero never issued",
		run: func(t *testing.T) (*http.Response, string) {
			b := e.browser(t)
			state := stateOf(t, start(t, b, "points-balance"))
			return b.do(http.MethodGet, e.office+"/callback?"+url.Values{"code": {"made-up"}, "state": {state}}.Encode(), nil)
		},
		status: http.StatusBadGateway, host: "office",
		want: []string{"llavero did not confirm the sign-in"},
	}, {
		name: "a form posted from another website",
		run: func(t *testing.T) (*http.Response, string) {
			b := e.browser(t)
			req, _ := http.NewRequest(http.MethodPost, e.office+"/start/points-balance", strings.NewReader(""))
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Accept-Language", "en")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return resp, string(out)
		},
		status: http.StatusForbidden, host: "office",
		want: []string{`<html lang="en">`, "We refused this request because it came from another website", "start the procedure from there"},
	}, {
		name: "an unknown procedure",
		run: func(t *testing.T) (*http.Response, string) {
			return e.browser(t).do(http.MethodPost, e.office+"/start/tax-return", url.Values{})
		},
		status: http.StatusNotFound, host: "office",
		want: []string{"This page does not exist"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.run(t)
			host := map[string]string{"issuer": e.issuer, "office": e.office}[tc.host]
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Request.URL.String(), host) {
				t.Fatalf("got %d at %s, want %d from %s\n%s", resp.StatusCode, resp.Request.URL, tc.status, tc.host, body)
			}
			mustContain(t, body, tc.want...)
			if tc.host == "office" && strings.Contains(body, "Who is logged in") {
				t.Error("a refused sign-in left someone logged in")
			}
		})
	}
}
