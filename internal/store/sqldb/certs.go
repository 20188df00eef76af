package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// where builds the WHERE clause and arguments of a List method.
type where struct {
	terms []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(term string) { w.terms = append(w.terms, term) }

func (w *where) String() string {
	if len(w.terms) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.terms, " AND ")
}

func limitOr100(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return n
}

// one scans the row r with scan.
func one[T any](r scanner, scan func(scanner, *T) error) (T, error) {
	var v T
	err := scan(r, &v)
	return v, err
}

// list runs q and scans every row with scan. The CRL lists 100 000 rows:
// each is scanned in place, and into chunks joined once at the end, since
// growing one slice by append copied it over and over (more than half of
// what the listing allocated).
func list[T any](ctx context.Context, o ops, what, q string, args []any, scan func(scanner, *T) error) ([]T, error) {
	rows, err := o.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var full [][]T
	var cur []T
	for rows.Next() {
		if len(cur) == cap(cur) {
			if cur != nil {
				full = append(full, cur)
			}
			cur = make([]T, 0, min(max(2*cap(cur), 16), 4096))
		}
		cur = cur[:len(cur)+1]
		if err := scan(rows, &cur[len(cur)-1]); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if full == nil {
		return cur, nil
	}
	return slices.Concat(append(full, cur)...), nil
}

// insert runs a table's insert and turns "nothing inserted" into
// ErrConflict.
func (o ops) insert(ctx context.Context, what, q string, args ...any) error {
	res, err := o.q.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return nil
}

// write runs an Update method's UPDATE of the row whose bind arguments
// were old, and are now args. The methods check the unique keys first,
// which keeps a PostgreSQL transaction usable after ErrConflict; a row
// another transaction commits in between still fails the UPDATE, and is
// reported as the same ErrConflict.
func (o ops) write(ctx context.Context, what string, t *table, old, args []any) error {
	q, args := t.update(old, args)
	res, err := o.q.ExecContext(ctx, q, args...)
	if isUniqueViolation(err) {
		return fmt.Errorf("%s: %w (%w)", what, store.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// The row was read under lock in this transaction: it cannot
		// have gone.
		return fmt.Errorf("%s: updated %d rows (%v)", what, n, err)
	}
	return nil
}

// isUniqueViolation recognises each driver's unique-key error without
// importing either driver: pgconn.PgError has SQLState, modernc's
// sqlite.Error has Code (extended result codes are on).
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "23505" // unique_violation
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		c := lite.Code()
		return c == 2067 || c == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return false
}

// exists reports whether q finds a row.
func (o ops) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	err := o.q.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// modify is the read-modify-write of every Update method. read must lock
// the row (Dialect.LockRow) so that two updates cannot both read the old
// value; check refuses changes to what identifies the row; write stores
// the result, which is returned as a read would return it.
func modify[T any](what string, read func() (T, error), fn func(*T) error, check func(old, v *T) error, write func(old, v *T) error) (T, error) {
	var zero T
	old, err := read()
	if err != nil {
		return zero, err
	}
	v := old
	if err := fn(&v); err != nil {
		return zero, err
	}
	if err := check(&old, &v); err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	if err := write(&old, &v); err != nil {
		return zero, err
	}
	return v, nil
}

func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Applications.

var applications = newTable("applications",
	[]string{"id", "code_hash", "person_id", "email", "lang", "public_key", "key_fingerprint", "state", "renewal_of",
		"created_at", "expires_at", "reminded7_at", "reminded1_at", "decided_at", "office_id", "operator_id",
		"refusal_code", "document_type", "document_number", "document_expiry", "cert_serial", "downloaded_at"},
	[]string{"created_at"},
	[]string{"code_hash"}, []string{"person_id", "created_at"}, []string{"state", "expires_at"},
	// applications_downloaded (00011), partial on downloaded_at.
	[]string{"downloaded_at", "cert_serial"})

// normApplication gives a the form a read returns.
func normApplication(a *store.Application) {
	a.PublicKey = emptyBytes(a.PublicKey)
	for _, t := range []*time.Time{&a.CreatedAt, &a.ExpiresAt, &a.Reminded7At, &a.Reminded1At, &a.DecidedAt, &a.DownloadedAt} {
		*t = Timestamp(*t)
	}
	a.DocumentExpiry = Date(a.DocumentExpiry)
}

func applicationArgs(d *Dialect, a *store.Application) []any {
	return []any{
		a.ID, a.CodeHash, a.PersonID, a.Email, a.Lang, blob(a.PublicKey), a.KeyFingerprint, a.State, a.RenewalOf,
		d.Time(a.CreatedAt), d.Time(a.ExpiresAt), optTime(d, a.Reminded7At), optTime(d, a.Reminded1At), optTime(d, a.DecidedAt),
		a.OfficeID, a.OperatorID, a.RefusalCode, a.DocumentType, a.DocumentNumber, dateArg(d, a.DocumentExpiry),
		a.CertSerial, optTime(d, a.DownloadedAt),
	}
}

func scanApplication(r scanner, a *store.Application) error {
	return r.Scan(
		&a.ID, &a.CodeHash, &a.PersonID, &a.Email, &a.Lang, bytesCol{&a.PublicKey}, &a.KeyFingerprint, &a.State, &a.RenewalOf,
		timeCol{&a.CreatedAt}, timeCol{&a.ExpiresAt}, timeCol{&a.Reminded7At}, timeCol{&a.Reminded1At}, timeCol{&a.DecidedAt},
		&a.OfficeID, &a.OperatorID, &a.RefusalCode, &a.DocumentType, &a.DocumentNumber, dateCol{&a.DocumentExpiry},
		&a.CertSerial, timeCol{&a.DownloadedAt},
	)
}

func (o ops) CreateApplication(ctx context.Context, a store.Application) error {
	switch {
	case a.ID == "":
		return errors.New("create application: no ID")
	case a.CodeHash == "":
		// Unique: a second empty hash would be a conflict nobody meant.
		return errors.New("create application: no code hash")
	}
	normApplication(&a)
	// The message names the ID, never the code hash (a short code's hash
	// is easily reversed) nor the person.
	return o.insert(ctx, "create application "+a.ID, applications.insert, applicationArgs(o.d, &a)...)
}

func (o ops) GetApplication(ctx context.Context, id string) (store.Application, error) {
	a, err := one(o.q.QueryRowContext(ctx, applications.get, id), scanApplication)
	if err != nil {
		return store.Application{}, notFound("get application "+id, err)
	}
	return a, nil
}

var selectApplicationByCode = static(applications.from + " WHERE code_hash = $1")

func (o ops) GetApplicationByCode(ctx context.Context, codeHash string) (store.Application, error) {
	a, err := one(o.q.QueryRowContext(ctx, selectApplicationByCode, codeHash), scanApplication)
	if err != nil {
		return store.Application{}, notFound("get application by code", err)
	}
	return a, nil
}

func (o ops) ListApplications(ctx context.Context, f store.ApplicationFilter) ([]store.Application, error) {
	var w where
	if f.PersonID != "" {
		w.add("person_id = " + w.arg(f.PersonID))
	}
	if f.KeyFingerprint != "" {
		w.add("key_fingerprint = " + w.arg(f.KeyFingerprint))
	}
	if f.State != "" {
		w.add("state = " + w.arg(f.State))
	}
	if !f.ExpiresBefore.IsZero() {
		w.add("expires_at < " + w.arg(o.d.Time(Timestamp(f.ExpiresBefore))))
	}
	q := applications.from + w.String() + " ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limitOr100(f.Limit))
	return list(ctx, o, "list applications", q, w.args, scanApplication)
}

var codeHashTaken = static("SELECT 1 FROM applications WHERE code_hash = $1")

func (o ops) UpdateApplication(ctx context.Context, id string, fn func(*store.Application) error) (store.Application, error) {
	what := "update application " + id
	return modify(what,
		func() (store.Application, error) {
			a, err := one(o.q.QueryRowContext(ctx, applications.get+o.d.LockRow, id), scanApplication)
			if err != nil {
				return a, notFound(what, err)
			}
			return a, nil
		},
		fn,
		func(old, a *store.Application) error {
			switch {
			case a.ID != old.ID:
				return errors.New("the ID cannot change")
			case !Timestamp(a.CreatedAt).Equal(old.CreatedAt):
				return errors.New("CreatedAt cannot change")
			case a.CodeHash == "":
				return errors.New("no code hash")
			case a.CodeHash != old.CodeHash:
				return o.vacant(ctx, "code hash", codeHashTaken, a.CodeHash)
			}
			return nil
		},
		func(old, a *store.Application) error {
			normApplication(a)
			return o.write(ctx, what, applications, applicationArgs(o.d, old), applicationArgs(o.d, a))
		},
	)
}

// vacant returns ErrConflict if q finds a row: a unique key an Update is
// about to take is someone else's.
func (o ops) vacant(ctx context.Context, key, q string, args ...any) error {
	taken, err := o.exists(ctx, q, args...)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("%s taken: %w", key, store.ErrConflict)
	}
	return nil
}

