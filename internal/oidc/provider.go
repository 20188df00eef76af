// Package oidc is llavero's OpenID provider: the side of single sign-on
// that electronic offices (relying parties) talk to. It runs on
// zitadel/oidc's op package and keeps every piece of state (auth requests,
// tokens, signing keys) in the store, so any node can serve any step of a
// flow and nodes need nothing but the same configuration.
//
// Only the authorization code flow with PKCE (S256) is offered to people,
// plus refresh tokens and client credentials for services. The login
// itself happens elsewhere: /authorize sends the browser to LoginURL with
// an auth request ID, and the login page calls [Provider.Complete] once the
// person has authenticated at a level the relying party accepts.
package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// Scope asking for the person's identity from the registry: identifier,
// given name, surnames and birth date (profile gives the same).
const ScopeIdentity = "llavero_identity"

// Defaults of the Config durations left zero.
const (
	DefaultAuthRequestTTL = 10 * time.Minute
	DefaultAccessTokenTTL = 10 * time.Minute
	DefaultIDTokenTTL     = 10 * time.Minute
	DefaultRefreshTTL     = 12 * time.Hour
	DefaultKeyRotation    = 30 * 24 * time.Hour
)

// Config configures a Provider. Every node of a deployment must have the
// same Issuer, CryptoKey and PairwiseSalt.
type Config struct {
	// Issuer is the provider's URL as relying parties see it. When it has
	// a path, mount Handler under that path with http.StripPrefix.
	Issuer string
	Store  store.Store
	// CryptoKey encrypts the opaque access tokens and authorization codes
	// (op's AES crypto) and seals the signing keys' private halves at rest.
	CryptoKey [32]byte
	// LoginURL is where /authorize sends the browser: the login page, which
	// reads the request with [Provider.Request] and ends with Complete.
	LoginURL func(authRequestID string) string
	// LoggedOutURL is where end_session lands without a valid
	// post_logout_redirect_uri; defaults to Issuer.
	LoggedOutURL string
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// PairwiseSalt keys the HMAC that turns a person into a different sub
	// for each client. It must stay secret and never change: a new salt
	// gives every person a new sub at every office.
	PairwiseSalt []byte

	AuthRequestTTL time.Duration
	AccessTokenTTL time.Duration
	IDTokenTTL     time.Duration
	RefreshTTL     time.Duration // from the login; rotation does not extend it
	// KeyRotation is how long a signing key signs before a new one takes
	// over; the old one stays in JWKS for KeyOverlap after that.
	KeyRotation time.Duration
	KeyOverlap  time.Duration // defaults to 24 h, more than any token it signed lives
	// ClientCacheTTL is how long a node reuses a relying party it read
	// from the store (DefaultClientCacheTTL when zero; negative: never).
	ClientCacheTTL time.Duration
	// AllowInsecure accepts an http:// issuer: tests and development only.
	AllowInsecure bool
}

// Provider is the OpenID provider.
type Provider struct {
	cfg     Config
	op      *op.Provider
	stor    *storage
	clients *clientCache
}

// New returns a Provider for cfg.
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: no issuer")
	case cfg.Store == nil:
		return nil, errors.New("oidc: no store")
	case cfg.LoginURL == nil:
		return nil, errors.New("oidc: no login URL")
	case len(cfg.PairwiseSalt) < 16:
		return nil, errors.New("oidc: the pairwise salt needs at least 16 bytes")
	case cfg.CryptoKey == [32]byte{}:
		return nil, errors.New("oidc: no crypto key")
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoggedOutURL == "" {
		cfg.LoggedOutURL = cfg.Issuer
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.AuthRequestTTL, DefaultAuthRequestTTL}, {&cfg.AccessTokenTTL, DefaultAccessTokenTTL},
		{&cfg.IDTokenTTL, DefaultIDTokenTTL}, {&cfg.RefreshTTL, DefaultRefreshTTL},
		{&cfg.KeyRotation, DefaultKeyRotation}, {&cfg.KeyOverlap, 24 * time.Hour},
	} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if cfg.ClientCacheTTL == 0 {
		cfg.ClientCacheTTL = DefaultClientCacheTTL
	}
	p := &Provider{cfg: cfg}
	p.clients = newClientCache(cfg.Store, cfg.ClientCacheTTL, func() time.Time { return p.cfg.Now() })
	p.stor = &storage{p: p, keys: newKeyring(&p.cfg)}
	opCfg := &op.Config{
		CryptoKey:                cfg.CryptoKey,
		DefaultLogoutRedirectURI: cfg.LoggedOutURL,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          []string{"openid", "profile", "offline_access", ScopeIdentity},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp",
			"llavero_id", "given_name", "family_name", "first_surname", "second_surname", "birthdate"},
	}
	var opts []op.Option
	if cfg.AllowInsecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	// op logs every refused request at warn level through slog's default;
	// the caller's own access log is the place for that.
	var err error
	p.op, err = op.NewProvider(opCfg, p.stor, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	return p, nil
}

