package ra

import "github.com/llavero/llavero/internal/i18n"

// Refusals a citizen or an operator meets. Codes are stable: the CLI, the
// API and the tests match on them.
var (
	ErrCSR = i18n.New("csr.invalid",
		i18n.T("La solicitud de certificado (CSR) no es válida o su firma no cuadra con su clave.",
			"The certificate request (CSR) is not valid, or its signature does not match its key."),
		i18n.T("Vuelve a pedir el certificado con «llavero cert request»: el programa crea la clave y la solicitud por ti.",
			"Request the certificate again with \"llavero cert request\": it makes the key and the request for you."))
	ErrWeakKey = i18n.New("csr.weak_key",
		i18n.T("La clave de la solicitud no es lo bastante segura.", "The key in the request is not strong enough."),
		i18n.T("Usa una clave ECDSA P-256 o P-384, o RSA de 2048 bits o más («llavero cert request --key-type p256»).",
			"Use an ECDSA P-256 or P-384 key, or RSA of 2048 bits or more (\"llavero cert request --key-type p256\")."))
	ErrKeyInUse = i18n.New("csr.key_in_use",
		i18n.T("Esta clave ya se usó en otra solicitud.", "This key was already used for another request."),
		i18n.T("Cada solicitud necesita una clave nueva: vuelve a ejecutar «llavero cert request», que crea otra.",
			"Each request needs a new key: run \"llavero cert request\" again, which makes a new one."))
	ErrEmail = i18n.New("email.invalid",
		i18n.T("El correo electrónico no es válido.", "The email address is not valid."),
		i18n.T("Escribe una dirección a la que tengas acceso, por ejemplo nombre@ejemplo.es: allí recibirás el código de solicitud.",
			"Type an address you can read, for example name@example.org: your application code will be sent there."))

	ErrWrongCode = i18n.New("application.wrong_code",
		i18n.T("No hay ninguna solicitud con ese código para ese número de identificación.",
			"There is no application with that code for that identity number."),
		i18n.T("Copia el código tal como está en el correo que te enviamos al hacer la solicitud, y comprueba tu DNI/NIE. Tras varios intentos fallidos tendrás que esperar una hora.",
			"Copy the code exactly as in the email we sent when you applied, and check your DNI/NIE. After several failed tries you will have to wait an hour."))
	ErrCodeExpired = i18n.New("application.expired",
		i18n.T("El código de solicitud ha caducado: nadie comprobó tu identidad a tiempo en una oficina.",
			"The application code has expired: nobody checked your identity at an office in time."),
		i18n.T("Haz una solicitud nueva con «llavero cert request» (tardas un minuto) y ve a una oficina antes de la nueva fecha límite que te diremos.",
			"Make a new request with \"llavero cert request\" (it takes a minute) and go to an office before the new deadline we give you."))
	ErrNotChecked = i18n.New("application.not_checked",
		i18n.T("Tu solicitud aún no está aprobada: falta la comprobación de identidad en una oficina.",
			"Your application is not approved yet: the identity check at an office is still missing."),
		i18n.T("Ve a una oficina de registro con tu documento de identidad original y tu código de solicitud. Después podrás descargar el certificado en este mismo ordenador.",
			"Go to a registration office with your original identity document and your application code. Then you can download the certificate on this same computer."))
	ErrRefused = i18n.New("application.refused",
		i18n.T("La oficina rechazó tu solicitud.", "The office refused your application."),
		i18n.T("El motivo está en el correo que te enviamos. Corrígelo y haz una solicitud nueva.",
			"The reason is in the email we sent you. Fix it and make a new request."))
	ErrCancelled = i18n.New("application.cancelled",
		i18n.T("Esta solicitud está cancelada.", "This application was cancelled."),
		i18n.T("Haz una solicitud nueva con «llavero cert request».", "Make a new request with \"llavero cert request\"."))
	ErrKeyMismatch = i18n.New("download.key_mismatch",
		i18n.T("La clave de este ordenador no es la que hizo la solicitud.",
			"The key on this computer is not the one that made the request."),
		i18n.T("Descarga el certificado en el ordenador (y con el almacén de claves) donde hiciste la solicitud. Si perdiste esa clave, cancela la solicitud con «llavero cert cancel» y haz otra: tendrás que volver a pasar por la oficina.",
			"Download the certificate on the computer (and with the keystore) where you made the request. If that key is lost, cancel the application with \"llavero cert cancel\" and request again: you will need the office check again."))
	ErrChallenge = i18n.New("download.challenge",
		i18n.T("La prueba de posesión de la clave ha caducado o no es válida.", "The proof that you hold the key has expired or is not valid."),
		i18n.T("Vuelve a ejecutar «llavero cert download»: pide un reto nuevo y lo firma al momento.",
			"Run \"llavero cert download\" again: it asks for a fresh challenge and signs it at once."))
	ErrTooManyTries = i18n.New("rate.limited",
		i18n.T("Demasiados intentos fallidos.", "Too many failed tries."),
		i18n.T("Espera una hora y vuelve a intentarlo con los datos exactos del correo de solicitud.",
			"Wait an hour and try again with the exact details from your application email."))

	ErrNotPending = i18n.New("office.not_pending",
		i18n.T("Esta solicitud ya no está pendiente de comprobación.", "This application is no longer waiting for an identity check."),
		i18n.T("Busca a la persona por su DNI/NIE para ver sus solicitudes pendientes.", "Look the person up by DNI/NIE to see their pending applications."))
	ErrDocumentMismatch = i18n.New("office.document_mismatch",
		i18n.T("El documento presentado no coincide con el que consta en el registro de población.",
			"The document shown does not match the one in the population registry."),
		i18n.T("La persona debe actualizar sus datos en el registro (ayuntamiento u oficina de extranjería) o traer el documento que consta en él.",
			"The person must update their data in the registry (town hall or foreigners' office) or bring the document recorded there."))
	ErrOfficeCannot = i18n.New("office.not_handled",
		i18n.T("Esta oficina no hace comprobaciones para certificados.", "This office does not do identity checks for certificates."),
		i18n.T("Indica a la persona una oficina que las haga: aparecen en el directorio de oficinas.",
			"Send the person to an office that does: they are listed in the office directory."))
	ErrOperator = i18n.New("office.operator",
		i18n.T("Tu certificado de operador no es válido o está desactivado.", "Your operator certificate is not valid or is disabled."),
		i18n.T("Pide al administrador que revise tu alta de operador.", "Ask the administrator to check your operator account."))
	ErrRefusalReason = i18n.New("office.reason",
		i18n.T("Falta el motivo del rechazo.", "The reason for the refusal is missing."),
		i18n.T("Elige uno de los motivos de la lista.", "Choose one of the reasons in the list."))

	ErrNotRevocable = i18n.New("certificate.not_revocable",
		i18n.T("Este certificado ya está revocado.", "This certificate is already revoked."),
		i18n.T("No hace falta hacer nada más. Para tener otro, haz una solicitud nueva.", "Nothing more is needed. To get another, make a new request."))
	ErrRenewWindow = i18n.New("renew.window",
		i18n.T("Todavía no puedes renovar este certificado.", "You cannot renew this certificate yet."),
		i18n.T("La renovación en línea se abre 60 días antes de la caducidad. Te avisaremos por correo.",
			"Online renewal opens 60 days before expiry. We will remind you by email."))
	ErrRenewExpired = i18n.New("renew.expired",
		i18n.T("El certificado ha caducado o está revocado y ya no se puede renovar en línea.",
			"The certificate has expired or is revoked and can no longer be renewed online."),
		i18n.T("Haz una solicitud nueva con «llavero cert request» y pasa por una oficina con tu documento.",
			"Make a new request with \"llavero cert request\" and visit an office with your document."))
	ErrRenewTwice = i18n.New("renew.already",
		i18n.T("Este certificado ya se renovó una vez.", "This certificate was already renewed once."),
		i18n.T("Usa el certificado nuevo. Si lo perdiste, revócalo y haz una solicitud nueva.",
			"Use the new certificate. If you lost it, revoke it and make a new request."))
	ErrRenewChanged = i18n.New("renew.registry_changed",
		i18n.T("Tus datos en el registro han cambiado desde que se emitió el certificado.",
			"Your data in the registry changed since the certificate was issued."),
		i18n.T("Con datos nuevos hace falta una comprobación en oficina: haz una solicitud nueva con «llavero cert request».",
			"New data needs an office check: make a new request with \"llavero cert request\"."))
	ErrCertUnknown = i18n.New("certificate.unknown",
		i18n.T("Este certificado no lo emitió esta plataforma.", "This certificate was not issued by this platform."),
		i18n.T("Usa el certificado que descargaste de esta plataforma.", "Use the certificate you downloaded from this platform."))
)

