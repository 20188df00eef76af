package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// startStore is the directory and catalogue "Start here" reads: the demo's
// two offices (one does certificates only) and two relying parties.
type startStore struct{}

func (startStore) ListOffices(context.Context) ([]store.Office, error) {
	return []store.Office{
		{ID: "o1", Name: "Oficina Centro", Address: "Plaza Mayor 1", PostalCode: "28012", City: "Madrid", Province: "Madrid",
			Hours: "L-V 9:00-14:00", Handles: []string{"certificate", "account", "video-review"}},
		{ID: "o2", Name: "Oficina Triana", Address: "Calle Betis 10", PostalCode: "41010", City: "Sevilla", Province: "Sevilla",
			Hours: "L-J 9:00-17:00, V 9:00-14:00", Handles: []string{"certificate"}},
	}, nil
}

func (startStore) ListClients(context.Context) ([]store.Client, error) {
	return []store.Client{
		{ID: "traffic", Name: "Sede de Tráfico", Procedures: []store.Procedure{
			{ID: "points-balance", Name: "Consulta de puntos", NameEN: "Points balance", ACR: "low"},
			{ID: "licence-exchange", Name: "Canje de permiso", NameEN: "Licence exchange", ACR: "substantial", Signature: true, SignatureKind: store.SignatureRemote},
		}},
		{ID: "tax", Name: "Sede Tributaria", Procedures: []store.Procedure{
			{ID: "tax-return", Name: "Declaración de la renta", NameEN: "Income tax return", ACR: "substantial"},
			// Stored before signature kinds: a certificate signature.
			{ID: "vat-return", Name: "IVA trimestral", NameEN: "Quarterly VAT", ACR: "substantial", Signature: true},
			{ID: "customs", Name: "Aduanas con tarjeta", ACR: "high"}, // no English name: the Spanish one serves
		}},
	}, nil
}

func newStartServer(t testing.TB, d StartDeps) *Server {
	t.Helper()
	s, _ := newTestServer(t, Config{})
	if d.Offices == nil {
		d.Offices, d.Clients = startStore{}, startStore{}
	}
	s.MountStart(d)
	return s
}

var (
	stepIDs = regexp.MustCompile(`<li class="step" id="step-([a-z]+)">`)
	riskIDs = regexp.MustCompile(`<li id="risk-([a-z]+)-([a-z-]+)">`)
)

// planOf fetches a plan and reads back its steps and, per step, its risks.
func planOf(t *testing.T, h http.Handler, query string) (steps []string, risks map[string][]string, page string) {
	t.Helper()
	resp := do(t, h, "GET", PlanPath+"?"+query, map[string]string{"Accept-Language": "es"})
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET plan?%s = %d\n%s", query, resp.StatusCode, page)
	}
	for _, m := range stepIDs.FindAllStringSubmatch(page, -1) {
		steps = append(steps, m[1])
	}
	risks = map[string][]string{}
	for _, m := range riskIDs.FindAllStringSubmatch(page, -1) {
		risks[m[1]] = append(risks[m[1]], m[2])
	}
	return steps, risks, page
}

