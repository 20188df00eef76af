package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/keystore"
)

func TestCertLoginNeedsACertificate(t *testing.T) {
	e := newCertEnv(t)
	_, _, holder := e.certified("X1234567L", "Kovalenko")
	anonymous, citizen, operator := e.client(), e.client(holder), e.client(e.operator)

	t.Run("no certificate", func(t *testing.T) {
		for _, tc := range []struct{ method, path string }{
			{"GET", "/api/v1/certificates/me"},
			{"POST", "/api/v1/certificates/renew"},
			{"POST", "/api/v1/certificates/revoke"},
			{"GET", "/api/v1/office/cases?q=X1234567L"},
			{"POST", "/api/v1/office/approve"},
		} {
			resp, b := call(t, anonymous, tc.method, e.login.URL+tc.path, map[string]string{}, map[string]string{"Accept-Language": "en"})
			if e := wantErr(t, resp, b, http.StatusUnauthorized, "certlogin.no_certificate"); !strings.Contains(e.Next, "--p12 FILE") ||
				!strings.Contains(e.Next, "import your certificate") {
				t.Errorf("%s: next step %q does not say how to present a certificate", tc.path, e.Next)
			}
		}
		resp, b := call(t, anonymous, "GET", e.login.URL+"/api/v1/certificates/me", nil, map[string]string{"Accept-Language": "es"})
		if e := wantErr(t, resp, b, http.StatusUnauthorized, "certlogin.no_certificate"); !strings.Contains(e.Next, "--p12 FICHERO") {
			t.Errorf("Spanish next step %q", e.Next)
		}
		resp, b = call(t, anonymous, "GET", e.login.URL+"/office", nil, map[string]string{"Accept-Language": "en"})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "import your certificate") ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("console without a certificate: %d %s", resp.StatusCode, b)
		}
	})

	t.Run("served without TLS", func(t *testing.T) {
		// A misconfigured listener must not fail open.
		h := e.srv.CertLoginHandler(e.deps)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/certificates/me", nil))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("status %d", rec.Code)
		}
	})

	t.Run("operator certificate is not a citizen's", func(t *testing.T) {
		resp, b := call(t, operator, "GET", e.login.URL+"/api/v1/certificates/me", nil, map[string]string{"Accept-Language": "en"})
		if e := wantErr(t, resp, b, http.StatusUnauthorized, "certificate.unknown"); !strings.Contains(e.Next, "--p12 FILE") {
			t.Errorf("next step %q", e.Next)
		}
	})

	t.Run("citizen certificate is not an operator's", func(t *testing.T) {
		resp, b := call(t, citizen, "GET", e.login.URL+"/api/v1/office/cases?q=X1234567L", nil, nil)
		wantErr(t, resp, b, http.StatusForbidden, "office.operator")
		resp, b = call(t, citizen, "POST", e.login.URL+"/api/v1/office/revoke", map[string]string{"serial": "1"}, nil)
		wantErr(t, resp, b, http.StatusForbidden, "office.operator")
		resp, b = call(t, citizen, "GET", e.login.URL+"/office", nil, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "office.operator") {
			t.Errorf("console with a citizen certificate: %d", resp.StatusCode)
		}
	})

	t.Run("each origin has its own routes", func(t *testing.T) {
		resp, _ := call(t, citizen, "GET", e.login.URL+"/api/v1/certificates/challenge", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("challenge on the certificate-login origin: %d", resp.StatusCode)
		}
		for _, p := range []string{"/office", "/api/v1/certificates/me"} {
			resp, _ = call(t, e.main.Client(), "GET", e.main.URL+p, nil, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s on the main origin: %d", p, resp.StatusCode)
			}
		}
		resp, _ = call(t, anonymous, "GET", e.login.URL+"/", nil, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != testPublicURL+"/" {
			t.Errorf("bare origin: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("same middleware", func(t *testing.T) {
		resp, _ := call(t, citizen, "GET", e.login.URL+"/api/v1/certificates/me", nil, nil)
		for k, v := range wantHeaders {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if resp.Header.Get("Strict-Transport-Security") == "" || len(resp.Header.Get("X-Request-Id")) < 20 {
			t.Error("no HSTS or request ID")
		}
		if !strings.Contains(e.logs.String(), `"route":"GET /api/v1/certificates/me"`) {
			t.Error("certificate-login requests are not logged with their route")
		}
		resp, b := call(t, operator, "GET", e.login.URL+"/static/style.css", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(b), ".desk-form") {
			t.Errorf("stylesheet on the certificate-login origin: %d", resp.StatusCode)
		}
	})
}

func TestRenewOverHTTP(t *testing.T) {
	e := newCertEnv(t)
	_, old, holder := e.certified("X1234567L", "Kovalenko")
	client := e.client(holder)
	newKey, _ := keystore.Generate(keystore.P256)
	csr, _ := keystore.CreateCSR(newKey, "X1234567L", "Kovalenko", "olena@example.org")
	url := e.login.URL + "/api/v1/certificates/renew"

	resp, b := call(t, client, "POST", url, map[string]string{"csr": string(csr)}, map[string]string{"Accept-Language": "en"})
	if e := wantErr(t, resp, b, http.StatusConflict, "renew.window"); !strings.Contains(e.Message, "renewal opens on") {
		t.Errorf("window refusal does not give the date: %q", e.Message)
	}
	resp, b = call(t, client, "POST", url, map[string]string{}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "request.field")

	e.clock.Set(old.NotAfter.Add(-30 * 24 * time.Hour))
	resp, b = call(t, client, "POST", url, map[string]string{"csr": "not a CSR"}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "csr.invalid")
	resp, b = call(t, client, "POST", url, map[string]string{"csr": string(csr)}, nil)
	var got issuedJSON
	wantOK(t, resp, b, http.StatusOK, &got, "serial", "not_after", "certificate", "chain")
	x := parsePEMCert(t, got.Certificate)
	if !x.NotAfter.After(old.NotAfter) || len(got.Chain) != 2 || x.Subject.CommonName != old.Subject.CommonName {
		t.Errorf("renewed certificate %s until %s", x.Subject, x.NotAfter)
	}

	resp, b = call(t, client, "GET", e.login.URL+"/api/v1/certificates/me", nil, nil)
	var me meResponse
	wantOK(t, resp, b, http.StatusOK, &me, "serial", "person_id", "not_before", "not_after", "renewal_opens", "renewed_by")
	if me.RenewedBy != got.Serial {
		t.Errorf("renewed_by %q, want %q", me.RenewedBy, got.Serial)
	}
	resp, b = call(t, client, "POST", url, map[string]string{"csr": string(csr)}, nil)
	wantErr(t, resp, b, http.StatusConflict, "renew.already")

	// The new certificate signs in too.
	resp, b = call(t, e.client(e.identity(x.Raw, newKey)), "GET", e.login.URL+"/api/v1/certificates/me", nil, nil)
	wantOK(t, resp, b, http.StatusOK, &me)
	if me.Serial != got.Serial {
		t.Errorf("me with the new certificate: %+v", me)
	}
}

func TestHolderRevokeRefusals(t *testing.T) {
	e := newCertEnv(t)
	_, _, holder := e.certified("X1234567L", "Kovalenko")
	client := e.client(holder)
	url := e.login.URL + "/api/v1/certificates/revoke"
	resp, b := call(t, client, "POST", url, map[string]string{"reason": "certificateHold"}, nil)
	wantErr(t, resp, b, http.StatusBadRequest, "revoke.reason")
	resp, b = call(t, client, "POST", url, map[string]string{}, nil)
	wantOK(t, resp, b, http.StatusOK, nil, "serial", "revoked_at")
	resp, b = call(t, client, "POST", url, map[string]string{}, nil)
	wantErr(t, resp, b, http.StatusForbidden, "renew.expired")
}
