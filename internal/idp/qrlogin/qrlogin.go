// Package qrlogin is the cryptographic and rendering core of the mobile-app
// login: the QR code on the login page that changes every second, which the
// person scans with the phone holding their registered passkey. It holds no
// storage and speaks no HTTP; the IdP stores the Challenge and wires the
// pages.
//
// # The flow
//
//  1. A browser opens the login page. The IdP calls New with the hash of that
//     browser's session (store.Session.ID) and the display name of the
//     office that asked for the login, stores the Challenge and shows its
//     Check (three digits) next to the QR.
//  2. Every second the page fetches a fresh image: SVG(c.Payload(now)). The
//     page keeps polling until the challenge is approved, refused or
//     expired (Lifetime, five minutes).
//  3. The phone app scans the code and sends the payload to the IdP with its
//     passkey. The IdP finds the challenge with ParseID, checks the payload
//     with Verify, and only then tells the phone the office's name and the
//     Check, which the person compares with the screen before confirming.
//     The IdP marks the challenge used in the same transaction that
//     approves it: codes are single-use.
//  4. The approval logs in only the browser whose session hash BoundTo
//     accepts. Another browser polling the same challenge gets nothing.
//
// # The payload
//
//	llavero://qr?id=<ID>&t=<T>&m=<MAC>
//
// ID is the challenge's public identifier (32 lower-case hex digits), T the
// whole seconds elapsed since CreatedAt (decimal, no leading zeros) and MAC
// the first 16 bytes, in lower-case hex, of
//
//	HMAC-SHA256(Secret, "llavero-qr-v1" || ID || uint64be(T))
//
// where ID is its 32 ASCII characters. Every field before T has a fixed
// width, so no two (ID, T) pairs share a MAC input. Verify accepts only this
// exact canonical spelling, so the set of payloads it accepts is exactly
// the set Payload can produce.
//
// The office's name and the Check are not in the QR. They come from the
// server's own record when the phone presents a verified payload, so a
// forged QR cannot make the phone show a name the server did not store, and
// the code stays small (version 6, 41×41 modules, at error correction M).
//
// # Why it resists phishing and replay
//
//   - There is no "type your identifier and get a push" step. Knowing
//     someone's DNI does not make their phone ask them anything, so there is
//     no push fatigue to exploit. A login starts only from a code on a
//     screen that the person chooses to scan.
//   - A code is worth something for a few seconds only (DefaultMaxAge). A
//     screenshot, a photo forwarded by message, or a QR printed in a
//     phishing email stops working almost at once. To relay it, an attacker
//     has to stream the changing image live. The MAC keys on a secret that
//     never leaves the server, so nobody can make in advance a code that
//     will be valid later.
//   - The phone shows the office's name from the server's record and the
//     three-digit Check. A person who meant to log in to their traffic
//     office but is shown the tax office, or whose screen shows different
//     digits from the phone, has been sent someone else's code and is told
//     to refuse.
//   - The challenge is bound to the browser session that showed it. A code
//     scanned from one browser cannot finish a login in another one, and
//     knowing the public ID does not let anyone poll for the result.
//   - A payload names its challenge and is MAC'd under that challenge's own
//     secret, so it cannot be replayed against another one. The store makes
//     each challenge single-use, and the challenge dies after Lifetime.
//
// What remains is a real-time relay: a phishing page that opens the real
// login page in the attacker's browser and streams its QR to the victim
// within the few seconds a code lives. The name, the Check and the short
// lifetime narrow that attack, but the person's attention is what stops
// it. Only a proximity check between phone and browser, like the Bluetooth
// step of WebAuthn hybrid transport, would close it, and this design has
// none. The pages should therefore show the office's name prominently, and
// the phone should ask "are you logging in to <office> right now, on a
// screen in front of you?"
package qrlogin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

const (
	// Lifetime is how long a challenge lasts. It is about as long as it takes
	// to find the phone, unlock it and open the app. A login page left open
	// longer than that is reloaded, not kept alive.
	Lifetime = 5 * time.Minute

	// DefaultMaxAge is how old a scanned code may be when it reaches the
	// server. It covers the second the code was on screen, camera focus and a
	// slow mobile network, and little more, so that a photographed or
	// forwarded code is useless.
	DefaultMaxAge = 5 * time.Second

	// Skew tolerates a code that seems to come from slightly in the future.
	// This happens when the node that drew the code runs a little ahead of
	// the node that checks it.
	Skew = time.Second

	idBytes     = 16
	secretBytes = 32
	macBytes    = 16
	idHexLen    = 2 * idBytes
	macHexLen   = 2 * macBytes
	// maxTDigits bounds the parse: Lifetime is 300 s, so six digits leave
	// plenty of room and stop an overflow long before int64 is at risk.
	maxTDigits = 6

	payloadPrefix = "llavero://qr?id="
	macDomain     = "llavero-qr-v1"
	checkDomain   = "llavero-qr-check-v1"
)

