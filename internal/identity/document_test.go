package identity

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		code string
	}{
		{"2031-05-24", time.Date(2031, 5, 24, 0, 0, 0, 0, time.UTC), ""},
		{" 2024-02-29 ", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), ""}, // leap day
		{"1950-01-01", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), ""},

		{"", time.Time{}, "date.invalid"},
		{"2023-02-29", time.Time{}, "date.invalid"}, // not a leap year
		{"2031-13-01", time.Time{}, "date.invalid"},
		{"2031-04-31", time.Time{}, "date.invalid"},
		{"2031-5-24", time.Time{}, "date.invalid"},
		{"24/05/2031", time.Time{}, "date.invalid"},
		{"2031-05-24T10:00:00Z", time.Time{}, "date.invalid"},
		{"20310524", time.Time{}, "date.invalid"},
		{"31-05-24", time.Time{}, "date.invalid"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		wantCode(t, fmt.Sprintf("ParseDate(%q)", tt.in), err, tt.code)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, want %v UTC", tt.in, got, tt.want)
		}
	}
}

func TestParseDocType(t *testing.T) {
	tests := []struct {
		in   string
		want DocType
		code string
	}{
		{"DNI", DocDNI, ""},
		{"dni", DocDNI, ""},
		{" tie ", DocTIE, ""},
		{"EU_CERTIFICATE", DocEUCertificate, ""},
		{"EU-CERTIFICATE", DocEUCertificate, ""},
		{"eu certificate", DocEUCertificate, ""},
		{"Eu  Certificate", DocEUCertificate, ""},
		{"passport", DocPassport, ""},
		{"", "", "document.type"},
		{"NIE", "", "document.type"},
		{"EUCERTIFICATE", "", "document.type"},
		{"driving licence", "", "document.type"},
	}
	for _, tt := range tests {
		got, err := ParseDocType(tt.in)
		wantCode(t, fmt.Sprintf("ParseDocType(%q)", tt.in), err, tt.code)
		if got != tt.want {
			t.Errorf("ParseDocType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDocumentNumber(t *testing.T) {
	tests := []struct {
		t     DocType
		in    string
		want  string
		code  string
		cause error
	}{
		{DocDNI, "12.345.678-z", "12345678Z", "", nil},
		{DocTIE, "x-1234567-l", "X1234567L", "", nil},
		{DocEUCertificate, "Y1234567X", "Y1234567X", "", nil},
		{DocPassport, "paa 123456", "PAA123456", "", nil},

		{DocDNI, "12345678A", "", "document.number", ErrControlLetter},
		{DocDNI, "X1234567L", "", "document.number", nil},
		{DocTIE, "12345678Z", "", "document.number", nil},
		{DocEUCertificate, "12345678Z", "", "document.number", nil},
		{DocTIE, "PAA123456", "", "document.number", ErrIDPassport},
		{DocTIE, "", "", "document.number", ErrIDEmpty},
		{DocPassport, "P#1", "", "document.number", ErrPassportNumber},
		{DocPassport, "", "", "document.number", ErrPassportNumber},
		{DocType("DRIVING"), "12345678Z", "", "document.type", nil},
	}
	for _, tt := range tests {
		what := fmt.Sprintf("ParseDocumentNumber(%s, %q)", tt.t, tt.in)
		got, err := ParseDocumentNumber(tt.t, tt.in)
		e := wantCode(t, what, err, tt.code)
		if got != tt.want {
			t.Errorf("%s = %q, want %q", what, got, tt.want)
		}
		if tt.cause == nil || e == nil {
			continue
		}
		if !errors.Is(err, tt.cause) {
			t.Errorf("%s: errors.Is(err, %v) is false", what, tt.cause)
		}
		// The precise reason reaches the person, not just "not valid".
		inner, ok := i18n.As(errors.Unwrap(e))
		if !ok {
			t.Errorf("%s: cause %v is not an *i18n.Error", what, errors.Unwrap(e))
			continue
		}
		if !strings.HasSuffix(e.Msg.EN, inner.Msg.EN) || !strings.HasSuffix(e.Msg.ES, inner.Msg.ES) || e.Next != inner.Next {
			t.Errorf("%s: %+v does not carry the precise reason %+v", what, e, inner)
		}
	}
}

func TestDocumentIsValidThroughItsExpiryDay(t *testing.T) {
	expiry, err := ParseDate("2026-03-15")
	if err != nil {
		t.Fatal(err)
	}
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	doc := Document{Type: DocTIE, Number: "X1234567L", Expiry: expiry}
	tests := []struct {
		name string
		on   time.Time
		code string
	}{
		{"a year before", time.Date(2025, 3, 15, 12, 0, 0, 0, time.UTC), ""},
		{"the day before", time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC), ""},
		{"start of the expiry day", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), ""},
		{"end of the expiry day", time.Date(2026, 3, 15, 23, 59, 59, 999999999, time.UTC), ""},
		{"end of the expiry day in Madrid", time.Date(2026, 3, 15, 23, 59, 0, 0, madrid), ""},
		{"start of the day after", time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC), "document.expired"},
		// 00:30 in Madrid is still the 15th in UTC: the office's day counts.
		{"just after midnight in Madrid", time.Date(2026, 3, 16, 0, 30, 0, 0, madrid), "document.expired"},
		{"years later", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "document.expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantCode(t, "CheckValid", doc.CheckValid(tt.on), tt.code)
			if e != nil && (!strings.Contains(e.Msg.EN, "2026-03-15") || !strings.Contains(e.Msg.ES, "2026-03-15")) {
				t.Errorf("expired message should name the expiry date: %+v", e.Msg)
			}
		})
	}
}

