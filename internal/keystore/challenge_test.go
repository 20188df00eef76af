package keystore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

func TestChallenge(t *testing.T) {
	challenge := make([]byte, 32)
	rand.Read(challenge)
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			key, other := testKey(t, kt, 0), testKey(t, kt, 1)
			sig, err := SignChallenge(key, challenge)
			if err != nil {
				t.Fatal(err)
			}
			// What an attacker could try instead of a proof.
			plain := sha256.Sum256(challenge)
			unprefixed := signDigest(t, key, plain[:])
			otherSig, _ := SignChallenge(other, challenge)
			flipped := append([]byte{}, challenge...)
			flipped[0] ^= 1

			for _, c := range []struct {
				name      string
				pub       crypto.PublicKey
				challenge []byte
				sig       []byte
				code      string
			}{
				{"proof", key.Public(), challenge, sig, ""},
				{"another computer's key", key.Public(), challenge, otherSig, "keystore.proof"},
				{"checked against another key", other.Public(), challenge, sig, "keystore.proof"},
				{"another challenge", key.Public(), flipped, sig, "keystore.proof"},
				{"signature over the challenge without the prefix", key.Public(), challenge, unprefixed, "keystore.proof"},
				{"no signature", key.Public(), challenge, nil, "keystore.proof"},
				{"short challenge", key.Public(), challenge[:8], sig, "keystore.proof"},
			} {
				wantCode(t, c.name, VerifyChallenge(c.pub, c.challenge, c.sig), c.code)
			}

			// The other way round: a proof is not a signature over the bare
			// challenge, so it cannot be passed off as one elsewhere.
			if verifyDigest(key.Public(), plain[:], sig) {
				t.Error("a proof verifies as a plain signature over the challenge")
			}
		})
	}
}

func TestChallengeRSAOnlyPSS(t *testing.T) {
	key := testKey(t, RSA2048, 0)
	challenge := make([]byte, 32)
	d, _ := challengeDigest(challengePrefix, challenge)
	v15, err := key.Sign(rand.Reader, d, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "PKCS#1 v1.5 over the right digest", VerifyChallenge(key.Public(), challenge, v15), "keystore.proof")
}

func TestChallengeKeyTypes(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, err := SignChallenge(priv, make([]byte, 32))
	wantCode(t, "sign with ed25519", err, "keystore.key_type")
	wantCode(t, "verify ed25519", VerifyChallenge(pub, make([]byte, 32), make([]byte, 64)), "keystore.key_type")
	if _, err := SignChallenge(testKey(t, P256, 0), make([]byte, MaxChallengeLen+1)); err == nil {
		t.Error("signed a challenge longer than the maximum")
	}
}

func signDigest(t *testing.T, key crypto.Signer, d []byte) []byte {
	t.Helper()
	var opts crypto.SignerOpts = crypto.SHA256
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		opts = pssOptions
	}
	sig, err := key.Sign(rand.Reader, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func verifyDigest(pub crypto.PublicKey, d, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, d, sig)
	case *rsa.PublicKey:
		return rsa.VerifyPSS(k, crypto.SHA256, d, sig, pssOptions) == nil
	}
	return false
}

// TestBackupChallenge: a backup proof verifies as one, and neither kind of
// proof passes for the other.
func TestBackupChallenge(t *testing.T) {
	challenge := make([]byte, 24)
	rand.Read(challenge)
	for _, kt := range KeyTypes {
		t.Run(string(kt), func(t *testing.T) {
			key, other := testKey(t, kt, 0), testKey(t, kt, 1)
			backup, err := SignBackupChallenge(key, challenge)
			if err != nil {
				t.Fatal(err)
			}
			download, err := SignChallenge(key, challenge)
			if err != nil {
				t.Fatal(err)
			}
			otherBackup, _ := SignBackupChallenge(other, challenge)
			for _, c := range []struct {
				name   string
				verify func(crypto.PublicKey, []byte, []byte) error
				sig    []byte
				code   string
			}{
				{"backup proof", VerifyBackupChallenge, backup, ""},
				{"download proof offered as a backup proof", VerifyBackupChallenge, download, "keystore.proof"},
				{"backup proof offered as a download proof", VerifyChallenge, backup, "keystore.proof"},
				{"another key's backup proof", VerifyBackupChallenge, otherBackup, "keystore.proof"},
			} {
				wantCode(t, c.name, c.verify(key.Public(), challenge, c.sig), c.code)
			}
		})
	}
}
