// Package otp makes and checks the one-time codes of llavero accounts: the
// 6-digit PINs sent by SMS (PIN login and the second factor of a password
// login) and the 16-character codes printed on invitation letters.
//
// Codes are stored only as keyed hashes (Hash), bound to what the code is
// for and whom it is for, so a database leak does not reveal them and a
// code can never be replayed for another person or purpose. Counting tries,
// expiry and single use are the identity provider's job; this package gives
// it the messages for them (ErrWrong, ErrExpired, ErrUsed, ErrLocked,
// ErrRateLimited), in Spanish and English, each with the next step.
package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"time"
	"unicode"
)

// PINValidity is how long an SMS code works. The messages say so, so this is
// not a setting: change both together.
const PINValidity = 10 * time.Minute

// PINLen is the number of digits of an SMS code.
const PINLen = 6

// LetterCodeLen is the number of characters of an invitation-letter code,
// not counting the hyphens between groups.
const LetterCodeLen = 16

// LetterAlphabet is the characters of letter codes: digits and capital
// letters without 0, O, 1, I and L, which printed letters and tired eyes
// confuse. 31 symbols, 16 of them: about 79 bits, enough that a code cannot
// be guessed even without a limit on tries.
const LetterAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// letterGroup is how many characters are printed together ("ABCD-EFGH-...").
const letterGroup = 4

// Purposes of codes, to pass to Hash and Verify. A code hashed for one
// purpose never verifies for another, so an SMS sent as a second factor
// cannot be used to log in with PIN alone.
const (
	PurposePIN          = "pin-login"
	PurposeSecondFactor = "second-factor"
	PurposeLetter       = "letter"
)

// maxDraws bounds rejection sampling. A working random source is refused
// with probability below 2^-9 per draw, so reaching the bound means the
// source is broken (returning the same bytes over and over), and an error
// is better than looping for ever.
const maxDraws = 64

// errBrokenRandom reports a random source that keeps giving rejected values.
var errBrokenRandom = errors.New("otp: the random source keeps returning out-of-range values")

// NewPIN returns a 6-digit code, every value from 000000 to 999999 equally
// likely. r is the source of randomness, crypto/rand.Reader when nil; tests
// pass a seeded one.
//
// Four random bytes give a number below 2^32; taking it modulo 10^6 would
// make the lowest 967 296 values slightly more likely, so numbers at or
// above the largest multiple of 10^6 are drawn again instead.
func NewPIN(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	const n = 1_000_000
	const limit = (1 << 32) / n * n
	var b [4]byte
	for range maxDraws {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		v := binary.BigEndian.Uint32(b[:])
		if v >= limit {
			continue
		}
		v %= n
		var out [PINLen]byte
		for i := PINLen - 1; i >= 0; i-- {
			out[i] = byte('0' + v%10)
			v /= 10
		}
		return string(out[:]), nil
	}
	return "", errBrokenRandom
}

// NewLetterCode returns a code for an invitation letter, as it is printed:
// 16 characters of LetterAlphabet in groups of four joined by hyphens
// ("ABCD-EFGH-JKMN-PQRS"). r is as for NewPIN. Each character is drawn from
// one random byte; bytes at or above 248 (8 × 31) are drawn again, so every
// character is equally likely.
func NewLetterCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	const n = len(LetterAlphabet)
	const limit = 256 / n * n
	out := make([]byte, 0, LetterCodeLen+LetterCodeLen/letterGroup-1)
	var buf [LetterCodeLen]byte
	draws := 0
	for got := 0; got < LetterCodeLen; {
		if _, err := io.ReadFull(r, buf[:LetterCodeLen-got]); err != nil {
			return "", err
		}
		for _, c := range buf[:LetterCodeLen-got] {
			if int(c) >= limit {
				continue
			}
			if got > 0 && got%letterGroup == 0 {
				out = append(out, '-')
			}
			out = append(out, LetterAlphabet[int(c)%n])
			got++
		}
		if draws++; draws > maxDraws {
			return "", errBrokenRandom
		}
	}
	return string(out), nil
}

// FormatLetterCode prints a normalised letter code in groups of four, as on
// the letter. Anything else is returned unchanged.
func FormatLetterCode(code string) string {
	if len(code) != LetterCodeLen {
		return code
	}
	var b strings.Builder
	for i := 0; i < len(code); i += letterGroup {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i : i+letterGroup])
	}
	return b.String()
}

// Normalize returns a code as it is compared: without the spaces, hyphens,
// dashes and dots people put between groups or that a copy from an SMS
// brings along (including invisible format characters), with full-width
// characters from Asian keyboards narrowed to ASCII, decimal digits of any
// script (Arabic-Indic ٣, Devanagari ३) written as ASCII digits, and ASCII
// letters in capitals. Other characters are kept, so a wrong character stays
// wrong instead of vanishing.
func Normalize(code string) string {
	var b strings.Builder
	b.Grow(len(code))
	for _, r := range code {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFF01 - 0x21
		}
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		case r < 0x80 && r != ' ' && r != '-' && r != '.' && !unicode.IsSpace(r):
			b.WriteByte(byte(r))
		case isSeparator(r):
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSeparator reports characters that never carry meaning in a code.
func isSeparator(r rune) bool {
	switch {
	case r == '.', r == '\u2212', r == '\u00B7', r == '\u30FB': // minus sign, middle dots
		return true
	case unicode.IsSpace(r), unicode.Is(unicode.Pd, r), unicode.Is(unicode.Cf, r):
		return true
	}
	return false
}

// digitValue returns the value of a decimal digit of any script. Unicode
// places the digits of each script as a run of ten, zero first, so the value
// is the distance from the start of the run within its table range.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return int(r-lo) / int(rg.Stride) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return int(r-lo) / int(rg.Stride) % 10
		}
	}
	return 0
}

// MinKeyLen is the shortest deployment secret Hash accepts.
const MinKeyLen = 32

// hashPrefix marks the scheme of a stored hash, so a later scheme can live
// beside this one.
const hashPrefix = "h1$"

// Hash returns the stored form of a code: HMAC-SHA256 under key, the
// deployment's secret for codes, over purpose, subject (the person's
// identifier) and the normalised code.
//
// A plain hash would be useless here: there are only a million PINs, and
// anyone with a copy of the table would try them all in a second. Under a
// secret key, the table alone reveals nothing. HMAC rather than argon2
// because the key already makes offline guessing impossible, and PIN logins
// must run at hundreds per second. Each field is written with its length in
// front, so no choice of purpose and subject can be read as another.
//
// Hash panics when key is shorter than MinKeyLen: a short or missing secret
// is a configuration mistake that would quietly make every stored code
// guessable, and must stop the server at start-up (see CheckKey).
func Hash(key []byte, purpose, subject, code string) string {
	if err := CheckKey(key); err != nil {
		panic(err.Error())
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("llavero otp v1"))
	for _, f := range [...]string{purpose, subject, Normalize(code)} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		m.Write(n[:])
		m.Write([]byte(f))
	}
	return hashPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckKey reports whether key can be used with Hash. Call it when the
// configuration is loaded.
func CheckKey(key []byte) error {
	if len(key) < MinKeyLen {
		return errors.New("otp: the key for codes must have at least 32 random bytes")
	}
	return nil
}

// Verify reports whether code, typed by the person, is the one stored as
// stored for this purpose and subject. The comparison takes the same time
// wherever the first difference is, so response times reveal nothing about
// the stored hash.
func Verify(key []byte, purpose, subject, code, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(Hash(key, purpose, subject, code)), []byte(stored)) == 1
}
