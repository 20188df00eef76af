package web

import (
	"slices"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// The answers of the "Start here" form. Every value is one of a few fixed
// words, so a plan's link never carries anything about the person.
const (
	docDNI = "dni" // Spanish DNI
	docTIE = "tie" // NIE on a TIE (foreigners' identity card)
	docEU  = "eu"  // EU citizen: green registration certificate + passport

	phoneES      = "es"      // a Spanish mobile
	phoneForeign = "foreign" // only a foreign mobile
	phoneNone    = "none"    // no mobile

	certNone    = "none"
	certValid   = "valid"   // a valid certificate from llavero
	certExpired = "expired" // one that expired (or was revoked)
)

// The steps of a plan, in the order they can appear.
const (
	stepDocument   = "document"   // renew the identity document first
	stepRequest    = "request"    // request the certificate online
	stepCheck      = "check"      // the identity check at an office
	stepDownload   = "download"   // download the certificate and back it up
	stepAccount    = "account"    // open the account with the certificate
	stepProcedures = "procedures" // the procedures the person chose
)

// The office handles (store.Office.Handles) each step needs.
const (
	handleCertificate = "certificate"
	handleAccount     = "account"
	handleVideoReview = "video-review"
)

// storeDoc is the registry's document type of each answer.
var storeDoc = map[string]string{docDNI: store.DocDNI, docTIE: store.DocTIE, docEU: store.DocEUCertificate}

// answers is what a person told the "Start here" form.
type answers struct {
	Doc        string
	DocExpired bool
	Phone      string
	Cert       string
	Procs      []procRef // in catalogue order
}

// procRef names a procedure of the catalogue by its client and its ID.
type procRef struct{ Client, Proc string }

// catalogueProc is a procedure of the relying parties' catalogue with the
// office (client) that offers it.
type catalogueProc struct {
	Ref    procRef
	Office string // the client's name
	store.Procedure
}

// plan is the answer page: the steps in order, each with where, what to
// bring, how long, and what goes wrong there and how to avoid it.
type plan struct {
	Notes []pitfall // about the whole plan, shown before the steps
	Steps []planStep
}

// planStep is one step of a plan.
type planStep struct {
	ID      string // step*
	Title   i18n.Text
	What    []i18n.Text
	Online  bool // done from the person's own computer
	Where   i18n.Text
	Offices []directoryOffice // the offices that can do it
	Bring   []i18n.Text
	Takes   i18n.Text
	Procs   []procView // stepProcedures only
	Risks   []pitfall
}

// pitfall is one way a step goes wrong (from the seeds) and how to avoid
// it. ID is stable, for tests and for docs/dead-ends.md.
type pitfall struct {
	ID      string
	Problem i18n.Text
	Avoid   i18n.Text
}

// procView is a chosen procedure as the plan shows it.
type procView struct {
	Name, Office string
	Level        i18n.Text
	Sign         i18n.Text // how the person signs it; empty when it needs no signature
	How          i18n.Text // how to log in for it
}

// planOptions are the facts of the deployment a plan depends on.
type planOptions struct {
	// ForeignPhones is whether this deployment accepts non-Spanish
	// mobiles for SMS (serve --allow-foreign-phones).
	ForeignPhones bool
	// CodeDays is how many days an application code lasts.
	CodeDays int
	// VideoDocs are the document types (store.Doc*) whose holders may
	// identify by video.
	VideoDocs []string
}

// codePitfall is the application code lapsing unseen, with the
// deployment's lifetime of the code.
func codePitfall(days int) pitfall {
	return pitfall{"code-expires",
		i18n.Tf("El código de solicitud caduca a los %d días; muchas personas llegan a la oficina tarde.",
			"The application code expires after %d days; many people reach the office too late.", days),
		i18n.T("Pide cita en la oficina el mismo día que haces la solicitud. Te avisamos por correo 7 días y 1 día antes. Si caduca, haz una solicitud nueva.",
			"Book the office visit the same day you make the request. We email you 7 days and 1 day before. If it lapses, make a new request.")}
}

// has reports whether the step list holds id, for tests and templates.
func (p plan) has(id string) bool {
	return slices.ContainsFunc(p.Steps, func(s planStep) bool { return s.ID == id })
}

// The pitfalls, each written once.
var (
	pitExpiredDocument = pitfall{"expired-document",
		i18n.T("Un documento caducado bloquea todas las comprobaciones: la oficina no puede aprobar nada con él.",
			"An expired document blocks every check: the office cannot approve anything with it."),
		i18n.T("Mira la fecha de caducidad antes de ir. Si caduca pronto, renuévalo primero.",
			"Look at the expiry date before you go. If it expires soon, renew it first.")}
	pitPassportNotNIE = pitfall{"passport-not-nie",
		i18n.T("Escribir el número del pasaporte en lugar del NIE: la solicitud se rechaza.",
			"Typing your passport number instead of your NIE: the request is refused."),
		i18n.T("Escribe el NIE impreso en tu TIE o en tu certificado verde: una X, Y o Z, 7 cifras y una letra.",
			"Type the NIE printed on your TIE or green certificate: an X, Y or Z, 7 digits and a letter.")}
	pitSurname = pitfall{"surname-mismatch",
		i18n.T("Un primer apellido escrito distinto que en el registro (acentos, ñ, partículas).",
			"A first surname written differently from the registry (accents, ñ, particles)."),
		i18n.T("Escríbelo exactamente como en tu documento. Si solo cambian acentos o la ñ, te lo decimos al momento.",
			"Write it exactly as on your document. If only accents or ñ differ, we tell you straight away.")}
	pitNotInRegistry = pitfall{"not-in-registry",
		i18n.T("Tu número no está en el registro de población: ninguna oficina puede comprobarlo.",
			"Your number is not in the population registry: no office can check it."),
		i18n.T("Pide en tu ayuntamiento o en la oficina de extranjería que actualicen el registro, y después haz la solicitud.",
			"Ask your town hall or the foreigners' office to update the registry, then make the request.")}
	pitSameBrowser = pitfall{"key-one-browser",
		i18n.T("La clave se crea en un ordenador, en el almacén de tu usuario; si intentas descargar el certificado en otro ordenador u otro usuario, no funciona y hay que empezar de nuevo.",
			"The key is made on one computer, in your user's keystore; if you try to download the certificate on another computer or user, it does not work and you have to start again."),
		i18n.T("Haz la solicitud, y más tarde la descarga, en el mismo ordenador y con el mismo usuario. No reinstales ni borres nada mientras tanto.",
			"Make the request, and later the download, on the same computer and with the same user. Do not reinstall or delete anything in between.")}
	pitOfficeHandles = pitfall{"office-handles",
		i18n.T("No todas las oficinas hacen esta comprobación: en algunas te mandan a otra.",
			"Not every office does this check: some send you elsewhere."),
		i18n.T("Ve a una de las oficinas de esta lista y revisa su horario antes.",
			"Go to one of the offices on this list and check its hours first.")}
	pitRegistryMismatch = pitfall{"document-mismatch",
		i18n.T("El documento que llevas no es el que consta en el registro (por ejemplo, una TIE nueva que el registro aún no tiene).",
			"The document you bring is not the one in the registry (for example, a new TIE the registry does not have yet)."),
		i18n.T("Lleva el documento con el que estás registrado; si lo has renovado hace poco, pide que actualicen el registro antes.",
			"Bring the document you are registered with; if you renewed it recently, ask for the registry to be updated first.")}
	pitBackup = pitfall{"no-backup",
		i18n.T("Sin copia de seguridad, si pierdes el ordenador o el navegador pierdes el certificado.",
			"Without a backup, if you lose the computer or the browser you lose the certificate."),
		i18n.T("Nada más descargarlo, guarda una copia del archivo .p12, y su contraseña, en un lugar seguro fuera del ordenador.",
			"As soon as you download it, keep a copy of the .p12 file, and its password, somewhere safe off the computer.")}
	pitBasicTooLate = pitfall{"basic-too-late",
		i18n.T("Registrarte con la carta de invitación da una cuenta básica, y muchas personas descubren tarde que no sirve para sus trámites.",
			"Registering with the invitation letter gives a basic account, and many people find out too late that it does not do their procedures."),
		i18n.T("Regístrate con tu certificado: la cuenta es avanzada al momento y no esperas ninguna carta.",
			"Register with your certificate: the account is advanced at once and you wait for no letter.")}
	pitVideoDNIOnly = pitfall{"video-not-for-you",
		i18n.T("La videoidentificación no está abierta a tu documento (en general, solo al DNI).",
			"Video identification is not open to your document (as a rule, only to the DNI)."),
		i18n.T("Con NIE, la comprobación es en persona, en una oficina: no pierdas tiempo con el vídeo.",
			"With a NIE, the check is in person, at an office: do not spend time on the video.")}
	pitForeignSMS = pitfall{"foreign-sms",
		i18n.T("Los SMS a números extranjeros pueden llegar tarde o no llegar, y el PIN caduca a los 10 minutos.",
			"SMS to foreign numbers may arrive late or not at all, and the PIN expires after 10 minutes."),
		i18n.T("Entra con tu certificado o con la aplicación del móvil, que no usan SMS. Cuando tengas un móvil español, cámbialo en una oficina o en línea tras entrar con el certificado.",
			"Log in with your certificate or the phone app, which use no SMS. When you have a Spanish mobile, change it at an office or online after logging in with your certificate.")}
	pitForeignRefused = pitfall{"foreign-sms-refused",
		i18n.T("Este servicio no acepta móviles extranjeros para SMS: no tendrás PIN ni códigos por SMS.",
			"This service does not accept foreign mobiles for SMS: you will get no PIN and no SMS codes."),
		i18n.T("Entra siempre con tu certificado. Si consigues un móvil español, regístralo en una oficina.",
			"Always log in with your certificate. If you get a Spanish mobile, register it at an office.")}
	pitNoMobile = pitfall{"no-mobile",
		i18n.T("Sin móvil no puedes usar el PIN por SMS ni la contraseña con código.",
			"Without a mobile you cannot use the PIN by SMS or the password with a code."),
		i18n.T("Entra con tu certificado: no necesita móvil. Puedes añadir un móvil más adelante.",
			"Log in with your certificate: it needs no mobile. You can add a mobile later.")}
	pitCertExpired = pitfall{"cert-expired",
		i18n.T("Un certificado caducado o revocado no se puede renovar en línea.",
			"An expired or revoked certificate cannot be renewed online."),
		i18n.T("Haz una solicitud nueva con su visita a la oficina. La próxima vez, renueva en línea en los 60 días antes de la caducidad.",
			"Make a new request with its office visit. Next time, renew online within the 60 days before expiry.")}
	pitSignNeedsMobile = pitfall{"sign-needs-mobile",
		i18n.T("Algún trámite se firma con un código por SMS, y sin un móvil que reciba nuestros SMS no podrás firmarlo.",
			"A procedure is signed with a code by SMS, and without a mobile that gets our SMS you cannot sign it."),
		i18n.T("Registra un móvil español en tu cuenta (en una oficina, o en línea tras entrar con tu certificado) antes de empezar ese trámite.",
			"Register a Spanish mobile on your account (at an office, or online after logging in with your certificate) before you start that procedure.")}
	pitSignOnCertComputer = pitfall{"sign-certificate-computer",
		i18n.T("Algún trámite se firma con tu propio certificado: en un ordenador sin él no se puede firmar.",
			"A procedure is signed with your own certificate: on a computer without it you cannot sign."),
		i18n.T("Fírmalo en el ordenador donde descargaste el certificado, o importa antes en el otro la copia .p12 con su contraseña.",
			"Sign it on the computer where you downloaded the certificate, or first import your .p12 backup, with its password, on the other one.")}
	pitRenewWindow = pitfall{"renew-window",
		i18n.T("Si dejas caducar el certificado, tendrás que volver a una oficina.",
			"If you let the certificate expire, you will have to go back to an office."),
		i18n.T("Renuévalo en línea en los 60 días antes de que caduque; te avisamos por correo.",
			"Renew it online within the 60 days before it expires; we remind you by email.")}
)

// buildPlan turns answers into the steps in the right order: the
// certificate first and then the account with it, which gives an advanced
// account at once; a person who already has a valid certificate starts at
// the account; one whose document has expired starts by renewing it.
// offices is the directory; procs are the chosen procedures.
func buildPlan(a answers, procs []catalogueProc, offices []store.Office, opt planOptions) plan {
	var p plan
	if a.Cert == certExpired {
		p.Notes = append(p.Notes, pitCertExpired)
	}
	if a.DocExpired {
		p.Steps = append(p.Steps, documentStep(a))
	}
	if a.Cert != certValid {
		p.Steps = append(p.Steps, requestStep(a), checkStep(a, offices, opt), downloadStep())
	}
	p.Steps = append(p.Steps, accountStep(a, offices, opt))
	if len(procs) > 0 {
		p.Steps = append(p.Steps, proceduresStep(a, procs, opt))
	}
	return p
}

func documentStep(a answers) planStep {
	s := planStep{ID: stepDocument,
		Title: i18n.T("Renueva tu documento", "Renew your document"),
		Where: i18n.T("Donde se expide tu documento; no en llavero.", "Wherever your document is issued; not at llavero."),
		Takes: i18n.T("Semanas: pide cita cuanto antes.", "Weeks: book an appointment as soon as you can."),
		Risks: []pitfall{pitExpiredDocument},
	}
	switch a.Doc {
	case docDNI:
		s.What = []i18n.Text{i18n.T("Renueva el DNI en una oficina de expedición del DNI de la Policía Nacional.",
			"Renew your DNI at a National Police DNI office.")}
	case docTIE:
		s.What = []i18n.Text{i18n.T("Renueva la TIE en la oficina de extranjería o la comisaría que te corresponda. El resguardo de renovación no sirve para la comprobación.",
			"Renew your TIE at your foreigners' office or police station. The renewal receipt is not accepted for the check.")}
	default:
		s.What = []i18n.Text{i18n.T("Renueva tu pasaporte o documento nacional en el consulado de tu país.",
			"Renew your passport or national ID card at your country's consulate.")}
	}
	return s
}

func requestStep(a answers) planStep {
	s := planStep{ID: stepRequest, Online: true,
		Title: i18n.T("Pide el certificado en tu ordenador", "Request the certificate on your computer"),
		What: []i18n.Text{
			i18n.T("El programa llavero crea en tu ordenador una clave secreta que nunca sale de él, y envía la solicitud con tu número de documento, tu primer apellido y tu correo («llavero cert request»).",
				"The llavero program makes a secret key on your computer that never leaves it, and sends the request with your document number, first surname and email (\"llavero cert request\")."),
			i18n.T("Recibes un código de solicitud, también por correo. Guárdalo: lo necesitas en la oficina.",
				"You get an application code, also by email. Keep it: you need it at the office."),
		},
		Where: i18n.T("En línea, desde tu propio ordenador (no uno público).", "Online, from your own computer (not a public one)."),
		Takes: i18n.T("Unos 10 minutos.", "About 10 minutes."),
		Risks: []pitfall{pitSameBrowser},
	}
	if a.Doc != docDNI {
		s.Risks = append(s.Risks, pitPassportNotNIE)
	}
	s.Risks = append(s.Risks, pitSurname, pitNotInRegistry)
	return s
}

func checkStep(a answers, offices []store.Office, opt planOptions) planStep {
	s := planStep{ID: stepCheck,
		Title: i18n.T("Ve a una oficina a comprobar tu identidad", "Go to an office to check your identity"),
		What: []i18n.Text{i18n.T("Una persona de la oficina busca tu solicitud por el código, mira tu documento original y lo compara con el registro. Si todo cuadra, la aprueba.",
			"A person at the office finds your application by its code, looks at your original document and compares it with the registry. If everything matches, they approve it.")},
		Where:   i18n.T("En persona, en una de estas oficinas:", "In person, at one of these offices:"),
		Offices: officesHandling(offices, handleCertificate),
		Takes:   i18n.T("Una visita; la comprobación dura unos 15 minutos, más la espera.", "One visit; the check takes about 15 minutes, plus the wait."),
		Bring:   bring(a),
		Risks:   []pitfall{codePitfall(opt.CodeDays), pitExpiredDocument, pitRegistryMismatch, pitOfficeHandles},
	}
	if !slices.Contains(opt.VideoDocs, storeDoc[a.Doc]) {
		s.Risks = append(s.Risks, pitVideoDNIOnly)
	}
	return s
}

// bring is what to take to an identity check for a kind of document.
func bring(a answers) []i18n.Text {
	code := i18n.T("Tu código de solicitud (en el correo).", "Your application code (in the email).")
	switch a.Doc {
	case docDNI:
		return []i18n.Text{i18n.T("Tu DNI original, en vigor el día de la visita (no una fotocopia).",
			"Your original DNI, valid on the day of the visit (not a photocopy)."), code}
	case docTIE:
		return []i18n.Text{i18n.T("Tu TIE original y sin caducar: mira la fecha del anverso. Ni fotocopia ni resguardo.",
			"Your original TIE, not expired: look at the date on the front. No photocopy, no receipt."), code}
	default:
		return []i18n.Text{
			i18n.T("Tu certificado de registro de ciudadano de la UE (el certificado verde), original.",
				"Your EU citizen registration certificate (the green certificate), original."),
			i18n.T("Y además tu pasaporte o documento nacional de identidad, original y en vigor: el certificado verde no lleva foto.",
				"And also your passport or national ID card, original and valid: the green certificate has no photo."),
			code}
	}
}

func downloadStep() planStep {
	return planStep{ID: stepDownload, Online: true,
		Title: i18n.T("Descarga el certificado y guarda una copia", "Download the certificate and keep a backup"),
		What: []i18n.Text{i18n.T("Cuando la oficina lo aprueba, te avisamos por correo. Descargas el certificado («llavero cert download»): llavero lo une a tu clave en un archivo .p12 protegido con contraseña, que después importas en tu navegador.",
			"When the office approves it, we email you. You download the certificate (\"llavero cert download\"): llavero joins it to your key in a password-protected .p12 file, which you then import into your browser.")},
		Where: i18n.T("En línea, en el mismo ordenador y con el mismo usuario de la solicitud.", "Online, on the same computer and with the same user as the request."),
		Takes: i18n.T("Unos minutos, en cuanto te avisamos.", "A few minutes, as soon as we tell you."),
		Risks: []pitfall{pitSameBrowser, pitBackup, pitRenewWindow},
	}
}

func accountStep(a answers, offices []store.Office, opt planOptions) planStep {
	s := planStep{ID: stepAccount, Online: true,
		Title: i18n.T("Abre tu cuenta con el certificado", "Open your account with the certificate"),
		What: []i18n.Text{i18n.T("Entra en llavero con tu certificado: la cuenta se crea avanzada al momento y sirve para los trámites de nivel sustancial.",
			"Log in to llavero with your certificate: the account is created advanced at once and works for procedures at the substantial level.")},
		Where:   i18n.T("En línea. También, con tu documento, en una de estas oficinas:", "Online. Also, with your document, at one of these offices:"),
		Offices: officesHandling(offices, handleAccount),
		Takes:   i18n.T("Unos 5 minutos.", "About 5 minutes."),
		Risks:   []pitfall{pitBasicTooLate},
	}
	if a.Cert == certValid {
		s.Risks = append(s.Risks, pitBackup, pitRenewWindow)
	}
	switch {
	case a.Phone == phoneES:
		s.What = append(s.What, i18n.T("Añade tu móvil: así también podrás entrar con un PIN por SMS o con contraseña y código.",
			"Add your mobile: then you can also log in with a PIN by SMS or a password and code."))
	case a.Phone == phoneForeign && opt.ForeignPhones:
		s.What = append(s.What, i18n.T("Este servicio acepta tu móvil extranjero para SMS, pero el certificado y la aplicación no dependen de ellos.",
			"This service accepts your foreign mobile for SMS, but the certificate and the app do not depend on it."))
		s.Risks = append(s.Risks, pitForeignSMS)
	case a.Phone == phoneForeign:
		s.Risks = append(s.Risks, pitForeignRefused)
	default:
		s.Risks = append(s.Risks, pitNoMobile)
	}
	return s
}

// signText is how a plan says a procedure is signed, by its kind
// (store.Signature*); the zero Text for none.
func signText(kind string) (none i18n.Text) {
	switch kind {
	case store.SignatureRemote:
		return i18n.T("Además, lo firmas en llavero, sin instalar nada, con un código que te enviamos al móvil por SMS.",
			"You also sign it on llavero, without installing anything, with a code we send to your mobile by SMS.")
	case store.SignatureCertificate:
		return i18n.T("Además, lo firmas con tu propio certificado, en el ordenador donde lo tienes.",
			"You also sign it with your own certificate, on the computer that holds it.")
	}
	return none
}

func proceduresStep(a answers, procs []catalogueProc, opt planOptions) planStep {
	s := planStep{ID: stepProcedures, Online: true,
		Title: i18n.T("Haz tus trámites", "Do your procedures"),
		Where: i18n.T("En línea, en la sede electrónica de cada trámite; entras con llavero.", "Online, at each procedure's electronic office; you log in with llavero."),
		Takes: i18n.T("Lo que tarde cada trámite.", "As long as each procedure takes."),
	}
	token, remote, local := false, false, false
	for _, p := range procs {
		kind := p.SignatureNeeded()
		remote, local = remote || kind == store.SignatureRemote, local || kind == store.SignatureCertificate
		v := procView{Name: p.Name, Office: p.Office, Level: label(acrLabels, p.ACR), Sign: signText(kind)}
		switch {
		case loa.Rank(p.ACR) >= loa.Rank(loa.High):
			token = true
			v.How = i18n.T("Entra con un certificado en tarjeta o token, que se pide en una oficina.",
				"Log in with a certificate on a card or token, which you ask for at an office.")
		case loa.Rank(p.ACR) == loa.Rank(loa.Substantial):
			v.How = i18n.T("Entra con tu certificado, o con PIN, contraseña y código o la aplicación si tu cuenta es avanzada.",
				"Log in with your certificate, or with a PIN, password and code or the app if your account is advanced.")
		default:
			v.How = i18n.T("Cualquier forma de entrar sirve, también con una cuenta básica.",
				"Any way of logging in works, even with a basic account.")
		}
		s.Procs = append(s.Procs, v)
	}
	if token {
		s.Risks = append(s.Risks, pitfall{"needs-token",
			i18n.T("Algún trámite pide nivel alto: un certificado en el ordenador no basta.",
				"A procedure needs the high level: a certificate on your computer is not enough."),
			i18n.T("En la visita a la oficina, pide el certificado en tarjeta o token.",
				"At the office visit, ask for the certificate on a card or token.")})
	}
	// A remote signature is approved with an SMS code: without a mobile
	// that gets SMS here, the procedure stops at its signature.
	if remote && (a.Phone == phoneNone || a.Phone == phoneForeign && !opt.ForeignPhones) {
		s.Risks = append(s.Risks, pitSignNeedsMobile)
	}
	if local {
		s.Risks = append(s.Risks, pitSignOnCertComputer)
	}
	return s
}