// Certificates.

var certificates = newTable("certificates",
	[]string{"serial", "kind", "person_id", "application_id", "der", "not_before", "not_after", "created_at",
		"revoked_at", "revocation_reason", "renewed_by", "backup_confirmed_at"},
	[]string{"created_at"},
	[]string{"person_id", "not_before"},
	// certificates_revoked covers the table but for der.
	[]string{"not_before", "kind", "person_id", "application_id", "not_after", "revoked_at", "revocation_reason", "renewed_by"})

func normCertificate(c *store.Certificate) {
	c.DER = emptyBytes(c.DER)
	for _, t := range []*time.Time{&c.NotBefore, &c.NotAfter, &c.CreatedAt, &c.RevokedAt, &c.BackupConfirmedAt} {
		*t = Timestamp(*t)
	}
}

func certificateArgs(d *Dialect, c *store.Certificate) []any {
	return []any{
		c.Serial, c.Kind, c.PersonID, optText(c.ApplicationID), blob(c.DER),
		d.Time(c.NotBefore), d.Time(c.NotAfter), d.Time(c.CreatedAt),
		optTime(d, c.RevokedAt), c.RevocationReason, c.RenewedBy, optTime(d, c.BackupConfirmedAt),
	}
}

func scanCertificate(r scanner, c *store.Certificate) error {
	return r.Scan(
		&c.Serial, &c.Kind, &c.PersonID, textCol{&c.ApplicationID}, bytesCol{&c.DER},
		timeCol{&c.NotBefore}, timeCol{&c.NotAfter}, timeCol{&c.CreatedAt},
		timeCol{&c.RevokedAt}, &c.RevocationReason, &c.RenewedBy, timeCol{&c.BackupConfirmedAt},
	)
}

