package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Remote signing ([store.RemoteSignTx]). A request's document bytes are
// in its row but outside the [table]'s columns: no read, list or update of
// the request touches them, only SignatureDocument and
// SetSignatureDocument.

var signatureRequests = newTable("signature_requests",
	[]string{"id", "kind", "client_id", "client_name", "person_id", "description", "document_name", "hash_alg", "digest",
		"callback_uri", "return_uri", "state", "created_at", "expires_at", "decided_at", "signature", "signer_cert",
		"reason", "delivered_at"},
	[]string{"kind", "client_id", "client_name", "description", "document_name", "hash_alg", "digest",
		"callback_uri", "return_uri", "created_at"},
	[]string{"person_id"}, []string{"state", "expires_at"})

func normSignatureRequest(r *store.SignatureRequest) {
	r.Digest, r.Signature, r.SignerCert = emptyBytes(r.Digest), emptyBytes(r.Signature), emptyBytes(r.SignerCert)
	for _, t := range []*time.Time{&r.CreatedAt, &r.ExpiresAt, &r.DecidedAt, &r.DeliveredAt} {
		*t = Timestamp(*t)
	}
}

func signatureRequestArgs(d *Dialect, r *store.SignatureRequest) []any {
	return []any{
		r.ID, r.Kind, r.ClientID, r.ClientName, r.PersonID, r.Description, r.DocumentName, r.HashAlg, blob(r.Digest),
		r.CallbackURI, r.ReturnURI, r.State, d.Time(r.CreatedAt), d.Time(r.ExpiresAt), optTime(d, r.DecidedAt),
		blob(r.Signature), blob(r.SignerCert), r.Reason, optTime(d, r.DeliveredAt),
	}
}

func scanSignatureRequest(sc scanner, r *store.SignatureRequest) error {
	return sc.Scan(
		&r.ID, &r.Kind, &r.ClientID, &r.ClientName, &r.PersonID, &r.Description, &r.DocumentName, &r.HashAlg, bytesCol{&r.Digest},
		&r.CallbackURI, &r.ReturnURI, &r.State, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt}, timeCol{&r.DecidedAt},
		bytesCol{&r.Signature}, bytesCol{&r.SignerCert}, &r.Reason, timeCol{&r.DeliveredAt},
	)
}

