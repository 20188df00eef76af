package sampleoffice

import (
	"fmt"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// Name is the traffic office's name, as llavero's login pages show it to
// people (the Spanish name is the one registered).
const Name = "Sede electrónica de Tráfico (ejemplo)"

// Procedure is one thing a person can do at the office.
type Procedure struct {
	ID   string
	Name i18n.Text
	ACR  string // loa.Low, loa.Substantial or loa.High
	// Signature is the signature the procedure needs, as llavero's
	// catalogue names it: "" none, store.SignatureCertificate (the
	// person's own certificate) or store.SignatureRemote (remote signing
	// on llavero with an SMS code).
	Signature string
	// outcome is the made-up answer shown once the person is in, from
	// their identifier at the office; nil for the traffic procedures,
	// whose pages have their own shapes.
	outcome func(sub string) i18n.Text
}

// Kind is one office of the catalogue: the same code with another name,
// other procedures and cookies of its own (on localhost, cookies are
// shared across ports, so two offices with one cookie name would log each
// other out).
type Kind struct {
	ID         string // "traffic", "tax", "social-security"
	Name       i18n.Text
	Cookie     string // prefix of the office's cookie names
	Port       int    // the loopback port it listens on by default
	Procedures []Procedure
}

// Procedures are the traffic office's procedures, in the order the home
// page lists them. The levels are DOMAIN.md's traffic office; the IDs and
// both names are what `llavero admin client add --procedure` registers,
// so llavero's pages name the same procedures the office shows, in the
// page's language.
var Procedures = []Procedure{
	{ID: "points-balance", Name: i18n.T("Consultar el saldo de puntos", "Check your points balance"), ACR: loa.Low},
	{ID: "fine-payment", Name: i18n.T("Pagar una multa", "Pay a fine"), ACR: loa.Low},
	{ID: "licence-exchange", Name: i18n.T("Canjear un permiso de conducir extranjero", "Exchange a foreign driving licence"),
		ACR: loa.Substantial, Signature: store.SignatureRemote},
}

// The catalogue of sample offices, with DOMAIN.md's procedures and levels.
// They are illustrative, not a claim about the real offices.
var (
	Traffic = Kind{ID: "traffic", Name: i18n.T(Name, "Traffic electronic office (sample)"), Cookie: "trafico", Port: 9090,
		Procedures: Procedures}
	Tax = Kind{ID: "tax", Name: i18n.T("Sede electrónica de la Agencia Tributaria (ejemplo)", "Tax agency electronic office (sample)"),
		Cookie: "hacienda", Port: 9091, Procedures: []Procedure{
			{ID: "tax-return", Name: i18n.T("Presentar la declaración de la renta", "File your income tax return"), ACR: loa.Substantial,
				outcome: taxReturn},
			{ID: "vat-return", Name: i18n.T("Presentar la declaración trimestral del IVA", "File the quarterly VAT return"),
				ACR: loa.Substantial, Signature: store.SignatureCertificate, outcome: vatReturn},
		}}
	SocialSecurity = Kind{ID: "social-security", Name: i18n.T("Sede electrónica de la Seguridad Social (ejemplo)", "Social security electronic office (sample)"),
		Cookie: "seguridad_social", Port: 9092, Procedures: []Procedure{
			{ID: "contribution-history", Name: i18n.T("Consultar su vida laboral", "See your contribution history"), ACR: loa.Substantial,
				outcome: contributionHistory},
		}}
	Catalogue = []Kind{Traffic, Tax, SocialSecurity}
)

// Lookup finds an office of the catalogue by ID.
func Lookup(id string) (Kind, bool) {
	for _, k := range Catalogue {
		if k.ID == id {
			return k, true
		}
	}
	return Kind{}, false
}

// IDs lists the catalogue's IDs, for help texts and errors.
func IDs() []string {
	ids := make([]string, len(Catalogue))
	for i, k := range Catalogue {
		ids[i] = k.ID
	}
	return ids
}

func (k Kind) procedure(id string) (Procedure, bool) {
	for _, p := range k.Procedures {
		if p.ID == id {
			return p, true
		}
	}
	return Procedure{}, false
}

// RedirectURIs are the addresses to register for an office reached at
// publicURL: the callback, and the home page, where llavero's logout sends
// the browser back (llavero accepts a post-logout address only if it is
// one of the client's redirect URIs).
func RedirectURIs(publicURL string) []string {
	publicURL = strings.TrimRight(publicURL, "/")
	return []string{publicURL + "/callback", publicURL + "/"}
}

// RegisterCommand is the one line that registers the traffic office
// reached at publicURL with llavero.
func RegisterCommand(publicURL string) string { return Traffic.RegisterCommand(publicURL) }

// RegisterCommand is the one line that registers the office reached at
// publicURL with llavero.
func (k Kind) RegisterCommand(publicURL string) string {
	var b strings.Builder
	b.WriteString("llavero admin client add --name " + shellQuote(k.Name.ES))
	for _, u := range RedirectURIs(publicURL) {
		b.WriteString(" --redirect-uri " + shellQuote(u))
	}
	b.WriteString(" --min-acr " + k.MinACR())
	for _, p := range k.Procedures {
		spec := p.ID + ":" + p.Name.ES + "|" + p.Name.EN + ":" + p.ACR
		if p.Signature != "" {
			spec += ":" + p.Signature
		}
		b.WriteString(" --procedure " + shellQuote(spec))
	}
	return b.String()
}

// MinACR is the lowest level any of the office's procedures needs: the
// client's minimum at llavero.
func (k Kind) MinACR() string {
	min := ""
	for _, p := range k.Procedures {
		if min == "" || loa.Rank(p.ACR) < loa.Rank(min) {
			min = p.ACR
		}
	}
	if min == "" {
		return loa.Low
	}
	return min
}

// The made-up outcomes, stable for a person at an office (derived from the
// pairwise sub, which differs at each office).
func taxReturn(sub string) i18n.Text {
	euros := 50 + madeUp("tax-return", sub, 900)
	return i18n.Tf("Su borrador está listo: la declaración sale a devolver %d,00 €. Este ejemplo no presenta nada.",
		"Your draft is ready: the return comes out at a refund of €%d.00. This sample files nothing.", euros)
}

func vatReturn(sub string) i18n.Text {
	q := 1 + madeUp("vat-return", sub, 4)
	return i18n.Tf("Tiene pendiente la declaración del %dº trimestre.", "The return for quarter %d is pending.", q)
}

func contributionHistory(sub string) i18n.Text {
	days := 365 + madeUp("contribution-history", sub, 9000)
	return i18n.Tf("Ha cotizado %d días en total.", "You have contributed for %d days in all.", days)
}

// shellQuote quotes s for a POSIX shell when it needs it, so the printed
// command can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var levelNames = map[string]i18n.Text{
	loa.Low:         i18n.T("bajo", "low"),
	loa.Substantial: i18n.T("sustancial", "substantial"),
	loa.High:        i18n.T("alto", "high"),
}

