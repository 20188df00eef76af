package web

import (
	"context"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
)

// noticeView is one reminder a person was sent (package reminders), as
// the portal lists it: when, and the email's own words, in the language it
// went out in (marked, so a screen reader reads it in that language).
type noticeView struct {
	When  string
	ISO   string
	Lang  string
	Title string
	Paras [][]string // paragraphs, each a list of lines
}

// noticesShown is how many of the latest reminders /account lists.
const noticesShown = 20

func (a *accountRoutes) noticesOf(ctx context.Context, personID string) ([]noticeView, error) {
	rs, err := a.d.Store.ListReminders(ctx, personID, noticesShown)
	if err != nil {
		return nil, err
	}
	out := make([]noticeView, 0, len(rs))
	for _, r := range rs {
		v := noticeView{When: a.when(r.SentAt), ISO: r.SentAt.UTC().Format("2006-01-02T15:04:05Z"), Lang: r.Lang, Title: r.Title}
		for _, p := range strings.Split(strings.TrimSpace(r.Body), "\n\n") {
			v.Paras = append(v.Paras, strings.Split(p, "\n"))
		}
		out = append(out, v)
	}
	return out, nil
}

// The section lists the reminders (package reminders, and the
// application-code reminders of package ra) and the decisions on a video
// identification (package idp), which are kept with the person; the other
// messages (the application code itself, "your certificate is ready", SMS
// codes) are not: the outbox that holds them is for development only and
// keeps bodies with codes in them. So the section names itself for what it
// lists and says where the rest went.
var _ = addTexts(map[string]i18n.Text{
	"acc.notices.title": i18n.T("Recordatorios", "Reminders"),
	"acc.notices.why": i18n.T("Los recordatorios que te hemos enviado (antes de un plazo, como la caducidad de tu certificado o el código de tu solicitud o de tu carta; después de un paso pendiente, como la copia de seguridad de tu certificado) y las decisiones sobre tu identificación por vídeo, los más recientes primero.",
		"The reminders we have sent you (before a deadline, such as your certificate's expiry or your application's or letter's code; after a step left undone, such as your certificate's backup) and the decisions on your video identification, newest first."),
	"acc.notices.none": i18n.T("Todavía no te hemos enviado ningún recordatorio. Te lo enviaremos por correo antes de que venza un plazo, como la caducidad de tu certificado o el código de tu carta, o si queda un paso pendiente; aquí verás también la decisión sobre tu identificación por vídeo.",
		"No reminders yet. We will email you one before a deadline, such as your certificate's expiry or your letter's code, or if a step is left undone; the decision on your video identification will be listed here too."),
	"acc.notices.elsewhere": i18n.T("Los demás mensajes no se guardan aquí: el propio código de solicitud y el aviso de que tu certificado está listo van al correo que diste al hacer la solicitud, y los códigos por SMS, a tu móvil. Búscalos allí (mira también en el correo no deseado).",
		"Other messages are not kept here: the application code itself and the notice that your certificate is ready go to the email you gave in the application, and codes by SMS to your mobile. Look for them there (check your spam folder too)."),
	"acc.notices.read": i18n.T("Leer el recordatorio", "Read the reminder"),
	"acc.notices.sent": i18n.T("Enviado", "Sent"),
})
