package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// The account side ([store.AccountTx]), on the same patterns as the
// certificate side: one column list per table (see [table]), creates that
// turn a taken unique key into ErrConflict without failing a statement,
// and Update methods that lock the row, check, and write back.
//
// Error messages name random IDs (codes, devices, reviews, clients) but
// never a person's identifier, a phone number, a session ID (the hash that
// finds a live session) nor a credential ID: they end up in logs.

// unchanged refuses an update that changes what identifies the row: its key,
// or its creation time (the same instant in another zone, or with digits
// below the microsecond, is no change).
func unchanged(key string, sameKey bool, created, old time.Time) error {
	switch {
	case !sameKey:
		return fmt.Errorf("the %s cannot change", key)
	case !Timestamp(created).Equal(old):
		return errors.New("CreatedAt cannot change")
	}
	return nil
}

// lockedRead returns the read of an Update method: the row t.get finds for
// key, locked (Dialect.LockRow) until the transaction ends.
func lockedRead[T any](ctx context.Context, o ops, what string, t *table, key any, scan func(scanner, *T) error) func() (T, error) {
	return func() (T, error) {
		v, err := one(o.q.QueryRowContext(ctx, t.get+o.d.LockRow, key), scan)
		if err != nil {
			return v, notFound(what, err)
		}
		return v, nil
	}
}

// writeJSON is [ops.write] for a model whose arguments include JSON: args
// builds them, and returns the encoder's error.
func writeJSON[T any](ctx context.Context, o ops, what string, t *table, args func(*Dialect, *T) ([]any, error), old, v *T) error {
	oldArgs, err := args(o.d, old)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	newArgs, err := args(o.d, v)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.write(ctx, what, t, oldArgs, newArgs)
}

// Accounts.

var accounts = newTable("accounts",
	[]string{"person_id", "level", "registered_via", "mobile", "email", "lang", "created_at", "updated_at",
		"password_hash", "password_failures", "password_locked_at"},
	[]string{"created_at"},
	[]string{"mobile"})

func normAccount(a *store.Account) {
	for _, t := range []*time.Time{&a.CreatedAt, &a.UpdatedAt, &a.PasswordLockedAt} {
		*t = Timestamp(*t)
	}
}

func accountArgs(d *Dialect, a *store.Account) []any {
	return []any{
		a.PersonID, a.Level, a.RegisteredVia, a.Mobile, a.Email, a.Lang, d.Time(a.CreatedAt), d.Time(a.UpdatedAt),
		a.PasswordHash, a.PasswordFailures, optTime(d, a.PasswordLockedAt),
	}
}

func scanAccount(r scanner, a *store.Account) error {
	return r.Scan(
		&a.PersonID, &a.Level, &a.RegisteredVia, &a.Mobile, &a.Email, &a.Lang, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt},
		&a.PasswordHash, &a.PasswordFailures, timeCol{&a.PasswordLockedAt},
	)
}

func (o ops) CreateAccount(ctx context.Context, a store.Account) error {
	if a.PersonID == "" {
		return errors.New("create account: no person")
	}
	normAccount(&a)
	// A conflict is either key, the person or the mobile: the insert does
	// nothing on both.
	return o.insert(ctx, "create account", accounts.insert, accountArgs(o.d, &a)...)
}

func (o ops) GetAccount(ctx context.Context, personID string) (store.Account, error) {
	a, err := one(o.q.QueryRowContext(ctx, accounts.get, personID), scanAccount)
	if err != nil {
		return store.Account{}, notFound("get account", err)
	}
	return a, nil
}

// The second term repeats the predicate of the partial unique index, which
// neither database would use otherwise; it also makes "" match no account.
var (
	selectAccountByMobile = static(accounts.from + " WHERE mobile = $1 AND mobile <> ''")
	mobileTaken           = static("SELECT 1 FROM accounts WHERE mobile = $1 AND mobile <> ''")
)

func (o ops) GetAccountByMobile(ctx context.Context, mobile string) (store.Account, error) {
	a, err := one(o.q.QueryRowContext(ctx, selectAccountByMobile, mobile), scanAccount)
	if err != nil {
		return store.Account{}, notFound("get account by mobile", err)
	}
	return a, nil
}

