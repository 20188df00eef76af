package idp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/llavero/llavero/internal/audit"
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/idp/loa"
	"github.com/llavero/llavero/internal/idp/qrlogin"
	"github.com/llavero/llavero/internal/registry"
	"github.com/llavero/llavero/internal/store"
)

// The app login: a person registers the passkey of their phone once, from
// a session that already proved who they are; afterwards the login page
// shows a QR code that changes every second (package qrlogin), the phone
// scans it, shows the office's name and three check digits, and confirms
// with the passkey. The browser that showed the code, and only that one,
// then collects the login by polling.
//
// Passkeys are discoverable and user-verified (the phone's screen lock
// was used), so a login needs no identifier typed anywhere: the credential
// names the device, the device names the person.

// appCeremonyTTL bounds a passkey registration between the page asking
// for it and the phone answering.
const appCeremonyTTL = 5 * time.Minute

// appCollectGrace is how long after a challenge's expiry an approval
// made in time may still be collected by a slow poll.
const appCollectGrace = time.Minute

// Refusals of the app login and of device registration.
var (
	ErrAppOff = i18n.New("app.off",
		i18n.T("El acceso con la aplicación del móvil no está disponible en este servidor.", "Logging in with the phone app is not available on this server."),
		i18n.T("Entra con un PIN por SMS, con tu contraseña o con tu certificado.", "Log in with a PIN by SMS, your password or your certificate."))
	ErrAppLevel = i18n.New("app.level",
		i18n.T("Para registrar tu móvil tienes que haber entrado con todo el nivel de tu cuenta.", "To register your phone you must be logged in at your account's full level."),
		i18n.T("Sal y vuelve a entrar con un PIN por SMS, con contraseña y código SMS o con tu certificado; después registra el móvil.",
			"Log out and log in again with a PIN by SMS, a password and SMS code, or your certificate; then register the phone."))
	ErrAppRegistrationExpired = i18n.New("app.registration_expired",
		i18n.T("El registro del móvil ha caducado o ya se terminó.", "The phone registration has expired or was already finished."),
		i18n.T("Pulsa otra vez «Registrar este móvil» y sigue los pasos del móvil en menos de 5 minutos.",
			"Press \"Register this phone\" again and follow the phone's steps within 5 minutes."))
	ErrAppPasskeyRejected = i18n.New("app.passkey_rejected",
		i18n.T("No hemos podido comprobar la respuesta de la llave de acceso de tu móvil.", "We could not verify the answer of your phone's passkey."),
		i18n.T("Comprueba que el móvil tiene bloqueo de pantalla (PIN, huella o cara), que usas el navegador del propio móvil y vuelve a intentarlo.",
			"Check that the phone has a screen lock (PIN, fingerprint or face), that you use the phone's own browser, and try again."))
	ErrAppDeviceKnown = i18n.New("app.device_known",
		i18n.T("Esta llave de acceso ya está registrada.", "This passkey is already registered."),
		i18n.T("No hace falta registrarla otra vez: ya puedes entrar con la aplicación. Si quieres cambiar de móvil, registra el nuevo desde él.",
			"There is no need to register it again: you can already log in with the app. To change phones, register the new one from it."))
	ErrAppUnknownDevice = i18n.New("app.unknown_device",
		i18n.T("La llave de acceso de este móvil no está registrada en llavero.", "This phone's passkey is not registered with llavero."),
		i18n.T("Entra en llavero desde este móvil con un PIN por SMS o tu certificado y regístralo en «Mi llavero», apartado «Aplicación del móvil».",
			"Log in to llavero on this phone with a PIN by SMS or your certificate and register it in \"My llavero\", section \"Phone app\"."))
	ErrAppDeviceDisabled = i18n.New("app.device_disabled",
		i18n.T("Este móvil ya no está dado de alta para entrar.", "This phone is no longer enabled for logging in."),
		i18n.T("Se dio de baja, o registraste otro móvil después. Entra con otro método y, si quieres, vuelve a registrar este en «Mi llavero».",
			"It was removed, or you registered another phone after it. Log in another way and, if you want, register this one again in \"My llavero\"."))
	ErrAppDeviceCloned = i18n.New("app.device_cloned",
		i18n.T("La llave de acceso de este móvil parece copiada y la hemos bloqueado.", "This phone's passkey looks copied, and we have blocked it."),
		i18n.T("Entra con un PIN por SMS o con tu certificado y registra el móvil de nuevo. Si no has restaurado el móvil desde una copia, llama a soporte: alguien puede tener tu llave.",
			"Log in with a PIN by SMS or your certificate and register the phone again. If you did not restore the phone from a backup, call support: someone may have your key."))
	ErrAppDecided = i18n.New("app.decided",
		i18n.T("Este acceso ya se ha confirmado o rechazado.", "This login has already been confirmed or refused."),
		i18n.T("Si quieres entrar, recarga la página de acceso en la pantalla y escanea el código nuevo.",
			"If you want to log in, reload the login page on the screen and scan the new code."))
	ErrAppTooManyScans = i18n.New("app.too_many_scans",
		i18n.T("Este código se ha escaneado demasiadas veces.", "This code has been scanned too many times."),
		i18n.T("Recarga la página de acceso en la pantalla para obtener un código nuevo y escanéalo una vez.",
			"Reload the login page on the screen to get a new code, and scan it once."))
	ErrAppNotScanned = i18n.New("app.not_scanned",
		i18n.T("Todavía no se ha escaneado el código de este acceso.", "The code of this login has not been scanned yet."),
		i18n.T("Escanea con el móvil el código que ves en la pantalla de acceso.", "Scan the code on the login screen with your phone."))
	ErrAppRescanned = i18n.New("app.rescanned",
		i18n.T("El código se ha vuelto a escanear mientras confirmabas.", "The code was scanned again while you were confirming."),
		i18n.T("Escanéalo de nuevo desde la pantalla y confirma solo en un móvil. Si no lo escaneaste tú dos veces, rechaza el acceso.",
			"Scan it again from the screen and confirm on one phone only. If you did not scan it twice, refuse the login."))
	ErrAppUnknown = i18n.New("app.unknown",
		i18n.T("No hay ningún acceso con la aplicación en marcha en este navegador.", "There is no app login under way in this browser."),
		i18n.T("Vuelve a la página de acceso y elige «Entrar con la aplicación del móvil».", "Go back to the login page and choose \"Log in with the phone app\"."))
	ErrAppDeviceGone = i18n.New("app.device_gone",
		i18n.T("Ese móvil no está registrado en tu cuenta.", "That phone is not registered on your account."),
		i18n.T("Recarga la página «Aplicación del móvil» para ver los móviles que tienes.", "Reload the \"Phone app\" page to see the phones you have."))
)