func (o ops) CreateCertificate(ctx context.Context, c store.Certificate) error {
	if c.Serial == "" {
		return errors.New("create certificate: no serial")
	}
	normCertificate(&c)
	return o.insert(ctx, "create certificate "+c.Serial, certificates.insert, certificateArgs(o.d, &c)...)
}

func (o ops) GetCertificate(ctx context.Context, serial string) (store.Certificate, error) {
	c, err := one(o.q.QueryRowContext(ctx, certificates.get, serial), scanCertificate)
	if err != nil {
		return store.Certificate{}, notFound("get certificate "+serial, err)
	}
	return c, nil
}

// selectCertificatesNoDER reads NULL for the DER and the backup
// confirmation, which leaves out the only columns the covering index
// certificates_revoked lacks: the CRL's listing then never reads the table.
var selectCertificatesNoDER = func() string {
	cols := slices.Clone(certificates.cols)
	cols[slices.Index(cols, "der")] = "NULL"
	cols[slices.Index(cols, "backup_confirmed_at")] = "NULL"
	return "SELECT " + strings.Join(cols, ", ") + " FROM certificates"
}()

func (o ops) ListCertificates(ctx context.Context, f store.CertificateFilter) ([]store.Certificate, error) {
	var w where
	if f.PersonID != "" {
		w.add("person_id = " + w.arg(f.PersonID))
	}
	if f.Kind != "" {
		w.add("kind = " + w.arg(f.Kind))
	}
	if f.Revoked {
		// Word for word the predicate of the partial index
		// certificates_revoked: SQLite uses a partial index only when the
		// query repeats its WHERE term.
		w.add("revoked_at IS NOT NULL")
	}
	from := certificates.from
	if f.OmitDER {
		from = selectCertificatesNoDER
	}
	q := from + w.String() + " ORDER BY not_before DESC, serial DESC LIMIT " + w.arg(limitOr100(f.Limit))
	return list(ctx, o, "list certificates", q, w.args, scanCertificate)
}

