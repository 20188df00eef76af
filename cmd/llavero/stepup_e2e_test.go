package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestStepUpAsksOnlyForTheSMSCode: a person signed in with a password
// (low) meets an office that needs substantial; llavero asks only for the
// SMS code, not for a whole new login, and the office gets substantial.
func TestStepUpAsksOnlyForTheSMSCode(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	t.Setenv("LLAVERO_LANG", "en")
	seedAdvancedAccount(t, data)
	const redirect = "http://127.0.0.1:9/callback"
	var cl map[string]any
	mustJSON(t, &cl, "admin", "client", "add", "--name", "Sede de la Seguridad Social", "--redirect-uri", redirect, "--min-acr", "substantial", "--json")
	cfg := startPlatform(t, data, "")
	srv := "http://" + cfg.Listen
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	codeID := regexp.MustCompile(`name="code_id" value="([^"]+)"`)

	// A PIN session sets a password, then the person logs in with it alone.
	_, body := fetch(t, browser, http.MethodPost, srv+"/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}})
	m := codeID.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("PIN step:\n%s", body)
	}
	fetch(t, browser, http.MethodPost, srv+"/login/pin/verify", url.Values{"code_id": {m[1]}, "pin": {lastPIN(t)}})
	const pw = "Tranvía-Azul-Nube-42"
	resp, body := fetch(t, browser, http.MethodPost, srv+"/account/password", url.Values{"password": {pw}, "confirm": {pw}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set password: %d\n%s", resp.StatusCode, body)
	}
	fetch(t, browser, http.MethodPost, srv+"/logout", url.Values{})
	resp, _ = fetch(t, browser, http.MethodPost, srv+"/login/password", url.Values{"id": {"X1234567L"}, "password": {pw}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/account") {
		t.Fatalf("password login: %d %s", resp.StatusCode, resp.Request.URL)
	}

	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	oc := oauth2.Config{ClientID: cl["id"].(string), ClientSecret: cl["secret"].(string), Endpoint: provider.Endpoint(),
		RedirectURL: redirect, Scopes: []string{gooidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	resp, body = fetch(t, browser, http.MethodGet, oc.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `action="/login/step-up"`) || !strings.Contains(body, "Sede de la Seguridad Social") {
		t.Fatalf("a low session at a substantial office: %d\n%s", resp.StatusCode, body)
	}
	next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(body)
	resp, body = fetch(t, browser, http.MethodPost, srv+"/login/step-up", url.Values{"next": {strings.ReplaceAll(next[1], "&amp;", "&")}})
	m = codeID.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(body, "/login/otp/verify") {
		t.Fatalf("step-up: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = fetch(t, browser, http.MethodPost, srv+"/login/otp/verify", url.Values{"code_id": {m[1]}, "pin": {lastPIN(t)}, "next": {strings.ReplaceAll(next[1], "&amp;", "&")}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("after the SMS code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := oc.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&gooidc.Config{ClientID: oc.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ACR string   `json:"acr"`
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&c)
	if c.ACR != "http://eidas.europa.eu/LoA/substantial" || !strings.Contains(strings.Join(c.AMR, ","), "pwd") {
		t.Fatalf("claims %+v", c)
	}
}
