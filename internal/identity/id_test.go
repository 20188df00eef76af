package identity

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

func TestParseIDAcceptsForgivingInput(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		want string
	}{
		{"X1234567L", KindNIE, "X1234567L"},
		{"x-1234567-l", KindNIE, "X1234567L"},
		{"Y1234567X", KindNIE, "Y1234567X"},
		{"z 1234567 r", KindNIE, "Z1234567R"},
		{"12345678Z", KindDNI, "12345678Z"},
		{" 12.345.678-z ", KindDNI, "12345678Z"},
		{"00000000T", KindDNI, "00000000T"},
		{"01234567L", KindDNI, "01234567L"},
		{"12345678\u00a0Z", KindDNI, "12345678Z"},       // no-break space from a copied page
		{"\ufeff12345678Z\u200b", KindDNI, "12345678Z"}, // invisible characters from copy and paste
		{"12345678–Z", KindDNI, "12345678Z"},            // en dash from a word processor
		{"１２３４５６７８Ｚ", KindDNI, "12345678Z"},             // full-width input method
		{"DNI: 12345678Z", KindDNI, "12345678Z"},        // pasted with its label
		{"nie x1234567l", KindNIE, "X1234567L"},         // typed with its label
		{"NIE - X-1234567-L", KindNIE, "X1234567L"},     // label, then separators
		{"\t x1234567l \n", KindNIE, "X1234567L"},       // surrounding white space
		{"Z.1234567.R", KindNIE, "Z1234567R"},           // dots anywhere
		{"y1234567x", KindNIE, "Y1234567X"},             // lower case everywhere
		{"12345678-z", KindDNI, "12345678Z"},            // DNI written with a hyphen
		{"12 345 678 Z", KindDNI, "12345678Z"},          // DNI in groups
		{"X 123 45 67 L", KindNIE, "X1234567L"},         // NIE in groups
		{"x1234567l\r\n", KindNIE, "X1234567L"},         // line end from a file
		{"Y-1234567-X", KindNIE, "Y1234567X"},           // Y prefix stands for 1
		{"Z-1234567-R", KindNIE, "Z1234567R"},           // Z prefix stands for 2
		{"99999999R", KindDNI, "99999999R"},             // largest number
		{"X0000000T", KindNIE, "X0000000T"},             // smallest NIE
		{"12345678z", KindDNI, "12345678Z"},             // lower-case letter only
		{"  DNI 12.345.678-Z  ", KindDNI, "12345678Z"},  // everything at once
		{"nif:12345678Z", KindDNI, "12345678Z"},         // NIF label, no space
		{"DNI.12345678Z", KindDNI, "12345678Z"},         // label with a dot
		{"X1234567\u2011L", KindNIE, "X1234567L"},       // non-breaking hyphen
		{"X1234567\u2212L", KindNIE, "X1234567L"},       // minus sign
		{"X1234567\u00adL", KindNIE, "X1234567L"},       // soft hyphen
		{"X1234567\u3000L", KindNIE, "X1234567L"},       // ideographic space
		{"x\u2010\u20101234567l", KindNIE, "X1234567L"}, // several hyphens in a row
		{"Z\u00a01234567\u00a0R", KindNIE, "Z1234567R"}, // no-break spaces
		{"12345678Z\u200d", KindDNI, "12345678Z"},       // zero-width joiner
	}
	for _, tt := range tests {
		id, err := ParseID(tt.in)
		if err != nil {
			t.Errorf("ParseID(%q): %v", tt.in, err)
			continue
		}
		if id.Kind != tt.kind || id.Value != tt.want || id.String() != tt.want {
			t.Errorf("ParseID(%q) = %+v, want %s %s", tt.in, id, tt.kind, tt.want)
		}
		if LooksLikePassport(tt.in) {
			t.Errorf("LooksLikePassport(%q) = true for a valid identifier", tt.in)
		}
	}
}