func TestPlanSituations(t *testing.T) {
	certFirst := []string{"request", "check", "download", "account"}
	for _, tc := range []struct {
		name    string
		query   string
		opt     StartDeps
		steps   []string
		risks   map[string][]string // step: risks that must be there
		without map[string][]string // step: risks that must not
		phrases []string
	}{{
		name:  "DNI, Spanish mobile, nothing yet: certificate first",
		query: "doc=dni&phone=es&cert=none",
		steps: certFirst,
		risks: map[string][]string{
			"request":  {"key-one-browser", "surname-mismatch", "not-in-registry"},
			"check":    {"code-expires", "expired-document", "document-mismatch", "office-handles"},
			"download": {"key-one-browser", "no-backup", "renew-window"},
			"account":  {"basic-too-late"},
		},
		without: map[string][]string{"request": {"passport-not-nie"}, "check": {"video-not-for-you"}, "account": {"foreign-sms", "no-mobile"}},
		opt:     StartDeps{VideoDocuments: []string{"DNI"}},
		phrases: []string{"Tu DNI original", "caduca a los 30 días", "Añade tu móvil"},
	}, {
		name:  "NIE with TIE and a foreign mobile",
		query: "doc=tie&phone=foreign&cert=none",
		opt:   StartDeps{ForeignPhones: true, VideoDocuments: []string{"DNI"}, CodeTTL: 15 * 24 * time.Hour},
		steps: certFirst,
		risks: map[string][]string{
			"request": {"key-one-browser", "passport-not-nie"},
			"check":   {"code-expires", "video-not-for-you"},
			"account": {"basic-too-late", "foreign-sms"},
		},
		phrases: []string{"Tu TIE original y sin caducar", "caduca a los 15 días"},
	}, {
		name:    "foreign mobile on a deployment that refuses them",
		query:   "doc=tie&phone=foreign&cert=none",
		steps:   certFirst,
		risks:   map[string][]string{"account": {"foreign-sms-refused"}},
		without: map[string][]string{"account": {"foreign-sms"}},
	}, {
		name:    "EU citizen without a mobile",
		query:   "doc=eu&phone=none&cert=none",
		steps:   certFirst,
		risks:   map[string][]string{"request": {"passport-not-nie"}, "account": {"no-mobile"}},
		phrases: []string{"certificado verde", "Y además tu pasaporte"},
	}, {
		name:    "a valid certificate already: register with it at once",
		query:   "doc=dni&phone=es&cert=valid&proc=traffic.licence-exchange",
		steps:   []string{"account", "procedures"},
		risks:   map[string][]string{"account": {"basic-too-late", "no-backup", "renew-window"}},
		phrases: []string{"Canje de permiso", "Además, lo firmas en llavero, sin instalar nada, con un código que te enviamos al móvil por SMS."},
	}, {
		name:    "an expired document: renew it first",
		query:   "doc=tie&expired=1&phone=es&cert=none",
		steps:   []string{"document", "request", "check", "download", "account"},
		risks:   map[string][]string{"document": {"expired-document"}},
		phrases: []string{"El resguardo de renovación no sirve"},
	}, {
		name:    "an expired certificate: a new request, explained",
		query:   "doc=dni&phone=es&cert=expired",
		steps:   certFirst,
		phrases: []string{"no se puede renovar en línea"},
	}, {
		name:    "a procedure at the high level needs a token",
		query:   "doc=dni&phone=es&cert=none&proc=tax.customs&proc=traffic.points-balance",
		steps:   append(slices.Clone(certFirst), "procedures"),
		risks:   map[string][]string{"procedures": {"needs-token"}},
		phrases: []string{"Consulta de puntos", "Aduanas con tarjeta", "tarjeta o token"},
	}, {
		name:    "low procedures only: no token warning",
		query:   "doc=dni&phone=es&cert=none&proc=traffic.points-balance",
		steps:   append(slices.Clone(certFirst), "procedures"),
		without: map[string][]string{"procedures": {"needs-token"}},
		phrases: []string{"también con una cuenta básica"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStartServer(t, tc.opt)
			steps, risks, page := planOf(t, s.Handler(), tc.query)
			if !slices.Equal(steps, tc.steps) {
				t.Errorf("steps = %v, want %v", steps, tc.steps)
			}
			for step, want := range tc.risks {
				for _, r := range want {
					if !slices.Contains(risks[step], r) {
						t.Errorf("step %s: risks %v lack %q", step, risks[step], r)
					}
				}
			}
			for step, not := range tc.without {
				for _, r := range not {
					if slices.Contains(risks[step], r) {
						t.Errorf("step %s: risks %v have %q", step, risks[step], r)
					}
				}
			}
			for _, p := range tc.phrases {
				if !strings.Contains(page, p) {
					t.Errorf("plan lacks %q", p)
				}
			}
		})
	}
}

