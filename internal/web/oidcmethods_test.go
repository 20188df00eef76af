package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
)

// storeRequests is an OIDCProvider that reads sign-in requests from the
// store, as the real one does, and completes them with a fixed callback,
// counting the completions.
type storeRequests struct {
	st        store.Store
	completed *int
	locales   []string // the ui_locales every request carries
}

func (p storeRequests) Handler() http.Handler { return http.NotFoundHandler() }

func (p storeRequests) Request(ctx context.Context, id string) (oidc.LoginRequest, error) {
	ar, err := p.st.GetAuthRequest(ctx, id)
	if err != nil {
		return oidc.LoginRequest{}, oidc.ErrRequestGone
	}
	c, err := p.st.GetClient(ctx, ar.ClientID)
	if err != nil {
		return oidc.LoginRequest{}, oidc.ErrRequestGone
	}
	return oidc.LoginRequest{ID: id, Client: c, NeedACR: "low", ExpiresAt: ar.ExpiresAt, UILocales: p.locales}, nil
}

func (p storeRequests) RequestClient(ctx context.Context, id string) (store.Client, error) {
	ar, err := p.st.GetAuthRequest(ctx, id)
	if err != nil {
		return store.Client{}, err
	}
	return p.st.GetClient(ctx, ar.ClientID)
}

func (p storeRequests) Complete(context.Context, string, oidc.Authenticated) (string, error) {
	*p.completed++
	return "https://sede.example/cb?code=c", nil
}

// TestClientMethodsAreEnforced: an office that accepts only some login
// methods gets only those offered on its login page, and a session opened
// another way is not handed to it: the person is shown the ways it
// accepts, each coming back to the sign-in.
func TestClientMethodsAreEnforced(t *testing.T) {
	e := newAccEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	for _, c := range []store.Client{
		{ID: "dgt", Name: "Sede de Tráfico", RedirectURIs: []string{"https://sede.example/cb"}, Methods: []string{"certificate", "app"}},
		{ID: "open", Name: "Sede abierta", RedirectURIs: []string{"https://sede.example/cb"}},
	} {
		if err := e.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := e.st.CreateAuthRequest(ctx, store.OIDCAuthRequest{ID: "ar-" + c.ID, ClientID: c.ID, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	completed := 0
	d := AccountDeps{IdP: e.idp, Store: e.st, CertLoginURL: "https://login.llavero.example", Now: e.clock.Now}
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(d)
	s.MountOIDC(storeRequests{st: e.st, completed: &completed}, d)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e.accounts = srv
	e.basicAccount(t, "X1234567L", "+34612345678")

	restricted, open := ContinueURL("ar-dgt"), ContinueURL("ar-open")
	b := e.browser("en")
	_, body := b.get("/login?" + url.Values{"next": {restricted}}.Encode())
	for _, absent := range []string{`href="/login/pin`, `href="/login/password`} {
		if strings.Contains(body, absent) {
			t.Errorf("the login page of a certificate-or-app office offers %s", absent)
		}
	}
	for _, want := range []string{"accepts only the ways of logging in shown here", `/login/certificate/begin?next=`} {
		if !strings.Contains(body, want) {
			t.Errorf("the login page of a certificate-or-app office lacks %q", want)
		}
	}
	if _, body := b.get("/login?" + url.Values{"next": {open}}.Encode()); !strings.Contains(body, `href="/login/pin`) || strings.Contains(body, "accepts only") {
		t.Error("an office without a methods list does not get every method")
	}

	// A PIN session meets the restricted office: shown the ways it takes.
	if resp, _ := e.pinLogin(t, b, "X1234567L", "E12345678", "/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("PIN login: %d", resp.StatusCode)
	}
	resp, body := b.get(restricted)
	if resp.StatusCode != http.StatusForbidden || completed != 0 {
		t.Fatalf("a PIN session at a certificate-or-app office: %d, completed %d", resp.StatusCode, completed)
	}
	for _, want := range []string{"Sede de Tráfico", "does not accept the way you logged in", "PIN by SMS",
		`href="/login/certificate/begin?next=%2Foidc%2Fcontinue%3Freq%3Dar-dgt"`} {
		if !strings.Contains(body, want) {
			t.Errorf("wrong-method page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `href="/login/pin`) {
		t.Error("the wrong-method page offers the method the office refuses")
	}
	// In Spanish too.
	es := *b
	es.lang = "es"
	if _, body := es.get(restricted); !strings.Contains(body, "no acepta el acceso con el que has entrado") {
		t.Errorf("wrong-method page in Spanish:\n%s", body)
	}
	// The same session goes straight through at an office that takes it.
	if resp, _ := b.get(open); resp.StatusCode != http.StatusSeeOther || completed != 1 {
		t.Fatalf("a PIN session at an open office: %d, completed %d", resp.StatusCode, completed)
	}
}

// TestOfficeLanguageIsFollowed: a person who chose English at the office
// (ui_locales=en) gets llavero's login pages in English although their
// browser asks for Spanish, until they switch language themselves.
func TestOfficeLanguageIsFollowed(t *testing.T) {
	e := newAccEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	if err := e.st.CreateClient(ctx, store.Client{ID: "dgt", Name: "Sede de Tráfico", RedirectURIs: []string{"https://sede.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateAuthRequest(ctx, store.OIDCAuthRequest{ID: "ar", ClientID: "dgt", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	completed := 0
	d := AccountDeps{IdP: e.idp, Store: e.st, Now: e.clock.Now}
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(d)
	s.MountOIDC(storeRequests{st: e.st, completed: &completed, locales: []string{"fr", "en-GB", "es"}}, d)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e.accounts = srv

	b := e.browser("es")
	resp, _ := b.get(ContinueURL("ar"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
		t.Fatalf("continue without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := b.get(resp.Header.Get("Location")); !strings.Contains(body, `<html lang="en"`) {
		t.Fatalf("the login page does not follow the office's English:\n%s", body)
	}
	// The person's own choice wins from then on.
	b.get("/login?lang=es")
	b.get(ContinueURL("ar"))
	if _, body := b.get("/login"); !strings.Contains(body, `<html lang="es"`) {
		t.Fatalf("the language switch no longer wins:\n%s", body)
	}
}
