package web

import (
	"net/http"

	"github.com/llavero/llavero/internal/i18n"
)

// home is the front door: what llavero is, its three parts, and the order
// that saves a person a letter and a wait.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "home", homeView{DevOutbox: s.devOutbox})
}

// homeView is what the home page needs beyond its texts.
type homeView struct {
	DevOutbox bool // a demonstration: link the outbox
}

var _ = addTexts(map[string]i18n.Text{
	"home.title": i18n.T("llavero: tu identidad digital", "llavero: your digital identity"),
	"home.lead": i18n.T(
		"llavero te ayuda a hacer trámites con la administración por internet. Tiene tres partes. Esta página te explica cada una y en qué orden hacerlas.",
		"llavero helps you deal with public administration online. It has three parts. This page explains each one and the order to do them in."),
	"home.start":     i18n.T("Planifica tus pasos", "Plan your steps"),
	"home.start.why": i18n.T("Te decimos qué hacer y en qué orden, paso a paso.", "We tell you what to do and in what order, step by step."),

	"home.order.title": i18n.T("El orden correcto", "The right order"),
	"home.order.1":     i18n.T("Primero, el certificado.", "First, the certificate."),
	"home.order.1.why": i18n.T(
		"Lo pides en tu ordenador y vas una vez a una oficina.",
		"You request it on your computer and go to an office once."),
	"home.order.2": i18n.T("Después, la cuenta, con el certificado.", "Then, the account, with the certificate."),
	"home.order.2.why": i18n.T(
		"Con el certificado abres la cuenta en pocos minutos, ya con nivel avanzado y sin esperar ninguna carta.",
		"With the certificate you open the account in a few minutes, at the advanced level straight away, with no letter to wait for."),
	"home.order.3": i18n.T("Luego, firma documentos cuando lo necesites.", "After that, sign documents when you need to."),

	"home.cert.title": i18n.T("1. Tu certificado personal", "1. Your personal certificate"),
	"home.cert.what":  i18n.T("El certificado demuestra quién eres en internet.", "The certificate proves who you are on the internet."),
	"home.cert.how":   i18n.T("Así lo consigues:", "This is how you get it:"),
	"home.cert.step1": i18n.T(
		"Creas una clave en tu propio ordenador. La clave es secreta y nunca sale de tu ordenador.",
		"You make a key on your own computer. The key is secret and never leaves your computer."),
	"home.cert.step2": i18n.T(
		"Vas una vez a una oficina con tu documento de identidad. Allí comprueban que eres tú.",
		"You go to an office once, with your identity document. There they check that you are you."),
	"home.cert.step3": i18n.T("Descargas el certificado en el mismo ordenador.", "You download the certificate on the same computer."),
	"home.cert.step4": i18n.T(
		"Guardas una copia de seguridad. Si pierdes la clave, tienes que empezar de nuevo.",
		"You keep a backup copy. If you lose the key, you have to start again."),
	"home.cert.valid": i18n.T("El certificado vale 4 años.", "The certificate is valid for 4 years."),
	"home.cert.link":  i18n.T("Tu certificado", "Your certificate"),

	"home.account.title": i18n.T("2. Tu cuenta para entrar en las sedes electrónicas", "2. Your account for signing in to electronic offices"),
	"home.account.what": i18n.T(
		"Una sede electrónica es una oficina de la administración en internet. Con tu cuenta entras en ellas.",
		"An electronic office is a public administration office on the internet. Your account lets you sign in to them."),
	"home.account.level": i18n.T(
		"Tu cuenta tiene un nivel: básico o avanzado. El nivel decide qué trámites puedes hacer. Con el nivel avanzado puedes hacer más.",
		"Your account has a level: basic or advanced. The level decides what you can do. With the advanced level you can do more."),
	"home.account.methods":  i18n.T("Para entrar usas una de estas formas:", "To sign in you use one of these:"),
	"home.account.pin":      i18n.T("un PIN que te llega por SMS", "a PIN sent to you by SMS"),
	"home.account.password": i18n.T("una contraseña", "a password"),
	"home.account.app":      i18n.T("una aplicación en tu móvil", "an app on your phone"),
	"home.account.cert":     i18n.T("tu certificado", "your certificate"),
	"home.account.link":     i18n.T("Tu cuenta", "Your account"),
	"home.account.register": i18n.T("Registrarte", "Register"),
	"home.account.login":    i18n.T("Entrar", "Log in"),

	"home.sign.title": i18n.T("3. Firmar documentos", "3. Signing documents"),
	"home.sign.what": i18n.T(
		"Con tu certificado firmas documentos, por ejemplo un PDF, y la administración acepta esa firma. También puedes comprobar si una firma es válida.",
		"With your certificate you sign documents, for example a PDF, and public administration accepts that signature. You can also check whether a signature is valid."),
	"home.sign.link": i18n.T("Firmar documentos", "Sign documents"),

	"home.offices":     i18n.T("Buscar una oficina", "Find an office"),
	"home.offices.why": i18n.T("para la comprobación de identidad del certificado.", "for the identity check of your certificate."),
})
