package identity

import (
	"strings"

	"github.com/llavero/llavero/internal/i18n"
)

// Kind says which of the two Spanish identity numbers an ID is.
type Kind string

// The kinds of identity number: DNI for Spanish citizens, NIE for foreigners.
const (
	KindDNI Kind = "DNI"
	KindNIE Kind = "NIE"
)

// ID is a valid DNI or NIE. Value is canonical (upper case, no separators,
// for example "12345678Z" or "X1234567L"), so it can be stored and compared
// as a plain string.
type ID struct {
	Kind  Kind
	Value string
}

// String returns the canonical value, which is also how the identifier is
// written on certificates and letters.
func (id ID) String() string { return id.Value }

// idLength is the length of both DNI and NIE: 8 characters and a letter.
const idLength = 9

// controlLetters maps a number mod 23 to its control letter. The letters I,
// Ñ, O and U are missing on purpose: they are easy to confuse with digits or
// other letters.
const controlLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// The errors of ParseID. Match them with errors.Is.
var (
	// ErrIDEmpty: nothing but spaces and separators was typed.
	ErrIDEmpty = i18n.New("id.empty",
		i18n.T("No has escrito tu número de DNI o NIE.",
			"You did not type your DNI or NIE number."),
		i18n.T("Escribe tu DNI (8 cifras y una letra, por ejemplo 12345678Z) o tu NIE (X, Y o Z, 7 cifras y una letra, por ejemplo X1234567L).",
			"Type your DNI (8 digits and a letter, for example 12345678Z) or your NIE (X, Y or Z, 7 digits and a letter, for example X1234567L)."))

	// ErrIDChars: a character that no DNI or NIE has (the message names it).
	ErrIDChars = i18n.New("id.chars",
		i18n.T("El número tiene un carácter que no puede estar en un DNI o NIE.",
			"The number has a character that cannot be in a DNI or NIE."),
		i18n.T("Usa solo las cifras y letras de tu documento. Puedes poner espacios, puntos y guiones.",
			"Use only the digits and letters on your document. Spaces, dots and hyphens are fine."))

	// ErrIDLength: close to a DNI or NIE, but not 9 characters long (the
	// message says how many were typed).
	ErrIDLength = i18n.New("id.length",
		i18n.T("El número no tiene la longitud correcta: un DNI o NIE tiene 9 caracteres.",
			"The number does not have the right length: a DNI or NIE has 9 characters."),
		i18n.T("Un DNI tiene 8 cifras y una letra (12345678Z). Un NIE tiene X, Y o Z, 7 cifras y una letra (X1234567L). Comprueba que no falta ni sobra ninguna cifra.",
			"A DNI has 8 digits and a letter (12345678Z). An NIE has X, Y or Z, 7 digits and a letter (X1234567L). Check that no digit is missing or repeated."))

	// ErrIDPrefix: the shape of an NIE, but a first letter other than X, Y
	// or Z.
	ErrIDPrefix = i18n.New("id.prefix",
		i18n.T("Un NIE empieza por X, Y o Z.",
			"An NIE starts with X, Y or Z."),
		i18n.T("Mira la primera letra del NIE en tu TIE o en tu certificado verde. Si has escrito el número de tu pasaporte, usa el NIE.",
			"Look at the first letter of the NIE on your TIE or your green certificate. If you typed your passport number, use your NIE instead."))

	// ErrIDFormat: 9 characters, but letters and digits in the wrong
	// places (X12345678, 1234567OZ).
	ErrIDFormat = i18n.New("id.format",
		i18n.T("El número no tiene la forma de un DNI ni de un NIE.",
			"The number does not have the shape of a DNI or an NIE."),
		i18n.T("Un DNI tiene 8 cifras y una letra al final (12345678Z). Un NIE tiene X, Y o Z, 7 cifras y una letra al final (X1234567L). Comprueba que has escrito el cero (0) y no la letra O.",
			"A DNI has 8 digits and a letter at the end (12345678Z). An NIE has X, Y or Z, 7 digits and a letter at the end (X1234567L). Check that you typed the digit zero (0), not the letter O."))

	// ErrControlLetter never says which letter would be right: printing it
	// would turn any eight digits into a valid-looking identifier.
	ErrControlLetter = i18n.New("id.control_letter",
		i18n.T("La letra del final no corresponde a los números.",
			"The letter at the end does not match the numbers."),
		i18n.T("Casi siempre es un error al escribir. Comprueba cada cifra y la letra con tu documento.",
			"This is almost always a typing slip. Check every digit and the letter against your document."))

	// ErrIDPassport: not a DNI or NIE, and shaped like a passport number;
	// see LooksLikePassport.
	ErrIDPassport = i18n.New("id.passport",
		i18n.T("Parece un número de pasaporte, no un DNI ni un NIE.",
			"This looks like a passport number, not a DNI or an NIE."),
		i18n.T("Usa el NIE que aparece en tu TIE o en tu certificado verde (X, Y o Z, 7 cifras y una letra). Si tienes DNI español, escribe sus 8 cifras y la letra.",
			"Use the NIE printed on your TIE or your green certificate (X, Y or Z, 7 digits and a letter). If you have a Spanish DNI, type its 8 digits and the letter."))
)