func levelName(level string, lang i18n.Lang) string {
	if t, ok := levelNames[level]; ok {
		return t.In(lang)
	}
	return level
}

// amrWords turns RFC 8176 method references into words a person knows;
// the raw value stays beside them for the developer reading the page.
var amrWords = map[string]i18n.Text{
	"sms":  i18n.T("un código por SMS", "a code by SMS"),
	"otp":  i18n.T("un código de un solo uso", "a one-time code"),
	"pwd":  i18n.T("una contraseña", "a password"),
	"mfa":  i18n.T("más de un factor", "more than one factor"),
	"hwk":  i18n.T("una clave guardada en un dispositivo", "a key kept on a device"),
	"swk":  i18n.T("un certificado guardado en el ordenador", "a certificate kept on the computer"),
	"user": i18n.T("confirmación en su dispositivo", "confirmation on your device"),
	"pin":  i18n.T("el PIN de la tarjeta", "the card's PIN"),
}

func describeAMR(amr []string, lang i18n.Lang) string {
	parts := make([]string, 0, len(amr))
	for _, m := range amr {
		if w, ok := amrWords[m]; ok {
			parts = append(parts, fmt.Sprintf("%s (%s)", w.In(lang), m))
		} else {
			parts = append(parts, m)
		}
	}
	if len(parts) == 0 {
		return i18n.T("(no indicado)", "(not given)").In(lang)
	}
	return strings.Join(parts, ", ")
}

