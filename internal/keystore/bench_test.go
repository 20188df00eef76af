package keystore

import (
	"crypto/rand"
	"fmt"
	"testing"
)

// BenchmarkKDF is the cost a citizen pays once per request and once per
// download, and an attacker per guess: argon2id with the default
// parameters.
func BenchmarkKDF(b *testing.B) {
	salt := make([]byte, saltLen)
	for b.Loop() {
		defaultKDF.derive(passphrase, salt)
	}
}

// BenchmarkSaveLoad saves a P-256 key and loads it back with the default
// argon2id parameters: two derivations (Save's read-back check reuses the
// first key) plus the file writes, with fsync.
func BenchmarkSaveLoad(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	key := testKey(b, P256, 0)
	for b.Loop() {
		e, err := s.Save(key, Entry{ID: "12345678Z"}, passphrase)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Load(e.Fingerprint, passphrase); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteP12(b *testing.B) {
	for _, kt := range []KeyType{P256, RSA2048} {
		for _, legacy := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/legacy=%v", kt, legacy), func(b *testing.B) {
				key := testKey(b, kt, 0)
				leaf, chain := testChain(b, key)
				for b.Loop() {
					if _, err := WriteP12(key, leaf, chain, p12Pass, legacy); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkReadP12(b *testing.B) {
	key := testKey(b, P256, 0)
	leaf, chain := testChain(b, key)
	data, err := WriteP12(key, leaf, chain, p12Pass, false)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, _, err := ReadP12(data, p12Pass); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyChallenge is the registration authority's share of a
// download.
func BenchmarkVerifyChallenge(b *testing.B) {
	challenge := make([]byte, 32)
	rand.Read(challenge)
	for _, kt := range []KeyType{P256, RSA2048} {
		b.Run(string(kt), func(b *testing.B) {
			key := testKey(b, kt, 0)
			sig, err := SignChallenge(key, challenge)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := VerifyChallenge(key.Public(), challenge, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