// newWebAuthn configures go-webauthn for the app's passkeys; nil when the
// deployment names no relying party (the app login is then off).
func newWebAuthn(cfg Config) (*webauthn.WebAuthn, error) {
	if cfg.WebAuthnRPID == "" {
		return nil, nil
	}
	yes := true
	return webauthn.New(&webauthn.Config{
		RPID:          cfg.WebAuthnRPID,
		RPDisplayName: "llavero",
		RPOrigins:     cfg.WebAuthnOrigins,
		// Platform passkeys attest with "none"; nothing here depends on
		// the phone's model, and asking would only add a prompt.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			// Discoverable: the login starts from a QR with nobody
			// named, so the phone must find the credential by itself.
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: &yes,
			// Verified: the phone's lock is the second factor that
			// makes the app login multi-factor.
			UserVerification: protocol.VerificationRequired,
		},
	})
}

// appLevel is the level an app login of acc reaches, which is also the
// level a session must have to register the phone: enrolling must not
// raise anyone above what they proved.
func appLevel(acc store.Account) string {
	return loa.Of(loa.Login{Method: loa.MethodApp, Advanced: acc.Level == store.LevelAdvanced})
}

// userHandle is the WebAuthn user ID of a person: a keyed hash, so the
// identifier never lands on the phone or in a passkey provider's cloud.
func (p *IdP) userHandle(personID string) []byte {
	m := hmac.New(sha256.New, p.cfg.CodeKey)
	m.Write([]byte("llavero-webauthn-user-v1"))
	m.Write([]byte(personID))
	return m.Sum(nil)
}

