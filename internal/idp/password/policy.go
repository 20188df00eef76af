package password

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/llavero/llavero/internal/i18n"
)

// The policy's lengths, in characters (Unicode code points after NFKC).
const (
	// MinLen is the shortest password accepted when it mixes at least
	// three of the four groups of characters.
	MinLen = 8
	// PassphraseLen is the length from which any characters will do: four
	// ordinary words are harder to guess than eight mixed characters and
	// far easier to remember, and people who choose them should not be
	// forced to add a capital and a digit.
	PassphraseLen = 16
	// MaxLen is the longest password accepted. It is generous for
	// passphrases and stops a pasted document from being stored as one.
	MaxLen = 128
)

// minGroups is how many of the four groups a password shorter than
// PassphraseLen must use.
const minGroups = 3

// minNamePart is the shortest part of a name that a password may not
// contain: shorter ones ("Li", "de") are inside too many ordinary words.
const minNamePart = 3

// Person is what a password must not be built from: the holder's identity
// number and names, as stored (identity.ID.Value and the registry's names).
type Person struct {
	ID            string
	GivenName     string
	FirstSurname  string
	SecondSurname string
}

// The errors of Check. Match them with errors.Is; the errors returned are
// copies, often with a more precise message.
var (
	ErrShort = i18n.New("password.short",
		i18n.T("La contraseña es demasiado corta: necesita al menos 8 caracteres.",
			"The password is too short: it needs at least 8 characters."),
		i18n.T("Escribe al menos 8 caracteres mezclando 3 de estos 4 tipos: minúsculas, mayúsculas, cifras y símbolos. O escribe una frase de 16 caracteres o más, por ejemplo cuatro palabras que no tengan relación entre sí.",
			"Type at least 8 characters that mix 3 of these 4 kinds: lower-case letters, capital letters, digits and symbols. Or type a phrase of 16 characters or more, for example four words that have nothing to do with each other."))

	ErrGroups = i18n.New("password.groups",
		i18n.T("La contraseña tiene pocos tipos de caracteres: una contraseña de menos de 16 caracteres necesita 3 de estos 4 tipos: minúsculas, mayúsculas, cifras y símbolos.",
			"The password has too few kinds of characters: a password shorter than 16 characters needs 3 of these 4 kinds: lower-case letters, capital letters, digits and symbols."),
		i18n.T("Añade caracteres de otro tipo, por ejemplo una mayúscula y un símbolo como ! o #. O alárgala hasta 16 caracteres o más: entonces vale cualquier carácter.",
			"Add characters of another kind, for example a capital letter and a symbol such as ! or #. Or make it 16 characters or longer: then any characters will do."))

	ErrLong = i18n.New("password.long",
		i18n.T("La contraseña es demasiado larga: el máximo es de 128 caracteres.",
			"The password is too long: the limit is 128 characters."),
		i18n.T("Elige una más corta. Una frase de cuatro o cinco palabras ya es muy segura.",
			"Choose a shorter one. A phrase of four or five words is already very safe."))

	ErrPersonal = i18n.New("password.personal",
		i18n.T("La contraseña contiene datos tuyos: tu nombre, uno de tus apellidos o tu número de DNI o NIE.",
			"The password contains something about you: your name, one of your surnames or your DNI or NIE number."),
		i18n.T("Elige una contraseña sin tu nombre, tus apellidos ni tu número de documento. Quien te conoce o ve tus papeles podría adivinarla.",
			"Choose a password without your name, your surnames or your document number. Anyone who knows you or sees your papers could guess it."))

	ErrCommon = i18n.New("password.common",
		i18n.T("Esta contraseña es de las más usadas o sigue un patrón fácil (como 1234, qwerty o letras repetidas), y se adivina en pocos intentos.",
			"This password is one of the most used, or follows an easy pattern (like 1234, qwerty or repeated letters), so it can be guessed in a few tries."),
		i18n.T("Elige otra. Cambiar letras por cifras (a por 4, o por 0) o añadir números o un año al final no basta. Es más segura una frase de cuatro palabras sin relación entre sí que puedas recordar.",
			"Choose another one. Swapping letters for digits (a for 4, o for 0) or adding numbers or a year at the end is not enough. A phrase of four unrelated words that you can remember is safer."))
)

// fail returns a copy of tmpl, so a caller who sets Cause on the error it got
// back cannot change the shared template.
func fail(tmpl *i18n.Error) *i18n.Error {
	c := *tmpl
	return &c
}

// Check applies the password policy to a password the person is choosing
// and returns nil or an *i18n.Error with one of the codes password.long,
// password.short, password.groups, password.personal or password.common.
// The checks run in that order, so the person fixes the shape first and is
// told about guessability last; none of the messages repeats the password.
//
// A password needs MinLen characters from at least three of the groups
// lower-case letters, capital letters, digits and symbols, or PassphraseLen
// characters of anything, and at most MaxLen. Letters of every script count
// (ñ, ç and Cyrillic are letters); letters without case (Arabic, Chinese)
// count as lower case, since they are typed without a shift key; anything
// that is neither a letter nor a digit, the space included, is a symbol.
//
// It must not contain, ignoring case and accents, the identity number (with
// or without its letter) or any part of 3 or more letters of the given name
// or surnames, also when written with digits for letters (M4r14). It must
// not be a common password or an easy pattern; see LoadList.
func Check(pw string, person Person) error {
	pw = norm.NFKC.String(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n > MaxLen:
		e := fail(ErrLong)
		e.Msg = i18n.T("La contraseña es demasiado larga: tiene "+strconv.Itoa(n)+" caracteres y el máximo es de "+strconv.Itoa(MaxLen)+".",
			"The password is too long: it has "+strconv.Itoa(n)+" characters and the limit is "+strconv.Itoa(MaxLen)+".")
		return e
	case n < MinLen:
		e := fail(ErrShort)
		es, en := countChars(n)
		e.Msg = i18n.T("La contraseña es demasiado corta: tiene "+es+" y necesita al menos "+strconv.Itoa(MinLen)+".",
			"The password is too short: it has "+en+" and needs at least "+strconv.Itoa(MinLen)+".")
		return e
	case n < PassphraseLen:
		if g := groupsOf(pw); g.count() < minGroups {
			return groupsError(g)
		}
	}
	if err := checkPersonal(pw, person); err != nil {
		return err
	}
	if isCommon(pw, currentList()) {
		return fail(ErrCommon)
	}
	return nil
}

