package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOpenIDClientInterop logs a person in through llavero with
// openid-client, an OpenID Certified relying-party library nobody here
// wrote, run by node: discovery, authorization URL with PKCE, state and
// nonce, code redemption, ID token validation and userinfo. CI installs it
// (interop/openid-client, npm ci); elsewhere the test skips when node or
// the library is missing.
func TestOpenIDClientInterop(t *testing.T) {
	dir, _ := filepath.Abs("../../interop/openid-client")
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: the openid-client interop test is skipped")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openid-client")); err != nil {
		t.Skip("openid-client not installed: run npm ci in interop/openid-client (CI does)")
	}
	data := t.TempDir()
	t.Setenv("LLAVERO_DATA", data)
	t.Setenv("LLAVERO_LANG", "en")
	seedAdvancedAccount(t, data)
	const redirect = "http://127.0.0.1:9/callback"
	var cl map[string]any
	mustJSON(t, &cl, "admin", "client", "add", "--name", "Sede de pruebas", "--redirect-uri", redirect, "--min-acr", "low", "--json")
	cfg := startPlatform(t, data, "")
	srv := "http://" + cfg.Listen
	node := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("node", append([]string{"rp.mjs"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("node rp.mjs %s: %v\n%s", args[0], err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("node output: %v\n%s", err, out)
		}
		return v
	}
	start := node("start", srv, cl["id"].(string), cl["secret"].(string), redirect)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, _ := fetch(t, browser, http.MethodGet, start["url"].(string), nil)
	next := resp.Request.URL.Query().Get("next")
	if resp.StatusCode != 200 || next == "" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, resp.Request.URL)
	}
	_, body := fetch(t, browser, http.MethodPost, srv+"/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"2031-05-01"}, "next": {next}})
	codeID := regexp.MustCompile(`name="code_id" value="([^"]+)"`).FindStringSubmatch(body)
	if codeID == nil {
		t.Fatalf("PIN step:\n%s", body)
	}
	resp, _ = fetch(t, browser, http.MethodPost, srv+"/login/pin/verify", url.Values{"code_id": {codeID[1]}, "pin": {lastPIN(t)}, "next": {next}})
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, redirect) {
		t.Fatalf("after the PIN: %d %q", resp.StatusCode, callback)
	}
	fin := node("finish", srv, cl["id"].(string), cl["secret"].(string), redirect, callback,
		start["verifier"].(string), start["state"].(string), start["nonce"].(string))
	claims := fin["claims"].(map[string]any)
	if claims["acr"] != "http://eidas.europa.eu/LoA/substantial" || claims["llavero_id"] != "X1234567L" {
		t.Fatalf("claims %v", claims)
	}
	if ui := fin["userinfo"].(map[string]any); ui["sub"] != claims["sub"] || ui["given_name"] != "Olena" {
		t.Fatalf("userinfo %v", ui)
	}
}
