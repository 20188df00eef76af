package identity

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

// templates lists every exported error of the package. TestEveryExportedErrorIsListed
// fails when a new Err* variable is not added here, so the bilingual check
// below cannot be skipped by forgetting it.
var templates = map[string]*i18n.Error{
	"ErrIDEmpty":                ErrIDEmpty,
	"ErrIDChars":                ErrIDChars,
	"ErrIDLength":               ErrIDLength,
	"ErrIDPrefix":               ErrIDPrefix,
	"ErrIDFormat":               ErrIDFormat,
	"ErrControlLetter":          ErrControlLetter,
	"ErrIDPassport":             ErrIDPassport,
	"ErrPassportNumber":         ErrPassportNumber,
	"ErrNameEmpty":              ErrNameEmpty,
	"ErrNameChars":              ErrNameChars,
	"ErrNameLength":             ErrNameLength,
	"ErrSurnameEmpty":           ErrSurnameEmpty,
	"ErrSurnameAccents":         ErrSurnameAccents,
	"ErrSurnameMismatch":        ErrSurnameMismatch,
	"ErrPhoneEmpty":             ErrPhoneEmpty,
	"ErrPhoneInvalid":           ErrPhoneInvalid,
	"ErrPhoneNotMobile":         ErrPhoneNotMobile,
	"ErrPhoneForeignNotAllowed": ErrPhoneForeignNotAllowed,
	"ErrDateInvalid":            ErrDateInvalid,
	"ErrDocumentType":           ErrDocumentType,
	"ErrDocumentNumber":         ErrDocumentNumber,
	"ErrDocumentIDMismatch":     ErrDocumentIDMismatch,
	"ErrDocumentExpired":        ErrDocumentExpired,
	"ErrDocumentNoExpiry":       ErrDocumentNoExpiry,
	"ErrSupportInvalid":         ErrSupportInvalid,
	"ErrSupportIsID":            ErrSupportIsID,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
}

var codeShape = regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)

func TestEveryErrorTemplateIsBilingualWithAStableCode(t *testing.T) {
	seen := map[string]string{}
	for name, e := range templates {
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q is not area.name", name, e.Code)
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

// wantCode checks that err is a complete *i18n.Error with the given code
// (and so matches the template with errors.Is). An empty code expects no
// error.
func wantCode(t *testing.T, what string, err error, code string) *i18n.Error {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return nil
	}
	e, ok := i18n.As(err)
	if !ok {
		t.Errorf("%s: got %v, want an *i18n.Error with code %s", what, err, code)
		return nil
	}
	if e.Code != code {
		t.Errorf("%s: got code %s (%s), want %s", what, e.Code, e.Msg.EN, code)
		return e
	}
	checkTexts(t, what, e)
	for _, tmpl := range templates {
		if tmpl.Code == code && !errors.Is(err, tmpl) {
			t.Errorf("%s: errors.Is(err, template %s) is false", what, code)
		}
		if tmpl == e {
			t.Errorf("%s: returned the shared template itself, not a copy", what)
		}
	}
	return e
}

func TestReturnedErrorsAreCopiesOfTemplates(t *testing.T) {
	_, err := ParseID("12345678A")
	e, _ := i18n.As(err)
	e.Cause = errors.New("set by a caller")
	e.Msg.EN = "changed by a caller"
	if ErrControlLetter.Cause != nil || ErrControlLetter.Msg.EN == "changed by a caller" {
		t.Fatal("changing a returned error changed the template")
	}
}
