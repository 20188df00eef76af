package reminders

import (
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/config"
)

// TestRenewCommandNamesTheServer: the expiry reminder's renew command
// names the platform with --server, in both languages, so that it works
// as copied on the person's computer; only a platform at the CLI's own
// default leaves it out.
func TestRenewCommandNamesTheServer(t *testing.T) {
	notAfter := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ url, server string }{
		{"https://id.example.es", " --server https://id.example.es"},
		{"http://localhost:8080", " --server http://localhost:8080"},
		{config.DefaultServer, ""},
	} {
		_, body := certText("0a1b", notAfter, 7, tc.url)
		for _, want := range []string{
			"  llavero cert renew" + tc.server + " --p12 certificado.p12 --out certificado-nuevo.p12\n",
			"  llavero cert renew" + tc.server + " --p12 certificate.p12 --out certificate-new.p12\n",
		} {
			if !strings.Contains(body.ES+body.EN, want) {
				t.Errorf("%s: the reminder lacks %q:\n%s\n%s", tc.url, want, body.ES, body.EN)
			}
		}
		if strings.Contains(body.ES+body.EN, "%!") {
			t.Errorf("%s: a broken hole:\n%s\n%s", tc.url, body.ES, body.EN)
		}
	}
}

// TestBackupCommandsNameTheServer: the no-backup reminder's commands name
// the platform with --server, as the renew command does.
func TestBackupCommandsNameTheServer(t *testing.T) {
	downloaded := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ url, server string }{
		{"https://id.example.es", " --server https://id.example.es"},
		{config.DefaultServer, ""},
	} {
		_, body := backupText("0a1b", downloaded, tc.url)
		for _, want := range []string{
			"  llavero cert backup" + tc.server + " --p12 certificado.p12 --copy-to ",
			"  llavero cert backup" + tc.server + " --p12 /ruta/de/la/copia.p12\n",
			"  llavero cert backup" + tc.server + " --p12 certificate.p12 --copy-to ",
			"  llavero cert backup" + tc.server + " --p12 /path/to/the/copy.p12\n",
		} {
			if !strings.Contains(body.ES+body.EN, want) {
				t.Errorf("%s: the reminder lacks %q:\n%s\n%s", tc.url, want, body.ES, body.EN)
			}
		}
		if strings.Contains(body.ES+body.EN, "%!") {
			t.Errorf("%s: a broken hole:\n%s\n%s", tc.url, body.ES, body.EN)
		}
	}
}
