package otp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// seeded is a reproducible random source, so the statistical tests give
// the same answer on every run and cannot be flaky.
func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// chiSquare returns the statistic of observed counts against a uniform
// expectation.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	exp := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - exp
		x += d * d / exp
	}
	return x
}

func TestNewPINIsUniform(t *testing.T) {
	const n = 200_000
	r := seeded(1)
	var pos [PINLen][10]int
	head := make([]int, 1000) // the first three digits together
	seen := map[string]bool{}
	for range n {
		pin, err := NewPIN(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(pin) != PINLen {
			t.Fatalf("PIN %q has %d characters", pin, len(pin))
		}
		for i, c := range []byte(pin) {
			if c < '0' || c > '9' {
				t.Fatalf("PIN %q has a non-digit", pin)
			}
			pos[i][c-'0']++
		}
		head[int(pin[0]-'0')*100+int(pin[1]-'0')*10+int(pin[2]-'0')]++
		seen[pin] = true
	}
	// Critical values for p = 10^-6: 9 degrees of freedom 43.9, 999
	// degrees about 1230. A modulo bias of the size NewPIN avoids would not
	// show here; TestNewPINRejectsOutOfRange checks that it is avoided.
	for i := range pos {
		if x := chiSquare(pos[i][:]); x > 43.9 {
			t.Errorf("digit %d: chi-square %.1f over 9 degrees of freedom: not uniform", i+1, x)
		}
	}
	if x := chiSquare(head); x > 1230 {
		t.Errorf("first three digits: chi-square %.1f over 999 degrees of freedom: not uniform", x)
	}
	// 200 000 draws from a million values give about 181 000 distinct
	// ones; far fewer means a stuck or short-period source.
	if len(seen) < 175_000 {
		t.Errorf("only %d distinct PINs in %d", len(seen), n)
	}
}

// fixed returns the given 32-bit values in order, as NewPIN reads them.
func fixed(vals ...uint32) io.Reader {
	var b bytes.Buffer
	for _, v := range vals {
		_ = binary.Write(&b, binary.BigEndian, v)
	}
	return &b
}

func TestNewPINRejectsOutOfRange(t *testing.T) {
	const limit = 4_294_000_000 // the largest multiple of 10^6 below 2^32
	for _, tc := range []struct {
		vals []uint32
		want string
	}{
		{[]uint32{0}, "000000"},
		{[]uint32{123456}, "123456"},
		{[]uint32{limit - 1}, "999999"},
		{[]uint32{limit, 42}, "000042"},
		{[]uint32{0xFFFFFFFF, limit + 123456, 7_000_001}, "000001"},
	} {
		got, err := NewPIN(fixed(tc.vals...))
		if err != nil || got != tc.want {
			t.Errorf("NewPIN(%v) = %q, %v; want %q", tc.vals, got, err, tc.want)
		}
	}
	if _, err := NewPIN(fixed(limit)); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a source that runs out: err = %v", err)
	}
	if _, err := NewPIN(bytes.NewReader(bytes.Repeat([]byte{0xFF}, 4*(maxDraws+1)))); !errors.Is(err, errBrokenRandom) {
		t.Errorf("a source stuck above the limit: err = %v", err)
	}
	if pin, err := NewPIN(nil); err != nil || len(pin) != PINLen {
		t.Errorf("NewPIN(nil) = %q, %v", pin, err)
	}
}

var letterShape = regexp.MustCompile(`^[` + LetterAlphabet + `]{4}(-[` + LetterAlphabet + `]{4}){3}$`)

func TestLetterAlphabet(t *testing.T) {
	if len(LetterAlphabet) != 31 {
		t.Errorf("alphabet has %d characters", len(LetterAlphabet))
	}
	if strings.ContainsAny(LetterAlphabet, "0O1IL") {
		t.Error("alphabet has an ambiguous character")
	}
	seen := map[rune]bool{}
	for _, r := range LetterAlphabet {
		if seen[r] || !(r >= '2' && r <= '9' || r >= 'A' && r <= 'Z') {
			t.Errorf("alphabet: %q repeated or not a digit or capital", r)
		}
		seen[r] = true
	}
}

