// Package reminders tells people, by email and in their own language, of a
// deadline they are about to miss or a step they left undone: a
// certificate that expires (renewal is online until then, an office visit
// after), an invitation letter's code that lapses before the account was
// registered, a downloaded certificate with no confirmed backup, and a
// refused video identification left without a next step.
//
// Each reminder goes out once per subject (a certificate's serial, a
// code's ID), kind and threshold, however often and on however many nodes
// the sweep runs: the row that records it (store.Reminder) is its claim,
// inserted under a unique key in the transaction that sends and records
// the email. Of two nodes sweeping at once, the second's insert waits for
// the first transaction and then finds the key taken; if sending fails,
// the transaction rolls back, the claim with it, and the next sweep tries
// again. The same rows are what the portal lists as the person's notices.
//
// (The application code's own reminders, at 7 and 1 days, are older and
// live in package ra, claimed on the application row.)
package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/notify"
	"github.com/llavero/llavero/internal/store"
)

// Mailer sends an email whose outbox record goes through the caller's
// transaction; *notify.Notifier is one.
type Mailer interface {
	EmailIn(ctx context.Context, tx notify.OutboxStore, to, personID string, lang i18n.Lang, subject, body string) (store.Message, error)
}

// Days before a certificate's expiry when its holder is reminded: the
// first when online renewal opens (ra.Config.RenewalWindow), the last a
// week before, time enough to renew from home.
var CertThresholds = []int{60, 30, 7}

// Days before an invitation letter's code lapses when the person, if not
// registered yet, is reminded.
var LetterThresholds = []int{7, 1}

// Defaults of Config's delays.
const (
	DefaultBackupAfter     = 3 * 24 * time.Hour
	DefaultVideoRetryAfter = 7 * 24 * time.Hour
	DefaultLateness        = 30 * 24 * time.Hour
)

// Config tunes a Sweeper.
type Config struct {
	// BackupAfter is how long after a certificate's download (or renewal)
	// its holder, if no backup was confirmed ("llavero cert backup"), is
	// reminded to make one. Zero: 3 days.
	BackupAfter time.Duration
	// VideoRetryAfter is how long after a refused video identification a
	// person who has taken no way forward is reminded of them. Zero: 7
	// days.
	VideoRetryAfter time.Duration
	// Lateness bounds how late those two reminders may still go: a
	// download or refusal more than this past its delay (a sweep down
	// for weeks, the feature newly deployed) is left alone rather than
	// answered with stale advice. Zero: 30 days.
	Lateness time.Duration
	// Lang is the language of a reminder to someone whose language is not
	// known (a letter's addressee, who has neither account nor
	// application). Zero: Spanish.
	Lang i18n.Lang
	// PublicURL is the portal's address, for the links in the emails.
	// Empty: the emails name the pages without a link.
	PublicURL string
	// Batch bounds how many subjects one threshold's pass reads in a
	// sweep. Zero: 10 000.
	Batch int
}

// Sweeper sends the reminders that are due.
type Sweeper struct {
	st   store.Store
	mail Mailer
	cfg  Config
	now  func() time.Time
	log  *slog.Logger
}

