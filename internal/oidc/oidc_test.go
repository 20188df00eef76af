package oidc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
	"github.com/llavero/llavero/internal/store/sqlite"
)

const loginPath = "/login"

// env is a provider on a real SQLite store behind httptest, with two
// relying parties and a person in the registry.
type env struct {
	srv      *httptest.Server
	p        *oidc.Provider
	st       store.Store
	secrets  map[string]string
	verifier func(clientID string) *gooidc.IDTokenVerifier
}

var person = store.Person{
	ID: "12345678Z", GivenName: "María José", FirstSurname: "García", SecondSurname: "de la Fuente",
	BirthDate: time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC), Nationality: "ES", DocumentType: store.DocDNI,
	DocumentNumber: "12345678Z", DocumentExpiry: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "llavero.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.UpsertPerson(ctx, person); err != nil {
		tb.Fatal(err)
	}
	e := &env{st: st, secrets: map[string]string{}}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	tb.Cleanup(e.srv.Close)
	for _, c := range []store.Client{
		{ID: "dgt", Name: "Sede DGT", RedirectURIs: []string{e.srv.URL + "/rp/dgt/cb"}, MinACR: "low"},
		{ID: "aeat", Name: "Sede AEAT", RedirectURIs: []string{e.srv.URL + "/rp/aeat/cb"}, MinACR: "substantial"},
	} {
		secret, hash := oidc.NewSecret()
		c.SecretHash = hash
		e.secrets[c.ID] = secret
		if err := st.CreateClient(ctx, c); err != nil {
			tb.Fatal(err)
		}
	}
	e.p, err = oidc.New(oidc.Config{
		Issuer: e.srv.URL, Store: st, CryptoKey: [32]byte{1, 2, 3},
		LoginURL:      func(id string) string { return e.srv.URL + loginPath + "?req=" + url.QueryEscape(id) },
		PairwiseSalt:  []byte("0123456789abcdef0123456789abcdef"),
		AllowInsecure: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	mux.Handle("/", e.p.Handler())
	prov, err := gooidc.NewProvider(ctx, e.srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	e.verifier = func(id string) *gooidc.IDTokenVerifier { return prov.Verifier(&gooidc.Config{ClientID: id}) }
	return e
}

func (e *env) oauth(clientID string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: clientID, ClientSecret: e.secrets[clientID],
		Endpoint:    oauth2.Endpoint{AuthURL: e.srv.URL + "/authorize", TokenURL: e.srv.URL + "/oauth/token"},
		RedirectURL: e.srv.URL + "/rp/" + clientID + "/cb",
		Scopes:      append([]string{gooidc.ScopeOpenID}, scopes...),
	}
}

// noRedirect lets the test see each redirect, as the browser would follow it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func location(tb testing.TB, u string) *url.URL {
	tb.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("GET %s: status %d, want a redirect", u, resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// authorize goes to /authorize and returns the auth request ID the login
// page is given.
func (e *env) authorize(tb testing.TB, authURL string) string {
	tb.Helper()
	loc := location(tb, authURL)
	if loc.Path != loginPath || loc.Query().Get("req") == "" {
		tb.Fatalf("authorize sent the browser to %s, want the login page", loc)
	}
	return loc.Query().Get("req")
}

// login plays the login page and follows the callback; it returns the code.
func (e *env) login(tb testing.TB, reqID, acr string, amr []string) (code, state string) {
	tb.Helper()
	cb, err := e.p.Complete(context.Background(), reqID, oidc.Authenticated{PersonID: person.ID, ACR: acr, AMR: amr, AuthTime: time.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	// Complete sends the browser straight back to the office with the
	// code: no hop through the provider's callback.
	loc, err := url.Parse(cb)
	if err != nil || loc.Query().Get("code") == "" || !strings.Contains(cb, "/rp/") {
		tb.Fatalf("Complete returned %s, want the relying party's redirect URI with a code", cb)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

type idClaims struct {
	Sub        string   `json:"sub"`
	ACR        string   `json:"acr"`
	AMR        []string `json:"amr"`
	AuthTime   int64    `json:"auth_time"`
	LlaveroID  string   `json:"llavero_id"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Birthdate  string   `json:"birthdate"`
}

// flow runs a full code flow for clientID and returns its tokens and ID
// token claims.
func (e *env) flow(tb testing.TB, clientID, acr string, scopes ...string) (*oauth2.Token, idClaims) {
	tb.Helper()
	ctx := context.Background()
	cfg := e.oauth(clientID, scopes...)
	verifier := oauth2.GenerateVerifier()
	reqID := e.authorize(tb, cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n0nce")))
	code, state := e.login(tb, reqID, acr, []string{"sms", "otp"})
	if state != "st4te" {
		tb.Errorf("state = %q", state)
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.verifier(clientID).Verify(ctx, raw)
	if err != nil {
		tb.Fatal(err)
	}
	if idt.Nonce != "n0nce" {
		tb.Errorf("nonce = %q", idt.Nonce)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		tb.Fatal(err)
	}
	return tok, c
}

func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok, c := e.flow(t, "dgt", "substantial", oidc.ScopeIdentity, "offline_access")
	if c.ACR != "http://eidas.europa.eu/LoA/substantial" || strings.Join(c.AMR, " ") != "sms otp" || c.AuthTime == 0 {
		t.Errorf("acr, amr, auth_time = %q, %v, %d", c.ACR, c.AMR, c.AuthTime)
	}
	if c.LlaveroID != person.ID || c.GivenName != "María José" || c.FamilyName != "García de la Fuente" || c.Birthdate != "1980-05-17" {
		t.Errorf("identity claims = %+v", c)
	}
	if c.Sub == person.ID || c.Sub == "" {
		t.Errorf("sub = %q: want a pairwise value, not the identifier", c.Sub)
	}
	_, c2 := e.flow(t, "aeat", "high")
	if c2.Sub == c.Sub {
		t.Error("two clients got the same sub")
	}
	if c2.LlaveroID != "" {
		t.Error("the identity went out without its scope")
	}
	_, c3 := e.flow(t, "dgt", "low")
	if c3.Sub != c.Sub {
		t.Error("one client got two subs for one person")
	}

	prov, err := gooidc.NewProvider(ctx, e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var uc idClaims
	if err := ui.Claims(&uc); err != nil {
		t.Fatal(err)
	}
	if uc.Sub != c.Sub || uc.LlaveroID != person.ID || uc.ACR != c.ACR || uc.FamilyName != c.FamilyName {
		t.Errorf("userinfo = %+v, want the ID token's claims", uc)
	}

	// Refresh: the new token works, the old refresh token only once.
	cfg := e.oauth("dgt")
	old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
	fresh, err := cfg.TokenSource(ctx, old).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh gave %+v", fresh)
	}
	raw, _ := fresh.Extra("id_token").(string)
	idt, err := e.verifier("dgt").Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var rc idClaims
	_ = idt.Claims(&rc)
	if rc.Sub != c.Sub || rc.ACR != c.ACR {
		t.Errorf("refreshed ID token: sub %q acr %q", rc.Sub, rc.ACR)
	}
	if _, err := cfg.TokenSource(ctx, old).Token(); err == nil {
		t.Error("a rotated refresh token worked twice")
	}

	// RP-initiated logout: post_logout_redirect_uri exactly matched, and
	// the client's tokens revoked.
	redirect := e.srv.URL + "/rp/dgt/cb"
	loc := location(t, e.srv.URL+"/end_session?"+url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {redirect}, "state": {"bye"}}.Encode())
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect || loc.Query().Get("state") != "bye" {
		t.Errorf("logout went to %s", loc)
	}
	if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
		t.Error("userinfo answered after logout")
	}
	resp, err := noRedirect.Get(e.srv.URL + "/end_session?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {redirect + "/x"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if l := resp.Header.Get("Location"); strings.HasPrefix(l, redirect+"/x") {
		t.Error("logout followed an unregistered post_logout_redirect_uri")
	}
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauth("dgt")
	verifier := oauth2.GenerateVerifier()

	t.Run("no PKCE", func(t *testing.T) {
		loc := location(t, cfg.AuthCodeURL("s"))
		if loc.Query().Get("error") != "invalid_request" || loc.Path != "/rp/dgt/cb" {
			t.Errorf("no PKCE: redirected to %s, want invalid_request back at the client", loc)
		}
		loc = location(t, cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
		if loc.Query().Get("error") != "invalid_request" {
			t.Errorf("plain PKCE: redirected to %s", loc)
		}
	})
	t.Run("wrong redirect_uri", func(t *testing.T) {
		for _, uri := range []string{e.srv.URL + "/rp/dgt/cb/", e.srv.URL + "/rp/aeat/cb", url.QueryEscape(e.srv.URL + "/rp/dgt/cb")} {
			bad := *cfg
			bad.RedirectURL = uri
			resp, err := noRedirect.Get(bad.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("redirect_uri %s: status %d (Location %q), want 400 and no redirect", uri, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})
	t.Run("code replay and wrong verifier", func(t *testing.T) {
		reqID := e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		code, _ := e.login(t, reqID, "low", []string{"pwd"})
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Error("exchange with a wrong verifier worked")
		}
		// A failed exchange spends the code: whoever guessed at the
		// verifier does not get to try again, nor does anyone else.
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
			t.Error("the code still worked after an exchange with a wrong verifier")
		}
		reqID = e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		code, _ = e.login(t, reqID, "low", []string{"pwd"})
		if _, err := cfg.Exchange(ctx, code); err == nil {
			t.Error("exchange without a verifier worked")
		}
		reqID = e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		code, _ = e.login(t, reqID, "low", []string{"pwd"})
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
			t.Error("a code was exchanged twice")
		}
	})
	t.Run("form_post goes through the callback, once", func(t *testing.T) {
		reqID := e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("response_mode", "form_post")))
		cb, err := e.p.Complete(ctx, reqID, oidc.Authenticated{PersonID: person.ID, ACR: "low", AMR: []string{"pwd"}})
		if err != nil || !strings.Contains(cb, "/authorize/callback?id=") {
			t.Fatalf("Complete with form_post = %q, %v; want the provider's callback", cb, err)
		}
		resp, err := noRedirect.Get(cb)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="code" value="([^"]+)"`).FindSubmatch(page)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("callback: status %d, no code in the form:\n%s", resp.StatusCode, page)
		}
		if _, err := cfg.Exchange(ctx, string(m[1]), oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("exchanging the form_post code: %v", err)
		}
		if resp, err := noRedirect.Get(cb); err == nil {
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if regexp.MustCompile(`name="code" value="`).Match(page) {
				t.Error("the callback minted a second code")
			}
		}
	})
	t.Run("concurrent code replay", func(t *testing.T) {
		reqID := e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		code, _ := e.login(t, reqID, "low", []string{"pwd"})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 4 {
			wg.Go(func() {
				if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d concurrent exchanges of one code worked, want 1", ok)
		}
	})
	t.Run("level too low", func(t *testing.T) {
		aeat := e.oauth("aeat")
		reqID := e.authorize(t, aeat.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		_, err := e.p.Complete(ctx, reqID, oidc.Authenticated{PersonID: person.ID, ACR: "low", AMR: []string{"pwd"}})
		ie, ok := i18n.As(err)
		if !ok || ie.Code != "oidc.level_too_low" || !strings.Contains(ie.Message(i18n.Lang("en")), "substantial") || ie.Hint(i18n.Lang("es")) == "" {
			t.Fatalf("Complete below MinACR: %v, want oidc.level_too_low naming substantial", err)
		}
		if !errors.Is(err, oidc.ErrLevelTooLow) {
			t.Error("errors.Is(err, ErrLevelTooLow) is false")
		}
		// The request stays pending: a stronger login goes through.
		if _, err := e.p.Complete(ctx, reqID, oidc.Authenticated{PersonID: person.ID, ACR: "substantial"}); err != nil {
			t.Errorf("a stronger login after the refusal: %v", err)
		}
		if _, err := e.p.Complete(ctx, reqID, oidc.Authenticated{PersonID: person.ID, ACR: "substantial"}); !errors.Is(err, oidc.ErrRequestGone) {
			t.Errorf("completing twice: %v, want ErrRequestGone", err)
		}
	})
	t.Run("acr_values and claims raise the level", func(t *testing.T) {
		for _, opt := range []oauth2.AuthCodeOption{
			oauth2.SetAuthURLParam("acr_values", "http://eidas.europa.eu/LoA/high"),
			oauth2.SetAuthURLParam("claims", `{"id_token":{"acr":{"essential":true,"value":"http://eidas.europa.eu/LoA/high"}}}`),
		} {
			reqID := e.authorize(t, cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), opt))
			lr, err := e.p.Request(ctx, reqID)
			if err != nil || lr.NeedACR != "high" || lr.Client.Name != "Sede DGT" {
				t.Errorf("Request = %+v, %v; want NeedACR high", lr, err)
			}
			if _, err := e.p.Complete(ctx, reqID, oidc.Authenticated{PersonID: person.ID, ACR: "substantial"}); !errors.Is(err, oidc.ErrLevelTooLow) {
				t.Errorf("substantial against a request for high: %v", err)
			}
		}
	})
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cc := clientcredentials.Config{ClientID: "aeat", ClientSecret: e.secrets["aeat"], TokenURL: e.srv.URL + "/oauth/token"}
	tok, err := cc.Token(ctx)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("client_credentials: %+v, %v", tok, err)
	}
	cc.ClientSecret = e.secrets["dgt"]
	if _, err := cc.Token(ctx); err == nil {
		t.Error("client_credentials with another client's secret worked")
	}
	// Introspection by the client itself: active, subject the client.
	form := url.Values{"token": {tok.AccessToken}}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth/introspect", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("aeat", e.secrets["aeat"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf strings.Builder
	_, _ = bufCopy(&buf, resp)
	if !strings.Contains(buf.String(), `"active":true`) || !strings.Contains(buf.String(), `"sub":"aeat"`) {
		t.Errorf("introspection = %s", buf.String())
	}
}

func bufCopy(b *strings.Builder, resp *http.Response) (int64, error) {
	var n int64
	p := make([]byte, 4096)
	for {
		k, err := resp.Body.Read(p)
		b.Write(p[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

func TestDiscoveryAndKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A first flow makes the first key.
	e.flow(t, "dgt", "low")
	ks, err := e.st.ListKeys(ctx)
	if err != nil || len(ks) != 1 || ks[0].Alg != "ES256" || ks[0].State != store.KeyActive {
		t.Fatalf("keys after one flow: %+v, %v", ks, err)
	}
	if strings.Contains(string(ks[0].PrivateKey), "PRIVATE") {
		t.Error("private key stored in the clear")
	}
	// Age the key past rotation: the next JWKS read makes a new one and
	// keeps the old published.
	if err := e.st.DeleteKey(ctx, ks[0].ID); err != nil {
		t.Fatal(err)
	}
	old := ks[0]
	old.CreatedAt = time.Now().Add(-31 * 24 * time.Hour)
	if err := e.st.CreateKey(ctx, old); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	_, _ = bufCopy(&buf, resp)
	resp.Body.Close()
	ks, _ = e.st.ListKeys(ctx)
	if len(ks) != 2 || ks[1].ID != old.ID || ks[1].State != store.KeyRetiring || ks[0].State != store.KeyActive {
		t.Fatalf("after rotation: %+v", ks)
	}
	for _, k := range ks {
		if !strings.Contains(buf.String(), k.ID) {
			t.Errorf("JWKS %s lacks key %s", buf.String(), k.ID)
		}
	}
	resp, err = http.Get(e.srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	_, _ = bufCopy(&buf, resp)
	resp.Body.Close()
	for _, want := range []string{`"S256"`, `"end_session_endpoint"`, `"llavero_identity"`, `"client_credentials"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("discovery lacks %s: %s", want, buf.String())
		}
	}
}