func (o ops) UpdateAccount(ctx context.Context, personID string, fn func(*store.Account) error) (store.Account, error) {
	const what = "update account"
	return modify(what, lockedRead(ctx, o, what, accounts, personID, scanAccount), fn,
		func(old, a *store.Account) error {
			if err := unchanged("person", a.PersonID == old.PersonID, a.CreatedAt, old.CreatedAt); err != nil {
				return err
			}
			if a.Mobile != old.Mobile && a.Mobile != "" {
				return o.vacant(ctx, "mobile", mobileTaken, a.Mobile)
			}
			return nil
		},
		func(old, a *store.Account) error {
			normAccount(a)
			return o.write(ctx, what, accounts, accountArgs(o.d, old), accountArgs(o.d, a))
		},
	)
}

// One-time codes.

var codes = newTable("one_time_codes",
	[]string{"id", "person_id", "purpose", "code_hash", "channel", "destination", "created_at", "expires_at",
		"failures", "used_at"},
	[]string{"created_at"},
	[]string{"person_id", "purpose", "created_at", "id"})

func normCode(c *store.OneTimeCode) {
	for _, t := range []*time.Time{&c.CreatedAt, &c.ExpiresAt, &c.UsedAt} {
		*t = Timestamp(*t)
	}
}

func codeArgs(d *Dialect, c *store.OneTimeCode) []any {
	return []any{
		c.ID, c.PersonID, c.Purpose, c.CodeHash, c.Channel, c.Destination, d.Time(c.CreatedAt), d.Time(c.ExpiresAt),
		c.Failures, optTime(d, c.UsedAt),
	}
}

func scanCode(r scanner, c *store.OneTimeCode) error {
	return r.Scan(
		&c.ID, &c.PersonID, &c.Purpose, &c.CodeHash, &c.Channel, &c.Destination, timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt},
		&c.Failures, timeCol{&c.UsedAt},
	)
}

func (o ops) CreateCode(ctx context.Context, c store.OneTimeCode) error {
	if c.ID == "" {
		return errors.New("create code: no ID")
	}
	normCode(&c)
	return o.insert(ctx, "create code "+c.ID, codes.insert, codeArgs(o.d, &c)...)
}

func (o ops) GetCode(ctx context.Context, id string) (store.OneTimeCode, error) {
	c, err := one(o.q.QueryRowContext(ctx, codes.get, id), scanCode)
	if err != nil {
		return store.OneTimeCode{}, notFound("get code "+id, err)
	}
	return c, nil
}

// Filter bits of listCodes.
const (
	codesByPerson = 1 << iota
	codesByPurpose
	codesSince
)

// listCodes[m] lists codes with the filters whose bits are set in m, in
// that order, then the limit. A login lists a person's recent codes: every
// combination is a statement of its own, prepared like the fixed ones,
// rather than one built per call that SQLite would parse every time.
var listCodes = func() (qs [1 << 3]string) {
	for m := range qs {
		var w where
		if m&codesByPerson != 0 {
			w.add("person_id = " + w.arg(nil))
		}
		if m&codesByPurpose != 0 {
			w.add("purpose = " + w.arg(nil))
		}
		if m&codesSince != 0 {
			w.add("created_at >= " + w.arg(nil))
		}
		qs[m] = static(codes.from + w.String() + " ORDER BY created_at DESC, id DESC LIMIT " + w.arg(nil))
	}
	return qs
}()

func (o ops) ListCodes(ctx context.Context, f store.CodeFilter) ([]store.OneTimeCode, error) {
	m, args := 0, make([]any, 0, 4)
	if f.PersonID != "" {
		m |= codesByPerson
		args = append(args, f.PersonID)
	}
	if f.Purpose != "" {
		m |= codesByPurpose
		args = append(args, f.Purpose)
	}
	if !f.Since.IsZero() {
		m |= codesSince
		args = append(args, o.d.Time(Timestamp(f.Since)))
	}
	args = append(args, limitOr100(f.Limit))
	return list(ctx, o, "list codes", listCodes[m], args, scanCode)
}

