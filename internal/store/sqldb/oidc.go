package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The OpenID provider's tables ([store.OIDCTx]), on the patterns of the
// account side. Error messages name random IDs only: never a code, a
// refresh token's hash or a subject.

// Auth requests.

var authRequests = newTable("oidc_auth_requests",
	[]string{"id", "client_id", "redirect_uri", "scopes", "state", "nonce", "response_type", "response_mode",
		"code_challenge", "code_challenge_method", "acr_values", "claims", "created_at", "expires_at",
		"person_id", "subject", "acr", "amr", "auth_time", "done", "code_hash"},
	[]string{"created_at"},
	[]string{"code_hash"}, []string{"expires_at"})

func normAuthRequest(r *store.OIDCAuthRequest) {
	for _, t := range []*time.Time{&r.CreatedAt, &r.ExpiresAt, &r.AuthTime} {
		*t = Timestamp(*t)
	}
	for _, l := range []*[]string{&r.Scopes, &r.ACRValues, &r.AMR} {
		if *l == nil {
			*l = []string{}
		}
	}
}

func authRequestArgs(d *Dialect, r *store.OIDCAuthRequest) ([]any, error) {
	var lists [3]string
	for i, l := range [][]string{r.Scopes, r.ACRValues, r.AMR} {
		var err error
		if lists[i], err = listArg(l); err != nil {
			return nil, err
		}
	}
	return []any{
		r.ID, r.ClientID, r.RedirectURI, lists[0], r.State, r.Nonce, r.ResponseType, r.ResponseMode,
		r.CodeChallenge, r.CodeChallengeMethod, lists[1], r.Claims, d.Time(r.CreatedAt), d.Time(r.ExpiresAt),
		r.PersonID, r.Subject, r.ACR, lists[2], optTime(d, r.AuthTime), r.Done, r.CodeHash,
	}, nil
}

func scanAuthRequest(s scanner, r *store.OIDCAuthRequest) error {
	return s.Scan(
		&r.ID, &r.ClientID, &r.RedirectURI, listCol{&r.Scopes}, &r.State, &r.Nonce, &r.ResponseType, &r.ResponseMode,
		&r.CodeChallenge, &r.CodeChallengeMethod, listCol{&r.ACRValues}, &r.Claims, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt},
		&r.PersonID, &r.Subject, &r.ACR, listCol{&r.AMR}, timeCol{&r.AuthTime}, &r.Done, &r.CodeHash,
	)
}

// The second term repeats the partial index's predicate, as for mobiles.
var (
	selectAuthRequestByCode = static(authRequests.from + " WHERE code_hash = $1 AND code_hash <> ''")
	authCodeTaken           = static("SELECT 1 FROM oidc_auth_requests WHERE code_hash = $1 AND code_hash <> ''")
	deleteAuthRequest       = static("DELETE FROM oidc_auth_requests WHERE id = $1")
	consumeAuthRequest      = static("DELETE FROM oidc_auth_requests WHERE id = $1 AND code_hash = $2 AND code_hash <> ''")
)

func (o ops) CreateAuthRequest(ctx context.Context, r store.OIDCAuthRequest) error {
	if r.ID == "" {
		return errors.New("create auth request: no ID")
	}
	what := "create auth request " + r.ID
	normAuthRequest(&r)
	args, err := authRequestArgs(o.d, &r)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, authRequests.insert, args...)
}

func (o ops) GetAuthRequest(ctx context.Context, id string) (store.OIDCAuthRequest, error) {
	r, err := one(o.q.QueryRowContext(ctx, authRequests.get, id), scanAuthRequest)
	if err != nil {
		return store.OIDCAuthRequest{}, notFound("get auth request "+id, err)
	}
	return r, nil
}

func (o ops) GetAuthRequestByCode(ctx context.Context, codeHash string) (store.OIDCAuthRequest, error) {
	r, err := one(o.q.QueryRowContext(ctx, selectAuthRequestByCode, codeHash), scanAuthRequest)
	if err != nil {
		return store.OIDCAuthRequest{}, notFound("get auth request by code", err)
	}
	return r, nil
}

