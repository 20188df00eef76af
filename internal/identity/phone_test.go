package identity

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/llavero/llavero/internal/i18n"
)

func TestParsePhone(t *testing.T) {
	spainOnly := PhoneOptions{}
	foreign := PhoneOptions{AllowForeign: true}
	tests := []struct {
		name   string
		in     string
		opts   PhoneOptions
		e164   string
		region string
		code   string
	}{
		{"international", "+34 612345678", spainOnly, "+34612345678", "ES", ""},
		{"national with spaces", "612 34 56 78", spainOnly, "+34612345678", "ES", ""},
		{"00 international prefix", "0034612345678", spainOnly, "+34612345678", "ES", ""},
		{"brackets and hyphens", "(+34) 612-345-678", spainOnly, "+34612345678", "ES", ""},
		{"dots", "612.345.678", spainOnly, "+34612345678", "ES", ""},
		{"mobile starting with 7", "712 345 678", spainOnly, "+34712345678", "ES", ""},
		{"explicit default region", "612345678", PhoneOptions{DefaultRegion: "es"}, "+34612345678", "ES", ""},
		{"surrounding space", "\t+34 612 345 678 \n", spainOnly, "+34612345678", "ES", ""},

		{"empty", "", spainOnly, "", "", "phone.empty"},
		{"blank", "   ", spainOnly, "", "", "phone.empty"},
		{"landline", "912345678", spainOnly, "", "", "phone.not_mobile"},
		{"landline, international", "+34 912 345 678", spainOnly, "", "", "phone.not_mobile"},
		{"toll-free", "900 123 456", spainOnly, "", "", "phone.not_mobile"},
		{"personal number", "702 345 678", spainOnly, "", "", "phone.not_mobile"},
		{"too short", "61234", spainOnly, "", "", "phone.invalid"},
		{"too long", "6123456789", spainOnly, "", "", "phone.invalid"},
		{"letters", "612 FLOWER", spainOnly, "", "", "phone.invalid"},
		{"extension", "612345678 ext 5", spainOnly, "", "", "phone.invalid"},
		{"only symbols", "+()", spainOnly, "", "", "phone.invalid"},
		{"pasted text", strings.Repeat("6", 41), spainOnly, "", "", "phone.invalid"},
		{"foreign national format read as Spanish", "07700 900123", spainOnly, "", "", "phone.invalid"},

		{"UK mobile refused by default", "+44 7700 900123", spainOnly, "", "", "phone.foreign_not_allowed"},
		{"UK mobile with 00, refused by default", "0044 7400 123456", spainOnly, "", "", "phone.foreign_not_allowed"},
		// 07700 900xxx is Ofcom's range for drama: it never reaches a phone,
		// and libphonenumber rightly calls it invalid.
		{"UK fiction number when foreign allowed", "+44 7700 900123", foreign, "", "", "phone.invalid"},
		{"UK mobile when foreign allowed", "+44 7400 123456", foreign, "+447400123456", "GB", ""},
		{"US number when foreign allowed", "+1 202 555 0143", foreign, "+12025550143", "US", ""},
		{"UK landline when foreign allowed", "+44 20 7946 0958", foreign, "", "", "phone.not_mobile"},
		{"non-geographic when foreign allowed", "+800 1234 5678", foreign, "", "", "phone.not_mobile"},
		{"Spanish mobile when foreign allowed", "612345678", foreign, "+34612345678", "ES", ""},
		{"UK national format with UK region", "07400 123456", PhoneOptions{DefaultRegion: "GB", AllowForeign: true}, "+447400123456", "GB", ""},
		{"UK national format, UK region, Spain only", "07400 123456", PhoneOptions{DefaultRegion: "GB"}, "", "", "phone.foreign_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePhone(tt.in, tt.opts)
			wantCode(t, fmt.Sprintf("ParsePhone(%q, %+v)", tt.in, tt.opts), err, tt.code)
			if p.E164 != tt.e164 || p.Region != tt.region {
				t.Errorf("ParsePhone(%q, %+v) = %+v, want %s %s", tt.in, tt.opts, p, tt.e164, tt.region)
			}
		})
	}
}

