package keystore

import "github.com/llavero/llavero/internal/i18n"

// The errors a citizen can meet while the keystore is used. Each is a
// template: functions return copies (Wrap) carrying the internal cause.
var (
	// ErrNotFound is the orphaned application of the seeds: the code is
	// valid, but the key that the certificate will be issued for was made
	// somewhere else, or is gone.
	ErrNotFound = i18n.New("keystore.not_found",
		i18n.T("Este ordenador no guarda la clave privada de esta solicitud.",
			"This computer does not keep the private key of this application."),
		i18n.T("La clave se crea y se guarda en el ordenador, y en el usuario, donde se hizo la solicitud, y el certificado solo se puede descargar allí: haz la descarga en ese ordenador con ese mismo usuario (o indica su carpeta con --keystore si la copiaste). Si esa clave se perdió (ordenador formateado, otro usuario, carpeta borrada), nadie puede recuperarla: anula la solicitud con «llavero cert cancel» y haz una nueva; tendrás que volver a acreditar tu identidad en una oficina.",
			"The key is made and kept on the computer, and user account, where the request was made, and the certificate can only be downloaded there: run the download on that computer as that same user (or point --keystore at its folder if you copied it). If that key is lost (computer formatted, another user, folder deleted), nobody can recover it: cancel the application with \"llavero cert cancel\" and make a new request; you will need to prove your identity at an office again."))

	// ErrPassphrase covers both a wrong passphrase and a ciphertext that was
	// altered: AES-GCM cannot tell them apart, and neither can anyone else.
	ErrPassphrase = i18n.New("keystore.passphrase",
		i18n.T("La contraseña no abre la clave guardada.",
			"The passphrase does not open the stored key."),
		i18n.T("Vuelve a intentarlo con cuidado (mayúsculas, distribución del teclado). Es la contraseña que elegiste al hacer la solicitud; no se puede recuperar, ni siquiera en una oficina. Si la has perdido, anula la solicitud con «llavero cert cancel» y haz una nueva. Si estás seguro de que es la correcta, puede que el archivo de la clave esté dañado: no lo borres y pide ayuda.",
			"Try again carefully (caps lock, keyboard layout). It is the passphrase you chose when you made the request; it cannot be recovered, not even at an office. If you have lost it, cancel the application with \"llavero cert cancel\" and make a new request. If you are sure it is right, the key file may be damaged: do not delete it, and ask for help."))

	ErrWeakPassphrase = i18n.New("keystore.weak_passphrase",
		i18n.T("La contraseña es demasiado corta: necesita al menos 8 caracteres.",
			"The passphrase is too short: it needs at least 8 characters."),
		i18n.T("Protege tu clave privada si alguien copia el archivo, y nadie puede recuperarla por ti. Elige al menos 8 caracteres (varias palabras sin relación entre sí se recuerdan fácilmente y son difíciles de adivinar) y apúntala en un lugar seguro.",
			"It protects your private key if someone copies the file, and nobody can recover it for you. Choose at least 8 characters (a few unrelated words are easy to remember and hard to guess) and write it down somewhere safe."))

	ErrCorrupt = i18n.New("keystore.corrupt",
		i18n.T("El archivo de la clave está dañado o no lo escribió llavero.",
			"The key file is damaged or was not written by llavero."),
		i18n.T("No lo borres. Si tienes la copia de seguridad .p12, usa esa. Si no, y era la clave de una solicitud pendiente, anula la solicitud con «llavero cert cancel» y haz una nueva; tendrás que volver a acreditar tu identidad en una oficina.",
			"Do not delete it. If you have the .p12 backup, use that. If not, and it was the key of a pending application, cancel the application with \"llavero cert cancel\" and make a new request; you will need to prove your identity at an office again."))

	ErrKeyType = i18n.New("keystore.key_type",
		i18n.T("Ese tipo de clave no está disponible.",
			"That type of key is not available."),
		i18n.T("Usa p256 (recomendado), rsa2048 o rsa3072.",
			"Use p256 (recommended), rsa2048 or rsa3072."))

	// ErrProof is for the registration authority: a download whose
	// signature does not verify was signed with some other key, which in
	// practice means some other computer.
	ErrProof = i18n.New("keystore.proof",
		i18n.T("La firma no demuestra que tengas la clave privada de esta solicitud.",
			"The signature does not prove that you hold the private key of this application."),
		i18n.T("Descarga el certificado desde el ordenador y el usuario con los que hiciste la solicitud: la clave está allí. Si esa clave se perdió, anula la solicitud y haz una nueva.",
			"Download the certificate from the computer and user account you made the request with: the key is there. If that key is lost, cancel the application and make a new request."))

	ErrEmail = i18n.New("csr.email",
		i18n.T("La dirección de correo no es válida.",
			"The email address is not valid."),
		i18n.T("Escríbela completa, sin nombre delante ni espacios, por ejemplo ana@example.org. Allí recibirás el código de solicitud.",
			"Write it in full, with no name in front and no spaces, for example ana@example.org. The application code will be sent there."))

	ErrP12Passphrase = i18n.New("p12.passphrase",
		i18n.T("La contraseña no abre este archivo .p12.",
			"The passphrase does not open this .p12 file."),
		i18n.T("Es la contraseña que se eligió al guardar este archivo (al descargarlo o exportarlo), que puede no ser la misma que la de la solicitud. Vuelve a intentarlo; no se puede recuperar.",
			"It is the passphrase chosen when this file was saved (at download or export), which may not be the one of the request. Try again; it cannot be recovered."))

	ErrP12Invalid = i18n.New("p12.invalid",
		i18n.T("Este archivo no es una copia de certificado .p12 que se pueda leer.",
			"This file is not a .p12 certificate backup that can be read."),
		i18n.T("Comprueba que has elegido el archivo correcto (.p12 o .pfx, con tu certificado y su clave) y que se copió entero. Si lo exportó otro programa, vuelve a exportarlo incluyendo la clave privada.",
			"Check that you chose the right file (.p12 or .pfx, holding your certificate and its key) and that it was copied whole. If another program exported it, export it again including the private key."))

	ErrP12PassphraseChars = i18n.New("p12.passphrase_chars",
		i18n.T("La contraseña tiene caracteres que un archivo .p12 no admite.",
			"The passphrase has characters a .p12 file cannot hold."),
		i18n.T("Usa letras, cifras, espacios y signos corrientes; evita emojis y caracteres de control.",
			"Use letters, digits, spaces and ordinary punctuation; avoid emoji and control characters."))

	// ErrP12KeyMismatch guards the backup: a .p12 whose certificate is not
	// for its key imports, and then fails at every login.
	ErrP12KeyMismatch = i18n.New("p12.key_mismatch",
		i18n.T("El certificado no corresponde a la clave privada.",
			"The certificate does not belong to the private key."),
		i18n.T("No se ha guardado nada. Comprueba que descargas la solicitud correcta desde el ordenador donde la hiciste; si se repite, pide ayuda indicando el código de solicitud.",
			"Nothing was saved. Check that you are downloading the right application from the computer you made it on; if it happens again, ask for help quoting the application code."))
)
