package demo

import (
	"encoding/csv"
	"strings"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/registry"
)

// Person is one fictional person of the sample registry: their registry
// row (registry.Header columns), the situation they stand for and what a
// newcomer can try with them. Names, addresses and numbers are made up;
// emails are at example.org and phones in the ranges the tests use.
type Person struct {
	Row       []string
	Situation i18n.Text
	Try       i18n.Text
}

// ID is the person's identifier (DNI or NIE), as the registry keeps it.
func (p Person) ID() string { return p.Row[0] }

// Name is the person's full name.
func (p Person) Name() string {
	if len(p.Row) < 4 {
		return ""
	}
	return strings.Join(strings.Fields(p.Row[1]+" "+p.Row[2]+" "+p.Row[3]), " ")
}

// People covers the situations the seeds describe: each of them meets a
// different path, or a different dead end and its way out.
var People = []Person{
	{
		Row: []string{"X1234567L", "Olena", "Kovalenko", "", "1990-04-02", "UA", "TIE", "X1234567L", "2031-05-01", "E12345678",
			"Calle Mayor 1", "28013", "Madrid", "Madrid", "olena@example.org", "+34612345678"},
		Situation: i18n.T("NIE con TIE vigente.", "NIE holder with a valid TIE."),
		Try: i18n.T("El recorrido completo: certificado (TIE en la oficina), cuenta con el certificado, canje de permiso en Tráfico.",
			"The whole walk: certificate (TIE at the office), account with the certificate, licence exchange at Traffic."),
	},
	{
		Row: []string{"Y0000001S", "Ahmed", "El Amrani", "", "1985-01-10", "MA", "TIE", "Y0000001S", "2025-01-31", "E00000001",
			"Calle Sol 2", "41001", "Sevilla", "Sevilla", "ahmed@example.org", "+34600111222"},
		Situation: i18n.T("NIE con la TIE caducada.", "NIE holder whose TIE has expired."),
		Try: i18n.T("Pedir el certificado: la oficina rechaza la comprobación y dice dónde renovar la TIE.",
			"Request a certificate: the office refuses the check and says where to renew the TIE."),
	},
	{
		Row: []string{"Z7654321H", "Ioana", "Popescu", "", "1988-09-15", "RO", "EU_CERTIFICATE", "Z7654321H", "2035-06-30", "",
			"Calle Olmo 9", "50001", "Zaragoza", "Zaragoza", "ioana@example.org", "+34633000222"},
		Situation: i18n.T("Ciudadana de la UE: certificado verde de registro y pasaporte.", "EU citizen: green registration certificate and passport."),
		Try: i18n.T("En la oficina, el documento es el certificado de registro (EU_CERTIFICATE) y el pasaporte prueba la identidad; el pasaporte solo no basta.",
			"At the office the document is the registration certificate (EU_CERTIFICATE), with the passport as photo ID; the passport alone is not enough."),
	},
	{
		Row: []string{"87654321X", "Lucía", "García", "Sanz", "1985-11-20", "ES", "DNI", "87654321X", "2033-03-03", "BCD234567",
			"Calle Luna 5", "41001", "Sevilla", "Sevilla", "lucia@example.org", "+34622000111"},
		Situation: i18n.T("DNI.", "DNI holder."),
		Try: i18n.T("Cuenta por videoidentificación (el DNI la admite) o en la oficina; PIN por SMS (número de soporte BCD234567).",
			"Account by video identification (allowed with a DNI) or at the office; PIN by SMS (support number BCD234567)."),
	},
	{
		Row: []string{"Y2468013N", "John", "Smith", "", "1979-03-08", "GB", "TIE", "Y2468013N", "2030-09-30", "E24680135",
			"Calle Betis 10", "41010", "Sevilla", "Sevilla", "john@example.org", "+447400123456"},
		Situation: i18n.T("Solo tiene un móvil extranjero (+44).", "Has only a foreign mobile (+44)."),
		Try: i18n.T("Los códigos por SMS van a un número extranjero: se admite por defecto (--allow-foreign-phones).",
			"SMS codes go to a foreign number: allowed by default (--allow-foreign-phones)."),
	},
	{
		Row: []string{"12345678Z", "José", "Muñoz", "Pérez", "1970-07-07", "ES", "DNI", "12345678Z", "2032-01-01", "ABC123456",
			"Calle Real 3", "08001", "Barcelona", "Barcelona", "", ""},
		Situation: i18n.T("Sin correo ni móvil: el registro solo tiene su dirección, para cartas.", "No email or mobile: the registry only has his address, for letters."),
		Try: i18n.T("Registro por carta de invitación: la carta (PDF) con su código aparece en la bandeja de salida.",
			"Registration by invitation letter: the letter (PDF) with its code appears in the outbox."),
	},
}

// Absent is an identifier with a valid check letter that is not in the
// sample registry: what a person whose data has not reached it meets.
var Absent = Person{
	Row:       []string{"X9999999J"},
	Situation: i18n.T("No está en el registro (letra de control válida).", "Not in the registry (its check letter is valid)."),
	Try: i18n.T("Pedir un certificado o una cuenta: llavero explica que los datos aún no han llegado y qué hacer.",
		"Request a certificate or an account: llavero explains that the data has not arrived yet and what to do."),
}

// CSV is the sample registry as a file "llavero admin registry import"
// reads.
func CSV() string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(registry.Header)
	for _, p := range People {
		_ = w.Write(p.Row)
	}
	w.Flush()
	return b.String()
}