// Refusal reasons an operator can give, with what the citizen is told to
// do. The registry decides most of them; "other" carries the operator's note.
var refusalReasons = map[string]i18n.Text{
	"registry.not_found": i18n.T("Tu número de identificación no está en el registro de población. Pide en tu ayuntamiento o en la oficina de extranjería que actualicen tus datos y haz una solicitud nueva.",
		"Your identity number is not in the population registry. Ask your town hall or the foreigners' office to update your data, then make a new request."),
	"surname.mismatch": i18n.T("El primer apellido de la solicitud no coincide con el de tu documento. Haz una solicitud nueva escribiendo el apellido exactamente como en tu documento.",
		"The first surname in the application does not match your document. Make a new request typing the surname exactly as on your document."),
	"document.expired": i18n.T("Tu documento de identidad está caducado. Renuévalo primero (comisaría u oficina de extranjería); cuando tengas el documento en vigor y el registro esté actualizado, haz una solicitud nueva.",
		"Your identity document has expired. Renew it first (police station or foreigners' office); once you have the valid document and the registry is updated, make a new request."),
	"office.document_mismatch": i18n.T("El documento que presentaste no coincide con el del registro de población. Actualiza tus datos en el registro o trae el documento que consta en él.",
		"The document you showed does not match the one in the population registry. Update your data in the registry or bring the document recorded there."),
	"identity.not_proven": i18n.T("En la oficina no se pudo comprobar tu identidad. Vuelve con tu documento original en vigor.",
		"The office could not confirm your identity. Come back with your valid original document."),
	"other": i18n.T("La oficina rechazó la solicitud. Motivo: ", "The office refused the application. Reason: "),
}

// RefusalReasons lists the codes an operator may choose from.
func RefusalReasons() []string {
	return []string{"registry.not_found", "surname.mismatch", "document.expired", "office.document_mismatch", "identity.not_proven", "other"}
}