func TestExpiredDocumentSaysWhereToRenewIt(t *testing.T) {
	on := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	expiry := time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		t       DocType
		where   string
		dondeES string
	}{
		{DocDNI, "Police station", "comisaría"},
		{DocTIE, "Police station", "comisaría"},
		{DocEUCertificate, "Police station", "comisaría"},
		{DocPassport, "consulate", "consulado"},
	}
	for _, tt := range tests {
		err := Document{Type: tt.t, Expiry: expiry}.CheckValid(on)
		e := wantCode(t, string(tt.t), err, "document.expired")
		if e == nil {
			continue
		}
		if !strings.HasPrefix(e.Next.EN, "Renew your document first") || !strings.Contains(e.Next.EN, tt.where) {
			t.Errorf("%s: next step %q should say to renew first, at a %s", tt.t, e.Next.EN, tt.where)
		}
		if !strings.HasPrefix(e.Next.ES, "Primero renueva tu documento") || !strings.Contains(e.Next.ES, tt.dondeES) {
			t.Errorf("%s: Spanish next step %q", tt.t, e.Next.ES)
		}
	}
	wantCode(t, "zero expiry", Document{Type: DocDNI}.CheckValid(on), "document.no_expiry")
}

func TestParseSupportNumber(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{"ABC123456", "ABC123456", ""},
		{"abc 123 456", "ABC123456", ""},
		{"E12345678", "E12345678", ""},
		{"e-1234567-8", "E12345678", ""},
		{"C01234", "C01234", ""},
		{"", "", "support.invalid"},
		{"E1234", "", "support.invalid"},
		{"ABC1234567890", "", "support.invalid"},
		{"ABC12345#", "", "support.invalid"},
		{"12345678Z", "", "support.id_number"},
		{"x-1234567-l", "", "support.id_number"},
	}
	for _, tt := range tests {
		got, err := ParseSupportNumber(tt.in)
		wantCode(t, fmt.Sprintf("ParseSupportNumber(%q)", tt.in), err, tt.code)
		if got != tt.want {
			t.Errorf("ParseSupportNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckIDMatchesDocument(t *testing.T) {
	dni := ID{Kind: KindDNI, Value: "12345678Z"}
	nie := ID{Kind: KindNIE, Value: "X1234567L"}
	tests := []struct {
		id   ID
		t    DocType
		code string
	}{
		{dni, DocDNI, ""},
		{nie, DocTIE, ""},
		{nie, DocEUCertificate, ""},
		{dni, DocPassport, ""},
		{nie, DocPassport, ""},
		{nie, DocDNI, "document.id_mismatch"},
		{dni, DocTIE, "document.id_mismatch"},
		{dni, DocEUCertificate, "document.id_mismatch"},
		{ID{}, DocPassport, "document.id_mismatch"},
		{ID{}, DocDNI, "document.id_mismatch"},
		{dni, DocType("VISA"), "document.type"},
	}
	for _, tt := range tests {
		wantCode(t, fmt.Sprintf("CheckIDMatchesDocument(%v, %s)", tt.id, tt.t), CheckIDMatchesDocument(tt.id, tt.t), tt.code)
	}
}
