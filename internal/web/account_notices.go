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

var _ = addTexts(map[string]i18n.Text{
	"acc.notices.title": i18n.T("Avisos", "Notices"),
	"acc.notices.why":   i18n.T("Los avisos que te hemos enviado (plazos que vencen, pasos pendientes, decisiones sobre tu identificación), los más recientes primero.", "The notices we have sent you (deadlines coming up, steps left to do, decisions on your identification), newest first."),
	"acc.notices.none":  i18n.T("Todavía no te hemos enviado ningún aviso. Te avisaremos por correo antes de que venza un plazo, como la caducidad de tu certificado.", "We have not sent you any notice yet. We will email you before a deadline, such as your certificate's expiry."),
	"acc.notices.read":  i18n.T("Leer el aviso", "Read the notice"),
	"acc.notices.sent":  i18n.T("Enviado", "Sent"),
})