// qrSeal turns a challenge's secret into what the store keeps, and back:
// an XOR with a pad derived from the code key and the challenge ID, so a
// copy of the table alone cannot draw valid codes.
func (p *IdP) qrSeal(id string, secret []byte) []byte {
	m := hmac.New(sha256.New, p.cfg.CodeKey)
	m.Write([]byte("llavero-qr-secret-v1"))
	m.Write([]byte(id))
	pad := m.Sum(nil)
	out := make([]byte, len(secret))
	for i := range secret {
		out[i] = secret[i] ^ pad[i%len(pad)]
	}
	return out
}

// qrOf rebuilds the qrlogin.Challenge of a stored row. qrlogin.New is
// deterministic in its randomness and clock, so feeding it the stored ID
// and secret gives back the same challenge, Check included, without a
// second copy of how the Check is derived. A damaged row gives a
// challenge Verify refuses.
func (p *IdP) qrOf(c store.QRChallenge) qrlogin.Challenge {
	id, err := hex.DecodeString(c.ID)
	if err != nil || len(id) != 16 || len(c.Secret) != 32 {
		return qrlogin.Challenge{ID: c.ID, SessionHash: c.SessionHash}
	}
	seed := append(id, p.qrSeal(c.ID, c.Secret)...)
	ch, err := qrlogin.New(bytes.NewReader(seed), c.CreatedAt, c.SessionHash, c.ClientName)
	if err != nil || ch.ID != c.ID || !ch.ExpiresAt.Equal(c.ExpiresAt) {
		return qrlogin.Challenge{ID: c.ID, SessionHash: c.SessionHash}
	}
	return ch
}

// waUser is a person as go-webauthn sees them.
type waUser struct {
	id, name string
	handle   []byte
	creds    []webauthn.Credential
}

func (u *waUser) WebAuthnID() []byte                         { return u.handle }
func (u *waUser) WebAuthnName() string                       { return u.name }
func (u *waUser) WebAuthnDisplayName() string                { return u.name }
func (u *waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// AppLoginOn reports whether the deployment offers the app login.
func (p *IdP) AppLoginOn() bool { return p.wa != nil }

// CanRegisterDevice reports whether a session at sessionACR may register
// a phone for personID, so a page can offer the button or say why not.
func (p *IdP) CanRegisterDevice(ctx context.Context, personID, sessionACR string) bool {
	if p.wa == nil {
		return false
	}
	acc, err := p.st.GetAccount(ctx, personID)
	return err == nil && loa.Meets(sessionACR, appLevel(acc))
}

// DeviceRegistration is a passkey registration begun: the page passes
// Options to navigator.credentials.create and posts the answer back with
// CeremonyID.
type DeviceRegistration struct {
	CeremonyID string
	Options    json.RawMessage
}

// BeginDeviceRegistration starts registering the passkey of the phone a
// logged-in person is using. sessionACR is the level of their session,
// which must be the account's full level.
func (p *IdP) BeginDeviceRegistration(ctx context.Context, personID, sessionACR string) (DeviceRegistration, error) {
	if p.wa == nil {
		return DeviceRegistration{}, ErrAppOff
	}
	acc, err := p.st.GetAccount(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return DeviceRegistration{}, ErrNoAccount
	}
	if err != nil {
		return DeviceRegistration{}, err
	}
	if !loa.Meets(sessionACR, appLevel(acc)) {
		return DeviceRegistration{}, ErrAppLevel
	}
	person, err := p.st.GetPerson(ctx, personID)
	if err != nil {
		return DeviceRegistration{}, err
	}
	// The name is what the phone lists the passkey under. The full name
	// tells the person which account it opens; the identifier stays off.
	u := &waUser{id: personID, name: "llavero · " + registry.FullName(person), handle: p.userHandle(personID)}
	creation, sd, err := p.wa.BeginRegistration(u)
	if err != nil {
		return DeviceRegistration{}, fmt.Errorf("idp: begin passkey registration: %w", err)
	}
	sj, err := json.Marshal(sd)
	if err != nil {
		return DeviceRegistration{}, err
	}
	opts, err := json.Marshal(creation)
	if err != nil {
		return DeviceRegistration{}, err
	}
	id, err := p.randomID()
	if err != nil {
		return DeviceRegistration{}, err
	}
	now := p.clock()
	if err := p.st.CreatePasskeyCeremony(ctx, store.PasskeyCeremony{ID: id, PersonID: personID, Session: sj,
		CreatedAt: now, ExpiresAt: now.Add(appCeremonyTTL)}); err != nil {
		return DeviceRegistration{}, err
	}
	return DeviceRegistration{CeremonyID: id, Options: opts}, nil
}

// deviceName keeps what the person typed, within reason.
func deviceName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if !utf8.ValidString(name) {
		name = ""
	}
	if r := []rune(name); len(r) > 60 {
		name = string(r[:60])
	}
	if name == "" {
		name = i18n.T("Mi móvil", "My phone").ES
	}
	return name
}

