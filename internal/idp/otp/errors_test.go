package otp

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

// templates lists every exported error template of the package.
// TestEveryExportedErrorIsListed fails when a new one is not added here, so
// the bilingual check cannot be skipped by forgetting it.
var templates = map[string]*i18n.Error{
	"ErrFormat":       ErrFormat,
	"ErrLetterFormat": ErrLetterFormat,
	"ErrWrong":        ErrWrong,
	"ErrExpired":      ErrExpired,
	"ErrUsed":         ErrUsed,
	"ErrLocked":       ErrLocked,
	"ErrRateLimited":  ErrRateLimited,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
}

var codeShape = regexp.MustCompile(`^otp\.[a-z_]+$`)

func TestEveryErrorTemplateIsBilingualWithAStableCode(t *testing.T) {
	seen := map[string]string{}
	for name, e := range templates {
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q is not otp.name", name, e.Code)
		}
		if other, dup := seen[e.Code]; dup {
			t.Errorf("%s and %s share the code %q", name, other, e.Code)
		}
		seen[e.Code] = name
		checkTexts(t, name, e)
		if e.Cause != nil {
			t.Errorf("%s: a template must not carry a cause", name)
		}
	}
	for _, code := range []string{"otp.format", "otp.wrong", "otp.expired", "otp.used", "otp.locked", "otp.rate_limited"} {
		if seen[code] == "" {
			t.Errorf("no template has the code %s", code)
		}
	}
}

// The messages about tries never give a number a guesser could use.
func TestMessagesRevealNoCounts(t *testing.T) {
	for _, e := range []*i18n.Error{ErrWrong, ErrLocked} {
		for _, s := range []string{e.Msg.ES, e.Msg.EN, e.Next.ES, e.Next.EN} {
			if strings.ContainsAny(s, "0123456789") {
				t.Errorf("%s: %q gives a number", e.Code, s)
			}
		}
	}
	if !strings.Contains(ErrWrong.Next.EN, "a few") || !strings.Contains(ErrWrong.Next.ES, "unos pocos") {
		t.Error("otp.wrong should warn that only a few tries are allowed")
	}
}

func TestExpiredNamesTheValidityAndTheWayOut(t *testing.T) {
	if PINValidity != 10*time.Minute {
		t.Fatalf("PINValidity is %v, and the messages say 10 minutes", PINValidity)
	}
	for _, s := range []string{ErrExpired.Msg.ES, ErrExpired.Msg.EN} {
		if !strings.Contains(s, "10 minut") {
			t.Errorf("otp.expired does not say codes last 10 minutes: %q", s)
		}
	}
	if !strings.Contains(ErrExpired.Next.EN, "new code") || !strings.Contains(ErrExpired.Next.ES, "código nuevo") {
		t.Errorf("otp.expired does not say how to get a new code: %+v", ErrExpired.Next)
	}
}

func TestRateLimitedFor(t *testing.T) {
	for _, tc := range []struct {
		wait   time.Duration
		es, en string
	}{
		{0, "dentro de unos minutos", "in a few minutes"},
		{90 * time.Second, "dentro de unos minutos", "in a few minutes"},
		{5 * time.Minute, "dentro de unos minutos", "in a few minutes"},
		{5*time.Minute + time.Second, "unos 10 minutos", "about 10 minutes"},
		{17 * time.Minute, "unos 20 minutos", "about 20 minutes"},
		{50 * time.Minute, "unos 50 minutos", "about 50 minutes"},
		{time.Hour, "dentro de una hora", "in an hour"},
		{3*time.Hour + 10*time.Minute, "unas 3 horas", "about 3 hours"},
		{24 * time.Hour, "mañana", "tomorrow"},
	} {
		e := RateLimitedFor(tc.wait)
		checkTexts(t, tc.wait.String(), e)
		if !errors.Is(e, ErrRateLimited) || e == ErrRateLimited {
			t.Errorf("%v: not a copy of ErrRateLimited", tc.wait)
		}
		if !strings.Contains(e.Next.ES, tc.es) || !strings.Contains(e.Next.EN, tc.en) {
			t.Errorf("%v: next step %+v, want %q / %q", tc.wait, e.Next, tc.es, tc.en)
		}
	}
}

func TestReturnedErrorsAreCopies(t *testing.T) {
	_, err := ParsePIN("12")
	e, _ := i18n.As(err)
	e.Cause = errors.New("set by a caller")
	e.Msg.EN = "changed by a caller"
	if ErrFormat.Cause != nil || ErrFormat.Msg.EN == "changed by a caller" {
		t.Fatal("changing a returned error changed the template")
	}
}

// checkTexts fails when a message or next step is missing in a language,
// untranslated, or shows a formatting slip.
func checkTexts(t *testing.T, what string, e *i18n.Error) {
	t.Helper()
	for _, p := range []struct {
		part string
		txt  i18n.Text
	}{{"Msg", e.Msg}, {"Next", e.Next}} {
		if strings.TrimSpace(p.txt.ES) == "" || strings.TrimSpace(p.txt.EN) == "" {
			t.Errorf("%s (%s): %s is missing a language: %+v", what, e.Code, p.part, p.txt)
		}
		if p.txt.ES == p.txt.EN {
			t.Errorf("%s (%s): %s is the same in both languages: %q", what, e.Code, p.part, p.txt.ES)
		}
		for _, s := range []string{p.txt.ES, p.txt.EN} {
			if strings.Contains(s, "%!") || strings.Contains(s, "  ") {
				t.Errorf("%s (%s): %s has a formatting slip: %q", what, e.Code, p.part, s)
			}
		}
	}
}

// wantTemplateCopy checks that err is a complete *i18n.Error that matches
// its template with errors.Is without being the template itself.
func wantTemplateCopy(t *testing.T, err error) *i18n.Error {
	t.Helper()
	e, ok := i18n.As(err)
	if !ok {
		t.Fatalf("%v is not an *i18n.Error", err)
	}
	checkTexts(t, e.Code, e)
	found := false
	for _, tmpl := range templates {
		if tmpl.Code == e.Code {
			found = true
			if !errors.Is(err, tmpl) || tmpl == e {
				t.Errorf("%s: not a copy of its template", e.Code)
			}
		}
	}
	if !found {
		t.Errorf("%s: no template has this code", e.Code)
	}
	return e
}

func codeOf(err error) string { return i18n.CodeOf(err) }
