package sqldb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// Reminders ([store.ReminderTx]). The table's primary key is the claim;
// the two sweep queries leave out, in SQL, what was already reminded, so a
// sweep reads only what is due and not yet sent however large the tables.

const reminderColumns = "subject, kind, threshold, person_id, lang, title, body, deadline, sent_at"

var (
	insertReminder = static("INSERT INTO reminders (" + reminderColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING")
	listReminders  = static("SELECT " + reminderColumns + " FROM reminders WHERE person_id = $1 ORDER BY sent_at DESC, kind, threshold LIMIT $2")

	// The WHERE clauses repeat the partial indexes' predicates (00008), so
	// both planners use them.
	certificatesToRemind = static(selectCertificatesNoDER + " c WHERE c.kind = 'person' AND c.revoked_at IS NULL AND c.renewed_by = ''" +
		" AND c.not_after > $1 AND c.not_after <= $2" +
		" AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.subject = c.serial AND r.kind = $3 AND r.threshold = $4)" +
		" ORDER BY c.not_after, c.serial LIMIT $5")
	letterCodesToRemind = static(codes.from + " o WHERE o.purpose = 'letter' AND o.used_at IS NULL" +
		" AND o.expires_at > $1 AND o.expires_at <= $2" +
		" AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = o.person_id)" +
		" AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.subject = o.id AND r.kind = $3 AND r.threshold = $4)" +
		" ORDER BY o.expires_at, o.id LIMIT $5")
	// Certificates downloaded (or renewed: that application is born
	// downloaded) in the window, by the partial index applications_downloaded
	// (00011); at most one certificate per application.
	certificatesWithoutBackup = static("SELECT " + prefixed("c", certificates.cols, "der") + " FROM applications a" +
		" JOIN certificates c ON c.serial = a.cert_serial" +
		" WHERE a.downloaded_at IS NOT NULL AND a.downloaded_at > $1 AND a.downloaded_at <= $2" +
		" AND c.kind = 'person' AND c.revoked_at IS NULL AND c.renewed_by = '' AND c.not_after > $3" +
		" AND c.backup_confirmed_at IS NULL" +
		" AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.subject = c.serial AND r.kind = $4)" +
		" ORDER BY a.downloaded_at, c.serial LIMIT $5")
	// Refused reviews are few: no index but the table's.
	videoRefusalsToRemind = static("SELECT " + prefixed("v", videoReviews.cols, "") + " FROM video_reviews v" +
		" WHERE v.state = '" + store.ReviewRefused + "' AND v.decided_at > $1 AND v.decided_at <= $2" +
		" AND EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = v.person_id AND a.level = '" + store.LevelBasic + "')" +
		" AND NOT EXISTS (SELECT 1 FROM video_reviews w WHERE w.person_id = v.person_id AND w.id <> v.id AND w.created_at >= v.created_at)" +
		" AND NOT EXISTS (SELECT 1 FROM applications p WHERE p.person_id = v.person_id AND p.created_at > v.decided_at" +
		" AND p.state IN ('" + store.AppPending + "', '" + store.AppApproved + "', '" + store.AppDownloaded + "'))" +
		" AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.subject = v.id AND r.kind = $3)" +
		" ORDER BY v.decided_at, v.id LIMIT $4")
)

// prefixed lists cols qualified by alias, with NULL in place of the
// column null (none for "").
func prefixed(alias string, cols []string, null string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if c == null {
			out[i] = "NULL"
			continue
		}
		out[i] = alias + "." + c
	}
	return strings.Join(out, ", ")
}

func scanReminder(r scanner, m *store.Reminder) error {
	return r.Scan(&m.Subject, &m.Kind, &m.Threshold, &m.PersonID, &m.Lang, &m.Title, &m.Body,
		timeCol{&m.Deadline}, timeCol{&m.SentAt})
}

