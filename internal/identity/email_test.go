package identity

import "testing"

func TestIsEmail(t *testing.T) {
	cases := map[string]bool{
		"olena@example.org":         true,
		"jose.munoz@correo.es":      true,
		"":                          false,
		"not an email":              false,
		"Olena <olena@example.org>": false,
		" olena@example.org":        false,
		"olena@":                    false,
	}
	for in, want := range cases {
		if got := IsEmail(in); got != want {
			t.Errorf("IsEmail(%q) = %v, want %v", in, got, want)
		}
	}
}
