package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/oidc"
	"github.com/llavero/llavero/internal/store"
)

// requestsOnly is an OIDCProvider that knows one sign-in request.
type requestsOnly struct {
	OIDCProvider
	id string
	rp store.Client
}

func (p requestsOnly) Request(_ context.Context, id string) (oidc.LoginRequest, error) {
	if id != p.id {
		return oidc.LoginRequest{}, oidc.ErrRequestGone
	}
	return oidc.LoginRequest{ID: id, Client: p.rp}, nil
}

func (p requestsOnly) RequestClient(_ context.Context, id string) (store.Client, error) {
	if id != p.id {
		return store.Client{}, store.ErrNotFound
	}
	return p.rp, nil
}

// TestFormTargetsDuringSignIn: the pages of an OpenID sign-in let their
// forms end at the relying party's redirect-URI origins (browsers check
// form-action on every redirect of a form's navigation), and no other
// page does.
func TestFormTargetsDuringSignIn(t *testing.T) {
	o := &oidcRoutes{p: requestsOnly{id: "req1", rp: store.Client{RedirectURIs: []string{
		"http://localhost:9090/callback", "http://localhost:9090/", "https://sede.example.es/oidc/cb?x=1",
		"com.example.app:/callback", "https://bad;host/cb",
	}}}}
	s := &Server{formTargets: o.oidcFormTargets}
	rp := []string{"http://localhost:9090", "https://sede.example.es"}
	next := ContinueURL("req1")
	post := func(form url.Values) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/login/pin/verify", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_ = r.ParseForm()
		return r
	}
	unparsed := httptest.NewRequest(http.MethodPost, "/login/pin", strings.NewReader(url.Values{"next": {next}}.Encode()))
	unparsed.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	tests := []struct {
		name string
		r    *http.Request
		want []string
	}{
		{"the continue step (step-up form)", httptest.NewRequest(http.MethodGet, next, nil), rp},
		{"a login form with next in the address", httptest.NewRequest(http.MethodGet, "/login/password?"+url.Values{"next": {next}}.Encode(), nil), rp},
		{"a posted form with next", post(url.Values{"next": {next}, "pin": {"123456"}}), rp},
		{"a posted form not parsed yet", unparsed, nil},
		{"a login without a relying party", httptest.NewRequest(http.MethodGet, "/login/pin", nil), nil},
		{"next elsewhere on llavero", post(url.Values{"next": {"/account"}}), nil},
		{"next on another host", post(url.Values{"next": {"//evil.example" + next}}), nil},
		{"a request that expired", httptest.NewRequest(http.MethodGet, ContinueURL("gone"), nil), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := o.oidcFormTargets(tc.r); !slices.Equal(got, tc.want) {
				t.Fatalf("targets %q, want %q", got, tc.want)
			}
			w := httptest.NewRecorder()
			w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
			s.allowFormTargets(w, tc.r)
			csp := w.Header().Get("Content-Security-Policy")
			wantAction := "form-action 'self'" + strings.Join(append([]string{""}, tc.want...), " ") + ";"
			if !strings.Contains(csp, wantAction) || strings.Count(csp, "form-action") != 1 {
				t.Fatalf("policy %q, want %q in it", csp, wantAction)
			}
		})
	}
}

func TestFormTargetsOffWithoutOIDC(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	(&Server{}).allowFormTargets(w, httptest.NewRequest(http.MethodGet, ContinueURL("x"), nil))
	if got := w.Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
		t.Fatalf("policy %q", got)
	}
}

func BenchmarkFormTargets(b *testing.B) {
	o := &oidcRoutes{p: requestsOnly{id: "req1", rp: store.Client{RedirectURIs: []string{"http://localhost:9090/callback", "http://localhost:9090/"}}}}
	r := httptest.NewRequest(http.MethodGet, "/login/pin?"+url.Values{"next": {ContinueURL("req1")}}.Encode(), nil)
	for b.Loop() {
		if len(o.oidcFormTargets(r)) != 1 {
			b.Fatal("no target")
		}
	}
}
