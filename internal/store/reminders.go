package store

import (
	"context"
	"time"
)

// Kinds of reminder. Each is sent at most once per subject and threshold.
const (
	// ReminderCertExpiry warns a certificate holder before NotAfter; the
	// subject is the certificate's serial.
	ReminderCertExpiry = "cert-expiry"
	// ReminderLetterCode warns a person whose invitation-letter code is
	// about to lapse unused; the subject is the code's ID.
	ReminderLetterCode = "letter-code"
	// ReminderApplicationCode warns a person whose certificate
	// application is still waiting for the office check as its code is
	// about to lapse (package ra, 7 and 1 days before); the subject is the
	// application's ID.
	ReminderApplicationCode = "application-code"
	// ReminderCertBackup tells a person who downloaded (or renewed) a
	// certificate some days ago, and has not confirmed a backup of it
	// (Certificate.BackupConfirmedAt), why a copy matters and how to make
	// one; the subject is the certificate's serial. Once per certificate.
	ReminderCertBackup = "cert-backup"
	// ReminderVideoDecision is the notice of an operator's decision on a
	// video identification, recorded when the decision is made (it is
	// not swept); the subject is the review's ID, the threshold 0.
	ReminderVideoDecision = "video-decision"
	// ReminderVideoRefused reminds a person whose video identification
	// was refused, and who has neither tried again nor taken another way
	// since, of the ways forward; the subject is the review's ID. Once
	// per review.
	ReminderVideoRefused = "video-refused"
)

// ReminderKinds lists every kind, for validation.
var ReminderKinds = []string{ReminderCertExpiry, ReminderLetterCode, ReminderApplicationCode, ReminderCertBackup, ReminderVideoDecision, ReminderVideoRefused}

// Reminder is one reminder a person was sent, as they got it. Its key is
// (Subject, Kind, Threshold): the row is the claim that makes a reminder go
// out once however many nodes sweep, so it is written in the transaction
// that sends and records the email, never before or after it.
type Reminder struct {
	Subject   string // what it is about: a certificate serial, a code ID
	Kind      string // Reminder*
	Threshold int    // days before the deadline that this reminder is for
	PersonID  string // a registry entry
	Lang      string // "es" or "en": the language it was sent in
	Title     string // the email's subject
	Body      string // the email's text
	Deadline  time.Time
	SentAt    time.Time
}

// ReminderTx holds the reminders' operations. Every Tx has them.
//
// Errors and times follow CertTx. A limit of 0 or less means 100.
type ReminderTx interface {
	// CreateReminder records a reminder; one with the same (Subject, Kind,
	// Threshold) gives ErrConflict, which leaves an enclosing transaction
	// usable. Of two transactions creating the same key at once, the
	// second waits for the first and gets ErrConflict if it commits.
	CreateReminder(ctx context.Context, r Reminder) error
	// ListReminders returns a person's reminders, newest (by SentAt) first.
	ListReminders(ctx context.Context, personID string, limit int) ([]Reminder, error)

	// CertificatesToRemind returns the citizens' certificates (CertPerson),
	// neither revoked nor renewed, whose NotAfter is after from and at or
	// before to, that have no reminder of kind and threshold yet, soonest
	// to expire first. DER is left nil, BackupConfirmedAt zero.
	CertificatesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]Certificate, error)
	// LetterCodesToRemind returns the unused invitation-letter codes
	// (CodeLetter) whose ExpiresAt is after from and at or before to, of
	// people who have no account yet, that have no reminder of kind and
	// threshold yet, soonest to lapse first.
	LetterCodesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]OneTimeCode, error)
	// CertificatesWithoutBackup returns the citizens' certificates
	// (CertPerson), neither revoked nor renewed nor expired at now, whose
	// application's DownloadedAt is after from and at or before to, whose
	// backup was not confirmed (BackupConfirmedAt zero), and that have no
	// reminder of kind yet (at any threshold: once per certificate),
	// earliest download first. DER is left nil.
	CertificatesWithoutBackup(ctx context.Context, kind string, from, to, now time.Time, limit int) ([]Certificate, error)
	// VideoRefusalsToRemind returns the refused video reviews decided
	// after from and at or before to, whose person still has a basic
	// account, has opened no video review since, and has made no
	// certificate application since the decision that is still alive
	// (pending, approved or downloaded), and that have no reminder of
	// kind yet (at any threshold), earliest decision first.
	VideoRefusalsToRemind(ctx context.Context, kind string, from, to time.Time, limit int) ([]VideoReview, error)
}
