package idp

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/otp"
	"github.com/llavero/llavero/internal/store"
)

// Certificate login crosses two origins: the TLS layer that can ask for a
// client certificate listens on its own origin, while the single-sign-on
// session lives on the main one. StartCertificateLogin runs on the first,
// after TLS has proved the certificate; it hands the browser a one-time
// token that CompleteCertificateLogin, on the main origin, trades for the
// login. The token is the only thing that crosses, so it is:
//
//   - unguessable: 32 random bytes, stored only as an HMAC under CodeKey
//     bound to its person and purpose, like every other code;
//   - short-lived and single-use: certHandoffTTL, then never again;
//   - addressable without a scan: it is codeID + "." + secret, so the store
//     finds the one row by ID and the secret is checked in constant time.

// CodeCertHandoff is the purpose of the one-time token that carries a
// certificate login from the certificate origin to the main origin.
const CodeCertHandoff = "cert-handoff"

// CodeCertHandoffToken is CodeCertHandoff for a certificate whose key the
// deployment's policy says is on a cryptographic token: the login it
// carries reaches the high level. The purpose is part of the stored HMAC,
// so a software certificate's token can never be read as a hardware one.
const CodeCertHandoffToken = "cert-handoff-token"

// certHandoffTTL is how long the hand-off token lives: the browser follows
// the redirect at once, so a minute covers a slow network and no more.
const certHandoffTTL = 60 * time.Second

// certHandoffBytes is the secret's entropy: as much as a session token.
const certHandoffBytes = 32

// Refusals of the certificate hand-off. The next step is always the same,
// because the certificate is still in the browser: start again.
var (
	ErrCertLoginUnknown = i18n.New("certlogin.unknown",
		i18n.T("El enlace para entrar con tu certificado no es válido.", "The link to log in with your certificate is not valid."),
		i18n.T("Vuelve a entrar con tu certificado desde la página de entrada; el enlace se crea en ese momento y no se copia.",
			"Log in again with your certificate from the login page; the link is made at that moment and is not meant to be copied."))
	ErrCertLoginExpired = i18n.New("certlogin.expired",
		i18n.T("El enlace para entrar con tu certificado ha caducado.", "The link to log in with your certificate has expired."),
		i18n.T("Vale solo un minuto. Vuelve a entrar con tu certificado desde la página de entrada.",
			"It is valid for one minute only. Log in again with your certificate from the login page."))
	ErrCertLoginUsed = i18n.New("certlogin.used",
		i18n.T("El enlace para entrar con tu certificado ya se usó.", "The link to log in with your certificate has already been used."),
		i18n.T("Cada enlace sirve una vez. Vuelve a entrar con tu certificado desde la página de entrada.",
			"Each link works once. Log in again with your certificate from the login page."))
)

// StartCertificateLogin checks that cert (already verified by TLS against
// the CA) belongs to a holder the RA still vouches for, makes sure the
// holder has an advanced account, and returns the hand-off token for
// CompleteCertificateLogin.
//
// A holder without an account gets one, and a basic account is raised to
// advanced: the certificate was issued after an office checked the
// person's document, which is exactly what the advanced level requires
// (DOMAIN.md: "log in once with your certificate"). Refusing would only
// send the person to the registration page to present the same
// certificate again.
func (p *IdP) StartCertificateLogin(ctx context.Context, cert *x509.Certificate) (string, error) {
	holder, err := p.certs.Holder(ctx, cert)
	if err != nil {
		// Revoked, expired or foreign: the RA's own error says what to do.
		return "", err
	}
	personID := holder.PersonID
	var secret [certHandoffBytes]byte
	if _, err := io.ReadFull(p.rand, secret[:]); err != nil {
		return "", err
	}
	id, err := p.randomID()
	if err != nil {
		return "", err
	}
	// Lower-case hex, not base64: codes are stored as the HMAC of their
	// otp.Normalize form, which upper-cases and drops '-', so a base64
	// secret would lose entropy and gain spellings. splitHandoff accepts
	// lower-case hex only, on which Normalize is one-to-one.
	secretText := hex.EncodeToString(secret[:])
	now := p.clock()
	purpose := CodeCertHandoff
	if p.onToken(cert) {
		purpose = CodeCertHandoffToken
	}
	oc := store.OneTimeCode{ID: id, PersonID: personID, Purpose: purpose,
		CodeHash: otp.Hash(p.cfg.CodeKey, purpose, personID, secretText),
		Channel:  "browser", Destination: "", CreatedAt: now, ExpiresAt: now.Add(certHandoffTTL)}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		acc, err := tx.GetAccount(ctx, personID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && acc.Level != store.LevelAdvanced):
			// upsertAccount records the registration or the upgrade.
			if _, err := p.upsertAccount(ctx, tx, personID, store.LevelAdvanced, store.ViaCertificate, Contact{}, "", "", "citizen:"+personID); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		return tx.CreateCode(ctx, oc)
	})
	if err != nil {
		return "", err
	}
	return id + "." + secretText, nil
}

