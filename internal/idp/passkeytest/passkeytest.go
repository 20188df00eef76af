// Package passkeytest is a software WebAuthn authenticator for tests: a
// phone's passkey without the phone. It answers the options a relying
// party hands to navigator.credentials.create and .get with the JSON a
// browser would post back, signed with a P-256 key it holds, so the IdP's
// tests, the web tests and a load driver can run the app login end to end
// through go-webauthn's real verification.
//
// It makes "none" attestations, as platform passkeys do, sets UP and UV
// (the person touched the phone and unlocked it), and counts signatures
// the way a hardware authenticator does, so that a Clone that signs with
// the same key and counter shows up as a cloned credential. Fields let a
// test break one rule at a time.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagAT = 0x40
)

// Authenticator holds one discoverable credential once Create has run.
type Authenticator struct {
	// Origin is where the "browser" runs, such as https://llavero.example.es;
	// it goes into clientDataJSON. RPID, the host of Origin by default,
	// is the relying party the authenticator agrees to serve.
	Origin string
	RPID   string
	// Counter is the signature counter: each Get adds one first. Zero
	// with KeepCounterZero imitates synced passkeys, which do not count.
	Counter         uint32
	KeepCounterZero bool
	// SkipUV leaves out user verification (a device without a screen lock).
	SkipUV bool
	// BackupEligible marks the credential as a synced passkey.
	BackupEligible bool
	// AAGUID names the authenticator model; zero by default.
	AAGUID [16]byte

	key        *ecdsa.PrivateKey
	credID     []byte
	userHandle []byte
}

// New returns an authenticator for pages served at origin.
func New(origin string) (*Authenticator, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("passkeytest: origin %q: want scheme://host[:port]", origin)
	}
	return &Authenticator{Origin: origin, RPID: u.Hostname()}, nil
}

// CredentialID is the ID of the credential Create made; nil before.
func (a *Authenticator) CredentialID() []byte { return a.credID }

// Clone returns an authenticator holding the same key, credential and
// counter: what an attacker who extracted the key would have.
func (a *Authenticator) Clone() *Authenticator {
	c := *a
	return &c
}

var b64 = base64.RawURLEncoding

// options is what both ceremonies' options carry that an authenticator
// reads. go-webauthn sends {"publicKey": {...}}; the bare inner object is
// accepted too.
type options struct {
	PublicKey *struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func parseOptions(raw []byte) (challenge, rpID, userID string, err error) {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", "", "", fmt.Errorf("passkeytest: options: %w", err)
	}
	if o.PublicKey == nil {
		var inner options
		wrapped := append(append([]byte(`{"publicKey":`), raw...), '}')
		if err := json.Unmarshal(wrapped, &inner); err != nil || inner.PublicKey == nil {
			return "", "", "", errors.New("passkeytest: options without publicKey")
		}
		o = inner
	}
	p := o.PublicKey
	rpID = p.RP.ID
	if rpID == "" {
		rpID = p.RPID
	}
	if p.Challenge == "" {
		return "", "", "", errors.New("passkeytest: options without a challenge")
	}
	return p.Challenge, rpID, p.User.ID, nil
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

func (a *Authenticator) flags() byte {
	f := byte(flagUP)
	if !a.SkipUV {
		f |= flagUV
	}
	if a.BackupEligible {
		f |= flagBE
	}
	return f
}

func (a *Authenticator) checkRP(rpID string) error {
	// A real authenticator scopes credentials to their relying party:
	// it never answers another site's options.
	if rpID != "" && rpID != a.RPID {
		return fmt.Errorf("passkeytest: options for relying party %q, authenticator serves %q", rpID, a.RPID)
	}
	return nil
}

// Create answers registration options (the JSON the relying party hands
// to navigator.credentials.create) with a new discoverable credential,
// replacing any earlier one, and returns the JSON the page posts back.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	challenge, rpID, userID, err := parseOptions(optionsJSON)
	if err != nil {
		return nil, err
	}
	if err := a.checkRP(rpID); err != nil {
		return nil, err
	}
	handle, err := b64.DecodeString(userID)
	if err != nil || len(handle) == 0 {
		return nil, fmt.Errorf("passkeytest: user id %q: want base64url", userID)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	credID := make([]byte, 32)
	if _, err := rand.Read(credID); err != nil {
		return nil, err
	}
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:65]})
	if err != nil {
		return nil, err
	}
	rpHash := sha256.Sum256([]byte(a.RPID))
	auth := append([]byte(nil), rpHash[:]...)
	auth = append(auth, a.flags()|flagAT)
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	auth = append(auth, a.AAGUID[:]...)
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(credID)))
	auth = append(auth, credID...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	a.key, a.credID, a.userHandle = key, credID, handle
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(credID), "rawId": b64.EncodeToString(credID), "type": "public-key",
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal", "hybrid"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Get answers assertion options (navigator.credentials.get, discoverable:
// no allowed credentials needed) with a signature by the credential, and
// returns the JSON the page posts back.
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	if a.key == nil {
		return nil, errors.New("passkeytest: no credential: call Create first")
	}
	challenge, rpID, _, err := parseOptions(optionsJSON)
	if err != nil {
		return nil, err
	}
	if err := a.checkRP(rpID); err != nil {
		return nil, err
	}
	if !a.KeepCounterZero {
		a.Counter++
	}
	rpHash := sha256.Sum256([]byte(a.RPID))
	auth := append([]byte(nil), rpHash[:]...)
	auth = append(auth, a.flags())
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	cd := a.clientData("webauthn.get", challenge)
	cdHash := sha256.Sum256(cd)
	signed := sha256.Sum256(append(append([]byte(nil), auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, signed[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
}