func (o ops) UpdateCode(ctx context.Context, id string, fn func(*store.OneTimeCode) error) (store.OneTimeCode, error) {
	what := "update code " + id
	return modify(what, lockedRead(ctx, o, what, codes, id, scanCode), fn,
		func(old, c *store.OneTimeCode) error {
			return unchanged("ID", c.ID == old.ID, c.CreatedAt, old.CreatedAt)
		},
		func(old, c *store.OneTimeCode) error {
			normCode(c)
			return o.write(ctx, what, codes, codeArgs(o.d, old), codeArgs(o.d, c))
		},
	)
}

// Sessions.

var sessions = newTable("sessions",
	[]string{"id", "person_id", "acr", "amr", "created_at", "auth_time", "expires_at", "last_seen_at", "ip", "user_agent"},
	[]string{"created_at"},
	[]string{"expires_at"})

func normSession(s *store.Session) {
	for _, t := range []*time.Time{&s.CreatedAt, &s.AuthTime, &s.ExpiresAt, &s.LastSeenAt} {
		*t = Timestamp(*t)
	}
	if s.AMR == nil {
		s.AMR = []string{}
	}
}

func sessionArgs(d *Dialect, s *store.Session) ([]any, error) {
	amr, err := listArg(s.AMR)
	if err != nil {
		return nil, err
	}
	return []any{
		s.ID, s.PersonID, s.ACR, amr, d.Time(s.CreatedAt), optTime(d, s.AuthTime), d.Time(s.ExpiresAt),
		optTime(d, s.LastSeenAt), s.IP, s.UserAgent,
	}, nil
}

func scanSession(r scanner, s *store.Session) error {
	return r.Scan(
		&s.ID, &s.PersonID, &s.ACR, listCol{&s.AMR}, timeCol{&s.CreatedAt}, timeCol{&s.AuthTime}, timeCol{&s.ExpiresAt},
		timeCol{&s.LastSeenAt}, &s.IP, &s.UserAgent,
	)
}

func (o ops) CreateSession(ctx context.Context, s store.Session) error {
	const what = "create session"
	if s.ID == "" {
		return errors.New(what + ": no ID")
	}
	normSession(&s)
	args, err := sessionArgs(o.d, &s)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, sessions.insert, args...)
}

func (o ops) GetSession(ctx context.Context, id string) (store.Session, error) {
	s, err := one(o.q.QueryRowContext(ctx, sessions.get, id), scanSession)
	if err != nil {
		return store.Session{}, notFound("get session", err)
	}
	return s, nil
}

func (o ops) UpdateSession(ctx context.Context, id string, fn func(*store.Session) error) (store.Session, error) {
	const what = "update session"
	return modify(what, lockedRead(ctx, o, what, sessions, id, scanSession), fn,
		func(old, s *store.Session) error {
			return unchanged("ID", s.ID == old.ID, s.CreatedAt, old.CreatedAt)
		},
		func(old, s *store.Session) error {
			normSession(s)
			return writeJSON(ctx, o, what, sessions, sessionArgs, old, s)
		},
	)
}

var (
	deleteSession         = static("DELETE FROM sessions WHERE id = $1")
	deleteExpiredSessions = static("DELETE FROM sessions WHERE expires_at < $1")
	// The second term repeats the partial index's predicate (00010), so
	// both planners may use it.
	deletePersonSessions = static("DELETE FROM sessions WHERE person_id = $1 AND person_id <> ''")
)

