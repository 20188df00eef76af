// Package password stores and checks the permanent passwords of llavero
// accounts: argon2id hashes in the PHC string format, and the policy a new
// password must meet.
//
// Hashing and policy live together because both must agree on what a
// password is: the text is NFKC-normalised before it is hashed, counted or
// compared, so "contraseña" typed on a keyboard that sends a precomposed ñ
// and on one that sends n plus a combining tilde is the same password, and
// full-width characters from an Asian input method are the ASCII the person
// sees (NIST SP 800-63B §5.1.1.2 asks for this). Changing the normalisation
// would lock people out, so it is part of the stored format.
//
// Check is the policy for a new password: length and kinds of characters,
// nothing from the person's name or identity number, and nothing from a
// list of common passwords, however disguised. The list embedded here is a
// seed of about ten thousand entries made from hand-written lists; a
// deployment replaces it with its own file with LoadList.
//
// Errors a citizen can meet (from Check) are *i18n.Error values with a
// stable code, in Spanish and English, each with the next step. Errors about
// a stored hash (ErrMalformed, ErrUnsupported) are for the log: a citizen
// cannot fix them, and the identity provider shows its generic failure.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are the argon2id cost parameters. They are a deployment setting;
// every hash records its own, so changing them only affects new hashes, and
// Verify reports old ones for rehashing.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes; also the parallelism of one hash
	KeyLen    uint32 // bytes of output
}

// DefaultParams are the cost Keycloak ships and issue 4 names: t=5, 7 MiB,
// one lane. One lane because the server's parallelism comes from many
// logins at once, not from one login using every core. Treat it as a
// constant: the configured cost belongs in the caller's own Params.
var DefaultParams = Params{Time: 5, MemoryKiB: 7 * 1024, Threads: 1, KeyLen: 32}

// saltLen is the salt size of new hashes: 128 bits, so two equal passwords
// never share a hash, not even across deployments.
const saltLen = 16

// The limits on parameters, for new hashes and, more importantly, for stored
// ones: Verify runs whatever cost a row names, so a tampered or corrupted row
// asking for terabytes or a million passes must be refused before argon2
// tries to allocate it.
const (
	maxTime      = 20
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxThreads   = 16
	minKeyLen    = 16
	maxKeyLen    = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	// argon2 needs 8 KiB of memory per lane; less would be silently
	// raised by the library, and the stored m would then lie.
	minMemoryPerThread = 8
)

// Errors about a stored hash. They are internal: match them with errors.Is
// and log them; never show them to the citizen.
var (
	// ErrMalformed: the string is not a PHC argon2 hash, or a field does
	// not parse.
	ErrMalformed = errors.New("password: malformed hash")
	// ErrUnsupported: a well-formed hash with an algorithm, version or
	// parameters this package refuses to run.
	ErrUnsupported = errors.New("password: unsupported hash")
)

// Validate reports whether p is within the limits this package runs.
func (p Params) Validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: time %d outside 1..%d", ErrUnsupported, p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("%w: threads %d outside 1..%d", ErrUnsupported, p.Threads, maxThreads)
	case p.MemoryKiB < minMemoryPerThread*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB outside %d..%d for %d threads",
			ErrUnsupported, p.MemoryKiB, minMemoryPerThread*uint32(p.Threads), maxMemoryKiB, p.Threads)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: key length %d outside %d..%d", ErrUnsupported, p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash returns pw hashed with argon2id under p and a fresh random salt, as
// a PHC string: $argon2id$v=19$m=7168,t=5,p=1$<salt>$<hash>, both in
// unpadded standard base64. It does not apply the policy: call Check first
// when the person chooses the password.
func Hash(pw string, p Params) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	return encode(p, salt, derive(pw, salt, p)), nil
}

