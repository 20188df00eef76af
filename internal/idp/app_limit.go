package idp

import (
	"context"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// Every QR login page stores a challenge. A page is free to open, so a
// client that reloads it in a loop would fill the table (each row lives
// five minutes); LimitAppLogins caps how many a client address may start.
const (
	appLoginsPerWindow = 30
	appLoginWindow     = 5 * time.Minute
)

// LimitAppLogins counts a QR login page opened from clientKey (the
// client's address) and refuses past appLoginsPerWindow in
// appLoginWindow with ErrAppTooManyPages. An empty clientKey is not
// counted.
func (p *IdP) LimitAppLogins(ctx context.Context, clientKey string) error {
	if clientKey == "" {
		return nil
	}
	n, err := p.st.CountAttempt(ctx, "qr-client:"+clientKey, p.now(), appLoginWindow)
	if err != nil {
		return err
	}
	if n > appLoginsPerWindow {
		return ErrAppTooManyPages
	}
	return nil
}

// ErrAppTooManyPages: the client address opened too many QR login pages.
var ErrAppTooManyPages = i18n.New("app.too_many_pages",
	i18n.T("Se han abierto demasiadas páginas de acceso con código QR desde tu conexión en pocos minutos.",
		"Too many QR login pages have been opened from your connection in a few minutes."),
	i18n.T("Espera cinco minutos y vuelve a cargar la página, o entra con un PIN, tu contraseña o tu certificado.",
		"Wait five minutes and reload the page, or log in with a PIN, your password or your certificate."))