func (o ops) DeleteSession(ctx context.Context, id string) error {
	if _, err := o.q.ExecContext(ctx, deleteSession, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (o ops) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := o.q.ExecContext(ctx, deleteExpiredSessions, o.d.Time(Timestamp(t)))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}

func (o ops) DeletePersonSessions(ctx context.Context, personID string) (int, error) {
	const what = "delete a person's sessions"
	if personID == "" {
		return 0, errors.New(what + ": no person")
	}
	res, err := o.q.ExecContext(ctx, deletePersonSessions, personID)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return int(n), nil
}

// Login events are only added and listed, so their statements are written
// out here: newTable would prepare UPDATEs that nothing runs.

const loginEventColumns = "id, person_id, method, acr, client_id, outcome, reason, ip, user_agent, at"

var (
	insertLoginEvent = static("INSERT INTO login_events (" + loginEventColumns + ") " +
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING")
	listLoginEvents = static("SELECT " + loginEventColumns + " FROM login_events WHERE person_id = $1 " +
		"ORDER BY at DESC, id DESC LIMIT $2")
)

func scanLoginEvent(r scanner, e *store.LoginEvent) error {
	return r.Scan(&e.ID, &e.PersonID, &e.Method, &e.ACR, &e.ClientID, &e.Outcome, &e.Reason, &e.IP, &e.UserAgent, timeCol{&e.At})
}

func (o ops) AddLoginEvent(ctx context.Context, e store.LoginEvent) error {
	if e.ID == "" {
		return errors.New("add login event: no ID")
	}
	return o.insert(ctx, "add login event "+e.ID, insertLoginEvent,
		e.ID, e.PersonID, e.Method, e.ACR, e.ClientID, e.Outcome, e.Reason, e.IP, e.UserAgent, o.d.Time(Timestamp(e.At)))
}

func (o ops) ListLoginEvents(ctx context.Context, personID string, limit int) ([]store.LoginEvent, error) {
	return list(ctx, o, "list login events", listLoginEvents, []any{personID, limitOr100(limit)}, scanLoginEvent)
}

// Devices.

var devices = newTable("devices",
	[]string{"id", "person_id", "name", "credential_id", "public_key", "sign_count", "aaguid", "created_at",
		"last_used_at", "disabled"},
	[]string{"created_at"},
	[]string{"person_id", "created_at", "id"}, []string{"credential_id"})

func normDevice(v *store.Device) {
	v.CredentialID, v.PublicKey, v.AAGUID = emptyBytes(v.CredentialID), emptyBytes(v.PublicKey), emptyBytes(v.AAGUID)
	v.CreatedAt, v.LastUsedAt = Timestamp(v.CreatedAt), Timestamp(v.LastUsedAt)
}

func deviceArgs(d *Dialect, v *store.Device) []any {
	return []any{
		v.ID, v.PersonID, v.Name, blob(v.CredentialID), blob(v.PublicKey), int64(v.SignCount), blob(v.AAGUID),
		d.Time(v.CreatedAt), optTime(d, v.LastUsedAt), v.Disabled,
	}
}

func scanDevice(r scanner, v *store.Device) error {
	return r.Scan(
		&v.ID, &v.PersonID, &v.Name, bytesCol{&v.CredentialID}, bytesCol{&v.PublicKey}, &v.SignCount, bytesCol{&v.AAGUID},
		timeCol{&v.CreatedAt}, timeCol{&v.LastUsedAt}, &v.Disabled,
	)
}

func (o ops) CreateDevice(ctx context.Context, v store.Device) error {
	switch {
	case v.ID == "":
		return errors.New("create device: no ID")
	case len(v.CredentialID) == 0:
		// Unique: a second empty one would be a conflict nobody meant.
		return errors.New("create device " + v.ID + ": no credential ID")
	}
	normDevice(&v)
	return o.insert(ctx, "create device "+v.ID, devices.insert, deviceArgs(o.d, &v)...)
}

var (
	selectDeviceByCredential = static(devices.from + " WHERE credential_id = $1")
	credentialTaken          = static("SELECT 1 FROM devices WHERE credential_id = $1")
	listDevices              = static(devices.from + " WHERE person_id = $1 ORDER BY created_at, id")
)

func (o ops) GetDeviceByCredential(ctx context.Context, credentialID []byte) (store.Device, error) {
	// An empty ID binds NULL, which matches no device.
	v, err := one(o.q.QueryRowContext(ctx, selectDeviceByCredential, emptyBytes(credentialID)), scanDevice)
	if err != nil {
		return store.Device{}, notFound("get device by credential", err)
	}
	return v, nil
}

func (o ops) ListDevices(ctx context.Context, personID string) ([]store.Device, error) {
	return list(ctx, o, "list devices", listDevices, []any{personID}, scanDevice)
}

func (o ops) UpdateDevice(ctx context.Context, id string, fn func(*store.Device) error) (store.Device, error) {
	what := "update device " + id
	return modify(what, lockedRead(ctx, o, what, devices, id, scanDevice), fn,
		func(old, v *store.Device) error {
			if err := unchanged("ID", v.ID == old.ID, v.CreatedAt, old.CreatedAt); err != nil {
				return err
			}
			switch {
			case len(v.CredentialID) == 0:
				return errors.New("no credential ID")
			case string(v.CredentialID) != string(old.CredentialID):
				return o.vacant(ctx, "credential ID", credentialTaken, v.CredentialID)
			}
			return nil
		},
		func(old, v *store.Device) error {
			normDevice(v)
			return o.write(ctx, what, devices, deviceArgs(o.d, old), deviceArgs(o.d, v))
		},
	)
}

// Video reviews.

var videoReviews = newTable("video_reviews",
	[]string{"id", "person_id", "state", "evidence", "created_at", "decided_at", "operator_id", "refusal_reason", "submitted_at"},
	[]string{"created_at"},
	[]string{"state", "created_at", "id"},
	[]string{"state", "submitted_at", "id"})

func normVideoReview(v *store.VideoReview) {
	v.CreatedAt, v.DecidedAt, v.SubmittedAt = Timestamp(v.CreatedAt), Timestamp(v.DecidedAt), Timestamp(v.SubmittedAt)
	if v.Evidence == nil {
		v.Evidence = []string{}
	}
}

func videoReviewArgs(d *Dialect, v *store.VideoReview) ([]any, error) {
	evidence, err := listArg(v.Evidence)
	if err != nil {
		return nil, err
	}
	return []any{
		v.ID, v.PersonID, v.State, evidence, d.Time(v.CreatedAt), optTime(d, v.DecidedAt), v.OperatorID, v.RefusalReason,
		optTime(d, v.SubmittedAt),
	}, nil
}

func scanVideoReview(r scanner, v *store.VideoReview) error {
	return r.Scan(
		&v.ID, &v.PersonID, &v.State, listCol{&v.Evidence}, timeCol{&v.CreatedAt}, timeCol{&v.DecidedAt}, &v.OperatorID, &v.RefusalReason,
		timeCol{&v.SubmittedAt},
	)
}

func (o ops) CreateVideoReview(ctx context.Context, v store.VideoReview) error {
	if v.ID == "" {
		return errors.New("create video review: no ID")
	}
	what := "create video review " + v.ID
	normVideoReview(&v)
	args, err := videoReviewArgs(o.d, &v)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, videoReviews.insert, args...)
}

func (o ops) GetVideoReview(ctx context.Context, id string) (store.VideoReview, error) {
	v, err := one(o.q.QueryRowContext(ctx, videoReviews.get, id), scanVideoReview)
	if err != nil {
		return store.VideoReview{}, notFound("get video review "+id, err)
	}
	return v, nil
}

// The review queue in one state reads the index video_reviews_queued in
// order: first come (into the queue), first served, a review never queued
// counting from its creation. Every state at once is a sort, of a table
// that stays small.
var (
	listVideoReviews        = static(videoReviews.from + " ORDER BY COALESCE(submitted_at, created_at), id LIMIT $1")
	listVideoReviewsInState = static(videoReviews.from + " WHERE state = $1 ORDER BY COALESCE(submitted_at, created_at), id LIMIT $2")
)

func (o ops) ListVideoReviews(ctx context.Context, state string, limit int) ([]store.VideoReview, error) {
	if state == "" {
		return list(ctx, o, "list video reviews", listVideoReviews, []any{limitOr100(limit)}, scanVideoReview)
	}
	return list(ctx, o, "list video reviews", listVideoReviewsInState, []any{state, limitOr100(limit)}, scanVideoReview)
}

func (o ops) UpdateVideoReview(ctx context.Context, id string, fn func(*store.VideoReview) error) (store.VideoReview, error) {
	what := "update video review " + id
	return modify(what, lockedRead(ctx, o, what, videoReviews, id, scanVideoReview), fn,
		func(old, v *store.VideoReview) error {
			return unchanged("ID", v.ID == old.ID, v.CreatedAt, old.CreatedAt)
		},
		func(old, v *store.VideoReview) error {
			normVideoReview(v)
			return writeJSON(ctx, o, what, videoReviews, videoReviewArgs, old, v)
		},
	)
}

// Relying-party clients.

var clients = newTable("clients",
	[]string{"id", "secret_hash", "name", "redirect_uris", "min_acr", "methods", "procedures", "created_at"},
	[]string{"created_at"})

func normClient(c *store.Client) {
	c.CreatedAt = Timestamp(c.CreatedAt)
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{}
	}
	if c.Methods == nil {
		c.Methods = []string{}
	}
	if c.Procedures == nil {
		c.Procedures = []store.Procedure{}
	}
}

