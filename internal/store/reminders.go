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
)

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
	// to expire first. DER is left nil.
	CertificatesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]Certificate, error)
	// LetterCodesToRemind returns the unused invitation-letter codes
	// (CodeLetter) whose ExpiresAt is after from and at or before to, of
	// people who have no account yet, that have no reminder of kind and
	// threshold yet, soonest to lapse first.
	LetterCodesToRemind(ctx context.Context, kind string, threshold int, from, to time.Time, limit int) ([]OneTimeCode, error)
}
