package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
)

// substantialRequests asks, for every login, the substantial level and
// lists the client's procedures, as the OpenID provider does for an
// office whose procedure needs it.
type substantialRequests struct{ storeRequests }

func (p substantialRequests) Request(ctx context.Context, id string) (oidc.LoginRequest, error) {
	lr, err := p.storeRequests.Request(ctx, id)
	lr.NeedACR, lr.Procedures = "substantial", lr.Client.Procedures
	return lr, err
}

// TestLevelPageSaysHowProceduresAreSigned: a low session sent back by an
// office whose procedures need more is told, per procedure, its level and
// how it is signed (on llavero with an SMS code, or with the person's own
// certificate), in both languages, and nothing about signing for one that
// needs no signature.
func TestLevelPageSaysHowProceduresAreSigned(t *testing.T) {
	e := newAccEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	c := store.Client{ID: "dgt", Name: "Sede de Tráfico", RedirectURIs: []string{"https://sede.example/cb"}, Procedures: []store.Procedure{
		{ID: "exchange", Name: "Canje de permiso", ACR: "substantial", SignatureKind: store.SignatureRemote},
		{ID: "vat", Name: "IVA trimestral", ACR: "substantial", Signature: true}, // stored before kinds: certificate
		{ID: "history", Name: "Vida laboral", ACR: "substantial"},
		{ID: "points", Name: "Saldo de puntos", ACR: "low"},
	}}
	if err := e.st.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateAuthRequest(ctx, store.OIDCAuthRequest{ID: "ar-dgt", ClientID: c.ID, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	completed := 0
	d := AccountDeps{IdP: e.idp, Store: e.st, CertLoginURL: "https://login.llavero.example", Now: e.clock.Now}
	s, _ := newTestServer(t, Config{PublicURL: testPublicURL})
	s.MountAccounts(d)
	s.MountOIDC(substantialRequests{storeRequests{st: e.st, completed: &completed}}, d)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e.accounts = srv
	e.basicAccount(t, "X1234567L", "+34612345678")

	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			b := e.browser(string(lang))
			if resp, _ := e.pinLogin(t, b, "X1234567L", "E12345678", "/account"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("PIN login: %d", resp.StatusCode)
			}
			resp, page := b.get(ContinueURL("ar-dgt"))
			if resp.StatusCode != http.StatusForbidden || completed != 0 {
				t.Fatalf("a low session at a substantial office: %d, completed %d", resp.StatusCode, completed)
			}
			page = html.UnescapeString(page)
			level := label(acrLabels, "substantial").In(lang)
			word := i18n.T("nivel", "level").In(lang)
			for _, tc := range []struct {
				name string
				sign i18n.Text
			}{
				{"Canje de permiso", signText(store.SignatureRemote)},
				{"IVA trimestral", signText(store.SignatureCertificate)},
				{"Vida laboral", signText("")},
			} {
				want := "<li>" + tc.name + " (" + word + " " + level + ")"
				if tc.sign.EN != "" {
					want += ". " + tc.sign.In(lang)
				}
				if !strings.Contains(page, want+"</li>") {
					t.Errorf("the page lacks %q:\n%s", want+"</li>", page)
				}
			}
			if strings.Contains(page, "<li>Saldo de puntos") {
				t.Error("a procedure this session reaches is listed as needing more")
			}
		})
	}
}
