package store

import (
	"context"
	"time"
)

// OIDCAuthRequest is an OpenID Connect authorization request between the
// relying party's redirect to /authorize and the exchange of its code. It
// lives in the store, not in a node's memory, so the login page, the
// callback and the token request may each land on a different node.
type OIDCAuthRequest struct {
	ID                  string // random; the login page carries it
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	ACRValues           []string // acr_values as the relying party sent them
	Claims              string   // the claims parameter, JSON as sent; "" when none
	CreatedAt           time.Time
	ExpiresAt           time.Time

	// Set by the login once the person has authenticated.
	PersonID string   // registry identifier
	Subject  string   // the pairwise sub this client sees
	ACR      string   // level reached: "low", "substantial" or "high"
	AMR      []string // RFC 8176 method references
	AuthTime time.Time
	Done     bool

	// CodeHash is the hex SHA-256 of the authorization code once issued
	// ("" before): a stolen database does not yield usable codes.
	CodeHash string
}

// OIDCToken is an access token grant, with the refresh token that renews it
// when there is one. Access tokens are opaque to relying parties; the row
// is what makes them revocable and introspectable.
type OIDCToken struct {
	ID       string // the access token's ID, random
	ClientID string
	PersonID string // "" for client_credentials
	Subject  string // pairwise sub, or the client ID for client_credentials
	Scopes   []string
	Audience []string
	ACR      string
	AMR      []string
	AuthTime time.Time

	CreatedAt time.Time
	ExpiresAt time.Time // of the access token

	// RefreshHash is the hex SHA-256 of the refresh token, "" when none;
	// unique when set.
	RefreshHash      string
	RefreshExpiresAt time.Time
	Revoked          bool
}

// Signing key states.
const (
	KeyActive   = "active"   // signs new tokens
	KeyRetiring = "retiring" // only published, until what it signed expires
)

// OIDCKey is a key that signs ID tokens. Every node reads the same keys,
// so a token signed on one verifies against the JWKS served by another.
type OIDCKey struct {
	ID         string // the JWK kid
	Alg        string // "ES256" or "RS256"
	PrivateKey []byte // PKCS#8, sealed by the provider before it gets here
	PublicJWK  string // JSON
	State      string // KeyActive or KeyRetiring
	CreatedAt  time.Time
	RetiredAt  time.Time // zero while active
}

// OIDCTx holds the OpenID provider's operations. Every Tx has them.
//
// Errors, times and Update methods follow AccountTx: IDs (and a token's
// RefreshHash, and an auth request's CodeHash, when not empty) are unique
// keys whose Create or Update gives ErrConflict; list fields keep their
// order and come back non-nil; fn is given the row locked.
type OIDCTx interface {
	CreateAuthRequest(ctx context.Context, r OIDCAuthRequest) error
	GetAuthRequest(ctx context.Context, id string) (OIDCAuthRequest, error)
	// GetAuthRequestByCode finds the request whose code hashes to
	// codeHash; "" finds none.
	GetAuthRequestByCode(ctx context.Context, codeHash string) (OIDCAuthRequest, error)
	UpdateAuthRequest(ctx context.Context, id string, fn func(*OIDCAuthRequest) error) (OIDCAuthRequest, error)
	// DeleteAuthRequest removes a request; one already gone is no error.
	DeleteAuthRequest(ctx context.Context, id string) error
	// ConsumeAuthRequest removes request id if its code hashes to
	// codeHash, as the exchange of that code does; otherwise (the code
	// spent already, by this node or another, or never issued) it gives
	// ErrNotFound. Of two concurrent calls, one wins.
	ConsumeAuthRequest(ctx context.Context, id, codeHash string) error

	CreateToken(ctx context.Context, t OIDCToken) error
	GetToken(ctx context.Context, id string) (OIDCToken, error)
	// GetTokenByRefresh finds the grant whose refresh token hashes to
	// refreshHash; "" finds none.
	GetTokenByRefresh(ctx context.Context, refreshHash string) (OIDCToken, error)
	UpdateToken(ctx context.Context, id string, fn func(*OIDCToken) error) (OIDCToken, error)
	// RevokeTokens marks every token of one subject at one client revoked
	// and returns how many were not already (RP-initiated logout).
	RevokeTokens(ctx context.Context, clientID, subject string) (int, error)

	// DeleteExpiredOIDC removes auth requests and tokens (whose refresh
	// token, if any, also) expired before t, and returns how many.
	DeleteExpiredOIDC(ctx context.Context, t time.Time) (int, error)

	CreateKey(ctx context.Context, k OIDCKey) error
	// ListKeys returns every key, newest (by CreatedAt, then ID) first.
	ListKeys(ctx context.Context) ([]OIDCKey, error)
	UpdateKey(ctx context.Context, id string, fn func(*OIDCKey) error) (OIDCKey, error)
	// DeleteKey removes a key; one already gone is no error.
	DeleteKey(ctx context.Context, id string) error
}