// TestPlanSignatures: the plan says how each chosen procedure is signed,
// in both languages: the licence exchange on llavero with an SMS code,
// the VAT return with the person's own certificate (as it was stored
// before signature kinds), the tax return not at all; and it warns about
// what stops each kind (no mobile for the SMS code, the certificate on
// another computer).
func TestPlanSignatures(t *testing.T) {
	remote := signText(store.SignatureRemote)
	local := signText(store.SignatureCertificate)
	for _, tc := range []struct {
		name, query string
		opt         StartDeps
		says, not   []i18n.Text // sentences the plan must and must not hold
		risks, no   []string    // risks of the procedures step that must and must not be there
	}{
		{name: "licence exchange: remote signing", query: "doc=tie&phone=es&cert=valid&proc=traffic.licence-exchange",
			says: []i18n.Text{remote}, not: []i18n.Text{local}, no: []string{"sign-needs-mobile", "sign-certificate-computer"}},
		{name: "VAT return: certificate", query: "doc=dni&phone=es&cert=none&proc=tax.vat-return",
			says: []i18n.Text{local}, not: []i18n.Text{remote}, risks: []string{"sign-certificate-computer"}, no: []string{"sign-needs-mobile"}},
		{name: "no signature", query: "doc=dni&phone=es&cert=none&proc=tax.tax-return",
			not: []i18n.Text{local, remote}, no: []string{"sign-needs-mobile", "sign-certificate-computer"}},
		{name: "remote signing without a mobile", query: "doc=eu&phone=none&cert=none&proc=traffic.licence-exchange",
			says: []i18n.Text{remote}, risks: []string{"sign-needs-mobile"}},
		{name: "remote signing with a foreign mobile refused here", query: "doc=tie&phone=foreign&cert=none&proc=traffic.licence-exchange",
			says: []i18n.Text{remote}, risks: []string{"sign-needs-mobile"}},
		{name: "remote signing with a foreign mobile accepted here", query: "doc=tie&phone=foreign&cert=none&proc=traffic.licence-exchange",
			opt: StartDeps{ForeignPhones: true}, says: []i18n.Text{remote}, no: []string{"sign-needs-mobile"}},
		{name: "both kinds", query: "doc=dni&phone=es&cert=valid&proc=traffic.licence-exchange&proc=tax.vat-return",
			says: []i18n.Text{remote, local}, risks: []string{"sign-certificate-computer"}},
	} {
		for _, lang := range i18n.Langs {
			t.Run(tc.name+"/"+string(lang), func(t *testing.T) {
				s := newStartServer(t, tc.opt)
				resp := do(t, s.Handler(), "GET", PlanPath+"?"+tc.query, map[string]string{"Accept-Language": string(lang)})
				page := html.UnescapeString(body(t, resp))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%d\n%s", resp.StatusCode, page)
				}
				for _, w := range tc.says {
					if !strings.Contains(page, w.In(lang)) {
						t.Errorf("the plan lacks %q", w.In(lang))
					}
				}
				for _, w := range tc.not {
					if strings.Contains(page, w.In(lang)) {
						t.Errorf("the plan says %q", w.In(lang))
					}
				}
				var risks []string
				for _, m := range riskIDs.FindAllStringSubmatch(page, -1) {
					if m[1] == stepProcedures {
						risks = append(risks, m[2])
					}
				}
				for _, r := range tc.risks {
					if !slices.Contains(risks, r) {
						t.Errorf("procedures risks %v lack %s", risks, r)
					}
				}
				for _, r := range tc.no {
					if slices.Contains(risks, r) {
						t.Errorf("procedures risks %v have %s", risks, r)
					}
				}
			})
		}
	}
}

// TestPlanOffices: the identity check lists only the offices that do it,
// the account step only those that register accounts.
func TestPlanOffices(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	_, _, page := planOf(t, s.Handler(), "doc=dni&phone=es&cert=none")
	check := section(page, `id="step-check"`, `id="step-download"`)
	account := section(page, `id="step-account"`, `class="share"`)
	for _, want := range []string{"Oficina Centro", "Oficina Triana", "Calle Betis 10, 41010 Sevilla", "L-J 9:00-17:00, V 9:00-14:00"} {
		if !strings.Contains(check, want) {
			t.Errorf("identity check step lacks %q", want)
		}
	}
	if !strings.Contains(account, "Oficina Centro") || strings.Contains(account, "Oficina Triana") {
		t.Error("account step should list Centro (handles accounts) and not Triana")
	}
	// No office does the check: say so rather than show an empty list.
	s = newStartServer(t, StartDeps{Offices: noOffices{}, Clients: startStore{}})
	_, _, page = planOf(t, s.Handler(), "doc=dni&phone=es&cert=none")
	if !strings.Contains(section(page, `id="step-check"`, `id="step-download"`), "Ninguna oficina de este servicio") {
		t.Error("a check no office does is not explained")
	}
}