// onToken reports whether cert carries one of the certificate policies the
// deployment accepts as "the key is on a cryptographic token".
func (p *IdP) onToken(cert *x509.Certificate) bool {
	for _, want := range p.cfg.HardwareTokenPolicies {
		for _, have := range cert.Policies {
			if have.Equal(want) {
				return true
			}
		}
	}
	return false
}

// CompleteCertificateLogin consumes a hand-off token and returns the
// certificate login it stands for: substantial, amr ["swk"], or high, amr
// ["hwk" "pin" "mfa"], for a certificate on a token (Config.HardwareTokenPolicies).
func (p *IdP) CompleteCertificateLogin(ctx context.Context, token string) (Authenticated, error) {
	id, secret, ok := splitHandoff(token)
	if !ok {
		return Authenticated{}, ErrCertLoginUnknown
	}
	now := p.clock()
	var personID string
	var onToken bool
	var verdict error
	err := p.st.InTx(ctx, func(tx store.Tx) error {
		oc, err := tx.UpdateCode(ctx, id, func(oc *store.OneTimeCode) error {
			switch {
			case oc.Purpose != CodeCertHandoff && oc.Purpose != CodeCertHandoffToken:
				// Another kind of code's ID: as if it did not exist.
				verdict = ErrCertLoginUnknown
			case !otp.Verify(p.cfg.CodeKey, oc.Purpose, oc.PersonID, secret, oc.CodeHash):
				// Checked before used/expired, so that only the holder of
				// the whole token learns anything about it.
				verdict = ErrCertLoginUnknown
			case !oc.UsedAt.IsZero():
				verdict = ErrCertLoginUsed
			case !now.Before(oc.ExpiresAt):
				verdict = ErrCertLoginExpired
			default:
				oc.UsedAt = now
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			verdict = ErrCertLoginUnknown
			return nil
		}
		if err != nil {
			return err
		}
		if verdict != ErrCertLoginUnknown {
			personID = oc.PersonID
			onToken = oc.Purpose == CodeCertHandoffToken
		}
		return nil
	})
	if err != nil {
		return Authenticated{}, err
	}
	if verdict != nil {
		if personID != "" {
			p.loginEvent(ctx, personID, loa.MethodCertificate, "", audit.Refused, i18n.CodeOf(verdict))
		}
		return Authenticated{}, verdict
	}
	return p.loggedInAs(ctx, personID, loa.Login{Method: loa.MethodCertificate, HardwareToken: onToken})
}

// splitHandoff reads codeID "." secret, refusing anything that is not the
// shape StartCertificateLogin makes before it reaches the store.
func splitHandoff(token string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(token, ".")
	if !ok || len(id) != 32 || len(secret) != 2*certHandoffBytes || !lowerHex(id) || !lowerHex(secret) {
		return "", "", false
	}
	return id, secret, true
}

// lowerHex reports whether s is made of 0-9 and a-f only.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