func TestPhoneMaskedShowsCountryCodeAndLastTwoDigits(t *testing.T) {
	tests := []struct{ e164, want string }{
		{"+34612345678", "+34 ••• ••• •78"},
		{"+447400123456", "+44 • ••• ••• •56"},
		{"+12025550143", "+1 • ••• ••• •43"},
		{"", ""},
		{"not a number", ""},
	}
	for _, tt := range tests {
		if got := (Phone{E164: tt.e164}).Masked(); got != tt.want {
			t.Errorf("Phone{%q}.Masked() = %q, want %q", tt.e164, got, tt.want)
		}
	}
}

var phoneCodes = map[string]bool{
	"phone.empty": true, "phone.invalid": true, "phone.not_mobile": true, "phone.foreign_not_allowed": true,
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{
		"+34 612345678", "612 34 56 78", "0034612345678", "912345678", "+44 7700 900123",
		"+44 7400 123456", "", "+", "(((", "+800 1234 5678", "٦١٢٣٤٥٦٧٨", "６１２３４５６７８",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, allowForeign bool) {
		opts := PhoneOptions{AllowForeign: allowForeign}
		p, err := ParsePhone(s, opts)
		if err != nil {
			e, ok := i18n.As(err)
			if !ok || !phoneCodes[e.Code] {
				t.Fatalf("ParsePhone(%q): error %v has no phone code", s, err)
			}
			return
		}
		if len(p.E164) < 3 || p.E164[0] != '+' || strings.Trim(p.E164[1:], "0123456789") != "" {
			t.Fatalf("ParsePhone(%q) = %+v: not E.164", s, p)
		}
		if !allowForeign && (!strings.HasPrefix(p.E164, "+34") || p.Region != "ES") {
			t.Fatalf("ParsePhone(%q) = %+v: foreign number accepted", s, p)
		}
		again, err := ParsePhone(p.E164, opts)
		if err != nil || again != p {
			t.Fatalf("ParsePhone(%q) = %+v, but ParsePhone(%q) = %+v, %v", s, p, p.E164, again, err)
		}
		m := p.Masked()
		if !strings.HasSuffix(m, p.E164[len(p.E164)-2:]) || strings.Count(m, "•") < 5 {
			t.Fatalf("Phone%+v.Masked() = %q", p, m)
		}
	})
}

func BenchmarkParsePhone(b *testing.B) {
	for _, in := range []string{"612 34 56 78", "+34612345678", "+44 7400 123456", "912345678"} {
		b.Run(strings.ReplaceAll(in, " ", "_"), func(b *testing.B) {
			opts := PhoneOptions{AllowForeign: true}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParsePhone(in, opts)
			}
		})
	}
}

// TestSpanishMobileFastPathAgrees checks the fast path against the full
// libphonenumber parse over many numbers and spellings.
func TestSpanishMobileFastPathAgrees(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		nsn := fmt.Sprintf("%d%08d", 5+rnd.IntN(5), rnd.IntN(100_000_000))
		for _, in := range []string{nsn, "+34" + nsn, "0034" + nsn, "+34 " + nsn[:3] + " " + nsn[3:6] + " " + nsn[6:], nsn[:3] + "-" + nsn[3:]} {
			fast, ok := spanishMobile(in, "ES")
			if !ok {
				continue
			}
			num, err := phonenumbers.Parse(in, "ES")
			if err != nil {
				t.Fatalf("%q: fast path accepted, libphonenumber: %v", in, err)
			}
			typ := phonenumbers.GetNumberType(num)
			if !phonenumbers.IsValidNumber(num) || typ != phonenumbers.MOBILE {
				t.Fatalf("%q: fast path accepted, libphonenumber says valid=%v type=%v", in, phonenumbers.IsValidNumber(num), typ)
			}
			if slow := phonenumbers.Format(num, phonenumbers.E164); slow != fast {
				t.Fatalf("%q: fast %q, slow %q", in, fast, slow)
			}
		}
	}
}
