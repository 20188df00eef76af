package loa

import (
	"slices"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	cases := []struct {
		l    Login
		want string
	}{
		{Login{Method: MethodPIN}, Low},
		{Login{Method: MethodPIN, Advanced: true}, Substantial},
		{Login{Method: MethodPassword, Advanced: true}, Low},
		{Login{Method: MethodPasswordOTP}, Low},
		{Login{Method: MethodPasswordOTP, Advanced: true}, Substantial},
		{Login{Method: MethodApp, Advanced: true}, Substantial},
		{Login{Method: MethodApp}, Low},
		{Login{Method: MethodCertificate}, Substantial},
		{Login{Method: MethodCertificate, HardwareToken: true}, High},
		{Login{Method: "magic"}, ""},
	}
	for _, tc := range cases {
		if got := Of(tc.l); got != tc.want {
			t.Errorf("Of(%+v) = %q, want %q", tc.l, got, tc.want)
		}
		if tc.want != "" && len(AMR(tc.l)) == 0 {
			t.Errorf("AMR(%+v) empty", tc.l)
		}
	}
	if !slices.Contains(AMR(Login{Method: MethodPasswordOTP}), "mfa") || slices.Contains(AMR(Login{Method: MethodPassword}), "mfa") {
		t.Error("mfa only for two factors")
	}
}

func TestMeetsAndURIs(t *testing.T) {
	cases := []struct {
		have, need string
		ok         bool
	}{
		{Low, "", true}, {"", "", false}, {Low, Low, true}, {Low, Substantial, false},
		{Substantial, Low, true}, {High, Substantial, true}, {Substantial, High, false}, {Substantial, "bogus", false},
	}
	for _, tc := range cases {
		if Meets(tc.have, tc.need) != tc.ok {
			t.Errorf("Meets(%q, %q) != %v", tc.have, tc.need, tc.ok)
		}
	}
	for _, l := range []string{Low, Substantial, High} {
		if got, ok := FromURI(URI(l)); !ok || got != l {
			t.Errorf("FromURI(URI(%s)) = %q %v", l, got, ok)
		}
		if got, ok := FromURI(l); !ok || got != l {
			t.Errorf("FromURI(%s) = %q %v", l, got, ok)
		}
	}
	for _, bad := range []string{"", URIPrefix, URIPrefix + "medium", "http://example.org/LoA/low"} {
		if _, ok := FromURI(bad); ok {
			t.Errorf("FromURI(%q) accepted", bad)
		}
	}
}

func TestWaysUp(t *testing.T) {
	cases := []struct {
		name string
		s    Standing
		need string
		want []string // words each way must contain, in order (English)
	}{
		{"basic, no certificate, NIE", Standing{HasAccount: true}, Substantial, []string{"Get your certificate", "office"}},
		{"basic, DNI holder", Standing{HasAccount: true, IsDNIHolder: true}, Substantial, []string{"Get your certificate", "office", "video identification"}},
		{"basic, video pending", Standing{HasAccount: true, IsDNIHolder: true, VideoPending: true}, Substantial, []string{"Get your certificate", "office", "waiting for review"}},
		{"basic with certificate", Standing{HasAccount: true, HasCertificate: true}, Substantial, []string{"certificate", "office"}},
		{"advanced, password only used", Standing{HasAccount: true, Advanced: true, HasPassword: true, HasDevice: true}, Substantial, []string{"password and the code", "PIN", "app"}},
		{"high", Standing{Advanced: true, HasCertificate: true}, High, []string{"smart card"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ways := WaysUp(tc.s, tc.need)
			if len(ways) != len(tc.want) {
				t.Fatalf("got %d ways, want %d: %+v", len(ways), len(tc.want), ways)
			}
			for i, w := range ways {
				if w.ES == "" || w.EN == "" {
					t.Fatalf("way %d not bilingual", i)
				}
				if !strings.Contains(w.EN, tc.want[i]) {
					t.Errorf("way %d = %q, want it to mention %q", i, w.EN, tc.want[i])
				}
			}
		})
	}
}