type noOffices struct{}

func (noOffices) ListOffices(context.Context) ([]store.Office, error) { return nil, nil }

func section(page, from, to string) string {
	i, j := strings.Index(page, from), strings.Index(page, to)
	if i < 0 || j < i {
		return ""
	}
	return page[i:j]
}

// TestPlanLinkRoundTrip: the plan's link, whatever order the answers came
// in, is canonical, reproduces the same plan, and refills the form.
func TestPlanLinkRoundTrip(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	h := s.Handler()
	_, _, first := planOf(t, h, "proc=tax.tax-return&cert=none&proc=traffic.licence-exchange&phone=foreign&doc=tie")
	want := "https://llavero.example/start/plan?cert=none&amp;doc=tie&amp;phone=foreign&amp;proc=traffic.licence-exchange&amp;proc=tax.tax-return"
	if !strings.Contains(first, `href="`+want+`"`) {
		t.Fatalf("plan lacks the canonical link %s", want)
	}
	link, err := url.Parse(strings.ReplaceAll(want, "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, again := planOf(t, h, link.RawQuery)
	// The pages differ only in the language switch, which keeps the
	// query as it came.
	if main := section(first, "<main", "</main>"); main == "" || section(again, "<main", "</main>") != main {
		t.Error("the plan's link does not reproduce the plan")
	}
	resp := do(t, h, "GET", StartPath+"?"+link.RawQuery, nil)
	form := body(t, resp)
	for _, want := range []string{
		`value="tie" checked`, `value="foreign" checked`, `id="cert-none" name="cert" value="none" checked`,
		`value="traffic.licence-exchange" checked`, `value="tax.tax-return" checked`, `value="traffic.points-balance">`,
	} {
		if !strings.Contains(form, want) {
			t.Errorf("the form from the link lacks %q", want)
		}
	}
}

// TestPlanRefusesIdentifiers: the query holds only the form's fixed words;
// a name or a document number anywhere is refused, never echoed.
func TestPlanRefusesIdentifiers(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	base := "doc=tie&phone=es&cert=none"
	for _, tc := range []struct{ query, code string }{
		{base + "&nie=X1234567L", "start.query"},
		{base + "&name=Ana+Garc%C3%ADa", "start.query"},
		{"doc=X1234567L&phone=es&cert=none", "start.query"},
		{"doc=tie&doc=dni&phone=es&cert=none", "start.query"},
		{base + "&expired=X1234567L", "start.query"},
		{base + "&proc=X1234567L", "start.query"},
		{base + "&proc=traffic.X1234567L", "start.procedure"},
		{base + "&proc=X1234567L.points-balance", "start.procedure"},
		{base + strings.Repeat("&proc=traffic.points-balance", maxPlanProcs+1), "start.query"},
	} {
		for _, path := range []string{PlanPath, StartPath} {
			resp := do(t, s.Handler(), "GET", path+"?"+tc.query, map[string]string{"Accept": "application/json"})
			b := body(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, `"code":"`+tc.code+`"`) {
				t.Errorf("GET %s?%s = %d %s, want 400 %s", path, tc.query, resp.StatusCode, b, tc.code)
			}
			if strings.Contains(b, "X1234567L") || strings.Contains(b, "Ana") {
				t.Errorf("GET %s?%s echoes the identifier: %s", path, tc.query, b)
			}
			// The page too, language switch included.
			resp = do(t, s.Handler(), "GET", path+"?"+tc.query, nil)
			if b = body(t, resp); resp.StatusCode != http.StatusBadRequest || strings.Contains(b, "X1234567L") || strings.Contains(b, "Ana") {
				t.Errorf("GET %s?%s page = %d, echoes the identifier or is not a refusal", path, tc.query, resp.StatusCode)
			}
		}
	}
}

// TestPlanMissingAnswers: a form sent half-answered comes back with the
// answers kept and the problem announced.
func TestPlanMissingAnswers(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	resp := do(t, s.Handler(), "GET", PlanPath+"?doc=eu&proc=tax.tax-return", map[string]string{"Accept-Language": "en"})
	page := body(t, resp)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`role="alert"`, "Some answers are missing", `value="eu" checked`, `value="tax.tax-return" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %q", want)
		}
	}
}

// TestStartPagesInBothLanguages: the form, a plan and the directory, in
// each language, with no missing text, a labelled control for every input
// and the print stylesheet on the pages meant for paper.
func TestStartPagesInBothLanguages(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	for _, tc := range []struct {
		lang    string
		phrases map[string][]string
	}{
		{"es", map[string][]string{
			StartPath:                                {"Planifica tus pasos", "¿Qué documento de identidad tienes?", "Sede de Tráfico", "Canje de permiso", "nivel sustancial; se firma con un código por SMS", "nivel sustancial; se firma con tu certificado"},
			PlanPath + "?doc=dni&phone=es&cert=none": {"Tu plan, paso a paso", "Qué llevar", "Cuánto tarda", "Qué suele salir mal", "Para: DNI; móvil español; sin certificado."},
			OfficesPath:                              {"Oficinas de registro", "Horario", "comprobación de identidad para el certificado"},
		}},
		{"en", map[string][]string{
			StartPath:                                {"Plan your steps", "Which identity document do you have?", "Sede de Tráfico", "level substantial; signed with a code by SMS", "level substantial; signed with your certificate"},
			PlanPath + "?doc=dni&phone=es&cert=none": {"Your plan, step by step", "What to bring", "How long it takes", "What usually goes wrong", "For: DNI; Spanish mobile; no certificate."},
			OfficesPath:                              {"Registration offices", "Opening hours", "identity check for the certificate", "account registration (advanced level)"},
		}},
	} {
		for path, phrases := range tc.phrases {
			resp := do(t, s.Handler(), "GET", path, map[string]string{"Accept-Language": tc.lang})
			page := body(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s = %d", tc.lang, path, resp.StatusCode)
			}
			if !strings.Contains(page, `<html lang="`+tc.lang+`">`) {
				t.Errorf("%s %s: wrong lang attribute", tc.lang, path)
			}
			for _, p := range phrases {
				if !strings.Contains(page, p) {
					t.Errorf("%s %s lacks %q", tc.lang, path, p)
				}
			}
			if strings.Contains(page, "[start.") || strings.Contains(page, "[plan.") || strings.Contains(page, "[offices.") {
				t.Errorf("%s %s shows a missing catalogue key", tc.lang, path)
			}
			for _, m := range regexp.MustCompile(`<input [^>]*id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
				if !strings.Contains(page, `<label for="`+m[1]+`">`) {
					t.Errorf("%s %s: input %s has no label", tc.lang, path, m[1])
				}
			}
			if !strings.Contains(page, "/static/start.css?v=") {
				t.Errorf("%s %s: no print stylesheet", tc.lang, path)
			}
		}
	}
}

