package pades

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/llavero/llavero/internal/signing"
)

var (
	oidGivenName = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidSurname   = asn1.ObjectIdentifier{2, 5, 4, 4}
)

// signerIdentity reads the name and the identifier (DNI, NIE) a person is
// known by from their certificate: givenName and surname, and the
// serialNumber attribute without its ETSI EN 319 412-1 prefix
// ("IDCES-12345678Z"); the common name when those are missing.
func signerIdentity(cred signing.Credential) (name, id string) {
	subj := cred.Certificate.Subject
	var given, surname string
	for _, a := range subj.Names {
		s, _ := a.Value.(string)
		switch {
		case a.Type.Equal(oidGivenName):
			given = s
		case a.Type.Equal(oidSurname):
			surname = s
		}
	}
	id = subj.SerialNumber
	if len(id) > 6 && id[5] == '-' {
		id = id[6:]
	}
	name = strings.TrimSpace(given + " " + surname)
	if name == "" {
		name = subj.CommonName
		if id != "" {
			name = strings.TrimSuffix(name, " - "+id)
		}
	}
	return name, id
}

// appearance is the content stream of a w x h signature box: a thin frame
// and the lines in Helvetica, sized to fit the widest line and all the
// lines in the box.
func appearance(w, h float64, lines []string) []byte {
	const (
		charWidth = 0.56 // Helvetica's mean advance, in em, generous for capitals
		leading   = 1.25
	)
	longest := 1
	for _, l := range lines {
		longest = max(longest, utf8.RuneCountInString(l))
	}
	size := min(11, (w-4)/(float64(longest)*charWidth), (h-4)/(float64(len(lines))*leading))
	size = max(size, 1)
	var b bytes.Buffer
	fmt.Fprintf(&b, "q 0.5 w 0.3 0.3 0.3 RG 0.25 0.25 %s %s re S Q\n", num(w-0.5), num(h-0.5))
	top := (h + float64(len(lines))*size*leading) / 2
	fmt.Fprintf(&b, "BT /F1 %s Tf 0 g %s TL %s %s Td\n", num(round2(size)), num(round2(size*leading)),
		num(round2(size*0.4+2)), num(round2(top-size)))
	for i, l := range lines {
		if i > 0 {
			b.WriteString("T* ")
		}
		writeWinAnsi(&b, l)
		b.WriteString(" Tj\n")
	}
	b.WriteString("ET")
	return b.Bytes()
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// writeWinAnsi writes s as a literal string in WinAnsiEncoding, the
// encoding of the standard Helvetica font: the Spanish letters (ñ, á, ü)
// are in it; anything else becomes '?'.
func writeWinAnsi(b *bytes.Buffer, s string) {
	b.WriteByte('(')
	for _, r := range s {
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok || c < 0x20 {
			c = '?'
		}
		if c == '(' || c == ')' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte(')')
}