func (o ops) CreateReminder(ctx context.Context, m store.Reminder) error {
	switch {
	case m.Subject == "" || m.PersonID == "":
		return errors.New("create reminder: no subject or person")
	case !slices.Contains(store.ReminderKinds, m.Kind):
		return fmt.Errorf("create reminder: unknown kind %q", m.Kind)
	case m.Threshold < 0:
		return errors.New("create reminder: negative threshold")
	case m.SentAt.IsZero() || m.Deadline.IsZero():
		return errors.New("create reminder: no time sent or deadline")
	}
	m.Deadline, m.SentAt = Timestamp(m.Deadline), Timestamp(m.SentAt)
	// The subject is a serial or a random ID: never personal data.
	return o.insert(ctx, fmt.Sprintf("create reminder %s %s %d", m.Kind, m.Subject, m.Threshold), insertReminder,
		m.Subject, m.Kind, m.Threshold, m.PersonID, m.Lang, m.Title, m.Body, o.d.Time(m.Deadline), o.d.Time(m.SentAt))
}

func (o ops) ListReminders(ctx context.Context, personID string, limit int) ([]store.Reminder, error) {
	return list(ctx, o, "list reminders", listReminders, []any{personID, limitOr100(limit)}, scanReminder)
}

func (o ops) CertificatesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]store.Certificate, error) {
	return list(ctx, o, "certificates to remind", certificatesToRemind,
		[]any{o.d.Time(Timestamp(from)), o.d.Time(Timestamp(to)), kind, threshold, limitOr100(limit)}, scanCertificate)
}

func (o ops) LetterCodesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]store.OneTimeCode, error) {
	return list(ctx, o, "letter codes to remind", letterCodesToRemind,
		[]any{o.d.Time(Timestamp(from)), o.d.Time(Timestamp(to)), kind, threshold, limitOr100(limit)}, scanCode)
}

func (o ops) CertificatesWithoutBackup(ctx context.Context, kind string, from, to, now time.Time, limit int) ([]store.Certificate, error) {
	return list(ctx, o, "certificates without backup", certificatesWithoutBackup,
		[]any{o.d.Time(Timestamp(from)), o.d.Time(Timestamp(to)), o.d.Time(Timestamp(now)), kind, limitOr100(limit)}, scanCertificate)
}

func (o ops) VideoRefusalsToRemind(ctx context.Context, kind string, from, to time.Time, limit int) ([]store.VideoReview, error) {
	return list(ctx, o, "video refusals to remind", videoRefusalsToRemind,
		[]any{o.d.Time(Timestamp(from)), o.d.Time(Timestamp(to)), kind, limitOr100(limit)}, scanVideoReview)
}

// The Store's own reminder methods: reads on the read pool, the
// single-statement insert on the write pool.

// CreateReminder implements [store.ReminderTx].
func (db *DB) CreateReminder(ctx context.Context, r store.Reminder) error {
	return db.writer().CreateReminder(ctx, r)
}

// ListReminders implements [store.ReminderTx].
func (db *DB) ListReminders(ctx context.Context, personID string, limit int) ([]store.Reminder, error) {
	return db.reader().ListReminders(ctx, personID, limit)
}

// CertificatesToRemind implements [store.ReminderTx].
func (db *DB) CertificatesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]store.Certificate, error) {
	return db.reader().CertificatesToRemind(ctx, kind, threshold, from, to, limit)
}

// LetterCodesToRemind implements [store.ReminderTx].
func (db *DB) LetterCodesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]store.OneTimeCode, error) {
	return db.reader().LetterCodesToRemind(ctx, kind, threshold, from, to, limit)
}

// CertificatesWithoutBackup implements [store.ReminderTx].
func (db *DB) CertificatesWithoutBackup(ctx context.Context, kind string, from, to, now time.Time, limit int) ([]store.Certificate, error) {
	return db.reader().CertificatesWithoutBackup(ctx, kind, from, to, now, limit)
}

// VideoRefusalsToRemind implements [store.ReminderTx].
func (db *DB) VideoRefusalsToRemind(ctx context.Context, kind string, from, to time.Time, limit int) ([]store.VideoReview, error) {
	return db.reader().VideoRefusalsToRemind(ctx, kind, from, to, limit)
}
