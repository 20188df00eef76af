package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/idp"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/keystore"
	"github.com/llavero/llavero/internal/ra"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// The dead ends of docs/dead-ends.md that the certificate and account
// services meet, each driven through the real API or pages in both
// languages. Each subtest checks the words the person reads, not only the
// code: an explanation that says nothing useful is a dead end too.

var deadEndLangs = []i18n.Lang{i18n.ES, i18n.EN}

// wantExplainedJSON checks a JSON refusal says want's message and next step
// in lang, word for word.
func wantExplainedJSON(t testing.TB, resp *http.Response, b []byte, status int, want *i18n.Error, lang i18n.Lang) {
	t.Helper()
	got := wantErr(t, resp, b, status, want.Code)
	if !strings.HasPrefix(got.Message, want.Message(lang)) || got.Next != want.Hint(lang) {
		t.Errorf("%s in %s: %q / %q, want %q / %q", want.Code, lang, got.Message, got.Next, want.Message(lang), want.Hint(lang))
	}
}

// wantExplainedPage checks a page shows want's message and next step in
// lang.
func wantExplainedPage(t testing.TB, body string, want *i18n.Error, lang i18n.Lang) {
	t.Helper()
	for _, s := range []string{want.Message(lang), want.Hint(lang)} {
		if !strings.Contains(body, s) {
			t.Errorf("%s in %s: the page lacks %q", want.Code, lang, s)
		}
	}
}

// applyAs posts an application in lang and returns the answer.
func (e *certEnv) applyAs(lang i18n.Lang, id, surname string) (*http.Response, []byte) {
	e.t.Helper()
	key, err := keystore.Generate(keystore.P256)
	if err != nil {
		e.t.Fatal(err)
	}
	csr, err := keystore.CreateCSR(key, "X1234567L", "Kovalenko", "a@example.org")
	if err != nil {
		e.t.Fatal(err)
	}
	return call(e.t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/applications",
		applyRequest{ID: id, Surname: surname, Email: "a@example.org", CSR: string(csr)}, map[string]string{"Accept-Language": string(lang)})
}