func (o ops) UpdateCertificate(ctx context.Context, serial string, fn func(*store.Certificate) error) (store.Certificate, error) {
	what := "update certificate " + serial
	return modify(what,
		func() (store.Certificate, error) {
			c, err := one(o.q.QueryRowContext(ctx, certificates.get+o.d.LockRow, serial), scanCertificate)
			if err != nil {
				return c, notFound(what, err)
			}
			return c, nil
		},
		fn,
		func(old, c *store.Certificate) error {
			switch {
			case c.Serial != old.Serial:
				return errors.New("the serial cannot change")
			case !Timestamp(c.CreatedAt).Equal(old.CreatedAt):
				return errors.New("CreatedAt cannot change")
			}
			return nil
		},
		func(old, c *store.Certificate) error {
			normCertificate(c)
			return o.write(ctx, what, certificates, certificateArgs(o.d, old), certificateArgs(o.d, c))
		},
	)
}

// Offices and operators.

var offices = newTable("offices",
	[]string{"id", "name", "address", "city", "postal_code", "province", "hours", "handles", "created_at"},
	[]string{"created_at"})

func scanOffice(r scanner, f *store.Office) error {
	return r.Scan(&f.ID, &f.Name, &f.Address, &f.City, &f.PostalCode, &f.Province, &f.Hours, listCol{&f.Handles}, timeCol{&f.CreatedAt})
}

func (o ops) CreateOffice(ctx context.Context, f store.Office) error {
	if f.ID == "" {
		return errors.New("create office: no ID")
	}
	what := "create office " + f.ID
	handles, err := listArg(f.Handles)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return o.insert(ctx, what, offices.insert,
		f.ID, f.Name, f.Address, f.City, f.PostalCode, f.Province, f.Hours, handles, o.d.Time(Timestamp(f.CreatedAt)))
}

func (o ops) GetOffice(ctx context.Context, id string) (store.Office, error) {
	f, err := one(o.q.QueryRowContext(ctx, offices.get, id), scanOffice)
	if err != nil {
		return store.Office{}, notFound("get office "+id, err)
	}
	return f, nil
}

var listOffices = static(offices.from + " ORDER BY id")

func (o ops) ListOffices(ctx context.Context) ([]store.Office, error) {
	return list(ctx, o, "list offices", listOffices, nil, scanOffice)
}

var operators = newTable("operators",
	[]string{"id", "office_id", "name", "cert_serial", "disabled", "created_at"},
	[]string{"created_at"},
	[]string{"office_id"}, []string{"cert_serial"})

func operatorArgs(d *Dialect, p *store.Operator) []any {
	return []any{p.ID, p.OfficeID, p.Name, p.CertSerial, p.Disabled, d.Time(Timestamp(p.CreatedAt))}
}

func scanOperator(r scanner, p *store.Operator) error {
	return r.Scan(&p.ID, &p.OfficeID, &p.Name, &p.CertSerial, &p.Disabled, timeCol{&p.CreatedAt})
}

func (o ops) CreateOperator(ctx context.Context, p store.Operator) error {
	if p.ID == "" {
		return errors.New("create operator: no ID")
	}
	return o.insert(ctx, "create operator "+p.ID, operators.insert, operatorArgs(o.d, &p)...)
}

func (o ops) GetOperator(ctx context.Context, id string) (store.Operator, error) {
	p, err := one(o.q.QueryRowContext(ctx, operators.get, id), scanOperator)
	if err != nil {
		return store.Operator{}, notFound("get operator "+id, err)
	}
	return p, nil
}

// The second term repeats the predicate of the partial unique index,
// without which neither database would use it (PostgreSQL's generic plan
// cannot prove that $1 is not empty); it also makes "" match no operator.
var (
	selectOperatorByCert = static(operators.from + " WHERE cert_serial = $1 AND cert_serial <> ''")
	certSerialTaken      = static("SELECT 1 FROM operators WHERE cert_serial = $1 AND cert_serial <> ''")
)

func (o ops) GetOperatorByCert(ctx context.Context, serial string) (store.Operator, error) {
	p, err := one(o.q.QueryRowContext(ctx, selectOperatorByCert, serial), scanOperator)
	if err != nil {
		return store.Operator{}, notFound("get operator by certificate "+serial, err)
	}
	return p, nil
}

var (
	listOperators         = static(operators.from + " ORDER BY id")
	listOperatorsByOffice = static(operators.from + " WHERE office_id = $1 ORDER BY id")
)

