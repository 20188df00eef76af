package ra

import (
	"context"
	"time"

	"github.com/llavero/llavero/internal/store"
)

// SendReminders emails every pending application whose code lapses within
// 7 days (and again within 1 day) and has not had that reminder yet. Each
// reminder is claimed in a transaction before it is sent, so several nodes
// running this at once send it once; if sending fails the claim is
// released and the next run tries again.
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
			claimed := false
			app, err := r.st.UpdateApplication(ctx, a.ID, func(x *store.Application) error {
				if x.State != store.AppPending || !rule.field(x).IsZero() {
					return nil
				}
				*rule.field(x), claimed = now, true
				return nil
			})
			if err != nil {
				return sent, err
			}
			if !claimed {
				continue
			}
			if err := r.sendReminder(ctx, app, rule.days); err != nil {
				r.log.Error("reminder not sent; will retry", "application", app.ID, "err", err)
				_, _ = r.st.UpdateApplication(ctx, a.ID, func(x *store.Application) error {
					*rule.field(x) = time.Time{}
					return nil
				})
				continue
			}
			sent++
		}
	}
	return sent, nil
}

func (r *RA) sendReminder(ctx context.Context, app store.Application, days int) error {
	m := mailReminder(app, days)
	lang := langOf(app)
	_, err := r.notify.Email(ctx, app.Email, app.PersonID, lang, m.subject.In(lang), m.body.In(lang))
	return err
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
