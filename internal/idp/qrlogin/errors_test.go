package qrlogin

import (
	"regexp"
	"strings"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

// templates lists every exported error of the package.
// TestEveryExportedErrorIsListed fails when a new Err* variable is missing
// here, so the bilingual check cannot be skipped by forgetting one.
var templates = map[string]*i18n.Error{
	"ErrInvalid": ErrInvalid,
	"ErrStale":   ErrStale,
	"ErrExpired": ErrExpired,
}

var codeToName = func() map[string]string {
	m := map[string]string{}
	for name, e := range templates {
		m[e.Code] = name
	}
	return m
}()

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
}

var codeShape = regexp.MustCompile(`^qr\.[a-z_]+$`)

func TestEveryErrorIsBilingualWithNextSteps(t *testing.T) {
	wantCodes := map[string]bool{"qr.invalid": true, "qr.stale": true, "qr.expired": true}
	for name, e := range templates {
		if !codeShape.MatchString(e.Code) {
			t.Errorf("%s: code %q is not qr.name", name, e.Code)
		}
		if !wantCodes[e.Code] {
			t.Errorf("%s: unexpected code %q", name, e.Code)
		}
		delete(wantCodes, e.Code)
		if e.Cause != nil {
			t.Errorf("%s: a template must not carry a cause", name)
		}
		for _, p := range []struct {
			part string
			txt  i18n.Text
		}{{"Msg", e.Msg}, {"Next", e.Next}} {
			if strings.TrimSpace(p.txt.ES) == "" || strings.TrimSpace(p.txt.EN) == "" {
				t.Errorf("%s: %s is missing a language: %+v", name, p.part, p.txt)
			}
			if p.txt.ES == p.txt.EN {
				t.Errorf("%s: %s is the same in both languages: %q", name, p.part, p.txt.ES)
			}
			for _, s := range []string{p.txt.ES, p.txt.EN} {
				if strings.Contains(s, "%!") || strings.Contains(s, "  ") || !strings.HasSuffix(s, ".") {
					t.Errorf("%s: %s has a formatting slip: %q", name, p.part, s)
				}
			}
		}
		// A next step is an instruction: it names what to do again.
		if !containsAny(strings.ToLower(e.Next.ES), "escanea", "recarga") ||
			!containsAny(strings.ToLower(e.Next.EN), "scan", "reload") {
			t.Errorf("%s: next step does not tell the person what to do: %+v", name, e.Next)
		}
		for _, lang := range i18n.Langs {
			if e.Message(lang) == "" || e.Hint(lang) == "" {
				t.Errorf("%s: empty in %s", name, lang)
			}
		}
	}
	for code := range wantCodes {
		t.Errorf("no exported error has code %s", code)
	}
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
