package identity

import (
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// dateLayout is ISO 8601's calendar date, the one form of date that reads
// the same to people and programs in every country.
const dateLayout = "2006-01-02"

// ErrDateInvalid is returned by ParseDate.
var ErrDateInvalid = i18n.New("date.invalid",
	i18n.T("La fecha no es válida.",
		"The date is not valid."),
	i18n.T("Escríbela como año-mes-día, con números, por ejemplo 2031-05-24.",
		"Write it as year-month-day, in numbers, for example 2031-05-24."))

// ParseDate reads a calendar date written YYYY-MM-DD and returns midnight UTC
// of that day. Only this form is accepted: "05/06/2031" means May in one
// country and June in another, and guessing wrong would move an expiry date
// by months.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, ErrDateInvalid.Wrap(err)
	}
	return t, nil
}

// DocType is a kind of identity document that proves who someone is at an
// office.
type DocType string

// The identity documents. A TIE and the EU registration certificate carry
// an NIE; a passport is shown together with one of them by foreigners, or
// alone.
const (
	DocDNI           DocType = "DNI"
	DocTIE           DocType = "TIE"
	DocEUCertificate DocType = "EU_CERTIFICATE"
	DocPassport      DocType = "PASSPORT"
)

// name returns how the document is called in each language.
func (t DocType) name() (es, en string) {
	switch t {
	case DocDNI:
		return "DNI", "DNI"
	case DocTIE:
		return "TIE", "TIE"
	case DocEUCertificate:
		return "certificado de registro de ciudadano de la UE", "EU registration certificate"
	case DocPassport:
		return "pasaporte", "passport"
	}
	return string(t), string(t)
}

// The errors about documents.
var (
	ErrDocumentType = i18n.New("document.type",
		i18n.T("No conocemos ese tipo de documento.",
			"We do not know that type of document."),
		i18n.T("Usa DNI, TIE, EU_CERTIFICATE (certificado de registro de ciudadano de la UE) o PASSPORT (pasaporte).",
			"Use DNI, TIE, EU_CERTIFICATE (EU registration certificate) or PASSPORT."))

	ErrDocumentNumber = i18n.New("document.number",
		i18n.T("El número del documento no es válido.",
			"The document number is not valid."),
		i18n.T("Cópialo exactamente como aparece en el documento.",
			"Copy it exactly as printed on the document."))

	ErrDocumentIDMismatch = i18n.New("document.id_mismatch",
		i18n.T("El tipo de documento no corresponde al número de identidad.",
			"The type of document does not go with the identity number."),
		i18n.T("Con un DNI, elige el documento DNI. Con un NIE, elige TIE o certificado de registro de la UE.",
			"With a DNI number, choose the DNI document. With an NIE, choose TIE or EU registration certificate."))

	ErrDocumentExpired = i18n.New("document.expired",
		i18n.T("El documento está caducado.",
			"The document has expired."),
		i18n.T("Primero renueva tu documento y después vuelve a intentarlo.",
			"Renew your document first, then try again."))

	ErrDocumentNoExpiry = i18n.New("document.no_expiry",
		i18n.T("No sabemos hasta cuándo es válido el documento.",
			"We do not know until when the document is valid."),
		i18n.T("Lleva el documento a una oficina de registro para que comprueben su fecha de caducidad.",
			"Take the document to a registration office so they can check its expiry date."))

	ErrSupportInvalid = i18n.New("support.invalid",
		i18n.T("El número de soporte no es válido.",
			"The support number is not valid."),
		i18n.T("Cópialo tal como aparece en tu tarjeta: letras y cifras, por ejemplo ABC123456 en un DNI o E12345678 en una TIE. No es tu número de DNI o NIE.",
			"Copy it as printed on your card: letters and digits, for example ABC123456 on a DNI or E12345678 on a TIE. It is not your DNI or NIE number."))

	ErrSupportIsID = i18n.New("support.id_number",
		i18n.T("Has escrito un número de DNI o NIE, no el número de soporte.",
			"You typed a DNI or NIE number, not the support number."),
		i18n.T("El número de soporte es otro código de la misma tarjeta, por ejemplo ABC123456 en un DNI o E12345678 en una TIE.",
			"The support number is another code on the same card, for example ABC123456 on a DNI or E12345678 on a TIE."))
)

