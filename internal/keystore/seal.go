package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// MinPassphraseChars is the passphrase policy: eight characters, the minimum
// people are used to, so nobody is turned away; what protects a stolen key
// file against guessing is mostly argon2id's cost per guess.
const MinPassphraseChars = 8

// CheckPassphrase applies the passphrase policy, so a command can refuse a
// weak passphrase before it makes a key or talks to the server.
func CheckPassphrase(p []byte) error {
	if utf8.RuneCount(p) < MinPassphraseChars {
		return ErrWeakPassphrase.Wrap(fmt.Errorf("%d characters", utf8.RuneCount(p)))
	}
	return nil
}

// normalizePassphrase maps the same typed passphrase to the same bytes on
// every system: macOS file dialogs and some editors hand over "ñ" as n plus a
// combining tilde, Windows and Linux as one code point. Bytes that are not
// UTF-8 are used as they are. The result is always a fresh copy, so clearing
// it never clears the slice the caller passed in.
func normalizePassphrase(p []byte) []byte {
	if !utf8.Valid(p) {
		return append([]byte(nil), p...)
	}
	return norm.NFC.Append(nil, p...)
}

// kdfParams are argon2id's cost parameters, stored in every key file so that
// raising them later does not strand old files.
type kdfParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// defaultKDF is RFC 9106's second recommended setting (section 4: t=3,
// 64 MiB, 4 lanes), for machines that cannot spare 2 GiB. It costs 100 to
// 250 ms on the 2-core reference machine (BenchmarkKDF; the spread is other
// load) and less on a typical 4-core laptop, paid once per request and once
// per download, while every guess costs an attacker 64 MiB and as long.
var defaultKDF = kdfParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4}

// The bounds a key file's parameters must respect before Load spends memory
// on them: a doctored file must not make the tool allocate gigabytes.
const (
	maxKDFTime      = 16
	maxKDFMemoryKiB = 1 << 20 // 1 GiB
	maxKDFThreads   = 64
	saltLen         = 16
	keyLen          = 32 // AES-256
)

func (p kdfParams) valid() bool {
	return p.Time >= 1 && p.Time <= maxKDFTime &&
		p.MemoryKiB >= 8*uint32(p.Threads) && p.MemoryKiB <= maxKDFMemoryKiB &&
		p.Threads >= 1 && p.Threads <= maxKDFThreads
}

func (p kdfParams) derive(passphrase, salt []byte) []byte {
	pw := normalizePassphrase(passphrase)
	defer clear(pw)
	return argon2.IDKey(pw, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

// sealed is an encrypted private key with what it takes to open it.
type sealed struct {
	kdf        kdfParams
	salt       []byte
	nonce      []byte
	ciphertext []byte // includes the GCM tag
}

// seal encrypts plaintext under a key derived from passphrase with a fresh
// salt, and returns the derived key too so the caller can check what it wrote
// without paying for a second derivation. The caller clears that key.
func seal(p kdfParams, passphrase, plaintext, aad []byte) (sealed, []byte, error) {
	s := sealed{kdf: p, salt: make([]byte, saltLen)}
	if _, err := rand.Read(s.salt); err != nil {
		return sealed{}, nil, err
	}
	key := p.derive(passphrase, s.salt)
	aead, err := newGCM(key)
	if err != nil {
		clear(key)
		return sealed{}, nil, err
	}
	// A random 96-bit nonce is safe here: every file has its own salt and
	// so its own key, which seals exactly one message.
	s.nonce = make([]byte, aead.NonceSize())
	if _, err := rand.Read(s.nonce); err != nil {
		clear(key)
		return sealed{}, nil, err
	}
	s.ciphertext = aead.Seal(nil, s.nonce, plaintext, aad)
	return s, key, nil
}

// errOpen is returned by openWithKey when authentication fails. It is the
// only failure that can mean "wrong passphrase"; everything else about a
// file is checked before the passphrase is used.
var errOpen = errors.New("authentication failed")

// open derives the key from passphrase and decrypts. A wrong passphrase and
// an altered ciphertext take the same path through the same derivation and
// the same tag check, so timing does not tell them apart; a file that is
// structurally broken fails earlier, which reveals nothing that reading the
// file would not.
func (s sealed) open(passphrase, aad []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	key := s.kdf.derive(passphrase, s.salt)
	defer clear(key)
	return s.openWithKey(key, aad)
}

// check refuses what no version-1 file can hold, before any work is done.
func (s sealed) check() error {
	switch {
	case !s.kdf.valid():
		return fmt.Errorf("argon2id parameters out of bounds: %+v", s.kdf)
	case len(s.salt) != saltLen:
		return fmt.Errorf("salt of %d bytes", len(s.salt))
	case len(s.nonce) != gcmNonceLen:
		return fmt.Errorf("nonce of %d bytes", len(s.nonce))
	case len(s.ciphertext) < gcmTagLen:
		return fmt.Errorf("ciphertext of %d bytes", len(s.ciphertext))
	}
	return nil
}

const (
	gcmNonceLen = 12
	gcmTagLen   = 16
)

func (s sealed) openWithKey(key, aad []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, s.nonce, s.ciphertext, aad)
	if err != nil {
		return nil, errOpen
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