type claimsKey struct{}

// Handler serves discovery, JWKS, authorize (and its callback), token,
// userinfo, end_session, revocation and introspection.
func (p *Provider) Handler() http.Handler {
	h := http.Handler(p.op)
	authorize := p.op.AuthorizationEndpoint().Relative()
	token := p.op.TokenEndpoint().Relative()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == token {
			x := &exchange{}
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
			if x.id != "" && !x.consumed {
				// Found but not exchanged: a wrong verifier or client
				// spends the code all the same.
				if err := p.cfg.Store.DeleteAuthRequest(context.WithoutCancel(r.Context()), x.id); err != nil {
					slog.Warn("oidc: spending a code after a failed exchange", "err", err)
				}
			}
			return
		}
		// op's AuthRequest has no field for the claims parameter: carry
		// it to CreateAuthRequest in the context.
		if r.URL.Path == authorize {
			if err := r.ParseForm(); err == nil {
				if c := r.Form.Get("claims"); c != "" {
					r = r.WithContext(context.WithValue(r.Context(), claimsKey{}, c))
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// Authenticated is what the login page learnt: who logged in, and how.
type Authenticated struct {
	PersonID string    // registry identifier
	ACR      string    // level reached: "low", "substantial", "high" or its eIDAS URI
	AMR      []string  // RFC 8176 method references, as loa.AMR gives them
	AuthTime time.Time // when the person authenticated (an SSO session may be older than this request)
}

// LoginRequest is what the login page needs to know about a pending
// authorization request.
type LoginRequest struct {
	ID         string
	Client     store.Client
	NeedACR    string // the least level that Complete accepts ("low" at least)
	ExpiresAt  time.Time
	UILocales  []string
	Procedures []store.Procedure
}

// Errors the login page shows; Complete returns them as *i18n.Error.
var (
	ErrRequestGone = i18n.New("oidc.request_gone",
		i18n.T("La solicitud de acceso ha caducado o ya se ha usado.", "The sign-in request has expired or was already used."),
		i18n.T("Vuelva a la sede electrónica y entre de nuevo.", "Go back to the electronic office and sign in again."))
	ErrLevelTooLow = i18n.New("oidc.level_too_low",
		i18n.T("El nivel de seguridad del acceso es insuficiente.", "The sign-in did not reach the level of assurance required."),
		i18n.T("Entre con un método más seguro.", "Log in with a stronger method."))
)

// Request returns the pending auth request id, with the level the login
// must reach, for the login page to show and enforce.
func (p *Provider) Request(ctx context.Context, id string) (LoginRequest, error) {
	r, err := p.cfg.Store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (r.Done || !p.cfg.Now().Before(r.ExpiresAt)) {
		return LoginRequest{}, ErrRequestGone.Wrap(err)
	}
	if err != nil {
		return LoginRequest{}, fmt.Errorf("oidc: %w", err)
	}
	p.clients.remember(r.ID, r.ClientID)
	c, err := p.clients.client(ctx, r.ClientID)
	if err != nil {
		return LoginRequest{}, fmt.Errorf("oidc: %w", err)
	}
	return LoginRequest{ID: r.ID, Client: c, NeedACR: neededACR(c, r), ExpiresAt: r.ExpiresAt, Procedures: c.Procedures}, nil
}

// RequestClient returns the relying party a sign-in request belongs to,
// whatever the request's state: what the login pages show the office's
// name and allow form targets from. It reads nothing from the store when
// this node has seen the request and the client lately.
func (p *Provider) RequestClient(ctx context.Context, id string) (store.Client, error) {
	cid, err := p.clients.clientOfRequest(ctx, id)
	if err != nil {
		return store.Client{}, err
	}
	return p.clients.client(ctx, cid)
}

// Complete records that the person in a logged in for the auth request
// authRequestID and returns the URL to send the browser to. For a
// response by redirect (query or fragment, the default of the code flow)
// that is the relying party's redirect URI with the code: the code is
// minted in the same transaction that records the login, and the browser
// goes straight back to the office. A form_post response goes through the
// provider's callback, which renders the form. A login below the level the
// request needs gets ErrLevelTooLow (an *i18n.Error naming the level) and
// leaves the request pending, so the person can try a stronger method.
func (p *Provider) Complete(ctx context.Context, authRequestID string, a Authenticated) (string, error) {
	level, ok := loa.FromURI(a.ACR)
	if !ok {
		return "", fmt.Errorf("oidc: complete: unknown level %q", a.ACR)
	}
	if a.PersonID == "" {
		return "", errors.New("oidc: complete: no person")
	}
	if a.AuthTime.IsZero() {
		a.AuthTime = p.cfg.Now()
	}
	// The client is found first, outside the transaction that locks the
	// request; the request's own fields are checked under the lock.
	client, err := p.RequestClient(ctx, authRequestID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrRequestGone.Wrap(err)
	}
	if err != nil {
		return "", fmt.Errorf("oidc: complete: %w", err)
	}
	code := ""
	done, err := p.cfg.Store.UpdateAuthRequest(ctx, authRequestID, func(r *store.OIDCAuthRequest) error {
		if r.Done || !p.cfg.Now().Before(r.ExpiresAt) {
			return ErrRequestGone
		}
		need := neededACR(client, *r)
		if !loa.Meets(level, need) {
			e := *ErrLevelTooLow
			e.Msg = i18n.Tf("Este acceso necesita nivel %s; el suyo ha sido %s.", "This sign-in needs level %s; yours was %s.", need, level)
			return &e
		}
		r.PersonID, r.ACR, r.AMR, r.AuthTime, r.Done = a.PersonID, level, a.AMR, a.AuthTime, true
		r.Subject = p.pairwise(r.ClientID, a.PersonID)
		if oidc.ResponseMode(r.ResponseMode) != oidc.ResponseModeFormPost {
			code = randomID()
			r.CodeHash = hashToken(code)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrRequestGone.Wrap(err)
	}
	if err != nil {
		if _, ok := i18n.As(err); ok {
			return "", err
		}
		return "", fmt.Errorf("oidc: complete: %w", err)
	}
	if code == "" {
		return p.cfg.Issuer + p.op.AuthorizationEndpoint().Relative() + "/callback?id=" + url.QueryEscape(authRequestID), nil
	}
	// What op's callback would answer, without the extra round trip.
	back, err := op.AuthResponseURL(done.RedirectURI, oidc.ResponseType(done.ResponseType), oidc.ResponseMode(done.ResponseMode),
		&op.CodeResponseType{Code: code, State: done.State}, p.op.Encoder())
	if err != nil {
		return "", fmt.Errorf("oidc: complete: %w", err)
	}
	return back, nil
}

// pairwise is the sub client sees for person: an HMAC, so that two offices
// comparing notes cannot tell they serve the same person, and no office
// learns the identifier unless it asks for it (scope profile or
// llavero_identity). The NUL keeps "ab"+"c" and "a"+"bc" apart.
func (p *Provider) pairwise(clientID, personID string) string {
	m := hmac.New(sha256.New, p.cfg.PairwiseSalt)
	m.Write([]byte(clientID))
	m.Write([]byte{0})
	m.Write([]byte(personID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// neededACR is the least level that satisfies a request: the client's
// minimum, raised by acr_values and by essential acr in the claims
// parameter. Several values in either are alternatives, so the lowest of
// them counts; unknown values are ignored.
func neededACR(c store.Client, r store.OIDCAuthRequest) string {
	need := loa.Low
	raise := func(l string) {
		if loa.Rank(l) > loa.Rank(need) {
			need = l
		}
	}
	raise(c.MinACR)
	raise(lowest(r.ACRValues))
	if r.Claims != "" {
		var cl map[string]map[string]*struct {
			Essential bool     `json:"essential"`
			Value     string   `json:"value"`
			Values    []string `json:"values"`
		}
		// Validated when the request was made.
		_ = json.Unmarshal([]byte(r.Claims), &cl)
		for _, target := range []string{"id_token", "userinfo"} {
			if a := cl[target]["acr"]; a != nil && a.Essential {
				raise(lowest(append(a.Values, a.Value)))
			}
		}
	}
	return need
}

func lowest(values []string) string {
	best := ""
	for _, v := range values {
		l, ok := loa.FromURI(v)
		if ok && (best == "" || loa.Rank(l) < loa.Rank(best)) {
			best = l
		}
	}
	return best
}

// Client secrets are 32 random bytes, so SHA-256 is enough to keep a
// stolen database from yielding them: a slow hash (argon2id) protects
// guessable passwords, and at tens of milliseconds per token request it
// would cap a relying party at a few dozen grants per second per core.

const secretPrefix = "sha256:"

// NewSecret returns a client secret to hand to the relying party once, and
// the hash to keep in store.Client.SecretHash.
func NewSecret() (secret, hash string) {
	secret = randomID()
	return secret, HashSecret(secret)
}

// HashSecret returns the SecretHash of a client secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return secretPrefix + hex.EncodeToString(sum[:])
}

func checkSecret(c store.Client, secret string) bool {
	if c.SecretHash == "" || secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(c.SecretHash)) == 1
}

func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
