package remotesign

import "github.com/llavero/llavero/internal/i18n"

// The refusals of remote signing. Those a relying party's developer meets
// (a malformed request) say what to fix; those a person meets say what to
// do next.
var (
	ErrNotFound = i18n.New("sign.not_found",
		i18n.T("No hay ninguna solicitud de firma con ese identificador para ti.", "There is no signature request with that identifier for you."),
		i18n.T("Vuelve a la sede electrónica y empieza la firma otra vez desde allí.",
			"Go back to the electronic office and start the signature again from there."))
	ErrDecided = i18n.New("sign.decided",
		i18n.T("Esta solicitud de firma ya está resuelta: firmada, rechazada o anulada.", "This signature request is already settled: signed, refused or cancelled."),
		i18n.T("No tienes que hacer nada más con ella. Si necesitas firmar de nuevo, pide a la sede que envíe otra solicitud.",
			"You need do nothing more with it. If you need to sign again, ask the office to send a new request."))
	ErrExpired = i18n.New("sign.expired",
		i18n.T("El tiempo para aprobar esta firma se ha acabado.", "The time to approve this signature has run out."),
		i18n.T("Vuelve a la sede electrónica y pide la firma de nuevo; tendrás unos minutos para aprobarla.",
			"Go back to the electronic office and ask for the signature again; you will have a few minutes to approve it."))
	ErrLevel = i18n.New("sign.level",
		i18n.T("Para firmar hace falta haber entrado con nivel sustancial o superior.", "Signing needs a login at the substantial level or above."),
		i18n.T("Entra con un PIN por SMS, con contraseña y código SMS, con la aplicación o con tu certificado, y vuelve a esta página.",
			"Log in with a PIN by SMS, a password and SMS code, the app or your certificate, and come back to this page."))
	ErrCodeLocked = i18n.New("sign.code_locked",
		i18n.T("Se ha escrito mal el código demasiadas veces: la firma se ha anulado y no se ha firmado nada.",
			"The code was typed wrong too many times: the signature was cancelled and nothing was signed."),
		i18n.T("Si eras tú, vuelve a la sede y pide la firma de nuevo. Si no eras tú, cambia tu contraseña y avisa a soporte.",
			"If it was you, go back to the office and ask for the signature again. If it was not you, change your password and tell support."))
	ErrSigningFailed = i18n.New("sign.failed",
		i18n.T("No hemos podido hacer la firma. No se ha firmado nada.", "We could not make the signature. Nothing was signed."),
		i18n.T("Es un fallo nuestro. Vuelve a la sede dentro de unos minutos y pide la firma de nuevo.",
			"The fault is ours. Go back to the office in a few minutes and ask for the signature again."))
	ErrUnavailable = i18n.New("sign.unavailable",
		i18n.T("La firma remota no está disponible en esta instalación de llavero.", "Remote signing is not available on this llavero installation."),
		i18n.T("Firma con tu certificado en tu equipo (llavero sign), o inténtalo más tarde.",
			"Sign with your certificate on your computer (llavero sign), or try again later."))

	ErrClientAuth = i18n.New("sign.client_auth",
		i18n.T("Las credenciales de la sede no son válidas.", "The office's credentials are not valid."),
		i18n.T("Envía el client_id y el client_secret de la sede con autenticación HTTP Basic, como en el token endpoint.",
			"Send the office's client_id and client_secret with HTTP Basic authentication, as at the token endpoint."))
	ErrHashAlg = i18n.New("sign.hash_alg",
		i18n.T("El algoritmo de resumen no se admite.", "The hash algorithm is not supported."),
		i18n.T("Usa hash_alg con uno de estos valores: SHA-256, SHA-384 o SHA-512.", "Set hash_alg to one of SHA-256, SHA-384 or SHA-512."))
	ErrDigest = i18n.New("sign.digest",
		i18n.T("El resumen del documento no tiene la longitud del algoritmo indicado.", "The document's digest is not as long as the algorithm named makes it."),
		i18n.T("Envía en digest el resumen en base64 estándar: 32 bytes para SHA-256, 48 para SHA-384, 64 para SHA-512.",
			"Send in digest the hash in standard base64: 32 bytes for SHA-256, 48 for SHA-384, 64 for SHA-512."))
	ErrDescription = i18n.New("sign.description",
		i18n.T("La descripción falta o es demasiado larga.", "The description is missing or too long."),
		i18n.T("Describe en una o dos frases, en texto plano, qué firma la persona (hasta 500 caracteres).",
			"Say in one or two sentences, in plain text, what the person is signing (up to 500 characters)."))
	ErrDocumentName = i18n.New("sign.document_name",
		i18n.T("El nombre del documento falta o no es válido.", "The document's name is missing or not valid."),
		i18n.T("Da un nombre de archivo de hasta 200 caracteres, sin barras ni caracteres de control.",
			"Give a file name of up to 200 characters, without slashes or control characters."))
	ErrCallback = i18n.New("sign.callback_uri",
		i18n.T("La dirección de respuesta no pertenece a la sede.", "The callback address does not belong to the office."),
		i18n.T("Usa en callback_uri (y en return_uri) una dirección con el mismo origen (esquema, servidor y puerto) que una de las redirect URI registradas de la sede.",
			"Use in callback_uri (and return_uri) an address with the same origin (scheme, host and port) as one of the office's registered redirect URIs."))

	ErrNotPDF = i18n.New("sign.not_pdf",
		i18n.T("El archivo no es un PDF.", "The file is not a PDF."),
		i18n.T("Elige un archivo PDF (empieza por %PDF-). Si tienes otro formato, guárdalo antes como PDF.",
			"Choose a PDF file (it starts with %PDF-). If you have another format, save it as PDF first."))
	ErrPDFTooLarge = i18n.New("sign.pdf_too_large",
		i18n.T("El PDF es demasiado grande para firmarlo aquí.", "The PDF is too large to sign here."),
		i18n.T("Reduce su tamaño (por ejemplo, imágenes con menos resolución) o fírmalo con tu certificado en tu equipo (llavero sign).",
			"Make it smaller (pictures at a lower resolution, for example) or sign it with your certificate on your computer (llavero sign)."))
	ErrNoDocument = i18n.New("sign.no_document",
		i18n.T("El PDF firmado ya se descargó y no lo guardamos.", "The signed PDF was already downloaded and we do not keep it."),
		i18n.T("Búscalo en la carpeta de descargas de tu equipo. Si lo perdiste, firma el PDF original otra vez.",
			"Look for it in your computer's downloads folder. If you lost it, sign the original PDF again."))
	ErrNotYours = i18n.New("sign.not_yours",
		i18n.T("Esta solicitud de firma la está aprobando otra persona.", "Another person is approving this signature request."),
		i18n.T("Cierra la sesión, entra con tu propia identidad y abre otra vez el enlace de la sede; si no la pediste tú, ignórala.",
			"Log out, log in as yourself and open the office's link again; if you did not ask for it, ignore it."))
)
