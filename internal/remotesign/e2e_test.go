package remotesign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/platformtest"
	"github.com/llavero/llavero/internal/remotesign"
	"github.com/llavero/llavero/internal/store"
)

// The whole flow over HTTP, on the real platform (internal/platformtest)
// with the sample office registered: relying parties call the API with
// their credentials, people log in, approve with the SMS code from the
// outbox, and the callbacks carry signatures that openssl accepts.

type e2e struct {
	t      *testing.T
	env    *platformtest.Env
	cms    *cmsSigner
	rp     *callbacks
	client store.Client
	secret string
}

func newE2E(t *testing.T) *e2e {
	env := platformtest.Start(t, platformtest.Options{})
	e := &e2e{t: t, env: env, cms: newCMSSigner(), rp: newCallbacks(t)}
	env.Platform.RemoteSign.SetSigners(e.cms, pdfSigner{})
	// A relying party of the test's own, whose callback the test reads.
	var hash string
	e.secret, hash = oidc.NewSecret()
	e.client = store.Client{ID: "rp-" + strings.ToLower(t.Name()[:4]), SecretHash: hash, Name: "Sede de Pruebas", MinACR: "low",
		RedirectURIs: []string{e.rp.srv.URL + "/callback"}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := env.Store.CreateClient(context.Background(), e.client); err != nil {
		t.Fatal(err)
	}
	return e
}

// api calls the remote-signing API as client id with secret.
func (e *e2e) api(method, path, id, secret string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.env.Issuer+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// request asks for a signature of doc and returns the request's id and
// approval URL.
func (e *e2e) request(doc []byte) (id, approve string) {
	e.t.Helper()
	status, out := e.api("POST", "/api/v1/signatures/requests", e.client.ID, e.secret, map[string]string{
		"description": "Declaración responsable de prueba", "document_name": "declaracion.txt", "hash_alg": "SHA-256",
		"digest":       base64.StdEncoding.EncodeToString(e.cms.register(crypto.SHA256, doc)),
		"callback_uri": e.rp.srv.URL + "/signed", "return_uri": e.rp.srv.URL + "/back",
	})
	if status != http.StatusCreated {
		e.t.Fatalf("create: %d %v", status, out)
	}
	id, _ = out["id"].(string)
	approve, _ = out["approve_url"].(string)
	if approve != e.env.Issuer+"/sign/requests/"+id {
		e.t.Fatalf("approve_url %q", approve)
	}
	return id, approve
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) do(method, u string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var codeIDField = regexp.MustCompile(`name="code_id" value="([^"]+)"`)

// pinLogin logs in on the login page the browser was sent to.
func (e *e2e) pinLogin(b *browser, resp *http.Response, personID string) (*http.Response, string) {
	e.t.Helper()
	if !strings.HasPrefix(resp.Request.URL.String(), e.env.Issuer+"/login") {
		e.t.Fatalf("not on the login page: %s", resp.Request.URL)
	}
	next := resp.Request.URL.Query().Get("next")
	if acr := resp.Request.URL.Query().Get("acr"); acr != "substantial" {
		e.t.Errorf("login asked for acr %q, want substantial", acr)
	}
	_, body := b.do("POST", e.env.Issuer+"/login/pin", url.Values{"id": {personID}, "fact": {platformtest.Facts[personID]}, "next": {next}})
	m := codeIDField.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("PIN step:\n%s", body)
	}
	return b.do("POST", e.env.Issuer+"/login/pin/verify", url.Values{"code_id": {m[1]}, "pin": {e.env.LastCode(e.t, personID)}, "next": {next}})
}

// sign asks for the code on the approval page and types it.
func (e *e2e) sign(b *browser, id, personID string) string {
	e.t.Helper()
	resp, body := b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/code", url.Values{})
	m := codeIDField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		e.t.Fatalf("code step: %d\n%s", resp.StatusCode, body)
	}
	resp, body = b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/approve", url.Values{"code_id": {m[1]}, "code": {e.env.LastCode(e.t, personID)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Document signed") {
		e.t.Fatalf("approval: %d\n%s", resp.StatusCode, body)
	}
	return body
}