func clientArgs(d *Dialect, c *store.Client) ([]any, error) {
	uris, err := listArg(c.RedirectURIs)
	if err != nil {
		return nil, err
	}
	methods, err := listArg(c.Methods)
	if err != nil {
		return nil, err
	}
	procs, err := proceduresArg(c.Procedures)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.SecretHash, c.Name, uris, c.MinACR, methods, procs, d.Time(c.CreatedAt)}, nil
}

func scanClient(r scanner, c *store.Client) error {
	return r.Scan(&c.ID, &c.SecretHash, &c.Name, listCol{&c.RedirectURIs}, &c.MinACR, listCol{&c.Methods},
		proceduresCol{&c.Procedures}, timeCol{&c.CreatedAt})
}

func (o ops) CreateClient(ctx context.Context, c store.Client) error {
	if c.ID == "" {
		return errors.New("create client: no ID")
	}
	what := "create client " + c.ID
	normClient(&c)
	args, err := clientArgs(o.d, &c)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, clients.insert, args...)
}

func (o ops) GetClient(ctx context.Context, id string) (store.Client, error) {
	c, err := one(o.q.QueryRowContext(ctx, clients.get, id), scanClient)
	if err != nil {
		return store.Client{}, notFound("get client "+id, err)
	}
	return c, nil
}

