package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// "Start here": a plain GET form that asks what a person has and what they
// want to do, and a plan page that answers with the steps in the right
// order. The answers live only in the address, as a handful of fixed
// words, so the link can be printed, shared and reopened and still holds
// nothing about the person: no identifier, no name. Anything else in the
// query is refused rather than ignored, so a link that carries a number
// never renders as if it were fine to pass around.

// StartPath and PlanPath are the form and its answer; OfficesPath is the
// office directory.
const (
	StartPath   = "/start"
	PlanPath    = "/start/plan"
	OfficesPath = "/offices"
)

// maxPlanProcs bounds the procedures one plan may name: a plan is read by
// a person, and the bound keeps a hostile query from costing much.
const maxPlanProcs = 30

// StartDeps are what "Start here" and the office directory read.
type StartDeps struct {
	Offices interface {
		ListOffices(ctx context.Context) ([]store.Office, error)
	}
	Clients interface {
		ListClients(ctx context.Context) ([]store.Client, error)
	}
	// ForeignPhones is whether the deployment accepts foreign mobiles for
	// SMS; the plan of a person with only a foreign mobile depends on it.
	ForeignPhones bool
	// CodeTTL is how long an application code lasts (ra.Config.CodeTTL);
	// 0 means the default, 30 days.
	CodeTTL time.Duration
	// VideoDocuments are the document types whose holders may identify by
	// video (idp.VideoConfig.Documents).
	VideoDocuments []string
}

type startRoutes struct {
	s *Server
	d StartDeps
}

// MountStart adds /start, its plan and the office directory.
func (s *Server) MountStart(d StartDeps) {
	st := &startRoutes{s: s, d: d}
	s.Handle("GET "+StartPath, http.HandlerFunc(st.form))
	s.Handle("GET "+PlanPath, http.HandlerFunc(st.plan))
	s.Handle("GET "+OfficesPath, http.HandlerFunc(st.officesPage))
}

// The query's refusals.
var (
	errStartQuery = i18n.New("start.query",
		i18n.T("Este enlace lleva datos que esta página no usa.",
			"This link carries data this page does not use."),
		i18n.T("El plan no necesita tu nombre ni tu número de documento: no los pongas en el enlace. Vuelve a «Planifica tus pasos» y responde a las preguntas.",
			"The plan needs neither your name nor your document number: do not put them in the link. Go back to \"Plan your steps\" and answer the questions."))
	errStartProc = i18n.New("start.procedure",
		i18n.T("Uno de los trámites del enlace ya no se ofrece.",
			"One of the procedures in the link is no longer offered."),
		i18n.T("Vuelve a «Planifica tus pasos» y elige tus trámites de la lista actual.",
			"Go back to \"Plan your steps\" and choose your procedures from the current list."))
)

// Query keys and the values each accepts.
const (
	qDoc     = "doc"
	qExpired = "expired"
	qPhone   = "phone"
	qCert    = "cert"
	qProc    = "proc"
)

var startChoices = map[string][]string{
	qDoc:     {docDNI, docTIE, docEU},
	qExpired: {"1"},
	qPhone:   {phoneES, phoneForeign, phoneNone},
	qCert:    {certNone, certValid, certExpired},
}

