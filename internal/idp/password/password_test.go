package password

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast under the race detector; the cost does not
// change what is being tested.
var cheap = Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashDefaultIsStandardPHC(t *testing.T) {
	h, err := Hash("correct horse battery staple", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not the PHC argon2id string for the default parameters", h)
	}
	ok, rehash, err := Verify("correct horse battery staple", h)
	if !ok || rehash || err != nil {
		t.Fatalf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

// The reference vector of the official C implementation (P-H-C
// phc-winner-argon2): echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4
// -l 32 -e. It proves the hashes are readable by other argon2id
// implementations and that theirs are readable here.
const reference = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"

func TestReferenceVector(t *testing.T) {
	ok, rehash, err := Verify("password", reference)
	if err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v; want a match", ok, err)
	}
	if !rehash {
		t.Error("a hash with other parameters and an 8-byte salt must be reported for rehashing")
	}
	if ok, _, _ := Verify("passwore", reference); ok {
		t.Error("a wrong password matched the reference")
	}
	p, salt, key, err := decode(reference)
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(p, salt, key); got != reference {
		t.Errorf("encode(decode(reference)) = %q", got)
	}
}

func TestVerify(t *testing.T) {
	h, err := Hash("Tr0mbón-azul", cheap)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pw, why string
		ok      bool
	}{
		{"Tr0mbón-azul", "same password", true},
		{"Tr0mbo\u0301n-azul", "same password with a combining accent (NFD)", true},
		{"Ｔｒ0mbón-azul", "full-width letters from an Asian keyboard", true},
		{"tr0mbón-azul", "case differs", false},
		{"Tr0mbon-azul", "accent missing", false},
		{"Tr0mbón-azul ", "trailing space", false},
		{"", "empty", false},
	} {
		ok, rehash, err := cheap.Verify(tc.pw, h)
		if err != nil {
			t.Fatalf("%s: %v", tc.why, err)
		}
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.why, ok, tc.ok)
		}
		if rehash {
			t.Errorf("%s: rehash requested with unchanged parameters", tc.why)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, err := Hash("una frase bastante larga", cheap)
	if err != nil {
		t.Fatal(err)
	}
	stronger := cheap
	stronger.Time = 2
	ok, rehash, err := stronger.Verify("una frase bastante larga", h)
	if !ok || !rehash || err != nil {
		t.Errorf("Verify with new parameters = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash: the caller has nothing to
	// hash.
	ok, rehash, _ = stronger.Verify("otra frase bastante larga", h)
	if ok || rehash {
		t.Errorf("wrong password: ok %v, rehash %v", ok, rehash)
	}
}

func TestSaltsDiffer(t *testing.T) {
	a, _ := Hash("mismo secreto largo", cheap)
	b, _ := Hash("mismo secreto largo", cheap)
	if a == b {
		t.Fatal("two hashes of the same password are equal: the salt is not random")
	}
}

func TestHashRefusesBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Time: 0, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		{Time: 21, MemoryKiB: 64, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 7, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 16, Threads: 4, KeyLen: 32},
		{Time: 1, MemoryKiB: 1<<20 + 1, Threads: 1, KeyLen: 32},
		{Time: 1, MemoryKiB: 64, Threads: 0, KeyLen: 32},
		{Time: 1, MemoryKiB: 1024, Threads: 17, KeyLen: 32},
		{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 8},
		{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 65},
	} {
		if _, err := Hash("x", p); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Hash with %+v: err = %v, want ErrUnsupported", p, err)
		}
	}
	if err := DefaultParams.Validate(); err != nil {
		t.Errorf("DefaultParams: %v", err)
	}
}

// Tampered or corrupted rows are refused before argon2 runs, so none of
// them can make the server allocate a gigabyte or spin for minutes.
func TestVerifyRefusesTamperedHashes(t *testing.T) {
	const salt, key = "c29tZXNhbHQ", "GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	for _, tc := range []struct {
		s    string
		want error
	}{
		{"", ErrMalformed},
		{"password", ErrMalformed},
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrMalformed},
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$", ErrMalformed},
		{"x$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$2b$10$abcdefghijklmnopqrstuu", ErrMalformed},
		{"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$m=64,t=1,p=1$" + salt + "$" + key + "$x", ErrMalformed},
		{"$argon2id$v=019$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=64,t=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=64,t=1,p=1,keyid=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key, ErrMalformed},
		{"$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=21,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=4294967295,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=1,p=17$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=16,t=1,p=4$" + salt + "$" + key, ErrUnsupported},
		{"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key, ErrUnsupported},                           // 4-byte salt
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAAAAAAAAA", ErrUnsupported},                // 8-byte hash
		{"$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 100) + "$" + key, ErrUnsupported}, // 75-byte salt
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 1<<20), ErrUnsupported},
		{"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$" + key, ErrMalformed}, // padding
		{"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHR$" + key, ErrMalformed},  // non-zero trailing bits
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:42] + "_", ErrMalformed},
		{"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$\n" + key, ErrMalformed},
		{"$argon2id$v=19$m=64,t=1,p=1$c29t\r\nZXNhbHQ$" + key, ErrMalformed},
	} {
		start := time.Now()
		ok, rehash, err := Verify("password", tc.s)
		if !errors.Is(err, tc.want) {
			t.Errorf("%.80q: err = %v, want %v", tc.s, err, tc.want)
		}
		if ok || rehash {
			t.Errorf("%.80q: ok %v, rehash %v with an error", tc.s, ok, rehash)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.80q: refusing took %v: argon2 ran", tc.s, d)
		}
	}
}

// FuzzDecode checks that no stored string makes decode panic, and that what
// it accepts is within the limits and written back byte for byte, so one
// hash has one spelling.
func FuzzDecode(f *testing.F) {
	f.Add(reference)
	f.Add("$argon2id$v=19$m=7168,t=5,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=1048577,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decode(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("decode(%q): error %v is neither ErrMalformed nor ErrUnsupported", s, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decode(%q) accepted %+v: %v", s, p, err)
		}
		if got := encode(p, salt, key); got != s {
			t.Fatalf("decode(%q) then encode = %q", s, got)
		}
	})
}