var listClients = static(clients.from + " ORDER BY id")

func (o ops) ListClients(ctx context.Context) ([]store.Client, error) {
	return list(ctx, o, "list clients", listClients, nil, scanClient)
}

func (o ops) UpdateClient(ctx context.Context, id string, fn func(*store.Client) error) (store.Client, error) {
	what := "update client " + id
	return modify(what, lockedRead(ctx, o, what, clients, id, scanClient), fn,
		func(old, c *store.Client) error {
			return unchanged("ID", c.ID == old.ID, c.CreatedAt, old.CreatedAt)
		},
		func(old, c *store.Client) error {
			normClient(c)
			return writeJSON(ctx, o, what, clients, clientArgs, old, c)
		},
	)
}

// The Store's own account-side methods: reads on the read pool, writes of
// one statement on the write pool without a transaction, Update methods in
// one (see the certificate side's).

// CreateAccount implements [store.AccountTx].
func (db *DB) CreateAccount(ctx context.Context, a store.Account) error {
	return db.writer().CreateAccount(ctx, a)
}

// GetAccount implements [store.AccountTx].
func (db *DB) GetAccount(ctx context.Context, personID string) (store.Account, error) {
	return db.reader().GetAccount(ctx, personID)
}

// GetAccountByMobile implements [store.AccountTx].
func (db *DB) GetAccountByMobile(ctx context.Context, mobile string) (store.Account, error) {
	return db.reader().GetAccountByMobile(ctx, mobile)
}

// UpdateAccount implements [store.AccountTx].
func (db *DB) UpdateAccount(ctx context.Context, personID string, fn func(*store.Account) error) (store.Account, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Account, error) { return tx.UpdateAccount(ctx, personID, fn) })
}

// CreateCode implements [store.AccountTx].
func (db *DB) CreateCode(ctx context.Context, c store.OneTimeCode) error {
	return db.writer().CreateCode(ctx, c)
}

// GetCode implements [store.AccountTx].
func (db *DB) GetCode(ctx context.Context, id string) (store.OneTimeCode, error) {
	return db.reader().GetCode(ctx, id)
}

// ListCodes implements [store.AccountTx].
func (db *DB) ListCodes(ctx context.Context, f store.CodeFilter) ([]store.OneTimeCode, error) {
	return db.reader().ListCodes(ctx, f)
}