// providerErrors explains the error codes of RFC 6749 §4.1.2.1 and OpenID
// Connect Core §3.1.2.6 that a person can meet on the way back.
var providerErrors = map[string]i18n.Text{
	"access_denied": i18n.T("Ha cancelado el acceso, o llavero no lo ha permitido.",
		"You cancelled the sign-in, or llavero did not allow it."),
	"login_required": i18n.T("llavero necesita que vuelva a identificarse.", "llavero needs you to log in again."),
	"interaction_required": i18n.T("llavero necesita que vuelva a identificarse.",
		"llavero needs you to log in again."),
	"temporarily_unavailable": i18n.T("llavero no está disponible en este momento.", "llavero is not available right now."),
}

// texts are the words of the pages, looked up by key from the templates
// as {{.T.key}}.
var texts = map[string]i18n.Text{
	"tagline":      i18n.T("Una sede de ejemplo que usa llavero para identificarle", "A sample office that uses llavero to identify you"),
	"switch":       i18n.T("English", "Español"),
	"skip":         i18n.T("Ir al contenido", "Skip to content"),
	"sample":       i18n.T("Esto es un ejemplo: no es una sede real y todos los datos son inventados.", "This is a sample: not a real office, and every piece of data is made up."),
	"footer":       i18n.T("Sede de ejemplo de llavero. Sus sesiones se guardan en memoria y se pierden al reiniciarla.", "A llavero sample office. Its sessions live in memory and are lost when it restarts."),
	"home_title":   i18n.T("Trámites", "Procedures"),
	"home_lead":    i18n.T("Elija un trámite. Le pediremos que se identifique con llavero al nivel que el trámite necesita.", "Choose a procedure. We will ask you to log in with llavero at the level the procedure needs."),
	"home_level":   i18n.T("Nivel de acceso", "Level of sign-in"),
	"home_sign":    i18n.T("Necesita además su firma, que hará con llavero sin instalar nada.", "Also needs your signature, which you make with llavero without installing anything."),
	"home_cert":    i18n.T("Necesita además su firma con su propio certificado.", "Also needs your signature with your own certificate."),
	"home_start":   i18n.T("Empezar", "Start"),
	"home_bye":     i18n.T("Ha salido de la sede y de llavero.", "You have logged out of the office and of llavero."),
	"who_title":    i18n.T("Quién ha entrado", "Who is logged in"),
	"who_name":     i18n.T("Nombre", "Name"),
	"who_id":       i18n.T("Identificador (llavero_id)", "Identifier (llavero_id)"),
	"who_sub":      i18n.T("Su identificador en esta sede (sub, distinto en cada sede)", "Your identifier at this office (sub, different at each office)"),
	"who_acr":      i18n.T("Nivel alcanzado (acr)", "Level reached (acr)"),
	"who_amr":      i18n.T("Cómo se identificó (amr)", "How you logged in (amr)"),
	"who_time":     i18n.T("Hora de identificación (auth_time)", "Time of login (auth_time)"),
	"who_logout":   i18n.T("Salir", "Log out"),
	"result_data":  i18n.T("Datos de ejemplo, inventados a partir de su identificador en esta sede.", "Sample data, made up from your identifier at this office."),
	"result_back":  i18n.T("Volver a los trámites", "Back to the procedures"),
	"points_title": i18n.T("Saldo de puntos", "Points balance"),
	"points_unit":  i18n.T("puntos", "points"),
	"fines_none":   i18n.T("No tiene multas pendientes de pago.", "You have no fines pending."),
	"exchange_ok":  i18n.T("Su identidad está comprobada al nivel sustancial, el que pide este trámite.", "Your identity is checked at the substantial level, which this procedure needs."),
	"exchange_sign": i18n.T("Para presentar la solicitud hace falta su firma. llavero le mostrará qué firma y le enviará un código por SMS para confirmarlo.",
		"Submitting the application needs your signature. llavero will show you what you sign and send you a code by SMS to confirm it."),
	"sign_stop": i18n.T("Presentarlo necesita además su firma con certificado. Este ejemplo se detiene aquí: no se ha presentado nada.",
		"Filing it also needs your signature with your certificate. This sample stops here: nothing has been filed."),
	"problem_home": i18n.T("Volver a la página principal", "Back to the home page"),
	"problem_code": i18n.T("Código", "Code"),

	// Signing the licence exchange form (sign.go).
	"sign_button":    i18n.T("Firmar la solicitud de canje", "Sign the licence exchange form"),
	"sign_title":     i18n.T("Firma de la solicitud de canje", "Signing the licence exchange form"),
	"sign_signed":    i18n.T("Solicitud firmada", "Application signed"),
	"sign_by":        i18n.T("Firmada por", "Signed by"),
	"sign_at":        i18n.T("el", "at"),
	"sign_submitted": i18n.T("Su solicitud queda presentada (en este ejemplo, nada se presenta de verdad).", "Your application is submitted (in this sample, nothing is really submitted)."),
	"sign_mismatch":  i18n.T("La firma no es de la persona que ha entrado en la sede: no la aceptamos. Firme usted mismo la solicitud.", "The signature is not from the person logged in to the office: we do not accept it. Sign the application yourself."),
	"sign_doc":       i18n.T("Documento firmado", "Signed document"),
	"sign_cms":       i18n.T("Firma (CAdES, .p7s)", "Signature (CAdES, .p7s)"),
	"sign_verify":    i18n.T("Compruébela con: openssl cms -verify -binary -inform DER -in firma.p7s -content documento.txt -CAfile raiz-llavero.pem -purpose any", "Check it with: openssl cms -verify -binary -inform DER -in signature.p7s -content document.txt -CAfile llavero-root.pem -purpose any"),
	"sign_waiting":   i18n.T("Esperando su firma en llavero", "Waiting for your signature at llavero"),
	"sign_go":        i18n.T("Ir a llavero a firmar", "Go to llavero to sign"),
	"sign_reload":    i18n.T("Ya he firmado: comprobar de nuevo", "I have signed: check again"),
	"sign_not":       i18n.T("La solicitud no se ha firmado", "The application was not signed"),
	"sign_refused":   i18n.T("Ha decidido no firmar. No se ha presentado nada; puede firmarla cuando quiera.", "You chose not to sign. Nothing has been submitted; you can sign it whenever you like."),
	"sign_expired":   i18n.T("Se acabó el tiempo para firmar en llavero. No se ha presentado nada; pida la firma otra vez y apruébela en unos minutos.", "The time to sign at llavero ran out. Nothing has been submitted; ask for the signature again and approve it within a few minutes."),
	"sign_failed":    i18n.T("La firma se anuló (por ejemplo, tras varios códigos erróneos). No se ha presentado nada; pida la firma otra vez.", "The signature was cancelled (after several wrong codes, for example). Nothing has been submitted; ask for the signature again."),
	"sign_again":     i18n.T("Pedir la firma otra vez", "Ask for the signature again"),
	"sign_show_doc":  i18n.T("Ver el documento que se firma", "See the document being signed"),
}