func TestNewLetterCodeIsUniform(t *testing.T) {
	r := seeded(2)
	counts := make([]int, len(LetterAlphabet))
	for range 20_000 {
		c, err := NewLetterCode(r)
		if err != nil {
			t.Fatal(err)
		}
		if !letterShape.MatchString(c) {
			t.Fatalf("code %q is not four groups of four from the alphabet", c)
		}
		norm, err := ParseLetterCode(c)
		if err != nil || FormatLetterCode(norm) != c {
			t.Fatalf("code %q does not survive ParseLetterCode and FormatLetterCode: %q, %v", c, norm, err)
		}
		for _, ch := range norm {
			counts[strings.IndexRune(LetterAlphabet, ch)]++
		}
	}
	// 30 degrees of freedom, p = 10^-6: 80.1.
	if x := chiSquare(counts); x > 80.1 {
		t.Errorf("chi-square %.1f over 30 degrees of freedom: not uniform", x)
	}
}

func TestNewLetterCodeRejectsOutOfRange(t *testing.T) {
	// 248 and above are drawn again; 31 counts as 0, since every byte
	// below 248 maps to exactly 8 of the 248 values.
	in := []byte{248, 255, 0, 1, 2, 3, 250, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31}
	got, err := NewLetterCode(bytes.NewReader(in))
	if want := "2345-6789-ABCD-EFG2"; err != nil || got != want {
		t.Errorf("NewLetterCode = %q, %v; want %q", got, err, want)
	}
	if _, err := NewLetterCode(bytes.NewReader(bytes.Repeat([]byte{0xFF}, 16*(maxDraws+2)))); !errors.Is(err, errBrokenRandom) {
		t.Errorf("a source stuck above the limit: err = %v", err)
	}
	if _, err := NewLetterCode(bytes.NewReader(in[:10])); err == nil {
		t.Error("a source that runs out gave a code")
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"123456":                 "123456",
		" 123 456 ":              "123456",
		"123-456":                "123456",
		"123.456":                "123456",
		"123\u2013456":           "123456", // en dash
		"123\u2212456":           "123456", // minus sign
		"123\u00a0456":           "123456", // no-break space
		"123\u200b456\ufeff":     "123456", // zero-width space and BOM from a copy
		"１２３４５６":                 "123456", // full width
		"١٢٣٤٥٦":                 "123456", // Arabic-Indic
		"۱۲۳۴۵۶":                 "123456", // Persian
		"१२३४५६":                 "123456", // Devanagari
		"abcd-efgh-jkmn-pqrs":    "ABCDEFGHJKMNPQRS",
		"ａｂｃｄ－ＥＦＧＨ":              "ABCDEFGH",
		"12a 4x6":                "12A4X6",
		"ñ12":                    "ñ12", // kept, so it stays wrong
		"12_34":                  "12_34",
		"":                       "",
		"\t-- . --\n":            "",
		"𝟏𝟐𝟑":                    "123", // mathematical digits
		"abcd efgh\tjkmn\npqrs ": "ABCDEFGHJKMNPQRS",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePIN(t *testing.T) {
	for _, tc := range []struct {
		in, want, code, msg string
	}{
		{"123456", "123456", "", ""},
		{"123 456", "123456", "", ""},
		{"123-456", "123456", "", ""},
		{" 012345\n", "012345", "", ""},
		{"١٢٣٤٥٦", "123456", "", ""},
		{"", "", "otp.format", "did not type"},
		{" - ", "", "otp.format", "did not type"},
		{"12345", "", "otp.format", "you typed 5"},
		{"1234567", "", "otp.format", "you typed 7"},
		{"12345O", "", "otp.format", "“O”"},
		{"12345o", "", "otp.format", "“O”"},
		{"123_456", "", "otp.format", "“_”"},
		{"123\x00456", "", "otp.format", "invisible character, U+0000"},
	} {
		got, err := ParsePIN(tc.in)
		if got != tc.want || codeOf(err) != tc.code {
			t.Errorf("ParsePIN(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.code)
			continue
		}
		if err != nil {
			e := wantTemplateCopy(t, err)
			if !strings.Contains(e.Msg.EN, tc.msg) {
				t.Errorf("ParsePIN(%q): message %q does not say %q", tc.in, e.Msg.EN, tc.msg)
			}
			if !strings.Contains(e.Next.EN, "6 digits from the SMS") || !strings.Contains(e.Next.ES, "6 cifras del SMS") {
				t.Errorf("ParsePIN(%q): next step %+v", tc.in, e.Next)
			}
		}
	}
}

func TestParseLetterCode(t *testing.T) {
	for _, tc := range []struct {
		in, want, code, msg string
	}{
		{"ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS", "", ""},
		{"abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS", "", ""},
		{"ABCDEFGHJKMNPQRS", "ABCDEFGHJKMNPQRS", "", ""},
		{"", "", "otp.letter_format", "did not type"},
		{"ABCD-EFGH-JKMN-PQR", "", "otp.letter_format", "you typed 15"},
		{"ABCD-EFGH-JKMN-PQRST", "", "otp.letter_format", "you typed 17"},
		{"ABCD-EFGH-JKMN-PQR0", "", "otp.letter_format", "never has 0, O, 1, I or L"},
		{"ABCD-EFGH-JKMN-PQRo", "", "otp.letter_format", "“O”"},
		{"ABCD-EFGH-JKMN-PQRl", "", "otp.letter_format", "never has"},
		{"ABCD-EFGH-JKMN-PQRÑ", "", "otp.letter_format", "“Ñ”"},
	} {
		got, err := ParseLetterCode(tc.in)
		if got != tc.want || codeOf(err) != tc.code {
			t.Errorf("ParseLetterCode(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.code)
			continue
		}
		if err != nil {
			e := wantTemplateCopy(t, err)
			if !strings.Contains(e.Msg.EN, tc.msg) {
				t.Errorf("ParseLetterCode(%q): message %q does not say %q", tc.in, e.Msg.EN, tc.msg)
			}
		}
	}
	if got := FormatLetterCode("ABC"); got != "ABC" {
		t.Errorf("FormatLetterCode of a short code changed it: %q", got)
	}
}

var (
	key      = bytes.Repeat([]byte{0x42}, 32)
	otherKey = bytes.Repeat([]byte{0x43}, 32)
)

func TestHashBindsKeyPurposeSubjectAndCode(t *testing.T) {
	stored := Hash(key, PurposePIN, "12345678Z", "123456")
	if !strings.HasPrefix(stored, "h1$") || len(stored) != 3+43 {
		t.Fatalf("stored hash %q has an unexpected shape", stored)
	}
	if strings.Contains(stored, "123456") {
		t.Fatal("the stored hash contains the code")
	}
	for _, tc := range []struct {
		why                   string
		key                   []byte
		purpose, subject, try string
		ok                    bool
	}{
		{"same code", key, PurposePIN, "12345678Z", "123456", true},
		{"typed with a space", key, PurposePIN, "12345678Z", "123 456", true},
		{"typed with a hyphen", key, PurposePIN, "12345678Z", "123-456", true},
		{"another code", key, PurposePIN, "12345678Z", "123457", false},
		{"another person", key, PurposePIN, "X1234567L", "123456", false},
		{"another purpose", key, PurposeSecondFactor, "12345678Z", "123456", false},
		{"another deployment's key", otherKey, PurposePIN, "12345678Z", "123456", false},
		{"empty code", key, PurposePIN, "12345678Z", "", false},
	} {
		if got := Verify(tc.key, tc.purpose, tc.subject, tc.try, stored); got != tc.ok {
			t.Errorf("%s: Verify = %v, want %v", tc.why, got, tc.ok)
		}
	}
	// Letter codes: case and hyphens do not matter.
	letter := Hash(key, PurposeLetter, "X1234567L", "ABCD-EFGH-JKMN-PQRS")
	if !Verify(key, PurposeLetter, "X1234567L", "abcd efgh jkmn pqrs", letter) {
		t.Error("a letter code typed in lower case with spaces did not verify")
	}
	for _, bad := range []string{"", "h1$", stored[:len(stored)-1], stored + "A", strings.ToUpper(stored)} {
		if Verify(key, PurposePIN, "12345678Z", "123456", bad) {
			t.Errorf("Verify accepted the stored value %q", bad)
		}
	}
}

// Fields are framed by their lengths, so moving characters from one field
// to the next gives a different hash.
func TestHashFieldsCannotBeShifted(t *testing.T) {
	a := Hash(key, "ab", "c", "123456")
	for _, b := range []string{
		Hash(key, "a", "bc", "123456"),
		Hash(key, "abc", "", "123456"),
		Hash(key, "ab", "c1", "23456"),
		Hash(key, "ab", "", "c123456"),
	} {
		if a == b {
			t.Error("two framings of the same characters gave the same hash")
		}
	}
}

func TestHashRefusesShortKey(t *testing.T) {
	for _, k := range [][]byte{nil, {}, bytes.Repeat([]byte{1}, MinKeyLen-1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Hash with a %d-byte key did not panic", len(k))
				}
			}()
			Hash(k, PurposePIN, "12345678Z", "123456")
		}()
		if CheckKey(k) == nil {
			t.Errorf("CheckKey accepted a %d-byte key", len(k))
		}
	}
	if CheckKey(key) != nil {
		t.Error("CheckKey refused a 32-byte key")
	}
}

// Verify must compare in constant time. Timing tests are flaky, so this
// reads the source instead: Verify calls subtle.ConstantTimeCompare or
// hmac.Equal, and never compares the stored value with == or !=.
func TestVerifyComparesInConstantTime(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "otp.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var verify *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Verify" && fd.Recv == nil {
			verify = fd
		}
	}
	if verify == nil {
		t.Fatal("no func Verify in otp.go")
	}
	constantTime := false
	ast.Inspect(verify.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok {
					name := x.Name + "." + sel.Sel.Name
					if name == "subtle.ConstantTimeCompare" || name == "hmac.Equal" {
						constantTime = true
					}
					if name == "bytes.Equal" || name == "strings.EqualFold" || name == "strings.Compare" {
						t.Errorf("Verify compares with %s, which stops at the first difference", name)
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				for _, side := range []ast.Expr{n.X, n.Y} {
					if id, ok := side.(*ast.Ident); ok && id.Name == "stored" {
						t.Error("Verify compares stored with ==, which stops at the first difference")
					}
				}
			}
		}
		return true
	})
	if !constantTime {
		t.Error("Verify does not call subtle.ConstantTimeCompare or hmac.Equal")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"123 456", "abcd-efgh-jkmn-pqrs", "１２３", "١٢٣", "\u200b", "ñ-ß", "\xff\xfe", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		for _, r := range n {
			if r >= 'a' && r <= 'z' {
				t.Fatalf("Normalize(%q) = %q keeps a lower-case ASCII letter", s, n)
			}
			if isSeparator(r) || (unicode.IsDigit(r) && r > '9') || (r >= 0xFF01 && r <= 0xFF5E) {
				t.Fatalf("Normalize(%q) = %q keeps %q", s, n, r)
			}
		}
		// Hashing goes through Normalize, so the raw and normalised forms
		// of a code are the same code.
		if Hash(key, PurposePIN, "s", s) != Hash(key, PurposePIN, "s", n) {
			t.Fatalf("Hash differs for %q and its normal form %q", s, n)
		}
	})
}

func FuzzParsePIN(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "123-456", "12345", "12345a", "", "١٢٣٤٥٦", "１２３４５６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pin, err := ParsePIN(s)
		if err != nil {
			e := wantTemplateCopy(t, err)
			if e.Code != "otp.format" || pin != "" {
				t.Fatalf("ParsePIN(%q) = %q, %v", s, pin, err)
			}
			return
		}
		if len(pin) != PINLen || strings.Trim(pin, "0123456789") != "" {
			t.Fatalf("ParsePIN(%q) = %q: not 6 ASCII digits", s, pin)
		}
		if Normalize(s) != pin {
			t.Fatalf("ParsePIN(%q) = %q, but Normalize gives %q", s, pin, Normalize(s))
		}
		if !Verify(key, PurposePIN, "s", s, Hash(key, PurposePIN, "s", pin)) {
			t.Fatalf("%q was accepted as %q but does not verify against it", s, pin)
		}
	})
}
