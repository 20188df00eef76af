package i18n

import (
	"errors"
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"es", ES, true}, {"EN", EN, true}, {"en-GB", EN, true}, {"es_ES.UTF-8", ES, true},
		{"en;q=0.8", EN, true}, {"fr", ES, false}, {"", ES, false},
	}
	for _, tc := range cases {
		got, ok := Parse(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestErrorMatchesByCodeAndKeepsCause(t *testing.T) {
	tmpl := New("x.code", T("mal", "bad"), T("haz esto", "do this"))
	cause := errors.New("internal detail")
	err := fmt.Errorf("context: %w", tmpl.Wrap(cause))
	if !errors.Is(err, tmpl) {
		t.Fatal("wrapped copy does not match its template")
	}
	if !errors.Is(err, cause) {
		t.Fatal("cause lost")
	}
	e, ok := As(err)
	if !ok || e.Message(ES) != "mal" || e.Hint(EN) != "do this" || CodeOf(err) != "x.code" {
		t.Fatalf("got %+v", e)
	}
	if tmpl.Cause != nil {
		t.Fatal("Wrap changed the template")
	}
	if errors.Is(err, New("other", Text{}, Text{})) {
		t.Fatal("matched a different code")
	}
	if CodeOf(cause) != "" {
		t.Fatal("plain error has a code")
	}
}

func TestTextFallsBackToSpanish(t *testing.T) {
	tx := Tf("%d días", "%d days", 3)
	if tx.In(EN) != "3 days" || tx.In(ES) != "3 días" || tx.In("fr") != "3 días" {
		t.Fatalf("%+v", tx)
	}
}