// Challenge is one login attempt by QR. Everything except Secret may be
// shown or logged. Secret is kept on the server only.
type Challenge struct {
	// ID is public: it is in every QR and names the challenge in the store.
	// It is 16 random bytes in lower-case hex.
	ID string
	// Secret keys the MAC of every payload. It is 32 random bytes and never
	// leaves the server.
	Secret []byte
	// SessionHash identifies the browser session that asked for the
	// challenge (store.Session.ID, the hex SHA-256 of the session token).
	// Only that session may collect the login.
	SessionHash string
	// ClientName is the office's name. The phone shows it, taken from here
	// and never from the QR.
	ClientName string
	// Check is three digits shown on the page and on the phone. It lets the
	// person see that the phone is confirming the code in front of them.
	Check string
	// CreatedAt is rounded down to the second, so that every IdP node shows
	// the same T at the same moment and the value survives any store's time
	// precision unchanged.
	CreatedAt time.Time
	// ExpiresAt is CreatedAt plus Lifetime.
	ExpiresAt time.Time
}

// New starts a challenge for the browser session whose hash is sessionHash,
// on behalf of the office named clientName. A nil r means crypto/rand.
func New(r io.Reader, now time.Time, sessionHash, clientName string) (Challenge, error) {
	// An unbound or anonymous challenge would defeat the session binding
	// and the office name on the phone. Both are programming errors, not
	// something a citizen can fix, so they are plain errors.
	if strings.TrimSpace(sessionHash) == "" {
		return Challenge{}, errors.New("qrlogin: a challenge needs the session hash of the browser that shows it")
	}
	if strings.TrimSpace(clientName) == "" {
		return Challenge{}, errors.New("qrlogin: a challenge needs the name of the office the person is logging in to")
	}
	if r == nil {
		r = rand.Reader
	}
	var buf [idBytes + secretBytes]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return Challenge{}, fmt.Errorf("qrlogin: reading randomness: %w", err)
	}
	id := hex.EncodeToString(buf[:idBytes])
	secret := append([]byte(nil), buf[idBytes:]...)
	created := now.UTC().Truncate(time.Second)
	return Challenge{
		ID:          id,
		Secret:      secret,
		SessionHash: sessionHash,
		ClientName:  clientName,
		Check:       deriveCheck(secret, id),
		CreatedAt:   created,
		ExpiresAt:   created.Add(Lifetime),
	}, nil
}

// deriveCheck computes the Check from the secret rather than drawing it
// separately. That way there is nothing more to store or keep in step, and
// an outsider cannot guess it from the public ID.
func deriveCheck(secret []byte, id string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(checkDomain))
	h.Write([]byte(id))
	sum := h.Sum(nil)
	// Bias of 2^32 mod 1000 over 2^32 is below one in four million: irrelevant
	// for a comparison made by eye.
	n := binary.BigEndian.Uint32(sum[:4]) % 1000
	return fmt.Sprintf("%03d", n)
}

// Payload returns the QR content to show at now. It changes once a second.
// Times before CreatedAt count as second zero.
func (c Challenge) Payload(now time.Time) string {
	t := int64(0)
	if d := now.Sub(c.CreatedAt); d > 0 {
		t = int64(d / time.Second)
	}
	var mac [macHexLen]byte
	c.mac(&mac, t)
	b := make([]byte, 0, len(payloadPrefix)+idHexLen+len("&t=")+maxTDigits+len("&m=")+macHexLen)
	b = append(b, payloadPrefix...)
	b = append(b, c.ID...)
	b = append(b, "&t="...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, "&m="...)
	b = append(b, mac[:]...)
	return string(b)
}

// mac writes the truncated MAC for second t, in lower-case hex, into dst.
func (c Challenge) mac(dst *[macHexLen]byte, t int64) {
	h := hmac.New(sha256.New, c.Secret)
	h.Write([]byte(macDomain))
	h.Write([]byte(c.ID))
	var tb [8]byte
	binary.BigEndian.PutUint64(tb[:], uint64(t))
	h.Write(tb[:])
	var sum [sha256.Size]byte
	hex.Encode(dst[:], h.Sum(sum[:0])[:macBytes])
}

// BoundTo reports whether sessionHash is the session that started the
// challenge. The poll that collects the login must ask this. Otherwise a
// code scanned from one browser could finish a login in another one.
func (c Challenge) BoundTo(sessionHash string) bool {
	return c.SessionHash != "" &&
		subtle.ConstantTimeCompare([]byte(c.SessionHash), []byte(sessionHash)) == 1
}

