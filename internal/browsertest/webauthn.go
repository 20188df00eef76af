package browsertest

import (
	"context"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// Authenticator is a virtual WebAuthn authenticator attached to one
// person's tab: Chromium answers navigator.credentials.create and .get
// on that tab with it, with no dialog, as a phone's platform
// authenticator would after the person unlocks it.
type Authenticator struct {
	p  *Person
	ID webauthn.AuthenticatorID
}

// PlatformAuthenticator returns the options of a passkey on a phone: CTAP2,
// built in ("internal" transport), discoverable credentials, user
// verification done and passed, presence confirmed at once.
func PlatformAuthenticator() webauthn.VirtualAuthenticatorOptions {
	return webauthn.VirtualAuthenticatorOptions{
		Protocol:                    webauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                webauthn.Ctap2versionCtap21,
		Transport:                   webauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		AutomaticPresenceSimulation: true,
	}
}

// AddAuthenticator enables the WebAuthn domain on p's tab and attaches a
// virtual authenticator with opts (usually PlatformAuthenticator(), maybe
// changed: IsUserVerified false for a phone whose owner fails the
// fingerprint). Pages need a secure context for WebAuthn: https, or
// http://localhost (not 127.0.0.1, which is no valid relying-party ID).
// The authenticator lives as long as the tab, across navigations.
func (p *Person) AddAuthenticator(opts webauthn.VirtualAuthenticatorOptions) *Authenticator {
	p.t.Helper()
	id := run(p, "add a virtual authenticator", func(ctx context.Context, t *chromedp.Target) (webauthn.AuthenticatorID, error) {
		// No UI: a dialog would wait for a click nobody makes.
		if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return "", err
		}
		res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &opts})
		return res.AuthenticatorID, err
	})
	return &Authenticator{p: p, ID: id}
}

// Credentials returns the credentials (passkeys) the authenticator holds.
func (a *Authenticator) Credentials() []*webauthn.Credential {
	a.p.t.Helper()
	return run(a.p, "list the authenticator's credentials", func(ctx context.Context, t *chromedp.Target) ([]*webauthn.Credential, error) {
		res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: a.ID})
		return res.Credentials, err
	})
}

// SetUserVerified sets whether the next user verification (fingerprint,
// PIN on the phone) succeeds.
func (a *Authenticator) SetUserVerified(ok bool) {
	a.p.t.Helper()
	run(a.p, "set user verification", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, webauthn.SetUserVerified, webauthn.SetUserVerifiedParams{AuthenticatorID: a.ID, IsUserVerified: ok})
		return err
	}))
}

// Remove detaches the authenticator: the phone is gone.
func (a *Authenticator) Remove() {
	a.p.t.Helper()
	run(a.p, "remove the virtual authenticator", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: a.ID})
		return err
	}))
}