// FinishDeviceRegistration checks the phone's answer to a registration
// begun by BeginDeviceRegistration and stores the device. It becomes the
// person's only active device: the others are disabled in the same
// transaction. The person is told by SMS and email, so a phone added by
// someone else does not go unnoticed.
func (p *IdP) FinishDeviceRegistration(ctx context.Context, personID, sessionACR, ceremonyID, name string, response []byte, lang i18n.Lang) (store.Device, error) {
	if p.wa == nil {
		return store.Device{}, ErrAppOff
	}
	acc, err := p.st.GetAccount(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, ErrNoAccount
	}
	if err != nil {
		return store.Device{}, err
	}
	if !loa.Meets(sessionACR, appLevel(acc)) {
		return store.Device{}, ErrAppLevel
	}
	now := p.clock()
	c, err := p.st.GetPasskeyCeremony(ctx, ceremonyID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (c.PersonID != personID || !now.Before(c.ExpiresAt))) {
		return store.Device{}, ErrAppRegistrationExpired
	}
	if err != nil {
		return store.Device{}, err
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(c.Session, &sd); err != nil {
		return store.Device{}, fmt.Errorf("idp: passkey ceremony %s: %w", ceremonyID, err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return store.Device{}, ErrAppPasskeyRejected.Wrap(err)
	}
	cred, err := p.wa.CreateCredential(&waUser{id: personID, handle: p.userHandle(personID)}, sd, parsed)
	if err != nil {
		return store.Device{}, ErrAppPasskeyRejected.Wrap(err)
	}
	devID, err := p.randomID()
	if err != nil {
		return store.Device{}, err
	}
	dev := store.Device{ID: devID, PersonID: personID, Name: deviceName(name), CredentialID: cred.ID, PublicKey: cred.PublicKey,
		SignCount: cred.Authenticator.SignCount, AAGUID: cred.Authenticator.AAGUID, CreatedAt: now}
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		// Single use: of two answers to one ceremony, one stores a device.
		ok, err := tx.DeletePasskeyCeremony(ctx, ceremonyID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrAppRegistrationExpired
		}
		old, err := tx.ListDevices(ctx, personID)
		if err != nil {
			return err
		}
		var replaced []string
		for _, d := range old {
			if d.Disabled {
				continue
			}
			if _, err := tx.UpdateDevice(ctx, d.ID, func(d *store.Device) error { d.Disabled = true; return nil }); err != nil {
				return err
			}
			replaced = append(replaced, d.ID)
		}
		if err := tx.CreateDevice(ctx, dev); errors.Is(err, store.ErrConflict) {
			return ErrAppDeviceKnown
		} else if err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+personID, "app.device_register", personID, audit.OK,
			map[string]any{"device": dev.ID, "replaced": replaced})
	})
	if err != nil {
		return store.Device{}, err
	}
	p.tellDeviceRegistered(ctx, acc, dev, lang)
	return dev, nil
}

