package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// storage is op.Storage (and op.ClientCredentialsStorage) on the store.
type storage struct {
	p    *Provider
	keys *keyring
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.ClientCredentialsStorage  = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

func (s *storage) st() store.Store { return s.p.cfg.Store }
func (s *storage) now() time.Time  { return s.p.cfg.Now() }
func (s *storage) cfg() *Config    { return &s.p.cfg }

// Auth requests.

func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.p.clients.client(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("unknown client").WithParent(err)
	}
	// op compares the redirect URI after decoding it once more, which lets
	// a doubly encoded URI through; relying parties get exact matching.
	if !slices.Contains(c.RedirectURIs, req.RedirectURI) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("redirect_uri is not registered for this client")
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only the authorization code flow is offered")
	}
	// PKCE for every client, confidential or not: it is what keeps an
	// intercepted code useless, and plain would give the challenge away.
	if req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256)")
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	claims, _ := ctx.Value(claimsKey{}).(string)
	if claims != "" {
		var v map[string]map[string]any
		if err := json.Unmarshal([]byte(claims), &v); err != nil {
			return nil, oidc.ErrInvalidRequest().WithDescription("the claims parameter is not a JSON object of objects")
		}
	}
	now := s.now()
	r := store.OIDCAuthRequest{
		ID: randomID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI, Scopes: req.Scopes,
		State: req.State, Nonce: req.Nonce, ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		ACRValues: req.ACRValues, Claims: claims, CreatedAt: now, ExpiresAt: now.Add(s.cfg().AuthRequestTTL),
	}
	if err := s.st().CreateAuthRequest(ctx, r); err != nil {
		return nil, err
	}
	s.p.clients.remember(r.ID, r.ClientID)
	return &authRequest{r}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.st().GetAuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(r.ExpiresAt) {
		return nil, oidc.ErrLoginRequired().WithDescription("the auth request has expired")
	}
	return &authRequest{r}, nil
}

// exchange follows one token request through op's calls into storage,
// so that the code is spent in the transaction that stores the token: the
// exchange of a code then costs one write, and whichever of two
// concurrent exchanges consumes it first wins. Provider.Handler puts one
// in the token endpoint's context, and spends a code that was found but
// not exchanged (a wrong verifier, the wrong client) once op has answered.
type exchange struct {
	id, codeHash string
	consumed     bool
}

type exchangeKey struct{}

func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// AuthRequestByCode finds the request of a code. Within a token request
// it only reads: the code is spent when the token is stored, or, when the
// exchange fails, by the handler. Elsewhere (no exchange in the context)
// it spends the code at once, so that a code is never found twice.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	h := hashToken(code)
	x := exchangeOf(ctx)
	if x == nil {
		var found store.OIDCAuthRequest
		err := s.st().InTx(ctx, func(tx store.Tx) error {
			r, err := tx.GetAuthRequestByCode(ctx, h)
			if err != nil {
				return err
			}
			found = r
			return tx.ConsumeAuthRequest(ctx, r.ID, h)
		})
		if err != nil {
			return nil, err
		}
		if !s.now().Before(found.ExpiresAt) {
			return nil, errors.New("code expired")
		}
		return &authRequest{found}, nil
	}
	r, err := s.st().GetAuthRequestByCode(ctx, h)
	if err != nil {
		return nil, err
	}
	x.id, x.codeHash = r.ID, h
	if !s.now().Before(r.ExpiresAt) {
		return nil, errors.New("code expired")
	}
	return &authRequest{r}, nil
}

// consume spends the code of an exchanged request in tx. Codes spent
// already by AuthRequestByCode (no exchange in the context) need nothing.
func (s *storage) consume(ctx context.Context, tx store.Tx, req op.TokenRequest) error {
	ar, ok := req.(*authRequest)
	x := exchangeOf(ctx)
	if !ok || x == nil || x.id != ar.ID {
		return nil
	}
	if err := tx.ConsumeAuthRequest(ctx, ar.ID, x.codeHash); errors.Is(err, store.ErrNotFound) {
		return oidc.ErrInvalidGrant().WithDescription("the code was already used")
	} else if err != nil {
		return err
	}
	return nil
}

// consumed marks the exchange done once its transaction committed.
func consumed(ctx context.Context, req op.TokenRequest) {
	if ar, ok := req.(*authRequest); ok {
		if x := exchangeOf(ctx); x != nil && x.id == ar.ID {
			x.consumed = true
		}
	}
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	_, err := s.st().UpdateAuthRequest(ctx, id, func(r *store.OIDCAuthRequest) error {
		// One code per login: the callback URL followed twice does not
		// mint a second one.
		if !r.Done || r.CodeHash != "" {
			return oidc.ErrInvalidRequest().WithDescription("a code was already issued for this request")
		}
		r.CodeHash = hashToken(code)
		return nil
	})
	return err
}