// idLabels are the words people paste in front of the number ("DNI:
// 12345678Z"). They are dropped only when a separator follows, so that no
// letters of a real number are eaten.
var idLabels = []string{"DNI", "NIE", "NIF"}

// ParseID reads a DNI or NIE. It accepts lower case, spaces, dots and hyphens
// ("x-1234567-l", " 12.345.678-z "), full-width characters and a leading
// label ("DNI: 12345678Z"), and returns the canonical form.
//
// It is strict about length: a DNI typed with 7 digits is refused, with a
// hint to add the leading zero, rather than padded. The missing digit may be
// any of the eight, and one wrong guess in 23 would pass the control letter
// and store someone else's number. Each error names the problem (see the
// Err* values) and never reveals the correct control letter.
func ParseID(s string) (ID, error) {
	c, bad, ok := compact(stripLabel(s))
	if !ok {
		es, en := quoted(bad)
		return ID{}, failMsg(ErrIDChars,
			i18n.T("El número tiene un carácter que no puede estar en un DNI o NIE: "+es+".",
				"The number has a character that cannot be in a DNI or NIE: "+en+"."),
			i18n.Text{})
	}
	id, err := parseCompact(c)
	if err != nil {
		return ID{}, err
	}
	return id, nil
}

// LooksLikePassport reports whether s is better explained as a passport
// number than as a DNI or NIE with a typing slip. It is exactly the case in
// which ParseID answers ErrIDPassport, so a form can, for example, offer the
// passport field instead.
//
// The rule, in order:
//
//  1. A valid DNI or NIE is not a passport.
//  2. Anything within one slip of a DNI or NIE is not a passport: one
//     character left out, added or replaced (12345678, X1234567,
//     X12345678L, 1234S678Z), and any run of digits with an optional X/Y/Z
//     in front and an optional letter at the end (1234567). People slip on
//     their own number far more often than they type a whole other one, and
//     "check the length" helps them more than "this is a passport".
//  3. Exception to 2: exactly nine digits and nothing else (123456789) is a
//     passport. Britain, the United States and Russia, among others, issue
//     nine-digit passports, and foreigners type them into the NIE field
//     often; a Spanish DNI holder would have to add a digit and drop the
//     letter at the same time. The message for a passport also tells DNI
//     holders what to type, so the rare wrong guess still leads somewhere.
//  4. Otherwise, 5 to 12 letters and digits with at least two digits
//     (PAA123456, AB1234567, C01X00T47, E12345678) is a passport. Fewer
//     digits means a word, such as a name typed in the wrong field.
func LooksLikePassport(s string) bool {
	c, _, ok := compact(stripLabel(s))
	if !ok {
		return false
	}
	_, err := parseCompact(c)
	return err != nil && err.Code == ErrIDPassport.Code
}