func (o ops) ListOperators(ctx context.Context, officeID string) ([]store.Operator, error) {
	if officeID == "" {
		return list(ctx, o, "list operators", listOperators, nil, scanOperator)
	}
	return list(ctx, o, "list operators", listOperatorsByOffice, []any{officeID}, scanOperator)
}

func (o ops) UpdateOperator(ctx context.Context, id string, fn func(*store.Operator) error) (store.Operator, error) {
	what := "update operator " + id
	return modify(what,
		func() (store.Operator, error) {
			p, err := one(o.q.QueryRowContext(ctx, operators.get+o.d.LockRow, id), scanOperator)
			if err != nil {
				return p, notFound(what, err)
			}
			return p, nil
		},
		fn,
		func(old, p *store.Operator) error {
			switch {
			case p.ID != old.ID:
				return errors.New("the ID cannot change")
			case !Timestamp(p.CreatedAt).Equal(old.CreatedAt):
				return errors.New("CreatedAt cannot change")
			case p.CertSerial != old.CertSerial && p.CertSerial != "":
				return o.vacant(ctx, "certificate serial", certSerialTaken, p.CertSerial)
			}
			return nil
		},
		func(old, p *store.Operator) error {
			p.CreatedAt = Timestamp(p.CreatedAt)
			return o.write(ctx, what, operators, operatorArgs(o.d, old), operatorArgs(o.d, p))
		},
	)
}

// Rate limits.

// countAttempt counts in the window the statement is given unless the
// stored one is later: a node whose clock lags, or a request that waited,
// adds to the current window instead of resetting it to an old one (which
// would hand a guesser a fresh allowance). The CASEs read the row as it
// was before the SET, in both databases. One statement, so atomic however
// many nodes count at once: PostgreSQL queues concurrent upserts of a key
// on its row lock (or on the insert of a new key) and each then sees the
// count the one before left.
var countAttempt = static(`INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1 ELSE rate_limits.count + 1 END,
    window_start = CASE WHEN excluded.window_start > rate_limits.window_start THEN excluded.window_start ELSE rate_limits.window_start END
RETURNING count`)

// WindowStart is the start of the fixed window of length window that holds
// t, windows being counted from the Unix epoch (so an hour's windows start
// on the hour, a day's at UTC midnight) and cut to the microsecond.
func WindowStart(t time.Time, window time.Duration) time.Time {
	us, w := t.UnixMicro(), window.Microseconds()
	start := us - us%w
	if us%w < 0 { // before 1970: % truncates towards zero, windows floor
		start -= w
	}
	return time.UnixMicro(start).UTC()
}

func (o ops) CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	switch {
	case key == "":
		return 0, errors.New("count attempt: no key")
	case window < time.Microsecond:
		return 0, fmt.Errorf("count attempt: window %v shorter than a microsecond", window)
	}
	var n int
	if err := o.q.QueryRowContext(ctx, countAttempt, key, o.d.Time(WindowStart(now, window))).Scan(&n); err != nil {
		return 0, fmt.Errorf("count attempt: %w", err)
	}
	return n, nil
}

var resetAttempts = static("DELETE FROM rate_limits WHERE key = $1")

func (o ops) ResetAttempts(ctx context.Context, key string) error {
	if _, err := o.q.ExecContext(ctx, resetAttempts, key); err != nil {
		return fmt.Errorf("reset attempts: %w", err)
	}
	return nil
}

var sweepAttempts = static("DELETE FROM rate_limits WHERE window_start < $1")

