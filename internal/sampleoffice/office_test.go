package sampleoffice

import (
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
)

// TestTextsCoverTheTemplates catches a key typed wrong in a template,
// which would otherwise render as nothing.
func TestTextsCoverTheTemplates(t *testing.T) {
	keys := regexp.MustCompile(`\.T\.([a-z_]+)`)
	pages, _ := fs.Glob(files, "templates/*.html")
	for _, p := range pages {
		b, _ := fs.ReadFile(files, p)
		for _, m := range keys.FindAllStringSubmatch(string(b), -1) {
			tx, ok := texts[m[1]]
			if !ok || tx.ES == "" || tx.EN == "" {
				t.Errorf("%s: text %q is missing or not in both languages", p, m[1])
			}
		}
	}
}

// TestRegisterCommand checks the printed line is what "llavero admin
// client add" accepts: both redirect URIs, and procedures as
// ID:NAME|ENGLISH NAME:LEVEL[:certificate|:remote] with no stray colon or
// bar in a name.
func TestRegisterCommand(t *testing.T) {
	got := RegisterCommand("http://127.0.0.1:9090/")
	for _, want := range []string{
		"llavero admin client add --name 'Sede electrónica de Tráfico (ejemplo)'",
		"--redirect-uri http://127.0.0.1:9090/callback --redirect-uri http://127.0.0.1:9090/ --min-acr low",
		"--procedure 'points-balance:Consultar el saldo de puntos|Check your points balance:low'",
		"--procedure 'licence-exchange:Canjear un permiso de conducir extranjero|Exchange a foreign driving licence:substantial:remote'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, p := range Procedures {
		if strings.ContainsAny(p.Name.ES+p.Name.EN, ":|") || p.Name.EN == "" || loa.Rank(p.ACR) == 0 {
			t.Errorf("procedure %s cannot be registered as it is", p.ID)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"low": "low", "http://a:1/callback": "http://a:1/callback", "two words": "'two words'", "it's": `'it'\''s'`, "": "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		name, accept, cookie string
		want                 i18n.Lang
	}{
		{"nothing said", "", "", i18n.ES},
		{"English browser", "en-GB,en;q=0.9", "", i18n.EN},
		{"Spanish first", "es-ES,en;q=0.5", "", i18n.ES},
		{"a language llavero lacks", "uk", "", i18n.ES},
		{"the switch wins", "en", "es", i18n.ES},
		{"a broken cookie is ignored", "en", "xx", i18n.EN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept-Language", tc.accept)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "trafico_lang", Value: tc.cookie})
			}
			if got := langOf(r, "trafico_lang"); got != tc.want {
				t.Errorf("langOf = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestLanguageSwitch(t *testing.T) {
	h := switchLang(http.NotFoundHandler(), "trafico_lang", false)
	tests := []struct{ target, location, cookie string }{
		{"/?lang=en", "/", "en"},
		{"/procedure/fine-payment?lang=es", "/procedure/fine-payment", "es"},
		{"/?state=logged-out&lang=en", "/?state=logged-out", "en"},
		{"/?lang=klingon", "/", ""},
	}
	for _, tc := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tc.target, nil))
		var cookie string
		for _, c := range w.Result().Cookies() {
			if c.Name == "trafico_lang" {
				cookie = c.Value
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Errorf("%s: cookie %+v", tc.target, c)
				}
			}
		}
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.location || cookie != tc.cookie {
			t.Errorf("%s: %d to %q, cookie %q", tc.target, w.Code, w.Header().Get("Location"), cookie)
		}
	}
}

// TestSessions: a state works once, only in its browser and only for a
// while; a login gets a new session id; a browser cannot pile up
// sign-ins without end.
func TestSessions(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	s := newSessions(func() time.Time { return now })

	sid, state := s.begin("", pending{proc: "points-balance"})
	if _, ok := s.take("another-browser", state); ok {
		t.Error("a state was taken from another browser")
	}
	if p, ok := s.take(sid, state); !ok || p.proc != "points-balance" {
		t.Fatalf("take: %v %+v", ok, p)
	}
	if _, ok := s.take(sid, state); ok {
		t.Error("a state worked twice")
	}

	sid2, state := s.begin(sid, pending{proc: "fine-payment"})
	if sid2 != sid {
		t.Error("a live session got a new id before any login")
	}
	now = now.Add(pendingTTL + time.Second)
	if _, ok := s.take(sid, state); ok {
		t.Error("a stale sign-in was accepted")
	}

	var states []string
	for range maxPending + 2 {
		now = now.Add(time.Second)
		_, st := s.begin(sid, pending{})
		states = append(states, st)
	}
	if _, ok := s.take(sid, states[0]); ok {
		t.Error("the oldest sign-in was kept beyond the limit")
	}
	if _, ok := s.take(sid, states[len(states)-1]); !ok {
		t.Error("the newest sign-in was dropped")
	}

	in := s.login(sid, user{Name: "Olena", ACR: loa.Substantial})
	if in == sid {
		t.Error("the session id did not change at login")
	}
	if _, ok := s.user(sid); ok {
		t.Error("the pre-login id is logged in")
	}
	if u, ok := s.user(in); !ok || u.Name != "Olena" {
		t.Errorf("user: %v %+v", ok, u)
	}
	now = now.Add(sessionIdle + time.Minute)
	if _, ok := s.user(in); ok {
		t.Error("an idle session survived")
	}
}