// stripLabel drops a leading "DNI", "NIE" or "NIF" followed by a separator
// or a colon.
func stripLabel(s string) string {
	t := strings.TrimSpace(s)
	if len(t) < 4 {
		return s
	}
	for _, l := range idLabels {
		if !strings.EqualFold(t[:3], l) {
			continue
		}
		rest := t[3:]
		switch {
		case rest[0] == ':':
			return rest[1:]
		case rest[0] == ' ' || rest[0] == '.' || rest[0] == '-' || rest[0] == '\t':
			return strings.TrimPrefix(strings.TrimSpace(strings.TrimLeft(rest, " .-\t")), ":")
		}
	}
	return s
}

// parseCompact reads an upper-case ASCII letters-and-digits string.
func parseCompact(c string) (ID, *i18n.Error) {
	n := len(c)
	if n == 0 {
		return ID{}, fail(ErrIDEmpty)
	}
	if n == idLength {
		switch {
		case digits(c[:8]) && letter(c[8]):
			return checkLetter(KindDNI, c, 0, c[:8])
		case prefixNIE(c[0]) && digits(c[1:8]) && letter(c[8]):
			// X, Y and Z stand for a leading 0, 1 and 2.
			return checkLetter(KindNIE, c, int(c[0]-'X'), c[1:8])
		case letter(c[0]) && digits(c[1:8]) && letter(c[8]):
			es, en := quoted(rune(c[0]))
			return ID{}, failMsg(ErrIDPrefix,
				i18n.T("Un NIE empieza por X, Y o Z, y este empieza por "+es+".",
					"An NIE starts with X, Y or Z, and this one starts with "+en+"."),
				i18n.Text{})
		case digits(c):
			return ID{}, fail(ErrIDPassport)
		case oneSlip(c):
			return ID{}, fail(ErrIDFormat)
		case passportShape(c):
			return ID{}, fail(ErrIDPassport)
		}
		return ID{}, fail(ErrIDFormat)
	}
	if !oneSlip(c) && passportShape(c) {
		return ID{}, fail(ErrIDPassport)
	}
	return ID{}, lengthError(c)
}

// lengthError says how many characters were typed, and adds the hint that
// fits the two slips people make most: leaving out the letter, and dropping
// the leading zero of an old DNI.
func lengthError(c string) *i18n.Error {
	n := len(c)
	es, en := countChars(n)
	msg := i18n.T("Sin contar espacios, puntos ni guiones, has escrito "+es+", y un DNI o NIE tiene 9.",
		"Not counting spaces, dots or hyphens, you typed "+en+", and a DNI or NIE has 9.")
	var next i18n.Text
	switch {
	case n == 8 && digits(c[:7]) && letter(c[7]):
		// Seven digits and a letter: an old DNI whose leading zero the
		// person leaves out because it is "not a real digit".
		next = i18n.T("Un DNI tiene 8 cifras. Si el tuyo tiene 7, escribe un 0 delante: por ejemplo, 01234567L.",
			"A DNI has 8 digits. If yours has 7, put a 0 in front: for example 01234567L.")
	case n == 8 && (digits(c) || prefixNIE(c[0]) && digits(c[1:])):
		next = i18n.T("Falta la letra del final. Cópiala de tu documento.",
			"The letter at the end is missing. Copy it from your document.")
	}
	return failMsg(ErrIDLength, msg, next)
}

// checkLetter finishes a DNI or NIE whose shape is right. The letter is
// computed from lead followed by the digits of num.
func checkLetter(k Kind, c string, lead int, num string) (ID, *i18n.Error) {
	v := lead
	for i := 0; i < len(num); i++ {
		v = v*10 + int(num[i]-'0')
	}
	if controlLetters[v%23] != c[8] {
		return ID{}, fail(ErrControlLetter)
	}
	return ID{Kind: k, Value: c}, nil
}