func TestEndToEnd(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	root := e.env.Platform.CA

	t.Run("approve", func(t *testing.T) {
		e.t = t
		b := newBrowser(t)
		doc := []byte("Declaro que los datos de la solicitud son ciertos.\n")
		id, approve := e.request(doc)
		resp, _ := b.do("GET", approve, nil)
		resp, body := e.pinLogin(b, resp, "87654321X")
		if resp.Request.URL.String() != approve || resp.StatusCode != http.StatusOK {
			t.Fatalf("after login: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		sum := sha256.Sum256(doc)
		hexd := strings.ToUpper(base64ToHex(sum[:]))
		for _, want := range []string{"Sede de Pruebas", "Declaración responsable de prueba", "declaracion.txt", hexd[:4] + " " + hexd[4:8], "What signing means", `lang="en"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the approval page does not show %q:\n%s", want, body)
			}
		}
		page := e.sign(b, id, "87654321X")
		if !strings.Contains(page, "Lucía García Sanz (87654321X)") || !strings.Contains(page, e.rp.srv.URL+"/back") {
			t.Errorf("the done page does not name the signer or the way back:\n%s", page)
		}
		res := e.rp.next(t)
		if res.ID != id || res.State != store.SignApproved {
			t.Fatalf("callback %+v", res)
		}
		cms, _ := base64.StdEncoding.DecodeString(res.Signature)
		der, _ := base64.StdEncoding.DecodeString(res.Certificate)
		opensslVerify(t, root, cms, doc)
		if cert := hasRemotePolicy(t, root, der); cert.Subject.SerialNumber != "IDCES-87654321X" {
			t.Errorf("signer %q", cert.Subject.SerialNumber)
		}
		// llavero's own OCSP responder vouches for the signer's certificate.
		serial := new(big.Int).SetBytes(mustCert(t, der).SerialNumber.Bytes())
		if resp, err := e.env.Platform.RA.OCSPResponse(ctx, serial); err != nil {
			t.Errorf("OCSP: %v", err)
		} else if r, err := ocsp.ParseResponse(resp, root.Issuing()); err != nil || r.Status != ocsp.Good {
			t.Errorf("OCSP status: %v, %v", r, err)
		}
		// Polling says the same.
		status, out := e.api("GET", "/api/v1/signatures/requests/"+id, e.client.ID, e.secret, nil)
		if status != http.StatusOK || out["state"] != "approved" || out["signature"] != res.Signature {
			t.Errorf("poll: %d %v", status, out)
		}
		// The key is reused; the history lists both.
		id2, _ := e.request([]byte("segundo"))
		e.sign(b, id2, "87654321X")
		if res2 := e.rp.next(t); res2.Certificate != res.Certificate {
			t.Error("a second key was made for the second signature")
		}
		_, acc := b.do("GET", e.env.Issuer+"/account", nil)
		if !strings.Contains(acc, "My signatures") || strings.Count(acc, "Declaración responsable de prueba") != 2 {
			t.Errorf("My signatures does not list both:\n%s", acc)
		}
	})

	t.Run("refuse, CSRF, expire, wrong codes", func(t *testing.T) {
		e.t = t
		b := newBrowser(t)
		id, approve := e.request([]byte("a refusar"))
		resp, _ := b.do("GET", approve, nil)
		e.pinLogin(b, resp, "11111111H")
		// A cross-site form post is refused and changes nothing.
		resp, _ = b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/refuse", url.Values{}, "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site refusal: %d, want 403", resp.StatusCode)
		}
		resp, _ = b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/code", url.Values{}, "Sec-Fetch-Site", "", "Origin", "https://phish.example")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin code request: %d, want 403", resp.StatusCode)
		}
		if r, _ := e.env.Store.GetSignatureRequest(ctx, id); r.State != store.SignRequested || r.PersonID != "" {
			t.Fatalf("after cross-site posts: %+v", r)
		}
		resp, body := b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/refuse", url.Values{}, "Sec-Fetch-Site", "same-origin")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You did not sign") {
			t.Errorf("refusal: %d\n%s", resp.StatusCode, body)
		}
		if res := e.rp.next(t); res.ID != id || res.State != store.SignRefused || res.Reason != remotesign.ReasonRefused {
			t.Errorf("callback %+v", res)
		}

		id, approve = e.request([]byte("a caducar"))
		if n, err := e.env.Platform.RemoteSign.ExpireDue(ctx, time.Now().Add(6*time.Minute)); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		if res := e.rp.next(t); res.ID != id || res.State != store.SignExpired || res.Reason != remotesign.ReasonTimeout {
			t.Errorf("callback %+v", res)
		}
		if _, body := b.do("GET", approve, nil); !strings.Contains(body, "The time to sign ran out") {
			t.Errorf("expired page:\n%s", body)
		}

		id, _ = e.request([]byte("códigos erróneos"))
		_, body = b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/code", url.Values{})
		codeID := codeIDField.FindStringSubmatch(body)[1]
		wrong := "000000"
		if e.env.LastCode(t, "11111111H") == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			resp, body = b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/approve", url.Values{"code_id": {codeID}, "code": {wrong}})
			want := "otp.wrong"
			if i == 5 {
				want = "sign.code_locked"
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Fatalf("wrong code %d: %d, want %s:\n%s", i, resp.StatusCode, want, body)
			}
		}
		if res := e.rp.next(t); res.ID != id || res.State != store.SignFailed || res.Reason != remotesign.ReasonCodeLocked {
			t.Errorf("callback %+v", res)
		}
	})

	t.Run("levels", func(t *testing.T) {
		e.t = t
		_, approve := e.request([]byte("niveles"))
		// No session: the login at substantial.
		b := newBrowser(t)
		resp, _ := b.do("GET", approve, nil)
		if !strings.HasPrefix(resp.Request.URL.Path, "/login") || resp.Request.URL.Query().Get("acr") != "substantial" {
			t.Errorf("no session went to %s", resp.Request.URL)
		}
		// A basic account reaches low only: told why, with the ways up.
		resp, body := e.pinLogin(b, resp, "12345678Z")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "You need a higher level of sign-in") || !strings.Contains(body, "Sede de Pruebas") {
			t.Errorf("basic account: %d\n%s", resp.StatusCode, body)
		}
		// A password session of an advanced account steps up with the SMS
		// code alone, and comes back to sign.
		e.env.SetPassword(t, "Y1234567X", "Correct-Horse-42!")
		b = newBrowser(t)
		id, approve := e.request([]byte("subir de nivel"))
		b.do("POST", e.env.Issuer+"/login/password", url.Values{"id": {"Y1234567X"}, "password": {"Correct-Horse-42!"}, "next": {"/account"}})
		resp, body = b.do("GET", approve, nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `action="/login/step-up"`) {
			t.Fatalf("low password session: %d\n%s", resp.StatusCode, body)
		}
		_, body = b.do("POST", e.env.Issuer+"/login/step-up", url.Values{"next": {"/sign/requests/" + id}})
		m := codeIDField.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("step-up:\n%s", body)
		}
		resp, body = b.do("POST", e.env.Issuer+"/login/otp/verify", url.Values{"code_id": {m[1]}, "pin": {e.env.LastCode(t, "Y1234567X")}, "next": {"/sign/requests/" + id}})
		if resp.Request.URL.String() != approve || !strings.Contains(body, "What signing means") {
			t.Fatalf("after the step-up: %s\n%s", resp.Request.URL, body)
		}
		e.sign(b, id, "Y1234567X")
		e.rp.next(t)
	})

	t.Run("api refusals", func(t *testing.T) {
		e.t = t
		sum := sha256.Sum256([]byte("x"))
		good := map[string]string{"description": "Prueba", "document_name": "x.txt", "hash_alg": "SHA-256",
			"digest": base64.StdEncoding.EncodeToString(sum[:]), "callback_uri": e.rp.srv.URL + "/cb"}
		with := func(k, v string) map[string]string {
			m := map[string]string{}
			for a, b := range good {
				m[a] = b
			}
			m[k] = v
			return m
		}
		for _, tc := range []struct {
			name, id, secret string
			body             map[string]string
			status           int
			code             string
		}{
			{"wrong secret", e.client.ID, "nope", good, 401, "sign.client_auth"},
			{"no credentials", "", "", good, 401, "sign.client_auth"},
			{"digest of SHA-256 named SHA-512", e.client.ID, e.secret, with("hash_alg", "SHA-512"), 400, "sign.digest"},
			{"digest not base64", e.client.ID, e.secret, with("digest", "%%%"), 400, "sign.digest"},
			{"unknown algorithm", e.client.ID, e.secret, with("hash_alg", "SHA-1"), 400, "sign.hash_alg"},
			{"callback not registered", e.client.ID, e.secret, with("callback_uri", "https://attacker.example/cb"), 400, "sign.callback_uri"},
		} {
			status, out := e.api("POST", "/api/v1/signatures/requests", tc.id, tc.secret, tc.body)
			if status != tc.status || out["code"] != tc.code {
				t.Errorf("%s: %d %v, want %d %s", tc.name, status, out["code"], tc.status, tc.code)
			}
		}
		// Another relying party cannot read this one's request.
		id, _ := e.request([]byte("ajeno"))
		secret, hash := oidc.NewSecret()
		other := store.Client{ID: "other-rp", SecretHash: hash, Name: "Otra sede", MinACR: "low", RedirectURIs: []string{"https://other.example/cb"},
			CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		if err := e.env.Store.CreateClient(ctx, other); err != nil {
			t.Fatal(err)
		}
		if status, out := e.api("GET", "/api/v1/signatures/requests/"+id, other.ID, secret, nil); status != 404 || out["code"] != "sign.not_found" {
			t.Errorf("another office reading: %d %v", status, out)
		}
		if status, out := e.api("GET", "/api/v1/signatures/requests/"+id, e.client.ID, e.secret, nil); status != 200 || out["state"] != "requested" {
			t.Errorf("its own office reading: %d %v", status, out)
		}
	})

	t.Run("sign a PDF", func(t *testing.T) {
		e.t = t
		b := newBrowser(t)
		resp, _ := b.do("GET", e.env.Issuer+"/sign", nil)
		e.pinLogin(b, resp, "X1234567L")
		in := samplePDF("Contrato")
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		fw, _ := w.CreateFormFile("pdf", "contrato.pdf")
		fw.Write(in)
		w.Close()
		req, _ := http.NewRequest("POST", e.env.Issuer+"/sign", &mp)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := strings.TrimPrefix(resp.Request.URL.Path, "/sign/requests/")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "contrato.pdf") {
			t.Fatalf("upload: %d %s\n%s", resp.StatusCode, resp.Request.URL, page)
		}
		body := e.sign(b, id, "X1234567L")
		if !strings.Contains(body, "Download the signed PDF") {
			t.Fatalf("no download:\n%s", body)
		}
		resp, signed := b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/download", url.Values{})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), "contrato-firmado.pdf") {
			t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
		}
		if resp, _ := b.do("POST", e.env.Issuer+"/sign/requests/"+id+"/download", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("second download: %d, want 409", resp.StatusCode)
		}
		f := &fixture{ca: root}
		pdfsigVerifyAs(t, f, []byte(signed), "KOVALENKO OLENA - X1234567L")
	})

	t.Run("sample office", func(t *testing.T) {
		e.t = t
		b := newBrowser(t)
		office := e.env.Office
		resp, _ := b.do("POST", office+"/start/licence-exchange", url.Values{})
		resp, body := e.pinLogin(b, resp, "X1234567L")
		if !strings.Contains(body, "Sign the licence exchange form") {
			t.Fatalf("the office's procedure page: %s\n%s", resp.Request.URL, body)
		}
		resp, body = b.do("POST", office+"/sign/licence-exchange", url.Values{})
		if !strings.HasPrefix(resp.Request.URL.String(), e.env.Issuer+"/sign/requests/") || !strings.Contains(body, "Traffic") && !strings.Contains(body, "Tráfico") {
			t.Fatalf("not on llavero's approval page: %s\n%s", resp.Request.URL, body)
		}
		id := strings.TrimPrefix(resp.Request.URL.Path, "/sign/requests/")
		// The test's CMS signer signs documents it knows (see cmsSigner):
		// give it the office's form, as the office serves it.
		r, err := e.env.Store.GetSignatureRequest(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		_, form := b.do("GET", r.ReturnURI+"/document", nil)
		if !bytes.Equal(e.cms.register(crypto.SHA256, []byte(form)), r.Digest) {
			t.Fatalf("the office's form is not the document it asked to sign:\n%s", form)
		}
		page := e.sign(b, id, "X1234567L")
		back := regexp.MustCompile(`href="([^"]+)" id="sign-back"`).FindStringSubmatch(page)
		if back == nil {
			t.Fatalf("no way back to the office:\n%s", page)
		}
		// The callback reaches the office; the page then shows the signer.
		e.env.Platform.RemoteSign.Wait()
		_, body = b.do("GET", strings.ReplaceAll(back[1], "&amp;", "&"), nil)
		if !strings.Contains(body, "Signed by <strong>Olena Kovalenko</strong> (X1234567L)") {
			t.Fatalf("the office does not show the signature:\n%s", body)
		}
		if r, _ := e.env.Store.GetSignatureRequest(ctx, id); r.DeliveredAt.IsZero() {
			t.Error("the office did not take the callback")
		}
		link := regexp.MustCompile(`href="(/signature/[^"]+/document)"`).FindStringSubmatch(body)
		_, doc := b.do("GET", office+link[1], nil)
		resp, sig := b.do("GET", office+strings.TrimSuffix(link[1], "/document")+"/signature.p7s", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("signature download: %d", resp.StatusCode)
		}
		opensslVerify(t, root, []byte(sig), []byte(doc))
	})
}

func mustCert(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func base64ToHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
