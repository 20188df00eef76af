package idp

import (
	"regexp"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

// templates lists every exported error of the package.
// TestEveryExportedErrorIsListed fails when a new Err* variable is missing
// here, so the bilingual check cannot be skipped by forgetting one.
var templates = map[string]*i18n.Error{
	"ErrPhoneTaken":          ErrPhoneTaken,
	"ErrNoAccount":           ErrNoAccount,
	"ErrAlreadyAdvanced":     ErrAlreadyAdvanced,
	"ErrAlreadyRegistered":   ErrAlreadyRegistered,
	"ErrEmail":               ErrEmail,
	"ErrLetterPending":       ErrLetterPending,
	"ErrLetterCode":          ErrLetterCode,
	"ErrSecondFact":          ErrSecondFact,
	"ErrNoMobile":            ErrNoMobile,
	"ErrPasswordWrong":       ErrPasswordWrong,
	"ErrPasswordLocked":      ErrPasswordLocked,
	"ErrNoPassword":          ErrNoPassword,
	"ErrCertLoginUnknown":    ErrCertLoginUnknown,
	"ErrCertLoginExpired":    ErrCertLoginExpired,
	"ErrCertLoginUsed":       ErrCertLoginUsed,
	"ErrVideoDocument":       ErrVideoDocument,
	"ErrVideoMobileMismatch": ErrVideoMobileMismatch,
	"ErrVideoNoReview":       ErrVideoNoReview,
	"ErrVideoSubmitted":      ErrVideoSubmitted,
	"ErrVideoIncomplete":     ErrVideoIncomplete,
	"ErrVideoKind":           ErrVideoKind,
	"ErrVideoContentType":    ErrVideoContentType,
	"ErrVideoTooLarge":       ErrVideoTooLarge,
	"ErrVideoNotPending":     ErrVideoNotPending,
	"ErrVideoReason":         ErrVideoReason,
	"ErrNotMeTooOften":       ErrNotMeTooOften,
	"ErrPasswordDisabled":    ErrPasswordDisabled,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	all := map[string]*i18n.Error{}
	for name, e := range templates {
		all[name] = e
	}
	// The app login's errors are listed (and checked) in app_test.go.
	for name, e := range appErrors {
		all[name] = e
	}
	i18ntest.CheckListed(t, ".", all)
}

func TestEveryErrorIsBilingual(t *testing.T) {
	i18ntest.CheckBilingual(t, templates, regexp.MustCompile(`^[a-z]+\.[a-z_]+$`))
}

// Every refusal reason an operator can choose tells the citizen, in both
// languages, why and what to do next.
func TestVideoRefusalsAreBilingual(t *testing.T) {
	for _, code := range VideoRefusalReasons() {
		r, note := VideoRefusalOf(code + ": una nota")
		if note != "una nota" {
			t.Errorf("%s: note %q", code, note)
		}
		for _, txt := range []i18n.Text{r.Reason, r.Next} {
			if txt.ES == "" || txt.EN == "" || txt.ES == txt.EN {
				t.Errorf("%s: %+v is not bilingual", code, txt)
			}
		}
		if r == videoRefusals[VideoOther] && code != VideoOther {
			t.Errorf("%s has no text of its own", code)
		}
	}
}
