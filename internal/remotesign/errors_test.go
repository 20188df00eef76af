package remotesign

import (
	"regexp"
	"testing"

	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/i18n/i18ntest"
)

var templates = map[string]*i18n.Error{
	"ErrNotFound":      ErrNotFound,
	"ErrDecided":       ErrDecided,
	"ErrExpired":       ErrExpired,
	"ErrLevel":         ErrLevel,
	"ErrCodeLocked":    ErrCodeLocked,
	"ErrSigningFailed": ErrSigningFailed,
	"ErrUnavailable":   ErrUnavailable,
	"ErrClientAuth":    ErrClientAuth,
	"ErrHashAlg":       ErrHashAlg,
	"ErrDigest":        ErrDigest,
	"ErrDescription":   ErrDescription,
	"ErrDocumentName":  ErrDocumentName,
	"ErrCallback":      ErrCallback,
	"ErrNotPDF":        ErrNotPDF,
	"ErrPDFTooLarge":   ErrPDFTooLarge,
	"ErrNoDocument":    ErrNoDocument,
	"ErrNotYours":      ErrNotYours,
}

func TestEveryExportedErrorIsListed(t *testing.T) {
	i18ntest.CheckListed(t, ".", templates)
}

func TestEveryErrorIsBilingual(t *testing.T) {
	i18ntest.CheckBilingual(t, templates, regexp.MustCompile(`^sign\.[a-z_]+$`))
}