// groups records which of the four groups of characters a password uses.
type groups struct{ lower, upper, digit, symbol bool }

func (g groups) count() int {
	n := 0
	for _, b := range [...]bool{g.lower, g.upper, g.digit, g.symbol} {
		if b {
			n++
		}
	}
	return n
}

func groupsOf(pw string) groups {
	var g groups
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			g.upper = true
		case unicode.IsLetter(r):
			g.lower = true
		case unicode.IsDigit(r):
			g.digit = true
		case unicode.Is(unicode.M, r):
			// A combining mark that NFKC could not merge belongs to the
			// letter before it, and is not a kind of its own.
		default:
			g.symbol = true
		}
	}
	return g
}

// groupNames are the four groups in each language, in the order of groups.
var groupNames = [4][2]string{
	{"minúsculas", "lower-case letters"},
	{"mayúsculas", "capital letters"},
	{"cifras", "digits"},
	{"símbolos (como ! # - o el espacio)", "symbols (such as ! # - or a space)"},
}

// groupsError says which groups the password has and which it could add, so
// the person knows exactly what to type.
func groupsError(g groups) *i18n.Error {
	var haveES, haveEN, missES, missEN []string
	for i, b := range [4]bool{g.lower, g.upper, g.digit, g.symbol} {
		if b {
			haveES, haveEN = append(haveES, groupNames[i][0]), append(haveEN, groupNames[i][1])
		} else {
			missES, missEN = append(missES, groupNames[i][0]), append(missEN, groupNames[i][1])
		}
	}
	e := fail(ErrGroups)
	e.Msg = i18n.T("La contraseña solo tiene "+join(haveES, " y ")+". Si tiene menos de "+strconv.Itoa(PassphraseLen)+" caracteres, necesita 3 de estos 4 tipos: minúsculas, mayúsculas, cifras y símbolos.",
		"The password only has "+join(haveEN, " and ")+". If it is shorter than "+strconv.Itoa(PassphraseLen)+" characters, it needs 3 of these 4 kinds: lower-case letters, capital letters, digits and symbols.")
	e.Next = i18n.T("Añade "+join(missES, " o ")+". O alárgala hasta "+strconv.Itoa(PassphraseLen)+" caracteres o más: entonces vale cualquier carácter.",
		"Add "+join(missEN, " or ")+". Or make it "+strconv.Itoa(PassphraseLen)+" characters or longer: then any characters will do.")
	return e
}

// join writes a list as people do: "a, b y c".
func join(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// countChars says "1 carácter" or "7 caracteres" in both languages.
func countChars(n int) (es, en string) {
	if n == 1 {
		return "1 carácter", "1 character"
	}
	s := strconv.Itoa(n)
	return s + " caracteres", s + " characters"
}

// checkPersonal refuses a password that contains the person's identity
// number or a part of their names. The message says which of the two, which
// reveals nothing: the person typed it.
func checkPersonal(pw string, person Person) *i18n.Error {
	f := fold(pw)
	if id := idVariants(person.ID); len(id) > 0 {
		// Separators are dropped, so 12.345.678-Z counts as well.
		compact := strings.Map(func(r rune) rune {
			if isSeparator(r) {
				return -1
			}
			return r
		}, f)
		for _, v := range id {
			if strings.Contains(compact, v) {
				e := fail(ErrPersonal)
				e.Msg = i18n.T("La contraseña contiene tu número de DNI o NIE.",
					"The password contains your DNI or NIE number.")
				return e
			}
		}
	}
	var parts []string
	for _, name := range []string{person.GivenName, person.FirstSurname, person.SecondSurname} {
		parts = append(parts, nameParts(name)...)
	}
	if len(parts) == 0 {
		return nil
	}
	for _, s := range []string{f, leet(f, 'i'), leet(f, 'l')} {
		for _, part := range parts {
			if strings.Contains(s, part) {
				e := fail(ErrPersonal)
				e.Msg = i18n.T("La contraseña contiene tu nombre o uno de tus apellidos.",
					"The password contains your name or one of your surnames.")
				return e
			}
		}
	}
	return nil
}

// idVariants returns the forms of an identity number a password must not
// contain: the whole number, without its control letter, and for a DNI
// also without the leading zeros people drop ("1234567" for 01234567L).
func idVariants(id string) []string {
	id = fold(strings.TrimSpace(id))
	if len(id) < 6 {
		return nil
	}
	out := []string{id}
	last := id[len(id)-1]
	if last >= 'a' && last <= 'z' {
		out = append(out, id[:len(id)-1])
	}
	digits := strings.TrimLeft(out[len(out)-1], "xyz")
	if t := strings.TrimLeft(digits, "0"); len(t) >= 6 {
		out = append(out, t)
	}
	return out
}

// nameParts splits a name into its folded words of minNamePart letters or
// more: "María José" gives maria and jose, "De la Fuente" gives fuente.
func nameParts(name string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(fold(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) >= minNamePart {
			out = append(out, w)
		}
	}
	return out
}