// parseAnswers reads the form's answers from q, refusing any key or value
// the form does not produce. Missing answers are left empty: the form
// asks for them again. Procedures must be in the catalogue; they come back
// in catalogue order, so one plan has one link.
func parseAnswers(q url.Values, catalogue []catalogueProc) (answers, []catalogueProc, error) {
	var a answers
	var picked map[procRef]bool
	for key, vals := range q {
		if key == qProc {
			if len(vals) > maxPlanProcs {
				return a, nil, errStartQuery
			}
			picked = make(map[procRef]bool, len(vals))
			for _, v := range vals {
				i := strings.LastIndexByte(v, '.')
				if i <= 0 || i == len(v)-1 {
					return a, nil, errStartQuery
				}
				picked[procRef{Client: v[:i], Proc: v[i+1:]}] = true
			}
			continue
		}
		allowed, ok := startChoices[key]
		if !ok || len(vals) != 1 || !contains(allowed, vals[0]) {
			return a, nil, errStartQuery
		}
		switch key {
		case qDoc:
			a.Doc = vals[0]
		case qExpired:
			a.DocExpired = true
		case qPhone:
			a.Phone = vals[0]
		case qCert:
			a.Cert = vals[0]
		}
	}
	var chosen []catalogueProc
	for _, p := range catalogue {
		if picked[p.Ref] {
			chosen = append(chosen, p)
			a.Procs = append(a.Procs, p.Ref)
			delete(picked, p.Ref)
		}
	}
	if len(picked) > 0 {
		return a, nil, errStartProc
	}
	return a, chosen, nil
}