// DeleteAuthRequest is op's last step of a code exchange: the request
// went with the token's transaction, and there is nothing left to do.
func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	if x := exchangeOf(ctx); x != nil && x.id == id && x.consumed {
		return nil
	}
	return s.st().DeleteAuthRequest(ctx, id)
}

// Tokens.

func (s *storage) newToken(req op.TokenRequest) (store.OIDCToken, error) {
	now := s.now()
	t := store.OIDCToken{ID: randomID(), Scopes: req.GetScopes(), Audience: req.GetAudience(),
		Subject: req.GetSubject(), CreatedAt: now, ExpiresAt: now.Add(s.cfg().AccessTokenTTL)}
	switch r := req.(type) {
	case *authRequest:
		t.ClientID, t.PersonID, t.ACR, t.AMR, t.AuthTime = r.ClientID, r.PersonID, r.ACR, r.AMR, r.AuthTime
	case *refreshRequest:
		t.ClientID, t.PersonID, t.ACR, t.AMR, t.AuthTime = r.ClientID, r.PersonID, r.ACR, r.AMR, r.AuthTime
		t.Scopes = r.scopes
	case *clientRequest:
		t.ClientID = r.clientID
	default:
		return t, fmt.Errorf("oidc: token request of type %T", req)
	}
	return t, nil
}

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	t, err := s.newToken(req)
	if err != nil {
		return "", time.Time{}, err
	}
	err = s.st().InTx(ctx, func(tx store.Tx) error {
		if err := s.consume(ctx, tx, req); err != nil {
			return err
		}
		return tx.CreateToken(ctx, t)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	consumed(ctx, req)
	return t.ID, t.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens rotates refresh tokens: the one presented
// is revoked in the same transaction that stores its successor, so it
// works once, and a stolen copy used after the owner fails.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	t, err := s.newToken(req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	refresh := randomID()
	t.RefreshHash = hashToken(refresh)
	t.RefreshExpiresAt = t.CreatedAt.Add(s.cfg().RefreshTTL)
	err = s.st().InTx(ctx, func(tx store.Tx) error {
		if err := s.consume(ctx, tx, req); err != nil {
			return err
		}
		if current != "" {
			rr, ok := req.(*refreshRequest)
			if !ok {
				return fmt.Errorf("oidc: refresh with a request of type %T", req)
			}
			old, err := tx.UpdateToken(ctx, rr.ID, func(o *store.OIDCToken) error {
				if o.Revoked || o.RefreshHash != hashToken(current) {
					return op.ErrInvalidRefreshToken
				}
				o.Revoked = true
				return nil
			})
			if err != nil {
				return err
			}
			// The login's deadline, not the rotation's.
			t.RefreshExpiresAt = old.RefreshExpiresAt
		}
		return tx.CreateToken(ctx, t)
	})
	if err != nil {
		return "", "", time.Time{}, err
	}
	consumed(ctx, req)
	return t.ID, refresh, t.ExpiresAt, nil
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, refresh string) (op.RefreshTokenRequest, error) {
	t, err := s.st().GetTokenByRefresh(ctx, hashToken(refresh))
	if err != nil || t.Revoked || !s.now().Before(t.RefreshExpiresAt) {
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshRequest{OIDCToken: t, scopes: t.Scopes}, nil
}

func (s *storage) TerminateSession(ctx context.Context, subject, clientID string) error {
	if subject == "" || clientID == "" {
		return nil
	}
	_, err := s.st().RevokeTokens(ctx, clientID, subject)
	return err
}

func (s *storage) findToken(ctx context.Context, tokenOrID string) (store.OIDCToken, error) {
	t, err := s.st().GetToken(ctx, tokenOrID)
	if errors.Is(err, store.ErrNotFound) {
		return s.st().GetTokenByRefresh(ctx, hashToken(tokenOrID))
	}
	return t, err
}

func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	t, err := s.findToken(ctx, tokenOrID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // RFC 7009: an unknown token is no error
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
	}
	if _, err := s.st().UpdateToken(ctx, t.ID, func(t *store.OIDCToken) error { t.Revoked = true; return nil }); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.st().GetTokenByRefresh(ctx, hashToken(token))
	if err != nil || t.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.Subject, t.ID, nil
}

// liveToken returns the access token tokenID if it may still be used.
func (s *storage) liveToken(ctx context.Context, tokenID, subject string) (store.OIDCToken, error) {
	t, err := s.st().GetToken(ctx, tokenID)
	if err != nil {
		return t, err
	}
	if t.Revoked || !s.now().Before(t.ExpiresAt) || t.Subject != subject {
		return t, errors.New("access token revoked or expired")
	}
	return t, nil
}

// Keys.

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.keys.signing(ctx)
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	return s.keys.published(ctx)
}