// Problems the office explains with a page of its own.
var (
	pageNotStarted = problem{
		Title:  i18n.T("No podemos continuar este acceso", "We cannot continue this sign-in"),
		Detail: i18n.T("El acceso no empezó en este navegador o ha tardado demasiado. Vuelva a la página principal y empiece el trámite otra vez.", "The sign-in did not start in this browser, or took too long. Go back to the home page and start the procedure again."),
	}
	pageProviderError = problem{
		Title: i18n.T("No ha entrado", "You are not logged in"),
	}
	pageExchange = problem{
		Title:  i18n.T("llavero no ha confirmado el acceso", "llavero did not confirm the sign-in"),
		Detail: i18n.T("No hemos podido comprobar la respuesta de llavero. Empiece el trámite otra vez; si vuelve a ocurrir, avise a quien administra llavero.", "We could not check llavero's answer. Start the procedure again; if it happens again, tell whoever runs llavero."),
	}
	pageLevelTooLow = problem{
		Title: i18n.T("Nivel de acceso insuficiente", "Level of sign-in too low"),
	}
	pageCrossOrigin = problem{
		Title:  i18n.T("Hemos rechazado este envío porque venía de otro sitio web", "We refused this request because it came from another website"),
		Detail: i18n.T("Por su seguridad, esta sede solo acepta formularios enviados desde sus propias páginas. Vuelva a la página principal y empiece el trámite desde allí.", "For your safety, this office only accepts forms sent from its own pages. Go back to the home page and start the procedure from there."),
	}
	pageNotFound = problem{
		Title:  i18n.T("Esta página no existe", "This page does not exist"),
		Detail: i18n.T("Vuelva a la página principal para ver los trámites.", "Go back to the home page to see the procedures."),
	}
)