// The errors a person can meet when the phone sends a scanned code.
var (
	// ErrInvalid: the payload is not one this server made for this
	// challenge. It may be damaged, made up, for another login, or from a
	// clock far ahead.
	ErrInvalid = i18n.New("qr.invalid",
		i18n.T("Este código QR no es un código de acceso de llavero válido.",
			"This QR code is not a valid llavero login code."),
		i18n.T("Escanea solo el código que ves en la página de acceso, en la pantalla que tienes delante. Si te lo han enviado por mensaje o correo, no lo uses y abre tú mismo la página de la sede.",
			"Scan only the code shown on the login page, on the screen in front of you. If someone sent it to you by message or email, do not use it: open the office's page yourself."))

	// ErrStale: the payload is genuine but older than the allowed age. This
	// is normal after a slow scan, and it is also what a photographed or
	// relayed code looks like.
	ErrStale = i18n.New("qr.stale",
		i18n.T("El código de la pantalla ha cambiado desde que lo escaneaste.",
			"The code on the screen changed after you scanned it."),
		i18n.T("Vuelve a escanearlo ahora, directamente de la pantalla: cambia cada segundo y solo vale unos segundos. Una foto o una captura del código no sirve.",
			"Scan it again now, straight from the screen: it changes every second and is only valid for a few seconds. A photo or screenshot of the code does not work."))

	// ErrExpired: the challenge is older than Lifetime.
	ErrExpired = i18n.New("qr.expired",
		i18n.T("Han pasado más de 5 minutos desde que se abrió la página de acceso.",
			"More than 5 minutes have passed since the login page was opened."),
		i18n.T("Recarga la página de acceso en el navegador para obtener un código nuevo y escanéalo.",
			"Reload the login page in your browser to get a new code, and scan it."))
)

// ParseID returns the challenge ID a payload names, so the IdP can load the
// challenge before verifying it. It checks only the shape of the payload.
// Nothing it returns is trustworthy until Verify has accepted the payload.
func ParseID(payload string) (string, error) {
	p, err := parse(payload)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

type parsed struct {
	id  string
	t   int64
	mac string
}

// parse accepts only the canonical spelling Payload writes: lower-case hex,
// no leading zeros, fields in order, nothing more. A second spelling of the
// same code would let a replay dodge any cache keyed on the payload text.
func parse(payload string) (parsed, error) {
	rest, ok := strings.CutPrefix(payload, payloadPrefix)
	if !ok {
		return parsed{}, ErrInvalid.Wrap(errors.New("not a llavero QR payload"))
	}
	if len(rest) < idHexLen || !isLowerHex(rest[:idHexLen]) {
		return parsed{}, ErrInvalid.Wrap(errors.New("malformed id"))
	}
	id := rest[:idHexLen]
	rest, ok = strings.CutPrefix(rest[idHexLen:], "&t=")
	if !ok {
		return parsed{}, ErrInvalid.Wrap(errors.New("missing t"))
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n > maxTDigits || (n > 1 && rest[0] == '0') {
		return parsed{}, ErrInvalid.Wrap(errors.New("malformed t"))
	}
	t, err := strconv.ParseInt(rest[:n], 10, 64)
	if err != nil {
		return parsed{}, ErrInvalid.Wrap(err)
	}
	rest, ok = strings.CutPrefix(rest[n:], "&m=")
	if !ok {
		return parsed{}, ErrInvalid.Wrap(errors.New("missing m"))
	}
	if len(rest) != macHexLen || !isLowerHex(rest) {
		return parsed{}, ErrInvalid.Wrap(errors.New("malformed m"))
	}
	return parsed{id: id, t: t, mac: rest}, nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Verify checks a payload the phone scanned against the challenge it names,
// at now. The code must be at most maxAge old (DefaultMaxAge when maxAge is
// zero or negative). Verify does not make the code single-use; the store
// does that when it approves the challenge.
//
// The MAC is checked before any clock comparison, so a forged payload learns
// nothing about the challenge's timing. The errors are ErrInvalid, ErrStale
// and ErrExpired, each wrapping the internal reason for the log.
func Verify(c Challenge, payload string, now time.Time, maxAge time.Duration) error {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	// A zero or damaged Challenge (a failed store lookup, say) would give a
	// MAC anyone can compute with an empty key. Refuse it before anything
	// else.
	if len(c.Secret) < secretBytes || len(c.ID) != idHexLen {
		return ErrInvalid.Wrap(errors.New("challenge has no usable secret or id"))
	}
	p, err := parse(payload)
	if err != nil {
		return err
	}
	if p.id != c.ID {
		return ErrInvalid.Wrap(errors.New("payload names another challenge"))
	}
	var want [macHexLen]byte
	c.mac(&want, p.t)
	if subtle.ConstantTimeCompare(want[:], []byte(p.mac)) != 1 {
		return ErrInvalid.Wrap(errors.New("mac mismatch"))
	}
	if !now.Before(c.ExpiresAt) {
		return ErrExpired.Wrap(fmt.Errorf("challenge expired at %s", c.ExpiresAt.Format(time.RFC3339)))
	}
	shown := c.CreatedAt.Add(time.Duration(p.t) * time.Second)
	if shown.Sub(now) > Skew {
		return ErrInvalid.Wrap(fmt.Errorf("code for second %d is %s in the future", p.t, shown.Sub(now)))
	}
	if age := now.Sub(shown); age > maxAge {
		return ErrStale.Wrap(fmt.Errorf("code for second %d is %s old, limit %s", p.t, age, maxAge))
	}
	return nil
}