// SweepAttempts implements [store.CertTx].
func (o ops) SweepAttempts(ctx context.Context, before time.Time) (int, error) {
	res, err := o.q.ExecContext(ctx, sweepAttempts, o.d.Time(before))
	if err != nil {
		return 0, fmt.Errorf("sweep attempts: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// OCSP responses and CRLs.

const ocspColumns = "serial, der, this_update, next_update"

var (
	putOCSP = static("INSERT INTO ocsp_responses (" + ocspColumns + ") VALUES ($1, $2, $3, $4) " +
		"ON CONFLICT (serial) DO UPDATE SET der = excluded.der, this_update = excluded.this_update, next_update = excluded.next_update")
	getOCSP     = static("SELECT " + ocspColumns + " FROM ocsp_responses WHERE serial = $1")
	listOCSPDue = static("SELECT " + ocspColumns + " FROM ocsp_responses WHERE next_update < $1 ORDER BY next_update, serial LIMIT $2")
)

func scanOCSP(r scanner, e *store.OCSPEntry) error {
	return r.Scan(&e.Serial, bytesCol{&e.DER}, timeCol{&e.ThisUpdate}, timeCol{&e.NextUpdate})
}

func (o ops) PutOCSP(ctx context.Context, e store.OCSPEntry) error {
	if e.Serial == "" {
		return errors.New("put OCSP: no serial")
	}
	if _, err := o.q.ExecContext(ctx, putOCSP,
		e.Serial, blob(e.DER), o.d.Time(Timestamp(e.ThisUpdate)), o.d.Time(Timestamp(e.NextUpdate))); err != nil {
		return fmt.Errorf("put OCSP %s: %w", e.Serial, err)
	}
	return nil
}

func (o ops) GetOCSP(ctx context.Context, serial string) (store.OCSPEntry, error) {
	e, err := one(o.q.QueryRowContext(ctx, getOCSP, serial), scanOCSP)
	if err != nil {
		return store.OCSPEntry{}, notFound("get OCSP "+serial, err)
	}
	return e, nil
}

func (o ops) ListOCSPDue(ctx context.Context, t time.Time, limit int) ([]store.OCSPEntry, error) {
	return list(ctx, o, "list OCSP due", listOCSPDue, []any{o.d.Time(Timestamp(t)), limitOr100(limit)}, scanOCSP)
}

const crlColumns = "name, number, der, this_update, next_update"

var (
	// The WHERE makes the number check and the write one statement, so two
	// nodes publishing at once cannot both pass the check: PostgreSQL
	// evaluates it against the row as the other left it, once its lock is
	// released. A refused update affects no row.
	putCRL = static("INSERT INTO crls (" + crlColumns + ") VALUES ($1, $2, $3, $4, $5) " +
		"ON CONFLICT (name) DO UPDATE SET number = excluded.number, der = excluded.der, " +
		"this_update = excluded.this_update, next_update = excluded.next_update " +
		"WHERE crls.number < excluded.number")
	getCRL = static("SELECT " + crlColumns + " FROM crls WHERE name = $1")
)

func (o ops) PutCRL(ctx context.Context, c store.CRL) error {
	if c.Name == "" {
		return errors.New("put CRL: no name")
	}
	return o.insert(ctx, fmt.Sprintf("put CRL %s number %d", c.Name, c.Number), putCRL,
		c.Name, c.Number, blob(c.DER), o.d.Time(Timestamp(c.ThisUpdate)), o.d.Time(Timestamp(c.NextUpdate)))
}

func (o ops) GetCRL(ctx context.Context, name string) (store.CRL, error) {
	var c store.CRL
	err := o.q.QueryRowContext(ctx, getCRL, name).Scan(&c.Name, &c.Number, bytesCol{&c.DER}, timeCol{&c.ThisUpdate}, timeCol{&c.NextUpdate})
	if err != nil {
		return store.CRL{}, notFound("get CRL "+name, err)
	}
	return c, nil
}

// The Store's own certificate-side methods. Reads go to the read pool.
// Writes that are one statement run on the write pool without a
// transaction, which would add nothing but a BEGIN and a COMMIT (two round
// trips on PostgreSQL, on paths as hot as CountAttempt); the Update methods
// read and write, so they run in one.

// CreateApplication implements [store.CertTx].
func (db *DB) CreateApplication(ctx context.Context, a store.Application) error {
	return db.writer().CreateApplication(ctx, a)
}

// GetApplication implements [store.CertTx].
func (db *DB) GetApplication(ctx context.Context, id string) (store.Application, error) {
	return db.reader().GetApplication(ctx, id)
}

// GetApplicationByCode implements [store.CertTx].
func (db *DB) GetApplicationByCode(ctx context.Context, codeHash string) (store.Application, error) {
	return db.reader().GetApplicationByCode(ctx, codeHash)
}

// ListApplications implements [store.CertTx].
func (db *DB) ListApplications(ctx context.Context, f store.ApplicationFilter) ([]store.Application, error) {
	return db.reader().ListApplications(ctx, f)
}

// UpdateApplication implements [store.CertTx].
func (db *DB) UpdateApplication(ctx context.Context, id string, fn func(*store.Application) error) (store.Application, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Application, error) { return tx.UpdateApplication(ctx, id, fn) })
}

// CreateCertificate implements [store.CertTx].
func (db *DB) CreateCertificate(ctx context.Context, c store.Certificate) error {
	return db.writer().CreateCertificate(ctx, c)
}

// GetCertificate implements [store.CertTx].
func (db *DB) GetCertificate(ctx context.Context, serial string) (store.Certificate, error) {
	return db.reader().GetCertificate(ctx, serial)
}

// ListCertificates implements [store.CertTx].
func (db *DB) ListCertificates(ctx context.Context, f store.CertificateFilter) ([]store.Certificate, error) {
	return db.reader().ListCertificates(ctx, f)
}

// UpdateCertificate implements [store.CertTx].
func (db *DB) UpdateCertificate(ctx context.Context, serial string, fn func(*store.Certificate) error) (store.Certificate, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Certificate, error) { return tx.UpdateCertificate(ctx, serial, fn) })
}