// tellDeviceRegistered warns the person on every channel they have. The
// device is already stored: a failed notice is logged, not undone.
func (p *IdP) tellDeviceRegistered(ctx context.Context, acc store.Account, dev store.Device, lang i18n.Lang) {
	if l, ok := i18n.Parse(acc.Lang); ok {
		lang = l
	}
	when := dev.CreatedAt.Format("02/01/2006 15:04 UTC")
	sms := i18n.Tf("llavero: se ha registrado el móvil «%s» para entrar en tu cuenta (%s). Si no has sido tú, entra con tu PIN o certificado y dalo de baja en Mi llavero, o llama a soporte.",
		"llavero: the phone \"%s\" was registered to log in to your account (%s). If it was not you, log in with your PIN or certificate and remove it in My llavero, or call support.",
		dev.Name, when)
	if acc.Mobile != "" {
		if _, err := p.notify.SMS(ctx, acc.Mobile, acc.PersonID, lang, sms.In(lang)); err != nil {
			p.log.Error("device registration SMS not sent", "device", dev.ID, "err", err)
		}
	}
	if acc.Email != "" {
		subject := i18n.T("Nuevo móvil registrado en llavero", "New phone registered with llavero")
		body := i18n.Tf("Hola:\n\nEl %s se registró el móvil «%s» para entrar en tu cuenta de llavero con la aplicación. Desde ahora es el único móvil con el que puedes entrar así; los anteriores se han dado de baja.\n\nSi no has sido tú, entra en llavero con un PIN por SMS o con tu certificado, ve a «Mi llavero» > «Aplicación del móvil» y dalo de baja. Después llama a soporte.\n",
			"Hello,\n\nOn %s the phone \"%s\" was registered to log in to your llavero account with the app. From now on it is the only phone you can log in with this way; earlier ones have been removed.\n\nIf it was not you, log in to llavero with a PIN by SMS or your certificate, go to \"My llavero\" > \"Phone app\" and remove it. Then call support.\n",
			when, dev.Name)
		if _, err := p.notify.Email(ctx, acc.Email, acc.PersonID, lang, subject.In(lang), body.In(lang)); err != nil {
			p.log.Error("device registration email not sent", "device", dev.ID, "err", err)
		}
	}
}

// Devices returns a person's active devices, oldest first (at most one
// after any registration).
func (p *IdP) Devices(ctx context.Context, personID string) ([]store.Device, error) {
	all, err := p.st.ListDevices(ctx, personID)
	if err != nil {
		return nil, err
	}
	var out []store.Device
	for _, d := range all {
		if !d.Disabled {
			out = append(out, d)
		}
	}
	return out, nil
}

// RemoveDevice disables one of a person's devices: it no longer logs in.
func (p *IdP) RemoveDevice(ctx context.Context, personID, deviceID string) error {
	return p.st.InTx(ctx, func(tx store.Tx) error {
		gone := false
		_, err := tx.UpdateDevice(ctx, deviceID, func(d *store.Device) error {
			if d.PersonID != personID || d.Disabled {
				gone = true
				return nil
			}
			d.Disabled = true
			return nil
		})
		if errors.Is(err, store.ErrNotFound) || gone {
			return ErrAppDeviceGone
		}
		if err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+personID, "app.device_remove", personID, audit.OK, map[string]any{"device": deviceID})
	})
}

// AppChallenge is what the login page shows of a QR login.
type AppChallenge struct {
	ID        string
	Office    string
	Check     string
	ExpiresAt time.Time
}

// StartAppLogin opens a QR login for the browser whose binding token
// hashes to sessionHash, on behalf of the office named officeName.
func (p *IdP) StartAppLogin(ctx context.Context, sessionHash, officeName string) (AppChallenge, error) {
	if p.wa == nil {
		return AppChallenge{}, ErrAppOff
	}
	ch, err := qrlogin.New(p.rand, p.clock(), sessionHash, officeName)
	if err != nil {
		return AppChallenge{}, err
	}
	row := store.QRChallenge{ID: ch.ID, Secret: p.qrSeal(ch.ID, ch.Secret), SessionHash: ch.SessionHash, ClientName: ch.ClientName,
		CreatedAt: ch.CreatedAt, ExpiresAt: ch.ExpiresAt, State: store.QRPending}
	if err := p.st.CreateQRChallenge(ctx, row); err != nil {
		return AppChallenge{}, err
	}
	return AppChallenge{ID: ch.ID, Office: ch.ClientName, Check: ch.Check, ExpiresAt: ch.ExpiresAt}, nil
}