func TestPointsAreStable(t *testing.T) {
	seen := map[int]bool{}
	for _, sub := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		p := points(sub)
		if p != points(sub) || p < 4 || p > 15 {
			t.Errorf("points(%q) = %d", sub, p)
		}
		seen[p] = true
	}
	if len(seen) < 2 {
		t.Error("everyone has the same balance")
	}
}

func TestDescribeAMR(t *testing.T) {
	if got := describeAMR([]string{"sms", "otp"}, i18n.EN); got != "a code by SMS (sms), a one-time code (otp)" {
		t.Errorf("EN: %s", got)
	}
	if got := describeAMR([]string{"pwd", "weird"}, i18n.ES); got != "una contraseña (pwd), weird" {
		t.Errorf("ES: %s", got)
	}
	if got := describeAMR(nil, i18n.EN); got != "(not given)" {
		t.Errorf("none: %s", got)
	}
}

// TestCatalogue: every office can be registered as it is and run beside
// the others on one host (its own port and cookies), and its made-up
// answers read well in both languages.
func TestCatalogue(t *testing.T) {
	ports, cookies, ids := map[int]bool{}, map[string]bool{}, map[string]bool{}
	for _, k := range Catalogue {
		if ports[k.Port] || cookies[k.Cookie] || ids[k.ID] || k.Name.ES == "" || k.Name.EN == "" || len(k.Procedures) == 0 {
			t.Errorf("office %q: shares a port, cookie or ID, or lacks a name or procedures", k.ID)
		}
		ports[k.Port], cookies[k.Cookie], ids[k.ID] = true, true, true
		if got, ok := Lookup(k.ID); !ok || got.ID != k.ID {
			t.Errorf("Lookup(%q) = %v", k.ID, ok)
		}
		cmd := k.RegisterCommand("http://127.0.0.1:9999")
		if !strings.Contains(cmd, "--min-acr "+k.MinACR()) || !strings.Contains(cmd, "--redirect-uri http://127.0.0.1:9999/callback") {
			t.Errorf("%s: %s", k.ID, cmd)
		}
		for _, p := range k.Procedures {
			if strings.ContainsAny(p.Name.ES+p.Name.EN, ":|") || loa.Rank(p.ACR) == 0 || !strings.Contains(cmd, "--procedure '"+p.ID+":") {
				t.Errorf("%s: procedure %s cannot be registered as it is", k.ID, p.ID)
			}
			if p.outcome == nil {
				continue
			}
			out := p.outcome("some-sub")
			if out.ES == "" || out.EN == "" || strings.Contains(out.ES+out.EN, "%!") || out != p.outcome("some-sub") {
				t.Errorf("%s/%s: outcome %+v", k.ID, p.ID, out)
			}
		}
	}
	if _, ok := Lookup("weather"); ok {
		t.Error("an office outside the catalogue was found")
	}
	if Tax.MinACR() != loa.Substantial || Traffic.MinACR() != loa.Low {
		t.Errorf("min levels: tax %s, traffic %s", Tax.MinACR(), Traffic.MinACR())
	}
}

// TestSignatureKinds: the licence exchange is signed remotely with an SMS
// code, the VAT return with the person's own certificate; llavero is told
// so at registration, and each office's home page says which, in both
// languages.
func TestSignatureKinds(t *testing.T) {
	for _, tc := range []struct {
		office     Kind
		proc, kind string
		home       i18n.Text
		other      string // the other kind's text key, which must not appear
	}{
		{Traffic, "licence-exchange", "remote", texts["home_sign"], "home_cert"},
		{Tax, "vat-return", "certificate", texts["home_cert"], "home_sign"},
	} {
		p, ok := tc.office.procedure(tc.proc)
		if !ok || p.Signature != tc.kind {
			t.Fatalf("%s/%s: signature %q, want %q", tc.office.ID, tc.proc, p.Signature, tc.kind)
		}
		if cmd := tc.office.RegisterCommand("http://127.0.0.1:9999"); !strings.Contains(cmd, ":"+p.ACR+":"+tc.kind+"'") {
			t.Errorf("%s: the register command does not say %s:\n%s", tc.office.ID, tc.kind, cmd)
		}
		o := &Office{cfg: Config{Office: tc.office, Now: time.Now}, sessions: newSessions(time.Now), signs: newSignings()}
		if err := o.parsePages(); err != nil {
			t.Fatal(err)
		}
		for _, lang := range i18n.Langs {
			t.Run(tc.office.ID+"/"+string(lang), func(t *testing.T) {
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Accept-Language", string(lang))
				o.home(w, r)
				body := html.UnescapeString(w.Body.String())
				if !strings.Contains(body, tc.home.In(lang)) || strings.Contains(body, texts[tc.other].In(lang)) {
					t.Errorf("home page does not say %q (alone):\n%s", tc.home.In(lang), body)
				}
			})
		}
	}
}
