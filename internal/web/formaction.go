package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The policy's form-action 'self' covers every hop of a form's
// navigation, redirects included: browsers refuse to follow a form's
// redirect to an origin the form's page does not allow. A login form
// during an OpenID sign-in ends in exactly such a redirect (the code
// form posts to /login/pin/verify, which sends the browser on through
// /oidc/continue to the relying party's redirect URI), so on those pages
// form-action also names the origins of that relying party's registered
// redirect URIs, and nothing else. Headless Chromium found this: Go HTTP
// clients do not enforce the policy.

// oidcFormTargets returns the redirect-URI origins of the relying party
// whose sign-in r is part of: r is the continue step itself, or a login
// page or form carrying next=/oidc/continue?req=….
func (o *oidcRoutes) oidcFormTargets(r *http.Request) []string {
	id := ""
	if r.URL.Path == ContinuePath {
		id = r.URL.Query().Get("req")
	} else {
		next := r.URL.Query().Get("next")
		if next == "" && r.Method == http.MethodPost && r.PostForm != nil {
			// Only a form the handler has parsed already: reading the
			// body here would consume a request the handler refused.
			next = r.PostForm.Get("next")
		}
		id = continueRequestID(next)
	}
	if id == "" {
		return nil
	}
	c, err := o.p.RequestClient(r.Context(), id)
	if err != nil {
		return nil
	}
	return redirectOrigins(c.RedirectURIs)
}

// continueRequestID returns the authorization request ID of a
// ContinueURL, or "" when next is something else.
func continueRequestID(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Path != ContinuePath || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return u.Query().Get("req")
}

// redirectOrigins returns the distinct http(s) origins of uris, leaving
// out anything that could break out of a policy directive.
func redirectOrigins(uris []string) []string {
	var out []string
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.ContainsAny(u.Host, " \t\r\n;,'\"") {
			continue
		}
		origin := u.Scheme + "://" + u.Host
		if !slices.Contains(out, origin) {
			out = append(out, origin)
		}
	}
	return out
}

// policyWithFormTargets is contentSecurityPolicy with origins added to
// form-action.
func policyWithFormTargets(origins []string) string {
	if len(origins) == 0 {
		return contentSecurityPolicy
	}
	return strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+strings.Join(origins, " "), 1)
}

// allowFormTargets widens the page's form-action for an OpenID sign-in;
// render calls it before the header is written.
func (s *Server) allowFormTargets(w http.ResponseWriter, r *http.Request) {
	if s.formTargets == nil {
		return
	}
	if origins := s.formTargets(r); len(origins) > 0 {
		w.Header().Set("Content-Security-Policy", policyWithFormTargets(origins))
	}
}
