package validate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

// Indication is the main verdict of ETSI EN 319 102-1 (clause 5.1.3).
type Indication string

// The three verdicts. A check that only informs carries Info.
const (
	Passed        Indication = "PASSED"
	Failed        Indication = "FAILED"
	Indeterminate Indication = "INDETERMINATE"
	// Info marks a check that records something without judging it (the
	// signature covers an earlier revision of a PDF, say).
	Info Indication = "INFO"
)

// SubIndication says why a signature did not pass, in the words of
// ETSI EN 319 102-1 (clause 5.1.3, tables 5 and 6), so that a report can
// be compared with other validators'.
type SubIndication string

// The sub-indications llavero gives. FAILED ones: FormatFailure,
// HashFailure, SigCryptoFailure, Revoked. The rest go with INDETERMINATE.
const (
	FormatFailure                  SubIndication = "FORMAT_FAILURE"
	HashFailure                    SubIndication = "HASH_FAILURE"
	SigCryptoFailure               SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                        SubIndication = "REVOKED"
	RevokedNoPOE                   SubIndication = "REVOKED_NO_POE"
	SigConstraintsFailure          SubIndication = "SIG_CONSTRAINTS_FAILURE"
	ChainConstraintsFailure        SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	CertificateChainGeneralFailure SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
	NoCertificateChainFound        SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	NoSigningCertificateFound      SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	OutOfBoundsNoPOE               SubIndication = "OUT_OF_BOUNDS_NO_POE"
	NoPOE                          SubIndication = "NO_POE"
	TryLater                       SubIndication = "TRY_LATER"
	SignedDataNotFound             SubIndication = "SIGNED_DATA_NOT_FOUND"
)

// Text is a message in both languages, as JSON {"es": …, "en": …}.
type Text struct {
	ES string `json:"es"`
	EN string `json:"en"`
}

func text(t i18n.Text) Text { return Text{ES: t.ES, EN: t.EN} }

// In returns the text in lang.
func (t Text) In(lang i18n.Lang) string { return i18n.Text{ES: t.ES, EN: t.EN}.In(lang) }

