package otp

import (
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/llavero/llavero/internal/i18n"
)

// The errors a person meets with one-time codes. Match them with errors.Is;
// functions return copies, so a caller may set Cause without touching the
// templates. The identity provider returns ErrWrong, ErrExpired, ErrUsed,
// ErrLocked and ErrRateLimited (or RateLimitedFor) itself.
//
// None of them says how many tries are left or whether a code exists:
// counts help someone guessing more than they help the owner, who only needs
// to know that a new code is the way out.
var (
	// ErrFormat: what was typed is not 6 digits (ParsePIN).
	ErrFormat = i18n.New("otp.format",
		i18n.T("Eso no es un código válido: el código tiene 6 cifras y nada más.",
			"That is not a valid code: the code has 6 digits and nothing else."),
		i18n.T("Escribe las 6 cifras del SMS. Puedes dejar espacios o guiones entre ellas.",
			"Type the 6 digits from the SMS. Spaces or hyphens between them are fine."))

	// ErrLetterFormat: what was typed is not a letter code (ParseLetterCode).
	ErrLetterFormat = i18n.New("otp.letter_format",
		i18n.T("El código no es válido: el código de la carta tiene 16 letras y cifras.",
			"That is not a valid code: the code on the letter has 16 letters and digits."),
		i18n.T("Copia los 16 caracteres de la carta. Los guiones son opcionales. El código nunca lleva 0, O, 1, I ni L.",
			"Copy the 16 characters from the letter. The hyphens are optional. The code never has 0, O, 1, I or L."))

	// ErrWrong: the code does not match. More tries may be allowed.
	ErrWrong = i18n.New("otp.wrong",
		i18n.T("El código no es correcto.",
			"The code is not right."),
		i18n.T("Comprueba las cifras en el último SMS que has recibido y escríbelo de nuevo. Después de unos pocos intentos fallidos el código deja de valer y tendrás que pedir otro.",
			"Check the digits in the latest SMS you received and type them again. After a few wrong tries the code stops working and you will have to ask for a new one."))

	// ErrExpired: the code is older than PINValidity.
	ErrExpired = i18n.New("otp.expired",
		i18n.T("El código ha caducado: cada código vale 10 minutos.",
			"The code has expired: each code works for 10 minutes."),
		i18n.T("Pide un código nuevo en esta misma página y escríbelo antes de que pasen 10 minutos desde que te llegue.",
			"Ask for a new code on this same page, and type it within 10 minutes of receiving it."))

	// ErrUsed: the code was already used once.
	ErrUsed = i18n.New("otp.used",
		i18n.T("Este código ya se ha usado: cada código vale una sola vez.",
			"This code has already been used: each code works only once."),
		i18n.T("Vuelve a empezar el acceso y pide un código nuevo. Si no has usado tú este código, puede que alguien lea tus SMS: acude a una oficina de registro.",
			"Start signing in again and ask for a new code. If you did not use this code yourself, someone may be reading your SMS: go to a registration office."))

	// ErrLocked: too many wrong tries for this code.
	ErrLocked = i18n.New("otp.locked",
		i18n.T("Este código ya no vale: se ha escrito mal demasiadas veces.",
			"This code no longer works: it was typed wrong too many times."),
		i18n.T("Pide un código nuevo en esta misma página y escríbelo con calma, cifra a cifra.",
			"Ask for a new code on this same page, and type it carefully, digit by digit."))

	// ErrRateLimited: too many codes asked for in a short time. The
	// identity provider knows the exact wait; RateLimitedFor puts it in
	// the message.
	ErrRateLimited = i18n.New("otp.rate_limited",
		i18n.T("Has pedido demasiados códigos en poco tiempo.",
			"You have asked for too many codes in a short time."),
		i18n.T("Espera un rato (normalmente menos de una hora) y vuelve a intentarlo. Mientras tanto, el último código que te llegó sigue valiendo 10 minutos desde que lo recibiste.",
			"Wait a while (usually less than an hour) and try again. In the meantime, the last code you received still works for 10 minutes after it arrived."))
)

// fail returns a copy of tmpl.
func fail(tmpl *i18n.Error) *i18n.Error {
	c := *tmpl
	return &c
}

