package ra

import (
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
	"github.com/llavero/llavero/internal/store"
)

// TestDownloadCommandInEmails: the "llavero cert download" line of the
// application and ready emails carries every flag the command requires,
// --surname among them, in both languages; without it the command as
// copied stops at "required flag(s) "surname" not set". It names the
// platform with --server, unless the platform is where the command goes
// anyway: otherwise, copied on the person's computer, it would try
// 127.0.0.1.
func TestDownloadCommandInEmails(t *testing.T) {
	app := store.Application{PersonID: "X1234567L", ExpiresAt: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name, publicURL, server string
	}{
		{"a real deployment", "https://id.example.es", " --server https://id.example.es"},
		{"a trailing slash", "https://id.example.es/", " --server https://id.example.es"},
		{"the demo on localhost", "http://localhost:8080", " --server http://localhost:8080"},
		{"the CLI's default", config.DefaultServer, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			applied := mailApplied(tc.publicURL, app, "ABCD-EFGH-JKLM", "Kovalenko", store.DocTIE, nil)
			ready := mailReady(tc.publicURL, app, "de la Fuente", time.Date(2034, 1, 2, 0, 0, 0, 0, time.UTC))
			for _, c := range []struct{ got, want string }{
				{applied.body.EN, "  llavero cert download" + tc.server + " --id X1234567L --surname Kovalenko --code ABCD-EFGH-JKLM --out certificate.p12\n"},
				{applied.body.ES, "  llavero cert download" + tc.server + " --id X1234567L --surname Kovalenko --code ABCD-EFGH-JKLM --out certificado.p12\n"},
				{ready.body.EN, "  llavero cert download" + tc.server + " --id X1234567L --surname 'de la Fuente' --code YOUR-CODE --out certificate.p12\n"},
				{ready.body.ES, "  llavero cert download" + tc.server + " --id X1234567L --surname 'de la Fuente' --code TU-CÓDIGO --out certificado.p12\n"},
			} {
				if !strings.Contains(c.got, c.want) {
					t.Errorf("the email lacks %q:\n%s", c.want, c.got)
				}
				if strings.Contains(c.got, "%s") || strings.Contains(c.got, "%!") {
					t.Errorf("a hole left in the email:\n%s", c.got)
				}
			}
			if !strings.Contains(applied.body.EN, "Bring your original, valid TIE") {
				t.Errorf("the office lines moved:\n%s", applied.body.EN)
			}
		})
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"Kovalenko":    "Kovalenko",
		"Muñoz":        "Muñoz",
		"García-Sanz":  "García-Sanz",
		"de la Fuente": "'de la Fuente'",
		"O'Brien":      `'O'\''Brien'`,
		"$(rm -rf)":    "'$(rm -rf)'",
		"":             "''",
	} {
		if got := ShellWord(in); got != want {
			t.Errorf("ShellWord(%q) = %s, want %s", in, got, want)
		}
	}
}
