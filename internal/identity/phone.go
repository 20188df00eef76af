package identity

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/llavero/llavero/internal/i18n"
)

// PhoneOptions are the deployment's rules for phone numbers.
type PhoneOptions struct {
	// DefaultRegion is how to read a number typed without a country code
	// (ISO 3166-1 code, "ES" when empty). It does not decide which numbers
	// are foreign: see AllowForeign.
	DefaultRegion string
	// AllowForeign accepts mobile numbers outside Spain (+34). It is off
	// by default, as in the Spanish services llavero models, where a
	// Spanish mobile is expected; a deployment that serves residents who
	// keep their home number turns it on.
	AllowForeign bool
}

// Phone is a mobile number that can receive SMS.
type Phone struct {
	// E164 is the canonical form, for example "+34612345678".
	E164 string
	// Region is the ISO 3166-1 code of the number's country ("ES"), or
	// "001" for numbers that belong to no country.
	Region string
}

// spainCallingCode is the country code of the numbers that are never foreign.
const spainCallingCode = 34

// maxPhoneInput bounds what is handed to the phone number parser. E.164
// numbers have at most 15 digits, so 40 characters leave room for any
// spacing people use, and the bound keeps long pasted text away from a
// parser that was not written for it.
const maxPhoneInput = 40

// The errors of ParsePhone.
var (
	ErrPhoneEmpty = i18n.New("phone.empty",
		i18n.T("No has escrito el número de móvil.",
			"You did not type the mobile number."),
		i18n.T("Escribe tu número de móvil, por ejemplo 612 345 678.",
			"Type your mobile number, for example 612 345 678."))

	ErrPhoneInvalid = i18n.New("phone.invalid",
		i18n.T("No es un número de teléfono válido.",
			"This is not a valid phone number."),
		i18n.T("Escribe solo el número, con cifras, por ejemplo 612 345 678. Si no es español, empieza por + y el prefijo del país, por ejemplo +44 7400 123456.",
			"Type only the number, in digits, for example 612 345 678. If it is not Spanish, start with + and the country code, for example +44 7400 123456."))

	ErrPhoneNotMobile = i18n.New("phone.not_mobile",
		i18n.T("Este número no es un móvil y no puede recibir nuestros SMS.",
			"This number is not a mobile, so it cannot receive our text messages (SMS)."),
		i18n.T("Usa un número de móvil. En España empiezan por 6 o 7.",
			"Use a mobile number. In Spain they start with 6 or 7."))

	ErrPhoneForeignNotAllowed = i18n.New("phone.foreign_not_allowed",
		i18n.T("Este servicio no acepta números de teléfono de otros países.",
			"This service does not accept phone numbers from other countries."),
		i18n.T("Usa un móvil español o pide ayuda en una oficina de registro.",
			"Use a Spanish mobile number, or ask for help at a registration office."))
)

// ParsePhone reads a mobile number and returns it in E.164. It accepts the
// ways people write numbers: "612 34 56 78", "+34 612345678",
// "0034612345678", "(+34) 612-345-678". Letters are refused, so neither
// "1-800-FLOWERS" nor an extension gets through: the number must receive an
// SMS, so it must be a MOBILE or FIXED_LINE_OR_MOBILE number (the latter is
// how countries such as the United States, where the two cannot be told
// apart, number their mobiles).
//
// A foreign number is refused before it is checked any further when
// opts.AllowForeign is off, because whether it is valid no longer matters:
// the person needs a Spanish one.
func ParsePhone(s string, opts PhoneOptions) (Phone, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Phone{}, fail(ErrPhoneEmpty)
	}
	if len(s) > maxPhoneInput {
		return Phone{}, fail(ErrPhoneInvalid)
	}
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case r == '+', r == '(', r == ')', r == '/', r == '.', isSeparator(r):
		default:
			es, en := quoted(r)
			return Phone{}, failMsg(ErrPhoneInvalid,
				i18n.T("El número de teléfono tiene un carácter que no vale: "+es+".",
					"The phone number has a character that is not allowed: "+en+"."),
				i18n.Text{})
		}
	}
	if digits == 0 {
		return Phone{}, fail(ErrPhoneInvalid)
	}
	region := strings.ToUpper(strings.TrimSpace(opts.DefaultRegion))
	if region == "" {
		region = "ES"
	}
	if e164, ok := spanishMobile(s, region); ok {
		return Phone{E164: e164, Region: "ES"}, nil
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return Phone{}, ErrPhoneInvalid.Wrap(err)
	}
	if num.GetExtension() != "" {
		return Phone{}, fail(ErrPhoneInvalid)
	}
	if int(num.GetCountryCode()) != spainCallingCode && !opts.AllowForeign {
		return Phone{}, fail(ErrPhoneForeignNotAllowed)
	}
	if !phonenumbers.IsValidNumber(num) {
		return Phone{}, fail(ErrPhoneInvalid)
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return Phone{}, fail(ErrPhoneNotMobile)
	}
	return Phone{
		E164:   phonenumbers.Format(num, phonenumbers.E164),
		Region: phonenumbers.GetRegionCodeForNumber(num),
	}, nil
}

// Masked shows the number the way a page may show it to someone who is not
// yet logged in: the country code and the last two digits only, for example
// "+34 ••• ••• •78". That is enough for the holder to recognise their phone
// and too little for anyone else to learn it. It returns "" for a Phone that
// ParsePhone did not produce.
func (p Phone) Masked() string {
	if p.E164 == "" {
		return ""
	}
	num, err := phonenumbers.Parse(p.E164, "")
	if err != nil {
		return ""
	}
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	shown := 2
	if len(nsn) <= shown {
		shown = 0
	}
	// Groups of three counted from the end, so the visible digits always
	// sit in the last group whatever the length.
	var b strings.Builder
	b.WriteString("+" + strconv.Itoa(int(num.GetCountryCode())))
	for i := 0; i < len(nsn); i++ {
		if (len(nsn)-i)%3 == 0 || i == 0 {
			b.WriteByte(' ')
		}
		if i < len(nsn)-shown {
			b.WriteString("•")
		} else {
			b.WriteByte(nsn[i])
		}
	}
	return b.String()
}

// spanishMobile recognises the common case, a Spanish mobile number, without
// the general parser, which costs about 20 µs a number: that is most of the
// time of a million-row registry import. It accepts only what libphonenumber
// classifies as a Spanish MOBILE with the pattern (6\d|7[1-48])\d{7};
// anything else (and any doubt) falls through to the full parser.
// TestSpanishMobileFastPathAgrees holds the two to the same answers.
func spanishMobile(s, region string) (string, bool) {
	var d [16]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ', c == '-', c == '.':
		default:
			return "", false
		}
	}
	nsn := d[:n]
	switch {
	case plus && n == 11 && nsn[0] == '3' && nsn[1] == '4':
		nsn = nsn[2:]
	case !plus && n == 13 && string(nsn[:4]) == "0034":
		nsn = nsn[4:]
	case !plus && n == 9 && region == "ES":
	default:
		return "", false
	}
	if nsn[0] == '6' || (nsn[0] == '7' && (nsn[1] == '1' || nsn[1] == '2' || nsn[1] == '3' || nsn[1] == '4' || nsn[1] == '8')) {
		return "+34" + string(nsn), true
	}
	return "", false
}