// Check is one step of the validation and its outcome.
type Check struct {
	// Code is stable: scripts and tests match on it ("cms.message_digest").
	Code          string        `json:"code"`
	Outcome       Indication    `json:"outcome"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Text          Text          `json:"text"`
	// Detail is technical detail (an algorithm, a library's error) for
	// whoever investigates; it is not translated.
	Detail string `json:"detail,omitempty"`
}

// Signer is who made a signature, as the signing certificate says.
type Signer struct {
	Name string `json:"name"`
	// ID is the DNI/NIE (or other identifier) from the subject's
	// serialNumber, without the ETSI "IDCES-" prefix.
	ID        string    `json:"id,omitempty"`
	Serial    string    `json:"certificate_serial"` // lower-case hex, as llavero writes serials
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// Timestamp describes a verified (or rejected) signature timestamp.
type Timestamp struct {
	Time   time.Time `json:"time"`
	TSA    string    `json:"tsa"`
	Serial string    `json:"serial,omitempty"`
	Valid  bool      `json:"valid"`
}

// Signature is the report on one signature (a SignerInfo, a PDF
// signature dictionary, a countersignature).
type Signature struct {
	ID string `json:"id"` // "S1", "S2", "S1.C1" for S1's first countersignature
	// Format is the format and the level reached, e.g. "CAdES-B-T",
	// "PAdES-B-B", or "CMS" for a signature without the CAdES attributes.
	Format string `json:"format"`
	// CounterSignatureOf names the signature this one countersigns.
	CounterSignatureOf string        `json:"countersignature_of,omitempty"`
	Indication         Indication    `json:"indication"`
	SubIndication      SubIndication `json:"sub_indication,omitempty"`
	Signer             *Signer       `json:"signer,omitempty"`
	// SigningTime is the best signing time known: the timestamp's when one
	// proves it, otherwise the time the signer claims.
	SigningTime *time.Time `json:"signing_time,omitempty"`
	// SigningTimeProven tells whether a valid timestamp proves it.
	SigningTimeProven  bool       `json:"signing_time_proven"`
	ClaimedSigningTime *time.Time `json:"claimed_signing_time,omitempty"`
	Timestamp          *Timestamp `json:"timestamp,omitempty"`
	DigestAlgorithm    string     `json:"digest_algorithm,omitempty"`
	Checks             []Check    `json:"checks"`
}

// Report is the result of validating one signed file.
type Report struct {
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Format is what the file was taken for: "CAdES", "PAdES", "XAdES".
	Format      string      `json:"format"`
	ValidatedAt time.Time   `json:"validated_at"`
	Signatures  []Signature `json:"signatures"`
	// Checks are those about the file as a whole (its format).
	Checks []Check `json:"checks"`
}

// add records a check.
func (s *Signature) add(code string, outcome Indication, sub SubIndication, t i18n.Text, detail string) {
	s.Checks = append(s.Checks, Check{Code: code, Outcome: outcome, SubIndication: sub, Text: text(t), Detail: detail})
}

func (s *Signature) pass(code string, t i18n.Text) { s.add(code, Passed, "", t, "") }
func (s *Signature) info(code string, t i18n.Text) { s.add(code, Info, "", t, "") }
func (s *Signature) fail(code string, sub SubIndication, t i18n.Text, detail string) {
	s.add(code, Failed, sub, t, detail)
}
func (s *Signature) indeterminate(code string, sub SubIndication, t i18n.Text, detail string) {
	s.add(code, Indeterminate, sub, t, detail)
}

// conclude sets the signature's verdict from its checks: the first failed
// check decides; without one, the first indeterminate one; otherwise it
// passed. Checks are recorded in the order of EN 319 102-1's building
// blocks, so the first is also the most fundamental.
func (s *Signature) conclude() {
	s.Indication, s.SubIndication = verdict(s.Checks)
}

func verdict(checks []Check) (Indication, SubIndication) {
	for _, c := range checks {
		if c.Outcome == Failed {
			return Failed, c.SubIndication
		}
	}
	for _, c := range checks {
		if c.Outcome == Indeterminate {
			return Indeterminate, c.SubIndication
		}
	}
	return Passed, ""
}

// conclude sets the report's verdict: FAILED if any signature failed (or
// the file could not be read), otherwise INDETERMINATE if any is, or if
// there is no signature at all; PASSED only when every signature passed.
func (r *Report) conclude() {
	if ind, sub := verdict(r.Checks); ind != Passed {
		r.Indication, r.SubIndication = ind, sub
		return
	}
	if len(r.Signatures) == 0 {
		r.Indication, r.SubIndication = Indeterminate, SignedDataNotFound
		return
	}
	r.Indication, r.SubIndication = Passed, ""
	for _, s := range r.Signatures {
		if s.Indication == Failed {
			r.Indication, r.SubIndication = Failed, s.SubIndication
			return
		}
	}
	for _, s := range r.Signatures {
		if s.Indication == Indeterminate {
			r.Indication, r.SubIndication = Indeterminate, s.SubIndication
			return
		}
	}
}

// ExitCode is what `llavero verify` exits with: 0 only for PASSED, 1 for
// FAILED, 2 for INDETERMINATE.
func (r *Report) ExitCode() int {
	switch r.Indication {
	case Passed:
		return 0
	case Failed:
		return 1
	}
	return 2
}

var indicationTexts = map[Indication]i18n.Text{
	Passed:        i18n.T("VÁLIDA", "VALID"),
	Failed:        i18n.T("NO VÁLIDA", "NOT VALID"),
	Indeterminate: i18n.T("NO SE PUEDE DETERMINAR", "CANNOT BE DETERMINED"),
	Info:          i18n.T("información", "information"),
}

// subTexts explain each sub-indication to a person, with what they can do.
var subTexts = map[SubIndication]i18n.Text{
	FormatFailure: i18n.T("El archivo no es una firma que se pueda leer o está dañado.",
		"The file is not a readable signature, or it is damaged."),
	HashFailure: i18n.T("El documento ha cambiado después de firmarse.",
		"The document has changed since it was signed."),
	SigCryptoFailure: i18n.T("La firma no corresponde al certificado: está dañada o manipulada.",
		"The signature does not match the certificate: it is damaged or has been tampered with."),
	Revoked: i18n.T("El certificado del firmante estaba revocado cuando se firmó.",
		"The signer's certificate was revoked when the document was signed."),
	RevokedNoPOE: i18n.T("El certificado está revocado y nada prueba que se firmara antes de la revocación.",
		"The certificate is revoked and nothing proves the document was signed before the revocation."),
	SigConstraintsFailure: i18n.T("La firma usa un algoritmo que ya no se considera seguro (por ejemplo SHA-1).",
		"The signature uses an algorithm no longer considered safe (SHA-1, for example)."),
	ChainConstraintsFailure: i18n.T("El certificado no sirve para firmar documentos.",
		"The certificate is not meant for signing documents."),
	CertificateChainGeneralFailure: i18n.T("No se ha podido comprobar la cadena de certificados.",
		"The certificate chain could not be checked."),
	NoCertificateChainFound: i18n.T("El certificado no procede de una autoridad de confianza.",
		"The certificate does not come from a trusted authority."),
	NoSigningCertificateFound: i18n.T("La firma no identifica bien su certificado.",
		"The signature does not properly identify its certificate."),
	OutOfBoundsNoPOE: i18n.T("El certificado no estaba vigente en la fecha de firma, o nada prueba que lo estuviera.",
		"The certificate was not valid at the signing time, or nothing proves it was."),
	NoPOE: i18n.T("El sello de tiempo de la firma no es válido: la fecha de firma no está probada.",
		"The signature's timestamp is not valid: the signing time is not proven."),
	TryLater: i18n.T("No se ha podido saber si el certificado estaba revocado.",
		"It could not be established whether the certificate was revoked."),
	SignedDataNotFound: i18n.T("Falta el documento firmado, o el archivo no contiene ninguna firma.",
		"The signed document is missing, or the file holds no signature."),
}

// Explain returns a person's explanation of a sub-indication.
func Explain(sub SubIndication) Text { return text(subTexts[sub]) }

// WriteText prints the report for a person, in lang.
func (r *Report) WriteText(w io.Writer, lang i18n.Lang) error {
	var b strings.Builder
	tr := func(es, en string) string { return i18n.T(es, en).In(lang) }
	fmt.Fprintf(&b, "%s: %s", tr("Resultado", "Result"), indicationTexts[r.Indication].In(lang))
	fmt.Fprintf(&b, " (%s", r.Indication)
	if r.SubIndication != "" {
		fmt.Fprintf(&b, " / %s", r.SubIndication)
	}
	b.WriteString(")\n")
	if r.SubIndication != "" {
		fmt.Fprintf(&b, "  %s\n", subTexts[r.SubIndication].In(lang))
	}
	fmt.Fprintf(&b, "%s: %s\n", tr("Formato", "Format"), r.Format)
	for _, c := range r.Checks {
		writeCheck(&b, c, lang, "  ")
	}
	for _, s := range r.Signatures {
		fmt.Fprintf(&b, "\n%s %s (%s): %s", tr("Firma", "Signature"), s.ID, s.Format, indicationTexts[s.Indication].In(lang))
		if s.SubIndication != "" {
			fmt.Fprintf(&b, " [%s]", s.SubIndication)
		}
		b.WriteString("\n")
		if s.CounterSignatureOf != "" {
			fmt.Fprintf(&b, "  %s %s\n", tr("Contrafirma de", "Countersignature of"), s.CounterSignatureOf)
		}
		if s.Signer != nil {
			fmt.Fprintf(&b, "  %s: %s", tr("Firmante", "Signer"), s.Signer.Name)
			if s.Signer.ID != "" {
				fmt.Fprintf(&b, " (%s)", s.Signer.ID)
			}
			fmt.Fprintf(&b, "\n  %s: %s, %s %s\n", tr("Certificado", "Certificate"), s.Signer.Serial, tr("emitido por", "issued by"), s.Signer.Issuer)
		}
		if s.SigningTime != nil {
			proof := tr("declarada por el firmante, sin probar", "claimed by the signer, not proven")
			if s.SigningTimeProven {
				proof = tr("probada por un sello de tiempo", "proven by a timestamp")
			}
			fmt.Fprintf(&b, "  %s: %s (%s)\n", tr("Fecha de firma", "Signing time"), s.SigningTime.UTC().Format(time.RFC3339), proof)
		}
		for _, c := range s.Checks {
			writeCheck(&b, c, lang, "    ")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCheck(b *strings.Builder, c Check, lang i18n.Lang, indent string) {
	mark := map[Indication]string{Passed: "[ok]", Failed: "[X]", Indeterminate: "[?]", Info: "[i]"}[c.Outcome]
	fmt.Fprintf(b, "%s%s %s", indent, mark, c.Text.In(lang))
	if c.SubIndication != "" {
		fmt.Fprintf(b, " [%s]", c.SubIndication)
	}
	b.WriteString("\n")
}
