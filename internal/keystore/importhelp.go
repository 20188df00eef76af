package keystore

import (
	"strings"

	"github.com/llavero/llavero/internal/i18n"
)

// ImportHelp returns what to do with a freshly written backup: how to import
// it into each common browser and system, and why to keep it. The menu
// names are those of each program in that language, as the person will see
// them on screen.
func ImportHelp(lang i18n.Lang, p12Path string) string {
	t := importHelpText
	var b strings.Builder
	b.WriteString(i18n.Tf(t.saved.ES, t.saved.EN, p12Path).In(lang))
	b.WriteString("\n\n")
	for _, step := range t.steps {
		b.WriteString(step.In(lang))
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(t.keep.In(lang))
	b.WriteString("\n")
	return b.String()
}

var importHelpText = struct {
	saved i18n.Text
	steps []i18n.Text
	keep  i18n.Text
}{
	saved: i18n.T(
		"Tu certificado y su clave están en %s. Para usarlo, impórtalo en el navegador o en el sistema; te pedirá la contraseña de este archivo.",
		"Your certificate and its key are in %s. To use it, import it into your browser or system; you will be asked for this file's passphrase."),
	steps: []i18n.Text{
		i18n.T(
			"- Firefox (cualquier sistema): Ajustes → Privacidad & Seguridad → Certificados → Ver certificados… → Sus certificados → Importar… y elige el archivo.",
			"- Firefox (any system): Settings → Privacy & Security → Certificates → View Certificates… → Your Certificates → Import… and choose the file."),
		i18n.T(
			"- Chrome y Edge en Windows: haz doble clic en el archivo .p12 y sigue el Asistente para importar certificados (Usuario actual, «Seleccionar automáticamente el almacén»). También desde certmgr.msc → Personal → Certificados → Todas las tareas → Importar.",
			"- Chrome and Edge on Windows: double-click the .p12 file and follow the Certificate Import Wizard (Current User, \"Automatically select the certificate store\"). Or from certmgr.msc → Personal → Certificates → All Tasks → Import."),
		i18n.T(
			"- macOS (Safari, Chrome, Edge): haz doble clic en el archivo; se abre Acceso a Llaveros: elige el llavero «inicio de sesión» y escribe la contraseña del archivo.",
			"- macOS (Safari, Chrome, Edge): double-click the file; Keychain Access opens: choose the \"login\" keychain and type the file's passphrase."),
		i18n.T(
			"- Chrome en Linux: Configuración → Privacidad y seguridad → Seguridad → Gestionar certificados → Tus certificados → Importar.",
			"- Chrome on Linux: Settings → Privacy and security → Security → Manage certificates → Your certificates → Import."),
	},
	keep: i18n.T(
		"Guarda este archivo y su contraseña en un lugar seguro, por separado (por ejemplo, el archivo en una memoria USB y la contraseña en papel): es tu copia de seguridad. Sin ella, si pierdes o formateas el ordenador tendrás que hacer una solicitud nueva y volver a ir a una oficina.",
		"Keep this file and its passphrase somewhere safe, apart from each other (for example the file on a USB stick and the passphrase on paper): it is your backup. Without it, a lost or formatted computer means a new request and another visit to an office."),
}
