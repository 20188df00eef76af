package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The app login's tables ([store.AppLoginTx]), on the patterns of the
// account side. Error messages name the random IDs only: a challenge's
// secret, session hash and ceremony never reach a log.

// QR challenges.

var qrChallenges = newTable("qr_challenges",
	[]string{"id", "secret", "session_hash", "client_name", "created_at", "expires_at", "state", "ceremony",
		"scans", "person_id", "device_id", "decided_at"},
	[]string{"created_at"},
	[]string{"expires_at"})

func normQRChallenge(c *store.QRChallenge) {
	c.Secret, c.Ceremony = emptyBytes(c.Secret), emptyBytes(c.Ceremony)
	for _, t := range []*time.Time{&c.CreatedAt, &c.ExpiresAt, &c.DecidedAt} {
		*t = Timestamp(*t)
	}
}

func qrChallengeArgs(d *Dialect, c *store.QRChallenge) []any {
	return []any{
		c.ID, blob(c.Secret), c.SessionHash, c.ClientName, d.Time(c.CreatedAt), d.Time(c.ExpiresAt), c.State,
		blob(c.Ceremony), c.Scans, c.PersonID, c.DeviceID, optTime(d, c.DecidedAt),
	}
}

func scanQRChallenge(r scanner, c *store.QRChallenge) error {
	return r.Scan(
		&c.ID, bytesCol{&c.Secret}, &c.SessionHash, &c.ClientName, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, &c.State,
		bytesCol{&c.Ceremony}, &c.Scans, &c.PersonID, &c.DeviceID, timeCol{&c.DecidedAt},
	)
}

func (o ops) CreateQRChallenge(ctx context.Context, c store.QRChallenge) error {
	if c.ID == "" {
		return errors.New("create QR challenge: no ID")
	}
	normQRChallenge(&c)
	return o.insert(ctx, "create QR challenge "+c.ID, qrChallenges.insert, qrChallengeArgs(o.d, &c)...)
}

func (o ops) GetQRChallenge(ctx context.Context, id string) (store.QRChallenge, error) {
	c, err := one(o.q.QueryRowContext(ctx, qrChallenges.get, id), scanQRChallenge)
	if err != nil {
		return store.QRChallenge{}, notFound("get QR challenge "+id, err)
	}
	return c, nil
}

func (o ops) UpdateQRChallenge(ctx context.Context, id string, fn func(*store.QRChallenge) error) (store.QRChallenge, error) {
	what := "update QR challenge " + id
	return modify(what, lockedRead(ctx, o, what, qrChallenges, id, scanQRChallenge), fn,
		func(old, c *store.QRChallenge) error {
			return unchanged("ID", c.ID == old.ID, c.CreatedAt, old.CreatedAt)
		},
		func(old, c *store.QRChallenge) error {
			normQRChallenge(c)
			return o.write(ctx, what, qrChallenges, qrChallengeArgs(o.d, old), qrChallengeArgs(o.d, c))
		},
	)
}

// Passkey registration ceremonies.

var passkeyCeremonies = newTable("passkey_ceremonies",
	[]string{"id", "person_id", "session", "created_at", "expires_at"},
	[]string{"created_at"},
	[]string{"expires_at"})

func scanPasskeyCeremony(r scanner, c *store.PasskeyCeremony) error {
	return r.Scan(&c.ID, &c.PersonID, bytesCol{&c.Session}, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt})
}

var (
	deletePasskeyCeremony   = static("DELETE FROM passkey_ceremonies WHERE id = $1")
	deleteExpiredQR         = static("DELETE FROM qr_challenges WHERE expires_at < $1")
	deleteExpiredCeremonies = static("DELETE FROM passkey_ceremonies WHERE expires_at < $1")
)

func (o ops) CreatePasskeyCeremony(ctx context.Context, c store.PasskeyCeremony) error {
	if c.ID == "" {
		return errors.New("create passkey ceremony: no ID")
	}
	c.Session = emptyBytes(c.Session)
	c.CreatedAt, c.ExpiresAt = Timestamp(c.CreatedAt), Timestamp(c.ExpiresAt)
	return o.insert(ctx, "create passkey ceremony "+c.ID, passkeyCeremonies.insert,
		c.ID, c.PersonID, blob(c.Session), o.d.Time(c.CreatedAt), o.d.Time(c.ExpiresAt))
}

func (o ops) GetPasskeyCeremony(ctx context.Context, id string) (store.PasskeyCeremony, error) {
	c, err := one(o.q.QueryRowContext(ctx, passkeyCeremonies.get, id), scanPasskeyCeremony)
	if err != nil {
		return store.PasskeyCeremony{}, notFound("get passkey ceremony "+id, err)
	}
	return c, nil
}

func (o ops) DeletePasskeyCeremony(ctx context.Context, id string) (bool, error) {
	res, err := o.q.ExecContext(ctx, deletePasskeyCeremony, id)
	if err != nil {
		return false, fmt.Errorf("delete passkey ceremony %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("delete passkey ceremony %s: %w", id, err)
	}
	return n > 0, nil
}

func (o ops) DeleteExpiredAppLogins(ctx context.Context, t time.Time) (int, error) {
	at := o.d.Time(Timestamp(t))
	total := 0
	for _, q := range []string{deleteExpiredQR, deleteExpiredCeremonies} {
		res, err := o.q.ExecContext(ctx, q, at)
		if err != nil {
			return 0, fmt.Errorf("delete expired app logins: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("delete expired app logins: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// The Store's own app-login methods: reads on the read pool,
// single-statement writes on the write pool, Update methods in a
// transaction.

// CreateQRChallenge implements [store.AppLoginTx].
func (db *DB) CreateQRChallenge(ctx context.Context, c store.QRChallenge) error {
	return db.writer().CreateQRChallenge(ctx, c)
}

// GetQRChallenge implements [store.AppLoginTx].
func (db *DB) GetQRChallenge(ctx context.Context, id string) (store.QRChallenge, error) {
	return db.reader().GetQRChallenge(ctx, id)
}

// UpdateQRChallenge implements [store.AppLoginTx].
func (db *DB) UpdateQRChallenge(ctx context.Context, id string, fn func(*store.QRChallenge) error) (store.QRChallenge, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.QRChallenge, error) { return tx.UpdateQRChallenge(ctx, id, fn) })
}

// CreatePasskeyCeremony implements [store.AppLoginTx].
func (db *DB) CreatePasskeyCeremony(ctx context.Context, c store.PasskeyCeremony) error {
	return db.writer().CreatePasskeyCeremony(ctx, c)
}

// GetPasskeyCeremony implements [store.AppLoginTx].
func (db *DB) GetPasskeyCeremony(ctx context.Context, id string) (store.PasskeyCeremony, error) {
	return db.reader().GetPasskeyCeremony(ctx, id)
}

// DeletePasskeyCeremony implements [store.AppLoginTx].
func (db *DB) DeletePasskeyCeremony(ctx context.Context, id string) (bool, error) {
	return db.writer().DeletePasskeyCeremony(ctx, id)
}

// DeleteExpiredAppLogins implements [store.AppLoginTx].
func (db *DB) DeleteExpiredAppLogins(ctx context.Context, t time.Time) (int, error) {
	return inTx(ctx, db, func(tx store.Tx) (int, error) { return tx.DeleteExpiredAppLogins(ctx, t) })
}
