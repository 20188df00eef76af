package ra

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/store"
)

// message is one email of the certificate's life, in both languages.
type message struct {
	kind    string
	subject i18n.Text
	body    i18n.Text
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func officeLines(offices []store.Office) i18n.Text {
	if len(offices) == 0 {
		return i18n.T("  (consulta el directorio de oficinas de la plataforma)\n", "  (see the platform's office directory)\n")
	}
	var b strings.Builder
	for _, o := range offices {
		fmt.Fprintf(&b, "  - %s, %s, %s %s", o.Name, o.Address, o.PostalCode, o.City)
		if o.Hours != "" {
			fmt.Fprintf(&b, " (%s)", o.Hours)
		}
		b.WriteByte('\n')
	}
	return i18n.T(b.String(), b.String())
}

func whatToBring(personDoc string) i18n.Text {
	switch personDoc {
	case store.DocTIE:
		return i18n.T("tu TIE original y en vigor", "your original, valid TIE (foreigner identity card)")
	case store.DocEUCertificate:
		return i18n.T("tu certificado de registro de ciudadano de la UE y tu pasaporte o documento de identidad en vigor", "your EU citizen registration certificate and your valid passport or national identity card")
	case store.DocPassport:
		return i18n.T("tu pasaporte original y en vigor", "your original, valid passport")
	default:
		return i18n.T("tu DNI original y en vigor", "your original, valid DNI")
	}
}

func mailApplied(publicURL string, app store.Application, code, surname, docType string, offices []store.Office) message {
	ol := fillHole(fillHole(i18n.T("Lleva %s.\nOficinas:\n%s", "Bring %s.\nOffices:\n%s"), whatToBring(docType)), officeLines(offices))
	return message{
		kind:    "applied",
		subject: i18n.T("Tu código de solicitud de certificado", "Your certificate application code"),
		body: fillHole(fillHole(i18n.Tf(
			"Hemos recibido tu solicitud de certificado.\n\nCódigo de solicitud: %s\nVálido hasta: %s\n\nSiguiente paso: ve a una oficina de registro antes de esa fecha con tu documento de identidad original y este código.\n%s\nDespués descarga el certificado EN ESTE MISMO ORDENADOR, donde está tu clave:\n  %s\n\nSi no hiciste esta solicitud, ignora este correo.\n",
			"We have received your certificate application.\n\nApplication code: %s\nValid until: %s\n\nNext step: go to a registration office before that date with your original identity document and this code.\n%s\nThen download the certificate ON THIS SAME COMPUTER, where your key is:\n  %s\n\nIf you did not apply, ignore this email.\n",
			code, day(app.ExpiresAt), "%s", "%s"), ol), downloadCommand(publicURL, app.PersonID, surname, i18n.T(code, code))),
	}
}

// downloadCommand is the "llavero cert download" line a person is told to
// run, with every flag the command requires (--id, --surname, --code,
// --out) and the platform's address (--server, unless it is the CLI's
// default), so that it works as copied on the person's own computer;
// publicURL is the platform's public URL, code the application code, or
// a placeholder where the message cannot hold it.
func downloadCommand(publicURL, personID, surname string, code i18n.Text) i18n.Text {
	line := func(code, out string) string {
		return "llavero cert download" + config.ServerFlag(publicURL) + " --id " + personID + " --surname " + ShellWord(surname) + " --code " + code + " --out " + out
	}
	return i18n.T(line(code.ES, "certificado.p12"), line(code.EN, "certificate.p12"))
}

// ShellWord returns s as one word for a POSIX shell: as it is when it
// holds only letters, digits, dots and hyphens (most surnames: "Muñoz",
// "García-Sanz"), else in single quotes ("'de la Fuente'", "'O'\”Brien'").
func ShellWord(s string) string {
	plain := s != ""
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fillHole puts a per-language text where t kept a literal "%s", for
// parts (office lists, refusal reasons) that differ by language.
func fillHole(t, v i18n.Text) i18n.Text {
	return i18n.T(strings.Replace(t.ES, "%s", v.ES, 1), strings.Replace(t.EN, "%s", v.EN, 1))
}

func mailReminder(app store.Application, daysLeft int) message {
	return message{
		kind:    fmt.Sprintf("reminder-%dd", daysLeft),
		subject: i18n.Tf("Tu código de solicitud caduca en %d día(s)", "Your application code expires in %d day(s)", daysLeft),
		body: i18n.Tf(
			"Tu código de solicitud de certificado caduca el %s y todavía no has pasado por una oficina de registro.\n\nSiguiente paso: ve a una oficina antes de esa fecha con tu documento de identidad original y el código que te enviamos. Si caduca, tendrás que hacer una solicitud nueva.\n",
			"Your certificate application code expires on %s and you have not visited a registration office yet.\n\nNext step: go to an office before that date with your original identity document and the code we sent you. If it expires, you will have to apply again.\n",
			day(app.ExpiresAt)),
	}
}

func mailReady(publicURL string, app store.Application, surname string, notAfter time.Time) message {
	return message{
		kind:    "ready",
		subject: i18n.T("Tu certificado está listo para descargar", "Your certificate is ready to download"),
		body: fillHole(i18n.Tf(
			"La oficina ha comprobado tu identidad y tu certificado está emitido (válido hasta %s).\n\nSiguiente paso: descárgalo EN EL MISMO ORDENADOR donde hiciste la solicitud:\n  %s\n\nEl fichero .p12 es tu copia de seguridad: guárdalo con su contraseña en un lugar seguro. Sin él, si pierdes el ordenador tendrás que volver a una oficina.\n",
			"The office has checked your identity and your certificate is issued (valid until %s).\n\nNext step: download it ON THE SAME COMPUTER where you applied:\n  %s\n\nThe .p12 file is your backup: keep it and its passphrase somewhere safe. Without it, losing the computer means another office visit.\n",
			day(notAfter), "%s"), downloadCommand(publicURL, app.PersonID, surname, i18n.T("TU-CÓDIGO", "YOUR-CODE"))),
	}
}

func mailRefused(app store.Application, reason i18n.Text) message {
	return message{
		kind:    "refused",
		subject: i18n.T("Tu solicitud de certificado ha sido rechazada", "Your certificate application was refused"),
		body: fillHole(i18n.T("La oficina de registro ha rechazado tu solicitud.\n\nMotivo y siguiente paso: %s\n",
			"The registration office refused your application.\n\nReason and next step: %s\n"), reason),
	}
}

func mailRevoked(c store.Certificate) message {
	return message{
		kind:    "revoked",
		subject: i18n.T("Tu certificado ha sido revocado", "Your certificate was revoked"),
		body: i18n.Tf("Tu certificado con número de serie %s ha sido revocado y ya no sirve para identificarte ni firmar.\n\nSi no lo pediste tú, contacta con una oficina de registro. Para tener otro, haz una solicitud nueva con «llavero cert request».\n",
			"Your certificate with serial number %s was revoked and no longer works for signing in or signing.\n\nIf you did not ask for this, contact a registration office. To get another, make a new request with \"llavero cert request\".\n", c.Serial),
	}
}
