package web

import (
	"net/http"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// "My signatures" on /account: the person's remote signatures, newest
// first, with the office and what it was, whatever became of them.

type signatureView struct {
	When   string
	Office string
	What   string // the description, or the document's name
	State  i18n.Text
	Signed bool
}

var signStateLabels = map[string]i18n.Text{
	store.SignRequested: i18n.T("pendiente", "waiting"),
	store.SignApproved:  i18n.T("firmado", "signed"),
	store.SignRefused:   i18n.T("no firmado (lo rechazaste)", "not signed (you refused)"),
	store.SignExpired:   i18n.T("no firmado (se acabó el tiempo)", "not signed (time ran out)"),
	store.SignFailed:    i18n.T("no firmado (anulado)", "not signed (cancelled)"),
}

func (a *accountRoutes) signaturesOf(r *http.Request, personID string) ([]signatureView, error) {
	reqs, err := a.d.Store.ListPersonSignatureRequests(r.Context(), personID, 20)
	if err != nil {
		return nil, err
	}
	out := make([]signatureView, 0, len(reqs))
	for _, q := range reqs {
		v := signatureView{When: a.when(q.CreatedAt), Office: q.ClientName, What: q.Description, State: label(signStateLabels, q.State),
			Signed: q.State == store.SignApproved}
		if !q.DecidedAt.IsZero() {
			v.When = a.when(q.DecidedAt)
		}
		if v.What == "" {
			v.What = q.DocumentName
		}
		out = append(out, v)
	}
	return out, nil
}

var _ = addTexts(map[string]i18n.Text{
	"acc.sign.title":   i18n.T("Mis firmas", "My signatures"),
	"acc.sign.caption": i18n.T("Tus últimas firmas remotas", "Your latest remote signatures"),
	"acc.sign.office":  i18n.T("Sede", "Office"),
	"acc.sign.none":    i18n.T("Todavía no has firmado nada con llavero.", "You have not signed anything with llavero yet."),
	"acc.sign.pdf":     i18n.T("Firmar un PDF", "Sign a PDF"),
})