var (
	insertSignatureRequest = static("INSERT INTO signature_requests (id, kind, client_id, client_name, person_id, description, " +
		"document_name, hash_alg, digest, callback_uri, return_uri, state, created_at, expires_at, decided_at, signature, " +
		"signer_cert, reason, delivered_at, document) " +
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT DO NOTHING")
	selectSignatureDocument = static("SELECT document FROM signature_requests WHERE id = $1")
	updateSignatureDocument = static("UPDATE signature_requests SET document = $2 WHERE id = $1")
	listPersonSignatures    = static(signatureRequests.from + " WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
	documentsToPurge        = static("SELECT id FROM signature_requests WHERE kind = '" + store.SignKindPDF + "' " +
		"AND decided_at < $1 AND length(document) > 0 ORDER BY decided_at, id LIMIT $2")
	expiredSignatures = static("SELECT id FROM signature_requests WHERE state = '" + store.SignRequested + "' " +
		"AND expires_at < $1 ORDER BY expires_at, id LIMIT $2")
)

func (o ops) CreateSignatureRequest(ctx context.Context, r store.SignatureRequest, document []byte) error {
	if r.ID == "" {
		return errors.New("create signature request: no ID")
	}
	normSignatureRequest(&r)
	args := append(signatureRequestArgs(o.d, &r), blob(emptyBytes(document)))
	return o.insert(ctx, "create signature request "+r.ID, insertSignatureRequest, args...)
}

func (o ops) GetSignatureRequest(ctx context.Context, id string) (store.SignatureRequest, error) {
	r, err := one(o.q.QueryRowContext(ctx, signatureRequests.get, id), scanSignatureRequest)
	if err != nil {
		return store.SignatureRequest{}, notFound("get signature request "+id, err)
	}
	return r, nil
}

func (o ops) UpdateSignatureRequest(ctx context.Context, id string, fn func(*store.SignatureRequest) error) (store.SignatureRequest, error) {
	what := "update signature request " + id
	return modify(what, lockedRead(ctx, o, what, signatureRequests, id, scanSignatureRequest), fn,
		func(old, r *store.SignatureRequest) error {
			if err := unchanged("ID", r.ID == old.ID, r.CreatedAt, old.CreatedAt); err != nil {
				return err
			}
			// What the person saw and approved is the request: none of it
			// may change after it was made.
			if r.Kind != old.Kind || r.ClientID != old.ClientID || r.HashAlg != old.HashAlg || string(r.Digest) != string(old.Digest) ||
				r.Description != old.Description || r.DocumentName != old.DocumentName || r.CallbackURI != old.CallbackURI ||
				r.ReturnURI != old.ReturnURI || r.ClientName != old.ClientName {
				return errors.New("what was requested cannot change")
			}
			return nil
		},
		func(old, r *store.SignatureRequest) error {
			normSignatureRequest(r)
			return o.write(ctx, what, signatureRequests, signatureRequestArgs(o.d, old), signatureRequestArgs(o.d, r))
		},
	)
}

func (o ops) SignatureDocument(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	if err := o.q.QueryRowContext(ctx, selectSignatureDocument, id).Scan(&data); err != nil {
		return nil, notFound("signature document "+id, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

func (o ops) SetSignatureDocument(ctx context.Context, id string, data []byte) error {
	res, err := o.q.ExecContext(ctx, updateSignatureDocument, id, blob(emptyBytes(data)))
	if err != nil {
		return fmt.Errorf("set signature document %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("set signature document %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("set signature document %s: %w", id, store.ErrNotFound)
	}
	return nil
}

func (o ops) ListPersonSignatureRequests(ctx context.Context, personID string, limit int) ([]store.SignatureRequest, error) {
	out, err := list(ctx, o, "list person signature requests", listPersonSignatures, []any{personID, limitOr100(limit)}, scanSignatureRequest)
	if out == nil && err == nil {
		out = []store.SignatureRequest{}
	}
	return out, err
}

func (o ops) SignatureDocumentsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error) {
	return list(ctx, o, "signature documents to purge", documentsToPurge, []any{o.d.Time(Timestamp(decidedBefore)), limitOr100(limit)},
		func(r scanner, id *string) error { return r.Scan(id) })
}

func (o ops) SignatureRequestsExpired(ctx context.Context, t time.Time, limit int) ([]string, error) {
	return list(ctx, o, "expired signature requests", expiredSignatures, []any{o.d.Time(Timestamp(t)), limitOr100(limit)},
		func(r scanner, id *string) error { return r.Scan(id) })
}

// Remote-signing keys.

var (
	insertRemoteKey = static("INSERT INTO remote_signing_keys (label, person_id, cert_der, created_at, revoked_at) " +
		"VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
	activeRemoteKey = static("SELECT label, person_id, cert_der, created_at, revoked_at FROM remote_signing_keys " +
		"WHERE person_id = $1 AND revoked_at IS NULL")
	revokeRemoteKey = static("UPDATE remote_signing_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE label = $1")
)

func scanRemoteKey(r scanner, k *store.RemoteSigningKey) error {
	return r.Scan(&k.Label, &k.PersonID, bytesCol{&k.CertDER}, timeCol{&k.CreatedAt}, timeCol{&k.RevokedAt})
}

func (o ops) CreateRemoteSigningKey(ctx context.Context, k store.RemoteSigningKey) error {
	switch {
	case k.Label == "":
		return errors.New("create remote signing key: no label")
	case k.PersonID == "":
		return fmt.Errorf("create remote signing key %s: no person", k.Label)
	case len(k.CertDER) == 0:
		return fmt.Errorf("create remote signing key %s: no certificate", k.Label)
	}
	return o.insert(ctx, "create remote signing key "+k.Label, insertRemoteKey,
		k.Label, k.PersonID, blob(k.CertDER), o.d.Time(Timestamp(k.CreatedAt)), optTime(o.d, Timestamp(k.RevokedAt)))
}

func (o ops) ActiveRemoteSigningKey(ctx context.Context, personID string) (store.RemoteSigningKey, error) {
	k, err := one(o.q.QueryRowContext(ctx, activeRemoteKey, personID), scanRemoteKey)
	if err != nil {
		return store.RemoteSigningKey{}, notFound("active remote signing key of "+personID, err)
	}
	return k, nil
}

func (o ops) RevokeRemoteSigningKey(ctx context.Context, label string, t time.Time) error {
	res, err := o.q.ExecContext(ctx, revokeRemoteKey, label, o.d.Time(Timestamp(t)))
	if err != nil {
		return fmt.Errorf("revoke remote signing key %s: %w", label, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("revoke remote signing key %s: %w", label, err)
	}
	if n == 0 {
		return fmt.Errorf("revoke remote signing key %s: %w", label, store.ErrNotFound)
	}
	return nil
}

// The Store's own remote-signing methods: reads on the read pool,
// single-statement writes on the write pool, Update methods in a
// transaction.

// CreateSignatureRequest implements [store.RemoteSignTx].
func (db *DB) CreateSignatureRequest(ctx context.Context, r store.SignatureRequest, document []byte) error {
	return db.writer().CreateSignatureRequest(ctx, r, document)
}

// GetSignatureRequest implements [store.RemoteSignTx].
func (db *DB) GetSignatureRequest(ctx context.Context, id string) (store.SignatureRequest, error) {
	return db.reader().GetSignatureRequest(ctx, id)
}

// UpdateSignatureRequest implements [store.RemoteSignTx].
func (db *DB) UpdateSignatureRequest(ctx context.Context, id string, fn func(*store.SignatureRequest) error) (store.SignatureRequest, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.SignatureRequest, error) { return tx.UpdateSignatureRequest(ctx, id, fn) })
}

// SignatureDocument implements [store.RemoteSignTx].
func (db *DB) SignatureDocument(ctx context.Context, id string) ([]byte, error) {
	return db.reader().SignatureDocument(ctx, id)
}

// SetSignatureDocument implements [store.RemoteSignTx].
func (db *DB) SetSignatureDocument(ctx context.Context, id string, data []byte) error {
	return db.writer().SetSignatureDocument(ctx, id, data)
}

// ListPersonSignatureRequests implements [store.RemoteSignTx].
func (db *DB) ListPersonSignatureRequests(ctx context.Context, personID string, limit int) ([]store.SignatureRequest, error) {
	return db.reader().ListPersonSignatureRequests(ctx, personID, limit)
}

// SignatureDocumentsToPurge implements [store.RemoteSignTx].
func (db *DB) SignatureDocumentsToPurge(ctx context.Context, decidedBefore time.Time, limit int) ([]string, error) {
	return db.reader().SignatureDocumentsToPurge(ctx, decidedBefore, limit)
}

// SignatureRequestsExpired implements [store.RemoteSignTx].
func (db *DB) SignatureRequestsExpired(ctx context.Context, t time.Time, limit int) ([]string, error) {
	return db.reader().SignatureRequestsExpired(ctx, t, limit)
}

// CreateRemoteSigningKey implements [store.RemoteSignTx].
func (db *DB) CreateRemoteSigningKey(ctx context.Context, k store.RemoteSigningKey) error {
	return db.writer().CreateRemoteSigningKey(ctx, k)
}

// ActiveRemoteSigningKey implements [store.RemoteSignTx].
func (db *DB) ActiveRemoteSigningKey(ctx context.Context, personID string) (store.RemoteSigningKey, error) {
	return db.reader().ActiveRemoteSigningKey(ctx, personID)
}

// RevokeRemoteSigningKey implements [store.RemoteSignTx].
func (db *DB) RevokeRemoteSigningKey(ctx context.Context, label string, t time.Time) error {
	return db.writer().RevokeRemoteSigningKey(ctx, label, t)
}