// RateLimitedFor returns ErrRateLimited saying roughly when the person may
// ask again: "in a few minutes", "in about 20 minutes", "in about 2 hours",
// "tomorrow". Rounded, because the exact second does not help anyone and
// invites people to sit and wait for it.
func RateLimitedFor(wait time.Duration) *i18n.Error {
	e := fail(ErrRateLimited)
	var es, en string
	switch m := int((wait + time.Minute - 1) / time.Minute); {
	case m <= 5:
		es, en = "dentro de unos minutos", "in a few minutes"
	case m < 55:
		r := strconv.Itoa((m + 4) / 5 * 5)
		es, en = "dentro de unos "+r+" minutos", "in about "+r+" minutes"
	case m < 90:
		es, en = "dentro de una hora", "in an hour"
	case m < 12*60:
		h := strconv.Itoa((m + 30) / 60)
		es, en = "dentro de unas "+h+" horas", "in about "+h+" hours"
	default:
		es, en = "mañana", "tomorrow"
	}
	e.Next = i18n.T("Vuelve a intentarlo "+es+". Mientras tanto, el último código que te llegó sigue valiendo 10 minutos desde que lo recibiste.",
		"Try again "+en+". In the meantime, the last code you received still works for 10 minutes after it arrived.")
	return e
}

// ParsePIN reads an SMS code as typed: "123456", "123 456", "123-456",
// full-width or Arabic-Indic digits. It returns the 6 ASCII digits, or
// ErrFormat saying what is wrong: nothing typed, a character that is not a
// digit, or the wrong number of digits.
func ParsePIN(s string) (string, error) {
	c := Normalize(s)
	if c == "" {
		e := fail(ErrFormat)
		e.Msg = i18n.T("No has escrito el código.", "You did not type the code.")
		return "", e
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			e := fail(ErrFormat)
			es, en := quoted(r)
			e.Msg = i18n.T("El código solo tiene cifras, y has escrito "+es+".",
				"The code has only digits, and you typed "+en+".")
			return "", e
		}
	}
	if len(c) != PINLen {
		e := fail(ErrFormat)
		e.Msg = i18n.T("El código tiene 6 cifras, y has escrito "+strconv.Itoa(len(c))+".",
			"The code has 6 digits, and you typed "+strconv.Itoa(len(c))+".")
		return "", e
	}
	return c, nil
}

// ParseLetterCode reads the code of an invitation letter as typed: with or
// without hyphens, in any case. It returns the 16 characters without
// hyphens, or ErrLetterFormat saying what is wrong. A 0, O, 1, I or L gets its
// own message, because it is the likeliest slip: the person is reading some
// other character as one of those.
func ParseLetterCode(s string) (string, error) {
	c := Normalize(s)
	if c == "" {
		e := fail(ErrLetterFormat)
		e.Msg = i18n.T("No has escrito el código de la carta.", "You did not type the code from the letter.")
		return "", e
	}
	for _, r := range c {
		if r < utf8.RuneSelf && containsByte(LetterAlphabet, byte(r)) {
			continue
		}
		e := fail(ErrLetterFormat)
		es, en := quoted(r)
		switch r {
		case '0', 'O', '1', 'I', 'L':
			e.Msg = i18n.T("Has escrito "+es+", y el código de la carta nunca lleva 0, O, 1, I ni L.",
				"You typed "+en+", and the code on the letter never has 0, O, 1, I or L.")
		default:
			e.Msg = i18n.T("El código de la carta solo tiene letras y cifras, y has escrito "+es+".",
				"The code on the letter has only letters and digits, and you typed "+en+".")
		}
		return "", e
	}
	if n := len(c); n != LetterCodeLen {
		e := fail(ErrLetterFormat)
		e.Msg = i18n.T("El código de la carta tiene 16 caracteres sin contar los guiones, y has escrito "+strconv.Itoa(n)+".",
			"The code on the letter has 16 characters not counting the hyphens, and you typed "+strconv.Itoa(n)+".")
		return "", e
	}
	return c, nil
}

func containsByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return true
		}
	}
	return false
}

// quoted shows one character a person typed, in the quotation marks each
// language uses, or by its code point when it is invisible.
func quoted(r rune) (es, en string) {
	if unicode.IsPrint(r) && !unicode.IsSpace(r) {
		return "«" + string(r) + "»", "“" + string(r) + "”"
	}
	code := fmt.Sprintf("U+%04X", r)
	return "(un carácter invisible, " + code + ")", "(an invisible character, " + code + ")"
}
