package identity

import (
	"fmt"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
)

func TestMatchSurname(t *testing.T) {
	tests := []struct {
		typed, registered string
		want              SurnameMatch
	}{
		{"García", "García", SurnameEqual},
		{"  garcía   lópez", "GARCÍA LÓPEZ", SurnameEqual},
		{"garci\u0301a", "GARCÍA", SurnameEqual}, // combining accent typed on a Mac
		{"O’Brien", "O'Brien", SurnameEqual},     // typographic apostrophe
		{"MUÑOZ", "muñoz", SurnameEqual},
		{"de la fuente", "De La Fuente", SurnameEqual},
		{"\u00a0Pérez\t", "PÉREZ", SurnameEqual}, // no-break space and tab
		{"", "", SurnameEqual},
		{"STRAẞE", "straße", SurnameEqual}, // capital sharp s
		{"ＧＡＲＣÍＡ", "García", SurnameEqual}, // full width
		{"Smith\u2010Jones", "SMITH-JONES", SurnameEqual},
		{"Gar\u200bcía", "García", SurnameEqual}, // invisible character

		{"Muñoz", "Munoz", SurnameDiffersInAccents},
		{"Munoz", "Muñoz", SurnameDiffersInAccents},
		{"Garcia", "García", SurnameDiffersInAccents},
		{"Martín-Sanz", "Martín Sanz", SurnameDiffersInAccents},
		{"Martin Sanz", "Martín-Sanz", SurnameDiffersInAccents},
		{"OBrien", "O'Brien", SurnameDiffersInAccents},
		{"Delafuente", "De la Fuente", SurnameDiffersInAccents},
		{"Odegaard", "Ødegaard", SurnameDiffersInAccents},
		{"Strasse", "Straße", SurnameDiffersInAccents},
		{"Bartomeu", "Bartomeú", SurnameDiffersInAccents},
		{"Gonçalves", "Goncalves", SurnameDiffersInAccents},

		{"Pérez", "Gómez", SurnameDifferent},
		{"García", "García López", SurnameDifferent},
		{"Lopez", "López-García", SurnameDifferent},
		{"", "García", SurnameDifferent},
		{"Garcia.", "García", SurnameDifferent},
	}
	for _, tt := range tests {
		if got := MatchSurname(tt.typed, tt.registered); got != tt.want {
			t.Errorf("MatchSurname(%q, %q) = %v, want %v", tt.typed, tt.registered, got, tt.want)
		}
		if got := MatchSurname(tt.registered, tt.typed); got != tt.want {
			t.Errorf("MatchSurname(%q, %q) = %v, want %v (arguments swapped)", tt.registered, tt.typed, got, tt.want)
		}
	}
}

