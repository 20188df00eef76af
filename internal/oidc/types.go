package oidc

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// authRequest is op's view of a stored auth request.
type authRequest struct{ store.OIDCAuthRequest }

func (r *authRequest) GetID() string { return r.ID }
func (r *authRequest) GetACR() string {
	if r.ACR == "" {
		return ""
	}
	return loa.URI(r.ACR)
}
func (r *authRequest) GetAMR() []string                   { return r.AMR }
func (r *authRequest) GetAudience() []string              { return []string{r.ClientID} }
func (r *authRequest) GetAuthTime() time.Time             { return r.AuthTime }
func (r *authRequest) GetClientID() string                { return r.ClientID }
func (r *authRequest) GetNonce() string                   { return r.Nonce }
func (r *authRequest) GetRedirectURI() string             { return r.RedirectURI }
func (r *authRequest) GetScopes() []string                { return r.Scopes }
func (r *authRequest) GetState() string                   { return r.State }
func (r *authRequest) GetSubject() string                 { return r.Subject }
func (r *authRequest) Done() bool                         { return r.OIDCAuthRequest.Done }
func (r *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(r.ResponseType) }
func (r *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(r.ResponseMode) }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}
}

// refreshRequest is a grant found by its refresh token.
type refreshRequest struct {
	store.OIDCToken
	scopes []string // as narrowed by the refresh request
}

func (r *refreshRequest) GetAMR() []string             { return r.AMR }
func (r *refreshRequest) GetAudience() []string        { return r.Audience }
func (r *refreshRequest) GetAuthTime() time.Time       { return r.AuthTime }
func (r *refreshRequest) GetClientID() string          { return r.ClientID }
func (r *refreshRequest) GetScopes() []string          { return r.scopes }
func (r *refreshRequest) GetSubject() string           { return r.Subject }
func (r *refreshRequest) SetCurrentScopes(sc []string) { r.scopes = sc }

// clientRequest is a client_credentials grant: the client is the subject.
type clientRequest struct {
	clientID string
	scopes   []string
}

func (r *clientRequest) GetSubject() string    { return r.clientID }
func (r *clientRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientRequest) GetScopes() []string   { return r.scopes }

// client is op's view of a relying party.
type client struct {
	c store.Client
	p *Provider
}

func (c *client) GetID() string          { return c.c.ID }
func (c *client) RedirectURIs() []string { return c.c.RedirectURIs }

// PostLogoutRedirectURIs are the redirect URIs: a client registers one list
// of its addresses, and a logout may land on any of them (exactly).
func (c *client) PostLogoutRedirectURIs() []string    { return c.c.RedirectURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) confidential() bool                  { return c.c.SecretHash != "" }
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.confidential() {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	g := []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	if c.confidential() {
		g = append(g, oidc.GrantTypeClientCredentials)
	}
	return g
}
func (c *client) LoginURL(id string) string           { return c.p.cfg.LoginURL(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return c.p.cfg.IDTokenTTL }
func (c *client) DevMode() bool                       { return false }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(scope string) bool {
	return slices.Contains([]string{ScopeIdentity}, scope)
}

// IDTokenUserinfoClaimsAssertion puts the identity in the ID token too:
// an office should not need a second request to learn who logged in.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