// boundChallenge loads a challenge for the browser that started it.
// Another browser, or an unknown ID, gets the same ErrAppUnknown: knowing
// the public ID from a QR must not tell anyone anything.
func (p *IdP) boundChallenge(ctx context.Context, id, sessionHash string) (store.QRChallenge, qrlogin.Challenge, error) {
	row, err := p.st.GetQRChallenge(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.QRChallenge{}, qrlogin.Challenge{}, ErrAppUnknown
	}
	if err != nil {
		return store.QRChallenge{}, qrlogin.Challenge{}, err
	}
	ch := p.qrOf(row)
	if !ch.BoundTo(sessionHash) {
		return store.QRChallenge{}, qrlogin.Challenge{}, ErrAppUnknown
	}
	return row, ch, nil
}

// AppPayload is the QR content to draw now for the browser's challenge:
// the page fetches a fresh image every second.
func (p *IdP) AppPayload(ctx context.Context, id, sessionHash string) (string, error) {
	row, ch, err := p.boundChallenge(ctx, id, sessionHash)
	if err != nil {
		return "", err
	}
	now := p.clock()
	switch {
	case row.State != store.QRPending:
		return "", ErrAppDecided
	case !now.Before(row.ExpiresAt):
		return "", qrlogin.ErrExpired
	}
	return ch.Payload(now), nil
}

// Scanned is what the phone learns from a verified scan: the office's
// name and the check digits from the server's record, to compare with
// the screen, and the WebAuthn options to confirm with.
type Scanned struct {
	ChallengeID string
	Office      string
	Check       string
	Options     json.RawMessage
}

// AppScansPerChallenge bounds how often one challenge may be scanned:
// each scan starts a new WebAuthn ceremony, and a few retries cover a
// shaky hand.
const AppScansPerChallenge = 10

// Scan checks a payload the phone read from the login screen and starts
// the passkey assertion that confirms it.
func (p *IdP) Scan(ctx context.Context, payload string) (Scanned, error) {
	if p.wa == nil {
		return Scanned{}, ErrAppOff
	}
	id, err := qrlogin.ParseID(payload)
	if err != nil {
		return Scanned{}, err
	}
	row, err := p.st.GetQRChallenge(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Made up, or purged long after it expired: either way the
		// payload cannot be checked, so it is not a code of ours.
		return Scanned{}, qrlogin.ErrInvalid.Wrap(err)
	}
	if err != nil {
		return Scanned{}, err
	}
	ch := p.qrOf(row)
	now := p.clock()
	if err := qrlogin.Verify(ch, payload, now, 0); err != nil {
		return Scanned{}, err
	}
	if row.State != store.QRPending {
		return Scanned{}, ErrAppDecided
	}
	assertion, sd, err := p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Scanned{}, fmt.Errorf("idp: begin passkey assertion: %w", err)
	}
	sj, err := json.Marshal(sd)
	if err != nil {
		return Scanned{}, err
	}
	opts, err := json.Marshal(assertion)
	if err != nil {
		return Scanned{}, err
	}
	var verdict error
	_, err = p.st.UpdateQRChallenge(ctx, id, func(c *store.QRChallenge) error {
		switch {
		case c.State != store.QRPending:
			verdict = ErrAppDecided
		case c.Scans >= AppScansPerChallenge:
			verdict = ErrAppTooManyScans
		default:
			c.Scans++
			c.Ceremony = sj
		}
		return nil
	})
	if err != nil {
		return Scanned{}, err
	}
	if verdict != nil {
		return Scanned{}, verdict
	}
	return Scanned{ChallengeID: id, Office: ch.ClientName, Check: ch.Check, Options: opts}, nil
}

// cloned reports whether a signature counter went backwards or stood
// still: two authenticators share the key. Synced passkeys keep the
// counter at zero, and then nothing can be told.
func cloned(stored, got uint32) bool {
	return (stored != 0 || got != 0) && got <= stored
}

// errRollback undoes a transaction whose verdict is a refusal.
var errRollback = errors.New("idp: refused, rolled back")

