package demo

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/store"
)

// URLs are where the running platform answers.
type URLs struct {
	Public    string // llavero's main URL
	CertLogin string // the certificate-login origin (and office console)
}

// handles names what an office does.
var handles = map[string]i18n.Text{
	"certificate":  i18n.T("certificados", "certificates"),
	"account":      i18n.T("cuentas", "accounts"),
	"video-review": i18n.T("revisión de videoidentificaciones", "video identification reviews"),
}

var levels = map[string]i18n.Text{
	loa.Low:         i18n.T("nivel bajo", "level low"),
	loa.Substantial: i18n.T("nivel sustancial", "level substantial"),
	loa.High:        i18n.T("nivel alto", "level high"),
}

// The summary's words.
var (
	sumTitle     = i18n.T("llavero (DEMOSTRACIÓN: personas y oficinas ficticias) está en marcha", "llavero (DEMONSTRATION: fictional people and offices) is running")
	sumOpen      = i18n.T("Abra", "Open")
	sumStart     = i18n.T("empiece aquí: su plan paso a paso, en el orden correcto", "start here: your plan step by step, in the right order")
	sumCertLogin = i18n.T("acceso con certificado (cuenta con su certificado)", "certificate login (account with your certificate)")
	sumConsole   = i18n.T("consola de la oficina (con un .p12 de operador)", "office console (with an operator .p12)")
	sumRoot      = i18n.T("raíz de la CA de desarrollo (impórtela en el navegador para el acceso con certificado)", "the development CA's root (import it into the browser for certificate login)")
	sumOutbox    = i18n.T("bandeja de salida: correos, SMS y cartas con sus códigos", "outbox: emails, SMS and letters with their codes")
	sumData      = i18n.T("datos", "data")
	sumOffices   = i18n.T("Sedes electrónicas de ejemplo (inician sesión con llavero)", "Sample electronic offices (they log in through llavero)")
	sumSign      = i18n.T("y firma con código por SMS", "and a signature with an SMS code")
	sumCert      = i18n.T("y firma con certificado", "and a certificate signature")
	sumPeople    = i18n.T("Personas de ejemplo (registro ficticio)", "Sample people (fictional registry)")
	sumTry       = i18n.T("pruebe", "try")
	sumDesks     = i18n.T("Oficinas de registro y sus operadores", "Registration offices and their operators")
	sumHandles   = i18n.T("atiende", "handles")
	sumOperator  = i18n.T("operador/a", "operator")
	sumPass      = i18n.T("contraseña de los .p12 de operador", "passphrase of the operator .p12 files")
	sumOrder     = i18n.T("Orden: 1) certificado («llavero cert request»; la oficina comprueba el documento en su consola; «llavero cert download»), 2) cuenta con el certificado, 3) entrar en la sede de Tráfico, 4) firmar. Guía: docs/demo.md",
		"Order: 1) certificate (\"llavero cert request\"; the office checks the document in its console; \"llavero cert download\"), 2) account with the certificate, 3) log in at the Traffic office, 4) sign. Guide: docs/demo.md")
	sumReadme = i18n.T("este resumen, en los dos idiomas, también está en", "this summary, in both languages, is also in")
	sumAgain  = i18n.T("Volver a arrancar con --demo reutiliza todo; borre el directorio de datos para empezar de cero. Pare con Ctrl-C.",
		"Starting again with --demo reuses everything; delete the data directory to start afresh. Stop with Ctrl-C.")
)

// WriteSummary prints, in lang, what a newcomer needs: where to go, who
// the sample people are and what to try with each, and the operators'
// files with their passphrase.
func (s *Setup) WriteSummary(w io.Writer, lang i18n.Lang, u URLs) error {
	var b bytes.Buffer
	in := func(t i18n.Text) string { return t.In(lang) }
	fmt.Fprintf(&b, "%s\n\n", in(sumTitle))
	fmt.Fprintf(&b, "  %s %s\n", in(sumOpen), u.Public)
	fmt.Fprintf(&b, "  %s: %s/start\n", in(sumStart), u.Public)
	fmt.Fprintf(&b, "  %s: %s/account/register\n  %s: %s/office\n", in(sumCertLogin), u.CertLogin, in(sumConsole), u.CertLogin)
	fmt.Fprintf(&b, "  %s: %s/ca/root.crt\n", in(sumRoot), u.Public)
	fmt.Fprintf(&b, "  %s: %s/dev/outbox\n", in(sumOutbox), u.Public)
	fmt.Fprintf(&b, "  %s: %s\n\n", in(sumData), filepath.Dir(s.Dir))

	fmt.Fprintf(&b, "%s:\n", in(sumOffices))
	for _, c := range s.Clients {
		fmt.Fprintf(&b, "  %s  %s\n", c.URL, c.Kind.Name.In(lang))
		for _, p := range c.Kind.Procedures {
			extra := ""
			switch p.Signature {
			case store.SignatureRemote:
				extra = " " + in(sumSign)
			case store.SignatureCertificate:
				extra = " " + in(sumCert)
			}
			fmt.Fprintf(&b, "      - %s (%s%s)\n", p.Name.In(lang), in(levels[p.ACR]), extra)
		}
	}

	fmt.Fprintf(&b, "\n%s:\n", in(sumPeople))
	for _, p := range append(People[:len(People):len(People)], Absent) {
		name := p.Name()
		if name == "" {
			name = "—"
		}
		fmt.Fprintf(&b, "  %-10s %-20s %s\n  %-10s %-20s %s: %s\n", p.ID(), name, in(p.Situation), "", "", in(sumTry), in(p.Try))
	}

	fmt.Fprintf(&b, "\n%s:\n", in(sumDesks))
	for _, o := range s.Offices {
		var hs []string
		for _, h := range o.Office.Handles {
			hs = append(hs, in(handles[h]))
		}
		fmt.Fprintf(&b, "  %s, %s, %s %s (%s); %s: %s\n", o.Office.Name, o.Office.Address, o.Office.PostalCode, o.Office.City,
			o.Office.Hours, in(sumHandles), strings.Join(hs, ", "))
		fmt.Fprintf(&b, "      %s %s: %s\n", in(sumOperator), o.Operator.Name, o.P12)
	}
	fmt.Fprintf(&b, "  %s: %s\n\n", in(sumPass), s.Passphrase)
	fmt.Fprintf(&b, "%s\n%s: %s\n%s\n", in(sumOrder), in(sumReadme), filepath.Join(s.Dir, "README.txt"), in(sumAgain))
	_, err := w.Write(b.Bytes())
	return err
}

// WriteReadme writes DATA/demo/README.txt: the summary in both languages,
// for whoever finds the directory later.
func (s *Setup) WriteReadme(u URLs) (string, error) {
	var b bytes.Buffer
	for i, l := range i18n.Langs {
		if i > 0 {
			b.WriteString("\n----------------------------------------------------------------\n\n")
		}
		if err := s.WriteSummary(&b, l, u); err != nil {
			return "", err
		}
	}
	path := filepath.Join(s.Dir, "README.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return path, nil
}
