package ca

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
)

// The upper bounds of RFC 5280 Appendix A, in characters.
const (
	ubCommonName   = 64
	ubOrganization = 64
	ubOrgUnit      = 64
	ubSerialNumber = 64
	ubName         = 32768 // givenName, surname
)

// attr is one attribute of a distinguished name. printable marks the
// attributes X.520 types as PrintableString (countryName, serialNumber);
// every other one is written as UTF8String, as RFC 5280 4.1.2.6 asks, so
// that MUÑOZ and JOSÉ are encoded the same way as ASCII names.
type attr struct {
	oid       asn1.ObjectIdentifier
	value     string
	printable bool
}

// encodeName builds the DER of a name in the given order, one attribute per
// RDN. Go's pkix.Name would pick the string type and the order itself.
func encodeName(attrs ...attr) ([]byte, error) {
	seq := make(pkix.RDNSequence, 0, len(attrs))
	for _, a := range attrs {
		tag := asn1.TagUTF8String
		if a.printable {
			tag = asn1.TagPrintableString
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{
			Type:  a.oid,
			Value: asn1.RawValue{Tag: tag, Bytes: []byte(a.value)},
		}})
	}
	return asn1.Marshal(seq)
}

// checkText rejects values that would make a confusing or malformed name:
// empty, too long, invalid UTF-8, control or invisible formatting
// characters, surrounding spaces, or a decomposed form (the RA normalises
// to NFC; a second spelling of the same name would compare unequal).
func checkText(field, s string, maxRunes int) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty", field)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", field)
	case utf8.RuneCountInString(s) > maxRunes:
		return fmt.Errorf("%s is longer than %d characters", field, maxRunes)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%s %q has surrounding spaces", field, s)
	case !norm.NFC.IsNormalString(s):
		return fmt.Errorf("%s %q is not in Unicode NFC form", field, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return fmt.Errorf("%s %q holds a control character (%U)", field, s, r)
		}
	}
	return nil
}

// checkPrintable checks a value for an X.520 PrintableString attribute.
func checkPrintable(field, s string, maxLen int) error {
	if s == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(s) > maxLen {
		return fmt.Errorf("%s is longer than %d characters", field, maxLen)
	}
	for _, r := range s {
		ok := r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(" '()+,-./:=?", r)
		if !ok {
			return fmt.Errorf("%s %q may hold only letters A-Z, digits and ' ()+,-./:=?", field, s)
		}
	}
	return nil
}

// truncateRunes cuts s to at most n characters, dropping a space left at
// the cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n]), " ")
}