// ParseDocType reads a document type, ignoring case and whether words are
// joined by "_", "-" or spaces ("EU_CERTIFICATE", "eu-certificate",
// "eu certificate").
func ParseDocType(s string) (DocType, error) {
	f := strings.Fields(docTypeSeparators.Replace(s))
	switch t := DocType(strings.ToUpper(strings.Join(f, "_"))); t {
	case DocDNI, DocTIE, DocEUCertificate, DocPassport:
		return t, nil
	}
	return "", fail(ErrDocumentType)
}

// Document is an identity document as seen at an office or in the registry.
type Document struct {
	Type   DocType
	Number string
	// Expiry is the last day the document is valid, as ParseDate returns
	// it.
	Expiry time.Time
}

// ParseDocumentNumber reads the number printed on a document of type t. A
// DNI carries a DNI number; a TIE and an EU registration certificate carry
// the holder's NIE; a passport carries a passport number. The error is
// ErrDocumentNumber, with the precise problem in its message and the
// identifier's own error as its cause, so errors.Is(err, ErrControlLetter)
// also holds.
func ParseDocumentNumber(t DocType, s string) (string, error) {
	switch t {
	case DocPassport:
		n, err := ParsePassportNumber(s)
		if err != nil {
			return "", wrapNumber(err)
		}
		return n, nil
	case DocDNI, DocTIE, DocEUCertificate:
	default:
		return "", fail(ErrDocumentType)
	}
	id, err := ParseID(s)
	if err != nil {
		return "", wrapNumber(err)
	}
	if t == DocDNI && id.Kind != KindDNI {
		return "", failMsg(ErrDocumentNumber,
			i18n.T("Es un NIE, y en un DNI va un número de DNI (8 cifras y una letra).",
				"This is an NIE, and a DNI carries a DNI number (8 digits and a letter)."),
			i18n.T("Si tu documento es una TIE o un certificado de registro de la UE, elige ese tipo de documento.",
				"If your document is a TIE or an EU registration certificate, choose that type of document."))
	}
	if t != DocDNI && id.Kind != KindNIE {
		return "", failMsg(ErrDocumentNumber,
			i18n.T("Es un número de DNI, y en una TIE o un certificado de registro de la UE va un NIE (X, Y o Z, 7 cifras y una letra).",
				"This is a DNI number, and a TIE or an EU registration certificate carries an NIE (X, Y or Z, 7 digits and a letter)."),
			i18n.T("Si tu documento es un DNI, elige ese tipo de documento.",
				"If your document is a DNI, choose that type of document."))
	}
	return id.Value, nil
}

// wrapNumber turns an identifier or passport error into ErrDocumentNumber,
// keeping its message and next step, which say more than a generic "not
// valid".
func wrapNumber(err error) error {
	e := ErrDocumentNumber.Wrap(err)
	if inner, ok := i18n.As(err); ok {
		e.Msg = i18n.T(ErrDocumentNumber.Msg.ES+" "+inner.Msg.ES, ErrDocumentNumber.Msg.EN+" "+inner.Msg.EN)
		e.Next = inner.Next
	}
	return e
}

// CheckValid reports whether the document is valid on the day of on. A
// document is valid through the whole of its expiry day, and the day is
// taken in on's own location: pass the office's local time (Europe/Madrid,
// Atlantic/Canary) so that a check at 00:30 on the day after expiry is
// refused even though it is still the expiry day in UTC.
func (d Document) CheckValid(on time.Time) error {
	if d.Expiry.IsZero() {
		return fail(ErrDocumentNoExpiry)
	}
	ey, em, ed := d.Expiry.Date()
	last := time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC)
	oy, om, od := on.Date()
	day := time.Date(oy, om, od, 0, 0, 0, 0, time.UTC)
	if !day.After(last) {
		return nil
	}
	es, en := d.Type.name()
	date := last.Format(dateLayout)
	return failMsg(ErrDocumentExpired,
		i18n.T("Tu documento ("+es+") caducó el "+date+".",
			"Your document ("+en+") expired on "+date+"."),
		renewHint(d.Type))
}