func TestParseIDExplainsEachRefusal(t *testing.T) {
	tests := []struct {
		name, in, code string
	}{
		{"empty", "", "id.empty"},
		{"only spaces", "   ", "id.empty"},
		{"only separators", " - . - ", "id.empty"},
		{"only a label", "DNI:", "id.empty"},

		{"symbol", "12345678Z!", "id.chars"},
		{"ñ is not a control letter", "12345678Ñ", "id.chars"},
		{"plus sign of a phone number", "+34612345678", "id.chars"},
		{"email in the wrong field", "ana@example.org", "id.chars"},
		{"Cyrillic X that looks Latin", "\u04251234567L", "id.chars"},
		{"variation selector", "12345678Z\ufe0f", "id.chars"},
		{"slash", "12345678/Z", "id.chars"},

		{"DNI without its letter", "12345678", "id.length"},
		{"NIE without its letter", "X1234567", "id.length"},
		{"NIE with an extra digit", "X12345678L", "id.length"},
		{"DNI with an extra digit", "123456789Z", "id.length"},
		{"DNI missing a digit", "1234567Z", "id.length"},
		{"NIE missing a digit", "X123456L", "id.length"},
		{"prefix typed twice", "XX1234567L", "id.length"},
		{"letter typed twice", "12345678ZZ", "id.length"},
		{"seven digits alone", "1234567", "id.length"},
		{"ten digits", "1234567890", "id.length"},
		{"one character", "X", "id.length"},
		{"a word", "HOLA", "id.length"},
		{"a long word", "PASAPORTE", "id.format"},
		{"stray letter in front of a DNI", "A12345678Z", "id.length"},

		{"wrong prefix", "A1234567L", "id.prefix"},
		{"Philippine-style passport has the NIE shape", "P1234567A", "id.prefix"},

		{"NIE with eight digits and no letter", "X12345678", "id.format"},
		{"DNI with the letter first", "Z12345678", "id.format"},
		{"letter O for zero", "1234567OZ", "id.format"},
		{"letter inside an NIE", "X123A567L", "id.format"},

		{"wrong DNI letter", "12345678A", "id.control_letter"},
		{"wrong X NIE letter", "X1234567A", "id.control_letter"},
		{"wrong Y NIE letter", "Y1234567L", "id.control_letter"},
		{"wrong Z NIE letter", "Z1234567L", "id.control_letter"},
		{"one digit off", "12345679Z", "id.control_letter"},
		{"letter that is never a control letter", "12345678I", "id.control_letter"},
		{"swapped digits", "X2134567L", "id.control_letter"},

		{"Spanish passport", "PAA123456", "id.passport"},
		{"two letters and seven digits", "AB1234567", "id.passport"},
		{"German passport", "C01X00T47", "id.passport"},
		{"nine digits", "123456789", "id.passport"},
		{"nine digits with spaces", "123 456 789", "id.passport"},
		{"Chinese passport", "E12345678", "id.passport"},
		{"Indian passport", "J8369854", "id.passport"},
		{"Canadian passport", "AB123456", "id.passport"},
		{"French passport", "12AB34567", "id.passport"},
		{"Argentine passport", "AAA123456", "id.passport"},
		{"passport with hyphen", "paa-123456", "id.passport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %+v, want error %s", tt.in, id, tt.code)
			}
			if id != (ID{}) {
				t.Errorf("ParseID(%q) returned %+v with an error", tt.in, id)
			}
			wantCode(t, fmt.Sprintf("ParseID(%q)", tt.in), err, tt.code)
			if got, want := LooksLikePassport(tt.in), tt.code == "id.passport"; got != want {
				t.Errorf("LooksLikePassport(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestParseIDLengthErrorSaysHowManyCharacters(t *testing.T) {
	tests := []struct {
		in      string
		typed   string
		nextHas string
	}{
		{"12.345.678", "8 characters", "letter at the end is missing"},
		{"X-1234567", "8 characters", "letter at the end is missing"},
		{"1234567Z", "8 characters", "put a 0 in front"},
		{"X12345678L", "10 characters", "no digit is missing"},
		{"X", "1 character,", "no digit is missing"},
	}
	for _, tt := range tests {
		_, err := ParseID(tt.in)
		e := wantCode(t, tt.in, err, "id.length")
		if e == nil {
			continue
		}
		if !strings.Contains(e.Msg.EN, tt.typed) || !strings.Contains(e.Msg.EN, "has 9") {
			t.Errorf("ParseID(%q): message %q should say %q and that 9 are needed", tt.in, e.Msg.EN, tt.typed)
		}
		if !strings.Contains(e.Msg.ES, strings.Fields(tt.typed)[0]) || !strings.Contains(e.Msg.ES, "tiene 9") {
			t.Errorf("ParseID(%q): Spanish message %q lacks the counts", tt.in, e.Msg.ES)
		}
		if !strings.Contains(e.Next.EN, tt.nextHas) {
			t.Errorf("ParseID(%q): next step %q should contain %q", tt.in, e.Next.EN, tt.nextHas)
		}
	}
}

// TestControlLetterErrorNeverRevealsTheRightLetter checks every wrong letter
// for a sample of numbers: the error must be the fixed template text, so it
// cannot carry the letter that would make a forged number look valid.
func TestControlLetterErrorNeverRevealsTheRightLetter(t *testing.T) {
	for _, num := range []string{"12345678", "00000000", "X1234567", "Y7654321", "Z0000001"} {
		valid := 0
		for l := 'A'; l <= 'Z'; l++ {
			in := num + string(l)
			_, err := ParseID(in)
			if err == nil {
				valid++
				continue
			}
			e := wantCode(t, in, err, "id.control_letter")
			if e != nil && (e.Msg != ErrControlLetter.Msg || e.Next != ErrControlLetter.Next) {
				t.Errorf("ParseID(%q): control-letter texts differ from the template: %+v", in, e)
			}
		}
		if valid != 1 {
			t.Errorf("%s: %d letters accepted, want exactly 1", num, valid)
		}
	}
}

func TestParseIDPrefixErrorNamesTheTypedLetter(t *testing.T) {
	_, err := ParseID("a1234567l")
	e := wantCode(t, "a1234567l", err, "id.prefix")
	if e != nil && (!strings.Contains(e.Msg.EN, "“A”") || !strings.Contains(e.Msg.ES, "«A»")) {
		t.Errorf("prefix message should name the typed letter: %+v", e.Msg)
	}
}

func TestParseIDCharsErrorNamesTheCharacter(t *testing.T) {
	tests := []struct{ in, en string }{
		{"12345678Z!", "“!”"},
		{"12345678\x00Z", "U+0000"},
		{"1234567\xff8Z", "“\ufffd”"},
	}
	for _, tt := range tests {
		_, err := ParseID(tt.in)
		e := wantCode(t, fmt.Sprintf("%q", tt.in), err, "id.chars")
		if e != nil && !strings.Contains(e.Msg.EN, tt.en) {
			t.Errorf("ParseID(%q): message %q should name %s", tt.in, e.Msg.EN, tt.en)
		}
	}
}

func TestParsePassportNumber(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{"PAA123456", "PAA123456", ""},
		{"paa 123 456", "PAA123456", ""},
		{"c01x00t47", "C01X00T47", ""},
		{"123456789", "123456789", ""},
		{"AB-12345", "AB12345", ""},
		{"12345", "12345", ""},
		{"ABCDEF123456", "ABCDEF123456", ""},
		{"", "", "passport.invalid"},
		{"1234", "", "passport.invalid"},
		{"ABCDEF1234567", "", "passport.invalid"},
		{"PAA12345#", "", "passport.invalid"},
		{"PAÑ123456", "", "passport.invalid"},
	}
	for _, tt := range tests {
		got, err := ParsePassportNumber(tt.in)
		wantCode(t, fmt.Sprintf("ParsePassportNumber(%q)", tt.in), err, tt.code)
		if got != tt.want {
			t.Errorf("ParsePassportNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// controlLetter is an independent statement of the rule, for the fuzz test.
func controlLetter(value string) byte {
	num := value[:8]
	if i := strings.IndexByte("XYZ", value[0]); i >= 0 {
		num = strconv.Itoa(i) + value[1:8]
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[n%23]
}

var idCodes = map[string]bool{
	"id.empty": true, "id.chars": true, "id.length": true, "id.prefix": true,
	"id.format": true, "id.control_letter": true, "id.passport": true,
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{
		"X1234567L", "x-1234567-l", "12345678Z", " 12.345.678-z ", "12345678A",
		"PAA123456", "", "Y1234567X", "Z1234567R", "12345678", "X12345678L",
		"123456789", "DNI: 12345678Z", "１２３４５６７８Ｚ", "\xff", "NIE:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			e, ok := i18n.As(err)
			if !ok || !idCodes[e.Code] {
				t.Fatalf("ParseID(%q): error %v has no identifier code", s, err)
			}
			if e.Msg.ES == "" || e.Msg.EN == "" || e.Next.ES == "" || e.Next.EN == "" {
				t.Fatalf("ParseID(%q): incomplete texts %+v", s, e)
			}
			if LooksLikePassport(s) != (e.Code == "id.passport") {
				t.Fatalf("LooksLikePassport(%q) disagrees with ParseID's %s", s, e.Code)
			}
			return
		}
		v := id.Value
		if len(v) != 9 {
			t.Fatalf("ParseID(%q) = %q: not 9 characters", s, v)
		}
		wantKind := KindDNI
		if strings.IndexByte("XYZ", v[0]) >= 0 {
			wantKind = KindNIE
		}
		if id.Kind != wantKind {
			t.Fatalf("ParseID(%q) = %+v: wrong kind", s, id)
		}
		if controlLetter(v) != v[8] {
			t.Fatalf("ParseID(%q) = %q: control letter does not match", s, v)
		}
		again, err := ParseID(v)
		if err != nil || again != id {
			t.Fatalf("ParseID(%q) = %+v, but ParseID(%q) = %+v, %v", s, id, v, again, err)
		}
		if LooksLikePassport(s) {
			t.Fatalf("LooksLikePassport(%q) = true for a valid identifier", s)
		}
	})
}

func BenchmarkParseID(b *testing.B) {
	for _, in := range []string{"12345678Z", " x-1234567-l ", "12345678A", "PAA123456"} {
		b.Run(strings.TrimSpace(in), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseID(in)
			}
		})
	}
}