// TestStartNotLoggedInNoJS: the form is a plain GET form to the plan: no
// script, no session, no CSRF token needed because it changes nothing.
func TestStartFormIsPlainGET(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	page := body(t, do(t, s.Handler(), "GET", StartPath, nil))
	if !strings.Contains(page, `<form method="get" action="/start/plan"`) || strings.Contains(page, "<script") {
		t.Error("the form is not a plain GET form")
	}
}

func TestHomeLinksStart(t *testing.T) {
	s := newStartServer(t, StartDeps{})
	page := body(t, do(t, s.Handler(), "GET", "/", nil))
	if !strings.Contains(page, `<a class="button" href="/start">`) {
		t.Error("home does not link /start prominently")
	}
}

// TestBuildPlanEveryCombination: every combination of answers gives a
// plan that ends with the account and, unless the person has a valid
// certificate, gets it first.
func TestBuildPlanEveryCombination(t *testing.T) {
	offices, _ := startStore{}.ListOffices(context.Background())
	for _, doc := range startChoices[qDoc] {
		for _, phone := range startChoices[qPhone] {
			for _, cert := range startChoices[qCert] {
				for _, expired := range []bool{false, true} {
					a := answers{Doc: doc, Phone: phone, Cert: cert, DocExpired: expired}
					p := buildPlan(a, nil, offices, planOptions{CodeDays: 30})
					if p.Steps[len(p.Steps)-1].ID != stepAccount {
						t.Errorf("%+v: last step %s", a, p.Steps[len(p.Steps)-1].ID)
					}
					if p.has(stepRequest) == (cert == certValid) {
						t.Errorf("%+v: request step present = %v", a, p.has(stepRequest))
					}
					if p.has(stepDocument) != expired || (expired && p.Steps[0].ID != stepDocument) {
						t.Errorf("%+v: document step wrong", a)
					}
					for _, s := range p.Steps {
						for _, txt := range append([]i18n.Text{s.Title, s.Where, s.Takes}, s.What...) {
							if txt.ES == "" || txt.EN == "" {
								t.Errorf("%+v: step %s has an untranslated text", a, s.ID)
							}
						}
					}
				}
			}
		}
	}
}