// Confirm checks the phone's passkey assertion for a scanned challenge
// and approves it: the device's counter moves on and the challenge
// becomes approved in one transaction, so a code is used once.
func (p *IdP) Confirm(ctx context.Context, challengeID string, assertion []byte) error {
	if p.wa == nil {
		return ErrAppOff
	}
	row, err := p.st.GetQRChallenge(ctx, challengeID)
	if errors.Is(err, store.ErrNotFound) {
		return qrlogin.ErrExpired.Wrap(err)
	}
	if err != nil {
		return err
	}
	now := p.clock()
	switch {
	case row.State != store.QRPending:
		return ErrAppDecided
	case !now.Before(row.ExpiresAt):
		return qrlogin.ErrExpired
	case len(row.Ceremony) == 0:
		return ErrAppNotScanned
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(assertion)
	if err != nil {
		return ErrAppPasskeyRejected.Wrap(err)
	}
	dev, err := p.st.GetDeviceByCredential(ctx, parsed.RawID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrAppUnknownDevice
	}
	if err != nil {
		return err
	}
	if dev.Disabled {
		p.loginEvent(ctx, dev.PersonID, loa.MethodApp, "", audit.Refused, ErrAppDeviceDisabled.Code)
		return ErrAppDeviceDisabled
	}
	if _, err := p.st.GetAccount(ctx, dev.PersonID); errors.Is(err, store.ErrNotFound) {
		return ErrNoAccount
	} else if err != nil {
		return err
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(row.Ceremony, &sd); err != nil {
		return fmt.Errorf("idp: QR challenge %s ceremony: %w", challengeID, err)
	}
	flags := parsed.Response.AuthenticatorData.Flags
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		return &waUser{id: dev.PersonID, handle: p.userHandle(dev.PersonID), creds: []webauthn.Credential{{
			ID: dev.CredentialID, PublicKey: dev.PublicKey,
			// The store keeps no backup flags: a passkey may be synced
			// or not, and the login does not depend on it.
			Flags:         webauthn.CredentialFlags{UserVerified: true, BackupEligible: flags.HasBackupEligible()},
			Authenticator: webauthn.Authenticator{AAGUID: dev.AAGUID, SignCount: dev.SignCount},
		}}}, nil
	}
	if _, _, err := p.wa.ValidatePasskeyLogin(handler, sd, parsed); err != nil {
		p.loginEvent(ctx, dev.PersonID, loa.MethodApp, "", audit.Refused, ErrAppPasskeyRejected.Code)
		return ErrAppPasskeyRejected.Wrap(err)
	}
	count := parsed.Response.AuthenticatorData.Counter
	var verdict error
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		// The challenge first: an assertion answers one ceremony, which
		// approval consumes, so a replayed or double-posted assertion
		// stops here and never reaches the counter check below (where it
		// would look like a clone).
		if _, err := tx.UpdateQRChallenge(ctx, challengeID, func(c *store.QRChallenge) error {
			switch {
			case c.State != store.QRPending:
				verdict = ErrAppDecided
			case !now.Before(c.ExpiresAt):
				verdict = qrlogin.ErrExpired
			case !bytes.Equal(c.Ceremony, row.Ceremony):
				// Scanned again since: this assertion answers an old
				// ceremony, whose challenge is no longer the live one.
				verdict = ErrAppRescanned
			default:
				c.State, c.PersonID, c.DeviceID, c.DecidedAt, c.Ceremony = store.QRApproved, dev.PersonID, dev.ID, now, nil
			}
			return nil
		}); err != nil {
			return err
		}
		if verdict != nil {
			return errRollback
		}
		if _, err := tx.UpdateDevice(ctx, dev.ID, func(d *store.Device) error {
			switch {
			case d.Disabled:
				verdict = ErrAppDeviceDisabled
			case cloned(d.SignCount, count):
				verdict = ErrAppDeviceCloned
			default:
				d.SignCount, d.LastUsedAt = count, now
			}
			return nil
		}); err != nil {
			return err
		}
		if verdict != nil {
			return errRollback
		}
		return p.record(ctx, tx, "citizen:"+dev.PersonID, "app.login_approve", dev.PersonID, audit.OK,
			map[string]any{"challenge": challengeID, "device": dev.ID, "office": row.ClientName})
	})
	if err != nil && !errors.Is(err, errRollback) {
		return err
	}
	if verdict == ErrAppDeviceCloned {
		if err := p.blockClone(ctx, dev, count); err != nil {
			return err
		}
	}
	if verdict != nil {
		p.loginEvent(ctx, dev.PersonID, loa.MethodApp, "", audit.Refused, i18n.CodeOf(verdict))
		return verdict
	}
	return nil
}

