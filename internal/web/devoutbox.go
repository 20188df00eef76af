package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/identity"
	"github.com/llavero/llavero/internal/store"
)

// DevOutboxPath is the development outbox in the browser. It exists only in
// a demonstration (serve --demo): it shows every code llavero sends.
const DevOutboxPath = "/dev/outbox"

// devOutboxLimit is how many messages the page shows; a demo's outbox is
// read by a person, not paged through.
const devOutboxLimit = 200

// devAutoRefresh is the auto-refresh interval, in seconds, when the person
// asks for it. Off by default: a page that reloads by itself takes a
// screen-reader user's place away.
const devAutoRefresh = 15

// DevOutboxDeps are what the development outbox reads.
type DevOutboxDeps struct {
	Outbox interface {
		ListOutbox(ctx context.Context, f store.OutboxFilter) ([]store.Message, error)
	}
	// LetterDir is where the letters' PDFs are written; a letter is served
	// only from there.
	LetterDir string
}

// MountDevOutbox adds the development outbox: the emails, SMS and letters
// the outbox holds, newest first, with their codes, and the letters' PDFs.
// Only a demonstration mounts it; elsewhere its address is a 404.
func (s *Server) MountDevOutbox(d DevOutboxDeps) {
	s.devOutbox = true
	s.Handle("GET "+DevOutboxPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.devOutboxPage(w, r, d) }))
	s.Handle("GET "+DevOutboxPath+"/letters/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.devOutboxLetter(w, r, d) }))
}

type devMessage struct {
	ID, Kind, To, PersonID, Lang, Subject, Body, Time string
	KindLabel                                         i18n.Text
	LetterURL                                         string
}

type devKind struct {
	Value    string
	Label    i18n.Text
	Selected bool
}

type devOutboxView struct {
	To       string
	Kind     string
	Kinds    []devKind
	Messages []devMessage
	Full     bool // the page holds devOutboxLimit messages: there may be older ones
	Auto     int  // seconds between reloads, 0 when off
	Here     string
	AutoURL  string
	StopURL  string
}

// devKinds are the filter's choices; the first, every kind.
var devKinds = []devKind{
	{Value: "", Label: i18n.T("Todos", "All")},
	{Value: store.KindEmail, Label: i18n.T("Correo", "Email")},
	{Value: store.KindSMS, Label: i18n.T("SMS", "SMS")},
	{Value: store.KindLetter, Label: i18n.T("Carta", "Letter")},
}

// kindLabel names a message's kind.
func kindLabel(kind string) i18n.Text {
	for _, k := range devKinds[1:] {
		if k.Value == kind {
			return k.Label
		}
	}
	return i18n.T("Otro", "Other")
}

// devRecipient puts what the person typed in the form the outbox keeps: an
// identifier or a phone number in canonical form, anything else (an email
// address, a letter's address) as typed.
func devRecipient(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if id, err := identity.ParseID(raw); err == nil {
		return id.Value
	}
	if !strings.Contains(raw, "@") {
		if p, err := identity.ParsePhone(raw, identity.PhoneOptions{AllowForeign: true}); err == nil {
			return p.E164
		}
	}
	return raw
}