func (o ops) UpdateAuthRequest(ctx context.Context, id string, fn func(*store.OIDCAuthRequest) error) (store.OIDCAuthRequest, error) {
	what := "update auth request " + id
	return modify(what, lockedRead(ctx, o, what, authRequests, id, scanAuthRequest), fn,
		func(old, r *store.OIDCAuthRequest) error {
			if err := unchanged("ID", r.ID == old.ID, r.CreatedAt, old.CreatedAt); err != nil {
				return err
			}
			if r.CodeHash != old.CodeHash && r.CodeHash != "" {
				return o.vacant(ctx, "code", authCodeTaken, r.CodeHash)
			}
			return nil
		},
		func(old, r *store.OIDCAuthRequest) error {
			normAuthRequest(r)
			return writeJSON(ctx, o, what, authRequests, authRequestArgs, old, r)
		},
	)
}

func (o ops) DeleteAuthRequest(ctx context.Context, id string) error {
	if _, err := o.q.ExecContext(ctx, deleteAuthRequest, id); err != nil {
		return fmt.Errorf("delete auth request %s: %w", id, err)
	}
	return nil
}

func (o ops) ConsumeAuthRequest(ctx context.Context, id, codeHash string) error {
	res, err := o.q.ExecContext(ctx, consumeAuthRequest, id, codeHash)
	if err != nil {
		return fmt.Errorf("consume auth request %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("consume auth request %s: %w", id, err)
	} else if n != 1 {
		return fmt.Errorf("consume auth request %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// Tokens.

var oidcTokens = newTable("oidc_tokens",
	[]string{"id", "client_id", "person_id", "subject", "scopes", "audience", "acr", "amr", "auth_time",
		"created_at", "expires_at", "refresh_hash", "refresh_expires_at", "revoked"},
	[]string{"created_at"},
	[]string{"refresh_hash"}, []string{"client_id", "subject"}, []string{"expires_at"})

func normToken(t *store.OIDCToken) {
	for _, p := range []*time.Time{&t.AuthTime, &t.CreatedAt, &t.ExpiresAt, &t.RefreshExpiresAt} {
		*p = Timestamp(*p)
	}
	for _, l := range []*[]string{&t.Scopes, &t.Audience, &t.AMR} {
		if *l == nil {
			*l = []string{}
		}
	}
}

func tokenArgs(d *Dialect, t *store.OIDCToken) ([]any, error) {
	var lists [3]string
	for i, l := range [][]string{t.Scopes, t.Audience, t.AMR} {
		var err error
		if lists[i], err = listArg(l); err != nil {
			return nil, err
		}
	}
	return []any{
		t.ID, t.ClientID, t.PersonID, t.Subject, lists[0], lists[1], t.ACR, lists[2], optTime(d, t.AuthTime),
		d.Time(t.CreatedAt), d.Time(t.ExpiresAt), t.RefreshHash, optTime(d, t.RefreshExpiresAt), t.Revoked,
	}, nil
}

func scanToken(s scanner, t *store.OIDCToken) error {
	return s.Scan(
		&t.ID, &t.ClientID, &t.PersonID, &t.Subject, listCol{&t.Scopes}, listCol{&t.Audience}, &t.ACR, listCol{&t.AMR},
		timeCol{&t.AuthTime}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, &t.RefreshHash, timeCol{&t.RefreshExpiresAt},
		&t.Revoked,
	)
}

var (
	selectTokenByRefresh = static(oidcTokens.from + " WHERE refresh_hash = $1 AND refresh_hash <> ''")
	refreshHashTaken     = static("SELECT 1 FROM oidc_tokens WHERE refresh_hash = $1 AND refresh_hash <> ''")
	revokeTokens         = static("UPDATE oidc_tokens SET revoked = $3 WHERE client_id = $1 AND subject = $2 AND revoked = $4")
	// A grant lives while either of its tokens may still be used.
	deleteExpiredTokens = static("DELETE FROM oidc_tokens WHERE expires_at < $1 AND (refresh_expires_at IS NULL OR refresh_expires_at < $1)")
	deleteExpiredAuth   = static("DELETE FROM oidc_auth_requests WHERE expires_at < $1")
)

func (o ops) CreateToken(ctx context.Context, t store.OIDCToken) error {
	if t.ID == "" {
		return errors.New("create token: no ID")
	}
	what := "create token " + t.ID
	normToken(&t)
	args, err := tokenArgs(o.d, &t)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, oidcTokens.insert, args...)
}

func (o ops) GetToken(ctx context.Context, id string) (store.OIDCToken, error) {
	t, err := one(o.q.QueryRowContext(ctx, oidcTokens.get, id), scanToken)
	if err != nil {
		return store.OIDCToken{}, notFound("get token "+id, err)
	}
	return t, nil
}

func (o ops) GetTokenByRefresh(ctx context.Context, refreshHash string) (store.OIDCToken, error) {
	t, err := one(o.q.QueryRowContext(ctx, selectTokenByRefresh, refreshHash), scanToken)
	if err != nil {
		return store.OIDCToken{}, notFound("get token by refresh", err)
	}
	return t, nil
}

func (o ops) UpdateToken(ctx context.Context, id string, fn func(*store.OIDCToken) error) (store.OIDCToken, error) {
	what := "update token " + id
	return modify(what, lockedRead(ctx, o, what, oidcTokens, id, scanToken), fn,
		func(old, t *store.OIDCToken) error {
			if err := unchanged("ID", t.ID == old.ID, t.CreatedAt, old.CreatedAt); err != nil {
				return err
			}
			if t.RefreshHash != old.RefreshHash && t.RefreshHash != "" {
				return o.vacant(ctx, "refresh token", refreshHashTaken, t.RefreshHash)
			}
			return nil
		},
		func(old, t *store.OIDCToken) error {
			normToken(t)
			return writeJSON(ctx, o, what, oidcTokens, tokenArgs, old, t)
		},
	)
}

func (o ops) RevokeTokens(ctx context.Context, clientID, subject string) (int, error) {
	res, err := o.q.ExecContext(ctx, revokeTokens, clientID, subject, true, false)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of client %s: %w", clientID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of client %s: %w", clientID, err)
	}
	return int(n), nil
}

func (o ops) DeleteExpiredOIDC(ctx context.Context, t time.Time) (int, error) {
	at := o.d.Time(Timestamp(t))
	total := 0
	for _, q := range []string{deleteExpiredAuth, deleteExpiredTokens} {
		res, err := o.q.ExecContext(ctx, q, at)
		if err != nil {
			return 0, fmt.Errorf("delete expired oidc: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("delete expired oidc: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// Signing oidcKeys.

var oidcKeys = newTable("oidc_keys",
	[]string{"id", "alg", "private_key", "public_jwk", "state", "created_at", "retired_at"},
	[]string{"created_at"})

func normKey(k *store.OIDCKey) {
	k.PrivateKey = emptyBytes(k.PrivateKey)
	k.CreatedAt = Timestamp(k.CreatedAt)
	k.RetiredAt = Timestamp(k.RetiredAt)
}

func keyArgs(d *Dialect, k *store.OIDCKey) []any {
	return []any{k.ID, k.Alg, blob(k.PrivateKey), k.PublicJWK, k.State, d.Time(k.CreatedAt), optTime(d, k.RetiredAt)}
}

func scanKey(s scanner, k *store.OIDCKey) error {
	return s.Scan(&k.ID, &k.Alg, bytesCol{&k.PrivateKey}, &k.PublicJWK, &k.State, timeCol{&k.CreatedAt}, timeCol{&k.RetiredAt})
}

var (
	listKeys  = static(oidcKeys.from + " ORDER BY created_at DESC, id DESC")
	deleteKey = static("DELETE FROM oidc_keys WHERE id = $1")
)

func (o ops) CreateKey(ctx context.Context, k store.OIDCKey) error {
	if k.ID == "" {
		return errors.New("create key: no ID")
	}
	normKey(&k)
	return o.insert(ctx, "create key "+k.ID, oidcKeys.insert, keyArgs(o.d, &k)...)
}

func (o ops) ListKeys(ctx context.Context) ([]store.OIDCKey, error) {
	ks, err := list(ctx, o, "list keys", listKeys, nil, scanKey)
	if err != nil {
		return nil, err
	}
	if ks == nil {
		ks = []store.OIDCKey{}
	}
	return ks, nil
}

func (o ops) UpdateKey(ctx context.Context, id string, fn func(*store.OIDCKey) error) (store.OIDCKey, error) {
	what := "update key " + id
	return modify(what, lockedRead(ctx, o, what, oidcKeys, id, scanKey), fn,
		func(old, k *store.OIDCKey) error {
			return unchanged("ID", k.ID == old.ID, k.CreatedAt, old.CreatedAt)
		},
		func(old, k *store.OIDCKey) error {
			normKey(k)
			return o.write(ctx, what, oidcKeys, keyArgs(o.d, old), keyArgs(o.d, k))
		},
	)
}

func (o ops) DeleteKey(ctx context.Context, id string) error {
	if _, err := o.q.ExecContext(ctx, deleteKey, id); err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	return nil
}

// The Store's own OIDC methods: reads on the read pool, single-statement
// writes on the write pool, Update methods in a transaction.

// CreateAuthRequest implements [store.OIDCTx].
func (db *DB) CreateAuthRequest(ctx context.Context, r store.OIDCAuthRequest) error {
	return db.writer().CreateAuthRequest(ctx, r)
}

// GetAuthRequest implements [store.OIDCTx].
func (db *DB) GetAuthRequest(ctx context.Context, id string) (store.OIDCAuthRequest, error) {
	return db.reader().GetAuthRequest(ctx, id)
}

// GetAuthRequestByCode implements [store.OIDCTx].
func (db *DB) GetAuthRequestByCode(ctx context.Context, codeHash string) (store.OIDCAuthRequest, error) {
	return db.reader().GetAuthRequestByCode(ctx, codeHash)
}

// UpdateAuthRequest implements [store.OIDCTx].
func (db *DB) UpdateAuthRequest(ctx context.Context, id string, fn func(*store.OIDCAuthRequest) error) (store.OIDCAuthRequest, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.OIDCAuthRequest, error) { return tx.UpdateAuthRequest(ctx, id, fn) })
}

// DeleteAuthRequest implements [store.OIDCTx].
func (db *DB) DeleteAuthRequest(ctx context.Context, id string) error {
	return db.writer().DeleteAuthRequest(ctx, id)
}

// ConsumeAuthRequest implements [store.OIDCTx].
func (db *DB) ConsumeAuthRequest(ctx context.Context, id, codeHash string) error {
	return db.writer().ConsumeAuthRequest(ctx, id, codeHash)
}

// CreateToken implements [store.OIDCTx].
func (db *DB) CreateToken(ctx context.Context, t store.OIDCToken) error {
	return db.writer().CreateToken(ctx, t)
}

// GetToken implements [store.OIDCTx].
func (db *DB) GetToken(ctx context.Context, id string) (store.OIDCToken, error) {
	return db.reader().GetToken(ctx, id)
}

// GetTokenByRefresh implements [store.OIDCTx].
func (db *DB) GetTokenByRefresh(ctx context.Context, refreshHash string) (store.OIDCToken, error) {
	return db.reader().GetTokenByRefresh(ctx, refreshHash)
}

// UpdateToken implements [store.OIDCTx].
func (db *DB) UpdateToken(ctx context.Context, id string, fn func(*store.OIDCToken) error) (store.OIDCToken, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.OIDCToken, error) { return tx.UpdateToken(ctx, id, fn) })
}

// RevokeTokens implements [store.OIDCTx].
func (db *DB) RevokeTokens(ctx context.Context, clientID, subject string) (int, error) {
	return db.writer().RevokeTokens(ctx, clientID, subject)
}

// DeleteExpiredOIDC implements [store.OIDCTx].
func (db *DB) DeleteExpiredOIDC(ctx context.Context, t time.Time) (int, error) {
	return inTx(ctx, db, func(tx store.Tx) (int, error) { return tx.DeleteExpiredOIDC(ctx, t) })
}

// CreateKey implements [store.OIDCTx].
func (db *DB) CreateKey(ctx context.Context, k store.OIDCKey) error {
	return db.writer().CreateKey(ctx, k)
}

// ListKeys implements [store.OIDCTx].
func (db *DB) ListKeys(ctx context.Context) ([]store.OIDCKey, error) {
	return db.reader().ListKeys(ctx)
}

// UpdateKey implements [store.OIDCTx].
func (db *DB) UpdateKey(ctx context.Context, id string, fn func(*store.OIDCKey) error) (store.OIDCKey, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.OIDCKey, error) { return tx.UpdateKey(ctx, id, fn) })
}

// DeleteKey implements [store.OIDCTx].
func (db *DB) DeleteKey(ctx context.Context, id string) error {
	return db.writer().DeleteKey(ctx, id)
}