// Clients.

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.p.clients.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return &client{c: c, p: s.p}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.p.clients.client(ctx, id)
	if err != nil {
		return err
	}
	if !checkSecret(c, secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	c, err := s.p.clients.client(ctx, id)
	if err != nil {
		return nil, err
	}
	if !checkSecret(c, secret) {
		return nil, errors.New("wrong client secret")
	}
	return &client{c: c, p: s.p}, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	// A service acts as itself: no person, no identity scopes.
	scopes = slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool {
		return sc == oidc.ScopeOpenID || sc == oidc.ScopeProfile || sc == ScopeIdentity || sc == oidc.ScopeOfflineAccess
	})
	return &clientRequest{clientID: clientID, scopes: scopes}, nil
}

// Claims.

// SetUserinfoFromScopes sets only the sub: op gives it nothing else, and
// the pairwise sub does not lead back to the person. The ID token takes
// its sub from this userinfo too, so it must be set. SetUserinfoFromRequest,
// given the request itself, adds the rest.
func (s *storage) SetUserinfoFromScopes(_ context.Context, u *oidc.UserInfo, subject, _ string, _ []string) error {
	u.Subject = subject
	return nil
}

func (s *storage) SetUserinfoFromRequest(ctx context.Context, u *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var personID, acr string
	switch r := req.(type) {
	case *authRequest:
		personID = r.PersonID
	case *refreshRequest:
		// op sets acr only from an auth request: a refreshed ID token
		// would lose the level without this.
		personID, acr = r.PersonID, r.ACR
	default:
		return nil
	}
	if acr != "" {
		u.AppendClaims("acr", loa.URI(acr))
	}
	return s.identity(ctx, u, personID, scopes)
}

// SetUserinfoFromToken fills the userinfo response: sub, acr, amr and
// auth_time always, the identity with its scopes.
func (s *storage) SetUserinfoFromToken(ctx context.Context, u *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.liveToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	u.Subject = t.Subject
	if t.PersonID == "" {
		return nil
	}
	u.AppendClaims("acr", loa.URI(t.ACR))
	u.AppendClaims("amr", t.AMR)
	u.AppendClaims("auth_time", t.AuthTime.Unix())
	return s.identity(ctx, u, t.PersonID, t.Scopes)
}

// identity adds the registry's data when the scopes ask for it.
func (s *storage) identity(ctx context.Context, u *oidc.UserInfo, personID string, scopes []string) error {
	if personID == "" || !slices.Contains(scopes, oidc.ScopeProfile) && !slices.Contains(scopes, ScopeIdentity) {
		return nil
	}
	p, err := s.st().GetPerson(ctx, personID)
	if err != nil {
		return err
	}
	u.GivenName = p.GivenName
	u.FamilyName = strings.TrimSpace(p.FirstSurname + " " + p.SecondSurname)
	u.Name = strings.TrimSpace(p.GivenName + " " + u.FamilyName)
	if !p.BirthDate.IsZero() {
		u.Birthdate = p.BirthDate.Format(time.DateOnly)
	}
	u.AppendClaims("llavero_id", p.ID)
	// Spanish offices file the two surnames apart; family_name alone
	// cannot be split back (surnames have spaces of their own).
	u.AppendClaims("first_surname", p.FirstSurname)
	if p.SecondSurname != "" {
		u.AppendClaims("second_surname", p.SecondSurname)
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, r *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	t, err := s.liveToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	r.Subject, r.ClientID, r.Scope, r.Audience = t.Subject, t.ClientID, t.Scopes, t.Audience
	r.Expiration = oidc.FromTime(t.ExpiresAt)
	r.IssuedAt = oidc.FromTime(t.CreatedAt)
	r.TokenType = oidc.BearerToken
	if t.PersonID != "" {
		r.Claims = map[string]any{"acr": loa.URI(t.ACR), "amr": t.AMR}
	}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("oidc: JWT client authentication is not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("oidc: the JWT profile grant is not offered")
}

func (s *storage) Health(ctx context.Context) error { return s.st().Ping(ctx) }
