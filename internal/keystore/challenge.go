package keystore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
)

// challengePrefix separates download proofs from every other use of the
// same key. What is signed is SHA-256(prefix || challenge), so a proof can
// never be replayed as a signature over a document, a CSR, a TLS handshake
// or a login: none of those digests starts from this prefix. The NUL ends it
// unambiguously and the version lets a later protocol have its own.
const challengePrefix = "llavero-download-v1\x00"

// backupPrefix separates backup proofs (SignBackupChallenge) from download
// proofs: a signature made to fetch a certificate does not confirm a
// backup, nor the other way round.
const backupPrefix = "llavero-backup-v1\x00"

// Challenge sizes: the server's challenge is a random nonce, and anything
// shorter than 128 bits cannot be one; the upper bound keeps a hostile peer
// from making either side hash megabytes.
const (
	MinChallengeLen = 16
	MaxChallengeLen = 1024
)

// pssOptions fix the salt length to the hash length, the setting RFC 8017
// recommends and the only one VerifyChallenge accepts, so there is exactly
// one valid encoding to reason about.
var pssOptions = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}

func challengeDigest(prefix string, challenge []byte) ([]byte, error) {
	if len(challenge) < MinChallengeLen || len(challenge) > MaxChallengeLen {
		return nil, fmt.Errorf("keystore: a challenge of %d bytes (want %d to %d)", len(challenge), MinChallengeLen, MaxChallengeLen)
	}
	h := sha256.New()
	h.Write([]byte(prefix))
	h.Write(challenge)
	return h.Sum(nil), nil
}

// SignChallenge proves possession of key for a certificate download: it
// signs SHA-256("llavero-download-v1\x00" || challenge), with ECDSA (ASN.1
// DER signature) for P-256 keys and RSA-PSS (SHA-256, salt of 32 bytes) for
// RSA keys. PSS rather than PKCS#1 v1.5 because nothing outside llavero
// verifies these signatures, so there is no compatibility reason to use the
// older padding, and PSS has a security proof.
func SignChallenge(key crypto.Signer, challenge []byte) ([]byte, error) {
	return sign(key, challengePrefix, challenge)
}

// SignBackupChallenge proves that a copy of a certificate's .p12 holds its
// key: the same signature as SignChallenge over
// SHA-256("llavero-backup-v1\x00" || challenge).
func SignBackupChallenge(key crypto.Signer, challenge []byte) ([]byte, error) {
	return sign(key, backupPrefix, challenge)
}

func sign(key crypto.Signer, prefix string, challenge []byte) ([]byte, error) {
	if key == nil {
		return nil, errors.New("keystore: SignChallenge needs a key")
	}
	t, err := TypeOf(key.Public())
	if err != nil {
		return nil, err
	}
	d, err := challengeDigest(prefix, challenge)
	if err != nil {
		return nil, err
	}
	if t == P256 {
		return key.Sign(rand.Reader, d, crypto.SHA256)
	}
	return key.Sign(rand.Reader, d, pssOptions)
}

// VerifyChallenge checks a proof made by SignChallenge. It is what the
// registration authority calls, so it has no dependency on the client side.
// A proof by another key (another computer's) or over another message is
// ErrProof.
func VerifyChallenge(pub crypto.PublicKey, challenge, sig []byte) error {
	return verify(pub, challengePrefix, challenge, sig)
}

// VerifyBackupChallenge checks a proof made by SignBackupChallenge.
func VerifyBackupChallenge(pub crypto.PublicKey, challenge, sig []byte) error {
	return verify(pub, backupPrefix, challenge, sig)
}

func verify(pub crypto.PublicKey, prefix string, challenge, sig []byte) error {
	t, err := TypeOf(pub)
	if err != nil {
		return err
	}
	d, err := challengeDigest(prefix, challenge)
	if err != nil {
		return ErrProof.Wrap(err)
	}
	switch t {
	case P256:
		if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d, sig) {
			return ErrProof.Wrap(errors.New("ECDSA signature does not verify"))
		}
	default:
		if err := rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, d, sig, pssOptions); err != nil {
			return ErrProof.Wrap(err)
		}
	}
	return nil
}
