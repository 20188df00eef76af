package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/store"
)

// newOfficeAccEnv is accEnv with the certificate-login origin served again
// with the IdP in CertDeps: the certEnv's origin was started without it.
func newOfficeAccEnv(t *testing.T) *accEnv {
	t.Helper()
	e := newAccEnv(t)
	d := e.deps
	d.IdP, d.Accounts = e.idp, e.st
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	login := httptest.NewUnstartedServer(s.CertLoginHandler(d))
	login.TLS = e.login.TLS
	login.StartTLS()
	t.Cleanup(login.Close)
	e.login = login
	return e
}

func TestOfficeAccounts(t *testing.T) {
	e := newOfficeAccEnv(t)
	ctx := context.Background()
	op := e.client(e.operator)
	apiURL := e.login.URL + "/api/v1/office/accounts"

	page := func(t *testing.T, method, path, lang string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, e.login.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.login.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		req.Header.Set("Accept-Language", lang)
		resp, err := op.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if s := string(b); strings.Contains(s, "[desk.") || strings.Contains(s, "[layout.") {
			t.Errorf("%s %s shows a missing text", method, path)
		}
		return resp, string(b)
	}
	want := func(t *testing.T, what, body string, phrases ...string) {
		t.Helper()
		for _, p := range phrases {
			if !strings.Contains(body, p) {
				t.Errorf("%s lacks %q", what, p)
			}
		}
	}

	t.Run("case page in both languages", func(t *testing.T) {
		for lang, phrases := range map[string][]string{
			"es": {"Su cuenta para entrar", "no tiene cuenta todavía", "Registrar la cuenta con nivel avanzado", "cambiar el móvil", `action="/office/account"`},
			"en": {"Their account for logging in", "has no account yet", "Register the account at advanced level", "change an account&#39;s mobile", `name="mobile"`},
		} {
			resp, b := page(t, "GET", "/office/case?q=X1234567L", lang, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", lang, resp.StatusCode)
			}
			want(t, "case page in "+lang, b, phrases...)
		}
	})

	t.Run("register via the form", func(t *testing.T) {
		form := url.Values{"person_id": {"X1234567L"}, "q": {"X1234567L"}, "document_type": {"TIE"},
			"document_number": {"X1234567L"}, "document_expiry": {"2031-05-01"}, "mobile": {"612 345 678"}, "email": {"olena@example.org"}}
		resp, b := page(t, "POST", "/office/account", "en", form)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		want(t, "result", b, "Account registered at advanced level", "log in with PIN straight away", "/office/case?q=X1234567L")
		acc, err := e.st.GetAccount(ctx, "X1234567L")
		if err != nil || acc.Level != store.LevelAdvanced || acc.RegisteredVia != store.ViaOffice || acc.Mobile != "+34612345678" {
			t.Fatalf("account %+v (%v)", acc, err)
		}
		_, b = page(t, "GET", "/office/case?q=X1234567L", "es", nil)
		// html/template writes the "+" as an entity: the digits shown are enough.
		want(t, "case page after", b, "avanzado", "•78</code>")
	})

	t.Run("expired document", func(t *testing.T) {
		form := url.Values{"person_id": {"Y0000001S"}, "q": {"Y0000001S"}, "document_type": {"TIE"},
			"document_number": {"Y0000001S"}, "document_expiry": {"2026-01-31"}, "mobile": {"611 111 111"}}
		for _, lang := range []string{"es", "en"} {
			resp, b := page(t, "POST", "/office/account", lang, form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: status %d", lang, resp.StatusCode)
			}
			want(t, "refusal in "+lang, b, "document.expired", `role="alert"`)
		}
		if _, err := e.st.GetAccount(ctx, "Y0000001S"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an account exists after the refusal: %v", err)
		}
	})

	t.Run("api", func(t *testing.T) {
		resp, b := call(t, op, "POST", apiURL, accountRequest{PersonID: "12345678z", DocumentType: "DNI", DocumentNumber: "12345678Z",
			DocumentExpiry: "2032-01-01", Mobile: "+34 622 222 222"}, nil)
		var out accountResponse
		wantOK(t, resp, b, http.StatusOK, &out, "person_id", "level", "mobile_masked")
		if out.PersonID != "12345678Z" || out.Level != store.LevelAdvanced || out.MobileMasked != masked("+34622222222") || strings.Contains(out.MobileMasked, "622222222") {
			t.Errorf("answer %+v", out)
		}
		// Olena's number, registered above, is not José's to take.
		resp, b = call(t, op, "POST", apiURL, accountRequest{PersonID: "12345678Z", DocumentType: "DNI", DocumentNumber: "12345678Z",
			DocumentExpiry: "2032-01-01", Mobile: "612345678"}, nil)
		wantErr(t, resp, b, http.StatusConflict, "account.phone_taken")
		resp, b = call(t, op, "POST", apiURL, accountRequest{PersonID: "12345678Z", DocumentType: "DNI", DocumentNumber: "12345678Z",
			DocumentExpiry: "2033-01-01"}, nil)
		wantErr(t, resp, b, http.StatusBadRequest, "office.document_mismatch")
		resp, b = call(t, op, "POST", apiURL, accountRequest{DocumentType: "DNI", DocumentNumber: "12345678Z", DocumentExpiry: "2032-01-01"}, nil)
		wantErr(t, resp, b, http.StatusBadRequest, "request.field")
	})

	t.Run("an office that does not register accounts", func(t *testing.T) {
		other, err := e.ra.AddOffice(ctx, store.Office{Name: "Oficina Certificados", Address: "Calle 3", Handles: []string{"certificate"}}, "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		key, _ := newTestKey()
		_, cert, err := e.ra.AddOperator(ctx, e.ca, other.ID, "Marta", key.Public(), "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		resp, b := call(t, e.client(e.identity(cert.Raw, key)), "POST", apiURL, accountRequest{PersonID: "Y0000001S", DocumentType: "TIE",
			DocumentNumber: "Y0000001S", DocumentExpiry: "2026-01-31"}, nil)
		wantErr(t, resp, b, http.StatusForbidden, "office.not_handled")
	})

	t.Run("a citizen certificate", func(t *testing.T) {
		_, _, id := e.certified("X1234567L", "Kovalenko")
		resp, b := call(t, e.client(id), "POST", apiURL, accountRequest{PersonID: "X1234567L", DocumentType: "TIE",
			DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01", Mobile: "699999999"}, nil)
		wantErr(t, resp, b, http.StatusForbidden, "office.operator")
		resp, b = call(t, e.client(), "POST", apiURL, accountRequest{}, nil)
		wantErr(t, resp, b, http.StatusUnauthorized, "certlogin.no_certificate")
	})
}