// renewHint says where each document is renewed.
func renewHint(t DocType) i18n.Text {
	switch t {
	case DocDNI:
		return i18n.T("Primero renueva tu documento: pide cita para el DNI en una comisaría de la Policía Nacional. Después vuelve a intentarlo.",
			"Renew your document first: book a DNI appointment at a National Police station (Policía Nacional). Then try again.")
	case DocTIE, DocEUCertificate:
		return i18n.T("Primero renueva tu documento: pide cita en una comisaría de la Policía Nacional que atienda a extranjeros (o en la oficina de extranjería). Después vuelve a intentarlo.",
			"Renew your document first: book an appointment at a National Police station that serves foreigners (or at the foreigners' office). Then try again.")
	case DocPassport:
		return i18n.T("Primero renueva tu documento: el pasaporte se renueva en el consulado o la embajada de tu país (un pasaporte español, en una comisaría de la Policía Nacional). Después vuelve a intentarlo.",
			"Renew your document first: a passport is renewed at your country's consulate or embassy (a Spanish passport, at a National Police station). Then try again.")
	}
	return ErrDocumentExpired.Next
}

// ParseSupportNumber reads a document's support number (número de soporte),
// the code of the physical card that, with the identity number, proves the
// person holds the card now: "ABC123456" on a DNI, "E12345678" on a TIE. It
// accepts lower case, spaces, dots and hyphens and returns 6 to 12 upper-case
// letters and digits.
//
// People often type their DNI or NIE here instead; a valid identity number is
// refused with ErrSupportIsID, which says so, because no support number has
// that shape.
func ParseSupportNumber(s string) (string, error) {
	c, bad, ok := compact(s)
	if !ok {
		es, en := quoted(bad)
		return "", failMsg(ErrSupportInvalid,
			i18n.T("El número de soporte tiene un carácter que no vale: "+es+".",
				"The support number has a character that is not allowed: "+en+"."),
			i18n.Text{})
	}
	if len(c) < 6 || len(c) > 12 {
		es, en := countChars(len(c))
		return "", failMsg(ErrSupportInvalid,
			i18n.T("Sin contar espacios, puntos ni guiones, has escrito "+es+", y un número de soporte tiene de 6 a 12.",
				"Not counting spaces, dots or hyphens, you typed "+en+", and a support number has 6 to 12."),
			i18n.Text{})
	}
	if _, err := parseCompact(c); err == nil {
		return "", fail(ErrSupportIsID)
	}
	return c, nil
}

// CheckIDMatchesDocument reports whether a document of type t can prove the
// identity id: a DNI proves a DNI number, a TIE or an EU registration
// certificate an NIE. A passport goes with either, because DNI holders have
// passports too and an EU citizen shows the passport with the certificate.
func CheckIDMatchesDocument(id ID, t DocType) error {
	switch t {
	case DocDNI:
		if id.Kind == KindDNI {
			return nil
		}
		return failMsg(ErrDocumentIDMismatch,
			i18n.T("Un DNI va con un número de DNI, y este número de identidad no lo es.",
				"A DNI goes with a DNI number, and this identity number is not one."),
			i18n.T("Con un NIE, elige como documento la TIE o el certificado de registro de la UE.",
				"With an NIE, choose TIE or EU registration certificate as the document."))
	case DocTIE, DocEUCertificate:
		if id.Kind == KindNIE {
			return nil
		}
		return failMsg(ErrDocumentIDMismatch,
			i18n.T("Una TIE o un certificado de registro de la UE va con un NIE, y este número de identidad no lo es.",
				"A TIE or an EU registration certificate goes with an NIE, and this identity number is not one."),
			i18n.T("Con un número de DNI, elige como documento el DNI.",
				"With a DNI number, choose DNI as the document."))
	case DocPassport:
		if id.Kind == KindDNI || id.Kind == KindNIE {
			return nil
		}
		return fail(ErrDocumentIDMismatch)
	}
	return fail(ErrDocumentType)
}

// docTypeSeparators lets "EU-CERTIFICATE" and "eu_certificate" read alike;
// built once because a registry import calls ParseDocType a million times.
var docTypeSeparators = strings.NewReplacer("_", " ", "-", " ")
