package web

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// TestAccountListsNotices: /account lists the reminders sent to the
// person, newest first, each with its date and its text in the language
// it was sent in; someone else's are not there; with none, the page says
// so, in the page's language.
func TestAccountListsNotices(t *testing.T) {
	e := newAccEnv(t)
	e.basicAccount(t, "X1234567L", "+34612345678")
	b := e.browser("es")
	if resp, _ := e.pinLogin(t, b, "X1234567L", "2031-05-01", ""); resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if _, body := b.get("/account"); !strings.Contains(body, "Todavía no te hemos enviado ningún recordatorio") || !strings.Contains(body, ">Recordatorios</h2>") {
		t.Fatalf("account page without notices:\n%s", body)
	}
	ctx := context.Background()
	sent := time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC)
	for _, r := range []store.Reminder{
		{Subject: "0a", Kind: store.ReminderCertExpiry, Threshold: 60, PersonID: "X1234567L", Lang: "es",
			Title: "Tu certificado caduca el 2026-06-30: renuévalo en línea", Body: "Tu certificado caduca.\n\nSiguiente paso:\n  llavero cert renew",
			Deadline: sent.Add(60 * 24 * time.Hour), SentAt: sent},
		{Subject: "0a", Kind: store.ReminderCertExpiry, Threshold: 30, PersonID: "X1234567L", Lang: "en",
			Title: "Your certificate expires on 2026-06-30: renew it online", Body: "Your certificate expires.",
			Deadline: sent.Add(60 * 24 * time.Hour), SentAt: sent.Add(30 * 24 * time.Hour)},
		{Subject: "0b", Kind: store.ReminderCertExpiry, Threshold: 7, PersonID: "Y1234567X", Lang: "es",
			Title: "Someone else's", Body: "Not yours.", Deadline: sent, SentAt: sent},
	} {
		if err := e.st.CreateReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"es", "en"} {
		b.lang = lang
		_, body := b.get("/account")
		body = html.UnescapeString(body)
		en := strings.Index(body, `<h3 lang="en">Your certificate expires on 2026-06-30`)
		es := strings.Index(body, `<h3 lang="es">Tu certificado caduca el 2026-06-30`)
		if en < 0 || es < 0 || en > es {
			t.Errorf("%s: notices missing or not newest first (en at %d, es at %d)", lang, en, es)
		}
		for _, want := range []string{`<time datetime="2026-05-31T08:30:00Z">31/05/2026 10:30</time>`, "<p>Siguiente paso:<br>  llavero cert renew</p>", `<details><summary>`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", lang, want)
			}
		}
		if strings.Contains(body, "Someone else's") {
			t.Errorf("%s: another person's notice is listed", lang)
		}
	}
	if _, body := b.get("/account"); !strings.Contains(body, ">Reminders</h2>") || !strings.Contains(body, "Read the reminder") {
		t.Error("the notices section is not in English")
	}
}

// TestAccountNoticesAfterApplicationEmails: right after the application
// email was sent (and before any reminder), the section does not claim
// nothing was sent: it says there are no reminders yet and where the
// application's messages went, in both languages; with reminders, it
// still says where the other messages are.
func TestAccountNoticesAfterApplicationEmails(t *testing.T) {
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			e := newAccEnv(t)
			e.portalPerson(t, false) // a certificate, and an application whose email went out
			if m, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{To: "X1234567L", Kind: store.KindEmail}); err != nil || len(m) == 0 {
				t.Fatalf("no application email was sent (%v): the test proves nothing", err)
			}
			b := e.browser(string(lang))
			if resp, _ := e.pinLogin(t, b, "X1234567L", "2031-05-01", ""); resp.StatusCode != 303 {
				t.Fatalf("login: %d", resp.StatusCode)
			}
			check := func(reminders bool) {
				_, body := b.get("/account")
				body = html.UnescapeString(body)
				_, section, _ := strings.Cut(body, `<section aria-labelledby="notices">`)
				section, _, _ = strings.Cut(section, "</section>")
				for k, want := range map[string]bool{"acc.notices.none": !reminders, "acc.notices.why": reminders, "acc.notices.elsewhere": true} {
					if got := strings.Contains(section, catalogue[k].In(lang)); got != want {
						t.Errorf("reminders %v: %s shown = %v, want %v:\n%s", reminders, k, got, want, section)
					}
				}
				for _, old := range []string{"We have not sent you any notice", "no te hemos enviado ningún aviso"} {
					if strings.Contains(section, old) {
						t.Errorf("the section still says %q", old)
					}
				}
			}
			check(false)
			now := e.clock.Now()
			if err := e.st.CreateReminder(context.Background(), store.Reminder{Subject: "0a", Kind: store.ReminderCertExpiry, Threshold: 60,
				PersonID: "X1234567L", Lang: string(lang), Title: "Reminder", Body: "Text.", Deadline: now.Add(60 * 24 * time.Hour), SentAt: now}); err != nil {
				t.Fatal(err)
			}
			check(true)
		})
	}
}