// encode writes the PHC string; decode reads exactly what it writes.
func encode(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(40 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=")
	b.WriteString(strconv.Itoa(argon2.Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(p.MemoryKiB), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// Verify checks pw against a stored hash with DefaultParams as the current
// cost. See Params.Verify.
func Verify(pw, encoded string) (ok, needsRehash bool, err error) {
	return DefaultParams.Verify(pw, encoded)
}

// Verify checks pw against a stored hash made by Hash, running the cost
// the hash records, and reports whether the password matches. needsRehash
// is true when it matches but the hash was made with parameters other than
// p (or an old salt size): the caller should then store Hash(pw, p), which it
// can only do now, while it holds the password.
//
// The comparison takes the same time wherever the first differing byte
// is. err is ErrMalformed or ErrUnsupported (wrapped) when the stored
// string cannot be run; ok is then false.
func (p Params) Verify(pw, encoded string) (ok, needsRehash bool, err error) {
	stored, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := derive(pw, salt, stored)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, stored != p || len(salt) != saltLen, nil
}

// derive runs argon2id on the normalised password.
func derive(pw string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
}

// b64 is the PHC encoding: standard alphabet without padding. Strict, so
// that a hash has exactly one spelling and a flipped trailing bit is
// noticed rather than ignored.
var b64 = base64.RawStdEncoding.Strict()

// decode parses a PHC argon2id string. It accepts only what Hash writes
// (fields in the order m, t, p, no optional keyid or data), because a
// stored hash comes from Hash and anything else is corruption or tampering.
func decode(s string) (p Params, salt, key []byte, err error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 fields separated by $", ErrMalformed)
	}
	if f[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %.20q, want argon2id", ErrUnsupported, f[1])
	}
	v, ok := strings.CutPrefix(f[2], "v=")
	if !ok {
		return p, nil, nil, fmt.Errorf("%w: no version", ErrMalformed)
	}
	if n, err := parseUint(v, 32); err != nil {
		return p, nil, nil, fmt.Errorf("%w: version: %v", ErrMalformed, err)
	} else if n != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %d, want %d", ErrUnsupported, n, argon2.Version)
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, fmt.Errorf("%w: want parameters m, t and p", ErrMalformed)
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameter %d is not %s", ErrMalformed, i+1, name)
		}
		if vals[i], err = parseUint(num, 32); err != nil {
			return p, nil, nil, fmt.Errorf("%w: %s%v", ErrMalformed, name, err)
		}
	}
	if vals[2] > maxThreads {
		return p, nil, nil, fmt.Errorf("%w: threads %d above %d", ErrUnsupported, vals[2], maxThreads)
	}
	// The lengths are checked on the encoded text, before decoding, so a
	// huge field costs nothing.
	if len(f[4]) > b64.EncodedLen(maxSaltLen) || len(f[5]) > b64.EncodedLen(maxKeyLen) {
		return p, nil, nil, fmt.Errorf("%w: salt or hash too long", ErrUnsupported)
	}
	// The decoder skips line breaks; a hash has none, so one is tampering.
	if strings.ContainsAny(f[4], "\r\n") || strings.ContainsAny(f[5], "\r\n") {
		return p, nil, nil, fmt.Errorf("%w: line break in salt or hash", ErrMalformed)
	}
	if salt, err = b64.DecodeString(f[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %v", ErrMalformed, err)
	}
	if key, err = b64.DecodeString(f[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %v", ErrMalformed, err)
	}
	if len(salt) < minSaltLen {
		return p, nil, nil, fmt.Errorf("%w: salt of %d bytes, want at least %d", ErrUnsupported, len(salt), minSaltLen)
	}
	p = Params{MemoryKiB: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]), KeyLen: uint32(len(key))}
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, err
	}
	return p, salt, key, nil
}

// parseUint reads a decimal number without sign or leading zeros, the only
// spelling Hash writes.
func parseUint(s string, bits int) (uint64, error) {
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("leading zero in %.20q", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("not a number: %.20q", s)
		}
	}
	return strconv.ParseUint(s, 10, bits)
}