// New returns a Sweeper; now and log may be nil (real clock, default
// logger).
func New(st store.Store, mail Mailer, cfg Config, now func() time.Time, log *slog.Logger) *Sweeper {
	if cfg.Lang == "" {
		cfg.Lang = i18n.ES
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 10_000
	}
	if cfg.BackupAfter <= 0 {
		cfg.BackupAfter = DefaultBackupAfter
	}
	if cfg.VideoRetryAfter <= 0 {
		cfg.VideoRetryAfter = DefaultVideoRetryAfter
	}
	if cfg.Lateness <= 0 {
		cfg.Lateness = DefaultLateness
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Sweeper{st: st, mail: mail, cfg: cfg, now: now, log: log}
}

// band is the window of deadlines one threshold covers: after the next
// smaller threshold (or now), up to this one. A subject gets the reminder
// of the band it is in, not every larger one it missed (a certificate
// issued with 20 days left gets the 30-day reminder only; one 5 days from
// expiry after the sweep was down a month, only the 7-day one).
func band(now time.Time, thresholds []int, i int) (from, to time.Time) {
	day := 24 * time.Hour
	from = now
	if i+1 < len(thresholds) {
		from = now.Add(time.Duration(thresholds[i+1]) * day)
	}
	return from, now.Add(time.Duration(thresholds[i]) * day)
}

// due is one reminder to send: its claim, and the address it goes to.
type due struct {
	r  store.Reminder
	to string
}

// maxFailures is how many emails in a row may fail before a sweep gives
// up: the transport is down, and the next sweep will try them all again.
const maxFailures = 3

// Sweep sends every reminder that is due and not yet sent, and returns how
// many it sent. Each threshold's pass reads at most Config.Batch subjects,
// soonest deadline first; the rest wait for the next sweep. A reminder
// that cannot go (no address, a failed email) stays due.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	sw := sweep{Sweeper: s, now: now}
	for i, th := range CertThresholds {
		from, to := band(now, CertThresholds, i)
		certs, err := s.st.CertificatesToRemind(ctx, store.ReminderCertExpiry, th, from, to, s.cfg.Batch)
		if err != nil {
			return sw.sent, err
		}
		for _, c := range certs {
			d, ok, err := s.certReminder(ctx, c, th, now)
			if err == nil && ok {
				err = sw.send(ctx, d)
			}
			if err != nil {
				return sw.sent, err
			}
		}
	}
	for i, th := range LetterThresholds {
		from, to := band(now, LetterThresholds, i)
		codes, err := s.st.LetterCodesToRemind(ctx, store.ReminderLetterCode, th, from, to, s.cfg.Batch)
		if err != nil {
			return sw.sent, err
		}
		for _, c := range codes {
			d, ok, err := s.letterReminder(ctx, c, th, now)
			if err == nil && ok {
				err = sw.send(ctx, d)
			}
			if err != nil {
				return sw.sent, err
			}
		}
	}
	if err := sw.backups(ctx); err != nil {
		return sw.sent, err
	}
	return sw.sent, sw.videoRefusals(ctx)
}

// backups reminds the holders of certificates downloaded BackupAfter ago
// (within Lateness) whose backup nobody confirmed, once per certificate.
func (sw *sweep) backups(ctx context.Context) error {
	to := sw.now.Add(-sw.cfg.BackupAfter)
	certs, err := sw.st.CertificatesWithoutBackup(ctx, store.ReminderCertBackup, to.Add(-sw.cfg.Lateness), to, sw.now, sw.cfg.Batch)
	if err != nil {
		return err
	}
	for _, c := range certs {
		d, ok, err := sw.backupReminder(ctx, c, sw.now)
		if err == nil && ok {
			err = sw.send(ctx, d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// videoRefusals reminds people whose video identification was refused
// VideoRetryAfter ago (within Lateness), and who have neither tried again,
// nor reached the advanced level, nor applied for a certificate since, of
// the ways forward, once per review.
func (sw *sweep) videoRefusals(ctx context.Context) error {
	to := sw.now.Add(-sw.cfg.VideoRetryAfter)
	reviews, err := sw.st.VideoRefusalsToRemind(ctx, store.ReminderVideoRefused, to.Add(-sw.cfg.Lateness), to, sw.cfg.Batch)
	if err != nil {
		return err
	}
	for _, v := range reviews {
		d, ok, err := sw.videoReminder(ctx, v, sw.now)
		if err == nil && ok {
			err = sw.send(ctx, d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sweep is one Sweep's progress.
type sweep struct {
	*Sweeper
	now      time.Time
	sent     int
	failures int // emails failed in a row
}

// send claims d and emails it in one transaction. A claim another sweep
// holds is no error; a failed email is logged and left for the next sweep,
// unless maxFailures in a row say the transport is down.
func (sw *sweep) send(ctx context.Context, d due) error {
	lang, _ := i18n.Parse(d.r.Lang)
	var sendErr error
	err := sw.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateReminder(ctx, d.r); err != nil {
			return err
		}
		if _, err := sw.mail.EmailIn(ctx, tx, d.to, d.r.PersonID, lang, d.r.Title, d.r.Body); err != nil {
			sendErr = err
			return err
		}
		return nil
	})
	switch {
	case err == nil:
		sw.sent++
		sw.failures = 0
		return nil
	case errors.Is(err, store.ErrConflict):
		return nil // another node's sweep sent it
	case sendErr != nil && ctx.Err() == nil:
		sw.failures++
		sw.log.Warn("reminder not sent; will retry", "kind", d.r.Kind, "subject", d.r.Subject, "threshold", d.r.Threshold, "err", sendErr)
		if sw.failures >= maxFailures {
			return fmt.Errorf("reminders: %d emails failed in a row, the last: %w", sw.failures, sendErr)
		}
		return nil
	}
	return err
}

// Run sweeps every period until ctx ends. It is safe on several nodes at
// once: each reminder's claim decides which node sends it.
func (s *Sweeper) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("reminders", "sent", n, "err", err)
		} else if n > 0 {
			s.log.Info("reminders sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