func TestCheckSurnameNeverRevealsTheRegisteredSurname(t *testing.T) {
	tests := []struct {
		typed, registered, code string
	}{
		{"  garcía   lópez", "GARCÍA LÓPEZ", ""},
		{"Munoz", "Muñoz", "surname.accents"},
		{"Martín Sanz", "Martín-Sanz", "surname.accents"},
		{"Pérez", "Gómez", "surname.mismatch"},
		{"   ", "Gómez", "surname.empty"},
		{"", "", "surname.empty"},
	}
	for _, tt := range tests {
		err := CheckSurname(tt.typed, tt.registered)
		e := wantCode(t, fmt.Sprintf("CheckSurname(%q, %q)", tt.typed, tt.registered), err, tt.code)
		if e == nil {
			continue
		}
		// The texts are fixed, so they cannot carry the registered value.
		for _, tmpl := range []*i18n.Error{ErrSurnameAccents, ErrSurnameMismatch, ErrSurnameEmpty} {
			if tmpl.Code == e.Code && (tmpl.Msg != e.Msg || tmpl.Next != e.Next) {
				t.Errorf("CheckSurname(%q, %q): texts differ from the template", tt.typed, tt.registered)
			}
		}
		for _, s := range []string{e.Msg.ES, e.Msg.EN, e.Next.ES, e.Next.EN} {
			if tt.registered != "" && strings.Contains(strings.ToLower(s), strings.ToLower(tt.registered)) {
				t.Errorf("CheckSurname(%q, %q): %q reveals the registered surname", tt.typed, tt.registered, s)
			}
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{"  María   José ", "María José", ""},
		{"Mari\u0301a", "María", ""}, // decomposed accent becomes one character
		{"Martín-Sanz", "Martín-Sanz", ""},
		{"O'Brien", "O'Brien", ""},
		{"O’Brien", "O’Brien", ""},
		{"Mª José", "Mª José", ""},
		{"J. R.", "J. R.", ""},
		{"Łukasz Żółć", "Łukasz Żółć", ""},
		{"Nguyễn Thị", "Nguyễn Thị", ""},
		{"Ødegaard", "Ødegaard", ""},
		{"Müller\u200b", "Müller", ""},          // invisible character from a copied page
		{"Smith\u2010Jones", "Smith-Jones", ""}, // Unicode hyphen
		{"ＡＮＡ", "ANA", ""},                      // full width
		{"\tAna\nBelén\u00a0", "Ana Belén", ""},
		{strings.Repeat("a", 80), strings.Repeat("a", 80), ""},
		{strings.Repeat("ñ", 80), strings.Repeat("ñ", 80), ""}, // 80 characters, 160 bytes

		{"", "", "name.empty"},
		{"   \t ", "", "name.empty"},
		{"\u200b", "", "name.empty"},
		{"Ana2", "", "name.chars"},
		{"Ana_María", "", "name.chars"},
		{"Анна", "", "name.chars"}, // Cyrillic
		{"李", "", "name.chars"},    // Han
		{"Ana, María", "", "name.chars"},
		{"Ana – María", "", "name.chars"}, // en dash is not a hyphen
		{"-", "", "name.chars"},
		{"' .", "", "name.chars"},
		{"\u0301Ana", "", "name.chars"},  // accent with nothing under it
		{"Ana\ufe0f", "", "name.chars"},  // variation selector is not an accent
		{"Ana\u034f", "", "name.chars"},  // invisible grapheme joiner
		{"Ana-\u0301", "", "name.chars"}, // accent on a hyphen
		{strings.Repeat("a", 81), "", "name.length"},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		e := wantCode(t, fmt.Sprintf("NormalizeName(%q)", tt.in), err, tt.code)
		if got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.code == "" {
			if again, err := NormalizeName(got); err != nil || again != got {
				t.Errorf("NormalizeName(%q) = %q, %v: not stable", got, again, err)
			}
		}
		if e != nil && tt.code == "name.length" && !strings.Contains(e.Msg.EN, "81 characters") {
			t.Errorf("NormalizeName: length message %q should give the count", e.Msg.EN)
		}
	}
}

func FuzzMatchSurname(f *testing.F) {
	for _, p := range [][2]string{
		{"Muñoz", "Munoz"}, {"  garcía   lópez", "GARCÍA LÓPEZ"}, {"Pérez", "Gómez"},
		{"Martín-Sanz", "Martín Sanz"}, {"O’Brien", "O'Brien"}, {"", ""}, {"\xff", "\xfe"},
		{"garci\u0301a", "García"}, {"STRAẞE", "straße"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got := MatchSurname(a, a); got != SurnameEqual {
			t.Fatalf("MatchSurname(%q, itself) = %v", a, got)
		}
		if got := MatchSurname("  "+a+"\t", a); got != SurnameEqual {
			t.Fatalf("MatchSurname(%q) changes with surrounding spaces: %v", a, got)
		}
		ab, ba := MatchSurname(a, b), MatchSurname(b, a)
		if ab != ba {
			t.Fatalf("MatchSurname(%q, %q) = %v but swapped = %v", a, b, ab, ba)
		}
		err := CheckSurname(a, b)
		switch {
		case strings.TrimSpace(a) == "" && err == nil:
			t.Fatalf("CheckSurname(%q, %q) accepted a blank surname", a, b)
		case err == nil && ab != SurnameEqual:
			t.Fatalf("CheckSurname(%q, %q) = nil but MatchSurname = %v", a, b, ab)
		case err != nil:
			if _, ok := i18n.As(err); !ok {
				t.Fatalf("CheckSurname(%q, %q) = %v: not an *i18n.Error", a, b, err)
			}
		}
		// A name that NormalizeName accepts matches itself in any case.
		if n, err := NormalizeName(a); err == nil {
			if got := MatchSurname(strings.ToUpper(n), n); got != SurnameEqual {
				t.Fatalf("MatchSurname(upper(%q), %q) = %v", n, n, got)
			}
		}
	})
}