// CreateOffice implements [store.CertTx].
func (db *DB) CreateOffice(ctx context.Context, o store.Office) error {
	return db.writer().CreateOffice(ctx, o)
}

// GetOffice implements [store.CertTx].
func (db *DB) GetOffice(ctx context.Context, id string) (store.Office, error) {
	return db.reader().GetOffice(ctx, id)
}

// ListOffices implements [store.CertTx].
func (db *DB) ListOffices(ctx context.Context) ([]store.Office, error) {
	return db.reader().ListOffices(ctx)
}

// CreateOperator implements [store.CertTx].
func (db *DB) CreateOperator(ctx context.Context, o store.Operator) error {
	return db.writer().CreateOperator(ctx, o)
}

// GetOperator implements [store.CertTx].
func (db *DB) GetOperator(ctx context.Context, id string) (store.Operator, error) {
	return db.reader().GetOperator(ctx, id)
}

// GetOperatorByCert implements [store.CertTx].
func (db *DB) GetOperatorByCert(ctx context.Context, serial string) (store.Operator, error) {
	return db.reader().GetOperatorByCert(ctx, serial)
}

// ListOperators implements [store.CertTx].
func (db *DB) ListOperators(ctx context.Context, officeID string) ([]store.Operator, error) {
	return db.reader().ListOperators(ctx, officeID)
}

// UpdateOperator implements [store.CertTx].
func (db *DB) UpdateOperator(ctx context.Context, id string, fn func(*store.Operator) error) (store.Operator, error) {
	return inTx(ctx, db, func(tx store.Tx) (store.Operator, error) { return tx.UpdateOperator(ctx, id, fn) })
}

// CountAttempt implements [store.CertTx].
func (db *DB) CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	return db.writer().CountAttempt(ctx, key, now, window)
}

// ResetAttempts implements [store.CertTx].
func (db *DB) ResetAttempts(ctx context.Context, key string) error {
	return db.writer().ResetAttempts(ctx, key)
}

// SweepAttempts implements [store.CertTx].
func (db *DB) SweepAttempts(ctx context.Context, before time.Time) (int, error) {
	return db.writer().SweepAttempts(ctx, before)
}

// PutOCSP implements [store.CertTx].
func (db *DB) PutOCSP(ctx context.Context, e store.OCSPEntry) error {
	return db.writer().PutOCSP(ctx, e)
}

// GetOCSP implements [store.CertTx].
func (db *DB) GetOCSP(ctx context.Context, serial string) (store.OCSPEntry, error) {
	return db.reader().GetOCSP(ctx, serial)
}

// ListOCSPDue implements [store.CertTx].
func (db *DB) ListOCSPDue(ctx context.Context, t time.Time, limit int) ([]store.OCSPEntry, error) {
	return db.reader().ListOCSPDue(ctx, t, limit)
}

// PutCRL implements [store.CertTx].
func (db *DB) PutCRL(ctx context.Context, c store.CRL) error {
	return db.writer().PutCRL(ctx, c)
}

// GetCRL implements [store.CertTx].
func (db *DB) GetCRL(ctx context.Context, name string) (store.CRL, error) {
	return db.reader().GetCRL(ctx, name)
}

// inTx runs one Update method in a transaction of its own.
func inTx[T any](ctx context.Context, db *DB, fn func(store.Tx) (T, error)) (T, error) {
	var v T
	err := db.InTx(ctx, func(tx store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
