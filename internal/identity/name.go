package identity

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/llavero/llavero/internal/i18n"
)

// maxName is the longest given name or surname accepted, in characters: well
// above real names, and low enough to stop a pasted paragraph from reaching a
// certificate or a letter.
const maxName = 80

// The errors of NormalizeName.
var (
	ErrNameEmpty = i18n.New("name.empty",
		i18n.T("No has escrito el nombre.",
			"The name is empty."),
		i18n.T("Escríbelo tal como aparece en el documento de identidad.",
			"Type it as it appears on the identity document."))

	ErrNameChars = i18n.New("name.chars",
		i18n.T("El nombre tiene un carácter que no se admite.",
			"The name has a character that is not allowed."),
		i18n.T("Usa solo letras, espacios, guiones (-), apóstrofos (') y puntos (.), como en el documento.",
			"Use only letters, spaces, hyphens (-), apostrophes (') and full stops (.), as on the document."))

	ErrNameLength = i18n.New("name.length",
		i18n.T("El nombre es demasiado largo: el límite es de 80 caracteres.",
			"The name is too long: the limit is 80 characters."),
		i18n.T("Escríbelo como en el documento, sin añadir nada. Si de verdad es más largo, pide ayuda en una oficina de registro.",
			"Write it as on the document, without adding anything. If it really is longer, ask for help at a registration office."))
)

// NormalizeName checks a given name or surname and returns it in canonical
// form: trimmed, inner runs of spaces made one, Unicode NFC (so "García"
// typed with a combining accent is stored like the precomposed one),
// full-width letters narrowed and invisible format characters dropped. Case
// and accents are kept as typed: they are part of the name.
//
// Letters of any Latin script are accepted (Spanish, Catalan, Portuguese,
// Polish, Vietnamese, ...), with spaces, hyphens, apostrophes (' and ’) and
// full stops. Other scripts are refused because Spanish documents write
// names in Latin letters, and a name must match the document.
func NormalizeName(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		r = narrow(r)
		if r == '\u2010' || r == '\u2011' {
			// Unicode hyphens look exactly like '-', and some keyboards
			// and word processors produce them.
			r = '-'
		}
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := norm.NFC.String(b.String())
	if out == "" {
		return "", fail(ErrNameEmpty)
	}
	hasLetter := false
	prev := ' '
	for _, r := range out {
		switch {
		case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
			hasLetter = true
		case isDiacritic(r) && unicode.Is(unicode.Latin, prev):
			// A combining accent on a Latin letter that has no precomposed
			// form (NFC already merged those that do). prev stays the base
			// letter so that stacked accents are accepted too.
			continue
		case r == ' ', r == '-', r == '\'', r == '’', r == '.':
		default:
			es, en := quoted(r)
			return "", failMsg(ErrNameChars,
				i18n.T("El nombre tiene un carácter que no se admite: "+es+".",
					"The name has a character that is not allowed: "+en+"."),
				i18n.Text{})
		}
		prev = r
	}
	if !hasLetter {
		return "", failMsg(ErrNameChars,
			i18n.T("El nombre no tiene ninguna letra.", "The name has no letters."),
			i18n.Text{})
	}
	if n := utf8.RuneCountInString(out); n > maxName {
		es, en := countChars(n)
		return "", failMsg(ErrNameLength,
			i18n.T("El nombre es demasiado largo: tiene "+es+" y el límite es de "+strconv.Itoa(maxName)+".",
				"The name is too long: it has "+en+" and the limit is "+strconv.Itoa(maxName)+"."),
			i18n.Text{})
	}
	return out, nil
}

// SurnameMatch is how a typed surname compares with the registered one.
type SurnameMatch int

// The results of MatchSurname.
const (
	// SurnameEqual: the same surname, ignoring case and extra spaces.
	SurnameEqual SurnameMatch = iota
	// SurnameDiffersInAccents: the same letters, but accents, ñ, hyphens,
	// apostrophes or inner spaces differ ("Munoz" for "Muñoz",
	// "Martín Sanz" for "Martín-Sanz"). Still a mismatch, but one the person
	// can fix with a precise hint.
	SurnameDiffersInAccents
	// SurnameDifferent: a different surname.
	SurnameDifferent
)

// String names the result for logs and test failures.
func (m SurnameMatch) String() string {
	switch m {
	case SurnameEqual:
		return "equal"
	case SurnameDiffersInAccents:
		return "differs-in-accents"
	case SurnameDifferent:
		return "different"
	}
	return "SurnameMatch(" + strconv.Itoa(int(m)) + ")"
}

