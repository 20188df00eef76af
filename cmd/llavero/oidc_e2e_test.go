package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/server"
	"github.com/llavero/llavero/internal/store"
)

// TestRelyingPartyLoginWithPIN is an electronic office logging a person
// in through llavero with an independent OpenID Connect client library
// (coreos/go-oidc + x/oauth2, PKCE S256): authorize, the login step, the
// PIN by SMS through the forms, back to the office with a code, tokens,
// and an ID token at the level the office asked for.
func TestRelyingPartyLoginWithPIN(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	t.Setenv("LLAVERO_LANG", "en")
	seedAdvancedAccount(t, data)
	const redirect = "http://127.0.0.1:9/callback"
	var client map[string]any
	mustJSON(t, &client, "admin", "client", "add", "--name", "Sede de Tráfico", "--redirect-uri", redirect, "--min-acr", "substantial",
		"--procedure", "licence-exchange:Canje de permiso:substantial:signature", "--json")

	cfg := startPlatform(t, data, "")
	srv := "http://" + cfg.Listen
	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	oc := oauth2.Config{ClientID: client["id"].(string), ClientSecret: client["secret"].(string), Endpoint: provider.Endpoint(),
		RedirectURL: redirect, Scopes: []string{gooidc.ScopeOpenID, "profile"}}
	verifier := oauth2.GenerateVerifier()
	authURL := oc.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))

	// The browser: cookies, and it stops at the office's redirect URI.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, body := fetch(t, browser, http.MethodGet, authURL, nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.Path, "/login") {
		t.Fatalf("authorize did not land on the login page: %d %s", resp.StatusCode, resp.Request.URL)
	}
	next := resp.Request.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/oidc/continue") {
		t.Fatalf("login page next=%q", next)
	}
	_ = body

	resp, body = fetch(t, browser, http.MethodPost, srv+"/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}, "next": {next}})
	codeID := regexp.MustCompile(`name="code_id" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || codeID == nil {
		t.Fatalf("PIN step: %d\n%s", resp.StatusCode, body)
	}
	pin := lastPIN(t)

	resp, _ = fetch(t, browser, http.MethodPost, srv+"/login/pin/verify", url.Values{"code_id": {codeID[1]}, "pin": {pin}, "next": {next}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("after the PIN: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "state-123" {
		t.Fatalf("state lost: %s", loc)
	}
	tok, err := oc.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&gooidc.Config{ClientID: oc.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		ACR       string   `json:"acr"`
		AMR       []string `json:"amr"`
		LlaveroID string   `json:"llavero_id"`
		Given     string   `json:"given_name"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.ACR != "http://eidas.europa.eu/LoA/substantial" || claims.LlaveroID != "X1234567L" || claims.Given != "Olena" || idt.Subject == "X1234567L" {
		t.Fatalf("ID token: sub %q, claims %+v", idt.Subject, claims)
	}
	// The code works once.
	if _, err := oc.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("the code was accepted twice")
	}

	// Logging out at the office ends the browser's llavero session too:
	// the next visit to llavero asks for a login again.
	resp, _ = fetch(t, browser, http.MethodGet, srv+"/account", nil)
	if !strings.HasPrefix(resp.Request.URL.Path, "/account") {
		t.Fatalf("before logout the session should open /account, got %s", resp.Request.URL)
	}
	end := srv + "/end_session?" + url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {redirect}}.Encode()
	resp, _ = fetch(t, browser, http.MethodGet, end, nil)
	if !strings.HasPrefix(resp.Header.Get("Location"), redirect) {
		t.Fatalf("end_session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = fetch(t, browser, http.MethodGet, srv+"/account", nil)
	if !strings.HasPrefix(resp.Request.URL.Path, "/login") {
		t.Fatalf("after logout /account opened without a login: %s", resp.Request.URL)
	}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// seedAdvancedAccount imports one person and gives her an advanced account
// with a mobile, as an office registration leaves it.
func seedAdvancedAccount(t *testing.T, data string) {
	t.Helper()
	csvPath := filepath.Join(data, "people.csv")
	if err := os.WriteFile(csvPath, []byte(strings.Join(registry.Header, ",")+"\n"+
		"X1234567L,Olena,Kovalenko,,1990-04-02,UA,TIE,X1234567L,2031-05-01,E12345678,Calle Mayor 1,28013,Madrid,Madrid,olena@example.org,+34612345678\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "admin", "registry", "import", csvPath)
	cfg := &config.Config{Data: data, Database: "sqlite:" + filepath.Join(data, "llavero.db")}
	st, err := server.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.CreateAccount(context.Background(), store.Account{PersonID: "X1234567L", Level: store.LevelAdvanced, RegisteredVia: store.ViaOffice,
		Mobile: "+34612345678", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// lastPIN reads the newest SMS to the seeded person from the outbox.
func lastPIN(t *testing.T) string {
	t.Helper()
	out := mustRun(t, "admin", "outbox", "--to", "X1234567L", "--kind", "sms", "--limit", "1", "--json")
	var sms []map[string]string
	if err := json.Unmarshal([]byte(out), &sms); err != nil || len(sms) != 1 {
		t.Fatalf("SMS: %v %s", err, out)
	}
	return regexp.MustCompile(`\b\d{6}\b`).FindString(sms[0]["body"])
}
