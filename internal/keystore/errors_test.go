package keystore

import (
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

// templates lists every exported error of the package;
// TestEveryExportedErrorIsListed keeps it complete, so the checks below
// cannot be skipped by forgetting to add a new error here.
var templates = map[string]*i18n.Error{
	"ErrNotFound":           ErrNotFound,
	"ErrPassphrase":         ErrPassphrase,
	"ErrWeakPassphrase":     ErrWeakPassphrase,
	"ErrCorrupt":            ErrCorrupt,
	"ErrKeyType":            ErrKeyType,
	"ErrProof":              ErrProof,
	"ErrEmail":              ErrEmail,
	"ErrP12Passphrase":      ErrP12Passphrase,
	"ErrP12Invalid":         ErrP12Invalid,
	"ErrP12PassphraseChars": ErrP12PassphraseChars,
	"ErrP12KeyMismatch":     ErrP12KeyMismatch,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
}

var codeShape = regexp.MustCompile(`^[a-z0-9]+\.[a-z_]+$`)

func TestEveryErrorIsBilingualWithAStableCode(t *testing.T) {
	seen := map[string]string{}
	for name, e := range templates {
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q is not area.name", name, e.Code)
		}
		if other, dup := seen[e.Code]; dup {
			t.Errorf("%s and %s share the code %q", name, other, e.Code)
		}
		seen[e.Code] = name
		if e.Cause != nil {
			t.Errorf("%s: a template must not carry a cause", name)
		}
		for _, p := range []struct {
			part string
			txt  i18n.Text
		}{{"Msg", e.Msg}, {"Next", e.Next}} {
			if strings.TrimSpace(p.txt.ES) == "" || strings.TrimSpace(p.txt.EN) == "" {
				t.Errorf("%s: %s is missing a language", name, p.part)
			}
			if p.txt.ES == p.txt.EN {
				t.Errorf("%s: %s is the same in both languages", name, p.part)
			}
			for _, s := range []string{p.txt.ES, p.txt.EN} {
				if strings.Contains(s, "%!") || strings.Contains(s, "  ") {
					t.Errorf("%s: %s has a formatting slip: %q", name, p.part, s)
				}
			}
		}
	}
}

func TestImportHelp(t *testing.T) {
	for _, c := range []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.ES, []string{"/home/ana/certificado.p12", "Firefox", "Sus certificados", "Asistente para importar certificados", "Acceso a Llaveros", "Gestionar certificados", "copia de seguridad", "oficina"}},
		{i18n.EN, []string{"/home/ana/certificado.p12", "Firefox", "Your Certificates", "Certificate Import Wizard", "Keychain Access", "Manage certificates", "backup", "office"}},
	} {
		got := ImportHelp(c.lang, "/home/ana/certificado.p12")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s help lacks %q:\n%s", c.lang, w, got)
			}
		}
		if strings.Contains(got, "%!") {
			t.Errorf("%s help has a formatting slip:\n%s", c.lang, got)
		}
	}
}
