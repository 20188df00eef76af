package server

import (
	"log/slog"
	"net"
	"net/url"
)

// webAuthnParty derives the app login's passkey relying party from the
// public URL: its host is the relying-party ID and its origin the one
// origin whose pages may use the passkeys. Browsers refuse passkeys for an
// IP address, so a public URL on one turns the app login off (rpID "").
func webAuthnParty(publicURL string, log *slog.Logger) (rpID string, origins []string) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", nil
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		if log != nil {
			log.Warn("app login off: passkeys need a public URL with a host name, not an IP address", "public_url", publicURL)
		}
		return "", nil
	}
	return host, []string{u.Scheme + "://" + u.Host}
}
