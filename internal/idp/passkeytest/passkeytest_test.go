package passkeytest

import (
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

type user struct{ creds []webauthn.Credential }

func (u *user) WebAuthnID() []byte                         { return []byte("user-handle-1") }
func (u *user) WebAuthnName() string                       { return "Olena" }
func (u *user) WebAuthnDisplayName() string                { return "Olena" }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// TestGoWebAuthnAcceptsIt runs both ceremonies through go-webauthn, the
// verifier the IdP uses, and checks the counter and the UV rule.
func TestGoWebAuthnAcceptsIt(t *testing.T) {
	w, err := webauthn.New(&webauthn.Config{RPID: "llavero.example.es", RPDisplayName: "llavero",
		RPOrigins: []string{"https://llavero.example.es"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New("https://llavero.example.es")
	if err != nil {
		t.Fatal(err)
	}
	u := &user{}
	creation, sd, err := w.BeginRegistration(u, webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
		ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationRequired}))
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := json.Marshal(creation)
	resp, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(resp)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := w.CreateCredential(u, *sd, parsed)
	if err != nil {
		t.Fatalf("registration refused: %v", err)
	}
	if string(cred.ID) != string(a.CredentialID()) || cred.AttestationFormat != "none" {
		t.Fatalf("credential %x (%s), authenticator holds %x", cred.ID, cred.AttestationFormat, a.CredentialID())
	}
	u.creds = []webauthn.Credential{*cred}

	login := func(a *Authenticator) (*webauthn.Credential, error) {
		assertion, sd, err := w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			t.Fatal(err)
		}
		opts, _ := json.Marshal(assertion)
		resp, err := a.Get(opts)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
		if err != nil {
			t.Fatal(err)
		}
		_, c, err := w.ValidatePasskeyLogin(func(rawID, handle []byte) (webauthn.User, error) { return u, nil }, *sd, parsed)
		return c, err
	}
	copyOfKey := a.Clone()
	c, err := login(a)
	if err != nil {
		t.Fatalf("assertion refused: %v", err)
	}
	if c.Authenticator.SignCount != 1 || !c.Flags.UserVerified {
		t.Errorf("after one login: count %d, UV %v", c.Authenticator.SignCount, c.Flags.UserVerified)
	}
	u.creds[0].Authenticator.SignCount = c.Authenticator.SignCount

	// A clone taken before that login signs with the same counter:
	// go-webauthn flags it.
	c, err = login(copyOfKey)
	if err != nil || !c.Authenticator.CloneWarning {
		t.Errorf("clone: err %v, clone warning %v", err, c != nil && c.Authenticator.CloneWarning)
	}
	a.SkipUV = true
	if _, err := login(a); err == nil {
		t.Error("an assertion without user verification was accepted where it is required")
	}
	other, _ := New("https://phish.example.com")
	other.key, other.credID, other.userHandle = a.key, a.credID, a.userHandle
	if _, err := other.Get(opts); err == nil {
		t.Error("the authenticator answered another relying party's options")
	}
}