// refuse answers a query parseAnswers refused. The error page is given
// the address without its query: its language switch would otherwise
// repeat whatever the query carried, a name or a number included.
func (st *startRoutes) refuse(w http.ResponseWriter, r *http.Request, err error) {
	r = r.Clone(r.Context())
	r.URL.RawQuery = ""
	st.s.Error(w, r, err)
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// complete reports whether every question has an answer.
func (a answers) complete() bool { return a.Doc != "" && a.Phone != "" && a.Cert != "" }

// query is the canonical query of a: what the form sends, in a fixed
// order, so the same answers always make the same link.
func (a answers) query() string {
	q := url.Values{}
	if a.Doc != "" {
		q.Set(qDoc, a.Doc)
	}
	if a.DocExpired {
		q.Set(qExpired, "1")
	}
	if a.Phone != "" {
		q.Set(qPhone, a.Phone)
	}
	if a.Cert != "" {
		q.Set(qCert, a.Cert)
	}
	for _, p := range a.Procs {
		q.Add(qProc, p.key())
	}
	return q.Encode()
}

func (p procRef) key() string { return p.Client + "." + p.Proc }

// catalogueOf lists every procedure of every registered relying party,
// each named in lang (the Spanish name when it has no English one).
func (st *startRoutes) catalogueOf(ctx context.Context, lang i18n.Lang) ([]catalogueProc, error) {
	clients, err := st.d.Clients.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var out []catalogueProc
	for _, c := range clients {
		for _, p := range c.Procedures {
			p.Name = p.NameFor(string(lang))
			out = append(out, catalogueProc{Ref: procRef{Client: c.ID, Proc: p.ID}, Office: c.Name, Procedure: p})
		}
	}
	return out, nil
}

// startForm is the Data of the form page.
type startForm struct {
	A       answers
	Missing bool // the form was sent without every answer
	Groups  []procGroup
}

// procGroup is one relying party's procedures on the form.
type procGroup struct {
	Office string
	Procs  []procChoice
}

type procChoice struct {
	Value, Name string
	Level       i18n.Text
	Sign        i18n.Text // how it is signed; empty when it needs no signature
	Checked     bool
}

func (f startForm) Is(key, value string) bool {
	switch key {
	case qDoc:
		return f.A.Doc == value
	case qPhone:
		return f.A.Phone == value
	case qCert:
		return f.A.Cert == value
	}
	return false
}

// planPage is the Data of the plan page.
type planPage struct {
	plan
	A         answers
	Summary   []i18n.Text // the answers, in words
	Procs     []catalogueProc
	ShareURL  string // the absolute link that reproduces this plan
	ChangeURL string // the form, with these answers filled in
}

// form shows the questions, filled in with the answers in the query (the
// "change my answers" link of a plan).
func (st *startRoutes) form(w http.ResponseWriter, r *http.Request) {
	cat, err := st.catalogueOf(r.Context(), LangOf(r))
	if err != nil {
		st.s.Error(w, r, err)
		return
	}
	a, _, err := parseAnswers(r.URL.Query(), cat)
	if err != nil {
		st.refuse(w, r, err)
		return
	}
	st.s.Render(w, r, http.StatusOK, "start", formData(a, cat, false))
}

func formData(a answers, cat []catalogueProc, missing bool) startForm {
	f := startForm{A: a, Missing: missing}
	checked := map[procRef]bool{}
	for _, p := range a.Procs {
		checked[p] = true
	}
	for _, p := range cat {
		if len(f.Groups) == 0 || f.Groups[len(f.Groups)-1].Office != p.Office {
			f.Groups = append(f.Groups, procGroup{Office: p.Office})
		}
		g := &f.Groups[len(f.Groups)-1]
		g.Procs = append(g.Procs, procChoice{Value: p.Ref.key(), Name: p.Name, Level: label(acrLabels, p.ACR),
			Sign: signLabels[p.SignatureNeeded()], Checked: checked[p.Ref]})
	}
	return f
}

// plan answers the form: the person's steps, or the form again, with the
// questions still to answer marked, when some answer is missing.
func (st *startRoutes) plan(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cat, err := st.catalogueOf(ctx, LangOf(r))
	if err != nil {
		st.s.Error(w, r, err)
		return
	}
	a, chosen, err := parseAnswers(r.URL.Query(), cat)
	if err != nil {
		st.refuse(w, r, err)
		return
	}
	if !a.complete() {
		st.s.Render(w, r, http.StatusBadRequest, "start", formData(a, cat, true))
		return
	}
	offices, err := st.d.Offices.ListOffices(ctx)
	if err != nil {
		st.s.Error(w, r, err)
		return
	}
	q := a.query()
	st.s.Render(w, r, http.StatusOK, "start_plan", planPage{
		plan:      buildPlan(a, chosen, offices, st.options()),
		A:         a,
		Summary:   a.summary(),
		Procs:     chosen,
		ShareURL:  st.s.publicURL + PlanPath + "?" + q,
		ChangeURL: StartPath + "?" + q,
	})
}

// summary says the answers back in words, at the top of the plan, so a
// printed plan shows whose situation it is for.
func (a answers) summary() []i18n.Text {
	out := []i18n.Text{label(docLabels, a.Doc)}
	if a.DocExpired {
		out = append(out, i18n.T("documento caducado o a punto de caducar", "document expired or about to expire"))
	}
	return append(out, label(phoneLabels, a.Phone), label(certLabels, a.Cert))
}

var (
	docLabels = map[string]i18n.Text{
		docDNI: i18n.T("DNI", "DNI"),
		docTIE: i18n.T("NIE con TIE", "NIE with a TIE"),
		docEU:  i18n.T("ciudadano de la UE: certificado verde y pasaporte", "EU citizen: green certificate and passport"),
	}
	// signLabels say, on the form, how a procedure is signed, by kind.
	signLabels = map[string]i18n.Text{
		store.SignatureCertificate: i18n.T("se firma con tu certificado", "signed with your certificate"),
		store.SignatureRemote:      i18n.T("se firma con un código por SMS", "signed with a code by SMS"),
	}
	phoneLabels = map[string]i18n.Text{
		phoneES:      i18n.T("móvil español", "Spanish mobile"),
		phoneForeign: i18n.T("solo un móvil extranjero", "only a foreign mobile"),
		phoneNone:    i18n.T("sin móvil", "no mobile"),
	}
	certLabels = map[string]i18n.Text{
		certNone:    i18n.T("sin certificado", "no certificate"),
		certValid:   i18n.T("ya tiene un certificado en vigor", "already has a valid certificate"),
		certExpired: i18n.T("certificado caducado o revocado", "certificate expired or revoked"),
	}
)

var _ = addTexts(map[string]i18n.Text{
	"start.title": i18n.T("Planifica tus pasos", "Plan your steps"),
	"start.lead": i18n.T(
		"Responde a unas preguntas y te decimos qué hacer, en qué orden, dónde, qué llevar y qué suele salir mal en cada paso.",
		"Answer a few questions and we tell you what to do, in what order, where, what to bring and what usually goes wrong at each step."),
	"start.private": i18n.T(
		"No te pedimos tu nombre ni tu número de documento. Tus respuestas van solo en el enlace del plan, para que puedas guardarlo o compartirlo.",
		"We do not ask for your name or your document number. Your answers go only in the plan's link, so you can keep it or share it."),
	"start.missing": i18n.T("Falta alguna respuesta: elige una opción en cada pregunta.", "Some answers are missing: choose one option in each question."),

	"start.doc":         i18n.T("¿Qué documento de identidad tienes?", "Which identity document do you have?"),
	"start.doc.dni":     i18n.T("DNI español", "Spanish DNI"),
	"start.doc.tie":     i18n.T("NIE con tarjeta TIE", "NIE with a TIE card"),
	"start.doc.eu":      i18n.T("Ciudadano de la UE: certificado verde de registro y pasaporte", "EU citizen: green registration certificate and passport"),
	"start.doc.expired": i18n.T("Mi documento ha caducado o caduca en las próximas semanas", "My document has expired or expires in the next few weeks"),

	"start.phone":         i18n.T("¿Qué móvil tienes?", "Which mobile do you have?"),
	"start.phone.es":      i18n.T("Un móvil español (+34)", "A Spanish mobile (+34)"),
	"start.phone.foreign": i18n.T("Solo un móvil extranjero", "Only a foreign mobile"),
	"start.phone.none":    i18n.T("No tengo móvil", "I have no mobile"),

	"start.cert":         i18n.T("¿Tienes ya un certificado personal de llavero?", "Do you already have a personal certificate from llavero?"),
	"start.cert.none":    i18n.T("No", "No"),
	"start.cert.valid":   i18n.T("Sí, en vigor", "Yes, a valid one"),
	"start.cert.expired": i18n.T("Sí, pero caducado o revocado", "Yes, but expired or revoked"),

	"start.procs": i18n.T("¿Qué quieres hacer?", "What do you want to do?"),
	"start.procs.hint": i18n.T("Elige los trámites que necesitas; puedes no elegir ninguno.",
		"Choose the procedures you need; you may choose none."),
	"start.procs.none": i18n.T("Todavía no hay sedes electrónicas registradas en este servicio.", "There are no electronic offices registered on this service yet."),
	"start.level":      i18n.T("nivel", "level"),
	"start.submit":     i18n.T("Ver mi plan", "See my plan"),
	"start.offices":    i18n.T("Ver todas las oficinas", "See every office"),

	"plan.title":      i18n.T("Tu plan, paso a paso", "Your plan, step by step"),
	"plan.for":        i18n.T("Para:", "For:"),
	"plan.where":      i18n.T("Dónde", "Where"),
	"plan.where.none": i18n.T("Ninguna oficina de este servicio lo hace todavía.", "No office on this service does this yet."),
	"plan.bring":      i18n.T("Qué llevar", "What to bring"),
	"plan.takes":      i18n.T("Cuánto tarda", "How long it takes"),
	"plan.risks":      i18n.T("Qué suele salir mal y cómo evitarlo", "What usually goes wrong and how to avoid it"),
	"plan.share":      i18n.T("Guarda o comparte este plan", "Keep or share this plan"),
	"plan.share.why": i18n.T("Este enlace vuelve a mostrar el mismo plan. Solo lleva tus respuestas, ningún dato personal.",
		"This link shows the same plan again. It holds only your answers, no personal data."),
	"plan.print":  i18n.T("Para tenerlo en papel, imprime esta página desde el navegador.", "To have it on paper, print this page from your browser."),
	"plan.change": i18n.T("Cambiar mis respuestas", "Change my answers"),
})

// options are the deployment's facts a plan depends on.
func (st *startRoutes) options() planOptions {
	days := int(st.d.CodeTTL / (24 * time.Hour))
	if days <= 0 {
		days = 30
	}
	return planOptions{ForeignPhones: st.d.ForeignPhones, CodeDays: days, VideoDocs: st.d.VideoDocuments}
}