// oneSlip reports whether c is one typing slip away from the shape of a DNI
// or NIE (see LooksLikePassport for why that matters).
func oneSlip(c string) bool {
	if digitRun(c) {
		return true
	}
	for _, shape := range shapes {
		switch len(c) {
		case idLength:
			if mismatches(c, shape) <= 1 {
				return true
			}
		case idLength - 1:
			// One character left out: skip it in the shape.
			for k := 0; k < idLength; k++ {
				if fits(c, shape[:k]+shape[k+1:]) {
					return true
				}
			}
		case idLength + 1:
			// One character added: skip it in what was typed.
			for k := 0; k <= idLength; k++ {
				if fits(c[:k]+c[k+1:], shape) {
					return true
				}
			}
		}
	}
	return false
}

// shapes are the DNI and the NIE, one class per position: 'd' a digit, 'p'
// an NIE prefix (X, Y or Z), 'l' any letter.
var shapes = [...]string{"ddddddddl", "pdddddddl"}

// fits reports whether c matches shape exactly.
func fits(c, shape string) bool {
	return len(c) == len(shape) && mismatches(c, shape) == 0
}

// mismatches counts the positions of c that do not fit shape; both have the
// same length.
func mismatches(c, shape string) int {
	m := 0
	for i := 0; i < len(shape); i++ {
		b := c[i]
		var ok bool
		switch shape[i] {
		case 'd':
			ok = b >= '0' && b <= '9'
		case 'p':
			ok = prefixNIE(b)
		default:
			ok = letter(b)
		}
		if !ok {
			m++
		}
	}
	return m
}

// digitRun reports whether c is digits with an optional X/Y/Z in front and an
// optional letter at the end: a DNI or NIE with digits missing or repeated.
func digitRun(c string) bool {
	if c != "" && prefixNIE(c[0]) {
		c = c[1:]
	}
	if c != "" && letter(c[len(c)-1]) {
		c = c[:len(c)-1]
	}
	return c != "" && digits(c)
}

// passportShape reports whether c could be a passport number at all: 5 to 12
// letters and digits, at least two of them digits.
func passportShape(c string) bool {
	if len(c) < minPassport || len(c) > maxPassport {
		return false
	}
	d := 0
	for i := 0; i < len(c); i++ {
		if c[i] >= '0' && c[i] <= '9' {
			d++
		}
	}
	return d >= 2
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func letter(b byte) bool { return b >= 'A' && b <= 'Z' }

func prefixNIE(b byte) bool { return b == 'X' || b == 'Y' || b == 'Z' }

// The lengths a passport number may have. Spanish passports have 9
// characters (3 letters and 6 digits); other countries use 6 to 10, and the
// margin covers numbers we have not seen.
const (
	minPassport = 5
	maxPassport = 12
)

// ErrPassportNumber is returned by ParsePassportNumber.
var ErrPassportNumber = i18n.New("passport.invalid",
	i18n.T("El número de pasaporte no es válido.",
		"The passport number is not valid."),
	i18n.T("Cópialo tal como aparece en el pasaporte: de 5 a 12 letras y cifras, por ejemplo PAA123456.",
		"Copy it as printed in the passport: 5 to 12 letters and digits, for example PAA123456."))

// ParsePassportNumber reads a passport number of any country and returns it
// upper case, without spaces, dots or hyphens. Formats vary too much between
// countries to check more than the characters and the length.
func ParsePassportNumber(s string) (string, error) {
	c, bad, ok := compact(s)
	if !ok {
		es, en := quoted(bad)
		return "", failMsg(ErrPassportNumber,
			i18n.T("El número de pasaporte tiene un carácter que no vale: "+es+".",
				"The passport number has a character that is not allowed: "+en+"."),
			i18n.Text{})
	}
	if c == "" {
		return "", failMsg(ErrPassportNumber,
			i18n.T("No has escrito el número de pasaporte.", "You did not type the passport number."),
			i18n.Text{})
	}
	if len(c) < minPassport || len(c) > maxPassport {
		es, en := countChars(len(c))
		return "", failMsg(ErrPassportNumber,
			i18n.T("Sin contar espacios, puntos ni guiones, has escrito "+es+", y un número de pasaporte tiene de 5 a 12.",
				"Not counting spaces, dots or hyphens, you typed "+en+", and a passport number has 5 to 12."),
			i18n.Text{})
	}
	return c, nil
}
