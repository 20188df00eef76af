package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/llavero/llavero/internal/store"
)

// ErrClientAuth is AuthenticateClient's answer to anything but a known
// confidential client with its right secret; it does not say which part
// was wrong.
var ErrClientAuth = errors.New("oidc: client authentication failed")

// AuthenticateClient checks a relying party's credentials on an API
// request as the token endpoint checks them (client_secret_basic: HTTP
// Basic with the form-encoded client ID and secret; the same secret hash
// and constant-time comparison), for llavero's own APIs that relying
// parties call, such as remote signing. Public clients have no secret and
// never pass.
func AuthenticateClient(ctx context.Context, st store.Tx, r *http.Request) (store.Client, error) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return store.Client{}, ErrClientAuth
	}
	// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
	var err error
	if id, err = url.QueryUnescape(id); err != nil {
		return store.Client{}, ErrClientAuth
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return store.Client{}, ErrClientAuth
	}
	c, err := st.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// The same work as a wrong secret.
		checkSecret(store.Client{SecretHash: HashSecret("")}, secret)
		return store.Client{}, ErrClientAuth
	}
	if err != nil {
		return store.Client{}, err
	}
	if !checkSecret(c, secret) {
		return store.Client{}, ErrClientAuth
	}
	return c, nil
}