// blockClone disables a device whose signature counter did not move
// forward: two authenticators hold its key. The person registers the
// phone again after logging in another way.
func (p *IdP) blockClone(ctx context.Context, dev store.Device, count uint32) error {
	return p.st.InTx(ctx, func(tx store.Tx) error {
		d, err := tx.UpdateDevice(ctx, dev.ID, func(d *store.Device) error { d.Disabled = true; return nil })
		if err != nil {
			return err
		}
		return p.record(ctx, tx, "citizen:"+dev.PersonID, "app.device_cloned", dev.PersonID, audit.Refused,
			map[string]any{"device": dev.ID, "stored_count": d.SignCount, "count": count})
	})
}

// Refuse records that the person, shown the office and check digits on
// the phone, said it was not their login.
func (p *IdP) Refuse(ctx context.Context, challengeID string) error {
	now := p.clock()
	var verdict error
	err := p.st.InTx(ctx, func(tx store.Tx) error {
		c, err := tx.UpdateQRChallenge(ctx, challengeID, func(c *store.QRChallenge) error {
			switch {
			case c.State != store.QRPending:
				verdict = ErrAppDecided
			case c.Scans == 0:
				verdict = ErrAppNotScanned
			default:
				c.State, c.DecidedAt, c.Ceremony = store.QRRefused, now, nil
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			verdict = qrlogin.ErrExpired.Wrap(err)
			return nil
		}
		if err != nil || verdict != nil {
			return err
		}
		return p.record(ctx, tx, "phone", "app.login_refuse", challengeID, audit.Refused, map[string]any{"office": c.ClientName})
	})
	if err != nil {
		return err
	}
	return verdict
}

// States Poll reports beyond the store's own.
const (
	AppScanned = "scanned" // pending, and a phone has read the code
	AppExpired = "expired"
)

// AppStatus is what the login page learns when it polls.
type AppStatus struct {
	State string // store.QRPending, AppScanned, store.QRRefused, AppExpired, store.QRCollected
	// Who is set once, on the poll that collects an approval.
	Who *Authenticated
}

// Poll reports a challenge's state to the browser that started it. The
// poll that finds it approved collects it, exactly once, and that is the
// login (method app, recorded like every other).
func (p *IdP) Poll(ctx context.Context, challengeID, sessionHash string) (AppStatus, error) {
	row, ch, err := p.boundChallenge(ctx, challengeID, sessionHash)
	if err != nil {
		return AppStatus{}, err
	}
	now := p.clock()
	switch row.State {
	case store.QRPending:
		switch {
		case !now.Before(row.ExpiresAt):
			return AppStatus{State: AppExpired}, nil
		case row.Scans > 0:
			return AppStatus{State: AppScanned}, nil
		}
		return AppStatus{State: store.QRPending}, nil
	case store.QRApproved:
	default:
		return AppStatus{State: row.State}, nil
	}
	if !now.Before(row.ExpiresAt.Add(appCollectGrace)) {
		return AppStatus{State: AppExpired}, nil
	}
	var who Authenticated
	collected := false
	err = p.st.InTx(ctx, func(tx store.Tx) error {
		c, err := tx.UpdateQRChallenge(ctx, challengeID, func(c *store.QRChallenge) error {
			if c.State == store.QRApproved && ch.BoundTo(c.SessionHash) {
				c.State, collected = store.QRCollected, true
			}
			return nil
		})
		if err != nil || !collected {
			return err
		}
		who, err = p.recordLogin(ctx, tx, c.PersonID, loa.MethodApp)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return AppStatus{}, ErrNoAccount
	}
	if err != nil {
		return AppStatus{}, err
	}
	if !collected {
		return AppStatus{State: store.QRCollected}, nil
	}
	return AppStatus{State: store.QRCollected, Who: &who}, nil
}