func BenchmarkPlan(b *testing.B) {
	s := newStartServer(b, StartDeps{ForeignPhones: true})
	h := s.Handler()
	target := PlanPath + "?doc=tie&phone=foreign&cert=none&proc=traffic.licence-exchange&proc=tax.tax-return"
	b.ReportAllocs()
	for b.Loop() {
		if resp := do(b, h, "GET", target, nil); resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode)
		}
	}
}

func BenchmarkBuildPlan(b *testing.B) {
	offices, _ := startStore{}.ListOffices(context.Background())
	s := &startRoutes{d: StartDeps{Clients: startStore{}}}
	cat, _ := s.catalogueOf(context.Background(), i18n.ES)
	q, _ := url.ParseQuery("doc=tie&phone=foreign&cert=none&proc=traffic.licence-exchange&proc=tax.tax-return")
	b.ReportAllocs()
	for b.Loop() {
		a, chosen, err := parseAnswers(q, cat)
		if err != nil {
			b.Fatal(err)
		}
		buildPlan(a, chosen, offices, planOptions{ForeignPhones: true, CodeDays: 30})
	}
}

// TestProcedureNamesFollowThePage: the form and the plan name each
// procedure in the page's language, and in Spanish when it has no English
// name.
func TestProcedureNamesFollowThePage(t *testing.T) {
	h := newStartServer(t, StartDeps{}).Handler()
	const plan = "doc=dni&phone=es&cert=none&proc=traffic.licence-exchange&proc=tax.customs"
	for _, tc := range []struct {
		lang, path string
		want, not  []string
	}{
		{"en", StartPath, []string{"Points balance", "Licence exchange", "Income tax return", "Aduanas con tarjeta"}, []string{"Consulta de puntos", "Canje de permiso"}},
		{"es", StartPath, []string{"Consulta de puntos", "Canje de permiso", "Declaración de la renta", "Aduanas con tarjeta"}, []string{"Points balance", "Licence exchange"}},
		{"en", PlanPath + "?" + plan, []string{"Licence exchange", "Aduanas con tarjeta"}, []string{"Canje de permiso"}},
		{"es", PlanPath + "?" + plan, []string{"Canje de permiso", "Aduanas con tarjeta"}, []string{"Licence exchange"}},
	} {
		resp := do(t, h, "GET", tc.path, map[string]string{"Accept-Language": tc.lang})
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s in %s: %d", tc.path, tc.lang, resp.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s in %s lacks %q", tc.path, tc.lang, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(page, n) {
				t.Errorf("%s in %s shows %q", tc.path, tc.lang, n)
			}
		}
	}
}