func (s *Server) devOutboxPage(w http.ResponseWriter, r *http.Request, d DevOutboxDeps) {
	q := r.URL.Query()
	v := devOutboxView{To: devRecipient(q.Get("to"))}
	for _, k := range devKinds {
		if k.Value != "" && k.Value == q.Get("kind") {
			v.Kind = k.Value
		}
	}
	for _, k := range devKinds {
		k.Selected = k.Value == v.Kind
		v.Kinds = append(v.Kinds, k)
	}
	msgs, err := d.Outbox.ListOutbox(r.Context(), store.OutboxFilter{To: v.To, Kind: v.Kind, Limit: devOutboxLimit})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v.Full = len(msgs) == devOutboxLimit
	for _, m := range msgs {
		dm := devMessage{ID: m.ID, Kind: m.Kind, KindLabel: kindLabel(m.Kind), To: m.To, PersonID: m.PersonID, Lang: m.Lang,
			Subject: m.Subject, Body: m.Body, Time: m.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")}
		if m.Kind == store.KindLetter && m.Path != "" {
			dm.LetterURL = DevOutboxPath + "/letters/" + url.PathEscape(m.ID)
		}
		v.Messages = append(v.Messages, dm)
	}
	here := url.Values{}
	if v.To != "" {
		here.Set("to", v.To)
	}
	if v.Kind != "" {
		here.Set("kind", v.Kind)
	}
	v.StopURL = DevOutboxPath
	if len(here) > 0 {
		v.StopURL += "?" + here.Encode()
	}
	if q.Get("auto") == "1" {
		v.Auto = devAutoRefresh
		here.Set("auto", "1")
	}
	v.Here = DevOutboxPath
	if len(here) > 0 {
		v.Here += "?" + here.Encode()
	}
	here.Set("auto", "1")
	v.AutoURL = DevOutboxPath + "?" + here.Encode()
	// The page shows codes: never kept by a browser or a proxy.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.Render(w, r, http.StatusOK, "dev_outbox", v)
}

// devOutboxLetter serves a letter's PDF, only from the letters directory.
func (s *Server) devOutboxLetter(w http.ResponseWriter, r *http.Request, d DevOutboxDeps) {
	msgs, err := d.Outbox.ListOutbox(r.Context(), store.OutboxFilter{ID: r.PathValue("id"), Kind: store.KindLetter, Limit: 1})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(msgs) == 0 || !inDir(d.LetterDir, msgs[0].Path) {
		s.Error(w, r, WithStatus(http.StatusNotFound, errLetterGone))
		return
	}
	f, err := os.Open(msgs[0].Path)
	if err != nil {
		s.Error(w, r, WithStatus(http.StatusNotFound, errLetterGone.Wrap(err)))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+filepath.Base(msgs[0].Path)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// inDir reports whether path is a file inside dir.
func inDir(dir, path string) bool {
	if dir == "" || path == "" {
		return false
	}
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(path))
	return err == nil && rel != "." && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

var errLetterGone = i18n.New("dev.letter_gone",
	i18n.T("Esta carta no está en la bandeja de salida, o su PDF ya no está en el directorio de cartas.",
		"This letter is not in the outbox, or its PDF is no longer in the letters directory."),
	i18n.T("Vuelve a la bandeja de salida y abre la carta desde su enlace. Si borraste DATA/letters, pide la carta otra vez.",
		"Go back to the outbox and open the letter from its link. If you deleted DATA/letters, ask for the letter again."))

var _ = addTexts(map[string]i18n.Text{
	"dev.title": i18n.T("Bandeja de salida (demostración)", "Outbox (demonstration)"),
	"dev.lead": i18n.T(
		"Aquí está todo lo que llavero ha enviado: correos, SMS y cartas, lo más reciente primero. En una instalación de demostración nada sale de verdad, así que los códigos se leen aquí.",
		"Here is everything llavero has sent: emails, SMS and letters, newest first. In a demonstration nothing really leaves, so you read the codes here."),
	"dev.warning": i18n.T(
		"Esta página solo existe en modo demostración (llavero serve --demo). Muestra todos los códigos: nunca la uses con personas reales.",
		"This page only exists in demonstration mode (llavero serve --demo). It shows every code: never use it with real people."),
	"dev.filter":         i18n.T("Filtrar", "Filter"),
	"dev.filter.to":      i18n.T("Persona o destinatario", "Person or recipient"),
	"dev.filter.to.hint": i18n.T("DNI o NIE, correo electrónico o móvil. Vacío: todos.", "DNI or NIE, email address or mobile number. Empty: everyone."),
	"dev.filter.kind":    i18n.T("Tipo", "Kind"),
	"dev.filter.submit":  i18n.T("Mostrar", "Show"),
	"dev.filter.clear":   i18n.T("Quitar el filtro", "Clear the filter"),
	"dev.refresh":        i18n.T("Actualizar", "Refresh"),
	"dev.refresh.auto":   i18n.T("Actualizar sola cada 15 segundos", "Refresh by itself every 15 seconds"),
	"dev.refresh.stop":   i18n.T("Dejar de actualizar sola", "Stop refreshing by itself"),
	"dev.refresh.on":     i18n.T("La página se actualiza sola cada 15 segundos.", "The page refreshes by itself every 15 seconds."),
	"dev.count":          i18n.T("Mensajes mostrados:", "Messages shown:"),
	"dev.full":           i18n.T("Se muestran los 200 más recientes; filtra para ver otros.", "The 200 newest are shown; filter to see others."),
	"dev.none":           i18n.T("Todavía no hay mensajes. Lo que llavero envíe aparecerá aquí.", "No messages yet. What llavero sends will appear here."),
	"dev.none.filtered":  i18n.T("No hay mensajes para este filtro.", "There are no messages for this filter."),
	"dev.to":             i18n.T("Para", "To"),
	"dev.person":         i18n.T("Persona", "Person"),
	"dev.sent":           i18n.T("Enviado", "Sent"),
	"dev.lang":           i18n.T("Idioma", "Language"),
	"dev.no_subject":     i18n.T("(sin asunto)", "(no subject)"),
	"dev.letter.pdf":     i18n.T("Abrir la carta (PDF)", "Open the letter (PDF)"),
	"dev.only_these":     i18n.T("Ver solo los de esta persona", "See only this person's"),
	"home.dev.title":     i18n.T("Instalación de demostración", "Demonstration installation"),
	"home.dev.lead":      i18n.T("Aquí nada sale de verdad: los correos, SMS y cartas, con sus códigos, están en la bandeja de salida.", "Nothing really leaves here: the emails, SMS and letters, with their codes, are in the outbox."),
	"home.dev.link":      i18n.T("Abrir la bandeja de salida", "Open the outbox"),
})
