package server

import (
	"slices"
	"testing"
)

func TestWebAuthnParty(t *testing.T) {
	for _, tc := range []struct {
		url, rpID, origin string
	}{
		{"https://llavero.example.es", "llavero.example.es", "https://llavero.example.es"},
		{"https://llavero.example.es:8443/", "llavero.example.es", "https://llavero.example.es:8443"},
		{"http://localhost:8080", "localhost", "http://localhost:8080"},
		{"http://127.0.0.1:8080", "", ""},
		{"https://[::1]:8443", "", ""},
		{"", "", ""},
	} {
		rp, origins := webAuthnParty(tc.url, nil)
		want := []string{tc.origin}
		if tc.origin == "" {
			want = nil
		}
		if rp != tc.rpID || !slices.Equal(origins, want) {
			t.Errorf("webAuthnParty(%q) = %q, %v; want %q, %v", tc.url, rp, origins, tc.rpID, want)
		}
	}
}