// UpdateCode implements [store.AccountTx].
func (db *DB) UpdateCode(ctx context.Context, id string, fn func(*store.OneTimeCode) error) (store.OneTimeCode, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.OneTimeCode, error) { return tx.UpdateCode(ctx, id, fn) })
}

// CreateSession implements [store.AccountTx].
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	return db.writer().CreateSession(ctx, s)
}

// GetSession implements [store.AccountTx].
func (db *DB) GetSession(ctx context.Context, id string) (store.Session, error) {
	return db.reader().GetSession(ctx, id)
}

// UpdateSession implements [store.AccountTx].
func (db *DB) UpdateSession(ctx context.Context, id string, fn func(*store.Session) error) (store.Session, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Session, error) { return tx.UpdateSession(ctx, id, fn) })
}

// DeleteSession implements [store.AccountTx].
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	return db.writer().DeleteSession(ctx, id)
}

// DeleteExpiredSessions implements [store.AccountTx].
func (db *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	return db.writer().DeleteExpiredSessions(ctx, t)
}

// DeletePersonSessions implements [store.AccountTx].
func (db *DB) DeletePersonSessions(ctx context.Context, personID string) (int, error) {
	return db.writer().DeletePersonSessions(ctx, personID)
}

// AddLoginEvent implements [store.AccountTx].
func (db *DB) AddLoginEvent(ctx context.Context, e store.LoginEvent) error {
	return db.writer().AddLoginEvent(ctx, e)
}

// ListLoginEvents implements [store.AccountTx].
func (db *DB) ListLoginEvents(ctx context.Context, personID string, limit int) ([]store.LoginEvent, error) {
	return db.reader().ListLoginEvents(ctx, personID, limit)
}

// CreateDevice implements [store.AccountTx].
func (db *DB) CreateDevice(ctx context.Context, d store.Device) error {
	return db.writer().CreateDevice(ctx, d)
}

// GetDeviceByCredential implements [store.AccountTx].
func (db *DB) GetDeviceByCredential(ctx context.Context, credentialID []byte) (store.Device, error) {
	return db.reader().GetDeviceByCredential(ctx, credentialID)
}

// ListDevices implements [store.AccountTx].
func (db *DB) ListDevices(ctx context.Context, personID string) ([]store.Device, error) {
	return db.reader().ListDevices(ctx, personID)
}

// UpdateDevice implements [store.AccountTx].
func (db *DB) UpdateDevice(ctx context.Context, id string, fn func(*store.Device) error) (store.Device, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Device, error) { return tx.UpdateDevice(ctx, id, fn) })
}

// CreateVideoReview implements [store.AccountTx].
func (db *DB) CreateVideoReview(ctx context.Context, v store.VideoReview) error {
	return db.writer().CreateVideoReview(ctx, v)
}

// GetVideoReview implements [store.AccountTx].
func (db *DB) GetVideoReview(ctx context.Context, id string) (store.VideoReview, error) {
	return db.reader().GetVideoReview(ctx, id)
}

// ListVideoReviews implements [store.AccountTx].
func (db *DB) ListVideoReviews(ctx context.Context, state string, limit int) ([]store.VideoReview, error) {
	return db.reader().ListVideoReviews(ctx, state, limit)
}

// UpdateVideoReview implements [store.AccountTx].
func (db *DB) UpdateVideoReview(ctx context.Context, id string, fn func(*store.VideoReview) error) (store.VideoReview, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.VideoReview, error) { return tx.UpdateVideoReview(ctx, id, fn) })
}

// CreateClient implements [store.AccountTx].
func (db *DB) CreateClient(ctx context.Context, c store.Client) error {
	return db.writer().CreateClient(ctx, c)
}

// GetClient implements [store.AccountTx].
func (db *DB) GetClient(ctx context.Context, id string) (store.Client, error) {
	return db.reader().GetClient(ctx, id)
}

// ListClients implements [store.AccountTx].
func (db *DB) ListClients(ctx context.Context) ([]store.Client, error) {
	return db.reader().ListClients(ctx)
}

// UpdateClient implements [store.AccountTx].
func (db *DB) UpdateClient(ctx context.Context, id string, fn func(*store.Client) error) (store.Client, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Client, error) { return tx.UpdateClient(ctx, id, fn) })
}