// downloadAs is certEnv.download in lang.
func (e *certEnv) downloadAs(lang i18n.Lang, c *citizen, key *ecdsa.PrivateKey) (*http.Response, []byte) {
	e.t.Helper()
	hdr := map[string]string{"Accept-Language": string(lang)}
	resp, b := call(e.t, e.main.Client(), "GET", e.main.URL+"/api/v1/certificates/challenge", nil, hdr)
	var ch struct{ Challenge string }
	wantOK(e.t, resp, b, http.StatusOK, &ch, "challenge")
	raw, err := base64.RawURLEncoding.DecodeString(ch.Challenge)
	if err != nil {
		e.t.Fatal(err)
	}
	sig, err := keystore.SignChallenge(key, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return call(e.t, e.main.Client(), "POST", e.main.URL+"/api/v1/certificates/download", downloadRequest{
		ID: c.id, Surname: c.surname, Code: c.app.Code, Challenge: ch.Challenge, Signature: base64.StdEncoding.EncodeToString(sig),
	}, hdr)
}

// approveAs has the office operator check a document, in lang.
func (e *certEnv) approveAs(lang i18n.Lang, c *citizen, docType, docNumber, expiry string) (*http.Response, []byte) {
	e.t.Helper()
	return call(e.t, e.client(e.operator), "POST", e.login.URL+"/api/v1/office/approve",
		approveRequest{Code: c.app.Code, DocumentType: docType, DocumentNumber: docNumber, DocumentExpiry: expiry},
		map[string]string{"Accept-Language": string(lang)})
}

func TestDeadEnds(t *testing.T) {
	t.Run("passport number typed instead of NIE", func(t *testing.T) {
		e := newCertEnv(t)
		for _, lang := range deadEndLangs {
			resp, b := e.applyAs(lang, "PAA123456", "Kovalenko")
			wantExplainedJSON(t, resp, b, http.StatusBadRequest, identity.ErrIDPassport, lang)
		}
	})

	t.Run("surname typed without its accent", func(t *testing.T) {
		e := newCertEnv(t)
		for _, lang := range deadEndLangs {
			resp, b := e.applyAs(lang, "12345678Z", "Munoz")
			wantExplainedJSON(t, resp, b, http.StatusBadRequest, identity.ErrSurnameAccents, lang)
		}
		// The right spelling goes through.
		resp, b := e.applyAs(i18n.EN, "12345678Z", "Muñoz")
		wantOK(t, resp, b, http.StatusCreated, nil)
	})

	t.Run("identifier missing from the registry", func(t *testing.T) {
		e := newCertEnv(t)
		for _, lang := range deadEndLangs {
			resp, b := e.applyAs(lang, "Y7777777L", "Kovalenko")
			wantExplainedJSON(t, resp, b, http.StatusNotFound, registry.ErrNotInRegistry, lang)
		}
	})

	t.Run("download tried from another machine", func(t *testing.T) {
		e := newCertEnv(t)
		c := e.apply("X1234567L", "Kovalenko")
		e.approve(c)
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		for _, lang := range deadEndLangs {
			resp, b := e.downloadAs(lang, c, other)
			wantExplainedJSON(t, resp, b, http.StatusForbidden, ra.ErrKeyMismatch, lang)
		}
		// The machine that made the request still can.
		resp, b := e.download(c, c.key, c.app.Code)
		wantOK(t, resp, b, http.StatusOK, nil)
	})

	t.Run("application code expired before the office check", func(t *testing.T) {
		e := newCertEnv(t)
		c := e.apply("X1234567L", "Kovalenko")
		e.clock.Advance(31 * 24 * time.Hour)
		for _, lang := range deadEndLangs {
			resp, b := e.approveAs(lang, c, "TIE", "X1234567L", "2031-05-01")
			wantExplainedJSON(t, resp, b, http.StatusConflict, ra.ErrCodeExpired, lang)
		}
	})

	t.Run("expired TIE at the office", func(t *testing.T) {
		e := newCertEnv(t)
		// The words are the document's own: its type, its expiry day and
		// where that type is renewed.
		want, _ := i18n.As(identity.Document{Type: identity.DocTIE, Number: "Y0000001S",
			Expiry: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}.CheckValid(e.clock.Now()))
		if want == nil || want.Code != identity.ErrDocumentExpired.Code {
			t.Fatalf("the registry's TIE is not expired: %v", want)
		}
		for _, lang := range deadEndLangs {
			c := e.apply("Y0000001S", "El Amrani")
			resp, b := e.approveAs(lang, c, "TIE", "Y0000001S", "2026-01-31")
			wantExplainedJSON(t, resp, b, http.StatusConflict, want, lang)
		}
		// The person learns why and what to do by email, in the
		// language they applied in.
		wantMail(t, e.st, "Y0000001S", "Your identity document has expired. Renew it first")
	})

	t.Run("document not matching the registry", func(t *testing.T) {
		e := newCertEnv(t)
		for _, lang := range deadEndLangs {
			c := e.apply("X1234567L", "Kovalenko")
			resp, b := e.approveAs(lang, c, "PASSPORT", "AB1234567", "2031-05-01")
			wantExplainedJSON(t, resp, b, http.StatusConflict, ra.ErrDocumentMismatch, lang)
		}
		wantMail(t, e.st, "X1234567L", "does not match the one in the population registry")
	})

	t.Run("office that does not handle that check", func(t *testing.T) {
		e := newCertEnv(t)
		ctx := context.Background()
		only, err := e.ra.AddOffice(ctx, store.Office{Name: "Oficina Cuentas", Address: "Calle Luna 4", City: "Madrid", PostalCode: "28004",
			Province: "Madrid", Hours: "L-V 9-14", Handles: []string{"account"}}, "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, cert, err := e.ra.AddOperator(ctx, e.ca, only.ID, "Luis", key.Public(), "admin:test")
		if err != nil {
			t.Fatal(err)
		}
		c := e.apply("X1234567L", "Kovalenko")
		// The applicant is told, with the code, the offices that can
		// check them.
		for _, o := range c.app.Offices {
			if o.ID == only.ID {
				t.Errorf("an office that does no certificate checks is offered: %+v", c.app.Offices)
			}
		}
		for _, lang := range deadEndLangs {
			resp, b := call(t, e.client(e.identity(cert.Raw, key)), "POST", e.login.URL+"/api/v1/office/approve",
				approveRequest{Code: c.app.Code, DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01"},
				map[string]string{"Accept-Language": string(lang)})
			wantExplainedJSON(t, resp, b, http.StatusForbidden, ra.ErrOfficeCannot, lang)
		}
	})

	t.Run("certificate revoked before renewal", func(t *testing.T) {
		e := newCertEnv(t)
		_, _, holder := e.certified("X1234567L", "Kovalenko")
		resp, b := call(t, e.client(holder), "POST", e.login.URL+"/api/v1/certificates/revoke", map[string]string{"reason": "keyCompromise"}, nil)
		wantOK(t, resp, b, http.StatusOK, nil)
		key, _ := keystore.Generate(keystore.P256)
		csr, _ := keystore.CreateCSR(key, "X1234567L", "Kovalenko", "a@example.org")
		for _, lang := range deadEndLangs {
			resp, b := call(t, e.client(holder), "POST", e.login.URL+"/api/v1/certificates/renew", map[string]string{"csr": string(csr)},
				map[string]string{"Accept-Language": string(lang)})
			wantExplainedJSON(t, resp, b, http.StatusForbidden, ra.ErrRenewExpired, lang)
		}
	})

	t.Run("certificate expired before renewal", func(t *testing.T) {
		e := newCertEnv(t)
		_, x, holder := e.certified("X1234567L", "Kovalenko")
		e.clock.Set(x.NotAfter.Add(24 * time.Hour))
		key, _ := keystore.Generate(keystore.P256)
		csr, _ := keystore.CreateCSR(key, "X1234567L", "Kovalenko", "a@example.org")
		for _, lang := range deadEndLangs {
			// The expired certificate reaches the page, which says why
			// and what to do, instead of a failed handshake.
			resp, b := call(t, e.client(holder), "POST", e.login.URL+"/api/v1/certificates/renew", map[string]string{"csr": string(csr)},
				map[string]string{"Accept-Language": string(lang)})
			wantExplainedJSON(t, resp, b, http.StatusForbidden, ra.ErrRenewExpired, lang)
		}
	})

	t.Run("account attempted before the certificate", func(t *testing.T) {
		e := newAccEnv(t)
		for _, lang := range deadEndLangs {
			b := e.browser(string(lang))
			_, body := b.get("/account/register")
			for _, key := range []string{"reg.order.cert", "reg.order.cert.why", "reg.order.letter.why"} {
				if s := catalogue[key].In(lang); !strings.Contains(body, s) {
					t.Errorf("register page in %s lacks %q", lang, s)
				}
			}
			// Logging in with no account says how to get one, the
			// certificate first.
			resp, body := b.post("/login/pin", url.Values{"id": {"12345678Z"}, "fact": {"ABC123456"}})
			if resp.StatusCode == http.StatusOK && hiddenCodeID.MatchString(body) {
				t.Fatalf("a PIN was sent to a person with no account")
			}
			wantExplainedPage(t, body, idp.ErrNoAccount, lang)
		}
	})

	t.Run("invitation letter not arriving", func(t *testing.T) {
		e := newAccEnv(t)
		for i, lang := range deadEndLangs {
			b := e.browser(string(lang))
			id := []string{"12345678Z", "Y0000001S"}[i]
			if resp, body := b.post("/account/register/request-letter", url.Values{"id": {id}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("letter: %d %s", resp.StatusCode, body)
			}
			resp, body := b.post("/account/register/request-letter", url.Values{"id": {id}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("second letter at once: %d", resp.StatusCode)
			}
			wantExplainedPage(t, body, idp.ErrLetterPending, lang)
		}
		// After the wait a new letter may be asked for.
		e.clock.Advance(11 * 24 * time.Hour)
		if resp, body := e.browser("en").post("/account/register/request-letter", url.Values{"id": {"12345678Z"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("letter after 11 days: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("SMS not arriving", func(t *testing.T) {
		e := newAccEnv(t)
		e.basicAccount(t, "X1234567L", "+34612345678")
		for _, lang := range deadEndLangs {
			b := e.browser(string(lang))
			resp, body := b.post("/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}})
			m := hiddenCodeID.FindStringSubmatch(body)
			if resp.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("PIN start in %s: %d", lang, resp.StatusCode)
			}
			// Where the code went, masked, and what to do if it does not
			// come.
			if !strings.Contains(body, masked("+34612345678")) || strings.Contains(body, "612345678") {
				t.Errorf("the code page in %s does not show the masked number, or shows it whole", lang)
			}
			for _, key := range []string{"code.sent", "code.none", "code.resend", "code.resend.limit"} {
				if s := catalogue[key].In(lang); !strings.Contains(body, s) {
					t.Errorf("code page in %s lacks %q", lang, s)
				}
			}
			// Resending works until the hourly limit, which explains
			// itself.
			limited := false
			for range 10 {
				e.clock.Advance(time.Second)
				resp, body = b.post("/login/pin/resend", url.Values{"code_id": {m[1]}})
				if n := hiddenCodeID.FindStringSubmatch(body); resp.StatusCode == http.StatusOK && n != nil {
					if !strings.Contains(body, catalogue["code.resent"].In(lang)) {
						t.Errorf("resent page in %s does not say so", lang)
					}
					m = n
					continue
				}
				limited = true
				break
			}
			if !limited {
				t.Fatalf("10 resends in a row in %s were all sent", lang)
			}
			if !strings.Contains(body, "otp.rate_limited") || !strings.Contains(body, otp.ErrRateLimited.Message(lang)) {
				t.Errorf("the limit in %s is not explained: %d", lang, resp.StatusCode)
			}
			e.clock.Advance(2 * time.Hour)
		}
	})

	t.Run("phone number lost or changed", func(t *testing.T) {
		e := newOfficeAccEnv(t)
		e.basicAccount(t, "X1234567L", "+34612345678")
		// The PIN form says where to go when the number changed.
		for _, lang := range deadEndLangs {
			_, body := e.browser(string(lang)).get("/login/pin")
			if s := catalogue["pin.no_mobile"].In(lang); !strings.Contains(body, s) {
				t.Errorf("PIN form in %s lacks %q", lang, s)
			}
		}
		// At the office, with the document, the number is changed and
		// the next PIN goes to the new one.
		resp, b := call(t, e.client(e.operator), "POST", e.login.URL+"/api/v1/office/accounts", accountRequest{PersonID: "X1234567L",
			DocumentType: "TIE", DocumentNumber: "X1234567L", DocumentExpiry: "2031-05-01", Mobile: "+34 633 333 399"}, nil)
		var out accountResponse
		wantOK(t, resp, b, http.StatusOK, &out)
		if out.MobileMasked != masked("+34633333399") {
			t.Fatalf("office change: %+v", out)
		}
		_, body := e.browser("en").post("/login/pin", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}})
		if !strings.Contains(body, masked("+34633333399")) {
			t.Errorf("the PIN did not go to the new number")
		}
	})

	t.Run("NIE holder asking for video identification", func(t *testing.T) {
		e := newVideoEnv(t)
		for _, lang := range deadEndLangs {
			resp, body := e.browser(string(lang)).post("/account/register/video", url.Values{"id": {"X1234567L"}, "fact": {"E12345678"}, "mobile": {"600111222"}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("TIE holder: %d", resp.StatusCode)
			}
			wantExplainedPage(t, body, idp.ErrVideoDocument, lang)
		}
	})
}

// wantMail checks that some message to the person says want.
func wantMail(t testing.TB, st store.Store, to, want string) {
	t.Helper()
	m, err := st.ListOutbox(context.Background(), store.OutboxFilter{To: to})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range m {
		if strings.Contains(x.Body, want) {
			return
		}
	}
	t.Errorf("no message to %s says %q (%d messages)", to, want, len(m))
}
