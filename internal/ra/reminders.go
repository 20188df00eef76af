package ra

import (
	"context"
	"errors"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// SendReminders emails every pending application whose code lapses within
// 7 days (and again within 1 day) and has not had that reminder yet. Each
// reminder is claimed twice in one transaction with the email's outbox
// record: on the application row (Reminded7At, Reminded1At) and as a
// store.Reminder of kind application-code, which is also what the person's
// notices on /account list. Several nodes running this at once send it
// once; if sending fails the transaction, and both claims, roll back and
// the next run tries again.
func (r *RA) SendReminders(ctx context.Context) (int, error) {
	now := r.now().UTC().Truncate(time.Microsecond)
	sent := 0
	for _, rule := range []struct {
		days  int
		field func(*store.Application) *time.Time
	}{
		{7, func(a *store.Application) *time.Time { return &a.Reminded7At }},
		{1, func(a *store.Application) *time.Time { return &a.Reminded1At }},
	} {
		due, err := r.st.ListApplications(ctx, store.ApplicationFilter{
			// Already-reminded applications stay in this list until they
			// lapse, so the limit is generous: a code lives 30 days, and
			// these are only the last 7 of them.
			State: store.AppPending, ExpiresBefore: now.Add(time.Duration(rule.days) * 24 * time.Hour), Limit: 1_000_000,
		})
		if err != nil {
			return sent, err
		}
		for _, a := range due {
			if !a.ExpiresAt.After(now) || !rule.field(&a).IsZero() {
				continue
			}
			ok, err := r.sendReminder(ctx, a.ID, rule.days, rule.field, now)
			if err != nil {
				if ctx.Err() != nil {
					return sent, err
				}
				r.log.Error("reminder not sent; will retry", "application", a.ID, "err", err)
				continue
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}

// sendReminder claims and sends one application-code reminder in one
// transaction; false when another node's sweep already did.
func (r *RA) sendReminder(ctx context.Context, appID string, days int, field func(*store.Application) *time.Time, now time.Time) (bool, error) {
	claimed := false
	err := r.st.InTx(ctx, func(tx store.Tx) error {
		app, err := tx.UpdateApplication(ctx, appID, func(x *store.Application) error {
			if x.State != store.AppPending || !field(x).IsZero() {
				return nil
			}
			*field(x), claimed = now, true
			return nil
		})
		if err != nil || !claimed {
			return err
		}
		m := mailReminder(app, days)
		lang := langOf(app)
		subject, body := m.subject.In(lang), m.body.In(lang)
		if err := tx.CreateReminder(ctx, store.Reminder{Subject: app.ID, Kind: store.ReminderApplicationCode, Threshold: days,
			PersonID: app.PersonID, Lang: string(lang), Title: subject, Body: body, Deadline: app.ExpiresAt, SentAt: now}); err != nil {
			return err
		}
		_, err = r.notify.EmailIn(ctx, tx, app.Email, app.PersonID, lang, subject, body)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	return claimed && err == nil, err
}

// Run does the RA's periodic work until ctx ends: reminders, OCSP
// refreshes and the daily CRL. Every step is safe to run on several nodes.
func (r *RA) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var swept time.Time
	for {
		// Rate-limit counters older than a day count against no one.
		if now := r.now(); now.Sub(swept) > time.Hour {
			if _, err := r.st.SweepAttempts(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				r.log.Error("rate-limit sweep", "err", err)
			}
			swept = now
		}
		if _, err := r.SendReminders(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("reminders", "err", err)
		}
		if _, err := r.RefreshOCSP(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("OCSP refresh", "err", err)
		}
		if c, err := r.st.GetCRL(ctx, CRLName); err != nil || r.now().After(c.ThisUpdate.Add(24*time.Hour)) {
			if _, err := r.RegenerateCRL(ctx); err != nil && ctx.Err() == nil {
				r.log.Error("CRL", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
