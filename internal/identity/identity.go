// Package identity reads what people type about who they are: DNI and NIE
// numbers, passport numbers, names and surnames, mobile phone numbers,
// identity documents and their dates.
//
// Input is forgiving and output canonical: "x-1234567-l" is read as
// X1234567L, " 612 34 56 78 " as +34612345678. When something cannot be read,
// the error is an *i18n.Error with a stable code, a message in Spanish and
// English saying what is wrong, and the next step. The package-level Err*
// values are templates: match them with errors.Is. The errors returned are
// copies, often with a more precise message, so callers may set Cause or
// change a copy without touching the templates.
//
// Nothing here talks to storage or the network; the registry, the
// registration authority and the identity provider build on these rules.
package identity

import (
	"fmt"
	"strconv"
	"unicode"

	"github.com/llavero/llavero/internal/i18n"
)

// fail returns a copy of tmpl, so that a caller who sets Cause on the error it
// got back cannot change the shared template.
func fail(tmpl *i18n.Error) *i18n.Error {
	c := *tmpl
	return &c
}

// failMsg returns a copy of tmpl with a more precise message. next replaces
// the template's next step unless it is empty.
func failMsg(tmpl *i18n.Error, msg, next i18n.Text) *i18n.Error {
	c := fail(tmpl)
	c.Msg = msg
	if next.ES != "" && next.EN != "" {
		c.Next = next
	}
	return c
}

// quoted shows one character a person typed, in the quotation marks each
// language uses. Invisible characters are named by their code point instead,
// because quoting them would show two empty marks and confuse the reader.
func quoted(r rune) (es, en string) {
	if unicode.IsPrint(r) && !unicode.IsSpace(r) {
		return "«" + string(r) + "»", "“" + string(r) + "”"
	}
	code := fmt.Sprintf("U+%04X", r)
	return "(un carácter invisible, " + code + ")", "(an invisible character, " + code + ")"
}

// countChars says "1 character" or "9 characters" in both languages.
func countChars(n int) (es, en string) {
	if n == 1 {
		return "1 carácter", "1 character"
	}
	s := strconv.Itoa(n)
	return s + " caracteres", s + " characters"
}

// isSeparator reports whether r is one of the characters people put inside
// numbers to make them readable (spaces, dots, hyphens and dashes) or an
// invisible format character that copy and paste brings along (zero-width
// space, byte order mark, soft hyphen). Such characters never carry meaning
// in a document number, so dropping them is safe.
func isSeparator(r rune) bool {
	switch {
	case r == '.', r == '\u2212': // U+2212 is the minus sign some keyboards give for '-'.
		return true
	case unicode.IsSpace(r), unicode.Is(unicode.Pd, r), unicode.Is(unicode.Cf, r):
		return true
	}
	return false
}

// compact drops separators, folds full-width forms to ASCII and upper-cases
// ASCII letters. It stops at the first character that cannot be part of a
// document number and returns it as bad, with ok false.
func compact(s string) (c string, bad rune, ok bool) {
	// Fast path: canonical input (the common case for stored values and
	// most typing) needs no copy.
	clean := true
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'A' && b <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s, 0, true
	}
	buf := make([]byte, 0, len(s))
	for _, r := range s {
		r = narrow(r)
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			buf = append(buf, byte(r))
		case r >= 'a' && r <= 'z':
			buf = append(buf, byte(r-'a'+'A'))
		case isSeparator(r):
		default:
			return "", r, false
		}
	}
	return string(buf), 0, true
}

// narrow maps the full-width forms of ASCII characters, which Chinese,
// Japanese and Korean input methods produce, to ASCII. They look the same to
// the person typing, so they must mean the same.
func narrow(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - (0xFF01 - 0x21)
	}
	return r
}

// isDiacritic reports whether r is a combining accent of the kind Latin
// names use. Other combining marks (variation selectors, the invisible
// grapheme joiner U+034F) are not letters' accents and have no place in a
// name.
func isDiacritic(r rune) bool {
	switch {
	case r >= 0x0300 && r <= 0x036F:
		return r != 0x034F
	case r >= 0x1AB0 && r <= 0x1AFF, r >= 0x1DC0 && r <= 0x1DFF:
		return true
	}
	return false
}