// MatchSurname compares a typed surname with the registered one. It ignores
// case and leading, trailing and repeated spaces, and treats ' and ’ as the
// same apostrophe (nobody can tell them apart on a keyboard). It does not
// ignore accents, ñ, hyphens or apostrophes: the certificate carries the name
// exactly as on the document, and "Muñoz" and "Munoz" are different people
// to the registry. When those are the only differences it says so, so the
// person gets a useful hint. The result does not depend on the order of the
// arguments.
func MatchSurname(typed, registered string) SurnameMatch {
	a, b := foldSurname(typed), foldSurname(registered)
	if a == b {
		return SurnameEqual
	}
	if skeleton(a) == skeleton(b) {
		return SurnameDiffersInAccents
	}
	return SurnameDifferent
}

// The errors of CheckSurname. None of them shows the registered surname:
// that would let anyone who knows an identity number read the holder's
// surname one guess at a time.
var (
	ErrSurnameEmpty = i18n.New("surname.empty",
		i18n.T("No has escrito el apellido.",
			"You did not type the surname."),
		i18n.T("Escribe tu primer apellido tal como aparece en tu documento.",
			"Type your first surname as it appears on your document."))

	ErrSurnameAccents = i18n.New("surname.accents",
		i18n.T("El apellido no coincide exactamente: cambian las tildes, la ñ, los guiones, los apóstrofos o los espacios.",
			"The surname does not match exactly: the accents, ñ, hyphens, apostrophes or spaces are different."),
		// No example surname here: if it happened to be the person's own,
		// the hint would reveal the registered spelling.
		i18n.T("Escríbelo exactamente como en tu documento, con sus tildes (á, é, í, ó, ú), su ñ, sus guiones y sus apóstrofos.",
			"Type it exactly as on your document, with its accents (á, é, í, ó, ú), ñ, hyphens and apostrophes."))

	ErrSurnameMismatch = i18n.New("surname.mismatch",
		i18n.T("El apellido no coincide con el de nuestro registro.",
			"The surname does not match our records."),
		i18n.T("Escribe tu primer apellido tal como aparece en tu documento. Si está bien y sigue sin coincidir, acude a una oficina de registro con tu documento.",
			"Type your first surname as it appears on your document. If it is right and still does not match, go to a registration office with your document."))
)

// CheckSurname is MatchSurname as an error for the person who typed it: nil
// when the surnames are equal, ErrSurnameAccents when only accents and
// punctuation differ, ErrSurnameMismatch otherwise, and ErrSurnameEmpty when
// nothing was typed.
func CheckSurname(typed, registered string) error {
	if foldSurname(typed) == "" {
		return fail(ErrSurnameEmpty)
	}
	switch MatchSurname(typed, registered) {
	case SurnameEqual:
		return nil
	case SurnameDiffersInAccents:
		return fail(ErrSurnameAccents)
	}
	return fail(ErrSurnameMismatch)
}

// foldSurname is the form in which surnames count as equal: NFC, lower case,
// single spaces, one apostrophe, one hyphen, narrow letters, no invisible
// characters. It forgives the same things NormalizeName does, so a surname
// stored through NormalizeName matches what its holder types.
func foldSurname(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		r = narrow(r)
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		case r == '’':
			r = '\''
		case r == '\u2010' || r == '\u2011':
			r = '-'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		// Upper then lower folds letters with several case forms (Σ, σ,
		// ς; ẞ, ß) onto one.
		b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
	}
	// Lower-casing can undo NFC for a few letters; normalising again keeps
	// the comparison exact.
	return norm.NFC.String(b.String())
}

// skeleton reduces a folded surname to its base letters: accents and other
// marks gone (ñ becomes n), letters that carry a stroke or ligature written
// plainly, and spaces, hyphens and apostrophes removed.
func skeleton(folded string) string {
	var b strings.Builder
	b.Grow(len(folded))
	for _, r := range norm.NFD.String(folded) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsSpace(r), unicode.Is(unicode.Pd, r), isApostrophe(r):
		default:
			if p, ok := plainLetters[r]; ok {
				b.WriteString(p)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// plainLetters writes the Latin letters that Unicode does not decompose into
// a base letter and an accent the way a keyboard without them would. To a
// person, "Ødegaard" typed as "Odegaard" is an accent slip like "Munoz".
var plainLetters = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'ħ': "h", 'ŧ': "t", 'ı': "i",
	'æ': "ae", 'œ': "oe", 'ß': "ss", 'þ': "th",
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '´', '`':
		return true
	}
	return false
}

// IsEmail reports whether s is a bare email address ("name@example.org",
// no display name, no surrounding spaces): what a person types when a form
// asks for their email, and what notices can be sent to.
func IsEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
