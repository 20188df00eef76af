package web

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/store"
)

func TestOfficeAPI(t *testing.T) {
	e := newCertEnv(t)
	op := e.client(e.operator)
	casesURL := e.login.URL + "/api/v1/office/cases?q="
	approveURL := e.login.URL + "/api/v1/office/approve"
	refuseURL := e.login.URL + "/api/v1/office/refuse"

	old := e.apply("X1234567L", "Kovalenko")
	e.clock.Advance(31 * 24 * time.Hour) // the first code lapses unchecked
	c := e.apply("X1234567L", "Kovalenko")

	t.Run("cases", func(t *testing.T) {
		for _, q := range []string{c.app.Code, strings.ToLower(c.app.Code), "x-1234567-l"} {
			resp, b := call(t, op, "GET", casesURL+url.QueryEscape(q), nil, nil)
			var k caseJSON
			wantOK(t, resp, b, http.StatusOK, &k, "person", "applications")
			want := casePersonJSON{ID: "X1234567L", GivenName: "Olena", FirstSurname: "Kovalenko", DocumentType: "TIE",
				DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01", City: "Madrid"}
			if k.Person != want {
				t.Errorf("%s: person %+v", q, k.Person)
			}
			if len(k.Applications) != 2 || k.Applications[0].ID != c.app.ApplicationID || k.Applications[0].Expired ||
				k.Applications[1].ID != old.app.ApplicationID || !k.Applications[1].Expired || k.Applications[1].State != store.AppPending {
				t.Errorf("%s: applications %+v", q, k.Applications)
			}
		}
		_, b := call(t, op, "GET", casesURL+"X1234567L", nil, nil)
		if !strings.Contains(string(b), `"expires_at":"2027-01-22T10:00:00Z"`) || strings.Contains(string(b), "refusal_code") {
			t.Errorf("application fields: %s", b)
		}
		for _, tc := range []struct {
			q      string
			status int
			code   string
		}{
			{"", 400, "office.query"},
			{"AAAA-BBBB-CCCC", 404, "application.wrong_code"},
			{"Y7777777L", 404, "registry.not_found"},
			{"X1234567A", 400, "id.control_letter"},
		} {
			resp, b := call(t, op, "GET", casesURL+url.QueryEscape(tc.q), nil, nil)
			wantErr(t, resp, b, tc.status, tc.code)
		}
	})

	t.Run("approve refusals that record nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			req    approveRequest
			status int
			code   string
		}{
			{"neither id nor code", approveRequest{DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 400, "office.target"},
			{"both id and code", approveRequest{ApplicationID: c.app.ApplicationID, Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 400, "office.target"},
			{"unknown id", approveRequest{ApplicationID: "nope", DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 404, "office.application_not_found"},
			{"unknown code", approveRequest{Code: "AAAA-BBBB-CCCC", DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 404, "application.wrong_code"},
			{"typo in the type", approveRequest{Code: c.app.Code, DocumentType: "TEI", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 400, "document.type"},
			{"typo in the number", approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234576L", DocumentExpiry: "2031-05-01"}, 400, "document.number"},
			{"no expiry", approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L"}, 400, "date.invalid"},
			{"expired application", approveRequest{ApplicationID: old.app.ApplicationID, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, 409, "application.expired"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, b := call(t, op, "POST", approveURL, tc.req, nil)
				wantErr(t, resp, b, tc.status, tc.code)
			})
		}
		app, err := e.ra.ApplicationForCode(context.Background(), c.app.Code)
		if err != nil || app.State != store.AppPending {
			t.Fatalf("after refusals that record nothing the application is %s (%v)", app.State, err)
		}
	})

	t.Run("the registry refuses", func(t *testing.T) {
		resp, b := call(t, op, "POST", approveURL,
			approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2035-05-01"}, map[string]string{"Accept-Language": "en"})
		if e := wantErr(t, resp, b, http.StatusConflict, "office.document_mismatch"); !strings.Contains(e.Next, "registry") {
			t.Errorf("next step %q", e.Next)
		}
		resp, b = call(t, op, "POST", approveURL,
			approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, nil)
		wantErr(t, resp, b, http.StatusConflict, "office.not_pending")
		_, b = call(t, op, "GET", casesURL+"X1234567L", nil, nil)
		if !strings.Contains(string(b), `"refusal_code":"office.document_mismatch"`) {
			t.Errorf("refusal not in the case: %s", b)
		}
	})

	t.Run("refuse", func(t *testing.T) {
		d := e.apply("12345678Z", "Muñoz")
		resp, b := call(t, op, "POST", refuseURL, refuseRequest{Code: d.app.Code, Reason: "other"}, nil)
		wantErr(t, resp, b, http.StatusBadRequest, "office.reason")
		resp, b = call(t, op, "POST", refuseURL, refuseRequest{ApplicationID: "nope", Reason: "identity.not_proven"}, nil)
		wantErr(t, resp, b, http.StatusNotFound, "office.application_not_found")
		resp, b = call(t, op, "POST", refuseURL, refuseRequest{Code: d.app.Code, Reason: "identity.not_proven"}, nil)
		var out struct {
			ApplicationID string `json:"application_id"`
			Refused       bool   `json:"refused"`
		}
		wantOK(t, resp, b, http.StatusOK, &out, "application_id", "refused")
		if out.ApplicationID != d.app.ApplicationID || !out.Refused {
			t.Errorf("refuse answer %+v", out)
		}
		resp, b = call(t, op, "POST", refuseURL, refuseRequest{ApplicationID: d.app.ApplicationID, Reason: "identity.not_proven"}, nil)
		wantErr(t, resp, b, http.StatusConflict, "office.not_pending")
	})

	t.Run("approve and revoke", func(t *testing.T) {
		f := e.apply("X1234567L", "Kovalenko")
		resp, b := call(t, op, "POST", approveURL,
			approveRequest{ApplicationID: f.app.ApplicationID, DocumentType: "tie", DocumentNumber: "x-1234567-l", DocumentExpiry: "2031-05-01"}, nil)
		var out struct {
			ApplicationID string `json:"application_id"`
			Serial        string `json:"serial"`
			NotAfter      string `json:"not_after"`
		}
		wantOK(t, resp, b, http.StatusOK, &out, "application_id", "serial", "not_after")
		if out.ApplicationID != f.app.ApplicationID || out.Serial == "" || !strings.HasPrefix(out.NotAfter, "2030-12-23T") {
			t.Errorf("approve answer %+v", out)
		}
		revokeURL := e.login.URL + "/api/v1/office/revoke"
		// As "openssl x509 -serial" prints it.
		typed := strings.ToUpper(out.Serial)
		if len(typed)%2 == 1 {
			typed = "0" + typed
		}
		var pairs []string
		for i := 0; i < len(typed); i += 2 {
			pairs = append(pairs, typed[i:i+2])
		}
		resp, b = call(t, op, "POST", revokeURL, map[string]string{"serial": strings.Join(pairs, ":"), "reason": "affiliationChanged"}, nil)
		var rev revokeResponse
		wantOK(t, resp, b, http.StatusOK, &rev, "serial", "revoked_at")
		if rev.Serial != out.Serial {
			t.Errorf("revoked %q, want %q", rev.Serial, out.Serial)
		}
		cert, err := e.st.GetCertificate(context.Background(), out.Serial)
		if err != nil || cert.RevokedAt.IsZero() || cert.RevocationReason != ocsp.AffiliationChanged {
			t.Errorf("stored certificate %+v %v", cert, err)
		}
		for _, tc := range []struct {
			serial, reason string
			status         int
			code           string
		}{
			{out.Serial, "", 409, "certificate.not_revocable"},
			{"abc123", "", 404, "certificate.unknown"},
			{"not hex", "", 400, "request.field"},
			{out.Serial, "removeFromCRL", 400, "revoke.reason"},
		} {
			resp, b = call(t, op, "POST", revokeURL, map[string]string{"serial": tc.serial, "reason": tc.reason}, nil)
			wantErr(t, resp, b, tc.status, tc.code)
		}
	})

	t.Run("an office that does not check for certificates", func(t *testing.T) {
		ctx := context.Background()
		other, err := e.ra.AddOffice(ctx, store.Office{Name: "Oficina Cuentas", Address: "Calle 2", Handles: []string{"account"}}, "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		key, _ := newTestKey()
		_, cert, err := e.ra.AddOperator(ctx, e.ca, other.ID, "Luis", key.Public(), "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		g := e.apply("X1234567L", "Kovalenko")
		resp, b := call(t, e.client(e.identity(cert.Raw, key)), "POST", approveURL,
			approveRequest{Code: g.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"}, nil)
		wantErr(t, resp, b, http.StatusForbidden, "office.not_handled")
	})
}

func TestOfficeConsole(t *testing.T) {
	e := newCertEnv(t)
	op := e.client(e.operator)
	old := e.apply("X1234567L", "Kovalenko")
	e.clock.Advance(31 * 24 * time.Hour)
	c := e.apply("X1234567L", "Kovalenko")

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
	wantPhrases := func(t *testing.T, what, body string, phrases ...string) {
		t.Helper()
		for _, p := range phrases {
			if !strings.Contains(body, p) {
				t.Errorf("%s lacks %q", what, p)
			}
		}
	}

	t.Run("search page", func(t *testing.T) {
		for lang, phrases := range map[string][]string{
			"es": {`<html lang="es">`, "Has entrado como", "Ana Operadora", "Oficina Centro", "Plaza Mayor 1, Madrid", "Código de solicitud o DNI/NIE", `action="/office/case"`},
			"en": {`<html lang="en">`, "Signed in as", "Ana Operadora", "Oficina Centro", "Application code or DNI/NIE", `name="q"`},
		} {
			resp, b := page(t, "GET", "/office", lang, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", lang, resp.StatusCode)
			}
			wantPhrases(t, "search page in "+lang, b, phrases...)
		}
	})

	t.Run("case page", func(t *testing.T) {
		for lang, phrases := range map[string][]string{
			"es": {"Olena Kovalenko", "según el registro de población", "TIE (tarjeta de identidad de extranjero)", "2031-05-01",
				"Pendiente de comprobación", "Caducada: nadie la comprobó a tiempo", "(caducado)", "Aprobar y emitir el certificado",
				"Otro motivo (escríbelo en la nota)", "No se pudo comprobar la identidad"},
			"en": {"Olena Kovalenko", "according to the population registry", "TIE (foreigner identity card)",
				"Waiting for the identity check", "Expired: not checked in time", "(expired)", "Approve and issue the certificate",
				"EU citizen registration certificate (with passport)", "Other reason (write it in the note)"},
		} {
			resp, b := page(t, "GET", "/office/case?q="+url.QueryEscape(c.app.Code), lang, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d: %s", lang, resp.StatusCode, b)
			}
			wantPhrases(t, "case page in "+lang, b, phrases...)
			// The pending application comes first and only it has forms.
			if strings.Index(b, c.app.ApplicationID) > strings.Index(b, old.app.ApplicationID) {
				t.Error("the expired application is listed before the pending one")
			}
			if strings.Count(b, `action="/office/approve"`) != 1 || strings.Count(b, `action="/office/refuse"`) != 1 {
				t.Error("want one approve and one refuse form, for the pending application")
			}
		}
		resp, b := page(t, "GET", "/office/case?q=AAAA-BBBB-CCCC", "en", nil)
		if resp.StatusCode != 404 {
			t.Errorf("unknown code: status %d", resp.StatusCode)
		}
		wantPhrases(t, "unknown code", b, "There is no application with that code", "application.wrong_code", `value="AAAA-BBBB-CCCC"`)
	})

	t.Run("approve through the form", func(t *testing.T) {
		form := url.Values{"application_id": {c.app.ApplicationID}, "q": {"X1234567L"},
			"document_type": {"TIE"}, "document_number": {"X1234567L"}, "document_expiry": {"2031-05-01"}}
		// A typo records nothing.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("document_expiry", "01/05/2031")
		resp, b := page(t, "POST", "/office/approve", "en", bad)
		if resp.StatusCode != 400 {
			t.Errorf("typo: status %d", resp.StatusCode)
		}
		wantPhrases(t, "typo result", b, "Nothing was recorded", "The date is not valid.", "date.invalid")

		// The operator ticks "the key is on a token": the certificate
		// carries the CA's token policy, which logins turn into "high".
		form.Set("key_on_token", "yes")
		resp, b = page(t, "POST", "/office/approve", "en", form)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		app, _ := e.ra.ApplicationForCode(context.Background(), c.app.Code)
		if app.State != store.AppApproved || app.OperatorID == "" {
			t.Fatalf("application %s after the form", app.State)
		}
		rec, err := e.st.GetCertificate(context.Background(), app.CertSerial)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := x509.ParseCertificate(rec.DER)
		if err != nil || !slices.ContainsFunc(issued.Policies, e.ca.TokenPolicy().Equal) {
			t.Fatalf("issued certificate's policies %v (%v): want the token policy", issued.Policies, err)
		}
		wantPhrases(t, "approval result", b, "Certificate issued", app.CertSerial, "What to tell the person",
			"llavero cert download --server "+testPublicURL+" --id X1234567L --surname Kovalenko --code YOUR-CODE --out certificate.p12", "Back to the person&#39;s page",
			`href="/office/case?q=X1234567L"`)

		resp, b = page(t, "POST", "/office/approve", "es", form)
		if resp.StatusCode != 409 {
			t.Errorf("second approval: status %d", resp.StatusCode)
		}
		wantPhrases(t, "second approval", b, "No se ha guardado nada", "ya no está pendiente")
	})

	t.Run("the registry refuses through the form", func(t *testing.T) {
		g := e.apply("Y0000001S", "El Amrani")
		resp, b := page(t, "POST", "/office/approve", "en", url.Values{"application_id": {g.app.ApplicationID}, "q": {"Y0000001S"},
			"document_type": {"TIE"}, "document_number": {"Y0000001S"}, "document_expiry": {"2026-01-31"}})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		wantPhrases(t, "registry refusal", b, "Application refused by the registry", "expired on 2026-01-31", "document.expired", "What to tell the person")
	})

	t.Run("refuse through the form", func(t *testing.T) {
		h := e.apply("12345678Z", "Muñoz")
		form := url.Values{"application_id": {h.app.ApplicationID}, "q": {"12345678Z"}, "reason": {"other"}, "note": {"Foto <ilegible>"}}
		resp, b := page(t, "POST", "/office/refuse", "es", form)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		wantPhrases(t, "refusal result", b, "Solicitud rechazada", "Otro motivo", "Foto &lt;ilegible&gt;", "Qué decirle a la persona")
		mails, _ := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "12345678Z"})
		noted := false
		for _, m := range mails {
			noted = noted || strings.Contains(m.Body, "Foto <ilegible>")
		}
		if !noted {
			t.Error("the note did not reach the person")
		}
	})

	t.Run("cross-site form refused", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.login.URL+"/office/refuse", strings.NewReader("reason=other"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := op.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d", resp.StatusCode)
		}
	})

	t.Run("language switch after a form", func(t *testing.T) {
		resp, _ := page(t, "GET", "/office/approve?lang=en", "es", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		resp, _ = page(t, "GET", resp.Header.Get("Location"), "es", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/office" {
			t.Errorf("GET of a form address: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestConsoleLabelsCoverTheRA(t *testing.T) {
	for _, code := range ra.RefusalReasons() {
		if l, ok := refusalLabels[code]; !ok || l.ES == "" || l.EN == "" {
			t.Errorf("refusal reason %q has no label", code)
		}
	}
	for _, st := range []string{store.AppPending, store.AppApproved, store.AppDownloaded, store.AppRefused, store.AppCancelled} {
		if _, ok := stateLabels[st]; !ok {
			t.Errorf("state %q has no label", st)
		}
	}
	for _, d := range []string{store.DocDNI, store.DocTIE, store.DocEUCertificate, store.DocPassport} {
		if docTypeLabel(d).ES == d && d != store.DocDNI {
			t.Errorf("document type %q has no label", d)
		}
	}
}
